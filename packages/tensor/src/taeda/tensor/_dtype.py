"""Dtypes (NumPy dtype objects) and PyTorch's type promotion.

Promotion goes by category, bool < integer < floating < complex, as in PyTorch: operands are split into
dimensioned tensors, zero-dim tensors and Python scalars, and a lower-priority group only changes the result
when it belongs to a higher category (``int32 tensor + 2.5`` is float32, ``float16 tensor + 2.5`` stays float16,
``float32 tensor + float64 0-d tensor`` stays float32). NumPy arrays count as tensors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "bool_",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "result_type",
    "is_floating_point",
    "is_complex",
    "to_dtype",
    "torch_name",
    "category",
    "default_float",
    "FLOATING",
    "DType",
]

DType = np.dtype[Any]

bool_: DType = np.dtype("bool")
uint8: DType = np.dtype("uint8")
int8: DType = np.dtype("int8")
int16: DType = np.dtype("int16")
int32: DType = np.dtype("int32")
int64: DType = np.dtype("int64")
uint16: DType = np.dtype("uint16")
uint32: DType = np.dtype("uint32")
uint64: DType = np.dtype("uint64")
float16: DType = np.dtype("float16")
float32: DType = np.dtype("float32")
float64: DType = np.dtype("float64")
complex64: DType = np.dtype("complex64")
complex128: DType = np.dtype("complex128")

FLOATING = frozenset({float16, float32, float64, complex64, complex128})
"""Dtypes on which float-only math (``exp``, ``mean`` ...) runs as is; others go to the default dtype first."""

_KIND_CAT = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}

_TORCH_NAMES = {
    bool_: "Bool",
    uint8: "Byte",
    int8: "Char",
    int16: "Short",
    int32: "Int",
    int64: "Long",
    float16: "Half",
    float32: "Float",
    float64: "Double",
    complex64: "ComplexFloat",
    complex128: "ComplexDouble",
    uint16: "UInt16",
    uint32: "UInt32",
    uint64: "UInt64",
}

_state: dict[str, DType] = {"float": float32, "complex": complex64}


def default_float() -> DType:
    """The current default floating dtype (internal fast accessor)."""
    return _state["float"]


def get_default_dtype() -> DType:
    """The default floating point dtype (``float32`` unless changed by ``set_default_dtype``).

    Example:
        >>> get_default_dtype()
        dtype('float32')
    """
    return _state["float"]


def set_default_dtype(d: Any) -> None:
    """Set the default floating point dtype used by ``tensor([1.5])``, ``rand``, ``int / int`` ...

    Example:
        >>> set_default_dtype(float64); get_default_dtype()
        dtype('float64')
        >>> set_default_dtype(float32)
    """
    dt = to_dtype(d)
    if dt not in (float16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {dt}")
    _state["float"] = dt
    _state["complex"] = complex128 if dt == float64 else complex64
    _combine_cache.clear()
    _rt_cache.clear()


def to_dtype(d: Any) -> DType:
    """Turn anything NumPy accepts as a dtype (and Python ``float``/``int``/``bool``) into a NumPy dtype.

    Python's ``float`` means float64, ``complex`` complex128 and ``int`` int64, as in PyTorch
    (``torch.zeros(2, dtype=float).dtype`` is ``torch.float64``); ``None`` means the default float dtype.
    """
    if isinstance(d, np.dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if d is complex:
        return complex128
    if d is None:
        return _state["float"]
    dt: DType = np.dtype(d)
    return dt


def category(dt: DType) -> int:
    """0 for bool, 1 for integers, 2 for floating, 3 for complex."""
    return _KIND_CAT.get(dt.kind, 2)


def is_floating_point(x: Any) -> bool:
    """Whether a tensor (or dtype) is of a floating point dtype.

    Example:
        >>> is_floating_point(float16), is_floating_point(int64)
        (True, False)
    """
    dt = x if isinstance(x, np.dtype) else x.dtype
    return bool(dt.kind == "f")


def is_complex(x: Any) -> bool:
    """Whether a tensor (or dtype) is of a complex dtype."""
    dt = x if isinstance(x, np.dtype) else x.dtype
    return bool(dt.kind == "c")


def torch_name(dt: DType) -> str:
    """PyTorch's name of a dtype as used in error messages and ``Tensor.type()``: ``Float``, ``Long`` ..."""
    return _TORCH_NAMES.get(dt, str(dt))


