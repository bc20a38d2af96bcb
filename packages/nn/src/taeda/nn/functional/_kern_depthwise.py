"""Depthwise convolutions (``groups == in_channels == out_channels``: MobileNet's, ConvNeXt's) on NumPy arrays.

NOTE: through grouped im2col every channel is its own (1 x K) @ (K x P) product: N·C tiny GEMMs per call, and a 3x3
on (64, 64, 32, 32) took 162 ms forward and backward (PyTorch: 29 ms). Here each kernel offset is one
multiply-add of a shifted view of the zero-padded input with that offset's per-channel weight, over blocks of
samples on two threads (``split_batch``).

NOTE: with stride 1 the output is computed on the padded input's own grid ("wide" rows of the padded width, whose
last columns are discarded): each offset's view is then one contiguous run per (sample, channel) plane, so NumPy's
inner loops span a plane instead of one output row (a row of 32 values costs about as much loop overhead as it
does arithmetic). Strided convolutions use strided views of the exact output grid.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from taeda.nn.functional._kern_conv import ConvGeom
from taeda.nn.functional._kern_runtime import split_batch

__all__ = ["depthwise_backward", "depthwise_forward", "depthwise_supported"]

Array = Any
_BLOCK_ELEMS = 1 << 17  # padded input elements per block of samples


def depthwise_supported(g: ConvGeom, x: Array) -> bool:
    """Whether ``g`` is a depthwise convolution (one input and one output channel per group, more than one group)
    of float NumPy data, which this module computes.

    Example:
        >>> import numpy as np
        >>> g = ConvGeom((2, 4, 8, 8), (4, 1, 3, 3), (1, 1), (1, 1), (1, 1), (1, 1), 4)
        >>> depthwise_supported(g, np.zeros((2, 4, 8, 8), np.float32))
        True
    """
    return type(x) is np.ndarray and x.dtype.kind == "f" and g.groups == g.c == g.o and g.c > 1 and 0 not in g.out


class _Plan:
    """Offsets and buffer shapes of one geometry (shared by forward and backward)."""

    def __init__(self, g: ConvGeom) -> None:
        self.g = g
        self.wide = all(s == 1 for s in g.stride)
        strides = [math.prod(g.padded[i + 1 :]) for i in range(len(g.padded))]  # of the padded plane
        self.offsets = list(itertools.product(*(range(k) for k in g.kernel)))
        self.flat_offsets = [sum(k * dl * st for k, dl, st in zip(off, g.dil, strides)) for off in self.offsets]
        # the wide grid: output rows of the padded width (stride 1), flattened
        self.wide_len = g.out[0] * strides[0]
        slack = sum((k - 1) * dl * st for k, dl, st in zip(g.kernel[1:], g.dil[1:], strides[1:]))
        self.plane = math.prod(g.padded) + slack  # padded plane plus the slack the last offset's view runs into
        self.block = max(1, _BLOCK_ELEMS // max(g.c * self.plane, 1))

    def pad(self, x: Array) -> Array:
        """(n, C, plane) zero-padded copy of ``x`` (n, C, *spatial), flattened per plane (plus the slack)."""
        g = self.g
        n = x.shape[0]
        buf = np.zeros((n, g.c, self.plane), x.dtype)
        inner = buf[:, :, : math.prod(g.padded)].reshape(n, g.c, *g.padded)
        inner[(slice(None), slice(None), *(slice(lo, lo + s) for lo, s in zip(g.pad_lo, g.spatial)))] = x
        return buf

    def view(self, buf: Array, i: int) -> Array:
        """Offset ``i``'s input values for every output position: (n, C, wide_len) when wide, else (n, C, *out)."""
        g = self.g
        if self.wide:
            o = self.flat_offsets[i]
            return buf[:, :, o : o + self.wide_len]
        grid = buf[:, :, : math.prod(g.padded)].reshape(buf.shape[0], g.c, *g.padded)
        sl = (
            slice(k * dl, k * dl + st * (o - 1) + 1, st)
            for k, dl, st, o in zip(self.offsets[i], g.dil, g.stride, g.out)
        )
        return grid[(slice(None), slice(None), *sl)]

    def crop(self, acc: Array) -> Array:
        """The output grid (n, C, *out) of an accumulator (a view of the wide grid when wide)."""
        g = self.g
        if not self.wide:
            return acc
        grid = acc.reshape(acc.shape[0], g.c, g.out[0], *g.padded[1:])
        return grid[(slice(None), slice(None), slice(None), *(slice(0, o) for o in g.out[1:]))]

    def widen(self, gy: Array) -> Array:
        """``gy`` (n, C, *out) on the accumulator's grid, zero in the discarded columns (wide) or as it is."""
        if not self.wide:
            return gy
        g = self.g
        out = np.zeros((gy.shape[0], g.c, self.wide_len), gy.dtype)
        self.crop(out)[...] = gy
        return out


