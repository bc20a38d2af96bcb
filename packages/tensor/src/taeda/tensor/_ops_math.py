"""Elementwise math: arithmetic with PyTorch promotion, comparisons, logic, unary math and special functions.

Float-only functions (``exp``, ``sqrt``, ``sigmoid`` ...) compute integer and bool inputs in the default float
dtype, as PyTorch does. Every function takes ``out=`` where PyTorch has it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from taeda.tensor import _dtype as _dt
from taeda.tensor import _operators as _op
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._intdiv import check_int_zero
from taeda.tensor._select import select
from taeda.tensor._tensor import (
    _INTEGRAL,
    _NO_CAST,
    _NOT,
    _PROMOTE,
    _TO_FLOAT,
    Tensor,
    _binary,
    _bump,
    _wrap,
    _wrap_r,
    unwrap,
    xp_of,
)

__all__ = [
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "floor_divide",
    "remainder",
    "fmod",
    "pow",
    "atan2",
    "arctan2",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "lerp",
    "addcmul",
    "addcdiv",
    "where",
    "clamp",
    "clip",
    "nan_to_num",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "greater",
    "less",
    "greater_equal",
    "less_equal",
    "not_equal",
    "equal",
    "isclose",
    "allclose",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "neg",
    "negative",
    "abs",
    "absolute",
    "sign",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "sigmoid",
    "relu",
    "erf",
    "erfc",
    "erfinv",
    "lgamma",
    "digamma",
    "polygamma",
    "floor",
    "ceil",
    "round",
    "trunc",
    "fix",
    "frac",
    "isnan",
    "isinf",
    "isfinite",
    "isposinf",
    "isneginf",
    "signbit",
    "hypot",
    "logaddexp",
    "copysign",
    "deg2rad",
    "rad2deg",
    "write_out",
]

_FLOATING = _dt.FLOATING


def write_out(r: Tensor, out: Tensor | None) -> Tensor:
    """Store the result ``r`` into ``out`` (resized when its shape differs, as PyTorch) and bump its version."""
    if out is None:
        return r
    o = out._array
    if o.shape == r._array.shape:
        o[...] = r._array
    else:
        out._array = r._array.astype(o.dtype)
    _bump(out)
    return out


def _bin(fn: Any, x: Any, y: Any, mode: int, name: str) -> Tensor:
    if not isinstance(x, Tensor) and not isinstance(y, Tensor) and not hasattr(x, "shape") and not hasattr(y, "shape"):
        from taeda.tensor._creation import tensor

        x = tensor(x)
    r = _binary(fn, x, y, mode)
    if r is NotImplemented:
        raise TypeError(f"{name}(): unsupported argument types {type(x).__name__} and {type(y).__name__}")
    return r  # type: ignore[no-any-return]


def _is_bool(x: Any) -> bool:
    if isinstance(x, bool):
        return True
    dt = getattr(unwrap(x), "dtype", None)
    return dt is not None and dt.kind == "b"


def _arr(x: Any) -> Any:
    if type(x) is Tensor:
        return x._array
    a = unwrap(x)
    if a is _NOT:
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    if not hasattr(a, "shape") or isinstance(a, np.generic):
        from taeda.tensor._creation import tensor

        return tensor(a)._array
    return a


def _check_int_zero(input: Any, other: Any) -> None:
    """PyTorch raises ``RuntimeError: ZeroDivisionError`` for an integer division by zero (NumPy gives 0)."""
    t = type(other)
    if t is float or (t is int and other != 0):  # the common scalar divisors: nothing to unwrap
        return
    check_int_zero(unwrap(input), unwrap(other))


# ----------------------------------------------------------------------------- binary arithmetic
@taeda_function
def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other`` with broadcasting and PyTorch's type promotion.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.add(tt.tensor([1, 2]), tt.tensor([10, 20]), alpha=2).tolist()
        [21, 42]
    """
    if alpha == 1 and out is None and type(input) is Tensor:  # the operator's fast path
        r: Any = _op.add(input, other)
        if r is not NotImplemented:
            return r  # type: ignore[no-any-return]
    if alpha != 1:
        other = other * alpha
    return write_out(_bin(operator.add, input, other, _PROMOTE, "add"), out)


