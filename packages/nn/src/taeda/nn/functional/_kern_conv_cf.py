"""Convolution kernels for channels-first geometries with one group: few input channels against a wide output (an
image stem such as ResNet's 3->64 7x7 stride-2 layer on 224x224, a 1-D layer over a long signal).

NOTE: ``_kern_conv`` builds the whole batch's column buffer ``(N, C, *K, *out)`` at once, and kept it from the
forward to the backward pass: for the ResNet stem at batch 32 that is 236 MB, with the page faults of a fresh
buffer of that size. Its input gradient makes one GEMM per kernel offset, ``gy_n^T (P, O) @ w_k (O, C)``: with
C = 3 each of the 49 products is a thin (P, 3) output that rereads the sample's whole gradient (3.2 MB), so the
input gradient read 157 MB per sample and cost twice the forward and weight gradient together.

Here the batch goes in chunks of samples whose columns fit about a core's L2 (at least one sample):

* forward: the chunk's columns, then one GEMM per sample ``w (O, C*K) @ cols (C*K, P)`` straight into ``y``;
  the columns are not kept;
* weight gradient: the chunk's columns rebuilt from the input, ``gy_n (O, P) @ cols_n^T (P, C*K)`` per sample,
  summed per thread;
* input gradient, below 8 input channels: ``w^T (C*K, O) @ gy_n (O, P)``, the gradient of the sample's columns,
  in one GEMM that reads the gradient once, then added window by window (one strided add per kernel offset,
  "col2im") into a zero-bordered channels-first buffer whose interior is the input gradient. The stem at batch 16:
  130 ms forward and backward against 374 ms. From 8 channels the per-offset GEMMs of ``_kern_conv`` produce
  outputs wide enough to be efficient and win (16->16 3x3 on (64, 16, 32, 32): dx 5.6 against 7.8 ms).

Scratch buffers come from ``_kern_runtime``'s pool and large calls run as two half-batches on two threads.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from taeda.nn.functional._kern_conv import ConvGeom, _windows_cf, _xp, conv_backward
from taeda.nn.functional._kern_runtime import give, split_batch, take

Array = Any
Ints = tuple[int, ...]

__all__ = ["cf_backward", "cf_forward", "cf_supported", "keeps_columns"]

_CHUNK_BYTES = 5 << 18  # columns per chunk of samples: about a core's L2 (as the channels-last kernels)
_COL2IM_BELOW = 8  # input channels below which the input gradient is one GEMM plus col2im (see above)


def cf_supported(g: ConvGeom) -> bool:
    """Whether geometry ``g`` is one these kernels take: one group and channels-first columns.

    Example:
        >>> cf_supported(ConvGeom((8, 3, 224, 224), (64, 3, 7, 7), (2, 2), (3, 3), (3, 3), (1, 1), 1))
        True
    """
    return g.groups == 1 and not g.channels_last


def keeps_columns(g: ConvGeom, itemsize: int) -> bool:
    """Whether a forward pass that will need the weight gradient should rather build and keep the whole batch's
    columns (``_kern_conv``): with fewer than 16 output channels the GEMMs are cheap and rebuilding the columns in
    the backward pass costs more than keeping them, as long as they are not large (measured on LeNet's first
    layer, 1->6 5x5 at batch 32 (1.8 MB of columns): 0.42 ms kept against 0.56 ms rebuilt; at batch 128 even).

    Example:
        >>> keeps_columns(ConvGeom((64, 1, 28, 28), (6, 1, 5, 5), (1, 1), (0, 0), (0, 0), (1, 1), 1), 4)
        True
    """
    return g.o < 16 and g.n * g.c * math.prod(g.kernel) * math.prod(g.out) * itemsize <= _KEEP_BYTES


_KEEP_BYTES = 16 << 20


def _chunk(g: ConvGeom, itemsize: int) -> int:
    per_sample = g.c * math.prod(g.kernel) * math.prod(g.out) * itemsize
    return max(1, min(g.n, _CHUNK_BYTES // max(per_sample, 1)))


def _inner(g: ConvGeom) -> tuple[slice, ...]:
    """The input's place inside a zero-bordered ``(n, C, *padded)`` buffer."""
    return (slice(None), slice(None), *(slice(lo, lo + s) for lo, s in zip(g.pad_lo, g.spatial)))


def _columns(xp: Any, x: Array, g: ConvGeom, a: int, z: int, emit: Callable[[int, int, Array], None]) -> None:
    """The columns ``(k, C*K, P)`` of samples ``a:z``, chunk by chunk, each passed to ``emit(start, stop, cols)``."""
    ch = _chunk(g, x.dtype.itemsize)
    ck, p = g.c * math.prod(g.kernel), math.prod(g.out)
    buf = take(xp, (ch, g.c, *g.kernel, *g.out), x.dtype)
    xpad = None
    if g.padded != g.spatial:
        xpad = take(xp, (ch, g.c, *g.padded), x.dtype)
        xpad[...] = 0  # only the interior is written below: the border stays zero for every chunk
    for s in range(a, z, ch):
        e = min(z, s + ch)
        k = e - s
        src = x[s:e]
        if xpad is not None:
            xp.copyto(xpad[:k][_inner(g)], src)
            src = xpad[:k]
        xp.copyto(buf[:k], _windows_cf(xp, src, g))
        emit(s, e, buf[:k].reshape(k, ck, p))
    give(xpad)
    give(buf)


