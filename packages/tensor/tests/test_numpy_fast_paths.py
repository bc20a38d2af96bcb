"""Paths around NumPy 2.4's slow spots, each against the plain NumPy/SciPy result: ``where`` by bit selection
(exact, with its fallbacks), ``clamp`` as ``clip``, ``relu`` against a shared zero buffer,
``sigmoid`` on NumPy's exp, a stack times a matrix as one GEMM."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.tensor._select import _BLOCK, _MIN_SIZE, select

RNG = np.random.default_rng(11)
N = 4 * _MIN_SIZE

_real_where = np.where


@pytest.fixture
def where_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calls that reached NumPy's own ``where`` (the fallback)."""
    calls: list[int] = []

    def spy(*args: Any) -> Any:
        calls.append(1)
        return _real_where(*args)

    monkeypatch.setattr(np, "where", spy)
    return calls


def _values(dtype: Any, shape: tuple[int, ...]) -> Any:
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return RNG.random(shape) > 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return RNG.integers(info.min, info.max, shape, dtype=dt, endpoint=True)
    if dt.kind == "c":
        return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dt)
    a = RNG.standard_normal(shape).astype(dt)
    flat = a.reshape(-1)
    special = [np.nan, np.inf, -np.inf, -0.0, 0.0, np.finfo(dt).tiny / 4]  # NaN, infinities, zeros, a subnormal
    k = min(len(special), flat.size)
    flat[:k] = special[:k]
    return a


def _same_bits(got: Any, ref: Any) -> None:
    assert got.dtype == ref.dtype and got.shape == ref.shape
    u = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64, 16: np.uint64}[ref.dtype.itemsize]
    np.testing.assert_array_equal(np.ascontiguousarray(got).view(u), np.ascontiguousarray(ref).view(u))


@pytest.mark.parametrize(
    "dtype",
    [bool, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]
    + [np.float16, np.float32, np.float64, np.complex64],
)
def test_bit_select_matches_where_bit_for_bit(dtype: Any, where_calls: list[int]) -> None:
    x, y = _values(dtype, (N,)), _values(dtype, (N,))
    c = RNG.random(N) > 0.5
    got = select(np, c, x, y)
    assert not where_calls  # the branch-free path ran
    _same_bits(got, _real_where(c, x, y))
    assert got.flags.writeable and not np.shares_memory(got, x) and not np.shares_memory(got, y)


