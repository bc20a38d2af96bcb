"""Functional image transforms on PIL images and on taeda tensors ``(..., C, H, W)``, as torchvision's.

Every function that torchvision defines for both accepts both here; PIL images go through Pillow, tensors through
the array kernels in :mod:`._array` (integer tensors keep their dtype, results rounded). Parameters follow
torchvision: sizes are ``(h, w)``, padding ``(left, top, right, bottom)``, angles in degrees counter-clockwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance

from taeda.vision._bridge import Tensor, array_module, to_host, unwrap, wrap
from taeda.vision.transforms import _array as K
from taeda.vision.transforms._modes import InterpolationMode, pil_resample

__all__ = [
    "InterpolationMode",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "affine",
    "center_crop",
    "convert_image_dtype",
    "crop",
    "erase",
    "gaussian_blur",
    "get_dimensions",
    "get_image_num_channels",
    "get_image_size",
    "hflip",
    "normalize",
    "pad",
    "pil_to_tensor",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotate",
    "to_grayscale",
    "to_pil_image",
    "to_tensor",
    "vflip",
]

Img = Any  # PIL.Image.Image | Tensor


def _is_pil(img: object) -> bool:
    return isinstance(img, Image.Image)


def _arr(img: Any, name: str = "img") -> Any:
    if isinstance(img, Tensor):
        a = unwrap(img)
        K.check_image(a, name)
        return a
    if _is_pil(img):  # callers that take PIL images handle them before asking for the array
        raise TypeError(f"{name} should be a taeda Tensor, got a PIL Image")
    raise TypeError(f"{name} should be a PIL Image or a taeda Tensor, got {type(img).__name__}")


def get_dimensions(img: Img) -> list[int]:
    """``[channels, height, width]`` of a PIL image or a tensor.

    Example:
        >>> get_dimensions(Image.new("RGB", (4, 3)))
        [3, 3, 4]
    """
    if _is_pil(img):
        return [len(img.getbands()), img.height, img.width]
    a = _arr(img)
    return [K.channels(a), int(a.shape[-2]), int(a.shape[-1])]


def get_image_size(img: Img) -> list[int]:
    """``[width, height]``."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img: Img) -> int:
    return get_dimensions(img)[0]


# --- conversion ------------------------------------------------------------------------------------------

_INT_MODES: dict[str, Any] = {"I": np.int32, "I;16": np.uint16, "I;16B": np.uint16, "F": np.float32}
# 8-bit modes whose raw bytes are the (H, W, C) pixels: read with frombuffer(tobytes()), 4x faster than asarray
_BYTE_MODES = {"L": 1, "P": 1, "RGB": 3, "RGBA": 4, "RGBX": 4, "LA": 2, "CMYK": 4, "YCbCr": 3, "HSV": 3, "LAB": 3}
# uint8 -> float32 in [0, 1]: the exact values of x / 255 in float32, applied with one table lookup
_U8_TO_UNIT = np.arange(256, dtype=np.float32) / np.float32(255)


def _pil_pixels(pic: Image.Image) -> np.ndarray[Any, Any]:
    """The pixels of a PIL image as an ``(H, W)`` or ``(H, W, C)`` array."""
    c = _BYTE_MODES.get(pic.mode)
    if c is not None:
        flat = np.frombuffer(pic.tobytes(), dtype=np.uint8)
        return flat.reshape(pic.height, pic.width) if c == 1 else flat.reshape(pic.height, pic.width, c)
    arr = np.asarray(pic)
    if pic.mode == "1":
        return arr.astype(np.uint8) * np.uint8(255)
    if pic.mode in _INT_MODES:
        return arr.astype(_INT_MODES[pic.mode])
    return arr


def to_tensor(pic: Any) -> Tensor:
    """A PIL image or an ``(H, W[, C])`` ndarray as a ``(C, H, W)`` tensor; uint8 data become float32 in [0, 1].

    Modes ``I``, ``I;16`` and ``F`` keep their values and dtype, as in torchvision.

    Example:
        >>> to_tensor(Image.new("L", (2, 2), 255)).array.tolist()
        [[[1.0, 1.0], [1.0, 1.0]]]
    """
    if _is_pil(pic):
        arr = _pil_pixels(pic)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2 or 3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic).__name__}")
    h, w = arr.shape[:2]
    if arr.dtype == np.uint8:
        if arr.ndim == 2:
            return wrap(_U8_TO_UNIT.take(arr.reshape(1, h, w)))
        return wrap(_U8_TO_UNIT.take(arr.transpose(2, 0, 1)))
    chw = arr.transpose(2, 0, 1) if arr.ndim == 3 else arr[None]
    return wrap(np.ascontiguousarray(chw))


