"""pixel_shuffle / pixel_unshuffle / channel_shuffle, rms_norm and local_response_norm with their modules:
NumPy references, PyTorch parity (skipped without torch), gradcheck/gradgradcheck, errors, reprs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck


def _v(a: np.ndarray, rg: bool = False) -> Variable:
    return Variable(tt.as_tensor(np.ascontiguousarray(a)), requires_grad=rg)


def _np(v: Any) -> np.ndarray:
    return np.asarray(v.data.array if isinstance(v, Variable) else v.array)


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


# ------------------------------------------------------------------------------------------ NumPy references
def _ref_pixel_shuffle(a: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = a.shape
    out = np.empty((*lead, c // (r * r), h * r, w * r), dtype=a.dtype)
    for k in range(c // (r * r)):
        for i in range(r):
            for j in range(r):
                out[..., k, i::r, j::r] = a[..., k * r * r + i * r + j, :, :]
    return out


def _ref_channel_shuffle(a: np.ndarray, g: int) -> np.ndarray:
    c = a.shape[1]
    per = c // g
    return np.stack([a[:, (k % g) * per + k // g] for k in range(c)], axis=1)


def _ref_rms(a: np.ndarray, k: int, w: np.ndarray | None, eps: float) -> np.ndarray:
    axes = tuple(range(a.ndim - k, a.ndim))
    out: np.ndarray = a / np.sqrt((a * a).mean(axis=axes, keepdims=True) + eps)
    return out * w if w is not None else out


def _ref_lrn(a: np.ndarray, size: int, alpha: float, beta: float, k: float) -> np.ndarray:
    c = a.shape[1]
    sq = a * a
    div = np.zeros_like(a)
    for ch in range(c):
        lo, hi = max(ch - size // 2, 0), min(ch + (size - 1) // 2, c - 1)
        div[:, ch] = sq[:, lo : hi + 1].sum(axis=1) / size
    return a / (k + alpha * div) ** beta


# ------------------------------------------------------------------------------------------------- shuffles
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 5), 2), ((9, 2, 2), 3), ((2, 3, 4, 2, 3), 2), ((1, 5, 4, 4), 1)])
def test_pixel_shuffle_numpy_and_inverse(shape: tuple[int, ...], r: int) -> None:
    a = _rand(*shape)
    a = a if shape[-3] % (r * r) == 0 else _rand(*shape[:-3], shape[-3] * r * r, *shape[-2:])
    y = F.pixel_shuffle(_v(a), r)
    np.testing.assert_array_equal(_np(y), _ref_pixel_shuffle(a, r))
    back = F.pixel_unshuffle(y, r)
    np.testing.assert_array_equal(_np(back), a)
    assert F.pixel_shuffle(tt.as_tensor(a), r).dtype == tt.float64


@pytest.mark.parametrize("shape,g", [((2, 6, 3, 4), 3), ((2, 8, 5), 2), ((1, 4, 2, 2, 2), 4), ((3, 6, 2), 1)])
def test_channel_shuffle_numpy(shape: tuple[int, ...], g: int) -> None:
    a = _rand(*shape)
    np.testing.assert_array_equal(_np(F.channel_shuffle(_v(a), g)), _ref_channel_shuffle(a, g))


def test_shuffles_grad_gradgrad() -> None:
    x = _v(_rand(1, 8, 2, 3), True)
    assert gradcheck(lambda t: F.pixel_shuffle(t, 2), (x,))
    assert gradgradcheck(lambda t: F.pixel_shuffle(t, 2) ** 2, (x,))
    u = _v(_rand(2, 2, 4, 6), True)
    assert gradcheck(lambda t: F.pixel_unshuffle(t, 2), (u,))
    assert gradgradcheck(lambda t: F.pixel_unshuffle(t, 2) ** 2, (u,))
    c = _v(_rand(2, 6, 3), True)
    assert gradcheck(lambda t: F.channel_shuffle(t, 3), (c,))
    assert gradgradcheck(lambda t: F.channel_shuffle(t, 3) ** 2, (c,))


@pytest.mark.parametrize(
    "call,err,msg",
    [
        (lambda: F.pixel_shuffle(_v(_rand(8)), 2), RuntimeError, "at least 3 dimensions, but got input with 1"),
        (lambda: F.pixel_shuffle(_v(_rand(2, 8, 3, 3)), 0), RuntimeError, "positive upscale_factor, but got 0"),
        (lambda: F.pixel_shuffle(_v(_rand(2, 8, 3, 3)), 3), RuntimeError, "input.size(-3)=8 is not divisible by 9"),
        (lambda: F.pixel_shuffle(_v(_rand(2, 8, 3, 3)), 2.0), TypeError, "must be int, not float"),  # type: ignore[arg-type]
        (lambda: F.pixel_unshuffle(_v(_rand(4, 5)), 2), RuntimeError, "got input with 2 dimension(s)"),
        (lambda: F.pixel_unshuffle(_v(_rand(2, 3, 5, 5)), 0), RuntimeError, "positive downscale_factor, but got 0"),
        (lambda: F.pixel_unshuffle(_v(_rand(2, 3, 5, 4)), 2), RuntimeError, "height to be divisible"),
        (lambda: F.pixel_unshuffle(_v(_rand(2, 3, 4, 5)), 2), RuntimeError, "input.size(-1)=5 is not divisible by 2"),
        (lambda: F.channel_shuffle(_v(_rand(2, 8)), 2), RuntimeError, "> 2 dims, but got input with sizes [2, 8]"),
        (lambda: F.channel_shuffle(_v(_rand(2, 8, 3)), 0), RuntimeError, "must be positive. Value of groups:0"),
        (lambda: F.channel_shuffle(_v(_rand(2, 8, 3)), 3), RuntimeError, "Got 8 channels and 3 groups."),
    ],
)
def test_shuffle_errors(call: Any, err: type[Exception], msg: str) -> None:
    with pytest.raises(err) as info:
        call()
    assert msg in str(info.value)


def test_shuffle_modules() -> None:
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    assert repr(nn.PixelUnshuffle(3)) == "PixelUnshuffle(downscale_factor=3)"
    assert repr(nn.ChannelShuffle(2)) == "ChannelShuffle(groups=2)"
    a = _rand(2, 8, 3, 3)
    np.testing.assert_array_equal(_np(nn.PixelShuffle(2)(_v(a))), _ref_pixel_shuffle(a, 2))
    np.testing.assert_array_equal(_np(nn.ChannelShuffle(4)(_v(a))), _ref_channel_shuffle(a, 4))
    np.testing.assert_array_equal(
        _np(nn.PixelUnshuffle(3)(_v(_ref_pixel_shuffle(_rand(1, 9, 2, 2), 3)))), _rand(1, 9, 2, 2)
    )
    assert list(nn.PixelShuffle(2).state_dict()) == []


# ------------------------------------------------------------------------------------------------- rms_norm
@pytest.mark.parametrize("ns", [(6,), (4, 6), (3, 4, 6)])
@pytest.mark.parametrize("with_w", [False, True])
def test_rms_norm_numpy(ns: tuple[int, ...], with_w: bool) -> None:
    a = _rand(2, 3, 4, 6)
    w = _rand(*ns, seed=1) if with_w else None
    y = F.rms_norm(_v(a), ns, None if w is None else _v(w), 1e-5)
    np.testing.assert_allclose(_np(y), _ref_rms(a, len(ns), w, 1e-5), rtol=1e-12, atol=1e-12)


def test_rms_norm_default_eps_is_dtype_eps() -> None:
    a = np.zeros((2, 3), dtype=np.float32)
    a[0] = 1e-4
    y = F.rms_norm(_v(a), [3])
    eps = float(np.finfo(np.float32).eps)
    np.testing.assert_allclose(_np(y), _ref_rms(a.astype(np.float64), 1, None, eps), rtol=1e-5)
    assert y.dtype == tt.float32
    y64 = F.rms_norm(_v(a.astype(np.float64)), [3])
    np.testing.assert_allclose(_np(y64), _ref_rms(a.astype(np.float64), 1, None, float(np.finfo(np.float64).eps)))


def test_rms_norm_grad_gradgrad() -> None:
    x = _v(_rand(2, 3, 4), True)
    w = _v(_rand(3, 4, seed=2), True)
    assert gradcheck(lambda a, b: F.rms_norm(a, (3, 4), b, 1e-3), (x, w))
    assert gradgradcheck(lambda a, b: F.rms_norm(a, (3, 4), b, 1e-3), (x, w))
    assert gradgradcheck(lambda a: F.rms_norm(a, (4,)), (x,))


@pytest.mark.parametrize(
    "call,err,msg",
    [
        (
            lambda: F.rms_norm(_v(_rand(2, 8)), (4,)),
            RuntimeError,
            "expected input with shape [*4], but got input of size[2, 8]",
        ),
        (lambda: F.rms_norm(_v(_rand(2, 3, 4)), (3, 5)), RuntimeError, "shape [*3, 5]"),
        (
            lambda: F.rms_norm(_v(_rand(2, 3)), (3,), _v(np.ones(4))),
            RuntimeError,
            "weight of shape [4] and normalized_shape = [3]",
        ),
        (lambda: F.rms_norm(_v(_rand(2, 3)), ()), RuntimeError, "at least 1-dimensional"),
        (lambda: F.rms_norm(_v(_rand(4)), (2, 3, 4)), ValueError, "must have at least 3 dimensions, but got 1"),
        (lambda: F.rms_norm(_v(_rand(2, 3)), 3), TypeError, "must be tuple of ints, not int"),  # type: ignore[arg-type]
    ],
)
def test_rms_norm_errors(call: Any, err: type[Exception], msg: str) -> None:
    with pytest.raises(err) as info:
        call()
    assert msg in str(info.value)


def test_rmsnorm_module() -> None:
    m = nn.RMSNorm(4)
    assert repr(m) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    assert list(m.state_dict()) == ["weight"]
    np.testing.assert_array_equal(_np(m.weight), np.ones(4, dtype=np.float32))
    assert m.weight.dtype == tt.float32 and m.weight.requires_grad
    m2 = nn.RMSNorm([3, 4], eps=1e-5, elementwise_affine=False)
    assert repr(m2) == "RMSNorm((3, 4), eps=1e-05, elementwise_affine=False)"
    assert m2.weight is None and list(m2.state_dict()) == [] and list(m2.parameters()) == []
    a = _rand(2, 3, 4).astype(np.float32)
    np.testing.assert_allclose(_np(m2(_v(a))), _ref_rms(a.astype(np.float64), 2, None, 1e-5), rtol=1e-5)
    m3 = nn.RMSNorm(4, dtype=tt.float64)
    m3.weight.data.copy_(tt.as_tensor(np.arange(1.0, 5.0)))
    y = m3(_v(a.astype(np.float64)))
    np.testing.assert_allclose(_np(y), _ref_rms(a.astype(np.float64), 1, np.arange(1.0, 5.0), np.finfo(np.float64).eps))
    y.sum().backward()
    assert m3.weight.grad is not None and tuple(m3.weight.grad.shape) == (4,)


# --------------------------------------------------------------------------------------- local_response_norm
@pytest.mark.parametrize("shape", [(2, 7, 5), (2, 6, 3, 4), (1, 5, 2, 3, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 5, 12])
def test_lrn_numpy(shape: tuple[int, ...], size: int) -> None:
    a = _rand(*shape) * 3
    y = F.local_response_norm(_v(a), size, alpha=0.1, beta=0.6, k=2.0)
    np.testing.assert_allclose(_np(y), _ref_lrn(a, size, 0.1, 0.6, 2.0), rtol=1e-12, atol=1e-12)


def test_lrn_defaults_grad_gradgrad_and_errors() -> None:
    a = _rand(2, 5, 3)
    np.testing.assert_allclose(_np(F.local_response_norm(_v(a), 3)), _ref_lrn(a, 3, 1e-4, 0.75, 1.0), rtol=1e-12)
    x = _v(_rand(2, 5, 2, 2), True)
    assert gradcheck(lambda t: F.local_response_norm(t, 3, 0.5, 0.7, 1.5), (x,))
    assert gradgradcheck(lambda t: F.local_response_norm(t, 2, 0.5, 0.7, 1.5), (x,))
    with pytest.raises(ValueError, match=r"Expected 3D or higher dimensionality +input \(got 2 dimensions\)"):
        F.local_response_norm(_v(_rand(2, 3)), 2)
    empty = _v(np.zeros((0, 3, 4)))
    assert F.local_response_norm(empty, 2) is empty
    m = nn.LocalResponseNorm(2)
    assert repr(m) == "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"
    assert (m.size, m.alpha, m.beta, m.k) == (2, 1e-4, 0.75, 1.0)
    np.testing.assert_allclose(_np(m(_v(a))), _ref_lrn(a, 2, 1e-4, 0.75, 1.0), rtol=1e-12)


# -------------------------------------------------------------------------------------------------- PyTorch
def test_torch_parity() -> None:
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    a = _rand(2, 12, 4, 6)
    for r in (1, 2):
        np.testing.assert_array_equal(_np(F.pixel_shuffle(_v(a), r)), tf.pixel_shuffle(torch.tensor(a), r).numpy())
        np.testing.assert_array_equal(_np(F.pixel_unshuffle(_v(a), r)), tf.pixel_unshuffle(torch.tensor(a), r).numpy())
    for g in (1, 2, 3, 4, 6):
        np.testing.assert_array_equal(_np(F.channel_shuffle(_v(a), g)), tf.channel_shuffle(torch.tensor(a), g).numpy())
    w = _rand(4, 6, seed=3)
    for ns, wt, eps in [((6,), None, None), ((4, 6), w, None), ((4, 6), w, 1e-3)]:
        ours = F.rms_norm(_v(a), ns, None if wt is None else _v(wt), eps)
        theirs = tf.rms_norm(torch.tensor(a), ns, None if wt is None else torch.tensor(wt), eps)
        np.testing.assert_allclose(_np(ours), theirs.numpy(), rtol=1e-12, atol=1e-12)
    a32 = a.astype(np.float32)
    np.testing.assert_allclose(
        _np(F.rms_norm(_v(a32), (6,))), tf.rms_norm(torch.tensor(a32), (6,)).numpy(), rtol=1e-5, atol=1e-6
    )
    for shape in [(2, 7, 5), (2, 6, 3, 4), (1, 5, 2, 3, 2)]:
        b = _rand(*shape) * 3
        for size in (1, 2, 5, 9):
            np.testing.assert_allclose(
                _np(F.local_response_norm(_v(b), size, 0.1, 0.6, 2.0)),
                tf.local_response_norm(torch.tensor(b), size, 0.1, 0.6, 2.0).numpy(),
                rtol=1e-12,
                atol=1e-12,
            )
    x = _v(a, True)
    y = F.local_response_norm(x, 3, 0.2)
    (y * _v(_rand(*a.shape, seed=5))).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    (tf.local_response_norm(tx, 3, 0.2) * torch.tensor(_rand(*a.shape, seed=5))).sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert repr(nn.RMSNorm([3, 4], eps=1e-5)) == repr(torch.nn.RMSNorm([3, 4], eps=1e-5))
    assert repr(nn.LocalResponseNorm(3, k=2.0)) == repr(torch.nn.LocalResponseNorm(3, k=2.0))
