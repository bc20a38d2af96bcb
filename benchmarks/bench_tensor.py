"""taeda.tensor against the same NumPy call on the same data (and PyTorch when installed).

Targets (issue 3): large elementwise ops, reductions and matmul within 1.1x NumPy; per-call overhead on 4-element
tensors (``a + b``, ``a * b``, ``a + 1.0``, ``a.sum()``) at most 2x NumPy. Run with ``hatch run bench tensor``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from _harness import Case, try_import_torch

import taeda.tensor as tt

Fn = Callable[[], object]


def _case(group: str, name: str, fns: tuple[Fn, Fn, Fn | None], target: float | None, unit: str = "us") -> Case:
    text = "" if target is None else f"<= {target:g}x numpy"
    return Case(group, name, fns[0], fns[1], fns[2], text, target, unit=unit)


def cases(quick: bool = False) -> list[Case]:
    torch: Any = try_import_torch()
    rng = np.random.default_rng(0)
    out: list[Case] = []

    # per-call overhead on tiny tensors
    a, b = rng.standard_normal(4).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    ta, tb = tt.from_numpy(a), tt.from_numpy(b)
    qa: Any
    qb: Any
    qa, qb = (torch.from_numpy(a), torch.from_numpy(b)) if torch else (None, None)
    g = "tiny (4 floats)"
    out += [
        _case(g, "a + b", (lambda: ta + tb, lambda: a + b, (lambda: qa + qb) if torch else None), 2.0),
        _case(g, "a * b", (lambda: ta * tb, lambda: a * b, (lambda: qa * qb) if torch else None), 2.0),
        _case(g, "a * 2.0", (lambda: ta * 2.0, lambda: a * 2.0, (lambda: qa * 2.0) if torch else None), 2.0),
        _case(g, "a + 1.0", (lambda: ta + 1.0, lambda: a + 1.0, (lambda: qa + 1.0) if torch else None), 2.0),
        _case(g, "a < b", (lambda: ta < tb, lambda: a < b, (lambda: qa < qb) if torch else None), None),
        _case(g, "a / b", (lambda: ta / tb, lambda: a / b, (lambda: qa / qb) if torch else None), None),
        _case(g, "a.sum()", (ta.sum, a.sum, qa.sum if torch else None), 2.0),
        _case(g, "a.mean()", (ta.mean, a.mean, qa.mean if torch else None), None),
        _case(g, "exp(a)", (lambda: tt.exp(ta), lambda: np.exp(a), (lambda: torch.exp(qa)) if torch else None), None),
        _case(
            g,
            "a.view(2, 2)",
            (lambda: ta.view(2, 2), lambda: a.reshape(2, 2), (lambda: qa.view(2, 2)) if torch else None),
            None,
        ),
        _case(g, "a[1:3]", (lambda: ta[1:3], lambda: a[1:3], (lambda: qa[1:3]) if torch else None), None),
        _case(
            g,
            "a.add_(b)",
            (lambda: ta.add_(tb), lambda: np.add(a, b, out=a), (lambda: qa.add_(qb)) if torch else None),
            None,
        ),
    ]

    # large arrays: the same kernels, so a ratio above 1 is wrapper cost or a needless copy
    n = 1 << (20 if quick else 22)
    x, y = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    tx, ty = tt.from_numpy(x), tt.from_numpy(y)
    qx: Any
    qy: Any
    qx, qy = (torch.from_numpy(x), torch.from_numpy(y)) if torch else (None, None)
    m, tm = x.reshape(1024, -1), tx.view(1024, -1)
    qm: Any = qx.view(1024, -1) if torch else None
    g = f"large ({n:,} floats)"
    out += [
        _case(g, "a + b", (lambda: tx + ty, lambda: x + y, (lambda: qx + qy) if torch else None), 1.1),
        _case(g, "a * 2.0", (lambda: tx * 2.0, lambda: x * 2.0, (lambda: qx * 2.0) if torch else None), 1.1),
        _case(g, "exp(a)", (lambda: tt.exp(tx), lambda: np.exp(x), (lambda: torch.exp(qx)) if torch else None), 1.1),
        _case(g, "a.sum()", (tx.sum, x.sum, qx.sum if torch else None), 1.1),
        _case(g, "a.sum(dim=1)", (lambda: tm.sum(1), lambda: m.sum(1), (lambda: qm.sum(1)) if torch else None), 1.1),
        _case(g, "a.amax(dim=1)", (lambda: tm.amax(1), lambda: m.max(1), (lambda: qm.amax(1)) if torch else None), 1.1),
        _case(
            g, "a.mean(dim=0)", (lambda: tm.mean(0), lambda: m.mean(0), (lambda: qm.mean(0)) if torch else None), 1.1
        ),
        # a data-dependent mask: NumPy's where mispredicts a branch per element; taeda selects with bit operations
        _case(
            g,
            "where(a > 0, a, b)",
            (
                lambda: tt.where(tx > 0, tx, ty),
                lambda: np.where(x > 0, x, y),
                (lambda: torch.where(qx > 0, qx, qy)) if torch else None,
            ),
            1.1,
        ),
        _case(
            g,
            "clamp(a, -1, 1)",
            (lambda: tx.clamp(-1, 1), lambda: np.clip(x, -1, 1), (lambda: qx.clamp(-1, 1)) if torch else None),
            1.1,
        ),
    ]

    k = 256 if quick else 1024
    p, q = rng.standard_normal((k, k)).astype(np.float32), rng.standard_normal((k, k)).astype(np.float32)
    tp, tq = tt.from_numpy(p), tt.from_numpy(q)
    qp: Any
    qq: Any
    qp, qq = (torch.from_numpy(p), torch.from_numpy(q)) if torch else (None, None)
    out.append(
        _case(
            "matmul",
            f"{k}x{k} @ {k}x{k}",
            (lambda: tp @ tq, lambda: p @ q, (lambda: qp @ qq) if torch else None),
            1.1,
            unit="ms",
        )
    )
    return out
