"""``SyntheticDigits``: an offline MNIST look-alike rendered with Pillow's built-in font, for examples and CI.

Glyphs of the digits 0-9 are rendered once per stroke width with ``ImageFont.load_default(size=...)`` (a scalable
font embedded in Pillow, so no system fonts are needed), slightly blurred, and cached at twice the output
resolution. Each sample then draws a random affine map (rotation, anisotropic scale, shear, translation), a stroke
width, a contrast and Gaussian noise; all samples are sampled from the cache at once with vectorised bilinear
interpolation, so 10,000 samples take well under a second.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from taeda.vision.datasets._arrays import ArrayImageDataset

__all__ = ["SyntheticDigits"]

_STROKES = (0, 1, 2, 3)
_CHUNK = 128  # samples per vectorised pass: temporaries stay small (few page faults)


@functools.lru_cache(maxsize=8)
def _glyphs(image_size: int) -> tuple[npt.NDArray[np.float32], float]:
    """Cached glyphs ``(len(_STROKES), 10, S, S)`` in [0, 1] at 2x resolution, centred; and their height."""
    side = 4 * image_size
    font = ImageFont.load_default(size=2 * image_size)
    out = np.zeros((len(_STROKES), 10, side, side), dtype=np.float32)
    heights = []
    for i, stroke in enumerate(_STROKES):
        for d in range(10):
            canvas = Image.new("L", (side, side), 0)
            draw = ImageDraw.Draw(canvas)
            draw.text(
                (side / 2, side / 2), str(d), fill=255, font=font, anchor="mm", stroke_width=stroke, stroke_fill=255
            )
            canvas = canvas.filter(ImageFilter.GaussianBlur(0.8))
            a = np.asarray(canvas, dtype=np.float32) / 255.0
            ys, xs = np.nonzero(a > 0.1)
            heights.append(ys.max() - ys.min() + 1)
            # centre by the bounding box, as MNIST centres its digits
            dy = round(side / 2 - (ys.min() + ys.max() + 1) / 2)
            dx = round(side / 2 - (xs.min() + xs.max() + 1) / 2)
            out[i, d] = np.roll(a, (dy, dx), axis=(0, 1))
    return out, float(np.median(heights))


def render_digits(labels: npt.NDArray[np.int64], image_size: int, rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """Render one distorted digit per label into a uint8 array ``(N, image_size, image_size)``."""
    glyphs, height = _glyphs(image_size)
    n = len(labels)
    side = glyphs.shape[-1]
    # random parameters, drawn for all samples at once (fixed order => deterministic for a seed)
    stroke = rng.integers(0, len(_STROKES), n)
    angle = np.deg2rad(rng.uniform(-18, 18, n))
    shear = rng.uniform(-0.3, 0.3, n)
    size = rng.uniform(0.55, 0.78, n) * image_size / height  # output pixels per glyph pixel
    aspect = np.exp(rng.uniform(-0.15, 0.15, n))
    shift = rng.uniform(-0.07, 0.07, (n, 2)) * image_size
    contrast = rng.uniform(0.75, 1.0, n)
    noise_sigma = rng.uniform(0.0, 0.12, n)
    # forward map glyph -> output: A = R(angle) @ Shear @ diag(size*aspect, size/aspect); invert per sample
    c, s = np.cos(angle), np.sin(angle)
    sx, sy = size * aspect, size / aspect
    a00, a01 = c * sx, (c * shear - s) * sy
    a10, a11 = s * sx, (s * shear + c) * sy
    det = a00 * a11 - a01 * a10
    f32 = np.float32
    i00, i01, i10, i11 = (x.astype(f32) for x in (a11 / det, -a01 / det, -a10 / det, a00 / det))
    shift = shift.astype(f32)
    contrast_f, sigma_f = contrast.astype(f32), noise_sigma.astype(f32)
    grid = np.arange(image_size, dtype=f32) + f32(0.5 - image_size / 2)
    centre = f32(side / 2 - 0.5)
    flat = glyphs.reshape(-1)
    out = np.empty((n, image_size, image_size), dtype=np.uint8)
    for lo in range(0, n, _CHUNK):
        sl = slice(lo, min(n, lo + _CHUNK))
        u = grid[None, None, :] - shift[sl, 0, None, None]  # x (columns)
        v = grid[None, :, None] - shift[sl, 1, None, None]  # y (rows)
        gx = i00[sl, None, None] * u + i01[sl, None, None] * v + centre
        gy = i10[sl, None, None] * u + i11[sl, None, None] * v + centre
        inside = (gx >= 0) & (gx <= side - 1) & (gy >= 0) & (gy <= side - 1)
        x0, y0 = np.floor(gx), np.floor(gy)
        fx, fy = gx - x0, gy - y0
        x0i = np.clip(x0, 0, side - 2).astype(np.int32)
        y0i = np.clip(y0, 0, side - 2).astype(np.int32)
        base = ((stroke[sl] * 10 + labels[sl]) * side * side)[:, None, None] + y0i * side + x0i
        top = flat[base] * (1 - fx) + flat[base + 1] * fx
        bottom = flat[base + side] * (1 - fx) + flat[base + side + 1] * fx
        img = (top * (1 - fy) + bottom * fy) * inside
        img *= contrast_f[sl, None, None]
        img += rng.standard_normal(img.shape, dtype=f32) * sigma_f[sl, None, None]
        np.clip(img, 0.0, 1.0, out=img)
        np.rint(img * f32(255.0), out=img)
        out[sl] = img.astype(np.uint8)
    return out


class SyntheticDigits(ArrayImageDataset):
    """``n`` rendered digits in MNIST's format: ``(PIL.Image "L" 28x28, int)``, ``data`` uint8 ``(N, 28, 28)``.

    Labels cycle 0-9 in a shuffled order (balanced classes). The whole dataset is a pure function of
    ``(n, image_size, seed)``: the same arguments always give the same bytes. A LeNet-5 trained for three epochs
    on 5,000 samples reaches about 98% on held-out samples of another seed. ``data`` and ``targets`` can be
    reassigned (tensors or arrays), as on MNIST.

    Example:
        >>> ds = SyntheticDigits(100, seed=0)
        >>> img, label = ds[0]
        >>> img.size, 0 <= label <= 9
        ((28, 28), True)
    """

    classes: list[str] = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]  # fmt: skip

    def __init__(
        self,
        n: int,
        image_size: int = 28,
        seed: int = 0,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if image_size < 8:
            raise ValueError(f"image_size must be >= 8, got {image_size}")
        self.n, self.image_size, self.seed = n, image_size, seed
        rng = np.random.Generator(np.random.PCG64(seed))
        labels = rng.permutation(np.arange(n, dtype=np.int64) % 10)
        self._set_arrays(render_digits(labels, image_size, rng), labels)

    def extra_repr(self) -> str:
        return f"Image size: {self.image_size}, seed: {self.seed}"
