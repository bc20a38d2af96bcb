"""Tensor's operator methods (``a + b``, ``a < b``, ``a += b`` ...) and the promotion machinery behind them.

``Tensor`` takes these functions as its dunders (``__add__ = _operators.add``); ``_tensor`` calls ``bind(Tensor)``
once the class exists, so the fast paths read ``Tensor`` as a plain module global.

The fast path of a binary operator on two CPU tensors of one dtype (or a float tensor and a Python number) is a
single ufunc call and a bare ``object.__new__`` + two slot stores: anything unusual (other dtypes, broadcasting
errors, GPU arrays, NumPy scalars from 0-d operands) goes to ``_binary``, the general PyTorch-promotion path.

Floating point warnings: NumPy's ``RuntimeWarning`` for ``1/0``, ``log(0)`` ... is silenced by a filter on the
``taeda.tensor`` modules (``__init__``); when a user's filter turns it into an exception instead, the paths here
catch it and compute again under ``np.errstate(all="ignore")``, so results are PyTorch's inf/nan either way.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from taeda.tensor import _dtype as _dt
from taeda.tensor import _tensor as _T
from taeda.tensor import cuda as _cuda
from taeda.tensor._checks import broadcast_error, check_same_device
from taeda.tensor._intdiv import floordiv as _floordiv
from taeda.tensor._intdiv import ifloordiv as _ifloordiv
from taeda.tensor._intdiv import imod as _imod
from taeda.tensor._intdiv import mod as _mod

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["bind", "unwrap", "_binary", "_inplace", "_NOT", "_PROMOTE", "_TO_FLOAT", "_NO_CAST", "_INTEGRAL"]

_nd = np.ndarray
_generic = np.generic
_asarray = np.asarray
_new = object.__new__
_PY_SCALARS = frozenset({int, float, bool, complex})
_default_float = _dt.default_float
_result_type = _dt.result_type
_add, _sub, _mul, _div = np.add, np.subtract, np.multiply, np.true_divide

# modes of _binary
_PROMOTE = 0  # PyTorch promotion
_TO_FLOAT = 1  # integers go to the default float dtype (true division, atan2 ...)
_NO_CAST = 2  # comparisons: NumPy compares mixed dtypes exactly
_INTEGRAL = 3  # bitwise ops: bool and integer dtypes only


def bind(tensor_class: type) -> None:
    """Make ``Tensor`` a global of this module (called once by ``_tensor`` right after defining the class)."""
    globals()["Tensor"] = tensor_class


class _NotTensor:
    __slots__ = ()


_NOT: Any = _NotTensor()


def unwrap(x: Any) -> Any:
    """The ndarray of a Tensor, an ndarray or NumPy scalar as is, a Python number as is; ``_NOT`` otherwise."""
    t = type(x)
    if t is Tensor:
        return x._array
    if t in _PY_SCALARS or t is _nd:
        return x
    if isinstance(x, Tensor):
        return x._array
    if isinstance(x, (_nd, _generic)):
        return x
    cp = _cuda.cupy
    if cp is not None and isinstance(x, cp.ndarray):
        return x
    if isinstance(x, bool):
        return bool(x)
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return float(x)
    return _NOT


def _as_array_operand(a: Any, rt: np.dtype[Any]) -> Any:
    if isinstance(a, (_nd, _generic)) or hasattr(a, "__cuda_array_interface__"):
        return a if a.dtype == rt else a.astype(rt)
    return a


def _binary(fn: Any, x: Any, y: Any, mode: int = _PROMOTE, quiet: bool = False) -> Any:
    """``fn(x, y)`` on the ndarrays of ``x`` and ``y`` after PyTorch's promotion; NotImplemented for foreign types."""
    ax = unwrap(x)
    ay = unwrap(y)
    if ax is _NOT or ay is _NOT:
        return NotImplemented
    try:
        if type(ax) is not _nd or type(ay) is not _nd:
            check_same_device(ax, ay)
        if mode != _NO_CAST:
            rt = _result_type(ax, ay)
            if mode == _TO_FLOAT and rt.kind in "biu":
                rt = _default_float()
            elif mode == _INTEGRAL and rt.kind not in "biu":
                raise RuntimeError(
                    f"{getattr(fn, '__name__', 'bitwise op')} is only supported for integer and bool tensors"
                )
            ax = _as_array_operand(ax, rt)
            ay = _as_array_operand(ay, rt)
        try:
            r = fn(ax, ay)
        except ValueError:
            err = broadcast_error(getattr(ax, "shape", ()), getattr(ay, "shape", ()))
            if err is not None:
                raise err from None
            raise
        except OverflowError:  # a Python int out of the tensor dtype's range: wrap around as PyTorch does
            rt = _result_type(ax, ay)
            if isinstance(ax, int):
                ax = np.array(ax).astype(rt)
            if isinstance(ay, int):
                ay = np.array(ay).astype(rt)
            r = fn(ax, ay)
    except RuntimeWarning:  # a warnings filter made NumPy's floating point warning an error: PyTorch gives inf/nan
        if quiet:  # not NumPy's floating point check (errors are ignored already)
            raise
        with np.errstate(all="ignore"):
            return _binary(fn, x, y, mode, True)
    return _T._wrap_r(r)


