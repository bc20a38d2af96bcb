"""``F.normalize`` with p = 2 as one kernel, against the composed Variable formula: values, gradients (clamped
norms included), dims, second derivatives and PyTorch's zero-vector gradient."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradcheck, gradgradcheck
from taeda.nn.functional._distance import _pnorm

RNG = np.random.default_rng(61)


def _composed(x: Variable, dim: int, eps: float) -> Variable:
    out: Variable = x / _pnorm(x, 2, dim, True).clamp(min=eps)
    return out


@pytest.mark.parametrize(("shape", "dim"), [((6, 5), 1), ((6, 5), 0), ((3, 4, 5), 1), ((3, 4, 5), -1), ((7,), 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_equals_the_composed_formula(shape: tuple[int, ...], dim: int, dtype: Any) -> None:
    a = RNG.standard_normal(shape).astype(dtype)
    a[(0,) * (len(shape) - 1)] *= 1e-3  # a short row: its norm is clamped by eps = 0.5 below
    g = RNG.standard_normal(shape).astype(dtype)
    for eps in (1e-12, 0.5):
        outs = []
        for fused in (True, False):
            x = Variable(tt.from_numpy(a.copy()), requires_grad=True)
            y = F.normalize(x, dim=dim, eps=eps) if fused else _composed(x, dim, eps)
            (gx,) = grad([y], [x], [tt.from_numpy(g)])
            assert gx is not None
            outs.append((y.data.numpy(), gx.numpy()))
        rtol = 1e-5 if dtype == np.float32 else 1e-12
        for ours, ref in zip(*outs):
            assert ours.dtype == dtype
            np.testing.assert_allclose(ours, ref, rtol=rtol, atol=rtol)


def test_zero_vector_gradient_and_checks() -> None:
    x = Variable(tt.from_numpy(np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]])), requires_grad=True)
    y = F.normalize(x, dim=1)
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(y.data.numpy()[0], [0, 0, 0])
    np.testing.assert_allclose(x.grad.numpy()[0], [1e12, 1e12, 1e12])  # g / eps, as PyTorch
    v = Variable(tt.from_numpy(RNG.standard_normal((4, 3))), requires_grad=True)
    assert gradcheck(lambda t: F.normalize(t, dim=1), (v,))
    assert gradgradcheck(lambda t: F.normalize(t, dim=0), (v,))


def test_torch_parity() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity checks need torch installed")
    a = RNG.standard_normal((5, 6))
    a[2] = 0
    tx = torch.tensor(a, requires_grad=True)
    torch.nn.functional.normalize(tx, dim=1).pow(2).sum().backward()
    x = Variable(tt.from_numpy(a), requires_grad=True)
    (F.normalize(x, dim=1) ** 2).sum().backward()
    assert x.grad is not None and tx.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
