"""Layer norm's blocked, two-thread row kernels: forward and every gradient subset against NumPy formulas, across
block boundaries, both halves of the thread split, odd shapes, and with the thread split off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck
from taeda.nn.functional import _kern_rownorm, _kern_runtime

RNG = np.random.default_rng(3)


@pytest.fixture(params=[True, False], ids=["threads", "one-thread"])
def threads(request: pytest.FixtureRequest) -> Iterator[bool]:
    old = _kern_runtime.set_kernel_threads(bool(request.param))
    yield bool(request.param)
    _kern_runtime.set_kernel_threads(old)


def _reference(x: Any, ns: tuple[int, ...], w: Any, b: Any, g: Any, eps: float) -> tuple[Any, Any, Any, Any]:
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    mean = x.mean(axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axes, keepdims=True)
    rstd = 1 / np.sqrt(var + eps)
    xhat = (x - mean) * rstd
    y = xhat * (1 if w is None else w) + (0 if b is None else b)
    lead = tuple(range(x.ndim - len(ns)))
    gw = (g * xhat).sum(lead)
    gb = g.sum(lead)
    t = g * (1 if w is None else w)
    gx = rstd * (t - t.mean(axes, keepdims=True) - xhat * (t * xhat).mean(axes, keepdims=True))
    return y, gx, gw, gb


SHAPES = [
    ((300, 1000), (1000,)),  # 300K elements: split over two threads, 131 rows per block (ragged blocks)
    ((4, 250, 7), (7,)),  # tiny rows: one block holds them all
    ((3, 4, 50, 20), (50, 20)),  # a 2-D normalized shape
    ((2000, 1), (1,)),  # one value per row: variance 0, rstd = 1/sqrt(eps)
]


@pytest.mark.parametrize(("shape", "ns"), SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", ["affine", "weight", "bias", "none"])
def test_forward_and_gradients_match_the_formulas(
    shape: tuple[int, ...], ns: tuple[int, ...], dtype: Any, params: str, threads: bool
) -> None:
    x = (RNG.standard_normal(shape) * 3 + 5).astype(dtype)  # rows far from 0: the variance is two-pass
    g = RNG.standard_normal(shape).astype(dtype)
    w = RNG.standard_normal(ns).astype(dtype) if params in ("affine", "weight") else None
    b = RNG.standard_normal(ns).astype(dtype) if params in ("affine", "bias") else None
    xv = Variable(tt.from_numpy(x), requires_grad=True)
    wv = None if w is None else Variable(tt.from_numpy(w), requires_grad=True)
    bv = None if b is None else Variable(tt.from_numpy(b), requires_grad=True)
    y = F.layer_norm(xv, ns, wv, bv, eps=1e-5)
    y.backward(tt.from_numpy(g))
    ry, rgx, rgw, rgb = _reference(x.astype(np.float64), ns, w, b, g.astype(np.float64), 1e-5)
    rtol = atol = 2e-4 if dtype == np.float32 else 1e-10
    assert y.dtype == xv.dtype and y.shape == xv.shape
    np.testing.assert_allclose(y.data.numpy(), ry, rtol=rtol, atol=atol)
    assert xv.grad is not None and xv.grad.dtype == xv.dtype
    np.testing.assert_allclose(xv.grad.numpy(), rgx, rtol=rtol, atol=atol)
    if wv is not None:
        assert wv.grad is not None and wv.grad.shape == wv.shape
        np.testing.assert_allclose(wv.grad.numpy(), rgw, rtol=rtol, atol=atol * np.sqrt(x.size))
    if bv is not None:
        assert bv.grad is not None and bv.grad.shape == bv.shape
        np.testing.assert_allclose(bv.grad.numpy(), rgb, rtol=rtol, atol=atol * np.sqrt(x.size))


@pytest.mark.parametrize("wants", ["x", "w", "b", "wb"])
def test_each_subset_of_gradients(wants: str) -> None:
    x = RNG.standard_normal((600, 700))
    g = RNG.standard_normal(x.shape)
    w, b = RNG.standard_normal(700), RNG.standard_normal(700)
    xv = Variable(tt.from_numpy(x), requires_grad="x" in wants)
    wv = Variable(tt.from_numpy(w), requires_grad="w" in wants)
    bv = Variable(tt.from_numpy(b), requires_grad="b" in wants)
    F.layer_norm(xv, (700,), wv, bv).backward(tt.from_numpy(g))
    _, rgx, rgw, rgb = _reference(x, (700,), w, b, g, 1e-5)
    for v, ref, name in ((xv, rgx, "x"), (wv, rgw, "w"), (bv, rgb, "b")):
        if name in wants:
            assert v.grad is not None
            np.testing.assert_allclose(v.grad.numpy(), ref, rtol=1e-9, atol=1e-9)
        else:
            assert v.grad is None


def test_non_contiguous_input_and_gradcheck() -> None:
    base = RNG.standard_normal((40, 30, 12))
    x = Variable(tt.from_numpy(base).transpose(0, 1), requires_grad=True)  # (30, 40, 12), not contiguous
    w = Variable(tt.from_numpy(RNG.standard_normal(12)), requires_grad=True)
    y = F.layer_norm(x, (12,), w, None)
    ref, _, _, _ = _reference(base.transpose(1, 0, 2), (12,), w.data.numpy(), None, np.zeros((30, 40, 12)), 1e-5)
    np.testing.assert_allclose(y.data.numpy(), ref, rtol=1e-12, atol=1e-12)
    small = Variable(tt.from_numpy(RNG.standard_normal((3, 5, 4))).transpose(0, 1), requires_grad=True)
    wb = Variable(tt.from_numpy(RNG.standard_normal(4)), requires_grad=True)
    bb = Variable(tt.from_numpy(RNG.standard_normal(4)), requires_grad=True)
    assert gradcheck(lambda a, c, e: F.layer_norm(a, (4,), c, e), (small, wb, bb))


def test_kernel_blocks_and_halves_directly() -> None:
    # rows per block for width 1000 is 131: 300 rows cross block edges inside each thread's half
    assert _kern_rownorm._samples_per_block(1000, 1) == 131
    x = RNG.standard_normal((300, 1000)).astype(np.float32)
    y, mean, rstd = _kern_rownorm.rownorm_forward(np, x, None, None, 1e-5)
    np.testing.assert_allclose(mean[:, 0], x.mean(1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rstd[:, 0], 1 / np.sqrt(x.var(1) + 1e-5), rtol=1e-4)
    np.testing.assert_allclose(y, (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5), atol=1e-4)


def test_kernel_docstring_examples() -> None:
    import doctest

    result = doctest.testmod(_kern_rownorm)
    assert result.attempted >= 2 and result.failed == 0
