"""Regressions found by differential fuzzing against PyTorch 2.13 and NumPy: NaN in median/cummax/topk/sign,
var/std degrees of freedom, ``div(rounding_mode=)`` with a Python scalar, integer powers, reflected shifts,
``tensor_split`` at decreasing indices, ``fill_``, writes to expanded views and integer overflow on creation.

The expected values are PyTorch's; ``test_matches_torch`` also runs each case against PyTorch when it is installed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

NAN = math.nan


def _same(a: Any, b: Any) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=np.asarray(a).dtype.kind == "f"))


# ------------------------------------------------------------------------------------------------ reductions
def test_median_propagates_nan_to_its_first_index() -> None:
    x = tt.tensor([[1.0, NAN, 3.0, NAN, 0.0], [5.0, 4.0, 3.0, 2.0, 1.0], [NAN, 1.0, 2.0, 3.0, 4.0]])
    v, i = tt.median(x, 1)
    assert _same(v.numpy(), [NAN, 3.0, NAN])
    assert i.tolist() == [1, 2, 0]
    v, i = tt.median(x.T, 0, keepdim=True)
    assert v.shape == (1, 3) and i.tolist() == [[1, 2, 0]]
    assert math.isnan(tt.median(x).item())
    assert tt.median(x[1]).item() == 3.0


def test_cummax_cummin_index_moves_to_each_nan() -> None:
    x = tt.tensor([1.0, NAN, 3.0, NAN, 0.0])
    for fn in (tt.cummax, tt.cummin):
        v, i = fn(x, 0)
        assert _same(v.numpy(), [1.0, NAN, NAN, NAN, NAN])
        assert i.tolist() == [0, 1, 1, 3, 3]
    assert tt.cummax(tt.tensor([1.0, 1.0, 0.0, 1.0]), 0).indices.tolist() == [0, 1, 1, 3]  # ties: the last one


def test_var_std_of_empty_dims_keep_their_shape() -> None:
    e = tt.zeros(0, 3)
    assert tt.var(e, 0).shape == (3,)
    assert tt.std(e, 0, keepdim=True).shape == (1, 3)
    assert tt.var(e, dim=(), keepdim=True).shape == (1, 1)
    assert tt.var(e, 0).isnan().all().item()


def test_var_with_correction_at_least_n_is_inf_or_nan() -> None:
    # PyTorch divides the sum of squares by max(0, n - correction): x / 0 is inf, 0 / 0 NaN
    assert tt.var(tt.tensor([1.0, 2.0]), correction=2).item() == math.inf
    assert tt.var(tt.tensor([1.0, 2.0]), correction=3).item() == math.inf
    assert math.isnan(tt.var(tt.tensor([1.0, 1.0]), correction=2).item())
    assert math.isnan(tt.var(tt.tensor([1.0])).item())
    assert tt.std(tt.tensor([[1.0, 2.0], [3.0, 3.0]]), dim=1, correction=5).tolist()[0] == math.inf
    assert math.isnan(tt.std(tt.tensor([[1.0, 2.0], [3.0, 3.0]]), dim=1, correction=5).tolist()[1])


def test_var_of_empty_complex_is_real() -> None:
    assert tt.var(tt.zeros(0, 2, dtype=tt.complex64), 0).dtype == tt.float32


def test_half_cumsum_cumprod_accumulate_in_float32() -> None:
    ones = tt.ones(5000, dtype=tt.float16)
    r = tt.cumsum(ones, 0)
    assert r.dtype == tt.float16 and r[-1].item() == 5000.0  # float16 accumulation stops at 2048
    assert ones.cumsum(0)[2500].item() == 2500.0
    p = tt.full((3000,), 1.001, dtype=tt.float16).cumprod(0)
    assert p.dtype == tt.float16
    assert abs(p[-1].item() - float(np.prod(np.full(3000, np.float16(1.001), np.float32)))) < 0.5


def test_topk_largest_takes_nan_first() -> None:
    rng = np.random.default_rng(0)
    for n in (5, 100):  # the full sort and the argpartition path
        a = rng.standard_normal((2, n)).astype(np.float32)
        a[0, 2] = NAN
        a[1, 0] = np.inf
        v, i = tt.topk(tt.from_numpy(a), 2, dim=1)
        assert math.isnan(v[0, 0].item()) and i[0, 0].item() == 2
        assert v[0, 1].item() == np.sort(np.delete(a[0], 2))[-1]
        assert i[1].tolist()[0] == 0
        v, i = tt.topk(tt.from_numpy(a), 1, dim=1, largest=False)
        assert not v.isnan().any().item()


# ------------------------------------------------------------------------------------------------ elementwise
@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_with_python_scalar_keeps_the_dtype(mode: str) -> None:
    assert tt.div(tt.tensor([-7, 3], dtype=tt.int32), 2, rounding_mode=mode).dtype == tt.int32
    assert tt.div(tt.tensor([-7, 3], dtype=tt.int32), 2.5, rounding_mode=mode).dtype == tt.float32
    assert tt.div(tt.tensor([-7.0, 3.0]), 2, rounding_mode=mode).dtype == tt.float32
    assert tt.div(tt.tensor([-7.0, 3.0], dtype=tt.float16), -2.0, rounding_mode=mode).dtype == tt.float16
    assert tt.div(tt.tensor([250, 7], dtype=tt.uint8), 2, rounding_mode=mode).tolist() == [125, 3]
    assert tt.div(tt.tensor([-7, 7]), 2, rounding_mode="trunc").tolist() == [-3, 3]


def test_div_trunc_uint8_by_negative_scalar_wraps_it() -> None:
    # PyTorch casts -2 to uint8 (254)
    assert tt.div(tt.tensor([1, 250, 7], dtype=tt.uint8), -2, rounding_mode="trunc").tolist() == [0, 0, 0]


@pytest.mark.parametrize("dtype", [tt.uint8, tt.int8, tt.int32, tt.int64, tt.bool])
def test_integer_to_negative_python_power_raises(dtype: Any) -> None:
    x = tt.tensor([1, 2, 0], dtype=dtype)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        tt.pow(x, -3)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        x**-1
    assert tt.pow(tt.tensor([1.0, 2.0]), -1).tolist() == [1.0, 0.5]


def test_reflected_and_inplace_shifts() -> None:
    s = tt.tensor([0, 1, 3, 5])
    assert (3 << s).tolist() == [3, 6, 24, 96]
    assert (-2 >> s).tolist() == [-2, -1, -1, -1]
    assert (True << s).dtype == tt.int64
    assert (3 << tt.tensor([0, 1], dtype=tt.uint8)).dtype == tt.uint8
    x = tt.tensor([-7, 3])
    x <<= 2
    assert x.tolist() == [-28, 12]
    x >>= 1
    assert x.tolist() == [-14, 6]
    y = tt.ones(2)
    for op in ("__ilshift__", "__irshift__", "__ixor__", "__iand__", "__ior__"):
        with pytest.raises(RuntimeError, match="only supported for integer and bool tensors"):
            getattr(y, op)(1)


def test_inplace_integer_ops_across_signedness_wrap() -> None:
    # PyTorch computes in the promoted dtype and casts back; NumPy refused the cast (uint8 += int8) or the scalar
    x = tt.tensor([200, 7, 0, 130], dtype=tt.uint8)
    x += tt.tensor([-2, 3, 5, -1], dtype=tt.int8)
    assert x.tolist() == [198, 10, 5, 129]
    x //= tt.tensor([-2, 3, 5, -1], dtype=tt.int64)
    assert x.tolist() == [157, 3, 1, 127]  # 198 // -2 = -99, wrapped to uint8
    x *= -1
    assert x.dtype == tt.uint8 and x.tolist() == [99, 253, 255, 129]
    y = tt.tensor([100, -7], dtype=tt.int8)
    y += tt.tensor([100, 250], dtype=tt.uint8)
    assert y.tolist() == [-56, -13]
    z = tt.tensor([1, 2], dtype=tt.int32)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        z **= -1
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        z += 1.5


def test_sign_of_nan_is_zero() -> None:
    assert tt.sign(tt.tensor([NAN, -2.0, 0.0, 3.0])).tolist() == [0.0, -1.0, 0.0, 1.0]
    assert tt.sign(tt.tensor(NAN)).item() == 0.0
    assert tt.tensor([NAN], dtype=tt.float16).sign().dtype == tt.float16
    assert tt.tensor([NAN, -1.0]).sign_().tolist() == [0.0, -1.0]
    assert tt.sign(tt.tensor([-3, 0, 2])).tolist() == [-1, 0, 1]


# ------------------------------------------------------------------------------------------------ shapes
def test_tensor_split_at_decreasing_indices() -> None:
    x = tt.arange(24.0).reshape(2, 3, 4)
    assert [p.shape[2] for p in x.tensor_split([-1, 2], 2)] == [3, 0, 2]
    assert [p.shape[0] for p in tt.arange(5).tensor_split([1, -1, -7, 9])] == [1, 3, 0, 5, 0]
    assert tt.arange(5).tensor_split([3, 1])[2].tolist() == [1, 2, 3, 4]


def test_roll_shifts_must_match_dims() -> None:
    x = tt.arange(12).reshape(3, 4)
    for args in (((1, 2),), ((1, 2), 0), (1, (0, 1))):
        with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
            tt.roll(x, *args)
    assert tt.roll(x, (1,)).tolist() == [[11, 0, 1, 2], [3, 4, 5, 6], [7, 8, 9, 10]]
    assert tt.roll(x, (1, 1), (0, 0)).equal(tt.roll(x, 2, 0))  # a repeated dim rolls twice
    assert x.roll((1, 2), (0, 1)).tolist() == [[10, 11, 8, 9], [2, 3, 0, 1], [6, 7, 4, 5]]


# ------------------------------------------------------------------------------------------------ in place
def test_fill_refuses_a_dimensioned_value_tensor() -> None:
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        tt.zeros(2, 3).fill_(tt.ones(3))
    assert tt.zeros(2).fill_(tt.tensor(2.5)).tolist() == [2.5, 2.5]


@pytest.mark.parametrize(
    "write",
    [
        lambda t: t.fill_(1.0),
        lambda t: t.zero_(),
        lambda t: t.masked_fill_(tt.ones(3, 4, dtype=tt.bool), 2.0),
        lambda t: t.__setitem__(0, 1.0),
    ],
)
def test_writing_to_an_expanded_view_raises_runtime_error(write: Callable[[Any], Any]) -> None:
    t = tt.zeros(1, 4).expand(3, 4)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        write(t)


def test_python_number_of_a_multi_element_tensor_is_a_value_error() -> None:
    for conv in (float, int, complex):
        with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
            conv(tt.ones(3))
        assert conv(tt.ones(1, 1)) == 1
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        tt.ones(3).item()


# ------------------------------------------------------------------------------------------------ creation
def test_python_ints_beyond_int64_raise() -> None:
    with pytest.raises(ValueError, match="Overflow"):
        tt.tensor([2**63])
    with pytest.raises(ValueError, match="Overflow"):
        tt.tensor(2**63)
    assert tt.tensor([2**63 - 1]).item() == 2**63 - 1
    # NumPy's own unsigned scalars and arrays are not Python ints beyond int64
    assert tt.tensor([np.uint8(3)]).tolist() == [3]
    assert tt.tensor(np.array([2**64 - 1], np.uint64)).dtype == tt.uint64


def test_python_numbers_that_overflow_an_integer_dtype_raise() -> None:
    for data, dtype in (
        ([300], tt.uint8),
        ([NAN], tt.int64),
        ([1.5e20], tt.int64),
        ([[1, 300]], tt.int8),
        (128, tt.int8),
    ):
        with pytest.raises(RuntimeError, match="without overflow"):
            tt.tensor(data, dtype=dtype)
    assert tt.tensor([-1], dtype=tt.uint8).tolist() == [255]  # PyTorch wraps negatives into unsigned types
    assert tt.tensor([2.7], dtype=tt.int8).tolist() == [2]
    assert tt.tensor(np.array([300]), dtype=tt.uint8).tolist() == [44]  # arrays are cast, as in PyTorch
    with pytest.raises(RuntimeError, match="without overflow"):
        tt.full((2,), NAN, dtype=tt.int64)
    with pytest.raises(RuntimeError, match="without overflow"):
        tt.full_like(tt.zeros(2, dtype=tt.int32), math.inf)
    assert tt.full((2,), 7, dtype=tt.uint8).tolist() == [7, 7]


# ------------------------------------------------------------------------------------------------ PyTorch
CASES: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("median_nan", lambda m, x: m.median(x, 1)),
    ("cummax_nan", lambda m, x: m.cummax(x, 1)),
    ("cummin_nan", lambda m, x: m.cummin(x, 0)),
    ("topk_nan", lambda m, x: m.topk(x, 3, dim=1)),
    ("var_empty", lambda m, x: m.var(x[:0], 0)),
    ("std_big_correction", lambda m, x: m.std(x, dim=0, correction=4)),
    ("sign", lambda m, x: m.sign(x)),
    ("div_trunc", lambda m, x: m.div(x, -2, rounding_mode="trunc")),
    ("div_trunc_int", lambda m, x: m.div(m.arange(-5, 5).to(m.int32), 3, rounding_mode="trunc")),
    ("rlshift", lambda m, x: 5 << m.arange(4)),
    ("tensor_split", lambda m, x: x.tensor_split([3, -4, 1], 1)),
    ("cumsum_half", lambda m, x: m.cumsum(m.ones(3000, dtype=m.float16), 0)),
    ("iadd_uint8_int8", lambda m, x: m.arange(250, 254).to(m.uint8).add_(m.arange(-3, 1).to(m.int8))),
    ("imul_uint8_neg", lambda m, x: m.arange(250, 254).to(m.uint8).mul_(-3)),
    (
        "ifloordiv_int8_uint8",
        lambda m, x: m.arange(-3, 1).to(m.int8).__ifloordiv__(m.arange(250, 254).to(m.uint8)),
    ),
]


def _np(r: Any) -> Any:
    if isinstance(r, tuple):
        return [_np(e) for e in r]
    return r.numpy()


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")
@pytest.mark.parametrize(("name", "fn"), CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name: str, fn: Callable[[Any, Any], Any]) -> None:
    torch = pytest.importorskip("torch", reason="compares against PyTorch")
    a = np.array([[1.0, NAN, 3.0, NAN, 0.0], [5.0, 4.0, 3.0, 2.0, 1.0], [NAN, 1.0, 2.0, -3.0, 4.0]], np.float32)
    want, got = _np(fn(torch, torch.from_numpy(a.copy()))), _np(fn(tt, tt.from_numpy(a.copy())))
    for w, g in zip(want if isinstance(want, list) else [want], got if isinstance(got, list) else [got], strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape, name
        assert _same(g, w), name


def test_T_of_more_than_two_dims_reverses_them_with_a_warning() -> None:
    x = tt.arange(24).reshape(2, 3, 4)
    with pytest.warns(UserWarning, match="deprecated"):
        y = x.T
    assert y.shape == (4, 3, 2) and y[3, 2, 1].item() == x[1, 2, 3].item()


def test_index_add_fill_and_scatter_reduce_on_a_0d_tensor_act_on_its_one_element() -> None:
    assert tt.zeros(()).index_add(0, tt.tensor([0]), tt.tensor(2.0)).item() == 2.0
    z = tt.zeros(())
    z.index_add_(0, tt.tensor([0]), tt.tensor(3.0))
    assert z.shape == () and z.item() == 3.0
    assert tt.tensor(4.0).index_fill(-1, tt.tensor([0]), 1.0).item() == 1.0
    r = tt.tensor(4.0).scatter_reduce(0, tt.tensor(0), tt.tensor(5.0), "amax", include_self=False)
    assert r.shape == () and r.item() == 5.0
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got 1"):
        tt.zeros(()).index_add(1, tt.tensor([0]), tt.tensor(2.0))
