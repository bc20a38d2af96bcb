"""More reductions: ``nansum``, ``nanmean``, ``var_mean``, ``std_mean`` and the running ``cummax``/``cummin``.

NaN handling is PyTorch's: ``nansum``'s gradient is ``g`` times "not NaN" (a product, so an infinite ``g`` meets
the NaNs as NaN), ``nanmean`` is ``nansum / count`` (an all-NaN slice divides by 0). ``cummax``/``cummin`` send the
gradient to the returned indices (``scatter_add``), as PyTorch's ``cummaxmin_backward``.
"""

from __future__ import annotations

from typing import Any

from taeda.autograd._ops_reduce import _var_info, expand_to, norm_dims, unreduce, var_backward
from taeda.autograd._util import BuiltinFunction, TensorLike


def _kept(a: Any, dim: Any) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    shape = a.array.shape
    return shape, norm_dims(dim, len(shape))


class NanSum(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, keepdim: bool, dtype: Any) -> Any:
        shape, dims = _kept(a, dim)
        if ctx.needs_input_grad[0]:
            ctx.info = (shape, dims, keepdim, a.dtype)
            ctx.valid = (~a.isnan()).to(a.dtype)
        return a.nansum(dim=dims, keepdim=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        shape, dims, keepdim, dtype = ctx.info
        if g.dtype != dtype:
            g = g.to(dtype)
        return expand_to(unreduce(g, shape, dims, keepdim), shape) * ctx.valid, None, None, None


class NanMean(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, keepdim: bool, dtype: Any) -> Any:
        shape, dims = _kept(a, dim)
        if ctx.needs_input_grad[0]:
            valid = (~a.isnan()).to(a.dtype)
            ctx.info = (shape, dims, keepdim, a.dtype)
            ctx.valid = valid
            ctx.count = valid.sum() if dims is None else valid.sum(dim=dims, keepdim=True)
        return a.nanmean(dim=dims, keepdim=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        shape, dims, keepdim, dtype = ctx.info
        if g.dtype != dtype:
            g = g.to(dtype)
        return unreduce(g, shape, dims, keepdim) / ctx.count * ctx.valid, None, None, None


def _mean_backward(g: Any, info: tuple[Any, ...]) -> Any:
    shape, dims, keepdim, _ = info
    count = 1
    for i, s in enumerate(shape):
        if dims is None or i in dims:
            count *= s
    return expand_to(unreduce(g / max(count, 1), shape, dims, keepdim), shape)


class VarMean(BuiltinFunction):
    """``var_mean``/``std_mean`` (``std`` true): ``(var or std, mean)``; each output's gradient is the one of
    ``var``/``std`` and of ``mean``, summed."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, correction: float, keepdim: bool, std: bool) -> Any:
        ctx.set_materialize_grads(False)
        ctx.info = info = _var_info(a, dim, correction, keepdim)
        v = a.var(dim=info[1], correction=correction, keepdim=keepdim)
        m = a.mean() if info[1] is None else a.mean(dim=info[1], keepdim=keepdim)
        if keepdim and info[1] is None:
            m = m.reshape(v.shape)
        if std:
            v = v.sqrt()
        ctx.save_for_backward(a, v if std else None)
        ctx.std = std
        return v, m

    @staticmethod
    def backward(ctx: Any, gv: Any, gm: Any) -> tuple[Any, None, None, None, None]:
        a, y = ctx.saved_tensors
        out = None
        if gv is not None:
            if ctx.std:  # PyTorch's std_backward: 0 where std is 0
                gv = (gv / (2 * y)).masked_fill(y == 0, 0)
            out = var_backward(gv, a, ctx.info)
        if gm is not None:
            gmean = _mean_backward(gm, ctx.info)
            out = gmean if out is None else out + gmean
        return out, None, None, None, None


class CumExtreme(BuiltinFunction):
    """``cummax`` (``largest``) / ``cummin``: ``(values, indices)``; the gradient goes to the indices."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, largest: bool) -> Any:
        values, indices = tuple(a.cummax(dim) if largest else a.cummin(dim))
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.info = (a.array.shape, dim % max(a.array.ndim, 1))
        return values, indices

    @staticmethod
    def backward(ctx: Any, g: TensorLike, gi: Any) -> tuple[Any, None, None]:
        (idx,) = ctx.saved_tensors
        shape, d = ctx.info
        if not shape:
            return g * 1, None, None
        return g.new_zeros(shape).scatter_add(d, idx, g), None, None


def var_mean_args(dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    """``(dim, correction)`` from ``var_mean``'s arguments (``var_mean(x, True)`` passes ``unbiased`` first)."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction
