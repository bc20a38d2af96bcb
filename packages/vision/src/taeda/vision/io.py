"""Reading and writing image files as uint8 tensors ``(C, H, W)`` with Pillow (PNG, JPEG and what Pillow reads)."""

from __future__ import annotations

import io as _io
import os
from enum import Enum
from typing import Any

import numpy as np
from PIL import Image

from taeda.vision._bridge import Tensor, to_host, unwrap, wrap

__all__ = [
    "ImageReadMode",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "encode_jpeg",
    "encode_png",
    "read_file",
    "read_image",
    "write_file",
    "write_jpeg",
    "write_png",
]


class ImageReadMode(Enum):
    """Colour handling when decoding: keep the file's channels or convert to grey / grey+alpha / RGB / RGBA."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4


_MODE_TO_PIL = {
    ImageReadMode.GRAY: "L",
    ImageReadMode.GRAY_ALPHA: "LA",
    ImageReadMode.RGB: "RGB",
    ImageReadMode.RGB_ALPHA: "RGBA",
}


def read_file(path: str | os.PathLike[str]) -> Tensor:
    """The bytes of a file as a 1-D uint8 tensor."""
    with open(path, "rb") as f:
        return wrap(np.frombuffer(bytearray(f.read()), dtype=np.uint8))


def write_file(filename: str | os.PathLike[str], data: Tensor) -> None:
    """Write a 1-D uint8 tensor of bytes to a file."""
    with open(filename, "wb") as f:
        f.write(to_host(unwrap(data)).tobytes())


def _pil_to_chw(img: Image.Image, mode: ImageReadMode) -> Tensor:
    if mode is ImageReadMode.UNCHANGED:
        if img.mode == "P":
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode == "1":
            img = img.convert("L")
        elif img.mode in ("CMYK", "YCbCr", "HSV", "LAB"):
            img = img.convert("RGB")
        elif img.mode in ("I;16", "I;16B", "I;16L"):
            arr16 = np.asarray(img).astype(np.uint16)
            return wrap(arr16[None].copy())
        elif img.mode in ("I", "F"):
            raise RuntimeError(f"images of mode {img.mode} are not supported; use ImageReadMode.GRAY")
    else:
        target = _MODE_TO_PIL[mode]
        if img.mode != target:
            img = img.convert(target)
    arr = np.asarray(img)
    chw = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    return wrap(np.ascontiguousarray(chw))


def decode_image(
    input: Tensor | str | os.PathLike[str] | bytes, mode: ImageReadMode = ImageReadMode.UNCHANGED
) -> Tensor:
    """Decode PNG/JPEG (or any format Pillow reads) from a 1-D uint8 tensor of bytes or a path into ``(C, H, W)``.

    Example:
        >>> img = decode_image(read_file("cat.png"), ImageReadMode.RGB)  # doctest: +SKIP
    """
    if isinstance(input, Tensor):
        raw = to_host(unwrap(input))
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError(f"Expected a 1-D uint8 tensor of encoded bytes, got {raw.dtype} {raw.shape}")
        src: Any = _io.BytesIO(raw.tobytes())
    elif isinstance(input, bytes):
        src = _io.BytesIO(input)
    else:
        src = os.fspath(input)
    try:
        with Image.open(src) as img:
            img.load()
            return _pil_to_chw(img, mode)
    except (OSError, SyntaxError) as e:  # Pillow raises UnidentifiedImageError (an OSError) or SyntaxError
        where = src if isinstance(src, str) else "the given bytes"
        raise RuntimeError(f"cannot decode image from {where}: {e}") from e


def decode_png(input: Tensor, mode: ImageReadMode = ImageReadMode.UNCHANGED) -> Tensor:
    """Decode PNG bytes (1-D uint8 tensor) into ``(C, H, W)``."""
    return decode_image(input, mode)


def decode_jpeg(input: Tensor, mode: ImageReadMode = ImageReadMode.UNCHANGED) -> Tensor:
    """Decode JPEG bytes (1-D uint8 tensor) into a uint8 ``(C, H, W)`` tensor."""
    return decode_image(input, mode)


def read_image(path: str | os.PathLike[str], mode: ImageReadMode = ImageReadMode.UNCHANGED) -> Tensor:
    """Read a PNG or JPEG file into a uint8 tensor ``(C, H, W)``.

    Example:
        >>> img = read_image("cat.jpg")  # doctest: +SKIP
        >>> img.dtype, img.shape[0]  # doctest: +SKIP
        (dtype('uint8'), 3)
    """
    return decode_image(os.fspath(path), mode)


def _to_pil(tensor: Tensor) -> Image.Image:
    a = to_host(unwrap(tensor))
    if a.dtype != np.uint8 or a.ndim != 3 or a.shape[0] not in (1, 2, 3, 4):
        raise ValueError(f"expected a uint8 tensor (C, H, W) with C in 1..4, got {a.dtype} {a.shape}")
    return Image.fromarray(np.ascontiguousarray(a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)))


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """Encode a uint8 ``(C, H, W)`` tensor as PNG bytes (1-D uint8 tensor)."""
    buf = _io.BytesIO()
    _to_pil(input).save(buf, format="PNG", compress_level=compression_level)
    return wrap(np.frombuffer(bytearray(buf.getvalue()), dtype=np.uint8))


def encode_jpeg(input: Tensor, quality: int = 75) -> Tensor:
    """Encode a uint8 ``(C, H, W)`` tensor (1 or 3 channels) as JPEG bytes (1-D uint8 tensor)."""
    if not 1 <= quality <= 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    buf = _io.BytesIO()
    _to_pil(input).save(buf, format="JPEG", quality=quality)
    return wrap(np.frombuffer(bytearray(buf.getvalue()), dtype=np.uint8))


def write_png(input: Tensor, filename: str | os.PathLike[str], compression_level: int = 6) -> None:
    """Write a uint8 ``(C, H, W)`` tensor as a PNG file."""
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input: Tensor, filename: str | os.PathLike[str], quality: int = 75) -> None:
    """Write a uint8 ``(C, H, W)`` tensor as a JPEG file."""
    write_file(filename, encode_jpeg(input, quality))
