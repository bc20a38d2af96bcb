"""``LPPool3d``: 3-D power-average pooling (PyTorch's signature and repr, as ``LPPool1d``/``LPPool2d``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taeda.autograd import Variable
from taeda.nn.functional._lppool3d import lp_pool3d
from taeda.nn.modules.lppool import _LPPoolNd

__all__ = ["LPPool3d"]

IntOrInts = int | Sequence[int]


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``: ``(sum over the window of
    x**p) ** (1/p)``.

    Example::

        >>> LPPool3d(2, 3, stride=2)
        LPPool3d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)
        >>> LPPool3d(1.2, (3, 2, 2), stride=(2, 1, 2))(taeda.autograd.randn(2, 4, 9, 8, 7)).shape
        taeda.Size([2, 4, 4, 7, 3])
    """

    def __init__(
        self, norm_type: float, kernel_size: IntOrInts, stride: IntOrInts | None = None, ceil_mode: bool = False
    ) -> None:
        super().__init__(norm_type, kernel_size, stride, ceil_mode)

    def forward(self, input: Any) -> Variable:
        return lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)