@taeda_function
def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other``; bool tensors cannot be subtracted (as PyTorch).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.sub(tt.tensor([5.0]), 2).tolist()
        [3.0]
    """
    bools = [_is_bool(x) for x in (input, other)]
    if bools[0] and bools[1]:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if bools[0] or bools[1]:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
            "use the `~` or `logical_not()` operator instead."
        )
    if alpha != 1:
        other = other * alpha
    return write_out(_bin(operator.sub, input, other, _PROMOTE, "sub"), out)


subtract = sub


@taeda_function
def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise product.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.mul(tt.tensor([1, 2]), 1.5).tolist()
        [1.5, 3.0]
    """
    if out is None and type(input) is Tensor:  # the operator's fast path
        r: Any = _op.mul(input, other)
        if r is not NotImplemented:
            return r  # type: ignore[no-any-return]
    return write_out(_bin(operator.mul, input, other, _PROMOTE, "mul"), out)


multiply = mul


def _trunc_div(a: Any, b: Any) -> Any:
    arr = a if hasattr(a, "shape") else b
    xp = xp_of(arr)
    # a Python scalar takes the promoted dtype of the array (a 0-d int64/float64 array would widen the result)
    a_arr, b_arr = xp.asarray(a, dtype=arr.dtype), xp.asarray(b, dtype=arr.dtype)
    if a_arr.dtype.kind in "fc" or b_arr.dtype.kind in "fc":
        return xp.trunc(a_arr / b_arr)
    q = a_arr // b_arr
    return q + ((a_arr % b_arr != 0) & ((a_arr < 0) != (b_arr < 0)))


@taeda_function
def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    """Division. ``rounding_mode=None`` is true division (integers give the default float dtype);
    ``"trunc"`` rounds toward zero and ``"floor"`` toward minus infinity, keeping integer dtypes.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.div(tt.tensor([-7, 7]), 2).tolist(), tt.div(tt.tensor([-7, 7]), 2, rounding_mode="trunc").tolist()
        ([-3.5, 3.5], [-3, 3])
    """
    if rounding_mode is None:
        if out is None and type(input) is Tensor:  # the operator's fast path
            q: Any = _op.truediv(input, other)
            if q is not NotImplemented:
                return q  # type: ignore[no-any-return]
        r = _bin(operator.truediv, input, other, _TO_FLOAT, "div")
    elif rounding_mode == "floor":
        _check_int_zero(input, other)
        r = _bin(operator.floordiv, input, other, _PROMOTE, "div")
    elif rounding_mode == "trunc":
        _check_int_zero(input, other)
        r = _bin(_trunc_div, input, other, _PROMOTE, "div")
    else:
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    return write_out(r, out)


divide = div


@taeda_function
def true_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """True division; integer inputs give the default float dtype.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.true_divide(tt.tensor([1, 2]), 2).dtype
        dtype('float32')
    """
    if out is None and type(input) is Tensor:  # the operator's fast path
        r: Any = _op.truediv(input, other)
        if r is not NotImplemented:
            return r  # type: ignore[no-any-return]
    return write_out(_bin(operator.truediv, input, other, _TO_FLOAT, "true_divide"), out)


