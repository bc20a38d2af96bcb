"""``embedding`` (a row gather with a scatter-add backward) and ``embedding_bag``."""

from __future__ import annotations

import math
from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable, no_grad
from taeda.nn.functional._double import wants_graph
from taeda.nn.functional._util import Array, Kernel, TensorLike, as_var, data_of, scatter_add
from taeda.tensor import Tensor, as_tensor

__all__ = ["embedding", "embedding_bag"]


class Embedding(Kernel):
    """Rows of ``weight`` at integer ``indices``; backward scatter-adds into a zero gradient."""

    @staticmethod
    def forward(ctx: Any, weight: Tensor, indices: Tensor, padding_idx: int | None, scale_grad_by_freq: bool) -> Tensor:
        idx = indices.array
        ctx.idx = idx
        ctx.wshape = tuple(weight.shape)
        ctx.dtype = weight.dtype
        ctx.padding_idx = padding_idx
        ctx.scale = scale_grad_by_freq
        return as_tensor(weight.array[idx])

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, None, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None, None
        if wants_graph(g):
            return EmbeddingScatter.apply(g, ctx.idx, ctx.wshape, ctx.padding_idx, ctx.scale), None, None, None
        return as_tensor(_scatter(g.array, ctx.idx, ctx.wshape, ctx.padding_idx, ctx.scale)), None, None, None


def _row_scale(xp: Any, idx: Array, rows: int, padding_idx: int | None, scale: bool, dtype: Any) -> Array | None:
    """Per-lookup factor of the weight gradient: 1/count with ``scale_grad_by_freq``, 0 at ``padding_idx``."""
    if not scale and padding_idx is None:
        return None
    f = xp.ones(idx.shape[0], dtype=dtype)
    if scale:
        f /= xp.bincount(idx, minlength=rows)[idx].astype(dtype)
    if padding_idx is not None:
        f[idx == padding_idx] = 0
    return f


def _scatter(ga: Array, idx_nd: Array, wshape: tuple[int, ...], padding_idx: int | None, scale: bool) -> Array:
    """The weight gradient: rows of ``ga`` summed into their indices' rows."""
    xp = as_tensor(ga).device.xp
    idx = idx_nd.reshape(-1)
    rows = ga.reshape(idx.shape[0], math.prod(wshape[1:]))  # (no -1: there may be no lookups)
    gw = xp.zeros((wshape[0], rows.shape[1]), dtype=ga.dtype)
    if scale:
        counts = xp.bincount(idx, minlength=wshape[0])
        rows = rows / counts[idx][:, None].astype(ga.dtype)
    scatter_add(xp, gw, idx, rows)
    if padding_idx is not None:
        gw[padding_idx] = 0
    return gw.reshape(wshape)


