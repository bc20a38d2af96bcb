"""Interpolation modes, shared by the functional API and the transform classes."""

from __future__ import annotations

from enum import Enum

from PIL import Image

__all__ = ["InterpolationMode", "pil_resample"]


class InterpolationMode(Enum):
    """Interpolation methods, with torchvision's names and values."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL = {
    InterpolationMode.NEAREST: Image.Resampling.NEAREST,
    InterpolationMode.NEAREST_EXACT: Image.Resampling.NEAREST,
    InterpolationMode.BILINEAR: Image.Resampling.BILINEAR,
    InterpolationMode.BICUBIC: Image.Resampling.BICUBIC,
    InterpolationMode.BOX: Image.Resampling.BOX,
    InterpolationMode.HAMMING: Image.Resampling.HAMMING,
    InterpolationMode.LANCZOS: Image.Resampling.LANCZOS,
}


def pil_resample(mode: InterpolationMode | int) -> Image.Resampling:
    """The Pillow resampling filter of an :class:`InterpolationMode` (Pillow's own ints are accepted too)."""
    if isinstance(mode, InterpolationMode):
        return _PIL[mode]
    if isinstance(mode, int):
        return Image.Resampling(mode)
    raise TypeError(f"interpolation should be an InterpolationMode, got {type(mode).__name__}")
