from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image

import taeda.tensor as tt
from taeda.vision import transforms
from taeda.vision.datasets import EMNIST, KMNIST, MNIST, QMNIST, FashionMNIST


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_layout(fmt: SimpleNamespace, tmp_path: Path, gz: bool, train: bool) -> None:
    images, labels = fmt.make_mnist(tmp_path / "MNIST" / "raw", prefix="train" if train else "t10k", gz=gz)
    ds = MNIST(tmp_path, train=train)
    assert len(ds) == 12
    img, label = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert label == int(labels[3]) and type(label) is int
    np.testing.assert_array_equal(np.asarray(img), images[3])
    assert isinstance(ds.data, tt.Tensor) and ds.data.dtype == tt.uint8 and tuple(ds.data.shape) == (12, 28, 28)
    assert isinstance(ds.targets, tt.Tensor) and ds.targets.dtype == tt.int64
    np.testing.assert_array_equal(ds.targets.array, labels)
    assert ds.class_to_idx["7 - seven"] == 7 and len(ds.classes) == 10
    assert "Split: " + ("Train" if train else "Test") in repr(ds)


def test_other_split_missing_and_raw_folder(fmt: SimpleNamespace, tmp_path: Path) -> None:
    fmt.make_mnist(tmp_path / "flat", prefix="t10k")
    with pytest.raises(RuntimeError, match=r"Dataset not found.*download=True"):
        MNIST(tmp_path, train=False)
    ds = MNIST(tmp_path, train=False, raw_folder=tmp_path / "flat")
    assert len(ds) == 12 and ds.raw_folder == str(tmp_path / "flat")
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte"):
        MNIST(tmp_path, train=True, raw_folder=tmp_path / "flat")


def test_transforms_and_setters(fmt: SimpleNamespace, tmp_path: Path) -> None:
    images, labels = fmt.make_mnist(tmp_path / "MNIST" / "raw")
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ds = MNIST(tmp_path, train=False, transform=tf, target_transform=lambda y: y + 100)
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == tt.float32
    np.testing.assert_allclose(x.array[0], (images[0] / 255.0 - 0.5) / 0.5, rtol=1e-6, atol=1e-6)
    assert y == int(labels[0]) + 100
    ds.data = ds.data.array[:5]
    ds.targets = ds.targets.array[:5]
    assert len(ds) == 5 and tuple(ds.data.shape) == (5, 28, 28)
    assert "Transform: Compose(" in repr(ds)


def test_mismatched_counts(fmt: SimpleNamespace, tmp_path: Path) -> None:
    raw = tmp_path / "MNIST" / "raw"
    fmt.make_mnist(raw)
    fmt.write_idx(raw / "t10k-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(RuntimeError, match=r"holds 12 images but .* 3 labels"):
        MNIST(tmp_path, train=False)


def test_corrupt_file_is_named(fmt: SimpleNamespace, tmp_path: Path) -> None:
    raw = tmp_path / "MNIST" / "raw"
    fmt.make_mnist(raw, gz=False)
    p = raw / "t10k-images-idx3-ubyte"
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(RuntimeError, match="t10k-images-idx3-ubyte: truncated IDX file"):
        MNIST(tmp_path, train=False)


@pytest.mark.parametrize("cls", [FashionMNIST, KMNIST])
def test_relatives(fmt: SimpleNamespace, tmp_path: Path, cls: type[MNIST]) -> None:
    fmt.make_mnist(tmp_path / cls.__name__ / "raw")
    ds = cls(tmp_path, train=False)
    assert len(ds) == 12 and len(ds.classes) == 10
    assert ds.classes[0] == ("T-shirt/top" if cls is FashionMNIST else "o")


def test_emnist(fmt: SimpleNamespace, tmp_path: Path) -> None:
    raw = tmp_path / "EMNIST" / "raw"
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    fmt.write_idx(raw / "emnist-letters-test-images-idx3-ubyte.gz", imgs)
    fmt.write_idx(raw / "emnist-letters-test-labels-idx1-ubyte.gz", np.array([1, 2, 26, 3], np.uint8))
    ds = EMNIST(tmp_path, split="letters", train=False)
    assert len(ds) == 4 and ds.classes[26] == "z" and ds.classes[0] == "N/A"
    np.testing.assert_array_equal(np.asarray(ds[2][0]), imgs[2])
    assert len(EMNIST.__dict__) > 0
    with pytest.raises(ValueError, match="Unknown value 'nope' for argument split"):
        EMNIST(tmp_path, split="nope")
    with pytest.raises(RuntimeError, match="emnist-letters-train-images"):
        EMNIST(tmp_path, split="letters", train=True)


def test_emnist_classes() -> None:
    import taeda.vision.datasets.mnist as m

    sizes = {k: len(v) for k, v in m._EMNIST_CLASSES.items()}
    assert sizes == {"byclass": 62, "bymerge": 47, "balanced": 47, "letters": 27, "digits": 10, "mnist": 10}


def _qmnist_files(raw: Path, fmt: SimpleNamespace, prefix: str, n: int, ext: str = ".gz") -> tuple[Any, Any]:
    import lzma

    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, (n, 8)).astype(np.int32)
    if ext == ".xz":
        raw.mkdir(parents=True, exist_ok=True)
        (raw / f"{prefix}-images-idx3-ubyte.xz").write_bytes(lzma.compress(fmt.idx_bytes(images)))
        (raw / f"{prefix}-labels-idx2-int.xz").write_bytes(lzma.compress(fmt.idx_bytes(labels)))
    else:
        fmt.write_idx(raw / f"{prefix}-images-idx3-ubyte{ext}", images)
        fmt.write_idx(raw / f"{prefix}-labels-idx2-int{ext}", labels)
    return images, labels


def test_qmnist(fmt: SimpleNamespace, tmp_path: Path) -> None:
    raw = tmp_path / "QMNIST" / "raw"
    images, labels = _qmnist_files(raw, fmt, "qmnist-test", 10_003)
    ds = QMNIST(tmp_path, train=False)
    assert len(ds) == 10_003 and tuple(ds.targets.shape) == (10_003, 8) and ds.targets.dtype == tt.int64
    img, y = ds[5]
    assert y == int(labels[5, 0]) and np.array_equal(np.asarray(img), images[5])
    full = QMNIST(tmp_path, what="test", compat=False)[7][1]
    assert isinstance(full, tt.Tensor) and full.array.tolist() == labels[7].tolist()
    assert len(QMNIST(tmp_path, what="test10k")) == 10_000
    t50 = QMNIST(tmp_path, what="test50k")
    assert len(t50) == 3 and t50[0][1] == int(labels[10_000, 0])
    _qmnist_files(raw, fmt, "xnist", 4, ext=".xz")
    assert len(QMNIST(tmp_path, what="nist")) == 4
    with pytest.raises(ValueError, match="Unknown value 'x' for argument what"):
        QMNIST(tmp_path, what="x")
    fmt.write_idx(raw / "qmnist-train-images-idx3-ubyte.gz", images[:2])
    fmt.write_idx(raw / "qmnist-train-labels-idx2-int.gz", labels[:2, :3].copy())
    with pytest.raises(RuntimeError, match=r"qmnist-train-labels-idx2-int.gz: expected int32 labels \(N, 8\)"):
        QMNIST(tmp_path, train=True)