def pil_to_tensor(pic: Image.Image) -> Tensor:
    """A PIL image as a ``(C, H, W)`` tensor of its own dtype (uint8 for ``L``/``RGB``), values unchanged."""
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic).__name__}")
    arr = _pil_pixels(pic)
    if pic.mode == "1":
        arr = arr > 0
    chw = arr.transpose(2, 0, 1) if arr.ndim == 3 else arr[None]
    return wrap(np.ascontiguousarray(chw))


def to_pil_image(pic: Any, mode: str | None = None) -> Image.Image:
    """A ``(C, H, W)`` tensor or an ``(H, W[, C])`` ndarray as a PIL image (floats scaled by 255 unless mode F).

    Example:
        >>> to_pil_image(to_tensor(Image.new("RGB", (3, 2), (1, 2, 3)))).getpixel((0, 0))
        (1, 2, 3)
    """
    if isinstance(pic, Tensor):
        a = to_host(unwrap(pic))
        if a.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {a.ndim} dimensions.")
        if a.ndim == 3 and a.shape[0] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {a.shape[0]} channels.")
        npimg = a.transpose(1, 2, 0) if a.ndim == 3 else a
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic).__name__}.")
    if npimg.dtype.kind == "f" and mode != "F":
        npimg = np.clip(npimg * 255, 0, 255).astype(np.uint8)
    if npimg.ndim == 3 and npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
    if npimg.ndim == 2:
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.uint16): "I;16",
                    np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(npimg.dtype)  # fmt: skip
        if mode is not None and mode != expected and not (mode == "F" and npimg.dtype.kind == "f"):
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. Should be {expected}")
        if expected is None and mode is None:
            raise TypeError(f"Input type {npimg.dtype} is not supported")
        if mode == "F":
            npimg = npimg.astype(np.float32)
        return Image.fromarray(np.ascontiguousarray(npimg))
    nch = npimg.shape[2]
    allowed = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}
    if nch not in allowed:
        raise ValueError(f"pic should have 1 to 4 channels, got {nch}")
    if mode is None:
        mode = allowed[nch][0]
    elif mode not in allowed[nch]:
        raise ValueError(f"Only modes {allowed[nch]} are supported for {nch}D inputs")
    if npimg.dtype != np.uint8:
        raise TypeError(f"Input type {npimg.dtype} is not supported for {nch}-channel images")
    img = Image.frombuffer(
        mode, (npimg.shape[1], npimg.shape[0]), np.ascontiguousarray(npimg).tobytes(), "raw", mode, 0, 1
    )
    return img


