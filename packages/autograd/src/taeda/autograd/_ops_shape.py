"""Shape ops (views, permutations, expand, repeat, flip, roll, tril/triu, diagonal), joins (cat, stack) and
indexing (``__getitem__``, ``__setitem__``, gather, scatter, masked_fill).

Most shape ops are linear maps whose adjoint is another shape op: ``Linear`` runs a Tensor method forward and
another one backward, so one class covers view/reshape/squeeze/unsqueeze/flatten/permute/flip/roll/tril/triu.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._util import BuiltinFunction, TensorLike, sum_to

_Tensor = tt.Tensor


class Linear(BuiltinFunction):
    """``getattr(a, method)(*args)`` forward and ``getattr(g, back)(*back_args)`` backward; ``back`` None means
    "reshape back to the input's shape"."""

    @staticmethod
    def forward(ctx: Any, a: Any, method: str, args: tuple[Any, ...], back: str | None, back_args: Any) -> Any:
        ctx.info = (back, back_args if back is not None else a.array.shape)
        return getattr(a, method)(*args)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None, None]:
        back, args = ctx.info
        if back is None:
            return g.reshape(args), None, None, None, None
        return getattr(g, back)(*args), None, None, None, None


class View(BuiltinFunction):
    """``view``/``reshape`` and friends (the hot ones get their own class: no method lookup)."""

    @staticmethod
    def forward(ctx: Any, a: Any, shape: tuple[Any, ...], strict: bool) -> Any:
        ctx.shape = a.array.shape
        return a.view(*shape) if strict else a.reshape(*shape)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None]:
        return g.reshape(ctx.shape), None, None


class Permute(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dims: tuple[int, ...]) -> Any:
        inv = [0] * len(dims)
        for i, d in enumerate(dims):
            inv[d] = i
        ctx.inv = tuple(inv)
        return a.permute(*dims)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        return g.permute(*ctx.inv), None


class Expand(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, sizes: tuple[int, ...]) -> Any:
        ctx.shape = a.array.shape
        return a.expand(*sizes)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        return sum_to(g, ctx.shape), None


class Repeat(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, sizes: tuple[int, ...]) -> Any:
        shape = a.array.shape
        ctx.info = (shape, sizes)
        return a.repeat(*sizes)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        shape, sizes = ctx.info
        padded = (1,) * (len(sizes) - len(shape)) + tuple(shape)
        inter: list[int] = []
        for r, s in zip(sizes, padded):
            inter += [r, s]
        summed = g.reshape(tuple(inter)).sum(dim=tuple(range(0, 2 * len(sizes), 2)))
        return summed.reshape(shape), None


class RepeatInterleave(BuiltinFunction):
    """``repeat_interleave(a, repeats, dim)``; its adjoint sums each run of copies (``RepeatInterleaveGrad``)."""

    @staticmethod
    def forward(ctx: Any, a: Any, repeats: Any, dim: int | None) -> Any:
        out = a.repeat_interleave(repeats, dim)
        arr = a.array
        d = 0 if dim is None or arr.ndim == 0 else dim % arr.ndim
        ctx.info = (arr.shape, repeats, dim, d)
        return out

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None]:
        shape, repeats, dim, d = ctx.info
        return RepeatInterleaveGrad.apply(g, repeats, dim, d, shape), None, None


class RepeatInterleaveGrad(BuiltinFunction):
    """Sum of each run of ``repeats`` copies along ``d``, reshaped to ``shape``: the adjoint of
    ``repeat_interleave``."""

    @staticmethod
    def forward(ctx: Any, g: Any, repeats: Any, dim: int | None, d: int, shape: tuple[int, ...]) -> Any:
        ctx.info = (repeats, dim)
        xp = _xp(g)
        ga = g.array
        n = 1 if dim is None or len(shape) == 0 else shape[d]
        if dim is None:
            n = int(np.prod(shape, dtype=np.int64))
        if isinstance(repeats, _Tensor):
            counts = repeats.array.reshape(-1).astype(np.int64)
            if counts.size == 1:
                counts = xp.full((n,), int(counts[0]), dtype=np.int64)
        else:
            counts = xp.full((n,), int(repeats), dtype=np.int64)
        out_shape = ga.shape[:d] + (n,) + ga.shape[d + 1 :]
        res = xp.zeros(out_shape, dtype=ga.dtype)
        nz = xp.nonzero(counts)[0]
        if nz.size and ga.size:
            starts = xp.cumsum(counts) - counts
            sums = xp.add.reduceat(ga, starts[nz], axis=d)
            idx = (slice(None),) * d + (nz,)
            res[idx] = sums
        return tt.as_tensor(res.reshape(shape))

    @staticmethod
    def backward(ctx: Any, gg: TensorLike) -> tuple[Any, None, None, None, None]:
        repeats, dim = ctx.info
        return RepeatInterleave.apply(gg, repeats, dim), None, None, None, None


def _xp(t: Any) -> Any:
    return t.device.xp


class DiagonalGrad(BuiltinFunction):
    """Zeros of ``shape`` with ``g`` on the diagonal ``(offset, dim1, dim2)``: the adjoint of ``diagonal``."""

    @staticmethod
    def forward(ctx: Any, g: Any, shape: tuple[int, ...], offset: int, d1: int, d2: int) -> Any:
        ctx.info = (offset, d1, d2)
        xp = _xp(g)
        z = xp.zeros(shape, dtype=g.array.dtype)
        zv = xp.moveaxis(z, (d1, d2), (-2, -1))
        n = g.array.shape[-1]
        i = xp.arange(n)
        rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
        zv[..., rows, cols] = g.array
        return tt.as_tensor(z)

    @staticmethod
    def backward(ctx: Any, gg: TensorLike) -> tuple[Any, None, None, None, None]:
        offset, d1, d2 = ctx.info
        return gg.diagonal(offset, d1, d2), None, None, None, None


class Diagonal(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, offset: int, d1: int, d2: int) -> Any:
        nd = a.array.ndim
        ctx.info = (a.array.shape, offset, d1 % nd, d2 % nd)
        return a.diagonal(offset, d1, d2)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        shape, offset, d1, d2 = ctx.info
        return DiagonalGrad.apply(g, shape, offset, d1, d2), None, None, None


class DiagEmbed(BuiltinFunction):
    """``diag`` of a 1-D input: a square matrix with the input on diagonal ``offset``."""

    @staticmethod
    def forward(ctx: Any, a: Any, offset: int) -> Any:
        ctx.offset = offset
        return a.diag(offset)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        return g.diagonal(ctx.offset, 0, 1), None


class Cat(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, dim: int, *tensors: Any) -> Any:
        y = tt.cat(list(tensors), dim)
        d = dim % max(y.array.ndim, 1)
        ctx.info = (d, [t.array.shape[d] if t.array.ndim > d else 0 for t in tensors], [t.array.shape for t in tensors])
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, ...]:
        d, sizes, shapes = ctx.info
        out: list[Any] = [None]
        start = 0
        lead = (slice(None),) * d
        for n, shape, need in zip(sizes, shapes, ctx.needs_input_grad[1:]):
            if need:
                gi = g[(*lead, slice(start, start + n))]
                out.append(gi if gi.shape == shape else gi.reshape(shape))  # a skipped 1-D empty input: (0,)
            else:
                out.append(None)
            start += n
        return tuple(out)


class Stack(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, dim: int, *tensors: Any) -> Any:
        y = tt.stack(list(tensors), dim)
        ctx.dim = dim % y.array.ndim
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, ...]:
        lead = (slice(None),) * ctx.dim
        out: list[Any] = [None]
        for i, need in enumerate(ctx.needs_input_grad[1:]):
            out.append(g[(*lead, i)] if need else None)
        return tuple(out)


# ------------------------------------------------------------------------------------------------ indexing
def array_key(key: Any) -> Any:
    """An indexing key with Tensors (and Variables) replaced by their ndarrays, lists by arrays."""
    if isinstance(key, tuple):
        return tuple(array_key(k) for k in key)
    if isinstance(key, _Tensor):
        return key.array
    data = getattr(key, "data", None)
    if isinstance(data, _Tensor):
        return data.array
    if isinstance(key, list):
        return np.asarray(key)
    return key


def _has_int_array(key: Any) -> bool:
    ks = key if isinstance(key, tuple) else (key,)
    for k in ks:
        kind = getattr(getattr(k, "dtype", None), "kind", None)
        if kind is not None and kind in "iu" and getattr(k, "ndim", 0) >= 0 and not isinstance(k, (int, np.integer)):
            return True
    return False


def _to_xp(key: Any, xp: Any) -> Any:
    if xp is np:
        return key
    if isinstance(key, tuple):
        return tuple(_to_xp(k, xp) for k in key)
    if isinstance(key, np.ndarray):
        return xp.asarray(key)
    return key


class IndexGrad(BuiltinFunction):
    """Zeros of ``shape`` with ``g`` added at ``key`` (repeated indices accumulate): the adjoint of indexing."""

    @staticmethod
    def forward(ctx: Any, g: Any, shape: tuple[int, ...], key: Any) -> Any:
        ctx.key = key
        xp = _xp(g)
        garr = g.array
        z = xp.zeros(shape, dtype=garr.dtype)
        k = _to_xp(key, xp)
        if _has_int_array(k):
            # NOTE: repeated indices must accumulate, so not ``z[k] += garr``; CuPy >= 12.1 has ``add.at`` too.
            xp.add.at(z, k, garr)
        else:
            z[k] = garr
        return tt.as_tensor(z)

    @staticmethod
    def backward(ctx: Any, gg: TensorLike) -> tuple[Any, None, None]:
        return Index.apply(gg, ctx.key), None, None


class Index(BuiltinFunction):
    """``a[key]`` for basic, advanced and boolean keys (the key holds ndarrays, see ``array_key``)."""

    @staticmethod
    def forward(ctx: Any, a: Any, key: Any) -> Any:
        ctx.info = (a.array.shape, key)
        return tt.as_tensor(a.array[_to_xp(key, _xp(a))]) if _needs_raw(key) else a[key]

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        shape, key = ctx.info
        return IndexGrad.apply(g, shape, key), None


def _needs_raw(key: Any) -> bool:
    ks = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, np.ndarray) for k in ks)


def _index_value(t: Any, key: Any) -> Any:
    """``t[key]`` for a Tensor or a Variable with an ndarray key."""
    if isinstance(t, _Tensor):
        return tt.as_tensor(t.array[_to_xp(key, _xp(t))]) if _needs_raw(key) else t[key]
    return Index.apply(t, key)


class IndexPut(BuiltinFunction):
    """``a[key] = value`` computed out of place (the Variable's in-place ``__setitem__`` copies the result)."""

    @staticmethod
    def forward(ctx: Any, a: Any, value: Any, key: Any) -> Any:
        ctx.info = (a.array.shape, key, isinstance(value, _Tensor))
        r = a.clone()
        raw = r.array
        v = value.array if isinstance(value, _Tensor) else value
        raw[_to_xp(key, _xp(a))] = v
        return r

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any, None]:
        shape, key, mv = ctx.info
        na, nv = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ga = gv = None
        if na:
            keep = np.ones(shape, dtype=bool) if _xp(g) is np else _xp(g).ones(shape, dtype=bool)
            keep[_to_xp(key, _xp(g))] = False
            ga = g * tt.as_tensor(keep).to(g.dtype)
        if nv and mv:
            gv = _index_value(g, key)
        return ga, gv, None


