"""``y += alpha * x`` in one pass: BLAS ``axpy`` for ``add_``/``sub_`` with an ``alpha``.

NumPy needs two passes and a temporary for ``y -= alpha * x`` (``x * alpha`` first); BLAS's ``axpy`` (that of
NumPy's own OpenBLAS, through ctypes) reads ``x`` and ``y`` once and writes ``y``. Without that BLAS (NumPy built
against another one), the two NumPy passes are used. Measured on 2 cores, float32: 0.4M elements 86 -> 33 us,
4M elements 1.67 -> 0.28 ms. Below 32K elements the call's overhead (about 4 us) eats the gain, and NumPy's passes are
used.
The update of a parameter by hand (``p.data.sub_(p.grad.data, alpha=lr)``) is the common caller.
"""

from __future__ import annotations

import ctypes
import glob
import os
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_REAL = (float, int, np.float32, np.float64)
# the ctypes call and the checks cost about 4 us: below this many elements NumPy's two passes are as fast
_MIN_SIZE = 1 << 15


_LIB: list[ctypes.CDLL | None] = []


def openblas() -> ctypes.CDLL | None:
    """NumPy's own OpenBLAS library (loaded once), or None when NumPy's wheel carries none.

    NOTE: NumPy's BLAS, not SciPy's: SciPy's wheels carry a second OpenBLAS with its own thread pool, and its
    threads spinning after an axpy were seen to make the next NumPy GEMMs 5x slower on 2 cores.
    """
    if not _LIB:
        lib = None
        try:
            libdir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
            for path in glob.glob(os.path.join(libdir, "*openblas*")):
                lib = ctypes.CDLL(path)
                break
        except OSError:
            lib = None
        _LIB.append(lib)
    return _LIB[0]


def _find() -> dict[Any, Any]:
    """NumPy's own OpenBLAS ``cblas_{s,d}axpy`` (64-bit integer interface), or {} when NumPy has another BLAS."""
    lib = openblas()
    if lib is None:
        return {}
    found = {}
    for dt, name, real in ((_F32, "saxpy", ctypes.c_float), (_F64, "daxpy", ctypes.c_double)):
        fn = getattr(lib, f"scipy_cblas_{name}64_", None) or getattr(lib, f"cblas_{name}64_", None)
        if fn is None:
            return {}
        i64, ptr = ctypes.c_int64, ctypes.c_void_p
        fn.argtypes = [i64, real, ptr, i64, ptr, i64]
        fn.restype = None
        found[dt] = fn
    return found


_FUNCS = _find()


def _find_local_threads() -> Any:
    """OpenBLAS's ``openblas_set_num_threads_local`` (returns the previous value), or None."""
    lib = openblas()
    fn = None if lib is None else getattr(lib, "openblas_set_num_threads_local", None)
    if fn is not None:
        fn.argtypes = [ctypes.c_int]
        fn.restype = ctypes.c_int
    return fn


# NOTE: the update runs on the calling thread alone. axpy is bound by memory, and OpenBLAS's two-thread version must
# wake its pool thread: right after a training step's backward pass (the pool idle, other threads runnable) that
# wait was measured at 3-12 ms for a 36K-element update that takes 0.1 ms (a ResNet step's SGD: 0.3 -> 21 ms);
# 4M elements: median 1.1 ms on one thread against 3.2 ms on two, under load.
_LOCAL_THREADS = _find_local_threads()


def axpy(y: Tensor, x: Any, alpha: Any) -> bool:
    """``y += alpha * x`` in place with BLAS when it applies, returning True (the caller bumps ``y``'s version);
    False leaves ``y`` untouched.

    Applies to C-contiguous, writable float32/float64 NumPy storage of at least 32K elements, ``x`` a Tensor of
    the same dtype and shape (no broadcasting), a real ``alpha``, and ``x`` either ``y`` itself or sharing no memory
    with it.
    """
    a = y._array
    if a.size < _MIN_SIZE or type(x) is not type(y):
        return False
    xt = x._array
    fn = _FUNCS.get(a.dtype)
    if (
        fn is None
        or type(a) is not np.ndarray
        or type(xt) is not np.ndarray
        or a.dtype is not xt.dtype
        or a.shape != xt.shape
        or type(alpha) not in _REAL
        or not (a.flags.c_contiguous and xt.flags.c_contiguous and a.flags.writeable)
    ):
        return False
    # NOTE: an x that partly overlaps y would be read after BLAS wrote it; only x is y (the same elements) is safe
    if (xt is not a and np.may_share_memory(a, xt)) and not (
        xt.ctypes.data == a.ctypes.data and xt.strides == a.strides
    ):
        return False
    if _LOCAL_THREADS is None:
        fn(a.size, alpha, xt.ctypes.data, 1, a.ctypes.data, 1)
        return True
    old = _LOCAL_THREADS(1)
    try:
        fn(a.size, alpha, xt.ctypes.data, 1, a.ctypes.data, 1)
    finally:
        _LOCAL_THREADS(old)
    return True
