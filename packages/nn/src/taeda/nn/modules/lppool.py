"""Power-average pooling layers ``LPPool1d`` and ``LPPool2d`` (PyTorch's signatures and reprs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taeda.autograd import Variable
from taeda.nn.functional._lppool import lp_pool1d, lp_pool2d
from taeda.nn.modules.module import Module

__all__ = ["LPPool1d", "LPPool2d"]

IntOrInts = int | Sequence[int]


class _LPPoolNd(Module):
    def __init__(
        self,
        norm_type: float,
        kernel_size: Any,
        stride: Any = None,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling over ``(N, C, L)``: ``(sum over the window of x**p) ** (1/p)``.

    Example::

        >>> LPPool1d(2, 3, stride=2)
        LPPool1d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)
    """

    def __init__(
        self, norm_type: float, kernel_size: int, stride: IntOrInts | None = None, ceil_mode: bool = False
    ) -> None:
        super().__init__(norm_type, kernel_size, stride, ceil_mode)

    def forward(self, input: Any) -> Variable:
        return lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling over ``(N, C, H, W)``: ``(sum over the window of x**p) ** (1/p)``.

    Example::

        >>> LPPool2d(2, 3, stride=2)
        LPPool2d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)
    """

    def __init__(
        self, norm_type: float, kernel_size: IntOrInts, stride: IntOrInts | None = None, ceil_mode: bool = False
    ) -> None:
        super().__init__(norm_type, kernel_size, stride, ceil_mode)

    def forward(self, input: Any) -> Variable:
        return lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)
