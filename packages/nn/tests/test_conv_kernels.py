"""The one-group channels-last convolution kernels (``_conv_kernels``): forward and gradients against direct loops
and the general ``_kern_conv`` kernels, gradcheck through the public functions, the two-thread split, every
combination of needed gradients."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck
from taeda.nn.functional import _kern_runtime
from taeda.nn.functional._conv_kernels import fast_backward, fast_forward, fast_supported
from taeda.nn.functional._kern_conv import ConvGeom, conv_backward, conv_forward

Array = np.ndarray[Any, Any]
rng = np.random.default_rng(4321)


def V(a: Array, grad: bool = True) -> Variable:
    return Variable(tt.from_numpy(np.ascontiguousarray(a)), requires_grad=grad)


def G(v: Variable) -> Array:
    assert v.grad is not None
    out: np.ndarray[Any, Any] = v.grad.data.numpy()
    return out


def at(*parts: Any) -> Any:
    """An index tuple (typed loosely for mypy)."""
    return parts


def direct_conv(x: Array, w: Array, b: Array | None, stride: Any, lo: Any, hi: Any, dil: Any) -> Array:
    """One-group cross-correlation by explicit loops over output positions and kernel offsets."""
    d = x.ndim - 2
    k = w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(a, b) for a, b in zip(lo, hi)])
    out = [(xp.shape[2 + i] - dil[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(d)]
    y = np.zeros((x.shape[0], w.shape[0], *out))
    for pos in itertools.product(*(range(v) for v in out)):
        for off in itertools.product(*(range(v) for v in k)):
            idx = tuple(p * s + q * dl for p, s, q, dl in zip(pos, stride, off, dil))
            patch = xp[at(slice(None), slice(None), *idx)]
            y[at(slice(None), slice(None), *pos)] += patch @ w[at(slice(None), slice(None), *off)].T
    if b is not None:
        y += b.reshape(1, -1, *([1] * d))
    return y


# x shape, w shape, stride, pad_lo, pad_hi, dilation
GEOMS = [
    ((3, 6, 7, 8), (5, 6, 3, 3), (1, 1), (1, 1), (1, 1), (1, 1)),  # 'same' 3x3: the centre offset covers dx
    ((2, 6, 8, 7), (4, 6, 2, 2), (1, 1), (0, 0), (1, 1), (1, 1)),  # 'same' with an even kernel (asymmetric)
    ((3, 8, 9, 10), (4, 8, 3, 2), (2, 1), (2, 1), (2, 1), (1, 2)),  # stride, dilation
    ((2, 8, 6, 6), (3, 8, 3, 3), (2, 2), (0, 0), (0, 0), (1, 1)),  # valid, strided
    ((2, 8, 2, 3), (3, 8, 2, 2), (1, 1), (3, 2), (3, 2), (1, 1)),  # padding wider than the kernel reaches
    ((2, 12, 9), (5, 12, 4), (3,), (2,), (2,), (2,)),  # 1-D
    ((2, 6, 4, 5, 4), (3, 6, 3, 2, 3), (1, 2, 1), (1, 0, 1), (1, 0, 1), (1, 1, 1)),  # 3-D
]


def _geom(xs: Any, ws: Any, st: Any, lo: Any, hi: Any, dl: Any) -> ConvGeom:
    g = ConvGeom(xs, ws, st, lo, hi, dl, 1)
    g.channels_last = True
    return g


@pytest.mark.parametrize(("xs", "ws", "st", "lo", "hi", "dl"), GEOMS)
@pytest.mark.parametrize("split", [False, True])
def test_kernels_match_direct_loop_and_general_kernels(
    xs: Any, ws: Any, st: Any, lo: Any, hi: Any, dl: Any, split: bool
) -> None:
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    g = _geom(xs, ws, st, lo, hi, dl)
    old, min_work = _kern_runtime.set_kernel_threads(split), _kern_runtime._MIN_WORK
    _kern_runtime._MIN_WORK = 0
    try:
        y = fast_forward(x, w, b, g)
        np.testing.assert_allclose(y, direct_conv(x, w, b, st, lo, hi, dl), atol=1e-12)
        gy = rng.standard_normal(y.shape)
        dx, dw, db = fast_backward(gy, x, w, g, True, True, True)
        _, dw2, _ = fast_backward(gy, x, w, g, False, True, False)
        dx3, dw3, db3 = fast_backward(gy, None, w, g, True, False, False)
        _, _, db4 = fast_backward(gy, None, w, g, False, False, True)
    finally:
        _kern_runtime.set_kernel_threads(old)
        _kern_runtime._MIN_WORK = min_work
    gref = ConvGeom(xs, ws, st, lo, hi, dl, 1)
    gref.channels_last = False
    yref, cref = conv_forward(x, w, b, gref, keep_cols=True)
    dxr, dwr = conv_backward(gy, x, w, cref, gref, True, True)
    assert dx is not None and dw is not None and db is not None and dw2 is not None and dx3 is not None
    assert dwr is not None and dxr is not None and db4 is not None
    np.testing.assert_allclose(y, yref, atol=1e-12)
    np.testing.assert_allclose(dx, dxr, atol=1e-12)
    np.testing.assert_allclose(dw, dwr, atol=1e-12)
    np.testing.assert_allclose(dw2, dwr, atol=1e-12)
    np.testing.assert_allclose(dx3, dxr, atol=1e-12)
    assert dw3 is None and db3 is None
    np.testing.assert_allclose(db, gy.sum(axis=(0, *range(2, gy.ndim))), atol=1e-12)
    np.testing.assert_allclose(db4, db, atol=1e-12)


def test_dispatch_takes_the_fast_path_for_the_benchmark_layer() -> None:
    g = ConvGeom((64, 32, 16, 16), (64, 32, 3, 3), (1, 1), (1, 1), (1, 1), (1, 1), 1)
    assert fast_supported(g)
    assert not fast_supported(ConvGeom((64, 32, 16, 16), (64, 16, 3, 3), (1, 1), (1, 1), (1, 1), (1, 1), 2))
    # LeNet's 6->16 layer stays on the per-sample kernels of _kern_conv (faster with so few output channels)
    assert not fast_supported(ConvGeom((64, 6, 12, 12), (16, 6, 5, 5), (1, 1), (0, 0), (0, 0), (1, 1), 1))


@pytest.fixture
def fast_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every call of the fast kernels made through ``F.conv*`` (taken for any number of output channels)."""
    from taeda.nn.functional import _conv, _conv_kernels

    monkeypatch.setattr(_conv_kernels, "MIN_OUT_CHANNELS", 1)

    calls: list[str] = []

    def spy(name: str, fn: Any) -> Any:
        def wrapped(*args: Any) -> Any:
            calls.append(name)
            return fn(*args)

        return wrapped

    monkeypatch.setattr(_conv, "fast_forward", spy("forward", fast_forward))
    monkeypatch.setattr(_conv, "fast_backward", spy("backward", fast_backward))
    return calls


