"""Tests on the real files in $TAEDA_TEST_DATA (MNIST test split, Fashion-MNIST labels, truncated CIFAR-10)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from taeda.vision.datasets import CIFAR10, MNIST
from taeda.vision.datasets._idx import read_label_file
from taeda.vision.datasets._safe_pickle import load_restricted
from taeda.vision.datasets.utils import calculate_md5

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _torchvision_layout(real: Path, tmp: Path) -> Path:
    raw = tmp / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        os.symlink(real / "mnist" / name, raw / name)
    return tmp


def test_mnist_test_split(real_data: Path, tmp_path: Path) -> None:
    ds = MNIST(_torchvision_layout(real_data, tmp_path), train=False)
    assert len(ds) == 10_000
    assert ds[0][1] == 7
    assert np.bincount(ds.targets.array, minlength=10).tolist() == MNIST_TEST_COUNTS
    x = ds.data.array
    assert x.shape == (10_000, 28, 28) and x.dtype == np.uint8 and x.max() == 255 and x.min() == 0
    # a 7 has ink in the upper part and the first image is not blank
    assert x[0].sum() > 10_000


def test_mnist_raw_folder(real_data: Path) -> None:
    ds = MNIST("unused", train=False, raw_folder=real_data / "mnist")
    assert ds[0][1] == 7 and len(ds) == 10_000
    assert np.bincount(ds.targets.array).tolist() == MNIST_TEST_COUNTS


def test_label_files(real_data: Path) -> None:
    train = read_label_file(real_data / "mnist" / "train-labels-idx1-ubyte.gz")
    assert len(train) == 60_000 and train[0] == 5
    for split, n in (("t10k", 1000), ("train", 6000)):
        fashion = read_label_file(real_data / "fashion-mnist" / f"{split}-labels-idx1-ubyte.gz")
        assert np.bincount(fashion).tolist() == [n] * 10


def test_published_md5(real_data: Path) -> None:
    published = dict(MNIST.resources)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        assert calculate_md5(real_data / "mnist" / name) == published[name]


def test_cifar_meta_and_truncated_batch(real_data: Path, tmp_path: Path) -> None:
    folder = real_data / "cifar-10" / "cifar-10-batches-py"
    meta = load_restricted(folder / "batches.meta")
    assert meta["label_names"][:3] == ["airplane", "automobile", "bird"]
    root = tmp_path / "py"
    (root / "cifar-10-batches-py").mkdir(parents=True)
    for name in ("batches.meta", "test_batch"):
        os.symlink(folder / name, root / "cifar-10-batches-py" / name)
    with pytest.raises(RuntimeError, match="test_batch: corrupt or truncated pickle"):
        CIFAR10(root, train=False)


def test_cifar_rebuilt_binary_subset(real_data: Path, tmp_path: Path) -> None:
    """The surviving images of the truncated test batch, rebuilt as a binary batch, load with their labels."""
    raw = (real_data / "cifar-10" / "cifar-10-batches-py" / "test_batch").read_bytes()
    offset, n = 20217, 846
    images = np.frombuffer(raw, np.uint8, count=n * 3072, offset=offset).reshape(n, 3072)
    labels = np.array([3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9], np.uint8)  # published first labels
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rows = np.concatenate([labels[:, None], images[: len(labels)]], axis=1)
    (folder / "test_batch.bin").write_bytes(rows.tobytes())
    meta = load_restricted(real_data / "cifar-10" / "cifar-10-batches-py" / "batches.meta")
    (folder / "batches.meta.txt").write_text("\n".join(meta["label_names"]))
    ds = CIFAR10(tmp_path, train=False)
    assert [ds.classes[int(t)] for t in ds.targets[:5]] == ["cat", "ship", "ship", "airplane", "frog"]
    np.testing.assert_array_equal(ds.data[0], images[0].reshape(3, 32, 32).transpose(1, 2, 0))
