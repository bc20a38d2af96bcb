"""Double backward (create_graph=True) through pooling, unpooling and interpolation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradgradcheck


def _grad(*args: Any, **kwargs: Any) -> list[Variable]:
    """``autograd.grad`` with every gradient present."""
    gs = grad(*args, **kwargs)
    assert all(g is not None for g in gs)
    return [g for g in gs if g is not None]


def _distinct(*shape: int, seed: int = 0) -> Variable:
    """float64 values with no ties (max pooling's argmax stays put under finite differences)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    a = (rng.permutation(n).astype(np.float64) - n / 2) * 0.1
    return Variable(tt.as_tensor(a.reshape(shape)), requires_grad=True)


def _rand(*shape: int, seed: int = 0) -> Variable:
    rng = np.random.default_rng(seed)
    return Variable(tt.as_tensor(rng.standard_normal(shape)), requires_grad=True)


MAX2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (2, 3), "stride": (1, 2), "dilation": (2, 1)},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": 2, "stride": 1, "padding": 1, "dilation": 1},
]


@pytest.mark.parametrize("kw", MAX2D)
@pytest.mark.parametrize("ret", [False, True])
def test_max_pool2d_gradgrad(kw: dict[str, Any], ret: bool) -> None:
    x = _distinct(2, 2, 5, 6)

    def f(x: Variable) -> Any:
        out = F.max_pool2d(x, return_indices=ret, **kw)
        return out[0] if ret else out

    assert gradgradcheck(f, (x,))


@pytest.mark.parametrize(
    "kw",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_size": 2, "dilation": 2},
    ],
)
def test_max_pool1d_gradgrad(kw: dict[str, Any]) -> None:
    x = _distinct(2, 3, 9)
    assert gradgradcheck(lambda x: F.max_pool1d(x, **kw), (x,))


AVG2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": (2, 3), "stride": 1, "divisor_override": 5},
]


@pytest.mark.parametrize("kw", AVG2D)
def test_avg_pool2d_gradgrad(kw: dict[str, Any]) -> None:
    x = _rand(2, 2, 5, 6)
    assert gradgradcheck(lambda x: F.avg_pool2d(x, **kw) ** 2, (x,))


@pytest.mark.parametrize("kw", [{"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, {"kernel_size": 2}])
def test_avg_pool1d_gradgrad(kw: dict[str, Any]) -> None:
    x = _rand(2, 3, 9)
    assert gradgradcheck(lambda x: F.avg_pool1d(x, **kw) ** 2, (x,))


def test_adaptive_pools_gradgrad() -> None:
    x = _distinct(2, 2, 7, 5)
    assert gradgradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 2)) ** 2, (x,))
    assert gradgradcheck(lambda x: F.adaptive_max_pool2d(x, (3, 2)), (x,))
    x1 = _distinct(2, 3, 10)
    assert gradgradcheck(lambda x: F.adaptive_avg_pool1d(x, 4) ** 2, (x1,))
    assert gradgradcheck(lambda x: F.adaptive_max_pool1d(x, 4, return_indices=True)[0], (x1,))


def test_max_unpool_gradgrad() -> None:
    x = _distinct(1, 2, 4, 6)
    _, idx = F.max_pool2d(x.detach(), 2, return_indices=True)
    v = _rand(1, 2, 2, 3)
    assert gradgradcheck(lambda v: F.max_unpool2d(v, idx, 2) ** 2, (v,))
    x1 = _distinct(1, 2, 8)
    _, idx1 = F.max_pool1d(x1.detach(), 2, return_indices=True)
    v1 = _rand(1, 2, 4)
    assert gradgradcheck(lambda v: F.max_unpool1d(v, idx1, 2) ** 2, (v1,))


INTERP = [
    {"mode": "nearest", "scale_factor": 2},
    {"mode": "bilinear", "size": (5, 7), "align_corners": False},
    {"mode": "bilinear", "scale_factor": 1.5, "align_corners": True},
    {"mode": "nearest", "size": (2, 5)},
]


