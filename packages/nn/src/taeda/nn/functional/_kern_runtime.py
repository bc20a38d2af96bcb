"""Runtime helpers for nn's array kernels: a scratch-buffer pool and a two-thread batch split.

Scratch buffers (padded inputs, column matrices) are taken from a small pool and given back after use, so a training
loop reuses the same memory every step instead of faulting fresh pages in (see docs on performance). Only NumPy
arrays are pooled; CuPy has its own memory pool.

The batch split runs a kernel on two half-batches, one in a worker thread and one in the caller, with OpenBLAS held
at one thread in both (through OpenBLAS's thread-local setting, so other threads of the process are not affected).
NumPy releases the GIL in copies, elementwise ops and matmul, so both cores work on the memory passes. Calls too
small to split run on the calling thread with OpenBLAS held at one thread as well (a two-thread OpenBLAS call on
such small GEMMs costs more than it saves, and on a busy machine it can wait a whole scheduler slice). It is on by
default on machines with at least two CPUs and can be turned off with the environment variable
``TAEDA_NN_THREADS=0`` or :func:`set_kernel_threads`; then kernels run on the calling thread and leave OpenBLAS's
thread count alone. When NumPy's BLAS offers no thread-local setting (not the OpenBLAS of NumPy's wheels), the
kernels also run on the calling thread only. No process-wide BLAS setting is changed (taeda.tensor's glibc
allocator tuning, with its own switch, is the one process-wide setting).
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from taeda.tensor import get_num_threads

Array = Any

_POOL: dict[tuple[tuple[int, ...], str], list[np.ndarray[Any, Any]]] = {}
_POOL_BYTES = [0]
_POOL_LIMIT = 512 * 1024 * 1024
_PER_KEY = 16
_LOCK = threading.Lock()


def take(xp: Any, shape: tuple[int, ...], dtype: Any) -> Array:
    """An uninitialised scratch array of ``shape``/``dtype`` (from the pool when one is free)."""
    if xp is not np:
        return xp.empty(shape, dtype)
    key = (shape, np.dtype(dtype).str)
    with _LOCK:
        free = _POOL.get(key)
        if free:
            arr = free.pop()
            _POOL_BYTES[0] -= arr.nbytes
            return arr
    return np.empty(shape, dtype)


def give(arr: Array | None) -> None:
    """Return a scratch array taken with :func:`take`; the caller must not use it afterwards."""
    if type(arr) is not np.ndarray or not arr.flags.c_contiguous or arr.base is not None:
        return
    key = (arr.shape, arr.dtype.str)
    with _LOCK:
        free = _POOL.setdefault(key, [])
        if len(free) >= _PER_KEY:
            return
        if _POOL_BYTES[0] + arr.nbytes > _POOL_LIMIT:
            _POOL.clear()
            _POOL_BYTES[0] = 0
            free = _POOL.setdefault(key, [])
        free.append(arr)
        _POOL_BYTES[0] += arr.nbytes


def clear_buffer_pool() -> None:
    """Drop every pooled scratch buffer (frees their memory)."""
    with _LOCK:
        _POOL.clear()
        _POOL_BYTES[0] = 0


def _find_openblas_local() -> Callable[[int], int] | None:
    try:
        libdir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
        for path in glob.glob(os.path.join(libdir, "*openblas*")):
            fn = ctypes.CDLL(path).openblas_set_num_threads_local
            fn.argtypes = [ctypes.c_int]
            fn.restype = ctypes.c_int
            return fn
    except (OSError, AttributeError):
        return None
    return None


_BLAS_LOCAL = _find_openblas_local()
_STATE: dict[str, Any] = {
    "enabled": os.environ.get("TAEDA_NN_THREADS", "1") != "0" and (os.cpu_count() or 1) >= 2,
    "executor": None,
}
_MIN_WORK = 1 << 21


def _forget_executor_after_fork() -> None:
    # a forked child has no worker thread: make it start its own on first use
    _STATE["executor"] = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_executor_after_fork)


def set_kernel_threads(enabled: bool) -> bool:
    """Turn the two-thread batch split of nn's kernels on or off; returns the previous setting.

    Example:
        >>> old = set_kernel_threads(False)
        >>> _ = set_kernel_threads(old)
    """
    old = bool(_STATE["enabled"])
    _STATE["enabled"] = bool(enabled) and (os.cpu_count() or 1) >= 2
    return old


def _executor() -> ThreadPoolExecutor:
    ex = _STATE["executor"]
    if ex is None:
        init = (lambda: _BLAS_LOCAL(1)) if _BLAS_LOCAL is not None else None
        ex = ThreadPoolExecutor(1, thread_name_prefix="taeda-nn-kernel", initializer=init)
        _STATE["executor"] = ex
    return ex  # type: ignore[no-any-return]


def split_batch(fn: Callable[[int, int, int], None], n: int, xp: Any, work: int) -> int:
    """Run ``fn(start, stop, part)`` over ``range(n)``: in two halves on two threads when worthwhile, else once.

    Returns the number of parts used (1 or 2); ``part`` numbers them so a kernel can keep per-part accumulators.
    """
    if not (_STATE["enabled"] and xp is np and _BLAS_LOCAL is not None) or get_num_threads() < 2:
        fn(0, n, 0)
        return 1
    old = _BLAS_LOCAL(1)
    try:
        if n < 2 or work < _MIN_WORK or threading.current_thread().name.startswith("taeda-nn-kernel"):
            # small work: one thread, with OpenBLAS held at one thread too (its hand-off costs more than a small
            # layer's GEMMs, and on a busy machine a two-thread call can wait a whole scheduler slice)
            fn(0, n, 0)
            return 1
        fut: Future[None] = _executor().submit(fn, 0, n // 2, 0)
        try:
            fn(n // 2, n, 1)
        finally:
            fut.result()
        return 2
    finally:
        _BLAS_LOCAL(old)
