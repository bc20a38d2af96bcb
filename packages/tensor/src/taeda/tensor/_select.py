"""``select(c, x, y)``: ``xp.where(c, x, y)`` without a branch per element on NumPy data (private).

NOTE: NumPy's ``where`` picks each element behind a branch. On a data-dependent mask (a ReLU-like ``a > 0``) the
branch is mispredicted about half of the time, and ``where`` runs at about 4.5 ns per element: 300K float32
elements take 1.1-1.4 ms, 30x a copy. The same choice as bit operations on unsigned views of ``x`` and ``y``,
``y ^ ((x ^ y) & -c)``, runs in five branch-free passes and is exact for every dtype of 1, 2, 4 or 8 bytes (NaN
payloads, signed zeros and infinities are bits like any other): 0.14 ms for those 300K elements, 4-8x faster from
about 2K elements on. A mask that is (almost) all True or all False predicts well; it keeps NumPy's ``where``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["select"]

_MIN_SIZE = 2048  # below this, the five passes cost more than the mispredictions they avoid (measured)
_BLOCK_BYTES = 1 << 19  # a block's mask: 512 KB, in L2 with the block's slice of out (measured best of 32K-1M)
_BLOCK = _BLOCK_BYTES // 8  # arrays from twice this size (in elements) go block by block
_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def select(xp: Any, c: Any, x: Any, y: Any, dtype: Any = None) -> Any:
    """``xp.where(c, x, y)`` for a bool array ``c`` and arrays (or scalars) ``x`` and ``y`` of one dtype.

    ``dtype``, when given, is the result dtype: a Python number for ``x`` or ``y`` is then taken in it (for a
    floating or complex ``dtype``, where that is exact enough to match ``where`` followed by ``astype``). The result
    is a new array of the broadcast shape.

    Example:
        >>> select(np, np.array([True, False]), np.array([1.0, 2.0]), np.array(0.0)).tolist()
        [1.0, 0.0]
    """
    if xp is not np or c.size < _MIN_SIZE:
        return xp.where(c, x, y)
    if dtype is not None and np.dtype(dtype).kind in "fc":
        x, y = _number_as(x, dtype), _number_as(y, dtype)
    xa, ya = np.asarray(x), np.asarray(y)
    u = _UINT.get(xa.dtype.itemsize)
    if u is None or ya.dtype != xa.dtype or xa.dtype.kind not in "biufc" or xa.dtype.hasobject:
        return np.where(c, xa, ya)
    picked = np.count_nonzero(c)
    if picked * 64 < c.size or (c.size - picked) * 64 < c.size:
        return np.where(c, xa, ya)  # an (almost) uniform mask: the branch predicts well
    shape = np.broadcast_shapes(c.shape, xa.shape, ya.shape)
    xi, yi = xa.view(u), ya.view(u)
    out = np.empty(shape, u)
    if out.size >= 2 * _BLOCK and _flat_ok(c, shape) and _flat_ok(xa, shape) and _flat_ok(ya, shape):
        # NOTE: in L2-sized blocks the mask is one small reused buffer and the five passes stay in cache: 4M float32
        # elements take 4.5 ms instead of 10 (the whole-array mask is 16 MB of fresh pages)
        _select_blocks(c.reshape(-1), _flat(xi), _flat(yi), out.reshape(-1))
    else:
        _select_into(out, c.astype(u), xi, yi)
    return out.view(xa.dtype)


def _select_into(out: Any, mask: Any, xi: Any, yi: Any) -> None:
    """``out = yi ^ ((xi ^ yi) & -mask)``; ``mask`` (0 or 1 in ``out``'s dtype) is overwritten."""
    np.negative(mask, out=mask)  # True -> all bits set, False -> 0
    np.bitwise_xor(xi, yi, out=out)
    np.bitwise_and(out, mask, out=out)
    np.bitwise_xor(out, yi, out=out)


def _select_blocks(c: Any, xi: Any, yi: Any, out: Any) -> None:
    """``_select_into`` over flat operands, one block at a time (``xi``/``yi`` may be 0-d)."""
    n = out.size
    block = _BLOCK_BYTES // out.itemsize
    mask = np.empty(block, out.dtype)
    for s in range(0, n, block):
        e = min(s + block, n)
        m = mask[: e - s]
        np.copyto(m, c[s:e], casting="unsafe")
        _select_into(out[s:e], m, xi if xi.ndim == 0 else xi[s:e], yi if yi.ndim == 0 else yi[s:e])


def _flat_ok(a: Any, shape: tuple[int, ...]) -> bool:
    return bool(a.ndim == 0 or (a.shape == shape and a.flags.c_contiguous))


def _flat(a: Any) -> Any:
    return a if a.ndim == 0 else a.reshape(-1)


def _number_as(v: Any, dtype: Any) -> Any:
    """A Python number as a 0-d array of ``dtype`` (anything else unchanged)."""
    if type(v) in (float, int, bool):
        try:
            return np.asarray(v, dtype=dtype)
        except OverflowError:
            return v
    return v