def _per_channel(v: Array, like: Array) -> Array:
    return v.reshape(v.shape[0], *([1] * (like.ndim - 2)))


def depthwise_forward(x: Array, w: Array, b: Array | None, g: ConvGeom) -> Array:
    """``y (N, C, *out)`` of a depthwise cross-correlation of ``x (N, C, *S)`` with ``w (C, 1, *K)``.

    Example:
        >>> import numpy as np
        >>> g = ConvGeom((1, 2, 3), (2, 1, 2), (1,), (0,), (0,), (1,), 2)
        >>> x = np.array([[[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]])
        >>> depthwise_forward(x, np.array([[[1.0, 1.0]], [[2.0, -1.0]]]), None, g).tolist()
        [[[3.0, 5.0], [1.0, 1.0]]]
    """
    plan = _Plan(g)
    wk = w.reshape(g.c, -1)
    y = np.empty((g.n, g.c, *g.out), x.dtype)

    def part(start: int, stop: int, _: int) -> None:
        for s in range(start, stop, plan.block):
            e = min(s + plan.block, stop)
            buf = plan.pad(x[s:e])
            acc = np.empty(plan.view(buf, 0).shape, x.dtype)
            tmp = np.empty_like(acc)
            for i in range(len(plan.offsets)):
                v = plan.view(buf, i)
                np.multiply(v, _per_channel(wk[:, i], v), out=tmp if i else acc)
                if i:
                    acc += tmp
            out = plan.crop(acc)
            if b is None:
                y[s:e] = out
            else:
                np.add(out, _per_channel(b, out), out=y[s:e])

    split_batch(part, g.n, np, x.size * len(plan.offsets))
    return y


def depthwise_backward(
    gy: Array, x: Array | None, w: Array | None, g: ConvGeom, need_x: bool, need_w: bool, need_b: bool
) -> tuple[Array | None, Array | None, Array | None]:
    """``(dx, dw, db)`` of :func:`depthwise_forward` (None where not needed; ``x`` is needed for ``dw``, ``w``
    for ``dx``).

    Example:
        >>> import numpy as np
        >>> g = ConvGeom((1, 2, 3), (2, 1, 2), (1,), (0,), (0,), (1,), 2)
        >>> x = np.array([[[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]])
        >>> dx, dw, db = depthwise_backward(np.ones((1, 2, 2)), x, np.ones((2, 1, 2)), g, True, True, True)
        >>> dx.tolist(), dw.reshape(2, 2).tolist(), db.tolist()
        ([[[1.0, 2.0, 1.0], [1.0, 2.0, 1.0]]], [[3.0, 5.0], [2.0, 2.0]], [2.0, 2.0])
    """
    plan = _Plan(g)
    nk = len(plan.offsets)
    wk = None if w is None else w.reshape(g.c, nk)
    dx = np.empty((g.n, g.c, *g.spatial), gy.dtype) if need_x else None
    dws = np.zeros((2, g.c, nk), np.float64) if need_w else None
    inner = (slice(None), slice(None), *(slice(lo, lo + s) for lo, s in zip(g.pad_lo, g.spatial)))
    dims = "p" if plan.wide else "defg"[: len(g.out)]
    spec = f"nc{dims},nc{dims}->c"

    def part(start: int, stop: int, part_no: int) -> None:
        for s in range(start, stop, plan.block):
            e = min(s + plan.block, stop)
            gw = plan.widen(gy[s:e])
            buf = plan.pad(x[s:e]) if need_w and x is not None else None
            dbuf = np.zeros((e - s, g.c, plan.plane), gy.dtype) if need_x else None
            tmp = np.empty(gw.shape, gy.dtype) if need_x else None
            for i in range(nk):
                if buf is not None and dws is not None:
                    v = plan.view(buf, i)
                    dws[part_no, :, i] += np.einsum(spec, gw, v)
                if dbuf is not None and wk is not None and tmp is not None:
                    dv = plan.view(dbuf, i)
                    np.multiply(gw, _per_channel(wk[:, i], gw), out=tmp)
                    dv += tmp
            if dx is not None and dbuf is not None:
                grid = dbuf[:, :, : math.prod(g.padded)].reshape(e - s, g.c, *g.padded)
                dx[s:e] = grid[inner]

    if need_x or need_w:
        split_batch(part, g.n, np, gy.size * nk * (int(need_x) + int(need_w)))
    dw = None if dws is None else dws.sum(0).astype(gy.dtype).reshape(g.c, 1, *g.kernel)
    db = gy.sum(axis=(0, *range(2, gy.ndim))) if need_b else None
    return dx, dw, db
