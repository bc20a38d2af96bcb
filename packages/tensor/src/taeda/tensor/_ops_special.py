"""More elementwise math from PyTorch: xlogy, float_power, gcd/lcm, sgn, positive, sinc, logit, i0, angle and the
complex helpers isreal, conj, conj_physical, resolve_conj, is_conj.

taeda has no lazy conjugate bit: ``conj`` of a complex tensor is a new tensor holding the conjugate (PyTorch
returns a view with the conjugate bit set), so ``is_conj`` is always False and ``resolve_conj`` returns its input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from taeda.tensor import _dtype as _dt
from taeda.tensor._checks import check_same_device
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._ops_math import _arr, _bin, _special, sign, write_out
from taeda.tensor._tensor import _PROMOTE, _TO_FLOAT, Tensor, _wrap, _wrap_r, unwrap, xp_of

__all__ = [
    "xlogy",
    "float_power",
    "gcd",
    "lcm",
    "sgn",
    "positive",
    "sinc",
    "logit",
    "i0",
    "i1",
    "angle",
    "isreal",
    "conj",
    "conj_physical",
    "resolve_conj",
    "is_conj",
]


def _operands(a: Any, b: Any) -> tuple[Any, Any, Any]:
    """The array module and both operands as arrays of the (already promoted) dtype of the array operand."""
    arr = a if hasattr(a, "shape") else b
    xp = xp_of(arr)
    return xp, xp.asarray(a, dtype=arr.dtype), xp.asarray(b, dtype=arr.dtype)


def _xlogy(a: Any, b: Any) -> Any:
    xp, x, y = _operands(a, b)
    with np.errstate(all="ignore"):
        r = x * xp.log(y)
    return xp.where(xp.isnan(y), y, xp.where(x == 0, xp.zeros((), x.dtype), r))


def _need_tensor(name: str, input: Any, other: Any) -> None:
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}), but expected one of:\n * (Tensor input, Tensor other)\n"
            " * (Number self, Tensor other)\n * (Tensor input, Number other)"
        )


@taeda_function
def xlogy(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN); integers compute in the default
    float dtype. Either argument may be a number.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.xlogy(tt.tensor([0.0, 2.0]), tt.tensor([0.0, 1.0])).tolist()
        [0.0, 0.0]
    """
    _need_tensor("xlogy", input, other)
    return write_out(_bin(_xlogy, input, other, _TO_FLOAT, "xlogy"), out)


