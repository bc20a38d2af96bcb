"""Shared fixtures: writers for the published file formats, a local HTTP server, the real-data folder."""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import pickle
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest


def idx_bytes(array: np.ndarray[Any, Any]) -> bytes:
    """An IDX file's bytes for ``array`` (uint8 -> type 0x08, int32 -> 0x0C big-endian, ...)."""
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
             np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}  # fmt: skip
    code = codes[array.dtype]
    head = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">i4").tobytes()
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: np.ndarray[Any, Any], gz: bool | None = None) -> Path:
    data = idx_bytes(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz if gz is not None else path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


def make_mnist(raw: Path, n: int = 12, prefix: str = "t10k", gz: bool = True, seed: int = 0) -> tuple[Any, Any]:
    """Write an MNIST-format split of ``n`` random images into ``raw``; returns (images, labels)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    ext = ".gz" if gz else ""
    write_idx(raw / f"{prefix}-images-idx3-ubyte{ext}", images)
    write_idx(raw / f"{prefix}-labels-idx1-ubyte{ext}", labels)
    return images, labels


_PurePickler: Any = pickle._Pickler  # the pure-Python pickler, whose dispatch table can be extended


class _Py2Pickler(_PurePickler):  # type: ignore[misc]
    """Writes bytes as Python 2 ``str`` opcodes (BINSTRING), as CIFAR's cPickle files hold them."""

    dispatch = dict(_PurePickler.dispatch)

    def save_py2_str(self, obj: bytes) -> None:
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def py2_pickle(obj: Any) -> bytes:
    """``obj`` pickled with protocol 2 the way Python 2's cPickle wrote CIFAR (no ``_codecs`` globals)."""
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1 (a thread); yields (folder, base URL ending in '/')."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def real_data() -> Path:
    """The shared real-data folder named by TAEDA_TEST_DATA (skips when unset)."""
    root = os.environ.get("TAEDA_TEST_DATA")
    if not root:
        pytest.skip("TAEDA_TEST_DATA is not set: real-data tests need the shared datasets folder")
    path = Path(root)
    if not path.is_dir():
        pytest.skip(f"TAEDA_TEST_DATA={root} is not a folder")
    return path


@pytest.fixture
def fmt() -> SimpleNamespace:
    """The file-format writers above (test modules cannot import conftest under --import-mode=importlib)."""
    return SimpleNamespace(idx_bytes=idx_bytes, write_idx=write_idx, make_mnist=make_mnist, py2_pickle=py2_pickle)
