"""Dropout modules (active only in training mode)."""

from __future__ import annotations

from typing import Any

from taeda.autograd import Variable
from taeda.nn import functional as F
from taeda.nn.modules.module import Module

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero elements with probability ``p`` while training, scaling the rest by 1/(1-p).

    Example::

        >>> drop = Dropout(0.2)
        >>> y = drop(x)          # training mode: about 20% zeros, the rest scaled by 1.25
        >>> y = drop.eval()(x)   # evaluation mode: x unchanged
    """

    def forward(self, input: Any) -> Variable:
        return F.dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) input while training."""

    def forward(self, input: Any) -> Variable:
        return F.dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) input while training. Example: ``Dropout2d(0.1)``."""

    def forward(self, input: Any) -> Variable:
        return F.dropout2d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) input while training."""

    def forward(self, input: Any) -> Variable:
        return F.dropout3d(input, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks that keeps mean and variance. Example: ``AlphaDropout(0.1)``."""

    def forward(self, input: Any) -> Variable:
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels."""

    def forward(self, input: Any) -> Variable:
        return F.feature_alpha_dropout(input, self.p, self.training)
