"""Whole models: an MLP that learns, a small ResNet block and a LeNet-style Sequential training step, memory that
stays flat across iterations, and a state_dict that round-trips through taeda.tensor.save/load."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt

RNG = np.random.default_rng(8)


def sgd(model: nn.Module, lr: float) -> None:
    for p in model.parameters():
        if p.grad is not None:
            p.data.sub_(p.grad.data * lr)


def test_mlp_learns_a_separable_problem() -> None:
    tt.manual_seed(0)
    centers = RNG.standard_normal((4, 10)) * 3
    labels = RNG.integers(0, 4, 256)
    x = tt.as_tensor((centers[labels] + RNG.standard_normal((256, 10))).astype(np.float32))
    y = tt.as_tensor(labels)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 4))
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(60):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        sgd(model, 0.1)
    model.eval()
    acc = (model(x).data.argmax(1).numpy() == labels).mean()
    assert acc > 0.95


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: Any) -> Any:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


def test_resnet_block_step_and_state_dict(tmp_path: Path) -> None:
    tt.manual_seed(1)
    model = nn.Sequential(BasicBlock(3, 8, stride=2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
    keys = list(model.state_dict())
    assert keys[:3] == ["0.conv1.weight", "0.bn1.weight", "0.bn1.bias"]
    assert "0.bn1.running_mean" in keys and "0.shortcut.1.running_var" in keys
    x = tt.randn(4, 3, 8, 8)
    y = tt.as_tensor(RNG.integers(0, 5, 4))
    before = model[0].bn1.running_mean.numpy().copy()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    sgd(model, 0.1)
    assert not np.array_equal(before, model[0].bn1.running_mean.numpy())
    model.eval()
    out = model(x)
    path = tmp_path / "resnet.tdz"
    tt.save(model.state_dict(), str(path))
    twin = nn.Sequential(BasicBlock(3, 8, stride=2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5)).eval()
    twin.load_state_dict(tt.load(str(path)))
    np.testing.assert_allclose(twin(x).data.numpy(), out.data.numpy(), rtol=1e-6)


def test_lenet_style_sequential_with_dropout() -> None:
    tt.manual_seed(2)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 120), nn.ReLU(), nn.Dropout(0.2), nn.Linear(120, 10),
    )  # fmt: skip
    x = tt.randn(8, 1, 28, 28)
    y = tt.as_tensor(RNG.integers(0, 10, 8))
    losses = []
    for _ in range(5):
        model.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        sgd(model, 0.05)
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_training_loop_memory_stays_flat() -> None:
    tt.manual_seed(3)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    x = tt.randn(32, 64)
    y = tt.as_tensor(RNG.integers(0, 10, 32))

    def step() -> None:
        model.zero_grad()
        F.cross_entropy(model(x), y).backward()
        sgd(model, 0.01)

    for _ in range(5):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(5):
            step()
        gc.collect()
        first = tracemalloc.get_traced_memory()[0]
        for _ in range(30):
            step()
        gc.collect()
        last = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert last - first < 64 * 1024
