"""Reductions (``dim``/``keepdim``), cumulative ops and the value-with-index selections (max/min along a dim,
sort, topk, kthvalue, median, mode).

Ties: ``max()``/``min()``/``median()``/``amax``/``amin`` split the gradient evenly between tied elements
(PyTorch's rule); the forms that return indices send it to the returned index only. Sum's backward broadcasts the
incoming gradient (a zero-copy ``expand``) instead of multiplying by a tensor of ones.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._util import BuiltinFunction, TensorLike, scalar_op

_Tensor = tt.Tensor


def norm_dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """``dim`` (None, an int or a sequence of ints, negatives allowed) as sorted non-negative ints."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return None
    out = []
    for d in dims:
        d = int(d)
        if not -max(ndim, 1) <= d < max(ndim, 1):
            lo, hi = -max(ndim, 1), max(ndim, 1) - 1
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
        out.append(d % max(ndim, 1))
    return tuple(sorted(out))


def keep_shape(shape: tuple[int, ...], dims: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced ``dims`` set to 1 (all of them when ``dims`` is None)."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def unreduce(g: TensorLike, shape: tuple[int, ...], dims: tuple[int, ...] | None, keepdim: bool) -> TensorLike:
    """A reduced gradient reshaped to keep the reduced dims (size 1), ready to broadcast against the input."""
    if keepdim or dims is None or not shape:  # a 0-d total broadcasts as it is
        return g
    return g.reshape(keep_shape(shape, dims))


def expand_to(g: TensorLike, shape: tuple[int, ...]) -> TensorLike:
    """``g.expand(shape)``; a 0-d NumPy Tensor (the gradient of a full reduction) gets its read-only broadcast view
    built directly, which costs a tenth of the general ``broadcast_to``."""
    if g.__class__ is _Tensor:
        arr = g.array
        if arr.ndim == 0 and arr.__class__ is np.ndarray and shape:
            view = np.ndarray(shape, arr.dtype, arr, 0, (0,) * len(shape))
            view.flags.writeable = False
            return tt.as_tensor(view)
    return g.expand(shape)


class Sum(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, keepdim: bool, dtype: Any) -> Any:
        arr = a.array
        if dim is None and dtype is None and not keepdim:
            ctx.info = (arr.shape, None, False, arr.dtype)
            return a.sum()
        dims = norm_dims(dim, arr.ndim)
        ctx.info = (arr.shape, dims, keepdim, arr.dtype)
        if dtype is None:
            return a.sum(dim=dims, keepdim=keepdim)
        return a.sum(dim=dims, keepdim=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        shape, dims, keepdim, dtype = ctx.info
        if g.dtype != dtype:
            g = g.to(dtype)
        return expand_to(unreduce(g, shape, dims, keepdim), shape), None, None, None


class SumAll(BuiltinFunction):
    """``a.sum()`` over every element (the usual loss reduction): ``Sum`` with its defaults, recorded through the
    one-argument path of ``Function.apply``. Its node is named ``SumBackward`` as Sum's."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        arr = a.array
        ctx.info = (arr.shape, arr.dtype)
        return a.sum()

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        shape, dtype = ctx.info
        if g.dtype != dtype:
            g = g.to(dtype)
        return expand_to(g, shape)


SumAll._backward_cls.__name__ = SumAll._backward_cls.__qualname__ = "SumBackward"


class Mean(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, keepdim: bool, dtype: Any) -> Any:
        shape = a.array.shape
        dims = norm_dims(dim, len(shape))
        count = 1
        for i, s in enumerate(shape):
            if dims is None or i in dims:
                count *= s
        ctx.info = (shape, dims, keepdim, count, a.array.dtype)
        if dtype is None:
            return a.mean(dim=dims, keepdim=keepdim)
        return a.mean(dim=dims, keepdim=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        shape, dims, keepdim, count, dtype = ctx.info
        if g.dtype != dtype:
            g = g.to(dtype)
        g = scalar_op(operator.truediv, g, max(count, 1))
        return expand_to(unreduce(g, shape, dims, keepdim), shape), None, None, None


def _others_product(a: TensorLike, d: int) -> TensorLike:
    """Product along ``d`` of all elements but the one at each position (exact with zeros: no division)."""
    n = a.shape[d]
    lead = (slice(None),) * d
    one = a[(*lead, slice(0, 1))] * 0 + 1
    left = tt.cat([one, a[(*lead, slice(0, n - 1))]], d).cumprod(d)
    right = tt.cat([a[(*lead, slice(1, n))], one], d).flip(d).cumprod(d).flip(d)
    return left * right


class Prod(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, keepdim: bool) -> Any:
        ctx.save_for_backward(a)
        ctx.info = (dim, keepdim)
        if dim is None:
            return a.prod()
        return a.prod(dim, keepdim=keepdim)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None]:
        (a,) = ctx.saved_tensors
        dim, keepdim = ctx.info
        shape = tuple(a.shape)
        if a.numel() == 0:
            return a * 0, None, None
        if dim is None:
            flat = a.reshape(-1)
            return (g * _others_product(flat, 0)).reshape(shape), None, None
        d = dim % max(len(shape), 1)
        if not shape:
            return g * 1, None, None
        return unreduce(g, shape, (d,), keepdim) * _others_product(a, d), None, None


class Extreme(BuiltinFunction):
    """``amax``/``amin`` (and ``max()``/``min()`` without dim): ties share the gradient evenly."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, keepdim: bool, largest: bool) -> Any:
        shape = a.array.shape
        dims = norm_dims(dim, len(shape))
        if dims is None:
            y = a.amax() if largest else a.amin()
            if keepdim:
                y = y.reshape(keep_shape(shape, None))
        else:
            y = a.amax(dim=dims, keepdim=keepdim) if largest else a.amin(dim=dims, keepdim=keepdim)
        ctx.save_for_backward(a, y)
        ctx.info = (shape, dims, keepdim)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        a, y = ctx.saved_tensors
        shape, dims, keepdim = ctx.info
        mask = (a == unreduce(y, shape, dims, keepdim)).to(g.dtype)
        count = mask.sum() if dims is None else mask.sum(dim=dims, keepdim=True)
        return unreduce(g, shape, dims, keepdim) * mask / count, None, None, None


class Spread(BuiltinFunction):
    """``max()``, ``min()`` and ``median()`` without dim (PyTorch's ``evenly_distribute_backward``): the gradient
    is split evenly between the elements equal to the result, or between the NaNs when the result is NaN."""

    @staticmethod
    def forward(ctx: Any, a: Any, method: str) -> Any:
        y = getattr(a, method)()
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        a, y = ctx.saved_tensors
        mask = (a.isnan() if y.isnan().item() else a == y).to(g.dtype)
        return g * mask / mask.sum(), None


def scatter_back(g: TensorLike, idx: Any, d: int, shape: tuple[int, ...], keepdim: bool) -> TensorLike:
    """Zeros of ``shape`` with ``g`` put at ``idx`` along ``d`` (the gradient of a selection by indices)."""
    if not keepdim and shape:
        g = g.unsqueeze(d)
        idx = idx.unsqueeze(d)
    if not shape:
        return g * 1
    return g.new_zeros(shape).scatter(d, idx, g)


class SelectDim(BuiltinFunction):
    """Ops returning ``(values, indices)`` along a dim: ``max``/``min`` with dim, ``kthvalue``, ``median``,
    ``mode``, ``sort``, ``topk``. ``method`` names the Tensor method; the gradient goes to the indices."""

    @staticmethod
    def forward(ctx: Any, a: Any, method: str, d: int, keepdim: bool, args: tuple[Any, ...]) -> Any:
        values, indices = tuple(getattr(a, method)(*args))
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.info = (a.array.shape, d % max(a.array.ndim, 1), keepdim)
        return values, indices

    @staticmethod
    def backward(ctx: Any, g: TensorLike, gi: Any) -> tuple[Any, None, None, None, None]:
        (idx,) = ctx.saved_tensors
        shape, d, keepdim = ctx.info
        return scatter_back(g, idx, d, shape, keepdim), None, None, None, None


def _var_info(a: Any, dim: Any, correction: float, keepdim: bool) -> tuple[Any, ...]:
    """``(shape, dims, keepdim, n - correction)`` for ``var_backward``."""
    shape = a.array.shape
    dims = norm_dims(dim, len(shape))
    count = 1
    for i, s in enumerate(shape):
        if dims is None or i in dims:
            count *= s
    return shape, dims, keepdim, count - correction


def var_backward(g: TensorLike, a: TensorLike, info: tuple[Any, ...]) -> TensorLike:
    """PyTorch's ``var_backward``: ``g * (a - mean) * 2 / (n - correction)``, with ``2 / 0`` infinite; over all
    elements with ``n <= correction``, ``g`` times NaN where ``a`` equals its mean (inf * 0) and inf elsewhere."""
    shape, dims, keepdim, denom = info
    gk = unreduce(g, shape, dims, keepdim)
    mean = a.mean() if dims is None else a.mean(dim=dims, keepdim=True)
    if dims is None and denom <= 0:
        return gk * tt.where(a == mean, math.nan, math.inf).to(a.dtype)
    return gk * (a - mean) * (2.0 / denom if denom else math.inf)


class Var(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, correction: float, keepdim: bool) -> Any:
        ctx.save_for_backward(a)
        ctx.info = info = _var_info(a, dim, correction, keepdim)
        return a.var(dim=info[1], correction=correction, keepdim=keepdim)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        (a,) = ctx.saved_tensors
        return var_backward(g, a, ctx.info), None, None, None


class Std(BuiltinFunction):
    """``std``: sqrt's gradient ``g / (2 std)`` is taken as 0 where std is 0 (PyTorch's ``std_backward``)."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, correction: float, keepdim: bool) -> Any:
        ctx.info = info = _var_info(a, dim, correction, keepdim)
        y = a.var(dim=info[1], correction=correction, keepdim=keepdim).sqrt()
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        a, y = ctx.saved_tensors
        return var_backward((g / (2 * y)).masked_fill(y == 0, 0), a, ctx.info), None, None, None


class Norm(BuiltinFunction):
    """Vector p-norm over ``dim`` (all elements when None): p = 2 ('fro'), 1, inf, -inf, 0 or any float."""

    @staticmethod
    def forward(ctx: Any, a: Any, p: Any, dim: Any, keepdim: bool) -> Any:
        shape = a.array.shape
        dims = norm_dims(dim, len(shape))
        y = a.norm(p, dim=dims, keepdim=keepdim)
        ctx.save_for_backward(a, y)
        ctx.info = (shape, dims, keepdim, 2.0 if p in (None, "fro") else float(p))
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        a, y = ctx.saved_tensors
        shape, dims, keepdim, p = ctx.info
        gk = unreduce(g, shape, dims, keepdim)
        yk = unreduce(y, shape, dims, keepdim)
        if p == 0:
            grad = a * 0
        elif p == 1:
            grad = gk * a.sign()
        elif p == 2:
            grad = (gk * a / yk).masked_fill(yk == 0, 0)
        elif p in (float("inf"), float("-inf")):
            mask = (a.abs() == yk).to(a.dtype)
            count = mask.sum() if dims is None else mask.sum(dim=dims, keepdim=True)
            grad = gk * a.sign() * mask / count
        else:
            grad = (gk * a * a.abs() ** (p - 2) / yk ** (p - 1)).masked_fill(yk == 0, 0)
        return grad, None, None, None


class LogSumExp(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: Any, keepdim: bool) -> Any:
        shape = a.array.shape
        dims = norm_dims(dim, len(shape))
        y = a.logsumexp(dim=dims if dims is not None else tuple(range(len(shape))), keepdim=keepdim)
        ctx.save_for_backward(a, y)
        ctx.info = (shape, dims, keepdim)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None]:
        a, y = ctx.saved_tensors
        shape, dims, keepdim = ctx.info
        return unreduce(g, shape, dims, keepdim) * (a - unreduce(y, shape, dims, keepdim)).exp(), None, None


class Cumsum(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: int) -> Any:
        ctx.dim = dim
        return a.cumsum(dim)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        d = ctx.dim
        if g.ndim == 0:
            return g * 1, None
        return g.flip(d).cumsum(d).flip(d), None


def _cumprod_grad_with_zeros(a: TensorLike, g: TensorLike, d: int) -> TensorLike:
    """Gradient of ``cumprod`` without dividing by the input (exact with zeros): O(n^2) along ``d``.

    grad_i = L_i * sum_{k >= i} g_k * prod_{i < j <= k} a_j, with L_i the product of the elements before i.
    """
    am = a.movedim(d, -1)
    gm = g.movedim(d, -1)
    n = am.shape[-1]
    xp = am.device.xp
    i = xp.arange(n)
    after = tt.as_tensor(i[None, :] > i[:, None])  # [i, j]: j > i
    before = tt.as_tensor(i[None, :] < i[:, None])  # [i, k]: k < i
    rows = am.unsqueeze(-2).expand(*am.shape[:-1], n, n).masked_fill(~after, 1)
    partial = rows.cumprod(-1).masked_fill(before, 0)  # [i, k] = prod_{i<j<=k} a_j for k >= i
    s = (partial * gm.unsqueeze(-2)).sum(-1)
    lead = tt.cat([am[..., :1] * 0 + 1, am[..., : n - 1]], -1).cumprod(-1)
    return (lead * s).movedim(-1, d)


class Cumprod(BuiltinFunction):
    """Cumulative product; the gradient divides by the input unless it holds zeros (then an exact O(n^2) form)."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int) -> Any:
        y = a.cumprod(dim)
        ctx.save_for_backward(a, y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        a, y = ctx.saved_tensors
        d = ctx.dim
        if g.ndim == 0:
            return g * 1, None
        if bool((a == 0).any()):
            return _cumprod_grad_with_zeros(a, g, d % g.ndim), None
        return (g * y).flip(d).cumsum(d).flip(d) / a, None
