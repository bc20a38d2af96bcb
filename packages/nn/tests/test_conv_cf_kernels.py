"""The chunked channels-first convolution kernels (one group, few input channels against a wide output): forward
and every gradient subset against a direct loop and the general kernels, over 1-3 spatial dims, stride, padding,
dilation, chunk edges, both thread halves, an empty batch, through ``F.conv*`` and against PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import taeda.autograd as ag
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck
from taeda.nn.functional import _conv, _kern_conv_cf, _kern_runtime
from taeda.nn.functional._kern_conv import ConvGeom, conv_backward, conv_forward

Array = np.ndarray[Any, Any]
rng = np.random.default_rng(97)


def V(a: Array) -> Variable:
    return Variable(tt.from_numpy(np.ascontiguousarray(a)), requires_grad=True)


def direct_conv(x: Array, w: Array, b: Array | None, stride: Any, lo: Any, hi: Any, dil: Any) -> Array:
    """Cross-correlation from NumPy's sliding windows of the padded input (dilated, then strided) and a tensordot."""
    d = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0), *zip(lo, hi)])
    reach = [dl * (k - 1) + 1 for k, dl in zip(w.shape[2:], dil)]
    win = sliding_window_view(xp, reach, axis=tuple(range(2, 2 + d)))  # (N, C, *all positions, *reach)
    win = win[
        (slice(None), slice(None), *(slice(None, None, s) for s in stride), *(slice(None, None, dl) for dl in dil))
    ]
    y = np.tensordot(win, w, axes=([1, *range(2 + d, 2 + 2 * d)], [1, *range(2, 2 + d)]))  # (N, *out, O)
    y = np.moveaxis(y, -1, 1)
    return y if b is None else y + b.reshape(1, -1, *([1] * d))


# x shape, w shape, stride, pad_lo, pad_hi, dilation: every one a channels-first geometry
GEOMS = [
    ((5, 3, 23, 23), (4, 3, 7, 7), (2, 2), (3, 3), (3, 3), (1, 1)),  # a stem: 7x7 stride 2
    ((4, 1, 28, 28), (6, 1, 5, 5), (1, 1), (0, 0), (0, 0), (1, 1)),  # LeNet's first layer: no padding
    ((3, 2, 9, 31), (5, 2, 3, 2), (2, 1), (1, 0), (2, 1), (2, 1)),  # uneven padding, dilation
    ((2, 2, 40), (3, 2, 5), (3,), (2,), (4,), (2,)),  # 1-D
    ((2, 2, 5, 6, 12), (3, 2, 2, 3, 2), (1, 2, 1), (1, 1, 0), (0, 1, 1), (1, 1, 2)),  # 3-D
    ((3, 1, 6, 6), (2, 1, 2, 2), (1, 1), (4, 4), (4, 4), (1, 1)),  # padding wider than the kernel reaches
    ((3, 8, 9, 20), (4, 8, 3, 3), (1, 1), (1, 1), (1, 1), (1, 1)),  # 8 channels: per-offset input gradient
    ((2, 9, 5, 30), (3, 9, 2, 3), (2, 3), (1, 0), (0, 2), (2, 1)),  # the same, strided, dilated, uneven padding
]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of one or two samples and the thread split for any work: every chunk and half edge is crossed."""
    monkeypatch.setattr(_kern_conv_cf, "_CHUNK_BYTES", 4000)
    monkeypatch.setattr(_kern_runtime, "_MIN_WORK", 0)


@pytest.fixture
def never_keep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every channels-first layer through ``F.conv*`` takes these kernels, however few its output channels."""
    monkeypatch.setattr(_kern_conv_cf, "_KEEP_BYTES", -1)


@pytest.mark.parametrize(("xs", "ws", "st", "lo", "hi", "dl"), GEOMS)
@pytest.mark.parametrize("split", [False, True])
def test_kernels_match_direct_loop_and_general_kernels(
    xs: Any, ws: Any, st: Any, lo: Any, hi: Any, dl: Any, split: bool, small_chunks: None
) -> None:
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    g = ConvGeom(xs, ws, st, lo, hi, dl, 1)
    assert _kern_conv_cf.cf_supported(g)
    old = _kern_runtime.set_kernel_threads(split)
    try:
        y = _kern_conv_cf.cf_forward(x, w, b, g)
        gy = rng.standard_normal(y.shape)
        dx, dw = _kern_conv_cf.cf_backward(gy, x, w, g, True, True)
        dx_only, none_w = _kern_conv_cf.cf_backward(gy, x, w, g, True, False)
        none_x, dw_only = _kern_conv_cf.cf_backward(gy, x, w, g, False, True)
    finally:
        _kern_runtime.set_kernel_threads(old)
    np.testing.assert_allclose(y, direct_conv(x, w, b, st, lo, hi, dl), atol=1e-12)
    yref, cols = conv_forward(x, w, b, g, keep_cols=True)
    dxr, dwr = conv_backward(gy, x, w, cols, g, True, True)
    np.testing.assert_allclose(y, yref, atol=1e-12)
    assert dxr is not None and dwr is not None
    for got, ref in ((dx, dxr), (dw, dwr), (dx_only, dxr), (dw_only, dwr)):
        assert got is not None and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, atol=1e-12)
    assert none_w is None and none_x is None


def test_the_dispatch_takes_these_kernels_and_keeps_no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def spy(name: str) -> Any:
        fn = getattr(_kern_conv_cf, name)

        def wrapped(*args: Any) -> Any:
            calls.append(name)
            return fn(*args)

        return wrapped

    for name in ("cf_forward", "cf_backward"):
        monkeypatch.setattr(_conv, name, spy(name))
    x = V(rng.standard_normal((2, 3, 20, 20)))
    w = V(rng.standard_normal((16, 3, 7, 7)))
    y = F.conv2d(x, w, stride=2, padding=3)
    y.backward(tt.from_numpy(rng.standard_normal(tuple(y.shape))))
    assert calls == ["cf_forward", "cf_backward"]
    assert y.grad_fn is not None and getattr(y.grad_fn, "cols", None) is None
    # fewer than 16 output channels: small columns are kept for the weight gradient (general kernels) ...
    calls.clear()
    few = V(rng.standard_normal((6, 3, 7, 7)))
    F.conv2d(x, few, stride=2, padding=3).sum().backward()
    assert calls == []
    # ... unless no weight gradient is wanted
    with ag.no_grad():
        F.conv2d(x, few, stride=2, padding=3)
    assert calls == ["cf_forward"]
    # a grouped or channels-last layer does not come here
    assert not _kern_conv_cf.cf_supported(ConvGeom((2, 4, 20, 20), (8, 2, 7, 7), (2, 2), (3, 3), (3, 3), (1, 1), 2))
    assert not _kern_conv_cf.cf_supported(ConvGeom((2, 64, 8, 8), (8, 64, 3, 3), (1, 1), (1, 1), (1, 1), (1, 1), 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_through_conv2d_with_bias_and_every_gradient_subset(dtype: Any, small_chunks: None, never_keep: None) -> None:
    xa = rng.standard_normal((6, 2, 17, 15)).astype(dtype)
    wa = rng.standard_normal((5, 2, 5, 3)).astype(dtype)
    ba = rng.standard_normal(5).astype(dtype)
    ref = direct_conv(
        xa.astype(np.float64), wa.astype(np.float64), ba.astype(np.float64), (2, 1), (2, 1), (2, 1), (1, 1)
    )
    tol = 1e-4 if dtype == np.float32 else 1e-12
    full = None
    for need in ((True, True, True), (True, False, False), (False, True, False), (False, False, True)):
        x, w, b = (Variable(tt.from_numpy(a), requires_grad=r) for a, r in zip((xa, wa, ba), need))
        y = F.conv2d(x, w, b, stride=(2, 1), padding=(2, 1))
        assert y.dtype == x.dtype
        np.testing.assert_allclose(y.data.numpy(), ref, rtol=tol, atol=tol)
        y.backward(tt.from_numpy(np.cos(np.arange(y.numel()).reshape(tuple(y.shape))).astype(dtype)))
        grads = [None if v.grad is None else v.grad.numpy() for v in (x, w, b)]
        assert [gr is not None for gr in grads] == list(need)
        if full is None:
            full = grads
        for gr, fg in zip(grads, full):
            if gr is not None and fg is not None:
                np.testing.assert_allclose(gr, fg, rtol=tol, atol=tol)


def test_empty_batch_and_gradchecks(never_keep: None) -> None:
    x = V(np.zeros((0, 2, 9, 9)))
    w = V(rng.standard_normal((4, 2, 3, 3)))
    y = F.conv2d(x, w, stride=2, padding=1)
    assert tuple(y.shape) == (0, 4, 5, 5)
    y.sum().backward()
    assert x.grad is not None and tuple(x.grad.shape) == (0, 2, 9, 9)
    assert w.grad is not None and not w.grad.numpy().any()
    xs, ws, bs = V(rng.standard_normal((2, 1, 9, 8))), V(rng.standard_normal((3, 1, 3, 3))), V(rng.standard_normal(3))
    assert gradcheck(lambda a, c, e: F.conv2d(a, c, e, stride=2, padding=1, dilation=(1, 2)), (xs, ws, bs))
    x1, w1 = V(rng.standard_normal((2, 1, 12))), V(rng.standard_normal((2, 1, 4)))
    assert gradgradcheck(lambda a, c: F.conv1d(a, c, stride=2, padding=2), (x1, w1))
    xt, wt = V(rng.standard_normal((2, 3, 5))), V(rng.standard_normal((3, 1, 4)))
    assert gradcheck(lambda a, c: F.conv_transpose1d(a, c, stride=3, padding=1), (xt, wt))


def test_stem_parity_with_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch installed")
    xa = rng.standard_normal((3, 3, 64, 64)).astype(np.float32)
    wa = (rng.standard_normal((16, 3, 7, 7)) * 0.1).astype(np.float32)
    ba = rng.standard_normal(16).astype(np.float32)
    x, w, b = V(xa), V(wa), V(ba)
    y = F.conv2d(x, w, b, stride=2, padding=3)
    gy = rng.standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(tt.from_numpy(gy))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xa, wa, ba))
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=3)
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(y.data.numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    for mine, theirs in ((x, tx), (w, tw), (b, tb)):
        assert mine.grad is not None and theirs.grad is not None
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=2e-3)


def test_docstring_examples() -> None:
    import doctest

    result = doctest.testmod(_kern_conv_cf)
    assert result.attempted >= 3 and result.failed == 0


def test_one_thread_setting_keeps_kernels_on_the_calling_thread() -> None:
    old = tt.get_num_threads()
    saved = _kern_runtime._MIN_WORK
    _kern_runtime._MIN_WORK = 0
    try:
        tt.set_num_threads(1)
        assert _kern_runtime.split_batch(lambda a, z, p: None, 8, np, 1 << 30) == 1
        tt.set_num_threads(max(old, 2))
        if _kern_runtime._STATE["enabled"] and _kern_runtime._BLAS_LOCAL is not None:
            assert _kern_runtime.split_batch(lambda a, z, p: None, 8, np, 1 << 30) == 2
    finally:
        _kern_runtime._MIN_WORK = saved
        tt.set_num_threads(old)
