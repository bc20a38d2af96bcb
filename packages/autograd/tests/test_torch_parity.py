"""Gradients against PyTorch on a few composite expressions (skipped without torch)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.autograd import Variable, grad

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

EXPRESSIONS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("mlp", lambda x, w: ((x @ w).tanh() * (x @ w).sigmoid()).sum()),
    ("reductions", lambda x, w: (x.amax(1) + x.logsumexp(1) + x.var(1) + x.norm(dim=1)).sum() * w.mean()),
    ("ties", lambda x, w: (x * 0 + 1).max() + (x.round()).amax(0).sum() + w.abs().sum()),
    ("shapes", lambda x, w: (x.t().reshape(-1)[1:7].reshape(2, 3) @ w[:3, :2]).cumsum(1).prod()),
    ("clamp_pow", lambda x, w: (x.clamp(-0.3, 0.4) ** 2).sum() + (w.exp() ** w.sigmoid()).sum()),
]


def G(v: Variable) -> Variable:
    """``v.grad``, asserted to exist."""
    assert v.grad is not None
    return v.grad


@pytest.mark.parametrize(("name", "fn"), EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_matches_torch(name: str, fn: Callable[[Any, Any], Any]) -> None:
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((3, 4))
    wa = rng.standard_normal((4, 5)) * 0.5
    x = Variable(tt.as_tensor(xa.copy()), requires_grad=True)
    w = Variable(tt.as_tensor(wa.copy()), requires_grad=True)
    xt = torch.tensor(xa, requires_grad=True)
    wt = torch.tensor(wa, requires_grad=True)
    out = fn(x, w)
    ref = fn(xt, wt)
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-10, atol=1e-12)
    gx, gw = grad(out, [x, w], create_graph=True)
    assert gx is not None and gw is not None
    rx, rw = torch.autograd.grad(ref, [xt, wt], create_graph=True)
    np.testing.assert_allclose(gx.data.numpy(), rx.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gw.data.numpy(), rw.detach().numpy(), rtol=1e-9, atol=1e-12)
    if gx.requires_grad and rx.requires_grad:
        (hx,) = grad((gx * gx).sum(), [x], allow_unused=True)
        (hr,) = torch.autograd.grad((rx * rx).sum(), [xt], allow_unused=True)
        if hr is not None and hx is not None:
            np.testing.assert_allclose(hx.data.numpy(), hr.numpy(), rtol=1e-8, atol=1e-10)
