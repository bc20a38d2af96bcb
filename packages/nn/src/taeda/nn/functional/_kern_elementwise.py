"""Elementwise array formulas over large arrays, evaluated block by block on two threads.

NOTE: an activation written as a chain of NumPy expressions (``a * sigmoid(a)``, GELU's ``x Φ(x)``, their
derivatives) makes one fresh input-sized temporary per step. From a few MB on, each is freshly mapped memory: on
this kind of VM about 5 ms of page faults per 16 MB, several times the arithmetic. Evaluated on blocks of 64K
elements the temporaries are small, reused by the allocator and stay in L2; only the result is input-sized. The
blocks are shared between the caller and the kernel worker thread (``split_batch``), as NumPy's ufuncs release
the GIL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from taeda.nn.functional._kern_runtime import split_batch

__all__ = ["blocked"]

Array = Any
BLOCK = 1 << 16  # elements per block: 256 KB of float32 per operand (measured: 16K-256K within 10%)


def blocked(
    fn: Callable[..., Array],
    xp: Any,
    arrays: tuple[Array | None, ...],
    params: tuple[Any, ...],
    rows: bool = False,
    samples: bool = False,
) -> Array:
    """``fn(xp, *arrays, *params)`` for an elementwise ``fn`` of same-shaped arrays (entries may be None).

    With ``rows=True``, ``fn`` may also reduce along the last axis (a softmax): the blocks are then whole rows of
    the last axis, each row in one block. With ``samples=True`` it may reduce along any axis but the first (a
    softmax over a segmentation map's classes): the blocks are then whole samples in their own shape (one sample
    per block when a sample is larger than a block). Large C-contiguous NumPy operands go block by block (see the
    module note); anything else is one call. The result has the operands' shape.

    Example:
        >>> import numpy as np
        >>> blocked(lambda xp, a, b, k: a * b + k, np, (np.ones(3), np.full(3, 2.0)), (1.0,)).tolist()
        [3.0, 3.0, 3.0]
    """
    ref = next(a for a in arrays if a is not None)
    n = ref.size
    if samples:
        width = n // ref.shape[0] if ref.ndim > 1 and ref.shape[0] > 1 else n
    else:
        width = ref.shape[-1] if rows and ref.ndim else 1
    if (
        xp is not np
        or n < 4 * BLOCK
        or (width > BLOCK and not samples)
        or width == n
        or not all(a is None or (a.shape == ref.shape and a.flags.c_contiguous) for a in arrays)
    ):
        return fn(xp, *arrays, *params)
    units = n // width  # samples, rows or elements
    shape2 = tuple(ref.shape) if samples else (units, width) if rows else (units,)
    flats = [None if a is None else a.reshape(shape2) for a in arrays]
    nblocks = -(-units // max(1, BLOCK // width))
    size = -(-units // nblocks)  # equal blocks (no small ragged tail: size-dependent paths inside fn agree)

    def block(k: int) -> Array:
        s, e = k * size, min((k + 1) * size, units)
        return fn(xp, *[None if f is None else f[s:e] for f in flats], *params)

    first = block(0)
    out = np.empty(ref.shape, first.dtype)
    flat_out = out.reshape(shape2)
    flat_out[:size] = first

    def part(start: int, stop: int, _: int) -> None:
        for k in range(start + 1, stop + 1):
            flat_out[k * size : min((k + 1) * size, units)] = block(k)

    split_batch(part, nblocks - 1, xp, 8 * n)
    return out
