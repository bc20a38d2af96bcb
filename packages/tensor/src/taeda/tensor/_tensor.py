"""The ``Tensor`` class: one NumPy/CuPy array in a ``__slots__`` wrapper with PyTorch's API.

Internals other modules of this package may use (nothing outside taeda.tensor may):

- ``_wrap(arr) -> Tensor``: wrap an ndarray (``numpy.ndarray`` or ``cupy.ndarray``, never a NumPy scalar) with no
  check and no copy; the new tensor has its own version counter.
- ``_wrap_r(r) -> Tensor``: like ``_wrap`` but also accepts the NumPy scalars that NumPy returns for 0-d results.
- ``_view(arr, base) -> Tensor``: wrap ``arr``, a view of ``base``'s storage, sharing ``base``'s version counter.
- ``t._array``: the ndarray itself (public read access is ``t.array``).
- ``t._vc``: the version counter, ``None`` until needed, else a one-item ``list[int]`` shared by a base and all
  its views; ``t._version`` reads it, ``_bump(t)`` increments it (every in-place op calls ``_bump``).
- ``_binary(fn, x, y, mode)``: PyTorch-promoted broadcasting binary op on Tensors/ndarrays/scalars, and ``unwrap``
  (both live in ``_operators`` with the operator methods and are re-exported here).
"""

from __future__ import annotations

import builtins
import operator
import warnings
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, NamedTuple, overload

import numpy as np

from taeda.tensor import _dispatch
from taeda.tensor import _dtype as _dt
from taeda.tensor import _operators as _op
from taeda.tensor import cuda as _cuda
from taeda.tensor._axpy import axpy as _axpy
from taeda.tensor._checks import norm_dim
from taeda.tensor._device import CPU, Device, device_of
from taeda.tensor._methods import TensorMethods, _method1, _method2
from taeda.tensor._operators import _INTEGRAL, _NO_CAST, _NOT, _PROMOTE, _TO_FLOAT, _binary, _inplace, unwrap
from taeda.tensor._size import Size
from taeda.tensor._transpose import transposed_copy as _transposed_copy

__all__ = [
    "_c",
    "_ix",
    "_m",
    "_mm",
    "_r",
    "_s",
    "_so",
    "Tensor",
    "ValuesIndices",
    "_wrap",
    "_wrap_r",
    "_view",
    "_bump",
    "_binary",
    "_inplace",
    "xp_of",
    "unwrap",
    "_NOT",
    "_PROMOTE",
    "_TO_FLOAT",
    "_NO_CAST",
    "_INTEGRAL",
]

_nd = np.ndarray
_generic = np.generic
_asarray = np.asarray
_new = object.__new__
_SEQ = frozenset({tuple, list, Size})
_default_float = _dt.default_float


def xp_of(arr: Any) -> ModuleType:
    """The array module of an ndarray: ``numpy`` or ``cupy``."""
    if type(arr) is _nd or _cuda.cupy is None:
        return np
    cp = _cuda.cupy
    return cp if isinstance(arr, cp.ndarray) else np


def _wrap(arr: Any) -> Tensor:
    t: Tensor = _new(Tensor)
    t._array = arr
    t._vc = None
    return t


def _wrap_r(r: Any) -> Tensor:
    if type(r) is not _nd and isinstance(r, _generic):
        r = _asarray(r)
    t: Tensor = _new(Tensor)
    t._array = r
    t._vc = None
    return t


def _view(arr: Any, base: Tensor) -> Tensor:
    vc = base._vc
    if vc is None:
        vc = base._vc = [0]
    t: Tensor = _new(Tensor)
    t._array = arr
    t._vc = vc
    return t


def _bump(t: Tensor) -> None:
    vc = t._vc
    if vc is None:
        t._vc = [1]
    else:
        vc[0] += 1


