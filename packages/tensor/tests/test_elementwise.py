"""Elementwise ops against NumPy/SciPy over broadcast, 0-d, empty and non-contiguous inputs and several dtypes."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pytest
import scipy.special

import taeda.tensor as tt

# NumPy warns where IEEE arithmetic gives inf/nan (log(0), 0/0 ...); PyTorch does not, and neither do we here.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

RNG = np.random.default_rng(0)

# (shape_a, shape_b) pairs: same, broadcast, 0-d, empty
PAIRS = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((), ()), ((0, 3), (3,))]


def make(shape: tuple[int, ...], dtype: Any, noncontig: bool = False, positive: bool = False) -> np.ndarray[Any, Any]:
    """Random data of ``shape``; with ``noncontig`` a strided view of a larger array."""
    full = shape[:-1] + (shape[-1] * 2,) if noncontig and shape else shape
    x: np.ndarray[Any, Any] = RNG.standard_normal(full) * 3
    if positive:
        x = np.abs(x) + 0.5
    if np.dtype(dtype).kind in "iu":
        x = np.round(x) + (4 if np.dtype(dtype).kind == "u" else 0)
        x = np.where(x == 0, 1, x)
    elif np.dtype(dtype).kind == "b":
        x = x > 0
    x = np.asarray(x).astype(dtype)
    if noncontig and shape:
        x = x[..., ::2]
        assert not x.flags.c_contiguous or x.size <= 1
    return x


BINARY: list[tuple[str, Callable[..., Any], Callable[..., Any]]] = [
    ("add", tt.add, np.add),
    ("sub", tt.sub, np.subtract),
    ("mul", tt.mul, np.multiply),
    ("maximum", tt.maximum, np.maximum),
    ("minimum", tt.minimum, np.minimum),
    ("remainder", tt.remainder, np.remainder),
    ("fmod", tt.fmod, np.fmod),
    ("floor_divide", tt.floor_divide, np.floor_divide),
    ("atan2", tt.atan2, np.arctan2),
    ("hypot", tt.hypot, np.hypot),
    ("eq", tt.eq, np.equal),
    ("lt", tt.lt, np.less),
    ("ge", tt.ge, np.greater_equal),
]


@pytest.mark.parametrize(("name", "fn", "ref"), BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
@pytest.mark.parametrize("noncontig", [False, True])
def test_binary_against_numpy(name: str, fn: Any, ref: Any, dtype: Any, noncontig: bool) -> None:
    if name in ("atan2", "hypot") and np.dtype(dtype).kind == "i":
        dtype_out: Any = np.float32
    else:
        dtype_out = None
    for sa, sb in PAIRS:
        a, b = make(sa, dtype, noncontig), make(sb, dtype, noncontig)
        got = fn(tt.from_numpy(a) if a.ndim else tt.as_tensor(a), tt.as_tensor(b))
        want = np.asarray(ref(a, b))
        if dtype_out is not None:
            want = want.astype(dtype_out)
        assert got.shape == want.shape, (name, sa, sb)
        assert got.dtype == want.dtype, (name, sa, sb, got.dtype, want.dtype)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_operators_match_functions() -> None:
    a, b = make((3, 4), np.float32), make((4,), np.float32, positive=True)
    ta, tb = tt.from_numpy(a), tt.from_numpy(b)
    cases = [
        (operator.add, np.add),
        (operator.sub, np.subtract),
        (operator.mul, np.multiply),
        (operator.truediv, np.divide),
        (operator.floordiv, np.floor_divide),
        (operator.mod, np.remainder),
        (operator.pow, np.power),
        (operator.lt, np.less),
        (operator.le, np.less_equal),
        (operator.gt, np.greater),
        (operator.ge, np.greater_equal),
        (operator.eq, np.equal),
        (operator.ne, np.not_equal),
    ]
    for op, ref in cases:
        for x, y, rx, ry in ((ta, tb, a, b), (ta, 2.0, a, np.float32(2.0)), (3.0, tb, np.float32(3.0), b)):
            got = op(x, y)
            assert isinstance(got, tt.Tensor)
            np.testing.assert_allclose(got.numpy(), ref(rx, ry), rtol=1e-5, err_msg=str(op))
    assert (-ta).tolist() == (-a).tolist() and abs(ta).tolist() == np.abs(a).tolist() and (+ta) is ta
    i, j = tt.tensor([12, 7]), tt.tensor([10, 3])
    assert (i & j).tolist() == [8, 3] and (i | j).tolist() == [14, 7] and (i ^ j).tolist() == [6, 4]
    assert (~tt.tensor([True, False])).tolist() == [False, True] and (~i).tolist() == [-13, -8]
    assert (i << 1).tolist() == [24, 14] and (i >> 1).tolist() == [6, 3]
    assert (1 & tt.tensor([3])).tolist() == [1]
    with pytest.raises(RuntimeError):
        tt.ones(2) & tt.ones(2)
    m = tt.from_numpy(make((2, 3), np.float64))
    n = tt.from_numpy(make((3, 2), np.float64))
    np.testing.assert_allclose((m @ n).numpy(), m.numpy() @ n.numpy())
    np.testing.assert_allclose(cast(tt.Tensor, m.numpy() @ n).numpy(), m.numpy() @ n.numpy())


def test_ndarray_on_the_left_returns_tensor() -> None:
    a = np.ones(3, np.float64)
    t = tt.ones(3)
    for r in (a + t, a - t, a * t, a / t, a**t, a > t, a == t, a // t, a % t):
        assert isinstance(r, tt.Tensor)
    assert cast(tt.Tensor, a + t).dtype == tt.float64  # float32 tensor + float64 ndarray -> float64
    assert (t + a).dtype == tt.float64
    assert (np.float64(2.0) * t).dtype == tt.float32  # a NumPy scalar acts like a 0-d tensor


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (tt.float32, tt.float64, tt.float64),
        (tt.int32, tt.float16, tt.float16),
        (tt.uint8, tt.int8, tt.int16),
        (tt.bool, tt.int32, tt.int32),
        (tt.int64, tt.int32, tt.int64),
        (tt.bool, tt.float16, tt.float16),
        (tt.int16, tt.int64, tt.int64),
        (tt.float16, tt.float32, tt.float32),
    ],
)
def test_tensor_tensor_promotion(a: Any, b: Any, expected: Any) -> None:
    x, y = tt.ones(2, dtype=a), tt.ones(2, dtype=b)
    assert (x + y).dtype == expected and (y * x).dtype == expected and tt.promote_types(a, b) == expected


@pytest.mark.parametrize(
    ("dtype", "scalar", "expected"),
    [
        (tt.int32, 2.5, tt.float32),
        (tt.float16, 2.5, tt.float16),
        (tt.int8, 1000, tt.int8),
        (tt.uint8, 3, tt.uint8),
        (tt.bool, 1, tt.int64),
        (tt.bool, 1.0, tt.float32),
        (tt.bool, True, tt.bool),
        (tt.int64, True, tt.int64),
        (tt.float64, 1, tt.float64),
        (tt.float32, 1e300, tt.float32),
    ],
)
def test_python_scalars_never_widen(dtype: Any, scalar: Any, expected: Any) -> None:
    x = tt.ones(3, dtype=dtype)
    assert (x * scalar).dtype == expected and (scalar * x).dtype == expected


def test_zero_dim_tensors_do_not_widen() -> None:
    assert (tt.ones(2) + tt.tensor(1.0, dtype=tt.float64)).dtype == tt.float32
    assert (tt.ones(2, dtype=tt.int32) + tt.tensor(1, dtype=tt.int64)).dtype == tt.int32
    assert (tt.ones(2, dtype=tt.int32) + tt.tensor(1.0, dtype=tt.float64)).dtype == tt.float64
    assert (tt.tensor(1.0) + tt.tensor(1.0, dtype=tt.float64)).dtype == tt.float64
    assert tt.result_type(tt.tensor([1, 2]), 1.0) == tt.float32


def test_integer_division_signs() -> None:
    a = tt.tensor([-7, 7, -7, 7])
    b = tt.tensor([2, -2, -2, 2])
    assert (a // b).tolist() == [-4, -4, 3, 3]
    assert tt.floor_divide(a, b).tolist() == [-4, -4, 3, 3]
    assert (a % b).tolist() == [1, -1, -1, 1]  # sign of the divisor
    assert tt.remainder(a, b).tolist() == [1, -1, -1, 1]
    assert tt.fmod(a, b).tolist() == [-1, 1, -1, 1]  # sign of the dividend
    assert tt.div(a, b, rounding_mode="trunc").tolist() == [-3, -3, 3, 3]
    assert tt.div(a, b, rounding_mode="floor").tolist() == [-4, -4, 3, 3]
    assert (a / b).dtype == tt.float32 and (a / b).tolist() == [-3.5, -3.5, 3.5, 3.5]
    assert tt.true_divide(a, 2).dtype == tt.float32
    f = tt.tensor([-7.5, 7.5])
    assert tt.fmod(f, 2).tolist() == [-1.5, 1.5] and tt.remainder(f, 2).tolist() == [0.5, 1.5]
    assert tt.div(f, 2, rounding_mode="trunc").tolist() == [-3.0, 3.0]
    with pytest.raises(ValueError, match="rounding_mode"):
        tt.div(a, b, rounding_mode="bad")


def test_pow_and_bool_sub_errors() -> None:
    assert tt.pow(tt.tensor([2, 3]), 2).tolist() == [4, 9]
    assert tt.pow(2, tt.tensor([1.0, 3.0])).tolist() == [2.0, 8.0]
    assert (tt.tensor([4]) ** 0.5).tolist() == [2.0] and (tt.tensor([4]) ** 0.5).dtype == tt.float32
    with pytest.raises(RuntimeError, match="negative integer powers"):
        tt.tensor([2]) ** -1
    with pytest.raises(RuntimeError, match="Subtraction"):
        tt.tensor([True]) - tt.tensor([False])
    with pytest.raises(RuntimeError, match="Negation"):
        -tt.tensor([True])


UNARY: list[tuple[str, Any, bool]] = [
    ("exp", np.exp, False),
    ("exp2", np.exp2, False),
    ("expm1", np.expm1, False),
    ("log", np.log, True),
    ("log2", np.log2, True),
    ("log10", np.log10, True),
    ("log1p", np.log1p, True),
    ("sqrt", np.sqrt, True),
    ("rsqrt", lambda x: 1 / np.sqrt(x), True),
    ("sin", np.sin, False),
    ("cos", np.cos, False),
    ("tan", np.tan, False),
    ("asin", lambda x: np.arcsin(np.clip(x, -1, 1)), False),
    ("acos", lambda x: np.arccos(np.clip(x, -1, 1)), False),
    ("atan", np.arctan, False),
    ("sinh", np.sinh, False),
    ("cosh", np.cosh, False),
    ("tanh", np.tanh, False),
    ("sigmoid", scipy.special.expit, False),
    ("erf", scipy.special.erf, False),
    ("erfc", scipy.special.erfc, False),
    ("erfinv", lambda x: scipy.special.erfinv(np.clip(x, -0.99, 0.99)), False),
    ("lgamma", scipy.special.gammaln, True),
    ("digamma", scipy.special.digamma, True),
    ("reciprocal", np.reciprocal, True),
]


@pytest.mark.parametrize(("name", "ref", "positive"), UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_unary_against_reference(name: str, ref: Any, positive: bool, dtype: Any) -> None:
    fn = getattr(tt, name)
    for shape, noncontig in (((3, 4), False), ((3, 4), True), ((), False), ((0, 2), False)):
        x = make(shape, dtype, noncontig, positive=positive)
        if name in ("asin", "acos"):
            x = np.clip(x, -1, 1)
        if name == "erfinv":
            x = np.clip(x, -0.99, 0.99)
        got = fn(tt.as_tensor(x))
        want = np.asarray(ref(x)).astype(dtype)
        assert got.dtype == dtype and got.shape == want.shape
        np.testing.assert_allclose(got.numpy(), want, rtol=2e-6 if dtype == np.float32 else 1e-12, atol=1e-6)
        method = getattr(tt.as_tensor(x), name)()
        np.testing.assert_allclose(method.numpy(), got.numpy())


@pytest.mark.parametrize("name", ["exp", "sqrt", "sigmoid", "log1p", "erf", "sin"])
def test_float_unary_promotes_integers_to_default_dtype(name: str) -> None:
    assert getattr(tt, name)(tt.tensor([1, 2])).dtype == tt.float32
    assert getattr(tt, name)(tt.tensor([True])).dtype == tt.float32
    assert getattr(tt, name)(tt.tensor([1.0], dtype=tt.float16)).dtype == tt.float16


KEEP_DTYPE: list[tuple[str, Any]] = [
    ("neg", np.negative),
    ("abs", np.abs),
    ("sign", np.sign),
    ("floor", np.floor),
    ("ceil", np.ceil),
    ("trunc", np.trunc),
    ("round", np.round),
    ("square", np.square),
    ("frac", lambda x: x - np.trunc(x)),
    ("relu", lambda x: np.maximum(x, 0)),
]


@pytest.mark.parametrize(("name", "ref"), KEEP_DTYPE, ids=[k[0] for k in KEEP_DTYPE])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_dtype_preserving_unary(name: str, ref: Any, dtype: Any) -> None:
    if name == "frac" and np.dtype(dtype).kind == "i":
        return
    for shape, noncontig in (((3, 4), False), ((3, 4), True), ((), False), ((0,), False)):
        x = make(shape, dtype, noncontig) + (np.array(0.5, dtype) if np.dtype(dtype).kind == "f" else 0)
        got = getattr(tt, name)(tt.as_tensor(x))
        assert got.dtype == dtype
        np.testing.assert_allclose(got.numpy(), ref(x).astype(dtype))


def test_round_decimals_and_half_to_even() -> None:
    assert tt.round(tt.tensor([0.5, 1.5, 2.5, -0.5])).tolist() == [0.0, 2.0, 2.0, -0.0]
    assert tt.round(tt.tensor([1.2345], dtype=tt.float64), decimals=2).tolist() == [1.23]


def test_clamp_where_lerp_and_friends() -> None:
    x = make((4, 5), np.float32)
    t = tt.from_numpy(x)
    np.testing.assert_allclose(tt.clamp(t, -1, 1).numpy(), np.clip(x, -1, 1))
    np.testing.assert_allclose(t.clamp(min=0).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(t.clip(max=0.5).numpy(), np.minimum(x, 0.5))
    lo, hi = tt.full((5,), -0.5), tt.full((4, 1), 0.5)
    np.testing.assert_allclose(tt.clamp(t, lo, hi).numpy(), np.minimum(np.maximum(x, -0.5), 0.5))
    assert tt.clamp(tt.tensor([1, 5, 9]), 2, 6).tolist() == [2, 5, 6]
    assert tt.clamp(tt.tensor([1, 5]), 0.5, 2.5).dtype == tt.float32
    with pytest.raises(RuntimeError, match="At least one"):
        tt.clamp(t)
    c = x > 0
    np.testing.assert_allclose(tt.where(tt.from_numpy(c), t, 0.0).numpy(), np.where(c, x, 0))
    assert tt.where(tt.tensor([True, False]), tt.tensor([1, 2]), 2.5).dtype == tt.float32
    assert [i.tolist() for i in tt.where(tt.tensor([[0, 1], [1, 0]]))] == [[0, 1], [1, 0]]
    with pytest.raises(RuntimeError, match="must match"):
        tt.where(tt.ones(3, dtype=tt.bool), tt.ones(4), tt.ones(3))
    e = make((5,), np.float32)
    np.testing.assert_allclose(tt.lerp(t, tt.from_numpy(e), 0.3).numpy(), x + 0.3 * (e - x), rtol=1e-6)
    w = tt.full((4, 5), 0.25)
    np.testing.assert_allclose(t.lerp(tt.from_numpy(e), w).numpy(), x + 0.25 * (e - x), rtol=1e-6)
    np.testing.assert_allclose(tt.addcmul(t, t, t, value=2).numpy(), x + 2 * x * x, rtol=1e-6)
    np.testing.assert_allclose(tt.addcdiv(t, t, t + 10, value=2).numpy(), x + 2 * x / (x + 10), rtol=1e-6)


def test_nan_inf_predicates_and_nan_to_num() -> None:
    x = np.array([1.0, np.nan, np.inf, -np.inf], np.float32)
    t = tt.from_numpy(x)
    assert tt.isnan(t).tolist() == np.isnan(x).tolist() and tt.isinf(t).tolist() == np.isinf(x).tolist()
    assert tt.isfinite(t).tolist() == np.isfinite(x).tolist() and t.isnan().dtype == tt.bool
    assert tt.isposinf(t).tolist() == [False, False, True, False]
    assert tt.isneginf(t).tolist() == [False, False, False, True]
    np.testing.assert_array_equal(tt.nan_to_num(t).numpy(), np.nan_to_num(x))
    assert tt.nan_to_num(t, nan=-1.0, posinf=9.0, neginf=-9.0).tolist() == [1.0, -1.0, 9.0, -9.0]
    assert tt.isnan(tt.tensor([1, 2])).tolist() == [False, False] and tt.isfinite(tt.tensor([1])).tolist() == [True]
    assert tt.nan_to_num(tt.tensor([3])).tolist() == [3]


def test_logic_and_closeness() -> None:
    a, b = tt.tensor([True, False, True]), tt.tensor([True, True, False])
    assert tt.logical_and(a, b).tolist() == [True, False, False]
    assert tt.logical_or(a, b).tolist() == [True, True, True]
    assert tt.logical_xor(a, b).tolist() == [False, True, True]
    assert tt.logical_not(tt.tensor([0, 2])).tolist() == [True, False]
    assert tt.bitwise_and(tt.tensor([6]), 3).tolist() == [2] and tt.bitwise_not(tt.tensor([0])).tolist() == [-1]
    assert tt.equal(tt.tensor([1, 2]), tt.tensor([1, 2])) and not tt.equal(tt.tensor([1, 2]), tt.tensor([1]))
    assert tt.allclose(tt.tensor([1.0]), tt.tensor([1.0 + 1e-7])) and not tt.allclose(
        tt.tensor([1.0]), tt.tensor([1.1])
    )
    assert tt.isclose(tt.tensor([1.0, 2.0]), tt.tensor([1.0, 2.5])).tolist() == [True, False]
    assert tt.signbit(tt.tensor([-0.0, 1.0])).tolist() == [True, False]


def test_out_argument() -> None:
    out = tt.empty(3)
    r = tt.mul(tt.tensor([1.0, 2.0, 3.0]), 2, out=out)
    assert r is out and out.tolist() == [2.0, 4.0, 6.0] and out._version == 1
    tt.exp(tt.zeros(3), out=out)
    assert out.tolist() == [1.0, 1.0, 1.0]
    resized = tt.empty(0)
    tt.add(tt.ones(2), 1, out=resized)
    assert resized.tolist() == [2.0, 2.0]


def test_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(
        RuntimeError,
        match=r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1",
    ):
        tt.ones(2, 3) + tt.ones(2, 4)
    with pytest.raises(
        RuntimeError, match=r"tensor a \(2\) must match the size of tensor b \(5\) at non-singleton dimension 0"
    ):
        tt.mul(tt.ones(2, 1), tt.ones(5, 3))
    with pytest.raises(RuntimeError, match="must match"):
        tt.ones(3) * tt.ones(4, dtype=tt.float64)
    with pytest.raises(RuntimeError, match="must match"):
        np.ones(3) + tt.ones(4)


def test_foreign_operands_are_not_implemented() -> None:
    class Other:
        def __radd__(self, other: Any) -> str:
            return "other"

    assert tt.ones(2) + Other() == "other"
    with pytest.raises(TypeError):
        tt.ones(2) + "x"
    assert (tt.ones(2) == None) is False  # type: ignore[comparison-overlap]  # noqa: E711


METHOD_PAIRS = [
    "exp",
    "log1p",
    "sqrt",
    "sigmoid",
    "tanh",
    "abs",
    "neg",
    "floor",
    "frac",
    "sign",
    "asinh",
    "deg2rad",
    "isnan",
    "signbit",
    "relu",
    "reciprocal",
    "square",
    "erf",
    "lgamma",
]


@pytest.mark.parametrize("name", METHOD_PAIRS)
def test_methods_match_functions(name: str) -> None:
    x = tt.from_numpy(make((3, 4), np.float64, positive=True))
    np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(tt, name)(x).numpy())


@pytest.mark.parametrize("name", ["hypot", "logaddexp", "copysign", "fmax", "fmin", "atan2", "maximum", "fmod"])
def test_binary_methods_match_functions(name: str) -> None:
    x, y = tt.from_numpy(make((3, 4), np.float64)), tt.from_numpy(make((4,), np.float64))
    np.testing.assert_array_equal(getattr(x, name)(y).numpy(), getattr(tt, name)(x, y).numpy())


def test_clamp_min_max_and_type_as() -> None:
    x = tt.tensor([-1.0, 2.0])
    assert x.clamp_min(0).tolist() == [0.0, 2.0] and x.clamp_max(0).tolist() == [-1.0, 0.0]
    assert x.type_as(tt.zeros(1, dtype=tt.int64)).dtype == tt.int64
    assert tt.tensor([[1, 2], [3, 4]]).trace().item() == 5


def test_bool_subtraction_and_integer_powers_like_pytorch() -> None:
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        tt.tensor([True]) - 1
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        tt.tensor([1.0]) - True
    assert (tt.tensor([True, False]) ** 2).dtype == tt.int64
    base = tt.tensor([0, 1, -1, 2, -2, 3])
    assert (base ** tt.tensor([-1, -2, -3, -1, -2, -2])).tolist() == [0, 1, -1, 0, 0, 0]
    assert tt.square(tt.tensor([True])).dtype == tt.int64
