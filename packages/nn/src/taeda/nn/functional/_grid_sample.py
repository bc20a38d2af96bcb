"""``grid_sample`` (2-D; bilinear or nearest; zeros, border or reflection padding) and ``affine_grid``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taeda.autograd import Function, Variable, once_differentiable
from taeda.nn.functional._double import composite_backward, wants_graph
from taeda.nn.functional._kern_pool import scatter_flat
from taeda.nn.functional._util import TensorLike
from taeda.tensor import Tensor, as_tensor

__all__ = ["affine_grid", "grid_sample"]

Array = Any


def _reflect(xp: Any, x: Array, twice_low: int, twice_high: int) -> tuple[Array, Array]:
    """Reflect ``x`` into ``[twice_low/2, twice_high/2]``; also d(result)/dx (+1 or -1)."""
    if twice_low == twice_high:
        return xp.zeros_like(x), xp.zeros_like(x)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    d = x - lo
    sign = xp.where(d < 0, -1.0, 1.0).astype(x.dtype)
    a = xp.abs(d)
    extra = xp.fmod(a, span)
    flips = xp.floor(a / span)
    even = (flips % 2) == 0
    out = xp.where(even, extra + lo, span - extra + lo)
    return out, xp.where(even, sign, -sign)


def _source(xp: Any, g: Array, size: int, padding_mode: str, align_corners: bool) -> tuple[Array, Array]:
    """Pixel coordinate of normalised grid values ``g`` along a dimension of ``size``; also d(coord)/d(g)."""
    if align_corners:
        x = (g + 1) / 2 * (size - 1)
        dx = xp.full(g.shape, (size - 1) / 2, dtype=g.dtype)
    else:
        x = ((g + 1) * size - 1) / 2
        dx = xp.full(g.shape, size / 2, dtype=g.dtype)
    if padding_mode == "border":
        inside = (x > 0) & (x < size - 1)
        x = xp.clip(x, 0, size - 1)
        dx = dx * inside
    elif padding_mode == "reflection":
        if align_corners:
            x, s = _reflect(xp, x, 0, 2 * (size - 1))
        else:
            x, s = _reflect(xp, x, -1, 2 * size - 1)
        dx = dx * s
        inside = (x > 0) & (x < size - 1)
        x = xp.clip(x, 0, size - 1)
        dx = dx * inside
    return x, dx


class GridSample(Function):
    """Sample ``x (N, C, H, W)`` at ``grid (N, Ho, Wo, 2)`` (``(x, y)`` in ``[-1, 1]``)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, grid: Tensor, mode: str, padding_mode: str, align_corners: bool) -> Tensor:
        xp = x.device.xp
        xa, ga = x.array, grid.array
        n, c, h, w = xa.shape
        ho, wo = ga.shape[1:3]
        px, dpx = _source(xp, ga[..., 0].reshape(n, ho * wo), w, padding_mode, align_corners)
        py, dpy = _source(xp, ga[..., 1].reshape(n, ho * wo), h, padding_mode, align_corners)
        flat = xa.reshape(n, c, h * w)
        corners = []
        if mode == "nearest":
            ix, iy = xp.rint(px).astype(xp.int64), xp.rint(py).astype(xp.int64)
            corners.append((ix, iy, xp.ones(px.shape, dtype=xa.dtype)))
        else:
            x0f, y0f = xp.floor(px), xp.floor(py)
            wx1, wy1 = (px - x0f).astype(xa.dtype), (py - y0f).astype(xa.dtype)
            x0, y0 = x0f.astype(xp.int64), y0f.astype(xp.int64)
            corners = [
                (x0, y0, (1 - wx1) * (1 - wy1)),
                (x0 + 1, y0, wx1 * (1 - wy1)),
                (x0, y0 + 1, (1 - wx1) * wy1),
                (x0 + 1, y0 + 1, wx1 * wy1),
            ]
            ctx.frac = (wx1, wy1, dpx, dpy)
        y = xp.zeros((n, c, ho * wo), dtype=xa.dtype)
        saved = []
        for ix, iy, wt in corners:
            valid = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
            idx = xp.where(valid, iy * w + ix, 0)
            vals = xp.take_along_axis(flat, idx[:, None, :], axis=2) * valid[:, None, :]
            y += vals * wt[:, None, :]
            saved.append((idx, valid, wt, vals))
        ctx.corners = saved
        ctx.meta = (mode, xa.shape, ga.shape)
        ctx.src = (px, dpx, py, dpy)
        ctx.save_for_backward(x, grid)
        return as_tensor(y.reshape(n, c, ho, wo))

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, ...]:
        if wants_graph(gy):  # create_graph=True: re-derive from the same sampling written with Variable ops
            x, grid = ctx.saved_tensors
            needs = ctx.needs_input_grad[:2]
            return (
                *composite_backward(needs, (x, grid), (gy,), lambda x, g: _sample_graph(ctx, x, g)),
                None,
                None,
                None,
            )
        return GridSample._backward_arrays(ctx, gy)  # type: ignore[no-any-return]

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx: Any, gy: Tensor) -> tuple[Tensor | None, ...]:
        need_x, need_g = ctx.needs_input_grad[:2]
        xp = gy.device.xp
        mode, xshape, gshape = ctx.meta
        n, c, h, w = xshape
        g3 = gy.array.reshape(n, c, gshape[1] * gshape[2])
        gx = ggrid = None
        if need_x:
            acc: Array = None
            for idx, valid, wt, _ in ctx.corners:
                contrib = g3 * (wt * valid)[:, None, :]
                part = scatter_flat(contrib, xp.broadcast_to(idx[:, None, :], contrib.shape), (h * w,))
                acc = part if acc is None else acc + part
            gx = as_tensor(acc.reshape(xshape))
        if need_g:
            if mode == "nearest":
                ggrid = as_tensor(xp.zeros(gshape, dtype=g3.dtype))
            else:
                wx1, wy1, dpx, dpy = ctx.frac
                (_, _, _, v00), (_, _, _, v01), (_, _, _, v10), (_, _, _, v11) = ctx.corners
                ddx = (v01 - v00) * (1 - wy1)[:, None, :] + (v11 - v10) * wy1[:, None, :]
                ddy = (v10 - v00) * (1 - wx1)[:, None, :] + (v11 - v01) * wx1[:, None, :]
                gxs = (g3 * ddx).sum(axis=1) * dpx
                gys = (g3 * ddy).sum(axis=1) * dpy
                ggrid = as_tensor(xp.stack([gxs, gys], axis=-1).reshape(gshape).astype(g3.dtype, copy=False))
        return gx, ggrid, None, None, None


