"""Layer and group norm's array kernels: each row of an (R, P) array normalised over its P values, then ``x̂ w + b``.

With ``groups`` G > 1 the rows are (sample, group) pairs, R = N·G, and ``w``/``b`` are (G, P): each group's channel
weights expanded over the group's positions, so a block of whole samples, viewed as (n, G, P), takes the affine map
as one broadcast product with inner loops of G·P values (group norm; instance norm is G = C).

NOTE: written as whole-array NumPy passes, layer norm makes about fifteen trips through memory and as many fresh
temporaries; on (8192, 512) float32 that took 28-38 ms forward and backward, with 2,000-2,500 page faults per call.
Here the rows go in blocks of about 128K elements (512 KB in float32, so every pass after a block's first read runs
in L2), the block's temporaries are reused, and the two halves of the rows run on two threads
(``split_batch``). As in PyTorch, the forward keeps only each row's mean and rstd: the backward recomputes a
block's x̂ from the input in cache, so no input-sized x̂ is allocated (fresh pages cost about 5 ms per 16 MB on
this kind of VM) or kept alive between the passes. The weight and bias gradients are per-thread sums of per-block
sums.
"""

from __future__ import annotations

from typing import Any

from taeda.nn.functional._kern_runtime import split_batch

__all__ = ["rownorm_backward", "rownorm_forward"]

Array = Any
_BLOCK_ELEMS = 1 << 17  # elements per block of rows (measured: 64-1024 rows of 512 all within 15%)


