"""Fast convolution kernels for the common case: one group, channels-last columns (any number of spatial dims,
any stride, padding and dilation), used by ``F.conv*`` when there are at least ``MIN_OUT_CHANNELS`` output channels.

Measured on the issue's layer (conv 32->64, 3x3, 16x16, batch 64, float32) against ``_kern_conv``'s per-sample GEMMs:

* forward: the batch is processed in chunks of a few samples (about a core's L2 of columns): the chunk is moved into
  a zero-bordered channels-last buffer, its windows are copied into a column buffer ``(k*P, K*C)`` and one GEMM with
  the weight ``(K*C, O)`` writes a channels-last result that a transposing add (with the bias) moves into
  ``y (N, O, *out)`` while it is still in cache. The large GEMM runs about 25% faster than one
  ``(O, K*C) @ (K*C, P)`` GEMM per sample, and the chunking saves a pass over memory. The columns are not kept.
* weight gradient (and bias gradient): the same chunks of columns are rebuilt from the saved input, and each meets
  its chunk of the output gradient, copied as ``(O, k*P)`` (runs of P values), in one GEMM while both are in cache;
  the bias gradient is a row sum of that copy. Rebuilding is cheaper than keeping the forward's columns: on the
  benchmark layer these are 19 MB, and writing them out and reading them back cost about 1 ms more per step.
* input gradient: one per-sample GEMM ``gy_n^T (P, O) @ w_k (O, C)`` per kernel offset, read straight from
  transposed views of the gradient (faster here than one large GEMM on a channels-last copy), added into a
  channels-last buffer of the unpadded input over the window that offset reaches. An offset that covers the whole
  input (the centre of a 'same' convolution) writes the buffer directly, so there is no padded buffer and no
  zeroing; offsets that only reach padding are skipped.

Scratch buffers come from ``_kern_runtime``'s pool and large calls run as two half-batches on two threads.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from taeda.nn.functional._kern_conv import ConvGeom, _windows, _xp
from taeda.nn.functional._kern_runtime import give, split_batch, take

Array = Any
Ints = tuple[int, ...]

__all__ = ["fast_backward", "fast_forward", "fast_supported"]


# Below this many output channels the per-sample GEMMs of ``_kern_conv`` are as fast or faster (LeNet's 6->16 layer).
MIN_OUT_CHANNELS = 32


def fast_supported(g: ConvGeom) -> bool:
    """Whether ``F.conv*`` should use this module's kernels for geometry ``g``: one group, channels-last columns and
    at least :data:`MIN_OUT_CHANNELS` output channels (the kernels themselves handle any one-group geometry)."""
    return g.groups == 1 and g.channels_last and g.o >= MIN_OUT_CHANNELS


_CHUNK_BYTES = 5 << 18  # columns per batch chunk: about a core's L2, so the GEMM reads them from cache


def _chunk(g: ConvGeom, itemsize: int) -> int:
    """Samples per chunk of the forward pass (its columns stay in L2 between the copy and the GEMM)."""
    per_sample = math.prod(g.out) * math.prod(g.kernel) * g.c * itemsize
    return max(1, min(g.n, _CHUNK_BYTES // max(per_sample, 1)))


def _columns(
    xp: Any, x: Array, g: ConvGeom, ch: int, a: int, z: int, dest: Callable[[int, int], Array], emit: Any = None
) -> None:
    """Copy the windows of samples ``a:z`` chunk by chunk (``ch`` samples) through a zero-bordered channels-last
    buffer into ``dest(start, stop)``; ``emit(start, stop, columns)`` then consumes each chunk while it is in cache."""
    xpad = take(xp, (ch, *g.padded, g.c), x.dtype)
    xpad[...] = 0  # only the interior is written below: the border stays zero for every chunk
    inner = (slice(None), *(slice(lo, lo + s) for lo, s in zip(g.pad_lo, g.spatial)))
    view = xpad[inner]
    win = _windows(xp, xpad, g.out, g.kernel, 1, g.stride, g.dil)
    for s in range(a, z, ch):
        e = min(z, s + ch)
        k = e - s
        xp.copyto(view[:k], xp.moveaxis(x[s:e], 1, -1))
        d = dest(s, e)
        xp.copyto(d, win[:k])
        if emit is not None:
            emit(s, e, d)
    give(xpad)


def fast_forward(x: Array, w: Array, b: Array | None, g: ConvGeom) -> Array:
    """``y (N, O, *out)`` of the cross-correlation (the columns are not kept: the backward pass rebuilds them)."""
    xp = _xp(x)
    n, o = g.n, g.o
    p = math.prod(g.out)
    kc = math.prod(g.kernel) * g.c
    # (O, C, *K) -> (*K, C, O) flattened: the right GEMM operand
    wm = xp.ascontiguousarray(xp.moveaxis(w.reshape(o, g.c, -1), 0, -1).transpose(1, 0, 2)).reshape(kc, o)
    ch = _chunk(g, x.dtype.itemsize)
    y = xp.empty((n, o, *g.out), dtype=x.dtype)
    bias = None if b is None else b.reshape(o, 1)

    def part(a: int, z: int, _p: int) -> None:
        if z == a:
            return
        tmp = take(xp, (ch, p, o), x.dtype)
        buf = take(xp, (ch, *g.cols_shape[1:]), x.dtype)

        def emit(s: int, e: int, d: Array) -> None:
            k = e - s
            t = tmp[:k]
            xp.matmul(d.reshape(k * p, kc), wm, out=t.reshape(k * p, o))
            yv = y[s:e].reshape(k, o, p)
            if bias is None:
                xp.copyto(yv, t.transpose(0, 2, 1))
            else:
                xp.add(t.transpose(0, 2, 1), bias, out=yv)

        _columns(xp, x, g, ch, a, z, lambda s, e: buf[: e - s], emit)
        give(buf)
        give(tmp)

    split_batch(part, n, xp, n * p * kc + y.size)
    return y


def _offset_window(g: ConvGeom, off: Ints) -> tuple[tuple[slice, ...], tuple[slice, ...], bool] | None:
    """For kernel offset ``off``: (output-position slices, input slices it adds to, whether it covers the whole
    input with every output position); None when it touches only padding."""
    src: list[slice] = []
    dst: list[slice] = []
    full = True
    for k, dl, st, lo, size, out in zip(off, g.dil, g.stride, g.pad_lo, g.spatial, g.out):
        shift = k * dl - lo  # input index of output position 0
        first = (-shift + st - 1) // st if shift < 0 else 0
        last = min(out, (size - 1 - shift) // st + 1)
        if first >= last:
            return None
        src.append(slice(first, last))
        start = first * st + shift
        dst.append(slice(start, start + st * (last - first - 1) + 1, st))
        full = full and st == 1 and first == 0 and last == out and start == 0 and last - first == size
    return tuple(src), tuple(dst), full


def _weight_grad(
    xp: Any, x: Array, g3: Array, g: ConvGeom, ch: int, a: int, z: int, dw: Array, db: Array | None
) -> None:
    """``dw (O, K*C)`` (and ``db (O,)``) of samples ``a:z``. Their columns are rebuilt chunk by chunk, as in the
    forward pass; each chunk's columns and its gradient rows, copied as ``(O, k*P)`` (runs of P values), go through
    one GEMM while they are still in cache. Keeping the forward's columns instead (a ``(N*P, K*C)`` buffer, 19 MB on
    the benchmark layer) was slower: writing them out and reading them back cost more than rebuilding them."""
    o, p = g.o, math.prod(g.out)
    kc = math.prod(g.kernel) * g.c
    buf = take(xp, (ch, *g.cols_shape[1:]), x.dtype)
    gt = take(xp, (o, ch, p), g3.dtype)
    acc = take(xp, (o, kc), g3.dtype)
    first = [True]
    if db is not None:
        db[...] = 0

    def emit(s: int, e: int, d: Array) -> None:
        k = e - s
        gk = gt[:, :k]
        xp.copyto(gk, g3[s:e].transpose(1, 0, 2))
        g2 = gk.reshape(o, k * p)
        if db is not None:
            xp.add(db, g2.sum(axis=1), out=db)
        if first[0]:
            xp.matmul(g2, d.reshape(k * p, kc), out=dw)
            first[0] = False
        else:
            xp.matmul(g2, d.reshape(k * p, kc), out=acc)
            xp.add(dw, acc, out=dw)

    _columns(xp, x, g, ch, a, z, lambda s, e: buf[: e - s], emit)
    give(buf)
    give(gt)
    give(acc)


def fast_backward(
    gy: Array, x: Array | None, w: Array, g: ConvGeom, need_x: bool, need_w: bool, need_b: bool
) -> tuple[Array | None, Array | None, Array | None]:
    """Gradients ``(dx, dw, db)`` of the cross-correlation (None where not needed); ``x`` is needed for ``dw``."""
    xp = _xp(gy)
    n, o, c = g.n, g.o, g.c
    p = math.prod(g.out)
    kprod = math.prod(g.kernel)
    kc = kprod * c
    ch = _chunk(g, gy.dtype.itemsize)
    g3 = gy.reshape(n, o, p)
    dws = [xp.empty((o, kc), gy.dtype), xp.empty((o, kc), gy.dtype)] if need_w else []
    dbs = [xp.empty(o, gy.dtype), xp.empty(o, gy.dtype)] if need_b else []
    plan: list[tuple[int, tuple[slice, ...], tuple[slice, ...], bool]] = []
    if need_x:
        for i, off in enumerate(itertools.product(*(range(k) for k in g.kernel))):
            win = _offset_window(g, off)
            if win is not None:
                plan.append((i, *win))
        plan.sort(key=lambda e: not e[3])  # an offset covering everything first: its GEMM initialises dx
    dxn = take(xp, (n, *g.spatial, c), gy.dtype) if need_x else None
    tmp = take(xp, (n, p, c), gy.dtype) if need_x else None
    dx = xp.empty((n, c, *g.spatial), gy.dtype) if need_x else None
    # per kernel offset (K, O, C)
    wk = xp.ascontiguousarray(xp.moveaxis(w.reshape(o, c, kprod), 2, 0)) if need_x else None

    def part(a: int, z: int, part_no: int) -> None:
        m = z - a
        if m == 0:
            if need_w:
                dws[part_no][...] = 0
            if need_b:
                dbs[part_no][...] = 0
            return
        if need_w:
            assert x is not None
            _weight_grad(xp, x, g3, g, ch, a, z, dws[part_no], dbs[part_no] if need_b else None)
        elif need_b:
            g3[a:z].sum(axis=(0, 2), out=dbs[part_no])
        if need_x:
            assert dxn is not None and tmp is not None and wk is not None and dx is not None
            # per-sample GEMMs straight from the (P, O) transposed views of the gradient: faster here than
            # moving it to channels-last for one large GEMM
            gv = g3[a:z].transpose(0, 2, 1)
            dn = dxn[a:z]
            t = tmp[a:z]
            tv = t.reshape(m, *g.out, c)
            if not (plan and plan[0][3]):
                dn[...] = 0
            for j, (i, src, dst, full) in enumerate(plan):
                if full and j == 0:
                    xp.matmul(gv, wk[i], out=dn.reshape(m, p, c))
                    continue
                xp.matmul(gv, wk[i], out=t)
                dn[(slice(None), *dst)] += tv[(slice(None), *src)]
            xp.copyto(dx[a:z], xp.moveaxis(dn, -1, 1))

    work = (n * p * kc if need_w else 0) + (dx.size * kprod if dx is not None else 0)
    parts = split_batch(part, n, xp, max(work, gy.size))
    give(dxn)
    give(tmp)
    dw = db = None
    if need_w:
        acc = dws[0] if parts == 1 else dws[0] + dws[1]
        dw = xp.ascontiguousarray(xp.moveaxis(acc.reshape(o, *g.kernel, c), -1, 1))
    if need_b:
        db = dbs[0] if parts == 1 else dbs[0] + dbs[1]
    return dx, dw, db
