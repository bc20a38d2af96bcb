"""Pooling kernels on raw arrays (NumPy or CuPy): channels-first windows, one vectorised op per kernel offset.

Max pooling keeps a running maximum over the ``prod(kernel)`` strided views of the padded input and records which
offset won (the first maximum wins ties; NaN propagates as in PyTorch); the backward pass adds the gradient into
the winning offset's view. Average pooling sums the views and divides by a per-output-position count.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from taeda.nn.functional._kern_runtime import split_batch
from taeda.nn.functional._util import where

Array = Any
Ints = tuple[int, ...]


def pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size (a ceil-mode window must start inside the input or its left padding)."""
    eff = d * (k - 1) + 1
    num = size + 2 * p - eff
    out = (-(-num // s) if ceil_mode else num // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


class PoolGeom:
    """Sizes of one pooling call over the last ``len(kernel)`` dimensions."""

    __slots__ = ("dil", "kernel", "lead", "out", "pad", "padded", "spatial", "stride")

    def __init__(self, shape: Ints, kernel: Ints, stride: Ints, pad: Ints, dil: Ints, ceil_mode: bool) -> None:
        d = len(kernel)
        self.lead = tuple(shape[:-d])
        self.spatial = tuple(shape[-d:])
        self.kernel, self.stride, self.pad, self.dil = kernel, stride, pad, dil
        self.out = tuple(
            pool_out_size(n, k, s, p, dl, ceil_mode) for n, k, s, p, dl in zip(self.spatial, kernel, stride, pad, dil)
        )
        # room for every window (ceil mode may reach past the right padding)
        self.padded = tuple(
            max(n + 2 * p, (o - 1) * s + dl * (k - 1) + 1)
            for n, p, o, s, dl, k in zip(self.spatial, pad, self.out, stride, dil, kernel)
        )

    def offsets(self) -> list[Ints]:
        return list(itertools.product(*(range(k) for k in self.kernel)))

    def view_slices(self, off: Ints) -> tuple[Any, ...]:
        """Index of the strided view of the padded buffer that offset ``off`` of every window reads."""
        return (
            Ellipsis,
            *(slice(k * dl, k * dl + s * (o - 1) + 1, s) for k, dl, s, o in zip(off, self.dil, self.stride, self.out)),
        )

    def interior(self) -> tuple[Any, ...]:
        return (Ellipsis, *(slice(p, p + n) for p, n in zip(self.pad, self.spatial)))


def _xp(a: Array) -> Any:
    if type(a).__module__.startswith("cupy"):
        from taeda.tensor import get_array_module

        return get_array_module(a)
    import numpy as np

    return np


def _padded(xp: Any, x: Array, g: PoolGeom, fill: float) -> Array:
    if g.padded == g.spatial:
        return x
    buf = xp.full((*g.lead, *g.padded), fill, dtype=x.dtype)
    buf[g.interior()] = x
    return buf


def max_pool_forward(x: Array, g: PoolGeom) -> tuple[Array, Array]:
    """``(y, arg)``: window maxima and the winning kernel offset (flat, int8/int32) per output."""
    xp = _xp(x)
    xpad = _padded(xp, x, g, -math.inf if x.dtype.kind == "f" else int(xp.iinfo(x.dtype).min))
    offs = g.offsets()
    y = xp.empty((*g.lead, *g.out), dtype=x.dtype)
    arg = xp.empty(y.shape, dtype=xp.int8 if len(offs) < 128 else xp.int32)

    def part(a: int, z: int, _p: int) -> None:
        ya, aa, xa = y[a:z], arg[a:z], xpad[a:z]
        xp.copyto(ya, xa[g.view_slices(offs[0])])
        aa[...] = 0
        if len(offs) == 1:
            return
        # NOTE: ufuncs on strided views run about 7x slower than on contiguous arrays, so each offset's view is
        # copied once into a contiguous buffer and the compare and maximum read that. The offsets are scanned in
        # order and a later one wins only when strictly greater, so the winner's index only grows:
        # arg = max(arg, i * (v > max so far)), in int8 arithmetic (several times faster than a masked copy).
        v = xp.empty(ya.shape, dtype=ya.dtype)
        mask = xp.empty(ya.shape, dtype=bool)
        step = xp.empty(aa.shape, dtype=aa.dtype)
        small = aa.dtype.itemsize == 1
        for i, off in enumerate(offs[1:], 1):
            xp.copyto(v, xa[g.view_slices(off)])
            xp.greater(v, ya, out=mask)
            xp.maximum(ya, v, out=ya)
            if small:
                xp.multiply(mask.view(aa.dtype), aa.dtype.type(i), out=step)
            else:
                xp.multiply(mask, i, out=step)
            xp.maximum(aa, step, out=aa)

    split_batch(part, y.shape[0], xp, xpad.size)
    if x.dtype.kind == "f" and x.size and math.isnan(float(x.max())):
        # NaN propagates (as in PyTorch): the first NaN of a window wins
        y[...] = xpad[g.view_slices(offs[0])]
        arg[...] = 0
        found = xp.isnan(y)
        mask = xp.empty(y.shape, dtype=bool)
        for i, off in enumerate(offs[1:], 1):
            v = xpad[g.view_slices(off)]
            xp.greater(v, y, out=mask)
            mask &= ~found
            nan = xp.isnan(v) & ~found
            mask |= nan
            found |= nan
            xp.copyto(y, v, where=mask)
            xp.copyto(arg, i, where=mask)
    return y, arg


def max_pool_backward(gy: Array, arg: Array, g: PoolGeom) -> Array:
    """Input gradient of max pooling from the winning offsets."""
    xp = _xp(gy)
    offs = g.offsets()
    overlap = any(s < dl * (k - 1) + 1 for s, dl, k in zip(g.stride, g.dil, g.kernel))
    tiled = _tiles(g)
    # windows that tile the input exactly write every position once: no zero fill needed
    gpad = (xp.empty if tiled else xp.zeros)((*g.lead, *g.padded), dtype=gy.dtype)

    def part(a: int, z: int, _p: int) -> None:
        ga, aa, gp = gy[a:z], arg[a:z], gpad[a:z]
        mask = xp.empty(aa.shape, dtype=bool)
        for i, off in enumerate(offs):
            xp.equal(aa, i, out=mask)
            view = gp[g.view_slices(off)]
            if overlap:
                view += ga * mask
            else:
                xp.multiply(ga, mask, out=view)

    split_batch(part, gy.shape[0], xp, gpad.size)
    return gpad[g.interior()] if g.padded != g.spatial else gpad


def flat_indices(arg: Array, g: PoolGeom) -> Array:
    """PyTorch's ``return_indices``: for each output, the flat index of the maximum within its input plane."""
    xp = _xp(arg)
    offs = xp.asarray(g.offsets(), dtype=xp.int64)  # (K, d)
    d = len(g.kernel)
    a = arg.astype(xp.int64)
    flat = xp.zeros(arg.shape, dtype=xp.int64)
    for j in range(d):
        shape = [1] * d
        shape[j] = g.out[j]
        start = (xp.arange(g.out[j], dtype=xp.int64) * g.stride[j] - g.pad[j]).reshape(shape)
        pos = start + offs[a, j] * g.dil[j]
        flat = flat * g.spatial[j] + pos
    return flat


def avg_divisor(
    xp: Any, g: PoolGeom, count_include_pad: bool, divisor_override: int | None, dtype: Any
) -> Array | float:
    """The divisor of each output position (a scalar when all windows divide by the same count)."""
    if divisor_override is not None:
        return float(divisor_override)
    counts = []
    for n, k, s, p, o in zip(g.spatial, g.kernel, g.stride, g.pad, g.out):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        if not count_include_pad:
            start = xp.maximum(start, 0)
            end = xp.minimum(end, n)
        counts.append(end - start)
    div = counts[0]
    for c in counts[1:]:
        div = div[..., None] * c
    div = div.astype(dtype)
    if bool((div == div.reshape(-1)[0]).all()):
        return float(div.reshape(-1)[0])
    return div


def avg_pool_forward(x: Array, g: PoolGeom, div: Array | float) -> Array:
    """Window means (sums over ``div``) of average pooling, in two halves of the leading axis on two threads.

    Example:
        >>> import numpy as np
        >>> g = PoolGeom((1, 4), (2,), (2,), (0,), (1,), False)
        >>> avg_pool_forward(np.array([[1.0, 3.0, 5.0, 9.0]]), g, 2.0).tolist()
        [[2.0, 7.0]]
    """
    xp = _xp(x)
    xpad = _padded(xp, x, g, 0.0)
    offs = g.offsets()
    y = xp.empty((*g.lead, *g.out), dtype=x.dtype)

    def part(a: int, z: int, _p: int) -> None:
        ya, xa = y[a:z], xpad[a:z]
        xp.copyto(ya, xa[g.view_slices(offs[0])])
        v = xp.empty(ya.shape, dtype=ya.dtype)
        for off in offs[1:]:
            xp.copyto(v, xa[g.view_slices(off)])  # see max_pool_forward: a contiguous copy, then the add
            ya += v
        ya /= div

    split_batch(part, y.shape[0], xp, xpad.size)
    return y


def avg_pool_backward(gy: Array, g: PoolGeom, div: Array | float) -> Array:
    """Input gradient of average pooling: each output's ``gy / div`` spread over its window, on two threads.

    Example:
        >>> import numpy as np
        >>> g = PoolGeom((1, 4), (2,), (2,), (0,), (1,), False)
        >>> avg_pool_backward(np.array([[1.0, 4.0]]), g, 2.0).tolist()
        [[0.5, 0.5, 2.0, 2.0]]
    """
    xp = _xp(gy)
    gs = gy / div
    tiled = _tiles(g)
    # windows that tile the input exactly write every position once: no zero fill, no adds
    gpad = (xp.empty if tiled else xp.zeros)((*g.lead, *g.padded), dtype=gy.dtype)

    def part(a: int, z: int, _p: int) -> None:
        ga, gp = gs[a:z], gpad[a:z]
        for off in g.offsets():
            view = gp[g.view_slices(off)]
            if tiled:
                xp.copyto(view, ga)
            else:
                view += ga

    split_batch(part, gy.shape[0], xp, gpad.size)
    return gpad[g.interior()] if g.padded != g.spatial else gpad


def _tiles(g: PoolGeom) -> bool:
    """Whether the windows cover the input exactly once (no overlap, no gaps, no padding)."""
    return (
        all(s == k and dl == 1 for s, dl, k in zip(g.stride, g.dil, g.kernel))
        and g.padded == g.spatial
        and not any(g.pad)
        and all(o * s == n for o, s, n in zip(g.out, g.stride, g.spatial))
    )


def adaptive_bounds(n: int, o: int) -> tuple[list[int], list[int]]:
    """PyTorch's adaptive pooling windows: ``[floor(i*n/o), ceil((i+1)*n/o))``."""
    starts = [(i * n) // o for i in range(o)]
    ends = [-(-((i + 1) * n) // o) for i in range(o)]
    return starts, ends


def adaptive_avg_matrix(xp: Any, n: int, o: int, dtype: Any) -> Array:
    """``(o, n)`` matrix averaging each adaptive window."""
    starts, ends = adaptive_bounds(n, o)
    idx = xp.arange(n)
    s = xp.asarray(starts)[:, None]
    e = xp.asarray(ends)[:, None]
    m = ((idx >= s) & (idx < e)).astype(dtype)
    return m / (e - s).astype(dtype)


def adaptive_max_forward(x: Array, out: Ints) -> tuple[Array, Array]:
    """``(y, flat_index)`` of adaptive max pooling over the last ``len(out)`` dims."""
    xp = _xp(x)
    d = len(out)
    spatial = x.shape[-d:]
    if 0 in out:  # an empty output (PyTorch allows it): no window to take a maximum over
        shape = (*x.shape[:-d], *out)
        return xp.empty(shape, x.dtype), xp.zeros(shape, xp.int64)
    idx_lists = []  # per dim: (o, kmax) clipped input indices
    for n, o in zip(spatial, out):
        starts, ends = adaptive_bounds(n, o)
        kmax = max(e - s for s, e in zip(starts, ends))
        st = xp.asarray(starts)[:, None]
        en = xp.asarray(ends)[:, None]
        idx_lists.append(xp.minimum(st + xp.arange(kmax), en - 1))
    y = None
    best = None
    for combo in itertools.product(*(range(il.shape[1]) for il in idx_lists)):
        cols = [il[:, j] for il, j in zip(idx_lists, combo)]
        grids = xp.ix_(*cols) if d > 1 else (cols[0],)
        v = x[(Ellipsis, *grids)]
        flat = cols[0]
        for j in range(1, d):
            flat = flat[..., None] * spatial[j] + cols[j]
        if y is None:
            y = v.copy()
            best = xp.broadcast_to(flat, y.shape).copy()
            continue
        mask = (v > y) | (xp.isnan(v) & ~xp.isnan(y)) if x.dtype.kind == "f" else v > y
        y = where(xp, mask, v, y)  # a data-dependent mask: the branch-free select
        best = where(xp, mask, xp.broadcast_to(flat, y.shape), best)
    assert y is not None and best is not None
    return y, best


def scatter_flat(gy: Array, flat: Array, spatial: Ints) -> Array:
    """Sum ``gy`` into a zero array of ``(*lead, *spatial)`` at per-plane flat indices ``flat``."""
    xp = _xp(gy)
    lead = gy.shape[: gy.ndim - len(spatial)]
    plane = math.prod(spatial)
    nplanes = math.prod(lead)
    base = (xp.arange(nplanes, dtype=xp.int64) * plane).reshape(*lead, *([1] * len(spatial)))
    idx = (flat + base).reshape(-1)
    out = xp.zeros(nplanes * plane, dtype=gy.dtype)
    xp.add.at(out, idx, gy.reshape(-1))
    return out.reshape(*lead, *spatial)