def convert_image_dtype(image: Tensor, dtype: Any = np.float32) -> Tensor:
    """Convert a tensor image to ``dtype``, rescaling values (integers span [0, max], floats [0, 1]).

    Example:
        >>> convert_image_dtype(to_tensor(np.full((1, 1), 255, np.uint8)) , np.float64).array.item()
        1.0
    """
    a = _arr(image, "image")
    src, dst = a.dtype, np.dtype(dtype)
    if src == dst:
        return image
    if src.kind == "f":
        if dst.kind == "f":
            return wrap(a.astype(dst))
        if (src == np.float32 and dst in (np.int32, np.int64)) or (src == np.float64 and dst == np.int64):
            raise RuntimeError(f"The cast from {src} to {dst} cannot be performed safely.")
        eps = 1e-3
        return wrap((a * (K.max_value(dst) + 1.0 - eps)).astype(dst))
    if dst.kind == "f":
        return wrap(a.astype(dst) / dst.type(K.max_value(src)))
    in_max, out_max = int(K.max_value(src)), int(K.max_value(dst))
    if in_max > out_max:
        factor = (in_max + 1) // (out_max + 1)
        return wrap((a // factor).astype(dst))
    factor = (out_max + 1) // (in_max + 1)
    return wrap(a.astype(dst) * dst.type(factor))


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    """``(tensor - mean[c]) / std[c]`` per channel of a float tensor ``(..., C, H, W)``.

    Example:
        >>> normalize(to_tensor(Image.new("L", (1, 1), 255)), [0.5], [0.5]).array.item()
        1.0
    """
    a = _arr(tensor, "tensor")
    if a.dtype.kind != "f":
        raise TypeError(f"Input tensor should be a float tensor. Got {a.dtype}.")
    if a.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {a.shape}")
    xp = array_module(a)
    m = xp.asarray(mean, dtype=a.dtype)
    s = xp.asarray(std, dtype=a.dtype)
    if (s == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {a.dtype}, leading to division by zero.")
    m = m.reshape(-1, 1, 1)
    s = s.reshape(-1, 1, 1)
    if inplace:
        tensor.sub_(wrap(m)).div_(wrap(s))
        return tensor
    out = xp.subtract(a, m)
    xp.divide(out, s, out=out)
    return wrap(out)


# --- geometry --------------------------------------------------------------------------------------------


def _size_list(size: int | Sequence[int]) -> list[int]:
    if isinstance(size, int | np.integer):
        return [int(size)]
    return [int(s) for s in size]


def _resized_output_size(h: int, w: int, size: list[int], max_size: int | None) -> tuple[int, int]:
    if len(size) == 2:
        if max_size is not None:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge")
        return size[0], size[1]
    if len(size) != 1:
        raise ValueError(f"size must have 1 or 2 elements, got {len(size)}")
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(
                f"max_size = {max_size} must be strictly greater than the requested size for the smaller edge "
                f"size = {size}"
            )
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def resize(
    img: Img,
    size: int | Sequence[int],
    interpolation: InterpolationMode = InterpolationMode.BILINEAR,
    max_size: int | None = None,
    antialias: bool | None = True,
) -> Img:
    """Resize to ``size`` (``(h, w)``, or an int for the smaller edge keeping the aspect ratio).

    Tensors are resampled plane by plane with Pillow's filters (antialiased when shrinking, like PIL).

    Example:
        >>> resize(Image.new("L", (8, 4)), 2).size
        (4, 2)
    """
    _, h, w = get_dimensions(img)
    out_h, out_w = _resized_output_size(h, w, _size_list(size), max_size)
    if (out_h, out_w) == (h, w):
        return img
    resample = pil_resample(interpolation)
    if _is_pil(img):
        return img.resize((out_w, out_h), resample)
    return wrap(K.resize(_arr(img), (out_h, out_w), resample))


def crop(img: Img, top: int, left: int, height: int, width: int) -> Img:
    """The box at ``(top, left)`` of ``height x width`` (zero padded where it leaves the image)."""
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    return wrap(K.crop(_arr(img), top, left, height, width))


def center_crop(img: Img, output_size: int | Sequence[int]) -> Img:
    """The central ``output_size`` box; an image smaller than the box is zero padded first.

    Example:
        >>> center_crop(Image.new("L", (5, 5)), 3).size
        (3, 3)
    """
    size = _size_list(output_size)
    ch, cw = (size[0], size[0]) if len(size) == 1 else (size[0], size[1])
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        padding = [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                   (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0]  # fmt: skip
        img = pad(img, padding, fill=0)
        _, h, w = get_dimensions(img)
        if cw == w and ch == h:
            return img
    top, left = round((h - ch) / 2.0), round((w - cw) / 2.0)
    return crop(img, top, left, ch, cw)


def resized_crop(
    img: Img,
    top: int,
    left: int,
    height: int,
    width: int,
    size: int | Sequence[int],
    interpolation: InterpolationMode = InterpolationMode.BILINEAR,
    antialias: bool | None = True,
) -> Img:
    """:func:`crop` then :func:`resize`."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def _parse_padding(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    if isinstance(padding, int | np.integer):
        p = int(padding)
        return p, p, p, p
    if not isinstance(padding, Sequence) or len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not {padding!r}")
    seq = [int(p) for p in padding]
    if len(seq) == 1:
        return seq[0], seq[0], seq[0], seq[0]
    if len(seq) == 2:
        return seq[0], seq[1], seq[0], seq[1]
    return seq[0], seq[1], seq[2], seq[3]


def pad(
    img: Img, padding: int | Sequence[int], fill: float | Sequence[float] = 0, padding_mode: str = "constant"
) -> Img:
    """Pad by ``padding`` (int, ``(lr, tb)`` or ``(l, t, r, b)``) with ``constant``/``edge``/``reflect``/``symmetric``.

    Example:
        >>> pad(Image.new("L", (2, 2)), 1).size
        (4, 4)
    """
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    box = _parse_padding(padding)
    if not _is_pil(img):
        return wrap(K.pad(_arr(img), box, fill, padding_mode))
    arr = np.asarray(img)
    chw = arr.transpose(2, 0, 1) if arr.ndim == 3 else arr
    if img.mode == "P" and not isinstance(fill, int | float):
        raise ValueError("palette images take a single int fill")
    out = K.pad(chw, box, fill, padding_mode)
    result = Image.fromarray(np.ascontiguousarray(out.transpose(1, 2, 0) if out.ndim == 3 else out))
    if img.mode == "P":
        result.putpalette(img.getpalette() or [])
    elif result.mode != img.mode:
        result = result.convert(img.mode)
    return result


def hflip(img: Img) -> Img:
    """Mirror left-right."""
    if _is_pil(img):
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return wrap(K.hflip(_arr(img)))


def vflip(img: Img) -> Img:
    """Mirror top-bottom."""
    if _is_pil(img):
        return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return wrap(K.vflip(_arr(img)))


def _pil_fill(img: Image.Image, fill: float | Sequence[float] | None) -> Any:
    if fill is None:
        return None
    bands = len(img.getbands())
    if isinstance(fill, int | float):
        value: Any = fill
        return tuple([value] * bands) if bands > 1 else (int(value) if img.mode != "F" else float(value))
    seq = list(fill)
    if len(seq) == 1:
        seq = seq * bands
    if len(seq) != bands:
        raise ValueError(
            "The number of elements in 'fill' does not match the number of channels of the image "
            f"({len(seq)} != {bands})"
        )
    return tuple(int(v) if img.mode != "F" else float(v) for v in seq) if bands > 1 else seq[0]


def rotate(
    img: Img,
    angle: float,
    interpolation: InterpolationMode = InterpolationMode.NEAREST,
    expand: bool = False,
    center: Sequence[int] | None = None,
    fill: float | Sequence[float] | None = None,
) -> Img:
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the image centre)."""
    resample = pil_resample(interpolation)
    if _is_pil(img):
        ctr = None if center is None else (float(center[0]), float(center[1]))
        return img.rotate(angle, resample, expand=expand, center=ctr, fillcolor=_pil_fill(img, fill))
    return wrap(K.rotate(_arr(img), angle, resample, expand, center, fill))


def _shear_pair(shear: float | Sequence[float]) -> list[float]:
    if isinstance(shear, int | float | np.number):
        return [float(shear), 0.0]
    seq = [float(s) for s in shear]
    if len(seq) == 1:
        return [seq[0], seq[0]]
    if len(seq) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    return seq


def affine(
    img: Img,
    angle: float,
    translate: Sequence[float],
    scale: float,
    shear: float | Sequence[float],
    interpolation: InterpolationMode = InterpolationMode.NEAREST,
    fill: float | Sequence[float] | None = None,
    center: Sequence[float] | None = None,
) -> Img:
    """Rotate by ``angle``, scale, shear (degrees, x then y) and translate (pixels), keeping the size."""
    if len(translate) != 2:
        raise ValueError(f"Argument translate should be a sequence of length 2. Got {translate}")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    _, h, w = get_dimensions(img)
    ctr = [w * 0.5, h * 0.5] if center is None else [float(c) for c in center]
    matrix = K.inverse_affine_matrix(ctr, angle, [float(t) for t in translate], scale, _shear_pair(shear))
    resample = pil_resample(interpolation)
    if _is_pil(img):
        return img.transform(img.size, Image.Transform.AFFINE, tuple(matrix), resample, fillcolor=_pil_fill(img, fill))
    return wrap(K.affine(_arr(img), matrix, resample, fill))


# --- colour ----------------------------------------------------------------------------------------------


def rgb_to_grayscale(img: Img, num_output_channels: int = 1) -> Img:
    """Luma of an RGB image (1 or 3 output channels); PIL images use Pillow's ``convert("L")``."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if _is_pil(img):
        gray = img.convert("L")
        return Image.merge("RGB", [gray, gray, gray]) if num_output_channels == 3 else gray
    return wrap(K.rgb_to_grayscale(_arr(img), num_output_channels))


to_grayscale = rgb_to_grayscale


def _check_factor(name: str, factor: float) -> None:
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")


def adjust_brightness(img: Img, brightness_factor: float) -> Img:
    """Blend with black: 0 gives black, 1 the original, 2 twice as bright (clipped)."""
    _check_factor("brightness_factor", brightness_factor)
    if _is_pil(img):
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    return wrap(K.adjust_brightness(_arr(img), brightness_factor))


def adjust_contrast(img: Img, contrast_factor: float) -> Img:
    """Blend with the mean grey level: 0 gives a flat grey image, 1 the original."""
    _check_factor("contrast_factor", contrast_factor)
    if _is_pil(img):
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    return wrap(K.adjust_contrast(_arr(img), contrast_factor))


def adjust_saturation(img: Img, saturation_factor: float) -> Img:
    """Blend with the greyscale image: 0 gives grey, 1 the original, 2 doubles saturation."""
    _check_factor("saturation_factor", saturation_factor)
    if _is_pil(img):
        return ImageEnhance.Color(img).enhance(saturation_factor)
    return wrap(K.adjust_saturation(_arr(img), saturation_factor))


def adjust_hue(img: Img, hue_factor: float) -> Img:
    """Shift the hue by ``hue_factor`` turns (in [-0.5, 0.5]) in HSV space."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not _is_pil(img):
        return wrap(K.adjust_hue(_arr(img), hue_factor))
    if img.mode in ("L", "1", "I", "F"):
        return img
    mode = img.mode
    h, s, v = img.convert("HSV").split()
    np_h = np.asarray(h, dtype=np.uint8) + np.uint8(np.int64(hue_factor * 255) % 256)
    return Image.merge("HSV", (Image.fromarray(np_h), s, v)).convert(mode)


def gaussian_blur(img: Img, kernel_size: int | Sequence[int], sigma: float | Sequence[float] | None = None) -> Img:
    """Gaussian blur with an odd ``kernel_size`` (x, y) and ``sigma`` (default ``0.15 * k + 0.35``).

    PIL images are blurred through the tensor kernel (reflect borders), as torchvision does.
    """
    ks = _size_list(kernel_size)
    if len(ks) == 1:
        ks = [ks[0], ks[0]]
    if len(ks) != 2 or any(k <= 0 or k % 2 == 0 for k in ks):
        raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sig = [k * 0.15 + 0.35 for k in ks]
    elif isinstance(sigma, int | float | np.number):
        sig = [float(sigma), float(sigma)]
    else:
        sig = [float(s) for s in sigma]
        if len(sig) == 1:
            sig = [sig[0], sig[0]]
    if len(sig) != 2 or any(s <= 0 for s in sig):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    if _is_pil(img):
        arr = np.asarray(img)
        chw = arr.transpose(2, 0, 1) if arr.ndim == 3 else arr[None]
        out = K.gaussian_blur(chw, (ks[0], ks[1]), (sig[0], sig[1]))
        hwc = out.transpose(1, 2, 0) if arr.ndim == 3 else out[0]
        return Image.fromarray(np.ascontiguousarray(hwc)).convert(img.mode)
    return wrap(K.gaussian_blur(_arr(img), (ks[0], ks[1]), (sig[0], sig[1])))


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Any, inplace: bool = False) -> Tensor:
    """Set the box ``[i:i+h, j:j+w]`` of a tensor image to ``v`` (a scalar or a broadcastable array/tensor)."""
    a = _arr(img)
    if inplace:
        img[..., i : i + h, j : j + w] = v if isinstance(v, Tensor | int | float) else wrap(array_module(a).asarray(v))
        return img
    out = a.copy()
    out[..., i : i + h, j : j + w] = unwrap(v) if isinstance(v, Tensor) else v
    return wrap(out)
