from __future__ import annotations

import gzip
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from taeda.vision.datasets._idx import read_idx, read_image_file, read_label_file


@pytest.mark.parametrize("gz", [True, False])
def test_roundtrip_uint8(fmt: SimpleNamespace, tmp_path: Path, gz: bool) -> None:
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    p = fmt.write_idx(tmp_path / ("x.gz" if gz else "x"), a)
    out = read_idx(p, ndim=3)
    np.testing.assert_array_equal(out, a)
    assert out.flags.writeable and out.dtype == np.uint8


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.float32, np.float64])
def test_big_endian_types(fmt: SimpleNamespace, tmp_path: Path, dtype: type) -> None:
    a: np.ndarray[Any, Any] = (np.arange(-6, 6).reshape(3, 4) * 3).astype(dtype)
    out = read_idx(fmt.write_idx(tmp_path / "x", a))
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, a)


def test_empty_and_labels(fmt: SimpleNamespace, tmp_path: Path) -> None:
    assert read_idx(fmt.write_idx(tmp_path / "e", np.zeros((0, 28, 28), np.uint8))).shape == (0, 28, 28)
    lab = read_label_file(fmt.write_idx(tmp_path / "l.gz", np.array([7, 2, 1], np.uint8)))
    assert lab.dtype == np.int64 and lab.tolist() == [7, 2, 1]


def test_bad_magic(tmp_path: Path) -> None:
    p = tmp_path / "bad"
    p.write_bytes(b"\x01\x02\x08\x01" + bytes(8))
    with pytest.raises(RuntimeError, match="bad: not an IDX file"):
        read_idx(p)
    p.write_bytes(b"\x00\x00\x07\x01" + bytes(8))  # unknown type code
    with pytest.raises(RuntimeError, match="not an IDX file"):
        read_idx(p)


def test_wrong_dimensions(fmt: SimpleNamespace, tmp_path: Path) -> None:
    p = fmt.write_idx(tmp_path / "lab", np.zeros(5, np.uint8))
    with pytest.raises(RuntimeError, match=r"lab: IDX magic number 2049 means 1 dimensions, expected 3"):
        read_image_file(p)
    q = fmt.write_idx(tmp_path / "img", np.zeros((2, 2, 2), np.int32))
    with pytest.raises(RuntimeError, match="img: image file holds int32"):
        read_image_file(q)


def test_truncated_and_long(fmt: SimpleNamespace, tmp_path: Path) -> None:
    data = fmt.idx_bytes(np.ones((3, 4, 4), np.uint8))
    short = tmp_path / "short.gz"
    with gzip.open(short, "wb") as f:
        f.write(data[:-5])
    with pytest.raises(
        RuntimeError, match=r"short.gz: truncated IDX file: header \(3, 4, 4\) needs 48 data bytes, found 43"
    ):
        read_idx(short)
    long = tmp_path / "long"
    long.write_bytes(data + b"\x00")
    with pytest.raises(RuntimeError, match="long: IDX file longer than its header"):
        read_idx(long)
    head = tmp_path / "head"
    head.write_bytes(data[:6])
    with pytest.raises(RuntimeError, match="head: truncated IDX header"):
        read_idx(head)
    tiny = tmp_path / "tiny"
    tiny.write_bytes(b"\x00")
    with pytest.raises(RuntimeError, match="tiny: truncated IDX file"):
        read_idx(tiny)


def test_corrupt_gzip_names_file(fmt: SimpleNamespace, tmp_path: Path) -> None:
    p = tmp_path / "broken-images-idx3-ubyte.gz"
    good = gzip.compress(fmt.idx_bytes(np.ones((2, 28, 28), np.uint8)))
    p.write_bytes(good[: len(good) // 2])
    with pytest.raises(RuntimeError, match=r"broken-images-idx3-ubyte.gz"):
        read_idx(p)
    p.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(RuntimeError, match=r"broken-images-idx3-ubyte.gz: cannot read IDX file"):
        read_idx(p)


def test_absurd_header_sizes(tmp_path: Path) -> None:
    head = bytes([0, 0, 8, 3]) + np.array([1 << 30, 1 << 30, 1 << 30], ">i4").tobytes()
    plain = tmp_path / "huge"
    plain.write_bytes(head + bytes(10))
    with pytest.raises(RuntimeError, match="huge: truncated IDX file"):
        read_idx(plain)
    packed = tmp_path / "huge.gz"
    packed.write_bytes(gzip.compress(head + bytes(10)))
    with pytest.raises(RuntimeError, match=r"huge.gz: (IDX header claims an impossible size|truncated IDX file)"):
        read_idx(packed)