class Gather(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, index: Any) -> Any:
        ctx.save_for_backward(index)
        ctx.info = (a.array.shape, dim)
        return a.gather(dim, index)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None]:
        (index,) = ctx.saved_tensors
        shape, dim = ctx.info
        return g.new_zeros(shape).scatter_add(dim, index, g), None, None


class Scatter(BuiltinFunction):
    """Out-of-place ``scatter(dim, index, src)`` (``src`` a tensor or a scalar) and ``scatter_add``."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, index: Any, src: Any, add: bool) -> Any:
        ctx.save_for_backward(index)
        ctx.info = (dim, add, isinstance(src, _Tensor))
        return a.scatter_add(dim, index, src) if add else a.scatter(dim, index, src)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, Any, None]:
        (index,) = ctx.saved_tensors
        dim, add, ms = ctx.info
        ga = gs = None
        if ctx.needs_input_grad[0]:
            ga = g * 1 if add else g.scatter(dim, index, 0)
        if ctx.needs_input_grad[3] and ms:
            gs = g.gather(dim, index)
        return ga, None, None, gs, None


class MaskedFill(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, mask: Any, value: Any) -> Any:
        ctx.save_for_backward(mask)
        ctx.mv = isinstance(value, _Tensor)
        return a.masked_fill(mask, value)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, Any]:
        (mask,) = ctx.saved_tensors
        ga = g.masked_fill(mask, 0) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[2] and ctx.mv:
            gv = g.masked_fill(~mask, 0).sum()
        return ga, None, gv