@pytest.mark.parametrize("kw", INTERP)
def test_interpolate2d_gradgrad(kw: dict[str, Any]) -> None:
    x = _rand(1, 2, 3, 4)
    assert gradgradcheck(lambda x: F.interpolate(x, **kw) ** 2, (x,))


@pytest.mark.parametrize("ac", [False, True])
def test_interpolate_linear_gradgrad(ac: bool) -> None:
    x = _rand(2, 2, 5)
    assert gradgradcheck(lambda x: F.interpolate(x, size=8, mode="linear", align_corners=ac) ** 2, (x,))
    assert gradgradcheck(lambda x: F.upsample(x, scale_factor=2) ** 2, (x,))


def test_third_order_through_pool() -> None:
    """Gradient of a gradient of a gradient: the adjoint pairs chain to any order."""
    x = _rand(1, 1, 4, 4)
    y = (F.avg_pool2d(x, 2) ** 3).sum()
    (g1,) = _grad(y, x, create_graph=True)
    (g2,) = _grad((g1 * g1).sum(), x, create_graph=True)
    (g3,) = _grad(g2.sum(), x)
    # m = window mean: y = sum m^3, g1 = 3m^2/4 per element, (g1*g1).sum() = sum 9m^4/4, g2 = 9m^3/4 per element,
    # g2.sum() = sum 9m^3, g3 = 27m^2/4 per element
    m = x.data.array.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4).mean(-1)
    exp3 = 27 / 4 * m**2
    expected = np.kron(exp3, np.ones((2, 2))).reshape(1, 1, 4, 4)
    np.testing.assert_allclose(g3.data.array, expected, rtol=1e-10)


def test_ordinary_backward_unchanged() -> None:
    """Without create_graph the gradients are plain (no graph) and equal the double-backward ones."""
    x = _distinct(2, 2, 6, 6)
    for f in (
        lambda x: F.max_pool2d(x, 3, 2, 1),
        lambda x: F.avg_pool2d(x, 3, 2, 1),
        lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
        lambda x: F.adaptive_max_pool2d(x, 4),
    ):
        y = f(x)
        go = tt.as_tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)))
        (a,) = _grad(y, x, go)
        (b,) = _grad(f(x), x, Variable(go), create_graph=True)
        assert not a.requires_grad
        np.testing.assert_allclose(a.data.array, b.data.array, rtol=1e-12)


@pytest.mark.torch
def test_torch_parity_second_order_pool_interp() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    xa = rng.permutation(2 * 3 * 6 * 6).astype(np.float64).reshape(2, 3, 6, 6) * 0.1
    wa = rng.standard_normal((2, 3, 6, 6))

    def ours() -> Any:
        x = Variable(tt.as_tensor(xa), requires_grad=True)
        w = Variable(tt.as_tensor(wa), requires_grad=True)
        h = x * w
        y = F.max_pool2d(h, 3, 2, 1, ceil_mode=True) + F.avg_pool2d(h, 3, 2, 1, True, count_include_pad=False)
        z = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False).pow(2).sum()
        (gx,) = _grad(z, x, create_graph=True)
        (gw,) = _grad(gx.pow(2).sum(), w)
        return gw.data.array

    def theirs() -> Any:
        x = torch.tensor(xa, requires_grad=True)
        w = torch.tensor(wa, requires_grad=True)
        h = x * w
        tf = torch.nn.functional
        y = tf.max_pool2d(h, 3, 2, 1, ceil_mode=True) + tf.avg_pool2d(h, 3, 2, 1, True, count_include_pad=False)
        z = tf.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False).pow(2).sum()
        (gx,) = torch.autograd.grad(z, x, create_graph=True)
        (gw,) = torch.autograd.grad(gx.pow(2).sum(), w)
        return gw.numpy()

    np.testing.assert_allclose(ours(), theirs(), rtol=1e-9, atol=1e-9)
