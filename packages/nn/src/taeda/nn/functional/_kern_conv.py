"""Convolution kernels on raw arrays (NumPy or CuPy), any number of spatial dimensions.

Layout: the input is copied once into a zero-bordered channels-last buffer ``(N, *padded, C)``; the windows are
copied from a strided view into a column buffer ``(N, *out, groups, *kernel, C/groups)`` (runs of ``C/groups``
contiguous values), and one batched GEMM per call writes the output directly in ``(N, O, *out)`` order (with one
group and channels-last columns: one ``(N*P, K*C) @ (K*C, O)`` GEMM and a transposing copy instead). The
backward pass reuses the column buffer for the weight gradient and computes the input gradient as one GEMM per
kernel offset followed by a contiguous-block add into a padded channels-last buffer. Scratch buffers come from a
pool and large calls run on two half-batches in two threads (see ``_kern_runtime``).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from taeda.nn.functional._kern_runtime import give, split_batch, take

Array = Any
Ints = tuple[int, ...]


def out_size(size: int, k: int, stride: int, pad_lo: int, pad_hi: int, dil: int) -> int:
    return (size + pad_lo + pad_hi - dil * (k - 1) - 1) // stride + 1


def _xp(a: Array) -> Any:
    import numpy as np

    mod = type(a).__module__
    if mod.startswith("cupy"):
        from taeda.tensor import get_array_module

        return get_array_module(a)
    return np


def _as_strided(xp: Any, a: Array, shape: Ints, strides: Ints) -> Array:
    return xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


def _fill_padded(xp: Any, dst: Array, src: Array, pad_lo: Ints, spatial: Ints) -> None:
    """``dst (n, *padded, C)`` := zero border + ``src (n, C, *spatial)`` moved to channels-last inside."""
    d = len(spatial)
    inner = (slice(None), *(slice(lo, lo + s) for lo, s in zip(pad_lo, spatial)))
    xp.copyto(dst[inner], xp.moveaxis(src, 1, -1))
    for i in range(d):
        lo, s = pad_lo[i], spatial[i]
        pre = (slice(None),) * (i + 1)
        if lo > 0:
            dst[(*pre, slice(0, lo))] = 0
        if dst.shape[i + 1] > lo + s:
            dst[(*pre, slice(lo + s, None))] = 0


def _windows(xp: Any, xpad: Array, out: Ints, kernel: Ints, groups: int, stride: Ints, dil: Ints) -> Array:
    """Strided view ``(n, *out, groups, *kernel, C/groups)`` of a padded channels-last buffer."""
    n, c = xpad.shape[0], xpad.shape[-1]
    st = xpad.strides
    sp = st[1:-1]
    shape = (n, *out, groups, *kernel, c // groups)
    strides = (
        st[0],
        *(s * k for s, k in zip(sp, stride)),
        st[-1] * (c // groups),
        *(s * k for s, k in zip(sp, dil)),
        st[-1],
    )
    return _as_strided(xp, xpad, shape, strides)


class ConvGeom:
    """Sizes of one convolution call."""

    __slots__ = (
        "c",
        "channels_last",
        "dil",
        "groups",
        "kernel",
        "n",
        "o",
        "out",
        "pad_hi",
        "pad_lo",
        "padded",
        "spatial",
        "stride",
    )

    def __init__(
        self, x_shape: Ints, w_shape: Ints, stride: Ints, pad_lo: Ints, pad_hi: Ints, dil: Ints, groups: int
    ) -> None:
        self.n, self.c = x_shape[0], x_shape[1]
        self.spatial = tuple(x_shape[2:])
        self.o = w_shape[0]
        self.kernel = tuple(w_shape[2:])
        self.stride, self.pad_lo, self.pad_hi, self.dil, self.groups = stride, pad_lo, pad_hi, dil, groups
        self.padded = tuple(s + lo + hi for s, lo, hi in zip(self.spatial, pad_lo, pad_hi))
        self.out = tuple(
            out_size(s, k, st, lo, hi, dl)
            for s, k, st, lo, hi, dl in zip(self.spatial, self.kernel, stride, pad_lo, pad_hi, dil)
        )

        # channels-last columns copy runs of kernel_w * C values, channels-first ones runs of out_w values
        self.channels_last = groups > 1 or self.kernel[-1] * self.c >= self.out[-1] * (2 if stride[-1] == 1 else 8)

    @property
    def cols_shape(self) -> Ints:
        if self.channels_last:
            return (self.n, *self.out, self.groups, *self.kernel, self.c // self.groups)
        return (self.n, self.c, *self.kernel, *self.out)

    @property
    def xpad_shape(self) -> Ints:
        return (self.n, *self.padded, self.c) if self.channels_last else (self.n, self.c, *self.padded)


def _fill_padded_cf(xp: Any, dst: Array, src: Array, pad_lo: Ints, spatial: Ints) -> None:
    """``dst (n, C, *padded)`` := zero border + ``src (n, C, *spatial)`` inside."""
    inner = (slice(None), slice(None), *(slice(lo, lo + s) for lo, s in zip(pad_lo, spatial)))
    xp.copyto(dst[inner], src)
    for i, (lo, s) in enumerate(zip(pad_lo, spatial)):
        pre = (slice(None),) * (i + 2)
        if lo > 0:
            dst[(*pre, slice(0, lo))] = 0
        if dst.shape[i + 2] > lo + s:
            dst[(*pre, slice(lo + s, None))] = 0


def _windows_cf(xp: Any, xpad: Array, g: ConvGeom) -> Array:
    """Strided view ``(n, C, *kernel, *out)`` of a padded channels-first buffer."""
    st = xpad.strides
    sp = st[2:]
    shape = (xpad.shape[0], g.c, *g.kernel, *g.out)
    strides = (st[0], st[1], *(s * k for s, k in zip(sp, g.dil)), *(s * k for s, k in zip(sp, g.stride)))
    return _as_strided(xp, xpad, shape, strides)


def _im2col(xp: Any, x: Array, g: ConvGeom, cols: Array, xpad: Array, a: int, z: int) -> None:
    if g.channels_last:
        _fill_padded(xp, xpad[a:z], x[a:z], g.pad_lo, g.spatial)
        xp.copyto(cols[a:z], _windows(xp, xpad[a:z], g.out, g.kernel, g.groups, g.stride, g.dil))
        return
    if g.padded == g.spatial:
        xp.copyto(cols[a:z], _windows_cf(xp, x[a:z], g))
        return
    _fill_padded_cf(xp, xpad[a:z], x[a:z], g.pad_lo, g.spatial)
    xp.copyto(cols[a:z], _windows_cf(xp, xpad[a:z], g))


def im2col(x: Array, g: ConvGeom) -> Array:
    """The column buffer of ``x`` for geometry ``g`` (taken from the pool; give it back when done)."""
    xp = _xp(x)
    cols = take(xp, g.cols_shape, x.dtype)
    xpad = take(xp, g.xpad_shape, x.dtype)
    work = cols.size

    def part(a: int, z: int, _p: int) -> None:
        _im2col(xp, x, g, cols, xpad, a, z)

    split_batch(part, g.n, xp, work)
    give(xpad)
    return cols


def conv_forward(x: Array, w: Array, b: Array | None, g: ConvGeom, keep_cols: bool) -> tuple[Array, Array | None]:
    """``y (N, O, *out)`` of the cross-correlation; also the column buffer when ``keep_cols``."""
    xp = _xp(x)
    n, gr = g.n, g.groups
    og, cg = g.o // gr, g.c // gr
    p = math.prod(g.out)
    kk = math.prod(g.kernel) * cg
    d = len(g.kernel)
    # (g, Og, *K, Cg) -> (g, Og, K*Cg): the weight as the left GEMM operand
    if g.channels_last:
        wm = xp.ascontiguousarray(xp.moveaxis(w.reshape(gr, og, cg, *g.kernel), 2, 2 + d)).reshape(gr, og, kk)
    else:
        wm = w.reshape(gr, og, kk)
    cols = take(xp, g.cols_shape, x.dtype)
    xpad = take(xp, g.xpad_shape, x.dtype)
    y = xp.empty((n, g.o, *g.out), dtype=x.dtype)
    bias = None if b is None else b.reshape(gr, og, 1)
    if gr == 1 and g.channels_last:
        # NOTE: one (N*P, K*C) @ (K*C, O) GEMM and a transposing copy, not N per-sample (O, K*C) @ (K*C, P) GEMMs
        # on a transposed view of the columns, which OpenBLAS runs slowly for some P (LeNet's 6->16 layer on 14x14
        # inputs, P = 100: 0.77 ms against 0.21 + 0.03 ms; on 12x12, P = 64: 0.26 against 0.15 + 0.03 ms)
        def cols_part(a: int, z: int, _p: int) -> None:
            if z > a:
                _im2col(xp, x, g, cols, xpad, a, z)

        split_batch(cols_part, n, xp, cols.size)
        give(xpad)
        t = take(xp, (n, p, g.o), x.dtype)
        xp.matmul(cols.reshape(n * p, kk), wm[0].T, out=t.reshape(n * p, g.o))
        yv = y.reshape(n, g.o, p)
        if bias is None:
            xp.copyto(yv, t.transpose(0, 2, 1))
        else:
            xp.add(t.transpose(0, 2, 1), bias[0], out=yv)
        give(t)
        if not keep_cols:
            give(cols)
            return y, None
        return y, cols

    def part(a: int, z: int, _p: int) -> None:
        m = z - a
        if m == 0:
            return
        _im2col(xp, x, g, cols, xpad, a, z)
        if g.channels_last:
            c = cols[a:z].reshape(m, p, gr, kk).transpose(0, 2, 3, 1)  # (m, g, K*Cg, P)
        else:
            c = cols[a:z].reshape(m, gr, kk, p)
        yo = y[a:z].reshape(m, gr, og, p)
        xp.matmul(wm, c, out=yo)
        if bias is not None:
            yo += bias

    split_batch(part, n, xp, cols.size + y.size)
    give(xpad)
    if not keep_cols:
        give(cols)
        return y, None
    return y, cols


def conv_backward(
    gy: Array,
    x: Array | None,
    w: Array,
    cols: Array | None,
    g: ConvGeom,
    need_x: bool,
    need_w: bool,
) -> tuple[Array | None, Array | None]:
    """Gradients ``(dx, dw)`` of the cross-correlation (bias gradient is ``gy.sum``, done by the caller).

    ``cols`` is the forward's column buffer (recomputed from ``x`` when None and ``need_w``).
    """
    xp = _xp(gy)
    n, gr = g.n, g.groups
    og, cg = g.o // gr, g.c // gr
    p = math.prod(g.out)
    kprod = math.prod(g.kernel)
    kk = kprod * cg
    d = len(g.kernel)
    own_cols = False
    if need_w and cols is None:
        assert x is not None
        cols = im2col(x, g)
        own_cols = True
    gy3 = gy.reshape(n, g.o, p)
    dws = [xp.empty((gr, og, kk), gy.dtype), xp.empty((gr, og, kk), gy.dtype)] if need_w else []
    prod = take(xp, (n, gr, og, kk), gy.dtype) if need_w else None
    dx = xp.empty((n, g.c, *g.spatial), gy.dtype) if need_x else None
    dxpad = take(xp, (n, *g.padded, g.c), gy.dtype) if need_x else None
    tmp = take(xp, (n, p, g.c), gy.dtype) if need_x else None
    # per kernel offset: (K, g, Og, Cg)
    wk = xp.ascontiguousarray(xp.moveaxis(w.reshape(gr, og, cg, kprod), 3, 0)) if need_x else None
    offsets = list(itertools.product(*(range(k) for k in g.kernel)))
    inner = tuple(slice(lo, lo + s) for lo, s in zip(g.pad_lo, g.spatial))

    def part(a: int, z: int, part_no: int) -> None:
        m = z - a
        if m == 0:
            if need_w:
                dws[part_no][...] = 0
            return
        # the gradient stays (N, O, P): every product below is one small GEMM per sample (and group)
        gg = gy3[a:z].reshape(m, gr, og, p)
        if need_w:
            assert cols is not None and prod is not None
            if g.channels_last:
                c = cols[a:z].reshape(m, p, gr, kk).transpose(0, 2, 1, 3)  # (m, g, P, K*Cg)
            else:
                c = cols[a:z].reshape(m, gr, kk, p).transpose(0, 1, 3, 2)  # (m, g, P, Cg*K)
            pr = prod[a:z]
            xp.matmul(gg, c, out=pr)
            pr.sum(axis=0, out=dws[part_no])
        if need_x:
            assert dxpad is not None and tmp is not None and wk is not None and dx is not None
            dp = dxpad[a:z]
            dp[...] = 0
            t = tmp[a:z]
            ggt = gg.transpose(0, 1, 3, 2)  # (m, g, P, Og)
            tg = t.reshape(m, p, gr, cg).transpose(0, 2, 1, 3)  # (m, g, P, Cg) view into (m, P, C)
            tv = t.reshape(m, *g.out, g.c)
            for i, off in enumerate(offsets):
                if gr == 1:
                    xp.matmul(ggt[:, 0], wk[i, 0], out=t)
                else:
                    tg[...] = xp.matmul(ggt, wk[i])
                sl = tuple(
                    slice(k * dl, k * dl + st * (o - 1) + 1, st) for k, dl, st, o in zip(off, g.dil, g.stride, g.out)
                )
                dp[(slice(None), *sl)] += tv
            xp.copyto(dx[a:z], xp.moveaxis(dp[(slice(None), *inner)], -1, 1))

    parts = split_batch(
        part, n, xp, (cols.size if cols is not None else 0) + (dx.size * kprod if dx is not None else 0)
    )
    give(prod)
    give(dxpad)
    give(tmp)
    if own_cols:
        give(cols)
    dw = None
    if need_w:
        acc = dws[0] if parts == 1 else dws[0] + dws[1]
        if g.channels_last:  # (g, Og, *K, Cg) -> (O, Cg, *K)
            dw = xp.ascontiguousarray(xp.moveaxis(acc.reshape(gr, og, *g.kernel, cg), 2 + d, 2))
            dw = dw.reshape(g.o, cg, *g.kernel)
        else:
            dw = acc.reshape(g.o, cg, *g.kernel)
    return dx, dw
