from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import taeda.tensor as tt
from taeda.data import DataLoader, Dataset
from taeda.vision import transforms as T
from taeda.vision.datasets import DatasetFolder, FakeData, ImageFolder, SyntheticDigits


def _tree(root: Path) -> None:
    for cls, color in (("cat", (255, 0, 0)), ("dog", (0, 255, 0))):
        (root / cls / "sub").mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (4, 3), color).save(root / cls / f"{i}.png")
        Image.new("L", (4, 3), 9).save(root / cls / "sub" / "x.JPG")
        (root / cls / "notes.txt").write_text("not an image")


def test_image_folder(tmp_path: Path) -> None:
    _tree(tmp_path)
    ds = ImageFolder(tmp_path, transform=T.PILToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 6 and ds.targets == [0, 0, 0, 1, 1, 1] and ds.imgs is ds.samples
    x, y = ds[3]
    assert y == 1 and tuple(x.shape) == (3, 3, 4) and x.array[:, 0, 0].tolist() == [0, 255, 0]
    gray, _ = ImageFolder(tmp_path)[2]
    assert gray.mode == "RGB"  # the default loader converts to RGB
    only_png = ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"))
    assert len(only_png) == 4


def test_dataset_folder_options(tmp_path: Path) -> None:
    _tree(tmp_path)
    ds = DatasetFolder(tmp_path, loader=lambda p: Path(p).read_text(), extensions=(".txt",))
    assert len(ds) == 2 and ds[1] == ("not an image", 1)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        DatasetFolder(tmp_path, loader=str)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        DatasetFolder(tmp_path, loader=str, extensions=(".png",))
    assert len(DatasetFolder(tmp_path, loader=str, extensions=(".png",), allow_empty=True)) == 4
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        ImageFolder(tmp_path / "empty")


def test_fake_data() -> None:
    ds = FakeData(size=5, image_size=(1, 6, 7), num_classes=3, random_offset=2)
    img, y = ds[4]
    assert img.mode == "L" and img.size == (7, 6) and 0 <= y < 3
    again = FakeData(size=5, image_size=(1, 6, 7), num_classes=3, random_offset=2)[4]
    np.testing.assert_array_equal(np.asarray(img), np.asarray(again[0]))
    assert again[1] == y and len(ds) == 5
    assert FakeData(3, (3, 4, 4))[-1][0].mode == "RGB"
    with pytest.raises(IndexError):
        ds[5]
    with pytest.raises(ValueError, match="image_size"):
        FakeData(2, (2, 4, 4))


def test_synthetic_digits() -> None:
    t0 = time.perf_counter()
    ds = SyntheticDigits(2000, seed=3)
    assert time.perf_counter() - t0 < 3.0
    assert len(ds) == 2000 and tuple(ds.data.shape) == (2000, 28, 28) and ds.data.dtype == tt.uint8
    assert np.bincount(ds.targets.array).tolist() == [200] * 10
    again = SyntheticDigits(2000, seed=3)
    np.testing.assert_array_equal(ds.data.array, again.data.array)
    np.testing.assert_array_equal(ds.targets.array, again.targets.array)
    other = SyntheticDigits(2000, seed=4)
    assert not np.array_equal(ds.data.array, other.data.array)
    img, y = ds[0]
    assert img.mode == "L" and img.size == (28, 28) and isinstance(y, int)
    x = ds.data.array
    assert x.max() == 255 and np.median(x) < 40  # white digits on a dark background, like MNIST
    # centred ink, digits differ from each other
    means = np.stack([x[ds.targets.array == d].mean(0) for d in range(10)])
    flat = means.reshape(10, -1)
    dist = np.linalg.norm(flat[:, None] - flat[None], axis=-1)
    assert dist[~np.eye(10, dtype=bool)].min() > 300
    assert tuple(SyntheticDigits(3, image_size=32).data.shape) == (3, 32, 32)
    ds.data = tt.from_numpy(x[:10].copy())
    ds.targets = ds.targets.array[:10]
    assert len(ds) == 10 and np.asarray(ds[9][0]).tolist() == x[9].tolist()
    with pytest.raises(ValueError):
        SyntheticDigits(-1)


def test_synthetic_nearest_mean_baseline() -> None:
    """Not trivial: a nearest-class-mean classifier stays far from perfect; a convnet is needed for >95%."""
    train, test = SyntheticDigits(3000, seed=0), SyntheticDigits(1000, seed=1)
    xtr = train.data.array.reshape(3000, -1).astype(np.float32)
    means = np.stack([xtr[train.targets.array == d].mean(0) for d in range(10)])
    xte = test.data.array.reshape(1000, -1).astype(np.float32)
    pred = np.argmin(((xte[:, None] - means[None]) ** 2).sum(-1), axis=1)
    acc = (pred == test.targets.array).mean()
    assert 0.3 < acc < 0.9


def test_dataloader_epoch() -> None:
    ds = SyntheticDigits(64, seed=0, transform=T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]))
    batches = list(DataLoader(ds, batch_size=16))
    assert len(batches) == 4
    x, y = batches[0]
    assert tuple(x.shape) == (16, 1, 28, 28) and x.dtype == tt.float32 and tuple(y.shape) == (16,)


class _SameImage(Dataset[tuple[Any, int]]):
    """Every index gives the same image through a random crop: any difference between samples is augmentation."""

    def __init__(self) -> None:
        self.img = SyntheticDigits(1, seed=0)[0][0]
        self.tf = T.Compose([T.RandomCrop(20, padding=2), T.PILToTensor()])

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> tuple[Any, int]:
        return self.tf(self.img), i


def test_random_transforms_in_workers() -> None:
    """Workers draw different crops (seeded per worker by taeda.data), and a global seed reproduces them."""

    def epoch() -> list[Any]:
        tt.manual_seed(7)
        return [x.array.copy() for x, _ in DataLoader(_SameImage(), batch_size=4, num_workers=2)]

    a, b = epoch(), epoch()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    crops = {s.tobytes() for batch in a for s in batch}
    assert len(crops) > 8  # not the same crop repeated by both workers
    assert not np.array_equal(a[0], a[1])  # batch 0 (worker 0) and batch 1 (worker 1) differ


@pytest.mark.torch
@pytest.mark.slow
def test_lenet_reaches_95_percent() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    torch.set_num_threads(1)
    train, test = SyntheticDigits(5000, seed=0), SyntheticDigits(1000, seed=1)

    def prep(ds: SyntheticDigits) -> tuple[Any, Any]:
        x = torch.from_numpy(ds.data.array.astype(np.float32) / 255.0)[:, None]
        return (x - 0.1307) / 0.3081, torch.from_numpy(ds.targets.array)

    xtr, ytr = prep(train)
    xte, yte = prep(test)
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    for _ in range(3):
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    assert acc > 0.95, acc
