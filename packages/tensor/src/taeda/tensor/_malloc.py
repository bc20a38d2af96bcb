"""glibc allocator tuning for large arrays: process-wide, on by default, off with ``TAEDA_MALLOC_TUNING=0``.

NOTE: glibc's malloc serves buffers above its mmap threshold (128 KB at first, raised as such buffers are freed, to
at most 32 MB) and hands freed memory at the top of its heap back to the OS once more than its trim threshold
(twice the mmap threshold) is free there. A training step on multi-MB tensors frees and allocates a handful of them
per op, so glibc keeps returning the memory and faulting it back in: 1,200-2,500 minor faults per call of a layer
norm or an activation's forward and backward on a (64, 128, 512) float32 tensor, at 1.5-2.5 us each on the
machines this was measured on. With the mmap threshold fixed at 32 MB and the trim threshold at 256 MB the same
memory is reused instead: 0 faults, and those calls ran 25-45% faster (LayerNorm 17.3 -> 12.9 ms, SiLU 21.5 ->
16.0 ms, ELU 30.0 -> 17.0 ms).

The cost: up to 256 MB of freed memory may stay with the process instead of going back to the OS, and buffers of
32 MB and more always come from (and go back to) the OS. This changes a setting of the whole process, which is why
it can be turned off: set ``TAEDA_MALLOC_TUNING=0`` in the environment before taeda is imported. It applies only
where glibc's ``mallopt`` exists (Linux with glibc); elsewhere nothing is changed. ``ALLOCATOR_TUNED`` says whether
it was applied.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["ALLOCATOR_TUNED"]

_M_TRIM_THRESHOLD = -1  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's own upper bound for the (dynamic) mmap threshold on 64-bit systems
TRIM_THRESHOLD = 256 << 20


def _tune() -> bool:
    if os.environ.get("TAEDA_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 (glibc only: musl also has mallopt, with other semantics)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)


ALLOCATOR_TUNED = _tune()
