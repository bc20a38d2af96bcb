"""Index-based gathers and scatters: ``take_along_dim``, ``index_add``, ``index_fill`` and ``scatter_reduce``.

``scatter_reduce``'s gradient is PyTorch's ``scatter_reduce_backward``: "sum" and "mean" pass (scaled) gradients
through, "amax"/"amin" split the gradient evenly between every value equal to the result, "prod" divides the
result by each factor (exact with one zero among the values reduced into a position). One deliberate difference:
with ``include_self=False``, an excluded ``input`` value that happens to equal the result is not counted as a tie
(PyTorch counts it and so sends only part of the gradient to the ``src`` values that produced the result).
"""

from __future__ import annotations

import math
from typing import Any

import taeda.tensor as tt
from taeda.autograd._util import BuiltinFunction, TensorLike

_Tensor = tt.Tensor


class TakeAlongDim(BuiltinFunction):
    """``take_along_dim(input, indices, dim)`` (``input`` and ``indices`` broadcast except along ``dim``; the
    flattened input when ``dim`` is None): the gradient is scattered back with ``scatter_add``."""

    @staticmethod
    def forward(ctx: Any, a: Any, indices: Any, dim: int | None) -> Any:
        ctx.info = (a.array.shape, indices, dim)
        return tt.take_along_dim(a, indices, dim)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None]:
        shape, idx, dim = ctx.info
        if dim is None:
            n = math.prod(shape)
            flat = g.new_zeros(n).scatter_add(0, idx.reshape(-1), g.reshape(-1))
            return flat.reshape(shape), None, None
        nd = len(shape)
        d = dim % max(nd, 1)
        ishape = tuple(idx.shape)
        # the broadcast shapes of input and indices along every dim but ``d``
        rest = tt.broadcast_shapes(
            tuple(1 if i == d else s for i, s in enumerate(shape)),
            tuple(1 if i == d else s for i, s in enumerate(ishape)),
        )
        full = tuple(shape[d] if i == d else s for i, s in enumerate(rest))
        ib = tuple(ishape[d] if i == d else s for i, s in enumerate(rest))
        if ib != ishape:
            idx = idx.expand(ib)
        # the engine sums the gradient of the broadcast input back to the input's shape
        return g.new_zeros(full).scatter_add(d, idx, g), None, None


def _select(g: Any, dim: int, index: Any, shape: tuple[int, ...]) -> Any:
    """``g.index_select(dim, index)`` shaped as ``shape`` (a 0-d source or input reads index 0 of a 1-d view)."""
    if g.ndim == 0:
        g = g.reshape(1)
    out = g.index_select(dim, index)
    return out if tuple(out.shape) == shape else out.reshape(shape)


class IndexAdd(BuiltinFunction):
    """``input.index_add(dim, index, source, alpha=alpha)``: ``g`` to the input, ``alpha * g[index]`` to source."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, index: Any, source: Any, alpha: Any) -> Any:
        ctx.info = (dim, index, source.array.shape if isinstance(source, _Tensor) else (), alpha)
        return a.index_add(dim, index, source, alpha=alpha)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, Any, None]:
        dim, index, sshape, alpha = ctx.info
        na, ns = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        gs = None
        if ns:
            gs = _select(g, dim if g.ndim else 0, index, sshape)
            if alpha != 1:
                gs = gs * alpha
        return (g if na else None), None, None, gs, None


class IndexFill(BuiltinFunction):
    """``input.index_fill(dim, index, value)``; a 0-d Tensor ``value`` gets the sum of ``g`` over the filled
    positions (each counted once, as PyTorch's ``index_select`` over the unique indices)."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, index: Any, value: Any) -> Any:
        ctx.info = (dim, index)
        return a.index_fill(dim, index, value)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, Any]:
        dim, index = ctx.info
        na, nv = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        ga = g.index_fill(dim, index, 0) if na else None
        gv = None
        if nv:
            uniq = tt.unique(index)
            gv = (g if g.ndim else g.reshape(1)).index_select(dim if g.ndim else 0, uniq).sum()
        return ga, None, None, gv


class ScatterReduce(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, index: Any, src: Any, reduce: str, include_self: bool) -> Any:
        y = a.scatter_reduce(dim, index, src, reduce, include_self=include_self)
        if reduce in ("sum", "mean"):
            ctx.save_for_backward(None, None, None)
        else:
            ctx.save_for_backward(a, src, y)
        ctx.info = (dim % max(a.array.ndim, 1), index, reduce, include_self, a.array.shape)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, Any, None, None]:
        a, src, y = ctx.saved_tensors
        d, index, reduce, include_self, shape = ctx.info
        if reduce == "sum":
            ga, gs = g, g.gather(d, index)
        elif reduce == "mean":
            n = (tt.ones if include_self else tt.zeros)(shape, dtype=g.dtype, device=g.device)
            n = n.scatter_add(d, index, tt.ones(tuple(index.shape), dtype=g.dtype, device=g.device))
            n = n.masked_fill(n == 0, 1)
            ga, gs = g / n, g.gather(d, index) / n.gather(d, index)
        elif reduce in ("amax", "amin"):
            value = y.gather(d, index)
            self_is = (a == y).to(g.dtype)
            if not include_self:
                self_is = self_is.scatter(d, index, 0)  # excluded values are no ties (see the module docstring)
            src_is = (src == value).to(g.dtype)
            share = g / self_is.scatter_add(d, index, src_is)
            ga, gs = self_is * share, src_is * share.gather(d, index)
        else:  # prod
            ga, gs = _prod_grads(g, a, src, y, d, index, include_self)
        if not include_self:
            ga = ga.scatter(d, index, 0)
        return (
            ga if ctx.needs_input_grad[0] else None,
            None,
            None,
            gs if ctx.needs_input_grad[3] else None,
            None,
            None,
        )


def _prod_grads(g: Any, a: Any, src: Any, y: Any, d: int, index: Any, include_self: bool) -> tuple[Any, Any]:
    """PyTorch's "prod" branch: products without the factor itself, recomputed where a factor is 0."""
    masked_self = a.masked_fill(a == 0, 1)
    ga = g * masked_self.scatter_reduce(d, index, src, "prod", include_self=include_self) / masked_self
    src_zero = src == 0
    count = (
        tt.zeros(tuple(a.shape), dtype=g.dtype, device=g.device)
        .scatter_add(d, index, src_zero.to(g.dtype))
        .gather(d, index)
    )
    single = src_zero & (count == 1)
    masked_src_result = a.scatter_reduce(d, index, src.masked_fill(single, 1), "prod", include_self=include_self)
    gs = tt.where(
        single,
        (g * masked_src_result).gather(d, index),
        (g * y).gather(d, index) / src.masked_fill(src_zero, 1),
    )
    if not isinstance(gs, _Tensor) and bool((count > 1).any().item()):  # a recorded gradient (create_graph)
        gs = DelayedError.apply(gs, _PROD_DOUBLE_BACKWARD)
    return ga, gs


_PROD_DOUBLE_BACKWARD = (
    "scatter_reduce(): Double backward is unsupported for src when >1 zeros in src are scattered to the same "
    "position in self"
)


class DelayedError(BuiltinFunction):
    """Passes its input through; differentiating it raises ``message`` (PyTorch's ``DelayedError``)."""

    @staticmethod
    def forward(ctx: Any, a: Any, message: str) -> Any:
        ctx.message = message
        return a.clone()

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        raise RuntimeError(ctx.message)
