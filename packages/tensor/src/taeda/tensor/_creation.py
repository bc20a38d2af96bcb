"""Creating tensors: ``tensor``, ``as_tensor``, ``from_numpy``, ``zeros``, ``ones``, ``arange`` ... and ``*_like``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from taeda.tensor import _dtype as _dt
from taeda.tensor import cuda as _cuda
from taeda.tensor._device import CPU, Device
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._tensor import Tensor, _wrap

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "asarray",
    "zeros",
    "ones",
    "empty",
    "full",
    "eye",
    "arange",
    "range_",
    "linspace",
    "logspace",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "scalar_tensor",
    "parse_size",
]

_SUPPORTED = "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool"


def parse_size(size: Sequence[Any]) -> tuple[int, ...]:
    """``(2, 3)``, ``((2, 3),)`` or ``([2, 3],)`` -> ``(2, 3)``; negative sizes raise."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        out = tuple(int(s.__index__()) for s in size)
    except (AttributeError, TypeError):
        raise TypeError(f"size must be a sequence of ints, got {tuple(size)!r}") from None
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(out)}")
    return out


def _dev(device: Any) -> Device:
    return CPU if device is None else Device(device)


def _check_numpy_dtype(arr: np.ndarray[Any, Any]) -> None:
    if arr.dtype.kind not in "biufc":
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{arr.dtype.type.__name__}. The only supported types are: "
            f"{_SUPPORTED}."
        )


def _check_fits(value: Any, dt: np.dtype[Any]) -> None:
    """PyTorch refuses Python numbers that overflow an integer dtype (NaN, inf, 300 as uint8), where NumPy's cast
    wraps them or gives INT_MIN; an unsigned dtype takes negatives down to ``-max`` (they wrap, as in PyTorch)."""
    if dt.kind not in "iu" or not isinstance(value, (int, float, np.ndarray)):
        return
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or not arr.size:
        return
    info = np.iinfo(dt)
    lo = -int(info.max) if dt.kind == "u" else int(info.min)
    if not np.isfinite(arr).all() or arr.min() < lo or arr.max() > info.max:
        raise RuntimeError(f"value cannot be converted to type {dt} without overflow")


_INT64_MAX = (1 << 63) - 1


def _infer(data: Any, default_dtypes: bool = True) -> Any:
    """An ndarray for ``data`` with PyTorch's dtype inference (Python floats -> default dtype).

    ``default_dtypes=False`` (a dtype is given) keeps NumPy's float64/int64/complex128 for Python numbers, so that
    ``tensor(0.1, dtype=float64)`` is exactly 0.1 rather than 0.1 rounded to float32 first.
    """
    if isinstance(data, Tensor):
        return data._array.copy()
    has_dtype = hasattr(data, "dtype") or hasattr(data, "__array__")
    if isinstance(data, (list, tuple)) and data and any(isinstance(x, Tensor) for x in data):
        has_dtype = True
    try:
        arr = np.array(data)
    except ValueError as e:
        raise ValueError(f"could not build a tensor from {type(data).__name__}: {e}") from None
    if arr.dtype.kind not in "biufc":
        if arr.dtype.kind in "US":
            raise TypeError(f"new(): invalid data type '{(arr.dtype.kind == 'U' and 'str') or 'bytes'}'")
        raise TypeError(f"can't convert data of dtype {arr.dtype} to a tensor: only numbers and bools are supported")
    if not has_dtype and default_dtypes:
        if arr.dtype.kind == "f":
            arr = arr.astype(_dt.default_float(), copy=False)
        elif arr.dtype.kind == "c":
            arr = arr.astype(_dt.complex128 if _dt.default_float() == _dt.float64 else _dt.complex64, copy=False)
        elif arr.dtype.kind in "iu":
            if arr.dtype.kind == "u" and arr.size and int(arr.max()) > _INT64_MAX:  # Python ints from 2**63 up
                raise ValueError("Overflow when unpacking long long")
            arr = arr.astype(_dt.int64, copy=False)
    return arr


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested sequences, scalars, ndarrays, anything NumPy accepts).

    Python floats give the default dtype (float32), ints int64, bools bool, as in PyTorch.

    Example:
        >>> tensor([1.5]).dtype, tensor([1, 2]).dtype
        (dtype('float32'), dtype('int64'))
    """
    if requires_grad:
        raise ValueError(
            "taeda.tensor tensors do not track gradients: use taeda.autograd.tensor(..., requires_grad=True)"
        )
    cp = _cuda.cupy
    if cp is not None and isinstance(getattr(data, "_array", data), cp.ndarray):
        arr = getattr(data, "_array", data).copy()
    else:
        arr = _infer(data, dtype is None)
    if dtype is not None:
        dt = _dt.to_dtype(dtype)
        if arr.dtype != dt:
            if not (hasattr(data, "dtype") or hasattr(data, "__array__")):  # Python numbers
                _check_fits(arr, dt)
            try:
                arr = arr.astype(dt)
            except RuntimeWarning:  # an error-raising warnings filter: PyTorch casts to inf silently
                with np.errstate(all="ignore"):
                    arr = arr.astype(dt)
    if device is None and type(arr) is not np.ndarray:
        return _wrap(arr)  # a GPU array stays on its device
    return _wrap(_dev(device).send(arr))


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Wrap ``data`` without copying when it already is an ndarray (NumPy or CuPy) or a Tensor of that dtype/device.

    Example:
        >>> import numpy as np
        >>> a = np.zeros(3, np.float64)
        >>> t = as_tensor(a); t.array is a, t.dtype
        (True, dtype('float64'))
    """
    if type(data) is np.ndarray:
        arr = data
        if dtype is None and device is None and arr.dtype.kind in "biufc":  # the hot path: wrap a kernel's result
            return _wrap(arr)
    elif type(data) is Tensor or isinstance(data, Tensor):
        arr = data._array
    elif _cuda.cupy is not None and isinstance(data, _cuda.cupy.ndarray):
        arr = data
    else:
        return tensor(data, dtype=dtype, device=device)
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
    if type(arr) is np.ndarray:
        _check_numpy_dtype(arr)
    if isinstance(data, Tensor) and arr is data._array:
        return data
    return _wrap(arr)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray[Any, Any]) -> Tensor:
    """A tensor sharing memory with a NumPy array (writes to either show in both).

    Example:
        >>> import numpy as np
        >>> a = np.arange(3); t = from_numpy(a); a[0] = 7; t.tolist()
        [7, 1, 2]
    """
    if type(ndarray) is not np.ndarray and not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind not in "biufc":
        _check_numpy_dtype(ndarray)
    return _wrap(ndarray)


def _float_or(dtype: Any) -> np.dtype[Any]:
    return _dt.default_float() if dtype is None else _dt.to_dtype(dtype)


