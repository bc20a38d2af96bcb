"""Margin losses: ``multi_margin_loss``, ``multilabel_margin_loss`` and ``triplet_margin_with_distance_loss``.

All three are compositions of differentiable Variable operations (gather, clamp, masked sums), so gradients and
double backward come from autograd.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._distance import check_triplet_dims, pairwise_distance
from taeda.nn.functional._util import (
    TensorLike,
    as_var,
    check_reduction,
    data_of,
    legacy_reduction,
)
from taeda.nn.functional._util import reduce as _reduce

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss"]


def _sizes(shape: Any) -> str:
    return "[" + ", ".join(str(int(s)) for s in tuple(shape)) + "]"


def _check_vector_or_matrix(input: TensorLike) -> None:
    shape = tuple(int(s) for s in input.shape)
    nd = len(shape)
    if not ((nd == 2 and shape[1] != 0) or (nd == 1 and shape[0] != 0) or nd == 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {_sizes(shape)}"
        )


def _finish(loss: Variable, ndim: int, nframe: int, reduction: str) -> Variable:
    """The per-sample loss of a (multi-label) margin loss, reduced: 0-d for a vector input, 0 as the mean of an
    empty batch (as PyTorch gives)."""
    if ndim < 2:
        loss = loss.reshape(())
    if nframe == 0 and reduction == "mean":
        return loss.sum()
    return _reduce(loss, reduction)


def _check_long(target: TensorLike) -> None:
    if target.dtype != tt.int64:
        name = target.type().rsplit(".", 1)[-1].removesuffix("Tensor")
        raise RuntimeError(f"expected scalar type Long but found {name}")


def multi_margin_loss(
    input: TensorLike,
    target: TensorLike,
    p: int = 1,
    margin: float = 1.0,
    weight: TensorLike | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """Multi-class hinge loss: per sample ``sum_{i != y} w[y] * max(0, margin - x[y] + x[i])**p / C`` for
    ``input (N, C)`` (or ``(C,)``) and class indices ``target (N,)``; ``p`` is 1 or 2.

    Example::

        >>> F.multi_margin_loss(scores, labels, margin=0.5)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    _check_vector_or_matrix(input)
    shape = tuple(int(s) for s in input.shape)
    nframe, dim = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0] if shape else 1)
    tshape = tuple(int(s) for s in target.shape)
    if len(tshape) > 1 or (len(shape) == 2 and tshape != (nframe,)) or (len(shape) < 2 and target.numel() != 1):
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples (batch "
            f"size). Expected target size [{nframe}], but got {_sizes(tshape)}. Input has shape {_sizes(shape)}."
        )
    if weight is not None and (weight.numel() != dim):
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got {_sizes(weight.shape)}")
    _check_long(target)
    t = data_of(target)
    xp = t.device.xp
    ta = t.array.reshape(nframe)
    if ta.size and (int(ta.min()) < 0 or int(ta.max()) >= dim):
        raise RuntimeError("target out of range")
    x = as_var(input).reshape(nframe, dim)
    idx = tt.as_tensor(ta.reshape(nframe, 1))
    z = (x - x.gather(1, idx) + margin).clamp(min=0)
    if p == 2:
        z = z * z
    dt = data_of(x).array.dtype
    mask = xp.ones((nframe, dim), dtype=dt)
    mask[xp.arange(nframe), ta] = 0
    if weight is not None:
        mask *= data_of(weight).array.astype(dt, copy=False)[ta][:, None]
    loss = (z * tt.as_tensor(mask)).sum(1) / dim
    return _finish(loss, len(shape), nframe, reduction)


def multilabel_margin_loss(
    input: TensorLike,
    target: TensorLike,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """Multi-label hinge loss: per sample ``sum_{j, i not a target} max(0, 1 - (x[y_j] - x[i])) / C`` where the
    target classes ``y_j`` are the entries of ``target`` up to its first ``-1``.

    Example::

        >>> F.multilabel_margin_loss(scores, tt.tensor([[3, 0, -1, 1]]))
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    _check_vector_or_matrix(input)
    shape = tuple(int(s) for s in input.shape)
    tshape = tuple(int(s) for s in target.shape)
    if len(shape) <= 1:
        nframe, dim = 1, (shape[0] if shape else 1)
        ok = len(tshape) <= 1 and target.numel() == dim
    else:
        nframe, dim = shape
        ok = tshape == shape
    if not ok:
        raise RuntimeError(f"inconsistent target size: {_sizes(tshape)} for input of size: {_sizes(shape)}")
    _check_long(target)
    t = data_of(target)
    xp = t.device.xp
    ta = t.array.reshape(nframe, dim)
    if ta.size and (int(ta.min()) < -1 or int(ta.max()) >= dim):
        raise RuntimeError("argument #2 'target' is out of range")
    valid = xp.cumprod(ta >= 0, axis=1).astype(bool)  # entries before the first -1
    x = as_var(input).reshape(nframe, dim)
    dt = data_of(x).array.dtype
    k = int(valid.sum(axis=1).max()) if ta.size else 0
    if k == 0:
        loss = (x * 0).sum(1)
    else:
        tj = xp.where(valid, ta, 0)[:, :k]
        is_target = xp.zeros((nframe, dim), dtype=bool)
        rows = xp.broadcast_to(xp.arange(nframe)[:, None], tj.shape)
        is_target[rows[valid[:, :k]], tj[valid[:, :k]]] = True
        w = valid[:, :k, None] & ~is_target[:, None, :]  # (N, k, C): pairs (target j, non-target i)
        xj = x.gather(1, tt.as_tensor(tj))  # (N, k)
        hinge = (x.unsqueeze(1) - xj.unsqueeze(2) + 1.0).clamp(min=0)
        loss = (hinge * tt.as_tensor(w.astype(dt))).reshape(nframe, k * dim).sum(1)
    loss = loss / dim
    return _finish(loss, len(shape), nframe, reduction)


def triplet_margin_with_distance_loss(
    anchor: TensorLike,
    positive: TensorLike,
    negative: TensorLike,
    *,
    distance_function: Callable[[Any, Any], Any] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Variable:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with any distance ``d`` (default :func:`pairwise_distance`);
    ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative distance.

    Example::

        >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=lambda x, y: 1 - F.cosine_similarity(x, y))
    """
    check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    check_triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    dist_pos = as_var(dist(anchor, positive))
    dist_neg = as_var(dist(anchor, negative))
    if swap:
        dist_neg = dist_neg.minimum(dist(positive, negative))
    loss = (dist_pos - dist_neg + margin).clamp(min=0)
    return _reduce(loss, reduction)
