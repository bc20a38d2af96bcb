"""Linear, Bilinear, Identity, Flatten, Unflatten: forward against NumPy, gradcheck, init, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def var(a: np.ndarray, rg: bool = True) -> Variable:
    return Variable(tt.as_tensor(np.ascontiguousarray(a)), requires_grad=rg)


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,), (0, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_matches_numpy(shape: tuple[int, ...], bias: bool) -> None:
    x = RNG.standard_normal(shape).astype(np.float32)
    lin = nn.Linear(4, 3, bias=bias)
    w = lin.weight.data.numpy()
    ref = x @ w.T + (lin.bias.data.numpy() if bias else 0)
    out = lin(tt.as_tensor(x))
    assert out.dtype == tt.float32
    np.testing.assert_allclose(out.data.numpy(), ref, rtol=1e-5, atol=1e-6)


def test_linear_non_contiguous_input() -> None:
    x = RNG.standard_normal((4, 6))
    xt = tt.as_tensor(x).t()  # (6, 4) transposed view
    w, b = RNG.standard_normal((3, 4)), RNG.standard_normal(3)
    out = F.linear(xt, tt.as_tensor(w), tt.as_tensor(b))
    np.testing.assert_allclose(out.data.numpy(), x.T @ w.T + b)


@pytest.mark.parametrize("rows", [7, 8, 33, 64, 65])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_few_rows_path_matches_numpy_and_is_c_ordered(rows: int, bias: bool, dtype: Any) -> None:
    # 8-64 rows and at least 128 outputs take the W xᵀ GEMM; the neighbours take x Wᵀ: both give the same y
    x = RNG.standard_normal((rows, 40)).astype(dtype)
    x_view = np.asfortranarray(x)  # a non-contiguous input as well
    w = RNG.standard_normal((130, 40)).astype(dtype)
    b = RNG.standard_normal(130).astype(dtype) if bias else None
    ref = x.astype(np.float64) @ w.T.astype(np.float64) + (0 if b is None else b)
    for inp in (x, x_view):
        out = F.linear(tt.as_tensor(inp), tt.as_tensor(w), None if b is None else tt.as_tensor(b)).data.numpy()
        assert out.flags.c_contiguous and out.dtype == dtype and out.shape == (rows, 130)
        np.testing.assert_allclose(out, ref, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-4)
    xv, wv = var(x.astype(np.float64)[:, :6]), var(w.astype(np.float64)[:, :6])
    bv = var(b.astype(np.float64)) if b is not None else None
    assert gradcheck(lambda a, c: F.linear(a, c, bv), (xv, wv))


@pytest.mark.parametrize("shape", [(3, 4), (2, 2, 4), (4,)])
def test_linear_gradcheck(shape: tuple[int, ...]) -> None:
    x, w, b = var(RNG.standard_normal(shape)), var(RNG.standard_normal((3, 4))), var(RNG.standard_normal(3))
    assert gradcheck(F.linear, (x, w, b))
    assert gradcheck(F.linear, (x, w))
    assert gradgradcheck(F.linear, (x, w, b))


@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 1, 3, 4), (0, 3, 4), (3, 0, 4), (2, 3, 0)])
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_linear_on_stacks_is_one_gemm_with_the_same_values(shape: tuple[int, ...], layout: str) -> None:
    """Inputs of 3+ dimensions run as one GEMM over all rows (forward and both gradients), also when the rows do
    not merge without a copy; values and shapes as the per-row formula, empty dimensions included."""
    k = shape[-1]
    x = RNG.standard_normal(shape)
    if layout == "strided":
        x = np.swapaxes(np.ascontiguousarray(np.swapaxes(x, 0, -2)), 0, -2)  # same values, rows that do not merge
    w, b, g = RNG.standard_normal((5, k)), RNG.standard_normal(5), RNG.standard_normal((*shape[:-1], 5))
    xv, wv, bv = Variable(tt.as_tensor(x), requires_grad=True), var(w), var(b)
    y = F.linear(xv, wv, bv)
    y.backward(tt.as_tensor(g))
    assert xv.grad is not None and wv.grad is not None and bv.grad is not None
    np.testing.assert_allclose(y.data.numpy(), x @ w.T + b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xv.grad.numpy(), g @ w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        wv.grad.numpy(), g.reshape(-1, 5).T @ x.reshape(math.prod(shape[:-1]), k), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(bv.grad.numpy(), g.reshape(-1, 5).sum(0), rtol=1e-12, atol=1e-12)
    assert tuple(y.shape) == (*shape[:-1], 5) and tuple(xv.grad.shape) == shape


def test_linear_vector_weight() -> None:
    x, w = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    out = F.linear(tt.as_tensor(x), tt.as_tensor(w), tt.tensor(0.5, dtype=tt.float64))
    np.testing.assert_allclose(out.data.numpy(), x @ w + 0.5)
    assert gradcheck(F.linear, (var(x), var(w)))


def test_linear_errors_name_both_shapes() -> None:
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x5 and 4x3\)"):
        F.linear(tt.ones(2, 5), tt.ones(3, 4))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(tt.ones(2, 4, dtype=tt.float64), tt.ones(3, 4))


def test_linear_default_init_bounds() -> None:
    tt.manual_seed(0)
    lin = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    w, b = lin.weight.data.numpy(), lin.bias.data.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01
    assert repr(lin) == "Linear(in_features=100, out_features=50, bias=True)"
    assert list(lin.state_dict()) == ["weight", "bias"]


def test_bilinear_forward_and_gradcheck() -> None:
    x1, x2 = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 4))
    w, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal(2)
    ref = np.einsum("ni,kij,nj->nk", x1, w, x2) + b
    out = F.bilinear(tt.as_tensor(x1), tt.as_tensor(x2), tt.as_tensor(w), tt.as_tensor(b))
    np.testing.assert_allclose(out.data.numpy(), ref, rtol=1e-10)
    assert gradcheck(F.bilinear, (var(x1), var(x2), var(w), var(b)))
    m = nn.Bilinear(3, 4, 2)
    assert tuple(m(tt.randn(6, 3), tt.randn(6, 4)).shape) == (6, 2)
    assert repr(m) == "Bilinear(in1_features=3, in2_features=4, out_features=2, bias=True)"
    with pytest.raises(RuntimeError, match="do not match"):
        F.bilinear(tt.ones(2, 3), tt.ones(2, 5), tt.ones(2, 3, 4))


def test_identity_flatten_unflatten() -> None:
    x = tt.randn(2, 3, 4, 5)
    assert nn.Identity(1, a=2)(x) is x
    assert tuple(nn.Flatten()(x).shape) == (2, 60)
    assert tuple(nn.Flatten(0, 2)(x).shape) == (24, 5)
    assert tuple(nn.Unflatten(1, (3, 1))(tt.randn(2, 3, 4)).shape) == (2, 3, 1, 4)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (2, 5))) == "Unflatten(dim=1, unflattened_size=(2, 5))"
    v = var(RNG.standard_normal((2, 3, 4)))
    assert gradcheck(nn.Flatten(), (v,))
