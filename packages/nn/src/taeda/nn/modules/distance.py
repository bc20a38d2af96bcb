"""Distance layers ``PairwiseDistance`` and ``CosineSimilarity`` (PyTorch's signatures; their reprs carry no
arguments, as PyTorch's)."""

from __future__ import annotations

from typing import Any

from taeda.autograd import Variable
from taeda.nn.functional._distance import cosine_similarity, pairwise_distance
from taeda.nn.modules.module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class PairwiseDistance(Module):
    """``‖x1 - x2 + eps‖_p`` over the last dimension (``norm`` holds ``p``).

    Example::

        >>> PairwiseDistance(p=1.0)(a, b)   # (N, D), (N, D) -> (N,)
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Any, x2: Any) -> Variable:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity of ``x1`` and ``x2`` along ``dim`` (norms clamped below by ``eps``).

    Example::

        >>> CosineSimilarity(dim=1)(a, b)   # (N, D), (N, D) -> (N,)
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Any, x2: Any) -> Variable:
        return cosine_similarity(x1, x2, self.dim, self.eps)
