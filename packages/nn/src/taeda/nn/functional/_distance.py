"""Distances and vector utilities: ``pairwise_distance``, ``cosine_similarity``, ``normalize``, ``one_hot``."""

from __future__ import annotations

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._util import TensorLike, as_var, data_of
from taeda.tensor import Tensor

__all__ = ["cosine_similarity", "normalize", "one_hot", "pairwise_distance"]


def _pnorm(d: Variable, p: float, dim: int, keepdim: bool) -> Variable:
    if p == 2:
        out: Variable = (d * d).sum(dim, keepdim=keepdim).sqrt()
    elif p == 1:
        out = d.abs().sum(dim, keepdim=keepdim)
    elif p == float("inf"):
        out = d.abs().amax(dim, keepdim=keepdim)
    elif p == 0:
        out = d.sum(dim, keepdim=keepdim) * 0 + (data_of(d) != 0).to(d.dtype).sum(dim, keepdim=keepdim)
    else:
        out = (d.abs() ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)
    return out


def pairwise_distance(
    x1: TensorLike, x2: TensorLike, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Variable:
    """p-norm of ``x1 - x2 + eps`` over the last dimension.

    Example::

        >>> F.pairwise_distance(a, b)   # (N, D), (N, D) -> (N,)
    """
    d = as_var(x1) - x2 + eps
    return _pnorm(d, p, d.ndim - 1 if d.ndim else 0, keepdim)


def check_triplet_dims(anchor: TensorLike, positive: TensorLike, negative: TensorLike) -> None:
    """PyTorch's error when the three tensors of a triplet loss differ in their number of dimensions."""
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative {negative.ndim}D inputs"
        )


def cosine_similarity(x1: TensorLike, x2: TensorLike, dim: int = 1, eps: float = 1e-8) -> Variable:
    """x1·x2 / (max(‖x1‖, eps) · max(‖x2‖, eps)) along ``dim``.

    Example::

        >>> F.cosine_similarity(a, b, dim=-1)
    """
    a, b = as_var(x1), as_var(x2)
    na = (a * a).sum(dim, keepdim=True).sqrt().clamp(min=eps)
    nb = (b * b).sum(dim, keepdim=True).sqrt().clamp(min=eps)
    out: Variable = ((a / na) * (b / nb)).sum(dim)
    return out


def normalize(input: TensorLike, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Variable:
    """``input / max(‖input‖_p, eps)`` along ``dim``.

    Example::

        >>> F.normalize(embeddings, dim=-1)
    """
    x = as_var(input)
    out: Variable = x / _pnorm(x, p, dim, True).clamp(min=eps)
    return out


def one_hot(tensor: TensorLike, num_classes: int = -1) -> Tensor:
    """Int64 one-hot encoding with a new last dimension of size ``num_classes`` (inferred as max + 1 when -1).

    Example::

        >>> F.one_hot(tt.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    t = data_of(tensor)
    if t.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor.")
    a = t.array
    xp = t.device.xp
    if a.size and int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    elif a.size and int(a.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (a[..., None] == xp.arange(num_classes)).astype(xp.int64)
    return tt.as_tensor(out)