class EmbeddingScatter(Kernel):
    """``Embedding``'s weight gradient as a Function (linear in ``g``; its backward is ``EmbeddingGather``)."""

    @staticmethod
    def forward(
        ctx: Any, g: Tensor, idx: Array, wshape: tuple[int, ...], padding_idx: int | None, scale: bool
    ) -> Tensor:
        ctx.args = (idx, wshape, padding_idx, scale)
        return as_tensor(_scatter(g.array, idx, wshape, padding_idx, scale))

    @staticmethod
    def backward(ctx: Any, gg: Any) -> tuple[Any, None, None, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None
        return EmbeddingGather.apply(gg, *ctx.args), None, None, None, None


class EmbeddingGather(Kernel):
    """The adjoint of ``EmbeddingScatter``: rows of ``w`` at ``idx``, times the per-lookup factor."""

    @staticmethod
    def forward(
        ctx: Any, w: Tensor, idx: Array, wshape: tuple[int, ...], padding_idx: int | None, scale: bool
    ) -> Tensor:
        ctx.args = (idx, wshape, padding_idx, scale)
        xp = w.device.xp
        flat = idx.reshape(-1)
        rows = w.array.reshape(wshape[0], -1)[flat]
        f = _row_scale(xp, flat, wshape[0], padding_idx, scale, rows.dtype)
        if f is not None:
            rows = rows * f[:, None]
        return as_tensor(rows.reshape(*idx.shape, *wshape[1:]))

    @staticmethod
    def backward(ctx: Any, gg: Any) -> tuple[Any, None, None, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None
        return EmbeddingScatter.apply(gg, *ctx.args), None, None, None, None


def _renorm(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """Rescale in place the rows of ``weight`` referenced by ``idx`` whose ``norm_type``-norm exceeds
    ``max_norm`` (as PyTorch's ``embedding_renorm_``)."""
    xp = weight.device.xp
    a = weight.array
    rows = xp.unique(idx.reshape(-1))
    sel = a[rows]
    norms = xp.linalg.norm(sel, ord=norm_type, axis=1)  # (any p, inf and 0 included, as PyTorch's norm)
    over = norms > max_norm
    if bool(over.any()):
        scale = (max_norm / (norms[over] + 1e-7)).astype(a.dtype)
        new = a.copy()
        new[rows[over]] = sel[over] * scale[:, None]
        weight.copy_(as_tensor(new))


def _norm_padding_idx(padding_idx: int | None, num: int) -> int | None:
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= num:
        raise AssertionError("Padding_idx must be within num_embeddings")
    if padding_idx < 0:
        if padding_idx < -num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx += num
    return padding_idx


def embedding(
    input: TensorLike,
    weight: TensorLike,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Variable:
    """Look up rows of ``weight`` at the integer ``input`` (any shape): output ``input.shape + (dim,)``.

    ``padding_idx`` rows get no gradient; ``max_norm`` renormalises looked-up rows in place first.

    Example::

        >>> F.embedding(tt.tensor([[1, 2], [0, 3]]), w)   # -> (2, 2, w.shape[1])
    """
    idx = data_of(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have an integer type; but got {idx.dtype}")
    num = weight.shape[0]
    a = idx.array
    if a.size and (int(a.min()) < 0 or int(a.max()) >= num):
        raise IndexError("index out of range in self")
    pad = _norm_padding_idx(padding_idx, num)
    if max_norm is not None:
        with no_grad():
            _renorm(data_of(weight), a, max_norm, norm_type)
    out: Variable = Embedding.apply(weight, idx, pad, scale_grad_by_freq)
    return out


def embedding_bag(
    input: TensorLike,
    weight: TensorLike,
    offsets: TensorLike | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: TensorLike | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Variable:
    """Sums, means or maxima of bags of embeddings: ``input`` is (B, L) (fixed-size bags) or 1-D with ``offsets``
    marking where each bag starts. Empty bags give zeros; ``padding_idx`` entries are skipped.

    Example::

        >>> F.embedding_bag(tt.tensor([1, 2, 4, 5, 4, 3]), w, tt.tensor([0, 3]), mode="sum")
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(
            f"embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
            f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
        )
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    idx = data_of(input)
    xp = idx.device.xp
    a = idx.array
    if a.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None")
        bags, length = a.shape
        grid = a
        present = xp.ones(a.shape, dtype=bool)
        psw = None if per_sample_weights is None else as_var(per_sample_weights)
    elif a.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        off = data_of(offsets).array.astype(xp.int64)
        if off.size and int(off[0]) != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
                f"However, got {int(off[0])}"
            )
        ends = xp.concatenate([off[1:], xp.asarray([a.shape[0]], dtype=xp.int64)])
        if include_last_offset:
            off, ends = off[:-1], ends[:-1]
        lengths = ends - off
        bags = int(off.shape[0])
        length = int(lengths.max()) if bags else 0
        pos = xp.arange(length)
        present = pos[None, :] < lengths[:, None]
        flat = xp.where(present, off[:, None] + pos[None, :], 0)
        grid = a[flat] if a.size else xp.zeros(flat.shape, dtype=a.dtype)
        psw = None
        if per_sample_weights is not None:
            w = as_var(per_sample_weights)
            psw = w[tt.as_tensor(flat)] * tt.as_tensor(present.astype(w.dtype))
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {a.ndim}")
    if padding_idx is not None:
        pad = _norm_padding_idx(padding_idx, weight.shape[0])
        present = present & (grid != pad)
    if scale_grad_by_freq and a.ndim == 1:
        # NOTE: the (bags, length) grid repeats input[0] past each bag's end (masked out below); counted there, those
        # fillers would shrink input[0]'s gradient. The frequencies are those of the input's own indices.
        emb = embedding(idx, weight, None, max_norm, norm_type, True)[tt.as_tensor(flat)]
    else:
        emb = embedding(tt.as_tensor(grid), weight, None, max_norm, norm_type, scale_grad_by_freq)
    mask = tt.as_tensor(present[..., None].astype(emb.dtype))
    if psw is not None:
        emb = emb * psw.unsqueeze(-1)
    if mode == "max":
        neg_inf = tt.as_tensor(xp.where(present[..., None], 0, -xp.inf).astype(emb.dtype))
        out = (emb + neg_inf).amax(1) if length else emb.sum(1)
        has_any = tt.as_tensor(present.any(axis=1, keepdims=True))
        result: Variable = tt.where(has_any, out, tt.zeros(bags, weight.shape[1], dtype=emb.dtype))
        return result
    total = (emb * mask).sum(1)
    if mode == "sum":
        return total
    counts = present.sum(axis=1, keepdims=True).astype(emb.dtype)
    counts = xp.maximum(counts, 1)
    result = total / tt.as_tensor(counts)
    return result
