"""Activations on arrays large enough for the branch-free select (2048+ elements): bit-identical to the same
function computed in small pieces (NumPy's own ``where``), forward and backward, special values included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable

RNG = np.random.default_rng(5)
SHAPE = (24, 3, 100)  # 7,200 elements; each piece below is one (1, 3, 100) slab: 300 elements, under the threshold

FUNCS: list[tuple[str, Callable[[Any], Any]]] = [
    ("threshold", lambda x: F.threshold(x, 0.1, -2.0)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2)),
    ("leaky_relu_1", lambda x: F.leaky_relu(x, 1.0)),
    ("leaky_relu_steep", lambda x: F.leaky_relu(x, 3.0)),  # slope above 1: the select, not the maximum
    ("leaky_relu_neg", lambda x: F.leaky_relu(x, -0.5)),
    ("elu", lambda x: F.elu(x, 0.7)),
    ("selu", F.selu),
    ("celu", lambda x: F.celu(x, 2.0)),
    ("hardswish", F.hardswish),
    ("softplus", lambda x: F.softplus(x, beta=2.0, threshold=3.0)),
    ("hardshrink", lambda x: F.hardshrink(x, 0.3)),
    ("softshrink", lambda x: F.softshrink(x, 0.3)),
    ("prelu_shared", lambda x: F.prelu(x, Variable(tt.tensor([0.25]).to(x.dtype)))),
    ("prelu_channels", lambda x: F.prelu(x, Variable(tt.tensor([0.1, 0.2, 0.3]).to(x.dtype)))),
]


def _input(dtype: Any) -> Any:
    a = (RNG.standard_normal(SHAPE) * 4).astype(dtype)
    flat = a.reshape(-1)
    flat[:5] = [np.nan, np.inf, -np.inf, -0.0, 0.0]
    flat[5:9] = [3.0, -3.0, 0.3, -0.3]  # on the kinks
    return a


def _run(fn: Callable[[Any], Any], a: Any, g: Any) -> tuple[Any, Any]:
    x = Variable(tt.from_numpy(a.copy()), requires_grad=True)
    y = fn(x)
    y.backward(tt.from_numpy(g))
    assert x.grad is not None
    return y.data.numpy(), x.grad.numpy()


def _bits(a: Any) -> Any:
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # hardswish(-inf) is NaN, as in PyTorch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "fn"), FUNCS, ids=[n for n, _ in FUNCS])
def test_large_arrays_match_small_pieces_bit_for_bit(name: str, fn: Callable[[Any], Any], dtype: Any) -> None:
    a = _input(dtype)
    g = RNG.standard_normal(SHAPE).astype(dtype)
    y, gx = _run(fn, a, g)
    pieces = [_run(fn, a[i : i + 1], g[i : i + 1]) for i in range(SHAPE[0])]
    y_ref = np.concatenate([p[0] for p in pieces])
    gx_ref = np.concatenate([p[1] for p in pieces])
    assert y.dtype == dtype and gx.dtype == dtype
    np.testing.assert_array_equal(_bits(y), _bits(y_ref))
    if name == "softplus":  # its gradient is a sigmoid: from 4096 elements on NumPy's exp (a few ulp from expit)
        np.testing.assert_allclose(gx, gx_ref, rtol=8 * np.finfo(dtype).eps, atol=0)
    else:
        np.testing.assert_array_equal(_bits(gx), _bits(gx_ref))


def test_large_leaky_relu_takes_no_numpy_where(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = np.where

    def spy(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(np, "where", spy)
    a = _input(np.float32)
    _run(lambda x: F.leaky_relu(x, 0.2), a, np.ones(SHAPE, np.float32))
    _run(F.elu, a, np.ones(SHAPE, np.float32))
    assert not calls


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf * 0 and float16 overflow, as in the reference
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("slope", [0.2, 1.0, 1e-30, 0.0, 0.999999, 1.5])
@pytest.mark.parametrize("n", [100, 5000])
def test_leaky_relu_forward_is_the_select_bit_for_bit(slope: float, dtype: Any, n: int) -> None:
    # for 0 < slope <= 1 the forward is maximum(x, slope * x): it must pick exactly where x > 0 picks
    a = (RNG.standard_normal(n) * 10.0 ** RNG.integers(-8, 8, n)).astype(dtype)
    a[:5] = [np.nan, np.inf, -np.inf, -0.0, 0.0]
    with np.errstate(all="ignore"):
        ref = np.where(a > 0, a, a * dtype(slope) if dtype is not np.float64 else a * slope)
    y = F.leaky_relu(Variable(tt.from_numpy(a)), slope).data.numpy()
    np.testing.assert_array_equal(_bits(y), _bits(ref.astype(dtype)))


BIG = (5, 3, 20011)  # 300,165 elements: five equal blocks of about 60K, split over the two kernel threads


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("threads", [True, False])
@pytest.mark.parametrize(
    ("name", "fn"),
    FUNCS
    + [
        ("gelu", F.gelu),
        ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")),
        ("silu", F.silu),
        ("mish", F.mish),
        ("sigmoid", F.sigmoid),
        ("tanh", F.tanh),
        ("logsigmoid", F.logsigmoid),
        ("softsign", F.softsign),
        ("hardtanh", F.hardtanh),
        ("hardsigmoid", F.hardsigmoid),
        ("tanhshrink", F.tanhshrink),
    ],
)
def test_blocked_evaluation_equals_one_whole_array_call(name: str, fn: Callable[[Any], Any], threads: bool) -> None:
    a = _input(np.float32).reshape(-1)
    a = np.resize(a, BIG).astype(np.float32)  # the special values again, at the start
    _assert_blocks_equal_whole(fn, a, RNG.standard_normal(BIG).astype(np.float32), threads)


def _assert_blocks_equal_whole(fn: Callable[[Any], Any], a: Any, g: Any, threads: bool) -> tuple[Any, Any]:
    """``fn`` forward and backward in blocks (threads on or off), then as one block, bit for bit the same."""
    from taeda.nn.functional import _kern_elementwise, _kern_runtime

    old = _kern_runtime.set_kernel_threads(threads)
    saved = _kern_elementwise.BLOCK
    try:
        with np.errstate(all="ignore"):
            y, gx = _run(fn, a, g)
            _kern_elementwise.BLOCK = a.size  # one block: the formula applied to the whole array at once
            y1, gx1 = _run(fn, a, g)
    finally:
        _kern_elementwise.BLOCK = saved
        _kern_runtime.set_kernel_threads(old)
    np.testing.assert_array_equal(_bits(y), _bits(y1))
    np.testing.assert_array_equal(_bits(gx), _bits(gx1))
    return y, gx


@pytest.mark.parametrize("threads", [True, False])
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax, F.softmin], ids=["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(2400, 130), (7, 300, 131), (3, 70000)])  # blocks of rows; rows wider than a block
def test_softmaxes_over_row_blocks_equal_one_whole_array_call(fn: Any, shape: tuple[int, ...], threads: bool) -> None:
    a = (RNG.standard_normal(shape) * 20).astype(np.float32)
    a.reshape(-1)[:3] = [np.inf, -np.inf, 1e4]
    g = RNG.standard_normal(shape).astype(np.float32)
    y, _ = _assert_blocks_equal_whole(lambda x: fn(x, dim=-1), a, g, threads)
    with np.errstate(all="ignore"):
        ref = a - a.max(-1, keepdims=True)
        ref = ref - np.log(np.exp(ref).sum(-1, keepdims=True))
    if fn is F.log_softmax:
        np.testing.assert_allclose(y[1:], ref[1:], rtol=1e-5, atol=1e-5)  # row 0 holds inf: NaN as in PyTorch


@pytest.mark.parametrize("threads", [True, False])
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax, F.softmin], ids=["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize(
    ("shape", "dim"), [((40, 3, 100), 1), ((7, 5, 300), 1), ((5, 4, 30, 20), 1), ((3, 4, 5, 600), 2)]
)
def test_softmaxes_over_a_middle_axis_in_sample_blocks(
    fn: Any, shape: tuple[int, ...], dim: int, threads: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of samples on two threads (a segmentation map's class axis) give the one-call result bit for bit."""
    from taeda.nn.functional import _kern_elementwise, _kern_runtime

    a = (RNG.standard_normal(shape) * 10).astype(np.float32)
    a.reshape(-1)[:2] = [np.inf, -np.inf]
    g = RNG.standard_normal(shape).astype(np.float32)
    old = _kern_runtime.set_kernel_threads(threads)
    try:
        with np.errstate(all="ignore"):
            monkeypatch.setattr(_kern_elementwise, "BLOCK", 2000)  # blocks of 1-6 samples
            y, gx = _run(lambda x: fn(x, dim=dim), a, g)
            monkeypatch.setattr(_kern_elementwise, "BLOCK", 1 << 40)  # one call
            y1, gx1 = _run(lambda x: fn(x, dim=dim), a, g)
    finally:
        _kern_runtime.set_kernel_threads(old)
    np.testing.assert_array_equal(_bits(y), _bits(y1))
    np.testing.assert_array_equal(_bits(gx), _bits(gx1))