def _tensor_result(r: Any, a: Any, b: Any) -> Any:
    """A ufunc result that is not an ndarray: a NumPy scalar (0-d operands) or a GPU array."""
    if isinstance(r, _generic):
        return _asarray(r)
    check_same_device(a, b)
    return r


# ----------------------------------------------------------------------------- arithmetic
# NOTE: add/radd/sub/mul/rmul/truediv are written out one by one on purpose: the same body built by a closure
# factory (ufunc, fallback and dtype kinds as cell variables) measured ~100 ns slower per call (606 -> 701 ns for
# ``a + b`` on 4 floats, NumPy 306 ns), which is a third of the whole 2x-NumPy budget.
def add(self: Tensor, other: Any) -> Tensor:
    """``self + other``."""
    if type(other) is Tensor:
        a = self._array
        b = other._array
        if a.dtype is b.dtype:  # one dtype: NumPy's result dtype is PyTorch's
            try:
                r = _add(a, b)
            except Exception:  # broadcasting, devices, an error-raising warnings filter: the general path
                return _binary(operator.add, self, other)  # type: ignore[no-any-return]
            if type(r) is not _nd:
                r = _tensor_result(r, a, b)
            u: Tensor = _new(Tensor)
            u._array = r
            u._vc = None
            return u
    elif type(other) is float or type(other) is int:  # a Python scalar never widens a float array
        a = self._array
        if a.dtype.kind == "f":
            try:
                r = _add(a, other)
            except Exception:
                return _binary(operator.add, self, other)  # type: ignore[no-any-return]
            if type(r) is not _nd:
                r = _tensor_result(r, a, a)
            t: Tensor = _new(Tensor)
            t._array = r
            t._vc = None
            return t
    return _binary(operator.add, self, other)  # type: ignore[no-any-return]


def radd(self: Tensor, other: Any) -> Tensor:
    """``other + self``."""
    if type(other) is float or type(other) is int:
        a = self._array
        if a.dtype.kind == "f":
            try:
                r = _add(a, other)  # IEEE addition commutes exactly
            except Exception:
                return _binary(operator.add, other, self)  # type: ignore[no-any-return]
            if type(r) is not _nd:
                r = _tensor_result(r, a, a)
            t: Tensor = _new(Tensor)
            t._array = r
            t._vc = None
            return t
    return _binary(operator.add, other, self)  # type: ignore[no-any-return]


def sub(self: Tensor, other: Any) -> Tensor:
    """``self - other`` (bool tensors raise as in PyTorch)."""
    if type(other) is Tensor:
        a = self._array
        b = other._array
        if a.dtype is b.dtype:
            try:
                r = _sub(a, b)  # NumPy refuses bool - bool: the general path raises PyTorch's error
            except Exception:
                return _T._m.sub(self, other)
            if type(r) is not _nd:
                r = _tensor_result(r, a, b)
            u: Tensor = _new(Tensor)
            u._array = r
            u._vc = None
            return u
    elif type(other) is float or type(other) is int:
        a = self._array
        if a.dtype.kind == "f":
            try:
                r = _sub(a, other)
            except Exception:
                return _T._m.sub(self, other)
            if type(r) is not _nd:
                r = _tensor_result(r, a, a)
            t: Tensor = _new(Tensor)
            t._array = r
            t._vc = None
            return t
    return _T._m.sub(self, other)