@taeda_function
def float_power(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent`` computed in double precision: the result is float64 (complex128 when either operand
    is complex), whatever the input dtypes.

    Example:
        >>> import taeda.tensor as tt
        >>> r = tt.float_power(tt.tensor([2, 3]), 2); r.tolist(), r.dtype
        ([4.0, 9.0], dtype('float64'))
    """
    _need_tensor("float_power", input, exponent)
    x, e = unwrap(input), unwrap(exponent)
    cplx = any(getattr(v, "dtype", np.dtype(type(v))).kind == "c" for v in (x, e) if not isinstance(v, bool))
    dt = _dt.complex128 if cplx else _dt.float64
    check_same_device(x, e)
    xp = xp_of(x if hasattr(x, "shape") else e)
    with np.errstate(all="ignore"):
        r = xp.power(xp.asarray(x, dtype=dt), xp.asarray(e, dtype=dt))
    return write_out(_wrap_r(r), out)


def _integer_binary(name: str, ufunc: str, input: Any, other: Any) -> Tensor:
    for pos, (arg, v) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(v, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(v).__name__}")
    rt = _dt.result_type(input._array, other._array)
    if rt.kind not in "iu":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dt.torch_name(rt)}'")

    def k(a: Any, b: Any) -> Any:
        return getattr(xp_of(a), ufunc)(a, b)

    return _bin(k, input, other, _PROMOTE, name)


@taeda_function
def gcd(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise greatest common divisor (non-negative) of two integer tensors; ``gcd(0, 0)`` is 0.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.gcd(tt.tensor([-4, 0, 6]), tt.tensor([6, 5, -9])).tolist()
        [2, 5, 3]
    """
    return write_out(_integer_binary("gcd", "gcd", input, other), out)


@taeda_function
def lcm(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise least common multiple (non-negative) of two integer tensors; 0 when either is 0.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.lcm(tt.tensor([-4, 0, 6]), tt.tensor([6, 5, -9])).tolist()
        [12, 0, 18]
    """
    return write_out(_integer_binary("lcm", "lcm", input, other), out)


@taeda_function
def sgn(input: Any, *, out: Tensor | None = None) -> Tensor:
    """``sign`` extended to complex numbers: ``z / |z|`` (0 for 0); for real tensors it is ``sign``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.sgn(tt.tensor([3 + 4j, 0j], dtype=tt.complex128)).tolist()
        [(0.6+0.8j), 0j]
    """
    a = _arr(input)
    if a.dtype.kind != "c":
        return sign(input, out=out)
    xp = xp_of(a)
    m = xp.abs(a)
    zero = m == 0
    with np.errstate(all="ignore"):
        mm = xp.where(zero, xp.ones((), m.dtype), m)
        re, im = a.real / mm, a.imag / mm
        r = xp.where(zero, xp.zeros((), a.dtype), re + 1j * im)
        # a NaN part makes both parts NaN, as PyTorch's complex division (inf + 1j gives nan + nanj)
        r = xp.where(xp.isnan(re) | xp.isnan(im), xp.asarray(complex(math.nan, math.nan), a.dtype), r)
    return write_out(_wrap_r(r.astype(a.dtype, copy=False)), out)


@taeda_function
def positive(input: Tensor) -> Tensor:
    """``+input``: the input itself (not a copy, as PyTorch); bool tensors raise.

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.tensor([1.0, -2.0]); tt.positive(x) is x
        True
    """
    if _arr(input).dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _float_input(input: Any) -> Any:
    a = input._array if type(input) is Tensor else _arr(input)
    if a.dtype.kind not in "fc":
        a = a.astype(_dt.default_float())
    return a


@taeda_function
def sinc(input: Any, *, out: Tensor | None = None) -> Tensor:
    """The normalised sinc ``sin(pi x) / (pi x)`` (1 at 0); integers compute in the default float dtype.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.sinc(tt.tensor([0.0, 0.5])).tolist()
        [1.0, 0.6366197466850281]
    """
    a = _float_input(input)
    with np.errstate(all="ignore"):
        r = xp_of(a).sinc(a)
    return write_out(_wrap_r(r.astype(a.dtype, copy=False)), out)


@taeda_function
def logit(input: Any, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """``log(x / (1 - x))``, with ``x`` first clamped to ``[eps, 1 - eps]`` when ``eps`` is given and not
    negative; integers compute in the default float dtype.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.logit(tt.tensor([0.5, 0.0]), eps=1e-6)[0].item(), tt.logit(tt.tensor([0.0])).item()
        (0.0, -inf)
    """
    a = _float_input(input)
    xp = xp_of(a)
    if eps is not None and eps >= 0:
        lo, hi = xp.asarray(eps, dtype=a.dtype), xp.asarray(1 - eps, dtype=a.dtype)
        a = xp.where(a < lo, lo, xp.where(a > hi, hi, a))  # NaN stays NaN (clamp would too)
    one = xp.ones((), dtype=a.dtype)
    with np.errstate(all="ignore"):
        r = xp.log(a / (one - a))
    return write_out(_wrap_r(r.astype(a.dtype, copy=False)), out)


@taeda_function
def i0(input: Any, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 0; integers compute in the default float dtype.
    As PyTorch, ``i0(+-inf)`` is NaN.

    Example:
        >>> import taeda.tensor as tt
        >>> round(tt.i0(tt.tensor([1.0])).item(), 4)
        1.2661
    """
    a = _float_input(input)
    if a.dtype.kind == "c":
        raise NotImplementedError(f"\"i0_vml_cpu\" not implemented for '{_dt.torch_name(a.dtype)}'")
    xp = xp_of(a)
    r = _special(xp).i0(a)
    r = xp.where(xp.isinf(a), xp.asarray(math.nan, dtype=r.dtype), r)
    return write_out(_wrap_r(r.astype(a.dtype, copy=False)), out)


@taeda_function
def i1(input: Any, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 1 (``torch.special.i1``, the derivative of ``i0``);
    integers compute in the default float dtype.

    Example:
        >>> import taeda.tensor as tt
        >>> round(tt.special.i1(tt.tensor([1.0])).item(), 4)
        0.5652
    """
    a = _float_input(input)
    if a.dtype.kind == "c":
        raise NotImplementedError(f"\"i1_cpu\" not implemented for '{_dt.torch_name(a.dtype)}'")
    xp = xp_of(a)
    return write_out(_wrap_r(_special(xp).i1(a).astype(a.dtype, copy=False)), out)


@taeda_function
def angle(input: Any, *, out: Tensor | None = None) -> Tensor:
    """The argument of complex numbers (in the real dtype); for real numbers ``pi`` where negative, else 0 (NaN
    stays NaN, ``-0.0`` gives 0). Integers compute in the default float dtype.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.angle(tt.tensor([-2.0, 3.0], dtype=tt.float64)).tolist(), tt.angle(tt.tensor([1j])).dtype
        ([3.141592653589793, 0.0], dtype('float32'))
    """
    a = _float_input(input)
    xp = xp_of(a)
    if a.dtype.kind == "c":
        return write_out(_wrap_r(xp.angle(a)), out)
    r = xp.where(a < 0, xp.asarray(math.pi, dtype=a.dtype), xp.zeros((), dtype=a.dtype))
    r = xp.where(xp.isnan(a), a, r)
    return write_out(_wrap_r(r.astype(a.dtype, copy=False)), out)


@taeda_function
def isreal(input: Any) -> Tensor:
    """Whether each element is real: True everywhere for real dtypes, ``imag == 0`` for complex ones.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.isreal(tt.tensor([1 + 0j, 1j])).tolist()
        [True, False]
    """
    a = _arr(input)
    xp = xp_of(a)
    if a.dtype.kind != "c":
        return _wrap(xp.ones(a.shape, dtype=bool))
    return _wrap_r(a.imag == 0)


@taeda_function
def conj(input: Tensor) -> Tensor:
    """The complex conjugate; a real tensor is returned itself (PyTorch's ``conj`` is a lazy view, taeda's a new
    tensor).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.conj(tt.tensor([1 + 2j])).tolist()
        [(1-2j)]
    """
    return input.conj()


@taeda_function
def conj_physical(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complex conjugate computed eagerly (a real tensor is returned itself, as PyTorch).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.conj_physical(tt.tensor([1 - 1j])).tolist()
        [(1+1j)]
    """
    return write_out(input.conj(), out)


@taeda_function
def resolve_conj(input: Tensor) -> Tensor:
    """The input itself: taeda never sets a lazy conjugate bit, so there is nothing to resolve.

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.tensor([1j]); tt.resolve_conj(x) is x
        True
    """
    return input


@taeda_function
def is_conj(input: Tensor) -> bool:
    """Whether the conjugate bit is set: always False in taeda (``conj`` conjugates eagerly).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.is_conj(tt.conj(tt.tensor([1j])))
        False
    """
    return False
