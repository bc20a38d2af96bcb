"""``set_num_threads``/``get_num_threads``: the threads of the matrix products (NumPy's own OpenBLAS) and, through
``get_num_threads``, of taeda.nn's two-thread kernels, as ``torch.set_num_threads`` sets PyTorch's intra-op pool.

DataLoader workers set it to 1, as PyTorch's do: two workers on a two-core machine, each with a two-thread BLAS,
would oversubscribe the cores (a thread waiting for its partner can stall a whole scheduler slice).
"""

from __future__ import annotations

import ctypes
import os

from taeda.tensor._axpy import openblas

__all__ = ["get_num_threads", "set_num_threads"]


def _blas_function(name: str) -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """NumPy's OpenBLAS function ``name`` (plain or with SciPy-OpenBLAS's ``scipy_...64_`` naming), or None."""
    lib = openblas()
    if lib is None:
        return None
    for symbol in (name, f"scipy_{name}64_", f"{name}64_"):
        fn = getattr(lib, symbol, None)
        if fn is not None:
            return fn
    return None


_SET = _blas_function("openblas_set_num_threads")
_GET = _blas_function("openblas_get_num_threads")
if _SET is not None:
    _SET.argtypes = [ctypes.c_int]
    _SET.restype = None
if _GET is not None:
    _GET.argtypes = []
    _GET.restype = ctypes.c_int

_STATE = {"threads": int(_GET()) if _GET is not None else (os.cpu_count() or 1)}


def set_num_threads(num: int) -> None:
    """Use ``num`` threads for matrix products (NumPy's OpenBLAS) and allow nn's kernels two threads only when
    ``num >= 2``.

    Example:
        >>> old = get_num_threads()
        >>> set_num_threads(1)
        >>> get_num_threads()
        1
        >>> set_num_threads(old)
    """
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    if _SET is not None:
        _SET(num)
    _STATE["threads"] = num


def get_num_threads() -> int:
    """The number of threads set by :func:`set_num_threads` (at import: OpenBLAS's own, usually the core count).

    Example:
        >>> get_num_threads() >= 1
        True
    """
    return _STATE["threads"]