def zeros(*size: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor of zeros (default dtype float32).

    Example:
        >>> zeros(2, 3).shape
        taeda.Size([2, 3])
    """
    return _wrap(_dev(device).xp.zeros(parse_size(size), dtype=_float_or(dtype)))


def ones(*size: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor of ones.

    Example:
        >>> ones(2).tolist()
        [1.0, 1.0]
    """
    return _wrap(_dev(device).xp.ones(parse_size(size), dtype=_float_or(dtype)))


def empty(*size: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """An uninitialised tensor.

    Example:
        >>> empty(2, 2).shape
        taeda.Size([2, 2])
    """
    return _wrap(_dev(device).xp.empty(parse_size(size), dtype=_float_or(dtype)))


def _fill_dtype(fill_value: Any, dtype: Any) -> np.dtype[Any]:
    if dtype is not None:
        return _dt.to_dtype(dtype)
    return _dt.result_type(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype is inferred from it (float -> float32, int -> int64).

    Example:
        >>> full((2,), 7).tolist(), full((1,), 0.5).dtype
        ([7, 7], dtype('float32'))
    """
    shape = parse_size(size if isinstance(size, (tuple, list)) else (size,))
    dt = _fill_dtype(fill_value, dtype)
    _check_fits(fill_value, dt)
    return _wrap(_dev(device).xp.full(shape, fill_value, dtype=dt))


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None) -> Tensor:
    """The identity matrix (``n x m``).

    Example:
        >>> eye(2).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    return _wrap(_dev(device).xp.eye(n, n if m is None else m, dtype=_float_or(dtype)))


def _num(x: Any) -> Any:
    return x.item() if isinstance(x, Tensor) else x


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for ints, float32 when any is a float.

    Example:
        >>> arange(3).tolist(), arange(0, 1, 0.5).tolist()
        ([0, 1, 2], [0.0, 0.5])
    """
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        floating = any(
            isinstance(v, float) or (hasattr(v, "dtype") and v.dtype.kind == "f") for v in (start, end, step)
        )
        dt = _dt.default_float() if floating else _dt.int64
    else:
        dt = _dt.to_dtype(dtype)
    xp = _dev(device).xp
    if dt.kind in "iub" and all(isinstance(v, int) for v in (start, end, step)):
        return _wrap(xp.arange(start, end, step, dtype=dt))
    n = max(math.ceil((end - start) / step), 0)
    return _wrap((xp.arange(n, dtype=np.float64) * step + start).astype(dt))


def range_(start: Any, end: Any, step: Any = 1, *, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``arange`` but including ``end`` (PyTorch's deprecated ``torch.range``); default dtype float32."""
    n = math.floor((end - start) / step) + 1
    return _wrap((_dev(device).xp.arange(n, dtype=np.float64) * step + start).astype(_float_or(dtype)))


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Example:
        >>> linspace(0, 1, 3).tolist()
        [0.0, 0.5, 1.0]
    """
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _wrap(_dev(device).xp.linspace(_num(start), _num(end), steps).astype(_float_or(dtype)))


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """``steps`` values from ``base**start`` to ``base**end``, evenly spaced in the exponent.

    Example:
        >>> logspace(0, 2, 3).tolist()
        [1.0, 10.0, 100.0]
    """
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _wrap(_dev(device).xp.logspace(_num(start), _num(end), steps, base=base).astype(_float_or(dtype)))


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """A 0-d tensor holding ``s`` (default dtype float32)."""
    return _wrap(_dev(device).xp.asarray(s, dtype=_float_or(dtype)))


def _like(input: Any, dtype: Any, device: Any) -> tuple[tuple[int, ...], np.dtype[Any], Device]:
    return (
        tuple(input.shape),
        (input.dtype if dtype is None else _dt.to_dtype(dtype)),
        (input.device if device is None else Device(device)),
    )


@taeda_function
def zeros_like(input: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """Zeros with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> zeros_like(ones(2, dtype=_dt.int64)).tolist()
        [0, 0]
    """
    shape, dt, dev = _like(input, dtype, device)
    return _wrap(dev.xp.zeros(shape, dtype=dt))


@taeda_function
def ones_like(input: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """Ones with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> ones_like(zeros(2)).tolist()
        [1.0, 1.0]
    """
    shape, dt, dev = _like(input, dtype, device)
    return _wrap(dev.xp.ones(shape, dtype=dt))


@taeda_function
def empty_like(input: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """An uninitialised tensor with the shape (and by default dtype and device) of ``input``."""
    shape, dt, dev = _like(input, dtype, device)
    return _wrap(dev.xp.empty(shape, dtype=dt))


@taeda_function
def full_like(input: Any, fill_value: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """``fill_value`` everywhere, with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> full_like(zeros(2), 3).tolist()
        [3.0, 3.0]
    """
    shape, dt, dev = _like(input, dtype, device)
    _check_fits(fill_value, dt)
    return _wrap(dev.xp.full(shape, fill_value, dtype=dt))