def test_silu_float32_is_accurate_in_both_tails() -> None:
    """x / (1 + exp(-x)) with in-place steps: within a few float32 ulp of float64 everywhere, forward and
    backward, and 0 (not NaN) where exp(-x) overflows."""
    a = np.linspace(-100, 100, 300_001).astype(np.float32)
    x64 = a.astype(np.float64)
    s64 = 1 / (1 + np.exp(-x64))
    y, gx = _run(F.silu, a, np.ones_like(a))
    ref_y, ref_g = x64 * s64, s64 * (1 + x64 * (1 - s64))
    assert np.isfinite(y).all() and np.isfinite(gx).all()
    # below x = -88.7, exp(-x) overflows float32 and y is -0, as PyTorch's x / (1 + exp(-x)) gives (|y| < 1e-36)
    big = (np.abs(ref_y) > np.finfo(np.float32).tiny) & (x64 > -88.7)
    ulp = np.abs(y[big] - ref_y[big]) / np.spacing(np.abs(ref_y[big]).astype(np.float32)).astype(np.float64)
    assert ulp.max() <= 8, ulp.max()
    assert np.all(np.abs(y[~big]) < 1e-36)
    # the derivative crosses 0 at x = -1.28 (an absolute error there); in the lower tail it keeps its digits
    assert np.abs(gx - ref_g).max() < 2e-6  # 1 - s for s near 1, times x: as PyTorch's s·(1 + x·(1 - s))
    tail = (x64 < -3) & (x64 > -88.7)  # (where exp(-x) does not overflow)
    assert (np.abs(gx[tail] - ref_g[tail]) / np.abs(ref_g[tail])).max() < 1e-5
