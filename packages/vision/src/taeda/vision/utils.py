"""Image utilities: :func:`make_grid`, :func:`save_image` and :func:`draw_bounding_boxes` (Pillow)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import IO, Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageColor, ImageDraw, ImageFont

from taeda.vision._bridge import Tensor, to_host, unwrap, wrap

__all__ = ["draw_bounding_boxes", "make_grid", "save_image"]


def _batch(tensor: Tensor | Sequence[Tensor]) -> npt.NDArray[Any]:
    if isinstance(tensor, Tensor):
        a = to_host(unwrap(tensor))
    elif isinstance(tensor, Sequence) and tensor and all(isinstance(t, Tensor) for t in tensor):
        a = np.stack([to_host(unwrap(t)) for t in tensor])
    else:
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor).__name__}")
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4:
        raise ValueError(f"expected images of shape (B, C, H, W), (C, H, W) or (H, W), got {a.shape}")
    if a.shape[1] == 1:
        a = np.concatenate([a, a, a], axis=1)
    return a


def make_grid(
    tensor: Tensor | Sequence[Tensor],
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Tile a batch ``(B, C, H, W)`` (or a list of ``(C, H, W)``) into one image ``(C, rows*(H+p)+p, cols*(W+p)+p)``.

    ``nrow`` images per row; one-channel images are repeated to three channels; ``normalize`` shifts each image
    (``scale_each``) or the batch into [0, 1] by its min/max or by ``value_range``.

    Example:
        >>> import taeda.tensor as tt
        >>> tuple(make_grid(tt.zeros(5, 3, 4, 4), nrow=4).shape)
        (3, 14, 26)
    """
    a = _batch(tensor)
    if normalize:
        a = a.astype(np.float32) if a.dtype.kind != "f" else a.copy()
        if scale_each:
            for i in range(len(a)):  # one image at a time (a loop over images, not pixels)
                a[i] = _norm(a[i], value_range)
        else:
            a = _norm(a, value_range)
    if a.shape[0] == 1:
        return wrap(np.ascontiguousarray(a[0]))
    b, c, h, w = a.shape
    xmaps = min(nrow, b)
    ymaps = math.ceil(b / xmaps)
    cells = np.full((ymaps * xmaps, c, h + padding, w + padding), pad_value, dtype=a.dtype)
    cells[:b, :, padding:, padding:] = a
    grid = cells.reshape(ymaps, xmaps, c, h + padding, w + padding).transpose(2, 0, 3, 1, 4)
    grid = grid.reshape(c, ymaps * (h + padding), xmaps * (w + padding))
    out = np.full((c, grid.shape[1] + padding, grid.shape[2] + padding), pad_value, dtype=a.dtype)
    out[:, : grid.shape[1], : grid.shape[2]] = grid
    return wrap(out)


def _norm(x: npt.NDArray[Any], value_range: tuple[float, float] | None) -> npt.NDArray[Any]:
    low, high = (float(x.min()), float(x.max())) if value_range is None else value_range
    x = np.clip(x, low, high)
    return (x - low) / max(high - low, 1e-5)


def save_image(
    tensor: Tensor | Sequence[Tensor], fp: str | os.PathLike[str] | IO[bytes], format: str | None = None, **kwargs: Any
) -> None:
    """Save a tensor (or a batch, tiled by :func:`make_grid` with ``kwargs``) with values in [0, 1] as an image file.

    Example:
        >>> import taeda.tensor as tt
        >>> save_image(tt.rand(4, 1, 8, 8), "grid.png")  # doctest: +SKIP
    """
    grid = to_host(unwrap(make_grid(tensor, **kwargs)))
    ndarr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(np.ascontiguousarray(ndarr)).save(fp, format=format)


def _palette(n: int) -> list[tuple[int, int, int]]:
    base = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1], dtype=np.int64)
    return [tuple(int(v) for v in (i * base) % 255) for i in range(n)]  # type: ignore[misc]


def _color(c: str | tuple[int, int, int]) -> tuple[int, ...]:
    return ImageColor.getrgb(c) if isinstance(c, str) else tuple(int(v) for v in c)


def draw_bounding_boxes(
    image: Tensor,
    boxes: Tensor,
    labels: Sequence[str] | None = None,
    colors: Sequence[str | tuple[int, int, int]] | str | tuple[int, int, int] | None = None,
    fill: bool = False,
    width: int = 1,
    font: str | None = None,
    font_size: int | None = None,
) -> Tensor:
    """Draw ``boxes`` ``(N, 4)`` in ``(xmin, ymin, xmax, ymax)`` pixels on a uint8 image ``(C, H, W)``, C in {1, 3}.

    Returns a new uint8 tensor ``(3, H, W)``. ``labels`` are written at each box's top-left corner with ``font``
    (a TrueType file) or Pillow's built-in font; ``fill`` shades the boxes with 100/255 opacity.

    Example:
        >>> import taeda.tensor as tt
        >>> img = tt.zeros(3, 10, 10, dtype=tt.uint8)
        >>> out = draw_bounding_boxes(img, tt.tensor([[1, 1, 5, 5]]), colors="red")
        >>> out.array[:, 1, 3].tolist()
        [255, 0, 0]
    """
    a = to_host(unwrap(image))
    if a.dtype != np.uint8:
        raise ValueError(f"The image dtype must be uint8, got {a.dtype}")
    if a.ndim != 3:
        raise ValueError("Pass individual images, not batches")
    if a.shape[0] not in (1, 3):
        raise ValueError("Only grayscale and RGB images are supported")
    bx = to_host(unwrap(boxes)) if isinstance(boxes, Tensor) else np.asarray(boxes)
    if bx.ndim != 2 or (bx.size and bx.shape[1] != 4):
        raise ValueError(f"boxes must have shape (N, 4), got {bx.shape}")
    if bx.size and ((bx[:, 0] > bx[:, 2]).any() or (bx[:, 1] > bx[:, 3]).any()):
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format.")
    n = len(bx)
    if labels is not None and len(labels) != n:
        raise ValueError(
            f"Number of boxes ({n}) and labels ({len(labels)}) mismatch. Please specify labels for each box."
        )
    if colors is None:
        cols = [_color(c) for c in _palette(n)]
    elif isinstance(colors, str) or (isinstance(colors, tuple) and len(colors) == 3 and isinstance(colors[0], int)):
        cols = [_color(colors)] * n  # type: ignore[arg-type,unused-ignore]
    else:
        if len(colors) < n:
            raise ValueError(f"Number of colors ({len(colors)}) is less than number of boxes ({n}).")
        cols = [_color(c) for c in colors]
    hwc = np.ascontiguousarray((np.concatenate([a, a, a]) if a.shape[0] == 1 else a).transpose(1, 2, 0))
    img = Image.fromarray(hwc)
    draw = ImageDraw.Draw(img, "RGBA" if fill else None)
    txt_font: Any = (
        ImageFont.truetype(font, size=font_size or 10)
        if font is not None
        else ImageFont.load_default(size=font_size or 10)
    )
    for k in range(n):
        box = [float(v) for v in bx[k]]
        color = cols[k]
        if fill:
            draw.rectangle(box, width=width, outline=color, fill=(*color[:3], 100))
        else:
            draw.rectangle(box, width=width, outline=color)
        if labels is not None:
            margin = width + 1
            draw.text((box[0] + margin, box[1] + margin), labels[k], fill=color, font=txt_font)
    return wrap(np.ascontiguousarray(np.asarray(img).transpose(2, 0, 1)))