_promote_cache: dict[tuple[DType, DType], DType] = {}


def promote_types(a: Any, b: Any) -> DType:
    """The dtype two tensors of dtypes ``a`` and ``b`` combine to (by category first, as PyTorch).

    Example:
        >>> promote_types(int32, float16), promote_types(uint8, int8), promote_types(bool_, int8)
        (dtype('float16'), dtype('int16'), dtype('int8'))
    """
    key = (a, b)
    r = _promote_cache.get(key)
    if r is None:
        da, db = to_dtype(a), to_dtype(b)
        ca, cb = category(da), category(db)
        if ca == cb:
            r = np.promote_types(da, db)
            if ca == 1 and r.kind == "f":  # uint64 with a signed int: numpy goes to float64, PyTorch has no such type
                r = int64
        elif ca > cb:
            r = da
        else:
            r = db
        if ca == 3 or cb == 3:
            r = np.promote_types(da, db) if min(ca, cb) >= 2 else r
        _promote_cache[key] = r
    return r


_combine_cache: dict[tuple[DType | None, DType | None], DType | None] = {}


def _combine(higher: DType | None, lower: DType | None) -> DType | None:
    """PyTorch's ``combine_categories``: a lower-priority group wins only from a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    key = (higher, lower)
    if key in _combine_cache:
        return _combine_cache[key]
    ch, cl = category(higher), category(lower)
    if ch == 3:
        r = higher
    elif cl == 3:
        r = (complex128 if higher == float64 else complex64) if ch == 2 else lower
    elif ch == 2:
        r = higher
    elif ch == 0 or cl == 2:
        r = promote_types(higher, lower)
    else:
        r = higher
    _combine_cache[key] = r
    return r


_rt_cache: dict[tuple[DType | None, DType | None, DType | None], DType] = {}


def result_type(*operands: Any) -> DType:
    """The dtype of an elementwise op on these operands (Tensors, ndarrays, Python or NumPy scalars), as PyTorch.

    Example:
        >>> import numpy as np
        >>> result_type(np.zeros(2, np.int32), 2.5), result_type(np.zeros(2, np.float16), 2.5)
        (dtype('float32'), dtype('float16'))
    """
    dim: DType | None = None
    zero: DType | None = None
    wrapped: DType | None = None
    for x in operands:
        t = type(x)
        if t is bool:
            w = bool_
        elif t is float:
            w = _state["float"]
        elif t is int:
            w = int64
        elif t is complex:
            w = _state["complex"]
        else:
            arr = getattr(x, "_array", x)
            dt = getattr(arr, "dtype", None)
            if dt is None:
                if isinstance(x, bool):
                    w = bool_
                elif isinstance(x, int):
                    w = int64
                elif isinstance(x, float):
                    w = _state["float"]
                elif isinstance(x, complex):
                    w = _state["complex"]
                else:
                    raise TypeError(f"unsupported operand type {t.__name__!r} for a tensor operation")
            elif arr.ndim:
                dim = dt if dim is None or dim is dt else promote_types(dim, dt)
                continue
            else:
                zero = dt if zero is None or zero is dt else promote_types(zero, dt)
                continue
        wrapped = w if wrapped is None or wrapped is w else promote_types(wrapped, w)
    key = (dim, zero, wrapped)
    r = _rt_cache.get(key)
    if r is None:
        c = _combine(dim, _combine(zero, wrapped))
        if c is None:
            raise TypeError("result_type needs at least one operand")
        r = _rt_cache[key] = c
    return r
