"""``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``: layers over ``F.interpolate``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taeda.autograd import Variable
from taeda.nn.functional._upsampling import interpolate
from taeda.nn.modules.module import Module

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resize to ``size`` or by ``scale_factor`` with ``mode`` nearest, linear, bilinear or trilinear.

    Example::

        >>> Upsample(scale_factor=2, mode="nearest")
        Upsample(scale_factor=2.0, mode='nearest')
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        self.scale_factor: Any = None
        if isinstance(scale_factor, (int, float)):
            self.scale_factor = float(scale_factor)
        elif scale_factor is not None:
            self.scale_factor = tuple(float(f) for f in scale_factor)
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Any) -> Variable:
        return interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """2-D nearest-neighbour upsampling.

    Example::

        >>> UpsamplingNearest2d(scale_factor=2)
        UpsamplingNearest2d(scale_factor=2.0, mode='nearest')
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """2-D bilinear upsampling with ``align_corners=True``.

    Example::

        >>> UpsamplingBilinear2d(scale_factor=2)
        UpsamplingBilinear2d(scale_factor=2.0, mode='bilinear')
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
