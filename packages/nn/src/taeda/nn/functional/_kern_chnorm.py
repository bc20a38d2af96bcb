"""Batch norm's array kernels in training mode: an (N, C, P) array normalised per channel over its N·P values.

NOTE: as whole-array NumPy passes, the forward made six trips through memory and kept an input-sized x̂ for the
backward, all on one core. Here the samples go in blocks of about 128K elements on two threads (``split_batch``):
the forward reads the input twice (the mean, then the centred second moment, as a two-pass variance) and writes y
once; it keeps only the per-channel mean and rstd, as PyTorch does. The backward reads the input and the gradient
twice (the sums of g and g·(x - mean), then dx) and recomputes x - mean in cache. Per-block channel sums are
accumulated in float64, so long reductions do not drift in float32 (the mean's, the one sum of large values, from
float32 row sums of P values).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from taeda.nn.functional._kern_runtime import split_batch

__all__ = ["chnorm_affine", "chnorm_backward", "chnorm_forward"]

Array = Any
_BLOCK_ELEMS = 1 << 17  # elements per block of samples (as the row kernels of layer norm)


def _per_channel(v: Array, x: Array) -> Array:
    """``v`` (C,) as a C-contiguous (C, P) array for ``x`` (N, C, P).

    NOTE: against a (C, 1) operand NumPy runs one inner loop of P values per (sample, channel) row: 0.30 ms per
    pass over (64, 64, 256) float32. Against a (C, P) one the inner loop spans a whole sample: 0.14 ms.
    """
    return np.ascontiguousarray(np.broadcast_to(v.astype(x.dtype, copy=False)[:, None], x.shape[1:]))


def _samples_per_block(x: Array) -> int:
    return max(1, _BLOCK_ELEMS // max(int(x.shape[1] * x.shape[2]), 1))


def _reduce(x: Array, block_sums: Callable[[int, int], Array], width: int) -> Array:
    """Float64 totals of ``block_sums(start, stop)`` (``width`` values) over blocks of samples, on two threads."""
    n = x.shape[0]
    step = _samples_per_block(x)
    acc = np.zeros((2, width), np.float64)

    def part(start: int, stop: int, part_no: int) -> None:
        for s in range(start, stop, step):
            acc[part_no] += block_sums(s, min(s + step, stop))

    split_batch(part, n, np, 4 * x.size)
    total: Array = acc.sum(0)
    return total


def chnorm_forward(x: Array, w: Array | None, b: Array | None, eps: float) -> tuple[Array, Array, Array, Array]:
    """``(y, mean, var, rstd)`` for a C-contiguous (N, C, P) float ``x``: ``y = (x - mean)·rstd·w + b`` with the
    biased batch variance; ``mean``, ``var`` and ``rstd`` are (C,) arrays in ``x``'s dtype.

    Example:
        >>> import numpy as np
        >>> y, mean, var, rstd = chnorm_forward(np.array([[[1.0, 3.0]], [[5.0, 7.0]]]), None, None, 0.0)
        >>> y.reshape(-1).tolist(), mean.tolist(), var.tolist()
        ([-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738], [4.0], [5.0])
    """
    n, c, p = x.shape
    count = n * p
    dt = x.dtype
    # NOTE: one float32 einsum over a whole block drifts by 2 ulp of a mean of 1000 over 16K values (a shift of
    # 0.013 in y for a spread of 0.01). Row sums of P values, then float64 over the rows: half an ulp, at 17 us per
    # 128K block (einsum's own float64 accumulation: 35 us)
    mean = (_reduce(x, lambda s, e: np.einsum("ncp->nc", x[s:e]).sum(0, dtype=np.float64), c) / count).astype(dt)
    m3 = _per_channel(mean, x)

    def centred_squares(s: int, e: int) -> Array:
        d = x[s:e] - m3
        return np.einsum("ncp,ncp->c", d, d)

    var = (_reduce(x, centred_squares, c) / count).astype(dt)
    rstd = (1.0 / np.sqrt(var.astype(np.float64) + eps)).astype(dt)
    return chnorm_affine(x, mean, rstd, w, b), mean, var, rstd


def chnorm_affine(x: Array, mean: Array, rstd: Array, w: Array | None, b: Array | None) -> Array:
    """``y = (x - mean)·rstd·w + b`` per channel of a C-contiguous (N, C, P) ``x`` (batch norm's output from given
    statistics: the batch's, or the running ones in evaluation mode).

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0, 3.0]]])
        >>> chnorm_affine(x, np.array([2.0]), np.array([0.5]), np.array([2.0]), np.array([1.0])).tolist()
        [[[0.0, 2.0]]]
    """
    m3 = _per_channel(mean, x)
    scale = _per_channel(rstd if w is None else rstd * w, x)
    shift = None if b is None else _per_channel(b, x)
    y = np.empty_like(x)
    step = _samples_per_block(x)

    def part(start: int, stop: int, _: int) -> None:
        for s in range(start, stop, step):
            yb = y[s : min(s + step, stop)]
            np.subtract(x[s : s + yb.shape[0]], m3, out=yb)
            yb *= scale
            if shift is not None:
                yb += shift

    split_batch(part, x.shape[0], np, 4 * x.size)
    return y


def chnorm_backward(
    g: Array,
    x: Array,
    mean: Array,
    rstd: Array,
    w: Array | None,
    needs: tuple[bool, bool, bool],
    fixed: bool = False,
) -> tuple[Array | None, Array | None, Array | None]:
    """``(dx, dw, db)`` of :func:`chnorm_forward` (None where ``needs`` is false; ``dw`` also when ``w`` is None)
    for C-contiguous (N, C, P) ``g`` and ``x``: with S1 = Σg and S2 = Σg·x̂ per channel over M = N·P values,
    ``dx = w·rstd·(g - S1/M - x̂·S2/M)``, ``dw = S2``, ``db = S1``. With ``fixed`` the statistics were constants
    (:func:`chnorm_affine` from running statistics): ``dx = w·rstd·g``.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0, 3.0]], [[5.0, 7.0]]])
        >>> _, mean, _, rstd = chnorm_forward(x, None, None, 0.0)
        >>> dx, dw, db = chnorm_backward(np.ones_like(x), x, mean, rstd, None, (True, True, True))
        >>> dx.reshape(-1).tolist(), dw.tolist(), db.tolist()
        ([0.0, 0.0, 0.0, 0.0], [0.0], [4.0])
    """
    need_x, need_w, need_b = needs
    n, c, p = x.shape
    count = n * p
    dt = x.dtype
    m3 = _per_channel(mean, x)

    def sums(s: int, e: int) -> Array:
        d = x[s:e] - m3
        gb = g[s:e]
        return np.concatenate([np.einsum("ncp->c", gb), np.einsum("ncp,ncp->c", gb, d)])

    s1 = s2 = np.zeros(c)
    if need_w or need_b or (need_x and not fixed):
        both = _reduce(x, sums, 2 * c)
        s1 = both[:c]
        s2 = both[c:] * rstd.astype(np.float64)  # Σ g·x̂
    dw = s2.astype(dt) if need_w else None
    db = s1.astype(dt) if need_b else None
    if not need_x:
        return None, dw, db
    k = rstd.astype(np.float64) * (1.0 if w is None else w.astype(np.float64))
    k3 = _per_channel(k, x)
    c2 = None if fixed else _per_channel(k * rstd.astype(np.float64) * s2 / count, x)
    c3 = None if fixed else _per_channel(k * s1 / count, x)
    dx = np.empty_like(x)
    step = _samples_per_block(x)

    def part(start: int, stop: int, _: int) -> None:
        for s in range(start, stop, step):
            e = min(s + step, stop)
            out = dx[s:e]
            np.multiply(g[s:e], k3, out=out)
            if c2 is not None and c3 is not None:
                t = x[s:e] - m3
                t *= c2
                out -= t
                out -= c3

    split_batch(part, n, np, 4 * x.size)
    return dx, dw, db
