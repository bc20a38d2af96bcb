"""Rearrangement layers: ``PixelShuffle``, ``PixelUnshuffle`` and ``ChannelShuffle`` (PyTorch's names and reprs)."""

from __future__ import annotations

from typing import Any

from taeda.autograd import Variable
from taeda.nn.functional._shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle
from taeda.nn.modules.module import Module

__all__ = ["ChannelShuffle", "PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """``(*, C * r**2, H, W) -> (*, C, H * r, W * r)`` (sub-pixel convolution upsampling).

    Example::

        >>> PixelShuffle(2)
        PixelShuffle(upscale_factor=2)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Any) -> Variable:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H * r, W * r) -> (*, C * r**2, H, W)``, the inverse of :class:`PixelShuffle`.

    Example::

        >>> PixelUnshuffle(3)
        PixelUnshuffle(downscale_factor=3)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Any) -> Variable:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave ``groups`` groups of the channels of ``(N, C, *)`` (ShuffleNet).

    Example::

        >>> ChannelShuffle(2)
        ChannelShuffle(groups=2)
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Any) -> Variable:
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