def rsub(self: Tensor, other: Any) -> Tensor:
    """``other - self``."""
    if unwrap(other) is _NOT:
        return NotImplemented  # type: ignore[no-any-return]
    return _T._m.sub(other, self)


def mul(self: Tensor, other: Any) -> Tensor:
    """``self * other``."""
    if type(other) is Tensor:
        a = self._array
        b = other._array
        if a.dtype is b.dtype:
            try:
                r = _mul(a, b)
            except Exception:
                return _binary(operator.mul, self, other)  # type: ignore[no-any-return]
            if type(r) is not _nd:
                r = _tensor_result(r, a, b)
            u: Tensor = _new(Tensor)
            u._array = r
            u._vc = None
            return u
    elif type(other) is float or type(other) is int:
        a = self._array
        if a.dtype.kind == "f":
            try:
                r = _mul(a, other)
            except Exception:
                return _binary(operator.mul, self, other)  # type: ignore[no-any-return]
            if type(r) is not _nd:
                r = _tensor_result(r, a, a)
            t: Tensor = _new(Tensor)
            t._array = r
            t._vc = None
            return t
    return _binary(operator.mul, self, other)  # type: ignore[no-any-return]


def rmul(self: Tensor, other: Any) -> Tensor:
    """``other * self``."""
    if type(other) is float or type(other) is int:
        a = self._array
        if a.dtype.kind == "f":
            try:
                r = _mul(a, other)  # IEEE multiplication commutes exactly
            except Exception:
                return _binary(operator.mul, other, self)  # type: ignore[no-any-return]
            if type(r) is not _nd:
                r = _tensor_result(r, a, a)
            t: Tensor = _new(Tensor)
            t._array = r
            t._vc = None
            return t
    return _binary(operator.mul, other, self)  # type: ignore[no-any-return]


def truediv(self: Tensor, other: Any) -> Tensor:
    """``self / other`` (integers divide in the default float dtype)."""
    if type(other) is Tensor:
        a = self._array
        b = other._array
        dt = a.dtype
        if dt is b.dtype and dt.kind in "fc":
            try:
                r = _div(a, b)
            except Exception:
                return _binary(operator.truediv, self, other, _TO_FLOAT)  # type: ignore[no-any-return]
            if type(r) is not _nd:
                r = _tensor_result(r, a, b)
            u: Tensor = _new(Tensor)
            u._array = r
            u._vc = None
            return u
    elif type(other) is float or type(other) is int:
        a = self._array
        if a.dtype.kind == "f":
            try:
                r = _div(a, other)
            except Exception:
                return _binary(operator.truediv, self, other, _TO_FLOAT)  # type: ignore[no-any-return]
            if type(r) is not _nd:
                r = _tensor_result(r, a, a)
            t: Tensor = _new(Tensor)
            t._array = r
            t._vc = None
            return t
    return _binary(operator.truediv, self, other, _TO_FLOAT)  # type: ignore[no-any-return]


def rtruediv(self: Tensor, other: Any) -> Tensor:
    """``other / self``."""
    return _binary(operator.truediv, other, self, _TO_FLOAT)  # type: ignore[no-any-return]


def _compare(ufunc: Any, op: Any) -> Callable[[Tensor, Any], Tensor]:
    """A comparison operator: NumPy compares any two dtypes (and Python numbers) exactly, so no promotion."""

    def method(self: Tensor, other: Any) -> Tensor:
        t = type(other)
        if t is Tensor or t is float or t is int:
            a = self._array
            b = other._array if t is Tensor else other
            try:
                r = ufunc(a, b)
            except Exception:
                return _binary(op, self, other, _NO_CAST)  # type: ignore[no-any-return]
            if type(r) is not _nd:
                r = _tensor_result(r, a, b)
            u: Tensor = _new(Tensor)
            u._array = r
            u._vc = None
            return u
        return _binary(op, self, other, _NO_CAST)  # type: ignore[no-any-return]

    method.__name__ = method.__qualname__ = f"__{op.__name__}__"
    return method


