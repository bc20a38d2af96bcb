"""Kernels on image arrays ``(..., C, H, W)`` (NumPy or CuPy; ``xp`` is read off the data).

Resampling kernels (resize, rotate, affine) run Pillow's own filters on each ``H x W`` plane in mode ``"F"``
(float32), so tensors and PIL images go through the same arithmetic; those planes are computed on the host.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from taeda.vision._bridge import array_module, like, to_host

Array = Any  # numpy.ndarray or cupy.ndarray

_GRAY = (0.2989, 0.587, 0.114)


def max_value(dtype: np.dtype[Any]) -> float:
    """The value of full intensity: 1.0 for floats, the largest value for integers (1 for bool)."""
    if dtype.kind == "f":
        return 1.0
    if dtype.kind == "b":
        return 1.0
    return float(np.iinfo(dtype).max)


def check_image(a: Array, name: str = "img") -> None:
    if a.ndim < 2:
        raise TypeError(f"Tensor is not a torch image: {name} has {a.ndim} dimensions, expected (..., H, W)")


def channels(a: Array) -> int:
    return 1 if a.ndim == 2 else int(a.shape[-3])


def cast_back(x: Array, dtype: np.dtype[Any]) -> Array:
    """Float results back to ``dtype``: rounded and clipped for integer images."""
    if dtype.kind in "iu":
        xp = array_module(x)
        info = np.iinfo(dtype)
        return xp.clip(xp.rint(x), info.min, info.max).astype(dtype)
    if dtype.kind == "b":
        return x > 0.5
    return x.astype(dtype, copy=False)


# --- per-plane Pillow resampling --------------------------------------------------------------------------


def map_planes(a: Array, fn: Callable[[Image.Image, int], Image.Image]) -> Array:
    """Apply ``fn(plane_image, channel)`` to every ``H x W`` plane as a Pillow ``"F"`` image; same dtype out."""
    check_image(a)
    host = to_host(a)
    h, w = host.shape[-2:]
    c = channels(host)
    planes = host.reshape(-1, h, w).astype(np.float32, copy=False)
    results = [np.asarray(fn(Image.fromarray(p), i % c), dtype=np.float32) for i, p in enumerate(planes)]
    if results:
        stacked = np.stack(results)
    else:
        probe = np.asarray(fn(Image.new("F", (w, h)), 0))
        stacked = np.empty((0, *probe.shape), dtype=np.float32)
    out = stacked.reshape(*host.shape[:-2], *stacked.shape[-2:])
    return like(cast_back(out, host.dtype), a)


def fill_for(fill: float | Sequence[float] | None, channel: int) -> float:
    if fill is None:
        return 0.0
    if isinstance(fill, int | float):
        return float(fill)
    seq = list(fill)
    return float(seq[channel] if len(seq) > 1 else seq[0])


# --- geometry --------------------------------------------------------------------------------------------


def hflip(a: Array) -> Array:
    return a[..., ::-1].copy()


def vflip(a: Array) -> Array:
    return a[..., ::-1, :].copy()


def crop(a: Array, top: int, left: int, height: int, width: int) -> Array:
    """Crop with zero padding where the box leaves the image (as torchvision)."""
    h, w = a.shape[-2:]
    if top >= 0 and left >= 0 and top + height <= h and left + width <= w:
        return a[..., top : top + height, left : left + width].copy()
    xp = array_module(a)
    out = xp.zeros((*a.shape[:-2], height, width), dtype=a.dtype)
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + height, h), min(left + width, w)
    if y1 > y0 and x1 > x0:
        out[..., y0 - top : y1 - top, x0 - left : x1 - left] = a[..., y0:y1, x0:x1]
    return out


def pad(
    a: Array, padding: tuple[int, int, int, int], fill: float | Sequence[float] = 0, mode: str = "constant"
) -> Array:
    """Pad the last two axes by ``(left, top, right, bottom)``; negative amounts crop."""
    left, top, right, bottom = padding
    h, w = a.shape[-2:]
    a = a[..., max(-top, 0) : h - max(-bottom, 0), max(-left, 0) : w - max(-right, 0)]
    left, top, right, bottom = max(left, 0), max(top, 0), max(right, 0), max(bottom, 0)
    xp = array_module(a)
    if mode == "constant":
        h, w = a.shape[-2:]
        out = xp.empty((*a.shape[:-2], h + top + bottom, w + left + right), dtype=a.dtype)
        if isinstance(fill, int | float) or a.ndim == 2:
            out[...] = fill_for(fill, 0)
        else:
            values = xp.asarray([fill_for(fill, i) for i in range(a.shape[-3])]).astype(a.dtype)
            out[...] = values[:, None, None]
        out[..., top : top + h, left : left + w] = a
        return out
    np_mode = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}.get(mode)
    if np_mode is None:
        raise ValueError(f"Padding mode should be either constant, edge, reflect or symmetric, got {mode!r}")
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    return xp.pad(a, widths, mode=np_mode)


def resize(a: Array, size: tuple[int, int], resample: Image.Resampling) -> Array:
    h, w = size
    return map_planes(a, lambda im, _: im.resize((w, h), resample))


def rotate(
    a: Array,
    angle: float,
    resample: Image.Resampling,
    expand: bool,
    center: Sequence[float] | None,
    fill: float | Sequence[float] | None,
) -> Array:
    ctr = None if center is None else (float(center[0]), float(center[1]))
    return map_planes(
        a, lambda im, c: im.rotate(angle, resample, expand=expand, center=ctr, fillcolor=fill_for(fill, c))
    )


def affine(
    a: Array, matrix: Sequence[float], resample: Image.Resampling, fill: float | Sequence[float] | None
) -> Array:
    data = tuple(float(m) for m in matrix)
    return map_planes(
        a,
        lambda im, c: im.transform(im.size, Image.Transform.AFFINE, data, resample, fillcolor=fill_for(fill, c)),
    )


def inverse_affine_matrix(
    center: Sequence[float], angle: float, translate: Sequence[float], scale: float, shear: Sequence[float]
) -> list[float]:
    """torchvision's inverse affine matrix (output -> input pixel), as a Pillow ``AFFINE`` data tuple."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


