"""3-D pooling layers: ``MaxPool3d AvgPool3d AdaptiveAvgPool3d AdaptiveMaxPool3d MaxUnpool3d`` (PyTorch's
constructor signatures, defaults and reprs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taeda.nn.functional import _pool3d as P
from taeda.nn.modules.pooling import _AdaptivePool, _AvgPoolNd, _MaxPoolNd, _MaxUnpool

__all__ = ["AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "AvgPool3d", "MaxPool3d", "MaxUnpool3d"]

IntOrInts = int | Sequence[int]


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    Example::

        >>> MaxPool3d(3, stride=2)
        MaxPool3d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def forward(self, input: Any) -> Any:
        return P.max_pool3d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices
        )


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    Example::

        >>> AvgPool3d(2)
        AvgPool3d(kernel_size=2, stride=2, padding=0)
    """

    def forward(self, input: Any) -> Any:
        return P.avg_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AdaptiveAvgPool3d(_AdaptivePool):
    """Adaptive average pooling of ``(N, C, D, H, W)`` to ``output_size`` (``None`` keeps that input size).

    Example::

        >>> AdaptiveAvgPool3d((5, 7, 9))
        AdaptiveAvgPool3d(output_size=(5, 7, 9))
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__(output_size)

    def forward(self, input: Any) -> Any:
        return P.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptivePool):
    """Adaptive max pooling of ``(N, C, D, H, W)`` to ``output_size``; ``return_indices`` also gives the argmax.

    Example::

        >>> AdaptiveMaxPool3d((5, 7, 9))
        AdaptiveMaxPool3d(output_size=(5, 7, 9))
    """

    def forward(self, input: Any) -> Any:
        return P.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class MaxUnpool3d(_MaxUnpool):
    """Partial inverse of :class:`MaxPool3d` (give it the pooling's indices).

    Example::

        >>> MaxUnpool3d(2)
        MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))
    """

    _dims = 3

    def forward(self, input: Any, indices: Any, output_size: Sequence[int] | None = None) -> Any:
        return P.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)
