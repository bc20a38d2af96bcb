"""The download path against a local HTTP server on 127.0.0.1 serving good, corrupt and missing files."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from taeda.vision.datasets import CIFAR10, EMNIST, MNIST
from taeda.vision.datasets.utils import ChecksumError, DownloadError, download_file, extract_archive


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _serve_mnist(served: Path, fmt: SimpleNamespace) -> dict[str, str]:
    fmt.make_mnist(served, n=20)
    fmt.make_mnist(served, n=30, prefix="train", seed=1)
    return {p.name: _md5(p.read_bytes()) for p in served.iterdir()}


def _tiny_mnist(digests: dict[str, str]) -> type[MNIST]:
    class TinyMNIST(MNIST):
        resources = [(name, digests[name]) for name in sorted(digests)]

    return TinyMNIST


def test_mnist_download(
    http_root: tuple[Path, str], tmp_path: Path, fmt: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    served, url = http_root
    cls = _tiny_mnist(_serve_mnist(served, fmt))
    dead = "http://127.0.0.1:9/"  # nothing listens on the discard port: the next mirror is tried
    ds = cls(tmp_path / "data", train=False, download=True, mirrors=[dead, url])
    assert len(ds) == 20
    raw = tmp_path / "data" / "TinyMNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(os.listdir(served))  # no temporary files left behind
    # present and verified files are not fetched again (the server no longer has them)
    for p in served.iterdir():
        p.unlink()
    assert len(cls(tmp_path / "data", train=True, download=True, mirrors=[url])) == 30
    assert "TinyMNIST" not in capsys.readouterr().out


def test_class_attribute_mirrors(http_root: tuple[Path, str], tmp_path: Path, fmt: SimpleNamespace) -> None:
    served, url = http_root
    cls = _tiny_mnist(_serve_mnist(served, fmt))
    cls.mirrors = [url]
    assert len(cls(tmp_path, train=False, download=True)) == 20


def test_checksum_mismatch(http_root: tuple[Path, str], tmp_path: Path, fmt: SimpleNamespace) -> None:
    served, url = http_root
    digests = _serve_mnist(served, fmt)
    (served / "t10k-images-idx3-ubyte.gz").write_bytes(b"corrupt")
    cls = _tiny_mnist(digests)
    with pytest.raises(ChecksumError) as info:
        cls(tmp_path, train=False, download=True, mirrors=[url])
    msg = str(info.value)
    assert (
        "t10k-images-idx3-ubyte.gz" in msg and digests["t10k-images-idx3-ubyte.gz"] in msg and _md5(b"corrupt") in msg
    )
    raw = tmp_path / "TinyMNIST" / "raw"
    assert not (raw / "t10k-images-idx3-ubyte.gz").exists()
    assert not [n for n in os.listdir(raw) if n.endswith(".part")]


def test_present_but_corrupt_is_replaced(http_root: tuple[Path, str], tmp_path: Path, fmt: SimpleNamespace) -> None:
    served, url = http_root
    cls = _tiny_mnist(_serve_mnist(served, fmt))
    raw = tmp_path / "TinyMNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(b"stale")
    ds = cls(tmp_path, train=False, download=True, mirrors=[url])
    assert len(ds) == 20


def test_every_mirror_fails(http_root: tuple[Path, str], tmp_path: Path) -> None:
    _, url = http_root
    mirrors = [url + "missing/", "http://127.0.0.1:9/", "not-a-url://x/"]
    with pytest.raises(DownloadError) as info:
        MNIST(tmp_path, train=False, download=True, mirrors=mirrors)
    msg = str(info.value)
    assert "train-images-idx3-ubyte.gz" in msg
    for m in mirrors:
        assert m + "train-images-idx3-ubyte.gz" in msg
    assert "404" in msg
    assert not list((tmp_path / "MNIST" / "raw").iterdir())


def test_download_file_sha256_and_progress(
    http_root: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served, url = http_root
    payload = os.urandom(3 << 20)
    (served / "blob.bin").write_bytes(payload)
    out = download_file([url + "blob.bin"], tmp_path / "blob.bin", hashlib.sha256(payload).hexdigest())
    assert Path(out).read_bytes() == payload
    assert "blob.bin" in capsys.readouterr().err  # the progress bar goes to stderr
    with pytest.raises(ChecksumError, match="SHA-256 mismatch"):
        download_file([url + "blob.bin"], tmp_path / "b2.bin", "0" * 64, progress=False)


def test_plain_progress_bar(
    http_root: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name: str, *args: object, **kwargs: object) -> object:
        if name == "tqdm":
            raise ImportError("no tqdm")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    served, url = http_root
    (served / "f").write_bytes(b"x" * 1000)
    download_file(url + "f", tmp_path / "f", _md5(b"x" * 1000))
    assert "f: 100.0% (0.0/0.0 MB)" in capsys.readouterr().err


def _cifar_tarball(tmp: Path, extra: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in extra.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_cifar_download_extracts_only_expected(
    http_root: tuple[Path, str], tmp_path: Path, fmt: SimpleNamespace
) -> None:
    served, url = http_root
    rng = np.random.default_rng(0)
    batch = {"data": rng.integers(0, 256, (3, 3072), dtype=np.uint8), "labels": [1, 2, 3], "batch_label": "t"}
    files = {f"cifar-10-batches-py/data_batch_{i}": fmt.py2_pickle(batch) for i in range(1, 6)}
    files["cifar-10-batches-py/test_batch"] = fmt.py2_pickle(batch)
    files["cifar-10-batches-py/batches.meta"] = fmt.py2_pickle({"label_names": [str(i) for i in range(10)]})
    files["cifar-10-batches-py/unexpected.sh"] = b"echo hi"
    files["../escape"] = b"nope"
    tarball = _cifar_tarball(tmp_path, files)
    (served / "tiny-cifar.tar.gz").write_bytes(tarball)

    class TinyCIFAR(CIFAR10):
        filename = "tiny-cifar.tar.gz"
        tgz_md5 = _md5(tarball)
        train_list = [(f"data_batch_{i}", _md5(files[f"cifar-10-batches-py/data_batch_{i}"])) for i in range(1, 6)]
        test_list = [("test_batch", _md5(files["cifar-10-batches-py/test_batch"]))]
        meta = {
            "filename": "batches.meta",
            "key": "label_names",
            "md5": _md5(files["cifar-10-batches-py/batches.meta"]),
        }

    root = tmp_path / "root"
    ds = TinyCIFAR(root, train=True, download=True, mirrors=[url])
    assert len(ds) == 15 and ds.targets.tolist()[:3] == [1, 2, 3]
    assert not (root / "cifar-10-batches-py" / "unexpected.sh").exists()
    assert not (tmp_path / "escape").exists()
    # second call: every batch verified, nothing downloaded (the server is emptied)
    (served / "tiny-cifar.tar.gz").unlink()
    assert len(TinyCIFAR(root, train=False, download=True, mirrors=[url])) == 3


def test_extract_archive_safety(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("../evil")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
        link = tarfile.TarInfo("link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
    p = tmp_path / "a.tar"
    p.write_bytes(buf.getvalue())
    with pytest.raises(tarfile.FilterError):
        extract_archive(p, tmp_path / "out", ["../evil"])
    with pytest.raises(tarfile.FilterError):
        extract_archive(p, tmp_path / "out", ["link"])
    with pytest.raises(RuntimeError, match="archive lacks expected members"):
        extract_archive(p, tmp_path / "out", ["missing"])
    gz = tmp_path / "x.idx.gz"
    gz.write_bytes(gzip.compress(b"abc"))
    assert Path(extract_archive(gz)[0]).read_bytes() == b"abc"


def test_zip_members(tmp_path: Path) -> None:
    import zipfile

    p = tmp_path / "gzip.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("gzip/emnist-mnist-test-labels-idx1-ubyte.gz", b"data")
        zf.writestr("gzip/other", b"skip")
        zf.writestr("gzip/../../evil", b"bad")
    out = extract_archive(p, tmp_path / "raw", ["gzip/emnist-mnist-test-labels-idx1-ubyte.gz"], strip_prefix="gzip/")
    assert [Path(o).name for o in out] == ["emnist-mnist-test-labels-idx1-ubyte.gz"]
    assert sorted(os.listdir(tmp_path / "raw")) == ["emnist-mnist-test-labels-idx1-ubyte.gz"]
    with pytest.raises(RuntimeError, match="unsafe member name"):
        extract_archive(p, tmp_path / "raw2", ["gzip/../../evil"], strip_prefix="gzip/")


def test_emnist_download(http_root: tuple[Path, str], tmp_path: Path, fmt: SimpleNamespace) -> None:
    import zipfile

    served, url = http_root
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for split in EMNIST.splits:
            for part, n in (("train", 3), ("test", 2)):
                images = np.full((n, 28, 28), len(split), np.uint8)
                labels = np.arange(n, dtype=np.uint8)
                for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
                    zf.writestr(f"gzip/emnist-{split}-{part}-{kind}-ubyte.gz", gzip.compress(fmt.idx_bytes(arr)))
        zf.writestr("gzip/emnist-balanced-mapping.txt", "0 48")
    (served / "gzip.zip").write_bytes(buf.getvalue())

    class TinyEMNIST(EMNIST):
        archive = ("gzip.zip", _md5(buf.getvalue()))

    ds = TinyEMNIST(tmp_path, split="digits", train=True, download=True, mirrors=[url])
    assert len(ds) == 3 and ds.data.array[0, 0, 0] == len("digits")
    raw = tmp_path / "TinyEMNIST" / "raw"
    assert len(os.listdir(raw)) == 24  # the IDX members only; the zip itself is deleted after extraction
    assert len(TinyEMNIST(tmp_path, split="letters", train=False, download=True, mirrors=[url + "gone/"])) == 2


def test_qmnist_download(http_root: tuple[Path, str], tmp_path: Path, fmt: SimpleNamespace) -> None:
    from taeda.vision.datasets import QMNIST

    served, url = http_root
    images = np.zeros((3, 28, 28), np.uint8)
    labels = np.arange(24, dtype=np.int32).reshape(3, 8)
    fmt.write_idx(served / "qmnist-test-images-idx3-ubyte.gz", images)
    fmt.write_idx(served / "qmnist-test-labels-idx2-int.gz", labels)

    class TinyQMNIST(QMNIST):
        qmnist_resources = {
            **QMNIST.qmnist_resources,
            "test": [(p.name, _md5(p.read_bytes())) for p in sorted(served.iterdir())],
        }

    ds = TinyQMNIST(tmp_path, what="test", download=True, mirrors=[url])
    assert len(ds) == 3 and ds[2][1] == 16