eq = _compare(np.equal, operator.eq)
ne = _compare(np.not_equal, operator.ne)
lt = _compare(np.less, operator.lt)
le = _compare(np.less_equal, operator.le)
gt = _compare(np.greater, operator.gt)
ge = _compare(np.greater_equal, operator.ge)


def _binop(op: Any, mode: int) -> Callable[[Tensor, Any], Tensor]:
    """An operator method: same-dtype NumPy operands go straight to ``op``, the rest through ``_binary``."""

    def method(self: Tensor, other: Any) -> Tensor:
        if type(other) is Tensor:
            a = self._array
            b = other._array
            if (
                a.dtype is b.dtype
                and type(a) is _nd
                and type(b) is _nd
                and (mode != _INTEGRAL or a.dtype.kind in "biu")
            ):
                try:
                    r = op(a, b)
                except Exception:
                    pass  # _binary below raises PyTorch's error
                else:
                    return _T._wrap_r(r)
        return _binary(op, self, other, mode)  # type: ignore[no-any-return]

    return method


def _rbinop(op: Any, mode: int) -> Callable[[Tensor, Any], Tensor]:
    """A reflected operator method (``other op self``)."""

    def method(self: Tensor, other: Any) -> Tensor:
        return _binary(op, other, self, mode)  # type: ignore[no-any-return]

    return method


floordiv = _binop(_floordiv, _PROMOTE)
rfloordiv = _rbinop(_floordiv, _PROMOTE)
mod = _binop(_mod, _PROMOTE)
rmod = _rbinop(_mod, _PROMOTE)
and_ = _binop(operator.and_, _INTEGRAL)
rand_ = _rbinop(operator.and_, _INTEGRAL)
or_ = _binop(operator.or_, _INTEGRAL)
ror_ = _rbinop(operator.or_, _INTEGRAL)
xor = _binop(operator.xor, _INTEGRAL)
rxor = _rbinop(operator.xor, _INTEGRAL)
lshift = _binop(operator.lshift, _INTEGRAL)
rshift = _binop(operator.rshift, _INTEGRAL)
rlshift = _rbinop(operator.lshift, _INTEGRAL)
rrshift = _rbinop(operator.rshift, _INTEGRAL)


def rpow(self: Tensor, other: Any) -> Tensor:
    """``other ** self``."""
    if unwrap(other) is _NOT:
        return NotImplemented  # type: ignore[no-any-return]
    return _T._m.pow(other, self)


def matmul(self: Tensor, other: Any) -> Tensor:
    """``self @ other``."""
    if unwrap(other) is _NOT:
        return NotImplemented  # type: ignore[no-any-return]
    try:
        return _T._mm._matmul(self, other)
    except RuntimeWarning:
        with np.errstate(all="ignore"):
            return _T._mm._matmul(self, other)


def rmatmul(self: Tensor, other: Any) -> Tensor:
    """``other @ self``."""
    if unwrap(other) is _NOT:
        return NotImplemented  # type: ignore[no-any-return]
    try:
        return _T._mm._matmul(other, self)
    except RuntimeWarning:
        with np.errstate(all="ignore"):
            return _T._mm._matmul(other, self)


# ----------------------------------------------------------------------------- in-place
def _redo_quietly(ifn: Any, a: Any, b: Any) -> Any:
    """After ``ifn(a, b)`` raised a floating point ``RuntimeWarning`` (an error-raising warnings filter).

    NumPy checks the floating point flags of a loop after writing its output, so ``a`` holds the result already,
    unless ``b`` is a Python number whose cast to ``a``'s dtype overflowed: that raises before the loop runs.
    """
    if type(b) not in _PY_SCALARS:
        return a
    with np.errstate(all="ignore"):
        return ifn(a, b)


