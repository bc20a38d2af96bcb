"""Exact GELU in float32: the erfc-based kernel against a float64 SciPy reference, in both tails and at the special
values (which fall back to the reference formula)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import scipy.special

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._kern_gelu import gelu_fwd_f32, gelu_grad_f32

X = np.concatenate(
    [
        np.linspace(-14, 14, 280_001, dtype=np.float32),
        np.random.default_rng(0).standard_normal(50_000).astype(np.float32) * 3,
        np.array([1e-30, -1e-30, 1e-42, -1e-42, 2.0**-100, -(2.0**-100), 0.0, -0.0], np.float32),
    ]
)


def _reference(x: Any) -> tuple[Any, Any]:
    """gelu(x) and gelu'(x) in float64 from SciPy's erfc (no cancellation in either tail)."""
    x = x.astype(np.float64)
    cdf = 0.5 * scipy.special.erfc(-x / math.sqrt(2.0))
    return x * cdf, cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _never() -> Any:
    raise AssertionError("finite inputs must not take the reference path")


def test_forward_is_accurate_in_both_tails() -> None:
    y = gelu_fwd_f32(X, _never)
    ref, _ = _reference(X)
    normal = np.abs(ref) > np.finfo(np.float32).tiny
    rel = np.abs(y[normal] - ref[normal]) / np.abs(ref[normal])
    assert rel.max() < 2e-5  # float32's own x² error in exp(-x²/2) bounds the far lower tail (x < -9: 1e-5)
    central = normal & (X > -5)
    assert (np.abs(y[central] - ref[central]) / np.abs(ref[central])).max() < 2e-6
    # the lower tail keeps its significant digits: 1 + erf(x/√2) would give 0 or one bit below x = -5.4
    assert gelu_fwd_f32(np.array([-6.0, -10.0], np.float32), _never) == pytest.approx([-5.9197e-9, -7.6199e-23], 1e-4)
    np.testing.assert_array_equal(np.signbit(y[-2:]), [False, True])  # gelu(+0) = +0, gelu(-0) = -0 as in PyTorch


def test_gradient_is_accurate() -> None:
    g = np.random.default_rng(1).standard_normal(X.shape).astype(np.float32)
    gx = gelu_grad_f32(X, g, _never)
    _, dref = _reference(X)
    ref = g * dref
    # near gelu's minimum at x = -0.75 the derivative crosses 0: there the error is absolute, float32's eps
    assert np.abs(gx - ref).max() < 4e-7 * np.abs(g).max()
    tail = X < -2
    assert (np.abs(gx[tail] - ref[tail]) / np.maximum(np.abs(ref[tail]), 1e-37)).max() < 1e-5
    at_zero = gelu_grad_f32(np.array([0.0, -0.0], np.float32), np.ones(2, np.float32), _never)
    assert at_zero.tolist() == pytest.approx([0.5, 0.5], rel=2e-7)  # within one float32 ulp


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_blocks_take_the_reference_formula() -> None:
    x = np.array([np.inf, -np.inf, np.nan, 1.0], np.float32)
    exact = np.array([7.0, 8.0, 9.0, 10.0], np.float32)
    assert gelu_fwd_f32(x, lambda: exact) is exact
    assert gelu_grad_f32(x, np.ones(4, np.float32), lambda: exact) is exact
    assert gelu_grad_f32(np.ones(4, np.float32), np.array([np.nan, 1, 1, 1], np.float32), lambda: exact) is exact


def _gelu_fwd_bwd(a: Any, g: Any) -> tuple[Any, Any]:
    x = Variable(tt.from_numpy(a.copy()), requires_grad=True)
    y = F.gelu(x)
    y.backward(tt.from_numpy(g))
    assert x.grad is not None
    return y.data.numpy(), x.grad.numpy()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_functional_gelu_on_blocks_with_special_values() -> None:
    """A 600K-element float32 tensor (several blocks on two threads): one block holds ±inf and NaN and gives what
    the float64 formula gives there (PyTorch's limits aside); the others take the kernel."""
    rng = np.random.default_rng(2)
    a = (rng.standard_normal(600_000) * 4).astype(np.float32)
    a[400_000:400_003] = [np.inf, -np.inf, np.nan]
    g = rng.standard_normal(a.shape).astype(np.float32)
    y, gx = _gelu_fwd_bwd(a, g)
    y64, gx64 = _gelu_fwd_bwd(a.astype(np.float64), g.astype(np.float64))
    np.testing.assert_array_equal(np.isnan(y), np.isnan(y64))
    np.testing.assert_array_equal(np.isnan(gx), np.isnan(gx64))
    np.testing.assert_allclose(y, y64, rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(gx, gx64, rtol=2e-6, atol=4e-7 * float(np.abs(g).max()))


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (5,)])
def test_functional_gelu_small_empty_and_0d(shape: tuple[int, ...]) -> None:
    a = np.full(shape, -1.5, np.float32)
    y, gx = _gelu_fwd_bwd(a, np.ones(shape, np.float32))
    ref, dref = _reference(a)
    assert y.shape == gx.shape == shape and y.dtype == gx.dtype == np.float32
    np.testing.assert_allclose(y, ref, rtol=1e-6)
    np.testing.assert_allclose(gx, dref, rtol=1e-6)


def test_non_contiguous_input() -> None:
    a = np.random.default_rng(3).standard_normal((300, 1000)).astype(np.float32)
    x = Variable(tt.from_numpy(a)[:, ::2].transpose(0, 1), requires_grad=True)
    y = F.gelu(x)
    y.sum().backward()
    assert x.grad is not None
    ref, dref = _reference(a[:, ::2].T)
    np.testing.assert_allclose(y.data.numpy(), ref, rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(x.grad.numpy(), dref, rtol=2e-6, atol=4e-7)