def _sample_graph(ctx: Any, x: Variable, grid: Variable) -> Variable:
    """``grid_sample``'s forward with differentiable Variable ops, around the forward's point: the pixel coordinate
    is the grid value through the forward's (piecewise linear) map, the corner indices and validity are constants."""
    mode, (n, c, h, w), gshape = ctx.meta
    ho, wo = gshape[1:3]
    flat = x.reshape(n, c, h * w)
    y: Variable | None = None
    if mode == "nearest":
        idx, valid, _, _ = ctx.corners[0]
        y = _gather(flat, idx, valid, c)
    else:
        px, dpx, py, dpy = ctx.src
        xp = x.data.device.xp
        ga = grid.data.array
        gx, gy = ga[..., 0].reshape(n, ho * wo), ga[..., 1].reshape(n, ho * wo)
        # the coordinate as a Variable: value px, slope dpx in the grid (constant within the piece)
        pxv = grid[..., 0].reshape(n, ho * wo) * _const(dpx) + _const(px - xp.floor(px) - dpx * gx)
        pyv = grid[..., 1].reshape(n, ho * wo) * _const(dpy) + _const(py - xp.floor(py) - dpy * gy)
        weights = [(1 - pxv) * (1 - pyv), pxv * (1 - pyv), (1 - pxv) * pyv, pxv * pyv]
        for (idx, valid, _, _), wt in zip(ctx.corners, weights):
            term = _gather(flat, idx, valid, c) * wt.unsqueeze(1)
            y = term if y is None else y + term
    assert y is not None
    return y.reshape(n, c, ho, wo)


def _const(a: Array) -> Variable:
    return Variable(as_tensor(a))


def _gather(flat: Variable, idx: Array, valid: Array, c: int) -> Variable:
    """``flat (N, C, HW)`` at the flat indices ``idx (N, P)`` (zero where not ``valid``): ``(N, C, P)``."""
    xp = flat.data.device.xp
    full = xp.broadcast_to(idx[:, None, :], (idx.shape[0], c, idx.shape[1]))
    return flat.gather(2, as_tensor(xp.ascontiguousarray(full))) * _const(
        valid[:, None, :].astype(flat.data.array.dtype)
    )