# --- colour ----------------------------------------------------------------------------------------------


def rgb_to_grayscale(a: Array, num_output_channels: int = 1) -> Array:
    """ITU-R 601-2 luma ``0.2989 R + 0.587 G + 0.114 B`` (truncated for integer images, as torchvision)."""
    c = channels(a)
    if c == 1:
        gray = a.copy() if a.ndim > 2 else a[None].copy()
    elif c == 3:
        r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
        lum = _GRAY[0] * r.astype(np.float32) + _GRAY[1] * g.astype(np.float32) + _GRAY[2] * b.astype(np.float32)
        gray = lum.astype(a.dtype)[..., None, :, :]
    else:
        raise TypeError(f"Input image tensor permitted channel values are 1 or 3, but found {c}")
    if num_output_channels == 3:
        xp = array_module(a)
        return xp.concatenate([gray, gray, gray], axis=-3)
    if num_output_channels != 1:
        raise ValueError("num_output_channels should be either 1 or 3")
    return gray


def blend(a: Array, b: Array | float, ratio: float) -> Array:
    """``ratio * a + (1 - ratio) * b`` clipped to the image range, truncated back to ``a``'s dtype."""
    xp = array_module(a)
    bound = max_value(a.dtype)
    out = ratio * a.astype(np.float32) + (1.0 - ratio) * (b.astype(np.float32) if hasattr(b, "astype") else b)
    return xp.clip(out, 0, bound).astype(a.dtype)


def adjust_brightness(a: Array, factor: float) -> Array:
    return blend(a, 0.0, factor)


def adjust_contrast(a: Array, factor: float) -> Array:
    gray = rgb_to_grayscale(a) if channels(a) == 3 else a
    mean = gray.astype(np.float32).mean(axis=(-3, -2, -1), keepdims=True)
    return blend(a, mean, factor)


def adjust_saturation(a: Array, factor: float) -> Array:
    if channels(a) == 1:
        return a.copy()
    return blend(a, rgb_to_grayscale(a), factor)


def _rgb2hsv(img: Array) -> tuple[Array, Array, Array]:
    xp = array_module(img)
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = xp.ones_like(maxc)
    s = cr / xp.where(eqc, ones, maxc)
    cr_div = xp.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = xp.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _hsv2rgb(h: Array, s: Array, v: Array) -> Array:
    xp = array_module(h)
    i = xp.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = xp.clip(v * (1.0 - s), 0.0, 1.0)
    q = xp.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = xp.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    table_r = xp.stack([v, q, p, p, t, v])
    table_g = xp.stack([t, v, v, q, p, p])
    table_b = xp.stack([p, p, t, v, v, q])
    idx = i[None]
    r = xp.take_along_axis(table_r, idx, axis=0)[0]
    g = xp.take_along_axis(table_g, idx, axis=0)[0]
    b = xp.take_along_axis(table_b, idx, axis=0)[0]
    return xp.stack([r, g, b], axis=-3)


def adjust_hue(a: Array, hue_factor: float) -> Array:
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if channels(a) == 1:
        return a.copy()
    dtype = a.dtype
    img = a.astype(np.float32) / np.float32(max_value(dtype)) if dtype.kind != "f" else a
    h, s, v = _rgb2hsv(img)
    h = (h + hue_factor) % 1.0
    rgb = _hsv2rgb(h, s, v)
    if dtype.kind != "f":
        return cast_back(rgb * np.float32(max_value(dtype)), dtype)
    return rgb.astype(dtype, copy=False)


def gaussian_kernel1d(kernel_size: int, sigma: float) -> npt.NDArray[np.float32]:
    half = (kernel_size - 1) * 0.5
    x = np.linspace(-half, half, kernel_size, dtype=np.float32)
    pdf = np.exp(-0.5 * (x / np.float32(sigma)) ** 2)
    out: npt.NDArray[np.float32] = (pdf / pdf.sum()).astype(np.float32)
    return out


def gaussian_blur(a: Array, kernel_size: tuple[int, int], sigma: tuple[float, float]) -> Array:
    """Separable Gaussian blur with reflect padding (torchvision's kernel and border rule)."""
    xp = array_module(a)
    kx = xp.asarray(gaussian_kernel1d(kernel_size[0], sigma[0]))
    ky = xp.asarray(gaussian_kernel1d(kernel_size[1], sigma[1]))
    x = a.astype(np.float32) if a.dtype != np.float64 else a
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    widths = [(0, 0)] * (a.ndim - 2)
    h, w = a.shape[-2:]
    xpad = xp.pad(x, [*widths, (py, py), (px, px)], mode="reflect")
    rows = kx[0] * xpad[..., :, 0:w]
    for k in range(1, kernel_size[0]):
        rows = rows + kx[k] * xpad[..., :, k : k + w]
    out = ky[0] * rows[..., 0:h, :]
    for k in range(1, kernel_size[1]):
        out = out + ky[k] * rows[..., k : k + h, :]
    return cast_back(out, a.dtype)