@pytest.mark.parametrize("dtype", [bool, np.int8, np.float16, np.float32, np.float64])
@pytest.mark.parametrize("zero_d", ["none", "x", "y"])
def test_large_arrays_go_block_by_block_exactly(dtype: Any, zero_d: str, where_calls: list[int]) -> None:
    n = 4 * _BLOCK + 12345  # several blocks and a ragged last one, for every element size
    x = _values(dtype, () if zero_d == "x" else (3, n // 3))
    y = _values(dtype, () if zero_d == "y" else (3, n // 3))
    c = RNG.random((3, n // 3)) > 0.5
    got = select(np, c, x, y)
    assert not where_calls
    _same_bits(got, _real_where(c, x, y))
    strided = select(np, c[:, ::-1], x, y)  # a reversed mask: the whole-array path
    _same_bits(strided, _real_where(c[:, ::-1], x, y))


def test_nan_payloads_and_signed_zeros_survive(where_calls: list[int]) -> None:
    x = np.full(N, -0.0, np.float32)
    y = np.full(N, np.uint32(0x7FC00123), np.uint32).view(np.float32)  # a NaN with a payload
    c = RNG.random(N) > 0.5
    got = select(np, c, x, y)
    assert not where_calls
    _same_bits(got, _real_where(c, x, y))
    assert np.signbit(got[c]).all()


@pytest.mark.parametrize(
    ("cshape", "xshape", "yshape"),
    [((N,), (), ()), ((64, N // 64), (64, 1), (N // 64,)), ((N // 64, 64), (N // 64, 1), ()), ((1, N), (3, 1), (3, N))],
)
def test_broadcasting_and_zero_d_operands(cshape: Any, xshape: Any, yshape: Any, where_calls: list[int]) -> None:
    c = RNG.random(cshape) > 0.5
    x, y = _values(np.float64, xshape), _values(np.float64, yshape)
    got = select(np, c, x, y)
    assert not where_calls
    _same_bits(got, _real_where(c, x, y))


def test_non_contiguous_operands(where_calls: list[int]) -> None:
    big = _values(np.float32, (2 * N, 3))
    x, y = big[::2, 0], big[1::2, 2]  # strided views
    c = (RNG.random(2 * N) > 0.5)[::2]
    got = select(np, c, x, y)
    assert not where_calls
    _same_bits(got, _real_where(c, x, y))


@pytest.mark.parametrize("fraction", [0.0, 1.0, 0.005, 0.995])
def test_uniform_masks_keep_numpy_where(fraction: float, where_calls: list[int]) -> None:
    c = RNG.random(N) < fraction
    x, y = _values(np.float32, (N,)), _values(np.float32, (N,))
    _same_bits(select(np, c, x, y), _real_where(c, x, y))
    assert len(where_calls) == 1  # a well-predicted branch: NumPy's where is the faster one


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (np.ones(N, np.float32), np.zeros(N, np.float64)),  # two dtypes
        (np.ones(N, np.complex128), np.zeros(N, np.complex128)),  # 16-byte elements
        (np.ones(N, object), np.zeros(N, object)),
        (np.ones(_MIN_SIZE - 1, np.float32), np.zeros(_MIN_SIZE - 1, np.float32)),  # too small to pay off
    ],
)
def test_fallbacks(x: Any, y: Any, where_calls: list[int]) -> None:
    c = RNG.random(x.shape) > 0.5
    got = select(np, c, x, y)
    assert len(where_calls) == 1
    np.testing.assert_array_equal(got, _real_where(c, x, y))


def test_python_numbers_take_the_result_dtype(where_calls: list[int]) -> None:
    a = _values(np.float32, (N,))
    c = RNG.random(N) > 0.5
    got = select(np, c, a, 0.1, np.float32)
    assert not where_calls and got.dtype == np.float32
    _same_bits(got, _real_where(c, a, np.float32(0.1)))
    both = select(np, c, 2, -1.5, np.float64)
    assert not where_calls
    _same_bits(both, _real_where(c, 2.0, -1.5))


def test_tensor_where_takes_the_fast_path_with_pytorch_dtypes(where_calls: list[int]) -> None:
    a = tt.tensor(_values(np.float32, (64, N // 64)))
    r = tt.where(a > 0, a, 0.0)
    assert not where_calls
    assert r.dtype == tt.float32 and r.shape == (64, N // 64)
    an = a.numpy()
    _same_bits(r.numpy(), _real_where(an > 0, an, np.float32(0)))
    i = tt.tensor(RNG.integers(-5, 5, N))
    r2 = tt.where(i > 0, i, 2.5)  # int64 and a Python float: the default float dtype, as PyTorch
    assert r2.dtype == tt.float32
    np.testing.assert_array_equal(r2.numpy(), _real_where(i.numpy() > 0, i.numpy(), 2.5).astype(np.float32))
    with pytest.raises(RuntimeError, match=r"\(3\).*\(4\)|3.*4"):
        tt.where(tt.ones(3) > 0, tt.ones(4), 0.0)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_clamp_special_values_follow_pytorch(dtype: Any) -> None:
    # clamp on NumPy floats runs as one clip (infinite for a missing bound); PyTorch's results, spelled out
    a = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, -1.0, 0.5, 2.0] * 600, dtype)  # large enough to matter
    t = tt.from_numpy(a)

    def bits(r: Any) -> Any:
        return r.numpy()[:8]

    np.testing.assert_array_equal(bits(t.clamp(0, 1)), np.array([np.nan, 1, 0, -0.0, 0, 0, 0.5, 1], dtype))
    assert np.signbit(bits(t.clamp(0, 1))[3])  # -0.0 is not below 0: it stays (as PyTorch)
    assert np.signbit(bits(t.clamp(min=0.0))[3]) and bits(t.clamp(min=0.0))[1] == np.inf
    np.testing.assert_array_equal(bits(t.clamp(max=0.25)), np.array([np.nan, 0.25, -np.inf, 0, 0, -1, 0.25, 0.25]))
    np.testing.assert_array_equal(bits(t.clamp(2, 1)), np.array([np.nan, 1, 1, 1, 1, 1, 1, 1], dtype))  # lo > hi
    assert np.isnan(t.clamp(min=float("nan")).numpy()).all()  # a NaN bound: NaN everywhere
    for r in (t.clamp(0, 1), t.clamp(min=0.0), t.clamp(max=1.0)):
        assert r.dtype == t.dtype and r.shape == t.shape


def test_clamp_integer_and_tensor_bounds() -> None:
    i = tt.tensor(np.arange(-3000, 3000))
    np.testing.assert_array_equal(i.clamp(-5, 7).numpy(), np.clip(np.arange(-3000, 3000), -5, 7))
    assert i.clamp(-5, 7).dtype == tt.int64 and i.clamp(min=2.5).dtype == tt.float32  # PyTorch's promotion
    np.testing.assert_array_equal(i.clamp(max=3).numpy(), np.minimum(np.arange(-3000, 3000), 3))
    lo = tt.tensor(np.linspace(-1, 0, 6000, dtype=np.float32))
    x = tt.tensor(RNG.standard_normal(6000).astype(np.float32))
    np.testing.assert_array_equal(x.clamp(min=lo, max=0.5).numpy(), np.minimum(np.maximum(x.numpy(), lo.numpy()), 0.5))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, bool])
@pytest.mark.parametrize("n", [100, 20000])  # under and over the size from which float relu compares with zeros
def test_relu_values_dtypes_and_special_values(dtype: Any, n: int) -> None:
    a = _values(dtype, (n,))
    r = tt.relu(tt.from_numpy(a)).numpy()
    assert r.dtype == a.dtype and r.shape == a.shape and not np.shares_memory(r, a)
    ref = a.copy() if a.dtype == bool else np.where(a > 0, a, np.zeros_like(a))
    if a.dtype.kind == "f":
        ref[np.isnan(a)] = np.nan
    np.testing.assert_array_equal(r, ref)  # NaN stays NaN, -inf -> 0, inf stays


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("n", [100, 20000])  # under and over the size from which sigmoid runs on NumPy's exp
def test_sigmoid_is_accurate_in_both_tails(dtype: Any, n: int) -> None:
    import scipy.special

    a = np.linspace(-100, 100, n).astype(dtype)
    a[:4] = [np.nan, np.inf, -np.inf, -0.0]
    with np.errstate(all="ignore"):
        r = tt.sigmoid(tt.from_numpy(a)).numpy()
    ref = scipy.special.expit(a.astype(np.float64))
    assert r.dtype == dtype and np.isnan(r[0]) and r[1] == 1 and r[2] == 0 and r[3] == 0.5
    tiny = np.finfo(dtype).tiny
    normal = ref[4:] >= tiny  # below the smallest normal number, results may flush to 0 (as in PyTorch)
    ulp = np.abs(r[4:][normal] - ref[4:][normal]) / np.spacing(ref[4:][normal].astype(dtype)).astype(np.float64)
    assert ulp.max() <= 4, ulp.max()
    assert (r[4:][~normal] <= tiny).all()


@pytest.mark.parametrize(
    ("ashape", "bshape"),
    [((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (4, 5)), ((0, 3, 4), (4, 5)), ((2, 3, 0), (0, 5)), ((2, 3, 4), (4, 0))],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_stack_times_matrix_as_one_gemm(ashape: Any, bshape: Any, dtype: Any) -> None:
    a = (RNG.standard_normal(ashape) * 4).astype(dtype)
    b = (RNG.standard_normal(bshape) * 4).astype(dtype)
    ref = np.matmul(a, b)
    for x in (a, np.swapaxes(np.swapaxes(a, 0, -2).copy(), 0, -2)):  # C-ordered (one GEMM) and strided (NumPy's)
        r = (tt.from_numpy(x) @ tt.from_numpy(b)).numpy()
        assert r.dtype == ref.dtype and r.shape == ref.shape
        np.testing.assert_allclose(r, ref, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-4)
    with pytest.raises(RuntimeError, match="Expected size for first two dimensions"):
        tt.ones(2, 3, 4) @ tt.ones(5, 6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.complex64])
@pytest.mark.parametrize(
    "make",
    [
        lambda a: a.T,  # one transposed matrix
        lambda a: a.reshape(4, 96, 160).swapaxes(1, 2),  # a stack
        lambda a: a.reshape(2, 2, 96, 160).swapaxes(-1, -2),
        lambda a: a[8:].T,  # an offset into the buffer
        lambda a: a[:, ::2].T,  # strided rows: NumPy's copy
        lambda a: a[::-1].T,  # negative strides: NumPy's copy
        lambda a: a.reshape(384, 160)[:, :7].T,  # thin: NumPy's copy
    ],
)
def test_transposed_copies(dtype: Any, make: Any) -> None:
    """``contiguous()`` and ``copy_`` of transposed matrices (OpenBLAS's blocked copy where it applies) give
    NumPy's values, C-ordered, in the source's dtype."""
    base = (RNG.standard_normal((384, 160)) * 100).astype(dtype)
    src = make(base)
    c = tt.from_numpy(base)
    view = make(c)  # the same view taken on the tensor
    got = view.contiguous().numpy()
    assert got.flags.c_contiguous and got.dtype == dtype and got.shape == src.shape
    np.testing.assert_array_equal(got, src)
    dest = tt.zeros(*src.shape, dtype=c.dtype)
    dest.copy_(view)
    np.testing.assert_array_equal(dest.numpy(), src)


def test_copy_into_itself_transposed_and_into_a_strided_destination() -> None:
    a = RNG.standard_normal((256, 256))
    t = tt.from_numpy(a.copy())
    t.copy_(t.t())  # overlapping: NumPy's buffered copy
    np.testing.assert_array_equal(t.numpy(), a.T)
    dest = tt.zeros(256, 512, dtype=tt.float64)[:, ::2]  # a strided destination: NumPy's copy
    dest.copy_(tt.from_numpy(a).t())
    np.testing.assert_array_equal(dest.numpy(), a.T)


@pytest.mark.parametrize("shape", [(-1,), (2, -1), (96, 8, 160), (768, 160)])
def test_reshape_of_transposed_matrices(shape: tuple[int, ...]) -> None:
    """A reshape that changes a transposed view's last axis copies (OpenBLAS's blocked copy); one that keeps it may
    stay a view; values as NumPy's either way."""
    base = RNG.standard_normal((2, 160, 384)).astype(np.float32)
    view = tt.from_numpy(base).swapaxes(-1, -2)  # (2, 384, 160), last axis strided
    got = view.reshape(*shape).numpy()
    np.testing.assert_array_equal(got, base.swapaxes(-1, -2).reshape(shape))
    with pytest.raises(RuntimeError, match="invalid for input of size"):
        view.reshape(7, -1)