def grid_sample(
    input: TensorLike,
    grid: TensorLike,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Variable:
    """Sample ``input (N, C, H, W)`` at the normalised locations ``grid (N, Ho, Wo, 2)``.

    Example::

        >>> x = taeda.autograd.randn(1, 1, 4, 4)
        >>> grid = affine_grid(taeda.tensor.tensor([[[1.0, 0, 0], [0, 1, 0]]]), [1, 1, 4, 4], align_corners=False)
        >>> bool((grid_sample(x, grid, align_corners=False) - x).abs().max() < 1e-5)
        True
    """
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear' or 'nearest', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
            f"'{padding_mode}'"
        )
    xs, gs = tuple(input.shape), tuple(grid.shape)
    if len(xs) != 4 or len(gs) != 4 or gs[-1] != 2 or gs[0] != xs[0]:
        raise RuntimeError(
            f"grid_sampler(): expected 4D input and grid with same batch size and grid of shape (N, H, W, 2), but "
            f"got input with sizes {list(xs)} and grid with sizes {list(gs)}"
        )
    if input.dtype != grid.dtype:
        raise RuntimeError(
            f"grid_sampler(): expected input and grid to have same dtype, but input has {input.dtype} and grid has "
            f"{grid.dtype}"
        )
    return GridSample.apply(input, grid, mode, padding_mode, bool(align_corners))  # type: ignore[no-any-return]


class AffineGrid(Function):
    """``grid (N, H, W, 2) = base (H, W, 3) @ thetaᵀ``."""

    @staticmethod
    def forward(ctx: Any, theta: Tensor, size: tuple[int, ...], align_corners: bool) -> Tensor:
        xp = theta.device.xp
        ta = theta.array
        _, _, h, w = size

        def lin(k: int) -> Array:
            if k == 1:
                return xp.zeros(1, dtype=ta.dtype)
            v = xp.linspace(-1.0, 1.0, k, dtype=ta.dtype)
            return v if align_corners else v * (k - 1) / k

        base = xp.ones((h, w, 3), dtype=ta.dtype)
        base[..., 0] = lin(w)[None, :]
        base[..., 1] = lin(h)[:, None]
        b2 = base.reshape(1, h * w, 3)
        ctx.base = b2
        grid = xp.matmul(b2, ta.transpose(0, 2, 1))  # (N, HW, 2)
        return as_tensor(grid.reshape(ta.shape[0], h, w, 2))

    @staticmethod
    def backward(ctx: Any, gg: Any) -> tuple[Any, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None
        if wants_graph(gg):  # linear in theta: the same product as a differentiable matmul
            base = _const(ctx.base[0])  # (HW, 3)
            return gg.reshape(gg.shape[0], base.shape[0], 2).transpose(1, 2) @ base, None, None
        return AffineGrid._backward_arrays(ctx, gg)  # type: ignore[no-any-return]

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx: Any, gg: Tensor) -> tuple[Tensor | None, None, None]:
        xp = gg.device.xp
        g2 = gg.array.reshape(gg.shape[0], ctx.base.shape[1], 2)  # (N, HW, 2), N may be 0
        return as_tensor(xp.matmul(g2.transpose(0, 2, 1), ctx.base)), None, None


def affine_grid(theta: TensorLike, size: Sequence[int], align_corners: bool | None = None) -> Variable:
    """Sampling grid ``(N, H, W, 2)`` for the 2-D affine transforms ``theta (N, 2, 3)`` (for :func:`grid_sample`).

    Example::

        >>> tuple(affine_grid(taeda.tensor.tensor([[[1.0, 0, 0], [0, 1, 0]]]), [1, 3, 5, 6]).shape)
        (1, 5, 6, 2)
    """
    sz = tuple(int(s) for s in size)
    if len(sz) != 4:
        raise ValueError(f"affine_grid only supports 4D sizes, for 2D affine transforms. Got size {list(sz)}.")
    if tuple(theta.shape) != (sz[0], 2, 3):
        raise ValueError(
            f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {list(sz)}. Got {list(theta.shape)}."
        )
    return AffineGrid.apply(theta, sz, bool(align_corners))  # type: ignore[no-any-return]
