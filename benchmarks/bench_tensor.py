"""taeda.tensor against the same NumPy call on the same data (and PyTorch when installed).

Targets (issue 3): large elementwise ops, reductions and matmul within 1.1x NumPy; per-call overhead on 4-element
tensors (``a + b``, ``a.sum()``) at most 2x NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _harness import Case, try_import_torch

import taeda.tensor as tt


def cases(quick: bool = False) -> list[Case]:
    torch: Any = try_import_torch()
    rng = np.random.default_rng(0)
    out: list[Case] = []

    # --- per-call overhead on tiny tensors
    a4, b4 = rng.standard_normal(4).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    ta4, tb4 = tt.from_numpy(a4), tt.from_numpy(b4)
    qa4 = torch.from_numpy(a4) if torch else None
    qb4 = torch.from_numpy(b4) if torch else None
    out.append(Case("tiny (4 floats)", "a + b", lambda: ta4 + tb4, lambda: a4 + b4,
                    (lambda: qa4 + qb4) if torch else None, "<= 2x numpy", 2.0))
    out.append(Case("tiny (4 floats)", "a * 2.0", lambda: ta4 * 2.0, lambda: a4 * 2.0,
                    (lambda: qa4 * 2.0) if torch else None, "<= 2x numpy", 2.0))
    out.append(Case("tiny (4 floats)", "a.sum()", lambda: ta4.sum(), lambda: a4.sum(),
                    (lambda: qa4.sum()) if torch else None, "<= 2x numpy", 2.0))
    out.append(Case("tiny (4 floats)", "tt.exp(a)", lambda: tt.exp(ta4), lambda: np.exp(a4),
                    (lambda: torch.exp(qa4)) if torch else None, "", None))
    out.append(Case("tiny (4 floats)", "a.view(2, 2)", lambda: ta4.view(2, 2), lambda: a4.reshape(2, 2),
                    (lambda: qa4.view(2, 2)) if torch else None, "", None))

    # --- large arrays: the same kernels, so the ratio shows wrapper cost and needless copies
    n = 1 << (20 if quick else 22)
    x, y = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    tx, ty = tt.from_numpy(x), tt.from_numpy(y)
    qx = torch.from_numpy(x) if torch else None
    qy = torch.from_numpy(y) if torch else None
    label = f"large ({n:,} floats)"
    out.append(Case(label, "a + b", lambda: tx + ty, lambda: x + y, (lambda: qx + qy) if torch else None,
                    "<= 1.1x numpy", 1.1))
    out.append(Case(label, "exp(a)", lambda: tt.exp(tx), lambda: np.exp(x), (lambda: torch.exp(qx)) if torch else None,
                    "<= 1.1x numpy", 1.1))
    out.append(Case(label, "a.sum()", lambda: tx.sum(), lambda: x.sum(), (lambda: qx.sum()) if torch else None,
                    "<= 1.1x numpy", 1.1))
    m2 = x.reshape(1024, -1)
    tm2 = tx.view(1024, -1)
    qm2 = qx.view(1024, -1) if torch else None
    out.append(Case(label, "a.sum(dim=1)", lambda: tm2.sum(1), lambda: m2.sum(1),
                    (lambda: qm2.sum(1)) if torch else None, "<= 1.1x numpy", 1.1))
    out.append(Case(label, "a.max(dim=1)", lambda: tm2.amax(1), lambda: m2.max(1),
                    (lambda: qm2.amax(1)) if torch else None, "<= 1.1x numpy", 1.1))

    k = 256 if quick else 1024
    p, q = rng.standard_normal((k, k)).astype(np.float32), rng.standard_normal((k, k)).astype(np.float32)
    tp, tq = tt.from_numpy(p), tt.from_numpy(q)
    qp = torch.from_numpy(p) if torch else None
    qq = torch.from_numpy(q) if torch else None
    out.append(Case("matmul", f"{k}x{k} @ {k}x{k}", lambda: tp @ tq, lambda: p @ q, (lambda: qp @ qq) if torch else None,
                    "<= 1.1x numpy", 1.1, unit="ms"))
    return out
