"""taeda.autograd benchmarks: forward + backward of the same math in taeda, hand-written NumPy and PyTorch.

Cases:
- a 10-op elementwise chain (+ sum) on 4 floats: pure graph-recording and engine overhead (target <= 0.6x PyTorch);
- the same chain on 1M floats and a 512x512 matmul chain: overhead over the kernels (target <= 1.3x NumPy).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _harness import Case, try_import_torch

import taeda.tensor as tt
from taeda.autograd import Variable


def _chain(x: Any) -> Any:
    y = x * 2
    y = y + 1
    y = y.sin()
    y = y * x
    y = y.exp()
    y = y - 3
    y = y / 2
    y = y.tanh()
    y = y**2
    return y.sum()


def _numpy_chain(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The chain forward and its gradient with respect to x, written by hand."""
    y1 = x * 2
    y2 = y1 + 1
    y3 = np.sin(y2)
    y4 = y3 * x
    y5 = np.exp(y4)
    y6 = y5 - 3
    y7 = y6 / 2
    y8 = np.tanh(y7)
    y9 = y8**2
    y9.sum()
    g7 = 2 * y8 * (1 - y8 * y8)
    g4 = g7 * 0.5 * y5
    gx = g4 * y3
    gx += g4 * x * np.cos(y2) * 2
    result: np.ndarray[Any, Any] = gx
    return result


def _chain_case(n: int, group: str, name: str, target: str, ratio: float, of: str) -> Case:
    rng = np.random.default_rng(0)
    base = (rng.standard_normal(n) * 0.5).astype(np.float32)
    xv = Variable(tt.as_tensor(base.copy()), requires_grad=True)

    def run_taeda() -> object:
        xv.grad = None
        _chain(xv).backward()
        return xv.grad

    def run_numpy() -> object:
        return _numpy_chain(base)

    run_torch = None
    torch: Any = try_import_torch()
    if torch is not None:
        xt = torch.tensor(base.copy(), requires_grad=True)

        def run_torch() -> object:
            xt.grad = None
            _chain(xt).backward()
            return xt.grad

    return Case(group, name, run_taeda, run_numpy, run_torch, target=target, target_ratio=ratio, target_of=of)


def _matmul_case(quick: bool) -> Case:
    n = 256 if quick else 512
    rng = np.random.default_rng(1)
    xa = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    w1a = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    w2a = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    x = Variable(tt.as_tensor(xa))
    w1 = Variable(tt.as_tensor(w1a.copy()), requires_grad=True)
    w2 = Variable(tt.as_tensor(w2a.copy()), requires_grad=True)

    def run_taeda() -> object:
        w1.grad = None
        w2.grad = None
        ((x @ w1).tanh() @ w2).sum().backward()
        return w1.grad

    def run_numpy() -> object:
        h = np.tanh(xa @ w1a)
        y = h @ w2a
        y.sum()
        gy = np.ones_like(y)
        gw2 = h.T @ gy
        gh = gy @ w2a.T
        gh *= 1 - h * h
        gw1 = xa.T @ gh
        return gw1, gw2

    run_torch = None
    torch: Any = try_import_torch()
    if torch is not None:
        xt = torch.tensor(xa)
        w1t = torch.tensor(w1a, requires_grad=True)
        w2t = torch.tensor(w2a, requires_grad=True)

        def run_torch() -> object:
            w1t.grad = None
            w2t.grad = None
            ((xt @ w1t).tanh() @ w2t).sum().backward()
            return w1t.grad

    return Case(
        "autograd",
        f"matmul-tanh-matmul {n}x{n} fwd+bwd",
        run_taeda,
        run_numpy,
        run_torch,
        target="<= 1.3x numpy",
        target_ratio=1.3,
        unit="ms",
    )


def cases(quick: bool) -> list[Case]:
    big = 100_000 if quick else 1_000_000
    small = _chain_case(4, "autograd", "10-op chain, 4 floats, fwd+bwd", "<= 0.6x torch", 0.6, "torch")
    large = _chain_case(big, "autograd", f"10-op chain, {big:,} floats, fwd+bwd", "<= 1.3x numpy", 1.3, "numpy")
    large.unit = "ms"
    return [small, large, _matmul_case(quick)]
