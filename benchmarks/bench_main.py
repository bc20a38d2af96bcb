"""The main job's MNIST epoch: LeNet-5 training over 10,000 MNIST images at batch 64, taeda vs PyTorch.

Uses MNIST's test split from ``TAEDA_TEST_DATA`` when set (the real images), otherwise SyntheticDigits of the same
shape. Both frameworks train the same LeNet-5 with SGD (momentum 0.9) from in-memory normalised tensors, so the row
compares the frameworks, not their image pipelines; a second row times taeda's full pipeline (PIL images through
``ToTensor`` and ``Normalize`` in a ``DataLoader``), which is what ``hatch run train`` does.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _harness import Case, try_import_torch

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn, optim
from taeda.autograd import Variable
from taeda.data import DataLoader, TensorDataset
from taeda.vision import datasets, transforms


def mnist_images(n: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    root = os.environ.get("TAEDA_TEST_DATA")
    if root and (Path(root) / "mnist" / "t10k-images-idx3-ubyte.gz").exists():
        with gzip.open(Path(root) / "mnist" / "t10k-images-idx3-ubyte.gz") as f:
            images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        with gzip.open(Path(root) / "mnist" / "t10k-labels-idx1-ubyte.gz") as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8)
        return images[:n], labels[:n].astype(np.int64)
    ds = datasets.SyntheticDigits(n, seed=0)
    return ds.data.numpy().reshape(-1, 28, 28), ds.targets.numpy().astype(np.int64)


class LeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Variable) -> Variable:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 400)
        out: Variable = self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
        return out


def taeda_epoch(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> Callable[[], object]:
    model = LeNet()
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader: DataLoader[Any] = DataLoader(TensorDataset(tt.from_numpy(x), tt.from_numpy(y)), batch_size=64, shuffle=True)

    def run() -> None:
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(Variable(xb)), Variable(yb)).backward()
            opt.step()

    return run


def taeda_pipeline_epoch(images: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]) -> Callable[[], object]:
    ds = datasets.SyntheticDigits(len(labels), seed=0)  # a VisionDataset of PIL images, as MNIST is
    ds.data = tt.from_numpy(np.ascontiguousarray(images))
    ds.targets = tt.from_numpy(labels)
    ds.transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    model = LeNet()
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader: DataLoader[Any] = DataLoader(ds, batch_size=64, shuffle=True)

    def run() -> None:
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(Variable(xb)), Variable(yb)).backward()
            opt.step()

    return run


def torch_epoch(torch: Any, x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> Callable[[], object]:
    tnn, tF = torch.nn, torch.nn.functional

    class TorchLeNet(tnn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.conv1, self.conv2 = tnn.Conv2d(1, 6, 5, padding=2), tnn.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = tnn.Linear(400, 120), tnn.Linear(120, 84), tnn.Linear(84, 10)

        def forward(self, x: Any) -> Any:
            x = tF.max_pool2d(tF.relu(self.conv1(x)), 2)
            x = tF.max_pool2d(tF.relu(self.conv2(x)), 2)
            return self.fc3(tF.relu(self.fc2(tF.relu(self.fc1(x.view(-1, 400))))))

    model = TorchLeNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(ds, batch_size=64, shuffle=True)

    def run() -> None:
        for xb, yb in loader:
            opt.zero_grad()
            tF.cross_entropy(model(xb), yb).backward()
            opt.step()

    return run


def cases(quick: bool) -> list[Case]:
    n = 1280 if quick else 10_000
    images, labels = mnist_images(n)
    x = ((images.astype(np.float32) / 255.0 - 0.1307) / 0.3081).reshape(-1, 1, 28, 28)
    torch = try_import_torch()
    return [
        Case(
            "main",
            f"LeNet-5 epoch, {n} MNIST images, batch 64",
            taeda_epoch(x, labels),
            torch=torch_epoch(torch, x, labels) if torch else None,
            target="<= 1.5x torch",
            target_ratio=1.5,
            target_of="torch",
            number=1,
            unit="s",
        ),
        Case(
            "main",
            "same with PIL + ToTensor + Normalize pipeline",
            taeda_pipeline_epoch(images, labels),
            number=1,
            unit="s",
        ),
    ]