def _inplace(self: Tensor, ifn: Any, other: Any, mode: int = _PROMOTE) -> Tensor:
    """``self (op)= other`` with PyTorch's rule that the result type must fit ``self``'s dtype."""
    a = self._array
    t = type(other)
    # fast path: a float tensor (op)= a tensor of its dtype or a Python number
    if (
        mode != _INTEGRAL
        and type(a) is _nd
        and a.dtype.kind == "f"
        and ((t is Tensor and other._array.dtype is a.dtype and type(other._array) is _nd) or t is float or t is int)
    ):
        try:
            ifn(a, other._array if t is Tensor else other)
        except ValueError:
            pass  # the general path below raises PyTorch's error
        except RuntimeWarning:  # an error-raising warnings filter (see _redo_quietly)
            _redo_quietly(ifn, a, other)
            _T._bump(self)
            return self
        else:
            vc = self._vc
            if vc is None:
                self._vc = [1]
            else:
                vc[0] += 1
            return self
    b = unwrap(other)
    if b is _NOT:
        raise TypeError(f"unsupported operand type for in-place op on Tensor: {type(other).__name__}")
    if type(b) is not _nd and not isinstance(b, (int, float, bool, complex, _generic)):
        check_same_device(a, b)
    rt = _result_type(self, b)
    if mode == _TO_FLOAT and rt.kind in "biu":
        rt = _default_float()
    elif mode == _INTEGRAL and rt.kind not in "biu":
        raise RuntimeError(f"{ifn.__name__} is only supported for integer and bool tensors")
    if _dt.category(rt) > _dt.category(a.dtype):
        raise RuntimeError(
            f"result type {_dt.torch_name(rt)} can't be cast to the desired output type {_dt.torch_name(a.dtype)}"
        )
    try:
        r = ifn(a, b)
    except RuntimeWarning:
        r = _redo_quietly(ifn, a, b)
    except (TypeError, OverflowError):  # uint8 += int8 tensor, uint8 *= -1: NumPy refuses the cast, PyTorch wraps
        if rt.kind not in "biu" or a.dtype.kind not in "iu":
            raise
        r = ifn(a.astype(rt), np.array(b).astype(rt) if isinstance(b, int) else b)  # written back below
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location (an expanded or read-only view). Please clone() the tensor before performing the operation."
            ) from None
        bs = tuple(getattr(b, "shape", ()))
        err = broadcast_error(a.shape, bs)
        if err is not None:
            raise err from None
        target = tuple(np.broadcast_shapes(a.shape, bs))
        if target != a.shape:
            raise RuntimeError(
                f"output with shape {list(a.shape)} doesn't match the broadcast shape {list(target)}"
            ) from None
        raise
    if r is not a:  # NumPy scalars (0-d) return a new object: write it back
        a[...] = r
    _T._bump(self)
    return self


def iadd(self: Tensor, other: Any) -> Tensor:
    """``self += other``."""
    return _inplace(self, operator.iadd, other)


def isub(self: Tensor, other: Any) -> Tensor:
    """``self -= other``."""
    return _inplace(self, operator.isub, other)


def imul(self: Tensor, other: Any) -> Tensor:
    """``self *= other``."""
    return _inplace(self, operator.imul, other)


def itruediv(self: Tensor, other: Any) -> Tensor:
    """``self /= other``."""
    return _inplace(self, operator.itruediv, other, _TO_FLOAT)


def ifloordiv(self: Tensor, other: Any) -> Tensor:
    """``self //= other``."""
    return _inplace(self, _ifloordiv, other)


def imod(self: Tensor, other: Any) -> Tensor:
    """``self %= other``."""
    return _inplace(self, _imod, other)


def ipow(self: Tensor, other: Any) -> Tensor:
    """``self **= other``."""
    if type(other) is int and other < 0 and self._array.dtype.kind in "biu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _inplace(self, operator.ipow, other)


def iand(self: Tensor, other: Any) -> Tensor:
    """``self &= other``."""
    return _inplace(self, operator.iand, other, _INTEGRAL)


def ior(self: Tensor, other: Any) -> Tensor:
    """``self |= other``."""
    return _inplace(self, operator.ior, other, _INTEGRAL)


def ixor(self: Tensor, other: Any) -> Tensor:
    """``self ^= other``."""
    return _inplace(self, operator.ixor, other, _INTEGRAL)


def ilshift(self: Tensor, other: Any) -> Tensor:
    """``self <<= other``."""
    return _inplace(self, operator.ilshift, other, _INTEGRAL)


def irshift(self: Tensor, other: Any) -> Tensor:
    """``self >>= other``."""
    return _inplace(self, operator.irshift, other, _INTEGRAL)


def imatmul(self: Tensor, other: Any) -> Tensor:
    """``self @= other``."""
    return self.copy_(self @ other)