def _inplace1(name: str) -> Callable[[Tensor], Tensor]:
    """The in-place method ``t.name_()``: computes ``taeda.tensor.name(t)`` and writes it back into ``t``."""

    def method(self: Tensor) -> Tensor:
        a = self._array
        if a.dtype.kind not in "fc" and name not in _DTYPE_KEEPING:
            raise RuntimeError(
                f"result type {_dt.torch_name(_default_float())} can't be cast to the desired output type "
                f"{_dt.torch_name(a.dtype)}"
            )
        a[...] = getattr(_m, name)(self)._array
        _bump(self)
        return self

    method.__name__ = method.__qualname__ = name + "_"
    return method


_DTYPE_KEEPING = frozenset({"neg", "abs", "sign", "floor", "ceil", "round", "trunc", "square"})


_TYPE_NAMES = {
    _dt.float32: "FloatTensor",
    _dt.float64: "DoubleTensor",
    _dt.float16: "HalfTensor",
    _dt.int64: "LongTensor",
    _dt.int32: "IntTensor",
    _dt.int16: "ShortTensor",
    _dt.int8: "CharTensor",
    _dt.uint8: "ByteTensor",
    _dt.bool_: "BoolTensor",
}


class Tensor(TensorMethods):
    """A multi-dimensional array with PyTorch's API on NumPy (CPU) or CuPy (GPU) storage.

    ``Tensor(*sizes)`` makes an uninitialised tensor of the default dtype and ``Tensor(sequence)`` copies data
    into one, as in old PyTorch code; prefer ``taeda.tensor.tensor(...)``/``empty(...)``. Methods mirror the
    module-level functions of ``taeda.tensor`` (see their docstrings).

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.Tensor([[1, 2], [3, 4]])
        >>> x.shape, x.dtype
        (taeda.Size([2, 2]), dtype('float32'))
        >>> (x @ x).sum().item()
        54.0
    """

    __slots__ = ("__weakref__", "_array", "_vc")
    _array: Any
    _vc: list[builtins.int] | None

    __array_priority__ = 1000.0
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected operator and returns a Tensor

    def __init__(self, *args: Any, device: Any = None) -> None:
        dev = CPU if device is None else Device(device)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            from taeda.tensor._creation import tensor as _tensor_fn

            data = args[0]
            if isinstance(data, Tensor):
                self._array = data._array
                self._vc = data._vc
                return
            self._array = _tensor_fn(data, dtype=_default_float(), device=dev)._array
        else:
            sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
            shape = tuple(int(s) for s in sizes) if sizes else (0,)
            self._array = dev.xp.empty(shape, dtype=_default_float())
        self._vc = None

    # ----------------------------------------------------------------- attributes
    @property
    def array(self) -> Any:
        """The underlying ndarray (``numpy.ndarray`` or ``cupy.ndarray``) itself, no copy."""
        return self._array

    @property
    def data(self) -> Tensor:
        """This tensor's storage as a tensor (for code written against ``torch.Tensor.data``)."""
        return _view(self._array, self)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._array = value._array
        self._vc = None

    @property
    def _version(self) -> builtins.int:
        vc = self._vc
        return 0 if vc is None else vc[0]

    @property
    def shape(self) -> Size:
        return Size(self._array.shape)

    @overload
    def size(self, dim: None = None) -> Size: ...
    @overload
    def size(self, dim: builtins.int) -> builtins.int: ...
    def size(self, dim: builtins.int | None = None) -> Size | builtins.int:
        """The shape as a ``Size``, or the length of dimension ``dim``."""
        a = self._array
        if dim is None:
            return Size(a.shape)
        if a.ndim == 0:
            raise IndexError(f"dimension specified as {dim} but tensor has no dimensions")
        return builtins.int(a.shape[norm_dim(dim, a.ndim)])

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._array.dtype  # type: ignore[no-any-return]

    @property
    def device(self) -> Device:
        if type(self._array) is _nd:
            return CPU
        return device_of(self._array)

    @property
    def is_cuda(self) -> builtins.bool:
        return type(self._array) is not _nd

    @property
    def is_cpu(self) -> builtins.bool:
        return type(self._array) is _nd

    @property
    def ndim(self) -> builtins.int:
        return self._array.ndim  # type: ignore[no-any-return]

    def dim(self) -> builtins.int:
        return self._array.ndim  # type: ignore[no-any-return]

    def ndimension(self) -> builtins.int:
        return self._array.ndim  # type: ignore[no-any-return]

    def numel(self) -> builtins.int:
        return self._array.size  # type: ignore[no-any-return]

    def nelement(self) -> builtins.int:
        return self._array.size  # type: ignore[no-any-return]

    def element_size(self) -> builtins.int:
        return self._array.itemsize  # type: ignore[no-any-return]

    @property
    def itemsize(self) -> builtins.int:
        return self._array.itemsize  # type: ignore[no-any-return]

    @property
    def nbytes(self) -> builtins.int:
        return self._array.nbytes  # type: ignore[no-any-return]

    def stride(self, dim: builtins.int | None = None) -> Any:
        """Strides in elements, as PyTorch counts them."""
        st = tuple(s // self._array.itemsize for s in self._array.strides)
        return st if dim is None else st[norm_dim(dim, self._array.ndim)]

    def data_ptr(self) -> builtins.int:
        """Address of the first element."""
        a = self._array
        if type(a) is _nd:
            return int(a.__array_interface__["data"][0])
        return int(a.data.ptr)

    def is_contiguous(self) -> builtins.bool:
        return bool(self._array.flags.c_contiguous)

    def contiguous(self) -> Tensor:
        a = self._array
        if a.flags.c_contiguous:
            return self
        fast = _transposed_copy(a)  # a stack of transposed matrices: OpenBLAS's blocked copy
        return _wrap(xp_of(a).ascontiguousarray(a) if fast is None else fast)

    def is_floating_point(self) -> builtins.bool:
        return bool(self._array.dtype.kind == "f")

    def is_complex(self) -> builtins.bool:
        return bool(self._array.dtype.kind == "c")

    def is_signed(self) -> builtins.bool:
        return bool(self._array.dtype.kind in "ifc")

    def clone(self) -> Tensor:
        return _wrap(self._array.copy())

    def detach(self) -> Tensor:
        return _view(self._array, self)

    def __deepcopy__(self, memo: dict[builtins.int, Any]) -> Tensor:
        return _wrap(self._array.copy())

    def __copy__(self) -> Tensor:
        return _view(self._array, self)

    # ----------------------------------------------------------------- conversions
    def numpy(self, *, force: builtins.bool = False) -> np.ndarray[Any, Any]:
        """The NumPy array sharing this CPU tensor's memory (``force=True`` copies a GPU tensor to the host)."""
        a = self._array
        if type(a) is _nd:
            return a
        if force:
            return a.get()  # type: ignore[no-any-return]
        raise TypeError(
            f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host "
            "memory first."
        )

    def __array__(self, dtype: Any = None, copy: builtins.bool | None = None) -> np.ndarray[Any, Any]:
        a = self.numpy()
        if dtype is not None and a.dtype != dtype:
            if copy is False:
                raise ValueError(f"converting a {a.dtype} tensor to {np.dtype(dtype)} needs a copy (copy=False given)")
            return a.astype(dtype)
        if copy:
            return a.copy()
        return a

    def tolist(self) -> Any:
        return self._array.tolist()

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        """The value of a one-element tensor as a Python number (``float``, ``int`` or ``bool``)."""
        a = self._array
        if a.size != 1:
            raise RuntimeError(f"a Tensor with {a.size} elements cannot be converted to Scalar")
        value: builtins.float | builtins.int | builtins.bool = a.item()
        return value

    def _one(self) -> builtins.float | builtins.int | builtins.bool:
        if self._array.size != 1:  # float(t), int(t), complex(t): PyTorch's ValueError (item() raises RuntimeError)
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __float__(self) -> builtins.float:
        return float(self._one())

    def __int__(self) -> builtins.int:
        return int(self._one())

    def __complex__(self) -> complex:
        return complex(self._one())

    def __index__(self) -> builtins.int:
        if self._array.dtype.kind not in "biu" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> builtins.bool:
        a = self._array
        if a.size != 1:
            what = "no values" if a.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
        return bool(a.item())

    def __len__(self) -> builtins.int:
        a = self._array
        if a.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(a.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        a = self._array
        if a.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(a.shape[0]):
            yield _view(a[i, ...], self)

    def __contains__(self, item: Any) -> builtins.bool:
        return bool((self == item).any().item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        from taeda.tensor._printing import format_tensor

        return format_tensor(self)

    def __format__(self, spec: str) -> str:
        if self._array.ndim == 0:
            return format(self._array.item(), spec)
        return format(repr(self), spec)

    def __reduce__(self) -> Any:
        from taeda.tensor._sharing import reduce_tensor

        return reduce_tensor(self)

    def share_memory_(self) -> Tensor:
        """Move this CPU tensor's storage into shared memory (see ``taeda.tensor.share_memory_``)."""
        from taeda.tensor._sharing import share_memory_

        return share_memory_(self)

    def is_shared(self) -> builtins.bool:
        from taeda.tensor._sharing import is_shared

        return is_shared(self)

    def type(self, dtype: Any = None) -> Any:
        """Without an argument, the type name (``'taeda.FloatTensor'``); with a dtype, a converted tensor."""
        if dtype is None:
            name = _TYPE_NAMES.get(self._array.dtype, f"{_dt.torch_name(self._array.dtype)}Tensor")
            return f"taeda.{name}" if type(self._array) is _nd else f"taeda.cuda.{name}"
        if isinstance(dtype, str):
            dtype = {f"taeda.{v}": k for k, v in _TYPE_NAMES.items()}.get(dtype, dtype)
        return self.to(dtype)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``; ``copy=True`` forces a copy."""
        device: Any = kwargs.pop("device", None)
        dtype: Any = kwargs.pop("dtype", None)
        copy = bool(kwargs.pop("copy", False))
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (Device, str)) and not (
                isinstance(a, str) and a not in ("cpu", "cuda") and ":" not in a
            ):
                device = a
            elif a is not None:
                dtype = a
        arr = self._array
        if dtype is not None:
            dt = _dt.to_dtype(dtype)
            if arr.dtype != dt:
                try:
                    arr = arr.astype(dt)
                except RuntimeWarning:  # an error-raising warnings filter: PyTorch casts to inf silently
                    with np.errstate(all="ignore"):
                        arr = arr.astype(dt)
        if device is not None:
            arr = Device(device).send(arr)
        if arr is self._array:
            return _wrap(arr.copy()) if copy else self
        return _wrap(arr)

    def cpu(self) -> Tensor:
        a = self._array
        if type(a) is _nd:
            return self
        return _wrap(CPU.send(a))

    def cuda(self, device: Any = None) -> Tensor:
        """Copy to a CUDA device (raises a clear ``RuntimeError`` when CUDA is not available)."""
        if device is None:
            dev = Device("cuda", 0)
        elif isinstance(device, int):
            dev = Device("cuda", device)
        else:
            dev = Device(device)
        arr = dev.send(self._array)
        return self if arr is self._array else _wrap(arr)

    def float(self) -> Tensor:
        return self.to(_dt.float32)

    def double(self) -> Tensor:
        return self.to(_dt.float64)

    def half(self) -> Tensor:
        return self.to(_dt.float16)

    def long(self) -> Tensor:
        return self.to(_dt.int64)

    def int(self) -> Tensor:
        return self.to(_dt.int32)

    def short(self) -> Tensor:
        return self.to(_dt.int16)

    def char(self) -> Tensor:
        return self.to(_dt.int8)

    def byte(self) -> Tensor:
        return self.to(_dt.uint8)

    def bool(self) -> Tensor:
        return self.to(_dt.bool_)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None) -> Tensor:
        from taeda.tensor._creation import tensor as _tensor_fn

        return _tensor_fn(data, dtype=self.dtype if dtype is None else dtype, device=device or self.device)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None) -> Tensor:
        return _c.zeros(*size, dtype=self.dtype if dtype is None else dtype, device=device or self.device)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None) -> Tensor:
        return _c.ones(*size, dtype=self.dtype if dtype is None else dtype, device=device or self.device)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None) -> Tensor:
        return _c.empty(*size, dtype=self.dtype if dtype is None else dtype, device=device or self.device)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None) -> Tensor:
        return _c.full(size, fill_value, dtype=self.dtype if dtype is None else dtype, device=device or self.device)

    # ----------------------------------------------------------------- operators (see _operators)
    __add__ = _op.add
    __radd__ = _op.radd
    __sub__ = _op.sub
    __rsub__ = _op.rsub
    __mul__ = _op.mul
    __rmul__ = _op.rmul
    __truediv__ = _op.truediv
    __rtruediv__ = _op.rtruediv
    __floordiv__ = _op.floordiv
    __rfloordiv__ = _op.rfloordiv
    __mod__ = _op.mod
    __rmod__ = _op.rmod
    __pow__ = _method2("pow")
    __rpow__ = _op.rpow
    __matmul__ = _op.matmul
    __rmatmul__ = _op.rmatmul

    def __neg__(self) -> Tensor:
        a = self._array
        if a.dtype.kind == "b" or type(a) is not _nd:
            return _m.neg(self)
        return _wrap_r(-a)

    def __pos__(self) -> Tensor:
        return self

    __abs__ = _method1("abs")
    __invert__ = _method1("bitwise_not")
    __and__ = _op.and_
    __rand__ = _op.rand_
    __or__ = _op.or_
    __ror__ = _op.ror_
    __xor__ = _op.xor
    __rxor__ = _op.rxor
    __lshift__ = _op.lshift
    __rshift__ = _op.rshift
    __rlshift__ = _op.rlshift
    __rrshift__ = _op.rrshift
    __eq__ = _op.eq  # type: ignore[assignment]
    __ne__ = _op.ne  # type: ignore[assignment]
    __lt__ = _op.lt
    __le__ = _op.le
    __gt__ = _op.gt
    __ge__ = _op.ge
    __iadd__ = _op.iadd
    __isub__ = _op.isub
    __imul__ = _op.imul
    __itruediv__ = _op.itruediv
    __ifloordiv__ = _op.ifloordiv
    __imod__ = _op.imod
    __ipow__ = _op.ipow
    __iand__ = _op.iand
    __ior__ = _op.ior
    __ixor__ = _op.ixor
    __ilshift__ = _op.ilshift
    __irshift__ = _op.irshift
    __imatmul__ = _op.imatmul

    # ----------------------------------------------------------------- indexing
    def __getitem__(self, idx: Any) -> Tensor:
        a = self._array
        t = type(idx)
        if t is int or t is slice:  # basic indexing: a view sharing the version counter
            vc = self._vc
            if vc is None:
                vc = self._vc = [0]
            v: Tensor = _new(Tensor)
            v._array = a[idx, ...] if t is int else a[idx]
            v._vc = vc
            return v
        key = _ix.to_index(idx)
        r = a[key]
        if type(r) is not _nd and isinstance(r, _generic):
            return _wrap(_asarray(r))
        base = r.base
        if base is not None and (base is a or base is a.base):
            return _view(r, self)
        return _wrap(r)

    def __setitem__(self, idx: Any, value: Any) -> None:
        _ix.setitem(self, idx, value)

    # ----------------------------------------------------------------- hot reductions and shape ops
    def sum(self, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None) -> Tensor:
        if dim is None and dtype is None:
            a = self._array
            if type(a) is _nd and a.dtype.kind == "f":
                try:
                    r = _add_reduce(a, None, None, None, keepdim)  # type: ignore[call-overload]
                except RuntimeWarning:  # an error-raising warnings filter: PyTorch returns inf silently
                    with np.errstate(all="ignore"):
                        r = _add_reduce(a, None, None, None, keepdim)  # type: ignore[call-overload]
                if type(r) is not _nd:
                    r = _asarray(r)
                t: Tensor = _new(Tensor)
                t._array = r
                t._vc = None
                return t
        try:
            return _r._sum(self, dim, keepdim, dtype=dtype)
        except RuntimeWarning:
            with np.errstate(all="ignore"):
                return _r._sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None) -> Tensor:
        a = self._array
        try:
            if dim is None and dtype is None and not keepdim and type(a) is _nd and a.size and a.dtype in _F32_64:
                return _wrap_r(_add_reduce(a, None) / a.size)  # NumPy's own mean: the same pairwise sum, divided
            return _r._mean(self, dim, keepdim, dtype=dtype)
        except RuntimeWarning:
            with np.errstate(all="ignore"):
                return _r._mean(self, dim, keepdim, dtype=dtype)

    def view(self, *shape: Any) -> Tensor:
        a = self._array
        if type(a) is _nd:
            try:
                r = a.reshape(shape[0] if len(shape) == 1 and type(shape[0]) in _SEQ else shape)
            except (ValueError, TypeError):
                return _s._view_impl(self, shape)
            base = r.base
            if base is not None and (base is a or base is a.base):
                vc = self._vc
                if vc is None:
                    vc = self._vc = [0]
                t: Tensor = _new(Tensor)
                t._array = r
                t._vc = vc
                return t
        return _s._view_impl(self, shape)

    def view_as(self, other: Tensor) -> Tensor:
        return _s._view_impl(self, (other.shape,))

    def reshape(self, *shape: Any) -> Tensor:
        return _s._reshape_impl(self, shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return _s._reshape_impl(self, (other.shape,))

    @property
    def T(self) -> Tensor:
        a = self._array
        if a.ndim > 2:  # PyTorch 2.13 warns and reverses the dimensions, as NumPy does
            warnings.warn(
                "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it "
                "will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
                "`x.permute(*range(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                UserWarning,
                stacklevel=2,
            )
        return _view(a.T, self)

    @property
    def mT(self) -> Tensor:
        a = self._array
        if a.ndim < 2:
            raise RuntimeError(
                f"tensor.mT is only supported on matrices or batches of matrices. Got {a.ndim}-D tensor."
            )
        return _view(a.swapaxes(-1, -2), self)

    @property
    def H(self) -> Tensor:
        return self.T.conj()

    @property
    def real(self) -> Tensor:
        return _view(self._array.real, self)

    @property
    def imag(self) -> Tensor:
        return _view(self._array.imag, self)

    def conj(self) -> Tensor:
        a = self._array
        return _wrap_r(a.conj()) if a.dtype.kind == "c" else self

    # ----------------------------------------------------------------- in-place methods
    def zero_(self) -> Tensor:
        try:
            self._array[...] = 0
        except ValueError:  # an expanded (read-only) view: setitem raises PyTorch's error
            _ix.setitem(self, ..., 0)
        _bump(self)
        return self

    def fill_(self, value: Any) -> Tensor:
        v = value._array if isinstance(value, Tensor) else value
        if getattr(v, "ndim", 0):
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {v.ndim} dimensions.")
        try:
            self._array[...] = v
        except ValueError:  # an expanded (read-only) view: setitem raises PyTorch's error
            _ix.setitem(self, ..., v)
        _bump(self)
        return self

    def copy_(self, src: Any, non_blocking: builtins.bool = False) -> Tensor:
        a = self._array
        s = src._array if isinstance(src, Tensor) else src
        if type(s) is not type(a):
            s = device_of(a).send(s)
        try:
            if _transposed_copy(s, a) is None:
                a[...] = s
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({list(a.shape)}) must match the size of tensor b "
                f"({list(getattr(s, 'shape', ()))}) for copy_"
            ) from None
        _bump(self)
        return self

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        if alpha != 1:
            if _axpy(self, other, alpha):  # one BLAS pass instead of a temporary and two passes
                _bump(self)
                return self
            other = other * alpha
        return _inplace(self, operator.iadd, other)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        if alpha != 1:
            if _axpy(self, other, -alpha):
                _bump(self)
                return self
            other = other * alpha
        return _inplace(self, operator.isub, other)

    def mul_(self, other: Any) -> Tensor:
        return _inplace(self, operator.imul, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return _inplace(self, operator.itruediv, other, _TO_FLOAT)
        return self.copy_(_m.div(self, other, rounding_mode=rounding_mode))

    def pow_(self, exponent: Any) -> Tensor:
        return _inplace(self, operator.ipow, exponent)

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return self.add_(_m.mul(tensor1, tensor2), alpha=value)

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return self.add_(_m.div(tensor1, tensor2), alpha=value)

    def lerp_(self, end: Any, weight: Any) -> Tensor:
        return self.add_(_m.mul(_m.sub(end, self), weight))

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        return self.copy_(_m.clamp(self, min, max))

    clip_ = clamp_

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        _ix.masked_fill_inplace(self, mask, value)
        return self

    def uniform_(self, from_: builtins.float = 0.0, to: builtins.float = 1.0, *, generator: Any = None) -> Tensor:
        from taeda.tensor._random import uniform_

        return uniform_(self, from_, to, generator=generator)

    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *, generator: Any = None) -> Tensor:
        from taeda.tensor._random import normal_

        return normal_(self, mean, std, generator=generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        from taeda.tensor._random import bernoulli_

        return bernoulli_(self, p, generator=generator)

    neg_ = _inplace1("neg")

    abs_ = _inplace1("abs")

    exp_ = _inplace1("exp")

    log_ = _inplace1("log")

    sqrt_ = _inplace1("sqrt")

    rsqrt_ = _inplace1("rsqrt")

    reciprocal_ = _inplace1("reciprocal")

    sigmoid_ = _inplace1("sigmoid")

    tanh_ = _inplace1("tanh")

    def relu_(self) -> Tensor:
        a = self._array
        xp_of(a).maximum(a, 0, out=a)
        _bump(self)
        return self

    floor_ = _inplace1("floor")

    ceil_ = _inplace1("ceil")

    round_ = _inplace1("round")

    trunc_ = _inplace1("trunc")

    sign_ = _inplace1("sign")

    square_ = _inplace1("square")

    sin_ = _inplace1("sin")

    cos_ = _inplace1("cos")

    asinh_ = _inplace1("asinh")

    acosh_ = _inplace1("acosh")

    atanh_ = _inplace1("atanh")


class ValuesIndices(NamedTuple):
    """What ``max(x, dim)``, ``min``, ``median``, ``mode``, ``sort``, ``topk``, ``kthvalue`` return."""

    values: Tensor
    indices: Tensor


_op.bind(Tensor)
_dispatch._PLAIN.add(Tensor)
_F32_64 = frozenset({_dt.float32, _dt.float64})
_add_reduce = np.add.reduce

from taeda.tensor import _creation as _c  # noqa: E402
from taeda.tensor import _ops_index as _ix  # noqa: E402
from taeda.tensor import _ops_math as _m  # noqa: E402
from taeda.tensor import _ops_matmul as _mm  # noqa: E402
from taeda.tensor import _ops_reduce as _r  # noqa: E402
from taeda.tensor import _ops_shape as _s  # noqa: E402
from taeda.tensor import _ops_sort as _so  # noqa: E402
