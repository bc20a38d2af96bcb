"""Depthwise convolutions (groups == in == out channels) through ``_kern_depthwise``: forward, every gradient
subset and second derivatives against the general grouped-convolution path, over strides, dilations, paddings,
1/2/3-D, block edges and threads on or off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck
from taeda.nn.functional import _conv, _kern_depthwise

RNG = np.random.default_rng(31)


@pytest.fixture(params=[1 << 17, 5])
def block(request: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kern_depthwise, "_BLOCK_ELEMS", request.param)  # 5: one sample per block


def _run(fn: Callable[..., Any], x: Any, w: Any, b: Any, g: Any, needs: tuple[bool, bool, bool]) -> list[Any]:
    xv = Variable(tt.from_numpy(x), requires_grad=needs[0])
    wv = Variable(tt.from_numpy(w), requires_grad=needs[1])
    bv = None if b is None else Variable(tt.from_numpy(b), requires_grad=needs[2])
    y = fn(xv, wv, bv)
    y.backward(tt.from_numpy(g))
    return [y.data.numpy()] + [None if v is None or v.grad is None else v.grad.numpy() for v in (xv, wv, bv)]


def _general(monkeypatch: pytest.MonkeyPatch, fn: Callable[..., Any], *args: Any) -> list[Any]:
    """The same call through the general grouped-convolution kernels."""
    with monkeypatch.context() as m:
        m.setattr(_conv, "depthwise_supported", lambda g, x: False)
        return _run(fn, *args)


CASES = [
    ("1d", (3, 4, 11), (4, 1, 3), {"padding": 1}),
    ("1d_s2_d2", (3, 4, 12), (4, 1, 3), {"stride": 2, "dilation": 2, "padding": 2}),
    ("2d_3x3_same", (2, 5, 7, 9), (5, 1, 3, 3), {"padding": 1}),
    ("2d_even_same", (2, 3, 6, 5), (3, 1, 4, 2), {"padding": "same"}),  # asymmetric padding
    ("2d_s2", (3, 4, 9, 8), (4, 1, 3, 3), {"stride": 2, "padding": 1}),
    ("2d_s21_d2", (2, 4, 9, 10), (4, 1, 3, 2), {"stride": (2, 1), "dilation": 2, "padding": (2, 1)}),
    ("2d_valid_5x5", (4, 3, 10, 10), (3, 1, 5, 5), {}),
    ("3d", (2, 3, 5, 6, 4), (3, 1, 3, 2, 3), {"padding": 1}),
]
CONV = {2: F.conv1d, 3: F.conv1d, 4: F.conv2d, 5: F.conv3d}


@pytest.mark.usefixtures("kernel_threads", "block")
@pytest.mark.parametrize(("name", "xs", "ws", "kw"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_depthwise_equals_the_general_path(
    name: str, xs: tuple[int, ...], ws: tuple[int, ...], kw: dict[str, Any], dtype: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    conv = CONV[len(xs)]
    c = xs[1]
    x = RNG.standard_normal(xs).astype(dtype)
    w = RNG.standard_normal(ws).astype(dtype)
    b = RNG.standard_normal(c).astype(dtype)

    def fn(xv: Any, wv: Any, bv: Any) -> Any:
        return conv(xv, wv, bv, groups=c, **kw)

    y0 = fn(Variable(tt.from_numpy(x)), Variable(tt.from_numpy(w)), Variable(tt.from_numpy(b)))
    g = RNG.standard_normal(tuple(y0.shape)).astype(dtype)
    calls: list[int] = []
    real = _kern_depthwise.depthwise_forward

    def spy(*a: Any) -> Any:
        calls.append(1)
        return real(*a)

    monkeypatch.setattr(_conv, "depthwise_forward", spy)
    ours = _run(fn, x, w, b, g, (True, True, True))
    assert calls
    ref = _general(monkeypatch, fn, x, w, b, g, (True, True, True))
    rtol, atol = (2e-5, 2e-5) if dtype == np.float32 else (1e-12, 1e-12)
    for a, r in zip(ours, ref):
        assert a.dtype == dtype and a.shape == r.shape
        np.testing.assert_allclose(a, r, rtol=rtol, atol=atol)


@pytest.mark.usefixtures("kernel_threads")
@pytest.mark.parametrize(
    "needs", [(True, False, False), (False, True, False), (False, False, True), (True, True, False)]
)
def test_gradient_subsets_and_no_bias(needs: tuple[bool, bool, bool], monkeypatch: pytest.MonkeyPatch) -> None:
    x = RNG.standard_normal((3, 4, 6, 7))
    w = RNG.standard_normal((4, 1, 3, 3))
    b = None if needs == (True, True, False) else RNG.standard_normal(4)
    g = RNG.standard_normal((3, 4, 6, 7))

    def fn(xv: Any, wv: Any, bv: Any) -> Any:
        return F.conv2d(xv, wv, bv, padding=1, groups=4)

    ours = _run(fn, x, w, b, g, needs)
    ref = _general(monkeypatch, fn, x, w, b, g, needs)
    for a, r in zip(ours, ref):
        assert (a is None) == (r is None)
        if a is not None:
            np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)


def test_gradcheck_and_second_derivatives() -> None:
    x = Variable(tt.from_numpy(RNG.standard_normal((2, 3, 5, 4))), requires_grad=True)
    w = Variable(tt.from_numpy(RNG.standard_normal((3, 1, 3, 2))), requires_grad=True)
    b = Variable(tt.from_numpy(RNG.standard_normal(3)), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=3), (x, w, b))
    assert gradcheck(lambda x, w: F.conv2d(x, w, stride=2, dilation=(1, 2), groups=3), (x, w))
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1, groups=3) ** 2, (x, w))


def test_non_contiguous_input_and_channel_multiplier_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    base = RNG.standard_normal((4, 5, 6, 3)).astype(np.float32)
    x = tt.from_numpy(base).permute(0, 3, 1, 2)  # (4, 3, 5, 6), non-contiguous
    w = tt.from_numpy(RNG.standard_normal((3, 1, 3, 3)).astype(np.float32))
    y = F.conv2d(Variable(x), Variable(w), padding=1, groups=3).data.numpy()
    with monkeypatch.context() as m:
        m.setattr(_conv, "depthwise_supported", lambda g, x: False)
        ref = F.conv2d(Variable(x), Variable(w), padding=1, groups=3).data.numpy()
    np.testing.assert_allclose(y, ref, rtol=2e-5, atol=2e-5)
    w2 = tt.from_numpy(RNG.standard_normal((6, 1, 3, 3)).astype(np.float32))  # two outputs per channel: general
    assert tuple(F.conv2d(Variable(x), Variable(w2), padding=1, groups=3).shape) == (4, 6, 5, 6)
