"""Copies of transposed matrices with OpenBLAS's blocked ``omatcopy``.

NOTE: NumPy copies a view whose last axis is strided (``a.T``, ``a.transpose(-1, -2)``, ``a.mT``) element by
element along the destination, reading with a stride of a whole row: (8192, 512).T took 22 ms (about 5 ns per
element), a stack of 64 (128, 512) transposes 9.6 ms. OpenBLAS's ``cblas_somatcopy``/``domatcopy`` (NumPy's own
OpenBLAS, through ctypes as for ``axpy``) copies in cache-sized tiles: 2.0 and 3.0 ms. Without that BLAS, or for
other dtypes, small matrices and any other layout, NumPy's copy is used.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import numpy as np

from taeda.tensor._axpy import openblas

__all__ = ["transposed_copy"]

_MIN_SIZE = 1 << 14  # elements: below, the ctypes calls cost more than NumPy's copy saves
_MIN_SIDE = 8  # rows and columns of each matrix (thin matrices: NumPy's copy is as fast)
_ROW_MAJOR, _TRANS = 101, 112


def _find() -> dict[Any, Any]:
    lib = openblas()
    if lib is None:
        return {}
    found = {}
    for dt, name, real in (
        (np.dtype(np.float32), "somatcopy", ctypes.c_float),
        (np.dtype(np.float64), "domatcopy", ctypes.c_double),
    ):
        fn = getattr(lib, f"scipy_cblas_{name}64_", None) or getattr(lib, f"cblas_{name}64_", None)
        if fn is None:
            return {}
        i64, ptr = ctypes.c_int64, ctypes.c_void_p
        fn.argtypes = [ctypes.c_int, ctypes.c_int, i64, i64, real, ptr, i64, ptr, i64]
        fn.restype = None
        found[dt] = fn
    return found


_FUNCS = _find()


def transposed_copy(src: Any, out: Any | None = None) -> Any | None:
    """A C-contiguous copy of ``src`` (into ``out`` when given, a C-contiguous array of ``src``'s shape and dtype)
    when ``src`` is a stack of transposed matrices (``src.swapaxes(-1, -2)`` is C-contiguous) that the blocked copy
    takes; None when it does not apply (the caller copies with NumPy).

    Example:
        >>> import numpy as np
        >>> a = np.arange(256 * 128, dtype=np.float32).reshape(256, 128)
        >>> bool(np.array_equal(transposed_copy(a.T), a.T))
        True
        >>> transposed_copy(a[:4].T) is None  # small: NumPy's copy
        True
    """
    if type(src) is not np.ndarray or src.ndim < 2 or src.size < _MIN_SIZE:
        return None
    fn = _FUNCS.get(src.dtype)
    rows, cols = src.shape[-2], src.shape[-1]
    if fn is None or rows < _MIN_SIDE or cols < _MIN_SIDE:
        return None
    s = src.swapaxes(-1, -2)  # the stored matrices, (..., cols, rows), C-contiguous when src is their transpose
    if not s.flags.c_contiguous:
        return None
    if out is None:
        out = np.empty(src.shape, src.dtype)
    elif (
        not (type(out) is np.ndarray and out.flags.c_contiguous and out.shape == src.shape and out.dtype == src.dtype)
        or not out.flags.writeable
    ) or np.may_share_memory(out, src):
        return None
    step = rows * cols * src.itemsize
    a0, b0 = s.ctypes.data, out.ctypes.data
    for k in range(math.prod(src.shape[:-2])):
        # B (rows, cols) = transpose of A (cols, rows): row-major A with leading dimension rows
        fn(_ROW_MAJOR, _TRANS, cols, rows, 1.0, a0 + k * step, rows, b0 + k * step, cols)
    return out
