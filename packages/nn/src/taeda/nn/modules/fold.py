"""``Fold`` and ``Unfold``: layers over ``F.fold`` (col2im) and ``F.unfold`` (im2col)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taeda.autograd import Variable
from taeda.nn.functional._fold import fold, unfold
from taeda.nn.modules.module import Module

__all__ = ["Fold", "Unfold"]

IntOrInts = int | Sequence[int]


class Fold(Module):
    """Sum sliding-block columns ``(N, C*kh*kw, L)`` into ``(N, C, *output_size)``.

    Example::

        >>> Fold(output_size=(4, 5), kernel_size=(2, 2))
        Fold(output_size=(4, 5), kernel_size=(2, 2), dilation=1, padding=0, stride=1)
    """

    def __init__(
        self,
        output_size: IntOrInts,
        kernel_size: IntOrInts,
        dilation: IntOrInts = 1,
        padding: IntOrInts = 0,
        stride: IntOrInts = 1,
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Any) -> Variable:
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    """Extract sliding blocks of ``(N, C, H, W)`` as columns ``(N, C*kh*kw, L)``.

    Example::

        >>> Unfold(kernel_size=(2, 3))
        Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)
    """

    def __init__(
        self, kernel_size: IntOrInts, dilation: IntOrInts = 1, padding: IntOrInts = 0, stride: IntOrInts = 1
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Any) -> Variable:
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