@taeda_function
def floor_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Division rounded toward minus infinity (Python's ``//``).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.floor_divide(tt.tensor([-7, 7]), 2).tolist()
        [-4, 3]
    """
    _check_int_zero(input, other)
    return write_out(_bin(operator.floordiv, input, other, _PROMOTE, "floor_divide"), out)


@taeda_function
def remainder(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Python's ``%``: the result has the sign of the divisor.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.remainder(tt.tensor([-7, 7]), 3).tolist()
        [2, 1]
    """
    _check_int_zero(input, other)
    return write_out(_bin(operator.mod, input, other, _PROMOTE, "remainder"), out)


def _fmod(a: Any, b: Any) -> Any:
    return xp_of(a if hasattr(a, "shape") else b).fmod(a, b)


@taeda_function
def fmod(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """C's ``fmod``: the result has the sign of the dividend.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.fmod(tt.tensor([-7, 7]), 3).tolist()
        [-1, 1]
    """
    _check_int_zero(input, other)
    return write_out(_bin(_fmod, input, other, _PROMOTE, "fmod"), out)


@taeda_function
def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent`` (either may be a scalar).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.pow(tt.tensor([2, 3]), 2).tolist(), tt.pow(2, tt.tensor([1.0, 3.0])).tolist()
        ([4, 9], [2.0, 8.0])
    """
    if type(exponent) is int and exponent == 2 and type(input) is Tensor and input._array.dtype.kind in "fiuc":
        a = input._array
        return write_out(_wrap_r(a * a), out)
    if type(exponent) is int and exponent < 0 and isinstance(input, Tensor) and input._array.dtype.kind in "biu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")  # not wrapped to uint8's range
    try:
        r = _bin(operator.pow, input, exponent, _PROMOTE, "pow")
        rt = _dt.result_type(unwrap(input), unwrap(exponent))
        if r._array.dtype != rt:  # bool ** bool: NumPy computes in int8
            r = _wrap_r(r._array.astype(rt))
    except ValueError as e:
        if "negative integer powers" not in str(e):
            raise
        if not hasattr(unwrap(exponent), "shape"):  # a Python scalar exponent: PyTorch refuses it
            raise RuntimeError("Integers to negative integer powers are not allowed.") from None
        r = _int_pow(input, exponent)
    return write_out(r, out)


def _int_pow(input: Any, exponent: Any) -> Tensor:
    """Integer ``base ** exp`` with negative exponents as PyTorch computes them: 1 for base 1, +-1 for base -1,
    else 0."""
    rt = _dt.result_type(unwrap(input), unwrap(exponent))
    b, e = _arr(input).astype(rt), _arr(exponent).astype(rt)
    xp = xp_of(b)
    neg = e < 0
    r = b ** xp.where(neg, 0, e)
    odd = (e % 2) != 0
    at_neg = xp.where(b == 1, 1, xp.where(b == -1, xp.where(odd, -1, 1), 0)).astype(rt)
    return _wrap_r(xp.where(neg, at_neg, r))


def _xp2(fn_name: str) -> Callable[[Any, Any], Any]:
    def f(a: Any, b: Any) -> Any:
        return getattr(xp_of(a if hasattr(a, "shape") else b), fn_name)(a, b)

    f.__name__ = fn_name
    return f


_arctan2 = _xp2("arctan2")
_maximum = _xp2("maximum")
_minimum = _xp2("minimum")
_fmax = _xp2("fmax")
_fmin = _xp2("fmin")
_hypot = _xp2("hypot")
_logaddexp = _xp2("logaddexp")
_copysign = _xp2("copysign")
_logical_and = _xp2("logical_and")
_logical_or = _xp2("logical_or")
_logical_xor = _xp2("logical_xor")


@taeda_function
def atan2(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``atan(input / other)`` with the quadrant from both signs.

    Example:
        >>> import taeda.tensor as tt
        >>> f"{tt.atan2(tt.tensor([1.0]), tt.tensor([-1.0])).item():.4f}"
        '2.3562'
    """
    return write_out(_bin(_arctan2, input, other, _TO_FLOAT, "atan2"), out)


arctan2 = atan2


@taeda_function
def hypot(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.hypot(tt.tensor([3.0]), tt.tensor([4.0])).tolist()
        [5.0]
    """
    return write_out(_bin(_hypot, input, other, _TO_FLOAT, "hypot"), out)


@taeda_function
def logaddexp(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``log(exp(input) + exp(other))`` computed stably."""
    return write_out(_bin(_logaddexp, input, other, _TO_FLOAT, "logaddexp"), out)


@taeda_function
def copysign(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """The magnitude of ``input`` with the sign of ``other``."""
    return write_out(_bin(_copysign, input, other, _TO_FLOAT, "copysign"), out)


@taeda_function
def maximum(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise maximum (NaN propagates).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.maximum(tt.tensor([1, 5]), tt.tensor([3, 2])).tolist()
        [3, 5]
    """
    return write_out(_bin(_maximum, input, other, _PROMOTE, "maximum"), out)


@taeda_function
def minimum(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise minimum (NaN propagates).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.minimum(tt.tensor([1, 5]), tt.tensor([3, 2])).tolist()
        [1, 2]
    """
    return write_out(_bin(_minimum, input, other, _PROMOTE, "minimum"), out)


@taeda_function
def fmax(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise maximum ignoring NaN."""
    return write_out(_bin(_fmax, input, other, _PROMOTE, "fmax"), out)


@taeda_function
def fmin(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise minimum ignoring NaN."""
    return write_out(_bin(_fmin, input, other, _PROMOTE, "fmin"), out)


@taeda_function
def lerp(input: Any, end: Any, weight: Any, *, out: Tensor | None = None) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.lerp(tt.tensor([0.0]), tt.tensor([10.0]), 0.25).tolist()
        [2.5]
    """
    return write_out(add(input, mul(weight, sub(end, input))), out)


@taeda_function
def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 * tensor2``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.addcmul(tt.tensor([1.0]), tt.tensor([2.0]), tt.tensor([3.0]), value=0.5).tolist()
        [4.0]
    """
    return write_out(add(input, mul(tensor1, tensor2), alpha=value), out)


@taeda_function
def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 / tensor2``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.addcdiv(tt.tensor([1.0]), tt.tensor([2.0]), tt.tensor([4.0]), value=2).tolist()
        [2.0]
    """
    return write_out(add(input, div(tensor1, tensor2), alpha=value), out)


@taeda_function
def where(condition: Any, input: Any = None, other: Any = None, *, out: Tensor | None = None) -> Any:
    """``input`` where ``condition`` holds, else ``other`` (all broadcast).

    ``where(cond)`` alone is ``nonzero(cond, as_tuple=True)``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.where(tt.tensor([True, False]), tt.tensor([1.0, 2.0]), 0.0).tolist()
        [1.0, 0.0]
    """
    if input is None and other is None:
        from taeda.tensor._ops_index import nonzero

        return nonzero(condition, as_tuple=True)
    c = _arr(condition)
    if c.dtype.kind != "b":
        c = c.astype(bool)
    x, y = unwrap(input), unwrap(other)
    if x is _NOT or y is _NOT:
        raise TypeError("where(): expected Tensors or scalars for input and other")
    rt = _dt.result_type(x, y)
    xp = xp_of(c)
    if hasattr(x, "dtype") and x.dtype != rt:
        x = x.astype(rt)
    if hasattr(y, "dtype") and y.dtype != rt:
        y = y.astype(rt)
    try:
        r = select(xp, c, x, y, rt)
    except ValueError:
        from taeda.tensor._checks import broadcast_shapes

        broadcast_shapes(c.shape, getattr(x, "shape", ()), getattr(y, "shape", ()))
        raise
    if r.dtype != rt:
        r = r.astype(rt)
    return write_out(_wrap_r(r), out)


@taeda_function
def clamp(input: Any, min: Any = None, max: Any = None, *, out: Tensor | None = None) -> Tensor:
    """Limit values to ``[min, max]`` (either bound may be None, a number or a tensor).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.clamp(tt.tensor([-1.0, 0.5, 2.0]), 0, 1).tolist()
        [0.0, 0.5, 1.0]
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    a = _arr(input)
    ops = [a] + [unwrap(v) for v in (min, max) if v is not None]
    rt = _dt.result_type(*ops)
    if a.dtype != rt:
        a = a.astype(rt)
    lo, hi = unwrap(min) if min is not None else None, unwrap(max) if max is not None else None
    xp = xp_of(a)
    if xp is np and (rt.kind == "f" or (lo is not None and hi is not None)):
        # NOTE: NumPy's maximum/minimum against a scalar run a slow non-SIMD loop; clip with both bounds is 3-6x
        # faster than minimum(maximum(a, lo), hi) (300K float32: 235 -> 40-90 us). A missing float bound is an
        # infinite one. NaN in a or in a bound, -0.0 and lo > hi come out as in PyTorch
        r = np.clip(a, -np.inf if lo is None else lo, np.inf if hi is None else hi)
    elif lo is None or hi is None:
        r = xp.maximum(a, lo) if hi is None else xp.minimum(a, hi)
    else:
        r = xp.minimum(xp.maximum(a, lo), hi)
    if r.dtype != rt:
        r = r.astype(rt)
    return write_out(_wrap_r(r), out)


clip = clamp


@taeda_function
def nan_to_num(
    input: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *, out: Tensor | None = None
) -> Tensor:
    """Replace NaN by ``nan`` and infinities by ``posinf``/``neginf`` (default: the dtype's extremes).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.nan_to_num(tt.tensor([float("nan"), 1.0])).tolist()
        [0.0, 1.0]
    """
    a = _arr(input)
    if a.dtype.kind not in "fc":
        return write_out(_wrap(a.copy()), out)
    return write_out(_wrap_r(xp_of(a).nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)), out)


# ----------------------------------------------------------------------------- comparisons and logic
def _cmp(fn: Any, name: str, sym: str) -> Callable[..., Tensor]:
    def f(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
        return write_out(_bin(fn, input, other, _NO_CAST, name), out)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"""Elementwise ``input {sym} other`` as a bool tensor.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.{name}(tt.tensor([1, 2]), 2).dtype
        dtype('bool')
    """
    return taeda_function(f)


eq = _cmp(operator.eq, "eq", "==")
ne = _cmp(operator.ne, "ne", "!=")
lt = _cmp(operator.lt, "lt", "<")
le = _cmp(operator.le, "le", "<=")
gt = _cmp(operator.gt, "gt", ">")
ge = _cmp(operator.ge, "ge", ">=")
not_equal = ne
greater = gt
less = lt
greater_equal = ge
less_equal = le
logical_and = _cmp(_logical_and, "logical_and", "and")
logical_or = _cmp(_logical_or, "logical_or", "or")
logical_xor = _cmp(_logical_xor, "logical_xor", "xor")


def _bitwise(fn: Any, name: str) -> Callable[..., Tensor]:
    def f(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
        return write_out(_bin(fn, input, other, _INTEGRAL, name), out)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"""Elementwise bitwise ``{name[8:]}`` of bool or integer tensors.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.{name}(tt.tensor([12]), tt.tensor([10])).dtype
        dtype('int64')
    """
    return taeda_function(f)


bitwise_and = _bitwise(operator.and_, "bitwise_and")
bitwise_or = _bitwise(operator.or_, "bitwise_or")
bitwise_xor = _bitwise(operator.xor, "bitwise_xor")


@taeda_function
def bitwise_not(input: Any, *, out: Tensor | None = None) -> Tensor:
    """``~input`` for bool (logical not) and integer tensors.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.bitwise_not(tt.tensor([True, False])).tolist()
        [False, True]
    """
    a = _arr(input)
    if a.dtype.kind not in "biu":
        raise RuntimeError(f"\"bitwise_not_cpu\" not implemented for '{_dt.torch_name(a.dtype)}'")
    return write_out(_wrap_r(~a), out)


@taeda_function
def logical_not(input: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise logical not (zero is False).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.logical_not(tt.tensor([0, 3])).tolist()
        [True, False]
    """
    a = _arr(input)
    return write_out(_wrap_r(xp_of(a).logical_not(a)), out)


@taeda_function
def equal(input: Any, other: Any) -> bool:
    """True when both tensors have the same shape and elements.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.equal(tt.tensor([1, 2]), tt.tensor([1, 2]))
        True
    """
    a, b = _arr(input), _arr(other)
    return bool(a.shape == b.shape and bool((a == b).all()))


@taeda_function
def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.isclose(tt.tensor([1.0]), tt.tensor([1.0 + 1e-9])).tolist()
        [True]
    """
    a, b = _arr(input), _arr(other)
    return _wrap_r(xp_of(a).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@taeda_function
def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether ``isclose`` holds everywhere.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.allclose(tt.tensor([1.0]), tt.tensor([1.0]))
        True
    """
    a, b = _arr(input), _arr(other)
    return bool(xp_of(a).allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


# ----------------------------------------------------------------------------- unary math
def _special(xp: ModuleType) -> Any:
    if xp is np:
        import scipy.special

        return scipy.special
    import cupyx.scipy.special

    return cupyx.scipy.special


def _unary(name: str, kernel: Callable[[ModuleType, Any], Any], to_float: bool, example: str) -> Callable[..., Tensor]:
    ufunc = getattr(np, _NP_NAMES.get(name, name), None) if name not in _NOT_NUMPY_UFUNC else None
    if not isinstance(ufunc, np.ufunc):
        ufunc = None

    def f(input: Any, *, out: Tensor | None = None) -> Tensor:
        a = input._array if type(input) is Tensor else _arr(input)
        dt = a.dtype
        if to_float and dt not in _FLOATING:
            a = a.astype(_dt.default_float())
            dt = a.dtype
        if ufunc is not None and type(a) is np.ndarray and dt.kind != "b":
            r = ufunc(a)  # the NumPy kernel directly: the common CPU case
        else:
            r = kernel(np if type(a) is np.ndarray else xp_of(a), a)
        if r.dtype is not dt and dt.kind != "b" and r.dtype != dt:
            r = r.astype(dt)
        if out is None:
            return _wrap_r(r)
        return write_out(_wrap_r(r), out)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"""Elementwise ``{name}``{" (integers compute in the default float dtype)" if to_float else ""}.

    Example:
        >>> import taeda.tensor as tt
        >>> {example}
    """
    return taeda_function(f)


_NP_NAMES = {
    "neg": "negative",
    "asin": "arcsin",
    "acos": "arccos",
    "atan": "arctan",
    "asinh": "arcsinh",
    "acosh": "arccosh",
    "atanh": "arctanh",
}
# names whose kernels differ from the NumPy ufunc of the same name (integer handling, special functions)
_NOT_NUMPY_UFUNC = frozenset(
    {
        "floor",
        "ceil",
        "trunc",
        "abs",
        "sign",
        "rsqrt",
        "frac",
        "relu",
        "sigmoid",
        "erf",
        "erfc",
        "erfinv",
        "lgamma",
        "digamma",
        "square",
    }
)


def _rsqrt(xp: ModuleType, a: Any) -> Any:
    r = xp.sqrt(a)
    if type(r) is xp.ndarray:
        xp.reciprocal(r, out=r)
        return r
    return xp.reciprocal(r)


def _sigmoid(xp: ModuleType, a: Any) -> Any:
    if xp is np and a.size >= 4096 and a.dtype.kind == "f" and a.dtype.itemsize >= 4:
        # NOTE: SciPy's expit is a scalar loop (4M float32: 16-25 ms); 1 / (1 + exp(-x)) with NumPy's SIMD exp is
        # 4-6x faster and within 4 ulp, as PyTorch computes it. exp(-x) overflows to inf for x < -88.7 (float32):
        # the result is then 0 where the true value is subnormal. Not 0.5 + 0.5 tanh(x / 2): 1 + tanh cancels
        # for x < 0 (sigmoid(-20) came out 0, not 2e-9). Not for float16, whose exp overflows already at x < -11
        r = np.negative(a)
        with np.errstate(over="ignore"):
            np.exp(r, out=r)
        r += 1
        np.reciprocal(r, out=r)
        return r
    return _special(xp).expit(a)


def _frac(xp: ModuleType, a: Any) -> Any:
    return a - xp.trunc(a)


def _sign(xp: ModuleType, a: Any) -> Any:
    if a.dtype.kind == "b":
        return a.copy()
    if a.dtype.kind == "f":
        return xp.where(xp.isnan(a), 0, xp.sign(a))  # sign(NaN) is 0 in PyTorch (NaN in NumPy)
    return xp.sign(a)


def _abs(xp: ModuleType, a: Any) -> Any:
    return a.copy() if a.dtype.kind == "b" else xp.abs(a)


def _neg(xp: ModuleType, a: Any) -> Any:
    if a.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, "
            "use the `~` or `logical_not()` operator instead."
        )
    return -a


def _keep_int(fn_name: str) -> Callable[[ModuleType, Any], Any]:
    def k(xp: ModuleType, a: Any) -> Any:
        return a.copy() if a.dtype.kind in "biu" else getattr(xp, fn_name)(a)

    return k


def _relu(xp: ModuleType, a: Any) -> Any:
    if a.dtype.kind == "b":
        return a.copy()
    if xp is np and a.dtype.kind == "f" and a.size >= 4096 and a.flags.c_contiguous:
        # NOTE: NumPy's maximum against a scalar runs a slow non-SIMD loop: against an array of zeros it is
        # 2.2-3x faster (64x6x28x28 float32: 112 -> 40 us; also ahead of clip(a, 0, inf) up to ~300K elements).
        # NaN propagates
        return np.maximum(a, _zeros_as(a))
    return xp.maximum(a, 0)


_ZEROS: dict[Any, Any] = {}


def _zeros_as(a: Any) -> Any:
    """A read-only zero array shaped as the C-contiguous NumPy array ``a``: a view of one shared buffer that is
    never written, so its pages stay the kernel's zero page (no memory is used for it)."""
    buf = _ZEROS.get(a.dtype)
    if buf is None or buf.size < a.size:
        buf = np.zeros(max(a.size, 2 * (0 if buf is None else buf.size)), a.dtype)
        buf.flags.writeable = False
        _ZEROS[a.dtype] = buf
    return buf[: a.size].reshape(a.shape)


neg = _unary("neg", _neg, False, "tt.neg(tt.tensor([1, -2])).tolist()\n        [-1, 2]")
negative = neg
abs = _unary("abs", _abs, False, "tt.abs(tt.tensor([-1, 2])).tolist()\n        [1, 2]")
absolute = abs
sign = _unary("sign", _sign, False, "tt.sign(tt.tensor([-3.0, 0.0, 2.0])).tolist()\n        [-1.0, 0.0, 1.0]")
square = _unary(
    "square",
    lambda xp, a: a * a if a.dtype.kind != "b" else a.astype(np.int64),
    False,
    "tt.square(tt.tensor([3])).tolist()\n        [9]",
)
relu = _unary("relu", _relu, False, "tt.relu(tt.tensor([-1.0, 2.0])).tolist()\n        [0.0, 2.0]")
floor = _unary("floor", _keep_int("floor"), False, "tt.floor(tt.tensor([-1.5, 1.5])).tolist()\n        [-2.0, 1.0]")
ceil = _unary("ceil", _keep_int("ceil"), False, "tt.ceil(tt.tensor([-1.5, 1.5])).tolist()\n        [-1.0, 2.0]")
trunc = _unary("trunc", _keep_int("trunc"), False, "tt.trunc(tt.tensor([-1.5, 1.5])).tolist()\n        [-1.0, 1.0]")
fix = trunc
frac = _unary("frac", _frac, False, "tt.frac(tt.tensor([-1.5, 2.25])).tolist()\n        [-0.5, 0.25]")
exp = _unary("exp", lambda xp, a: xp.exp(a), True, "tt.exp(tt.tensor([0])).tolist()\n        [1.0]")
exp2 = _unary("exp2", lambda xp, a: xp.exp2(a), True, "tt.exp2(tt.tensor([3])).tolist()\n        [8.0]")
expm1 = _unary("expm1", lambda xp, a: xp.expm1(a), True, "tt.expm1(tt.tensor([0.0])).tolist()\n        [0.0]")
log = _unary("log", lambda xp, a: xp.log(a), True, "tt.log(tt.tensor([1.0])).tolist()\n        [0.0]")
log2 = _unary("log2", lambda xp, a: xp.log2(a), True, "tt.log2(tt.tensor([8])).tolist()\n        [3.0]")
log10 = _unary("log10", lambda xp, a: xp.log10(a), True, "tt.log10(tt.tensor([1])).tolist()\n        [0.0]")
log1p = _unary("log1p", lambda xp, a: xp.log1p(a), True, "tt.log1p(tt.tensor([0.0])).tolist()\n        [0.0]")
sqrt = _unary("sqrt", lambda xp, a: xp.sqrt(a), True, "tt.sqrt(tt.tensor([4])).tolist()\n        [2.0]")
rsqrt = _unary("rsqrt", _rsqrt, True, "tt.rsqrt(tt.tensor([4.0])).tolist()\n        [0.5]")
reciprocal = _unary(
    "reciprocal", lambda xp, a: xp.reciprocal(a), True, "tt.reciprocal(tt.tensor([4])).tolist()\n        [0.25]"
)
sin = _unary("sin", lambda xp, a: xp.sin(a), True, "tt.sin(tt.tensor([0.0])).tolist()\n        [0.0]")
cos = _unary("cos", lambda xp, a: xp.cos(a), True, "tt.cos(tt.tensor([0.0])).tolist()\n        [1.0]")
tan = _unary("tan", lambda xp, a: xp.tan(a), True, "tt.tan(tt.tensor([0.0])).tolist()\n        [0.0]")
asin = _unary("asin", lambda xp, a: xp.arcsin(a), True, "tt.asin(tt.tensor([0.0])).tolist()\n        [0.0]")
acos = _unary("acos", lambda xp, a: xp.arccos(a), True, "tt.acos(tt.tensor([1.0])).tolist()\n        [0.0]")
atan = _unary("atan", lambda xp, a: xp.arctan(a), True, "tt.atan(tt.tensor([0.0])).tolist()\n        [0.0]")
arcsin, arccos, arctan = asin, acos, atan
sinh = _unary("sinh", lambda xp, a: xp.sinh(a), True, "tt.sinh(tt.tensor([0.0])).tolist()\n        [0.0]")
cosh = _unary("cosh", lambda xp, a: xp.cosh(a), True, "tt.cosh(tt.tensor([0.0])).tolist()\n        [1.0]")
tanh = _unary("tanh", lambda xp, a: xp.tanh(a), True, "tt.tanh(tt.tensor([0.0])).tolist()\n        [0.0]")
asinh = _unary("asinh", lambda xp, a: xp.arcsinh(a), True, "tt.asinh(tt.tensor([0.0])).tolist()\n        [0.0]")
acosh = _unary("acosh", lambda xp, a: xp.arccosh(a), True, "tt.acosh(tt.tensor([1.0])).tolist()\n        [0.0]")
atanh = _unary("atanh", lambda xp, a: xp.arctanh(a), True, "tt.atanh(tt.tensor([0.0])).tolist()\n        [0.0]")
sigmoid = _unary("sigmoid", _sigmoid, True, "tt.sigmoid(tt.tensor([0.0])).tolist()\n        [0.5]")
erf = _unary("erf", lambda xp, a: _special(xp).erf(a), True, "tt.erf(tt.tensor([0.0])).tolist()\n        [0.0]")
erfc = _unary("erfc", lambda xp, a: _special(xp).erfc(a), True, "tt.erfc(tt.tensor([0.0])).tolist()\n        [1.0]")
erfinv = _unary(
    "erfinv", lambda xp, a: _special(xp).erfinv(a), True, "tt.erfinv(tt.tensor([0.0])).tolist()\n        [0.0]"
)
lgamma = _unary(
    "lgamma", lambda xp, a: _special(xp).gammaln(a), True, "tt.lgamma(tt.tensor([1.0])).tolist()\n        [0.0]"
)
digamma = _unary(
    "digamma",
    lambda xp, a: _special(xp).psi(a),
    True,
    "f\"{tt.digamma(tt.tensor([1.0])).item():.4f}\"\n        '-0.5772'",
)


@taeda_function
def polygamma(n: int, input: Any, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th derivative of ``digamma`` (``polygamma(0, x)`` is ``digamma(x)``); integers compute in the
    default float dtype.

    Example:
        >>> import taeda.tensor as tt
        >>> f"{tt.polygamma(1, tt.tensor([1.0])).item():.4f}"  # pi ** 2 / 6
        '1.6449'
    """
    if isinstance(n, Tensor):
        n = n.item()
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    a = input._array if type(input) is Tensor else _arr(input)
    dt = a.dtype
    if dt not in _FLOATING:
        a = a.astype(_dt.default_float())
        dt = a.dtype
    sp = _special(np if type(a) is np.ndarray else xp_of(a))
    if n == 0:
        r = sp.psi(a)
    else:
        # (-1)^(n+1) n! zeta(n+1, x), computed in float64 at least (SciPy's zeta has no float32 loop)
        wide = a if dt.itemsize >= 8 else a.astype(np.float64)
        r = sp.polygamma(int(n), wide)
    if r.dtype != dt:
        r = r.astype(dt)
    return write_out(_wrap_r(r), out) if out is not None else _wrap_r(r)


deg2rad = _unary("deg2rad", lambda xp, a: xp.deg2rad(a), True, "tt.deg2rad(tt.tensor([0.0])).tolist()\n        [0.0]")
rad2deg = _unary("rad2deg", lambda xp, a: xp.rad2deg(a), True, "tt.rad2deg(tt.tensor([0.0])).tolist()\n        [0.0]")


@taeda_function
def round(input: Any, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:
    """Round half to even (optionally to ``decimals`` places); integer tensors are returned as is.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.round(tt.tensor([0.5, 1.5, 2.567]), decimals=0).tolist()
        [0.0, 2.0, 3.0]
    """
    a = _arr(input)
    if a.dtype.kind in "biu":
        return write_out(_wrap(a.copy()), out)
    return write_out(_wrap_r(xp_of(a).round(a, decimals)), out)


def _pred(name: str, kernel: Callable[[ModuleType, Any], Any]) -> Callable[..., Tensor]:
    def f(input: Any) -> Tensor:
        a = _arr(input)
        xp = xp_of(a)
        if a.dtype.kind not in "fc":
            ok = name in ("isfinite",)
            return _wrap(xp.full(a.shape, ok, dtype=bool))
        return _wrap_r(kernel(xp, a))

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"""Elementwise ``{name}`` as a bool tensor.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.{name}(tt.tensor([1.0, float("nan"), float("inf")])).dtype
        dtype('bool')
    """
    return taeda_function(f)


isnan = _pred("isnan", lambda xp, a: xp.isnan(a))
isinf = _pred("isinf", lambda xp, a: xp.isinf(a))
isfinite = _pred("isfinite", lambda xp, a: xp.isfinite(a))
isposinf = _pred("isposinf", lambda xp, a: xp.isposinf(a))
isneginf = _pred("isneginf", lambda xp, a: xp.isneginf(a))


@taeda_function
def signbit(input: Any) -> Tensor:
    """Whether the sign bit is set (True for -0.0).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.signbit(tt.tensor([-0.0, 1.0])).tolist()
        [True, False]
    """
    a = _arr(input)
    return _wrap_r(xp_of(a).signbit(a))
