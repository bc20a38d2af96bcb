"""Parsing of the IDX files MNIST and its relatives ship in, with ``np.frombuffer``/``readinto`` and nothing else.

An IDX file is a 4-byte magic number ``00 00 <type> <ndim>``, ``ndim`` big-endian int32 sizes, then the data in
C order, big-endian. Every header field and the file length are checked; a bad file raises ``RuntimeError`` naming
it.
"""

from __future__ import annotations

import gzip
import lzma
import math
import os
from typing import IO, Any

import numpy as np
import numpy.typing as npt

__all__ = ["read_idx", "read_label_file", "read_image_file"]

_IDX_TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _open(path: str) -> IO[bytes]:
    if path.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if path.endswith(".xz"):
        return lzma.open(path, "rb")
    return open(path, "rb")


def read_idx(path: str | os.PathLike[str], ndim: int | None = None) -> npt.NDArray[Any]:
    """Read one IDX file (plain, ``.gz`` or ``.xz``) into a writable native-endian array.

    ``ndim`` (when given) is the number of dimensions the caller expects; any mismatch with the header, an unknown
    type code, a short file or trailing bytes raises ``RuntimeError`` naming the file.

    Example:
        >>> labels = read_idx("MNIST/raw/t10k-labels-idx1-ubyte.gz", ndim=1)  # doctest: +SKIP
    """
    name = os.fspath(path)
    try:
        with _open(name) as f:
            head = f.read(4)
            if len(head) < 4:
                raise RuntimeError(f"{name}: truncated IDX file ({len(head)} bytes, no complete magic number)")
            if head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES:
                raise RuntimeError(f"{name}: not an IDX file (magic number {int.from_bytes(head, 'big')})")
            dtype, nd = _IDX_TYPES[head[2]], head[3]
            if ndim is not None and nd != ndim:
                magic = int.from_bytes(head, "big")
                raise RuntimeError(f"{name}: IDX magic number {magic} means {nd} dimensions, expected {ndim}")
            dims_raw = f.read(4 * nd)
            if len(dims_raw) < 4 * nd:
                raise RuntimeError(f"{name}: truncated IDX header")
            shape = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=">i4"))
            if any(d < 0 for d in shape):
                raise RuntimeError(f"{name}: negative dimension in IDX header {shape}")
            expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow on absurd headers
            if not name.endswith((".gz", ".xz")):  # plain file: check its length before allocating anything
                size = os.path.getsize(name)
                if size != 4 + 4 * nd + expected:
                    kind = (
                        "truncated IDX file" if size < 4 + 4 * nd + expected else "IDX file longer than its header says"
                    )
                    raise RuntimeError(
                        f"{name}: {kind}: header {shape} needs {expected} data bytes, file has {size - 4 - 4 * nd}"
                    )
            try:
                out = np.empty(shape, dtype=dtype.newbyteorder("="))
            except (MemoryError, ValueError) as e:
                raise RuntimeError(f"{name}: IDX header claims an impossible size {shape} ({e})") from e
            view = memoryview(out.reshape(-1).view(np.uint8))  # type: ignore[arg-type]
            got = 0
            while got < expected:  # decompress straight into the array; loop in case a read comes back short
                n = f.readinto(view[got:])  # type: ignore[attr-defined]
                if not n:
                    break
                got += n
            if got != expected:
                raise RuntimeError(
                    f"{name}: truncated IDX file: header {shape} needs {expected} data bytes, found {got}"
                )
            if f.read(1):
                raise RuntimeError(f"{name}: IDX file longer than its header {shape} says")
    except (OSError, EOFError, lzma.LZMAError) as e:
        raise RuntimeError(f"{name}: cannot read IDX file: {e}") from e
    if dtype.byteorder == ">":  # data were read raw: fix the byte order in place
        out = out.view(dtype).astype(dtype.newbyteorder("="))
    return out


def read_label_file(path: str | os.PathLike[str]) -> npt.NDArray[np.int64]:
    """IDX labels (1-D uint8, magic 2049) as int64, as torchvision's ``read_label_file``."""
    x = read_idx(path, ndim=1)
    if x.dtype != np.uint8:
        raise RuntimeError(f"{os.fspath(path)}: label file holds {x.dtype}, expected uint8")
    return x.astype(np.int64)


def read_image_file(path: str | os.PathLike[str]) -> npt.NDArray[np.uint8]:
    """IDX images (3-D uint8, magic 2051) as a ``(N, H, W)`` uint8 array."""
    x = read_idx(path, ndim=3)
    if x.dtype != np.uint8:
        raise RuntimeError(f"{os.fspath(path)}: image file holds {x.dtype}, expected uint8")
    return x