def cf_forward(x: Array, w: Array, b: Array | None, g: ConvGeom) -> Array:
    """``y (N, O, *out)`` of the cross-correlation for a :func:`cf_supported` geometry (columns not kept).

    Example:
        >>> import numpy as np
        >>> g = ConvGeom((1, 1, 4), (1, 1, 2), (1,), (0,), (0,), (1,), 1)
        >>> cf_forward(np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, -1.0]]]), None, g).tolist()
        [[[-1.0, -1.0, -1.0]]]
    """
    xp = _xp(x)
    o, p = g.o, math.prod(g.out)
    wm = w.reshape(o, -1)
    y = xp.empty((g.n, o, *g.out), dtype=x.dtype)
    bias = None if b is None else b.reshape(o, 1)

    def emit(s: int, e: int, cols: Array) -> None:
        yv = y[s:e].reshape(e - s, o, p)
        xp.matmul(wm, cols, out=yv)
        if bias is not None:
            yv += bias

    def part(a: int, z: int, _p: int) -> None:
        _columns(xp, x, g, a, z, emit)

    split_batch(part, g.n, xp, 2 * y.size + g.n * p * wm.shape[1])
    return y


def cf_backward(
    gy: Array, x: Array, w: Array, g: ConvGeom, need_x: bool, need_w: bool
) -> tuple[Array | None, Array | None]:
    """Gradients ``(dx, dw)`` of :func:`cf_forward` (None where not needed; the bias gradient is the caller's).

    Example:
        >>> import numpy as np
        >>> g = ConvGeom((1, 1, 4), (1, 1, 2), (1,), (0,), (0,), (1,), 1)
        >>> x, w = np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, -1.0]]])
        >>> dx, dw = cf_backward(np.ones((1, 1, 3)), x, w, g, True, True)
        >>> dx.tolist(), dw.tolist()
        ([[[1.0, 0.0, 0.0, -1.0]]], [[[6.0, 9.0]]])
    """
    xp = _xp(gy)
    n, o = g.n, g.o
    p = math.prod(g.out)
    kprod = math.prod(g.kernel)
    ck = g.c * kprod
    gy3 = gy.reshape(n, o, p)
    dws = [xp.zeros((o, ck), gy.dtype), xp.zeros((o, ck), gy.dtype)] if need_w else []
    dx = xp.empty((n, g.c, *g.spatial), gy.dtype) if need_x and g.c < _COL2IM_BELOW else None
    wt = xp.ascontiguousarray(w.reshape(o, ck).T) if dx is not None else None
    ch = _chunk(g, gy.dtype.itemsize)
    # each kernel offset's windows in the padded input: the strided slices col2im adds that offset's columns into
    offsets = [
        (slice(None), slice(None), *(slice(k * dl, k * dl + st * (m - 1) + 1, st) for k, dl, st, m in each))
        for each in (zip(off, g.dil, g.stride, g.out) for off in itertools.product(*map(range, g.kernel)))
    ]

    def weight_part(a: int, z: int, part_no: int) -> None:
        prod = take(xp, (ch, o, ck), gy.dtype)

        def emit(s: int, e: int, cols: Array) -> None:
            pr = prod[: e - s]
            xp.matmul(gy3[s:e], cols.transpose(0, 2, 1), out=pr)
            dws[part_no] += pr.sum(axis=0)

        _columns(xp, x, g, a, z, emit)
        give(prod)

    def input_part(a: int, z: int, _p: int) -> None:
        assert dx is not None and wt is not None
        dcols = take(xp, (ch, ck, p), gy.dtype)
        padded = g.padded != g.spatial
        dpad = take(xp, (ch, g.c, *g.padded), gy.dtype) if padded else None
        for s in range(a, z, ch):
            e = min(z, s + ch)
            k = e - s
            dc = dcols[:k]
            xp.matmul(wt, gy3[s:e], out=dc)
            dcv = dc.reshape(k, g.c, kprod, *g.out)
            dp = dx[s:e] if dpad is None else dpad[:k]
            dp[...] = 0
            for i, sl in enumerate(offsets):
                dp[sl] += dcv[:, :, i]
            if dpad is not None:
                xp.copyto(dx[s:e], dp[_inner(g)])
        give(dpad)
        give(dcols)

    parts = 1
    if need_w:
        parts = split_batch(weight_part, n, xp, 2 * n * p * ck)
    if need_x and g.c < _COL2IM_BELOW:
        split_batch(input_part, n, xp, 2 * n * p * ck)
    elif need_x:
        dx = conv_backward(gy, None, w, None, g, True, False)[0]
    dw = None
    if need_w:
        acc = dws[0] + dws[1] if parts == 2 else dws[0]
        dw = acc.reshape(o, g.c, *g.kernel)
    return dx, dw