def _samples_per_block(p: int, groups: int) -> int:
    return max(1, _BLOCK_ELEMS // max(p * groups, 1))


def _by_group(a: Array, groups: int) -> Array:
    """A block of rows as (samples, G, P), the layout ``w``/``b`` (P,) or (G, P) broadcast against."""
    return a.reshape(-1, groups, a.shape[-1])


def rownorm_forward(
    xp: Any, x: Array, w: Array | None, b: Array | None, eps: float, groups: int = 1
) -> tuple[Array, Array, Array]:
    """``(y, mean, rstd)`` for a C-contiguous (R, P) ``x``: ``y = x̂ w + b`` with ``x̂ = (x - mean) * rstd`` per row.

    ``w``/``b`` are (P,) arrays (or (G, P) with ``groups`` G, R a multiple of G) or None; ``mean`` and ``rstd``
    are (R, 1).

    Example:
        >>> import numpy as np
        >>> y, mean, rstd = rownorm_forward(np, np.array([[1.0, 3.0]]), None, None, 0.0)
        >>> y.tolist(), mean.tolist(), rstd.tolist()
        ([[-1.0, 1.0]], [[2.0]], [[1.0]])
    """
    r, p = x.shape
    y = xp.empty_like(x)
    mean = xp.empty((r, 1), x.dtype)
    rstd = xp.empty((r, 1), x.dtype)
    step = _samples_per_block(p, groups)
    inv_p = 1.0 / p

    def part(first: int, last: int, _: int) -> None:
        for n in range(first, last, step):
            s, e = n * groups, min(n + step, last) * groups
            xb, m, rs, yb = x[s:e], mean[s:e], rstd[s:e], y[s:e]
            h = yb  # x̂ is built in y's block (in cache), then scaled and shifted in place
            xp.einsum("np->n", xb, out=m[:, 0])
            m *= inv_p
            xp.subtract(xb, m, out=h)
            var = xp.einsum("np,np->n", h, h)  # two-pass variance: no cancellation for rows far from 0
            var *= inv_p
            var += eps
            xp.sqrt(var[:, None], out=rs)
            xp.reciprocal(rs, out=rs)
            h *= rs
            h3 = _by_group(h, groups)
            if w is not None:
                h3 *= w
            if b is not None:
                h3 += b

    split_batch(part, r // groups, xp, 8 * x.size)
    return y, mean, rstd


def _xhat_block(xp: Any, x: Array, mean: Array, rstd: Array, out: Array) -> Array:
    """x̂ of one block of rows, recomputed into ``out`` (the forward's exact operations, so the same values)."""
    xp.subtract(x, mean, out=out)
    out *= rstd
    return out


def rownorm_backward(
    xp: Any,
    g: Array,
    x: Array,
    mean: Array,
    rstd: Array,
    w: Array | None,
    need: tuple[bool, bool, bool],
    gx_shape: tuple[int, ...] | None = None,
    groups: int = 1,
) -> tuple[Array | None, Array | None, Array | None]:
    """Gradients ``(gx, gw, gb)`` of :func:`rownorm_forward` for the incoming (R, P) gradient ``g``.

    ``need`` says which of the three are wanted (the others come back as None):
    ``gx = rstd (t - mean(t) - x̂ mean(t x̂))`` with ``t = g w``, ``gw = Σ_rows g x̂``, ``gb = Σ_rows g``.
    ``gx`` is allocated in ``gx_shape`` (the input's shape, R * P elements) when given, so that it is an array of
    its own (autograd then adopts it without a copy) rather than a reshaped view. With ``groups`` G (``w`` then
    (G, P)), ``gw`` and ``gb`` are (G, P) sums over the samples.

    Example:
        >>> import numpy as np
        >>> x = np.array([[1.0, 3.0]])
        >>> _, mean, rstd = rownorm_forward(np, x, None, None, 0.0)
        >>> gx, _, gb = rownorm_backward(np, np.array([[1.0, 1.0]]), x, mean, rstd, None, (True, False, True))
        >>> gx.tolist(), gb.tolist()
        ([[0.0, 0.0]], [1.0, 1.0])
    """
    need_x, need_w, need_b = need
    r, p = g.shape
    gx_out = xp.empty(gx_shape or g.shape, g.dtype) if need_x else None
    gx = None if gx_out is None else gx_out.reshape(r, p)
    psum = (groups, p) if groups > 1 else (p,)
    sums_w = [xp.zeros(psum, g.dtype) for _ in range(2)] if need_w else None
    sums_b = [xp.zeros(psum, g.dtype) for _ in range(2)] if need_b else None
    step = _samples_per_block(p, groups)
    inv_p = 1.0 / p

    def part(first: int, last: int, k: int) -> None:
        n = min(step, last - first) * groups
        hbuf = xp.empty((n, p), g.dtype) if need_x or need_w else None
        tbuf = xp.empty((n, p), g.dtype) if need_x and w is not None else None
        for i in range(first, last, step):
            s, e = i * groups, min(i + step, last) * groups
            gb = g[s:e]
            g3 = _by_group(gb, groups)
            if sums_b is not None:
                sums_b[k] += xp.einsum("ngp->gp" if groups > 1 else "ngp->p", g3)
            if hbuf is None:
                continue
            h = _xhat_block(xp, x[s:e], mean[s:e], rstd[s:e], hbuf[: e - s])
            if sums_w is not None:
                sums_w[k] += xp.einsum("ngp,ngp->gp" if groups > 1 else "ngp,ngp->p", g3, _by_group(h, groups))
            if gx is None:
                continue
            t = gb
            if tbuf is not None:
                t = tbuf[: e - s]
                xp.multiply(g3, w, out=_by_group(t, groups))
            m1 = xp.einsum("np->n", t)
            m1 *= inv_p
            m2 = xp.einsum("np,np->n", t, h)
            m2 *= inv_p
            o = gx[s:e]
            xp.multiply(h, m2[:, None], out=o)
            o += m1[:, None]
            xp.subtract(t, o, out=o)
            o *= rstd[s:e]

    parts = split_batch(part, r // groups, xp, 8 * g.size)
    gw = None if sums_w is None else (sums_w[0] + sums_w[1] if parts == 2 else sums_w[0])
    gbias = None if sums_b is None else (sums_b[0] + sums_b[1] if parts == 2 else sums_b[0])
    return gx_out, gw, gbias