@pytest.mark.parametrize(
    ("stride", "padding", "dilation"), [(1, 1, 1), (1, "same", 1), (2, 1, 1), ((1, 2), (2, 0), (2, 1))]
)
def test_conv2d_fast_path_gradcheck(stride: Any, padding: Any, dilation: Any, fast_calls: list[str]) -> None:
    x = V(rng.standard_normal((2, 16, 5, 6)))
    w = V(rng.standard_normal((3, 16, 3, 2)))
    b = V(rng.standard_normal(3))
    assert gradcheck(lambda a, c, e: F.conv2d(a, c, e, stride, padding, dilation), (x, w, b), eps=1e-6, atol=1e-5)
    assert "forward" in fast_calls and "backward" in fast_calls


def test_conv1d_conv3d_and_transposed_fast_path_gradcheck(fast_calls: list[str]) -> None:
    x1, w1 = V(rng.standard_normal((2, 6, 7))), V(rng.standard_normal((4, 6, 3)))
    assert gradcheck(lambda a, c: F.conv1d(a, c, padding=1, dilation=2), (x1, w1), eps=1e-6, atol=1e-5)
    x3, w3 = V(rng.standard_normal((1, 6, 3, 4, 3))), V(rng.standard_normal((2, 6, 2, 2, 2)))
    assert gradcheck(lambda a, c: F.conv3d(a, c, padding=1), (x3, w3), eps=1e-6, atol=1e-5)
    assert fast_calls.count("forward") >= 2 and fast_calls.count("backward") >= 2
    fast_calls.clear()
    # conv_transpose2d's forward is the input gradient of a convolution (its input 6 channels -> output 12)
    xt, wt, bt = V(rng.standard_normal((2, 6, 3, 4))), V(rng.standard_normal((6, 12, 3, 3))), V(rng.standard_normal(12))
    assert gradcheck(
        lambda a, c, e: F.conv_transpose2d(a, c, e, stride=2, padding=1), (xt, wt, bt), eps=1e-6, atol=1e-5
    )
    assert "forward" in fast_calls and "backward" in fast_calls


@pytest.mark.parametrize(
    "need", [(True, False, False), (False, True, False), (False, False, True), (True, True, False)]
)
def test_partial_gradients_and_retained_graph(need: tuple[bool, bool, bool], fast_calls: list[str]) -> None:
    xa = rng.standard_normal((4, 16, 6, 6)).astype(np.float32)
    wa = rng.standard_normal((8, 16, 3, 3)).astype(np.float32)
    ba = rng.standard_normal(8).astype(np.float32)
    x, w, b = V(xa, need[0]), V(wa, need[1]), V(ba, need[2])
    y = F.conv2d(x, w, b, padding=1)
    gy = rng.standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(tt.from_numpy(gy), retain_graph=True)
    ref = direct_conv(
        xa.astype(np.float64), wa.astype(np.float64), ba.astype(np.float64), (1, 1), (1, 1), (1, 1), (1, 1)
    )
    np.testing.assert_allclose(y.data.numpy(), ref, rtol=1e-4, atol=1e-4)
    first = [G(v).copy() if n else None for v, n in zip((x, w, b), need)]
    y.backward(tt.from_numpy(gy))  # a second backward over the retained graph gives the same gradients
    for v, n, f in zip((x, w, b), need, first):
        if n:
            assert f is not None
            np.testing.assert_allclose(G(v), 2 * f, rtol=1e-5, atol=1e-4)
        else:
            assert v.grad is None
    if need[2]:
        assert first[2] is not None
        np.testing.assert_allclose(first[2], gy.sum(axis=(0, 2, 3)), rtol=1e-5, atol=1e-4)
    assert fast_calls.count("forward") == 1 and fast_calls.count("backward") == 2


def test_conv_transpose_weight_gradient_alone_matches_general_kernels(fast_calls: list[str]) -> None:
    from taeda.nn.functional import _conv_kernels

    xa, wa = rng.standard_normal((2, 6, 3, 4)), rng.standard_normal((6, 12, 3, 3))
    grads = []
    for fast in (True, False):
        _conv_kernels.MIN_OUT_CHANNELS = 1 if fast else 10**9
        x, w = V(xa, False), V(wa)
        y = F.conv_transpose2d(x, w, stride=2, padding=1)
        y.backward(tt.from_numpy(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))))
        grads.append(G(w))
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-12)
    assert "backward" in fast_calls  # the fast weight gradient rebuilt its columns from the output gradient
