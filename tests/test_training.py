"""End-to-end training across all six packages on SyntheticDigits (offline, deterministic)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.optim as optim
import taeda.tensor as tt
from taeda.autograd import Variable, is_grad_enabled, no_grad
from taeda.data import DataLoader, TensorDataset


class SmallLeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Variable) -> Variable:
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 16 * 5 * 5)
        out: Variable = self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
        return out


def accuracy(model: nn.Module, ds: TensorDataset) -> float:
    model.eval()
    with no_grad():
        x, y = ds.tensors
        pred = model(Variable(x)).data.argmax(1)
    model.train()
    return float((pred == y).float().mean().item())


def train(model: nn.Module, opt: optim.Optimizer, loader: DataLoader[Any], batches: int) -> list[float]:
    """``batches`` optimizer steps, going over the loader as many epochs as that takes."""
    losses: list[float] = []
    while len(losses) < batches:
        for x, y in loader:
            if len(losses) >= batches:
                break
            opt.zero_grad()
            loss = F.cross_entropy(model(Variable(x)), Variable(y))
            loss.backward()
            opt.step()
            losses.append(float(loss.item()))
    return losses


OPTIMIZERS: dict[str, Callable[[Any], optim.Optimizer]] = {
    "sgd": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "adam": lambda p: optim.Adam(p, lr=2e-3),
    "adamw": lambda p: optim.AdamW(p, lr=2e-3),
    "rmsprop": lambda p: optim.RMSprop(p, lr=1e-3),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.02),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_each_optimizer_learns_digits(name: str, digits: tuple[TensorDataset, TensorDataset]) -> None:
    train_set, test_set = digits
    model = SmallLeNet()
    before = accuracy(model, test_set)
    loader: DataLoader[Any] = DataLoader(train_set, batch_size=64, shuffle=True)
    losses = train(model, OPTIMIZERS[name](model.parameters()), loader, 80)
    after = accuracy(model, test_set)
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5]), losses
    assert after > max(before + 0.3, 0.5), (before, after)


def test_checkpoint_resume_continues_identically(digits: tuple[TensorDataset, TensorDataset], tmp_path: Path) -> None:
    train_set, _ = digits
    x, y = train_set.tensors
    batches = [(x[i : i + 32], y[i : i + 32]) for i in range(0, 320, 32)]

    def run(model: nn.Module, opt: optim.Optimizer, part: list[tuple[tt.Tensor, tt.Tensor]]) -> None:
        for xb, yb in part:
            opt.zero_grad()
            F.cross_entropy(model(Variable(xb)), Variable(yb)).backward()
            opt.step()

    tt.manual_seed(3)
    model = SmallLeNet()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    run(model, opt, batches[:5])
    tt.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt.taeda")
    run(model, opt, batches[5:])

    tt.manual_seed(99)  # a different initialisation, entirely replaced by the checkpoint
    resumed = SmallLeNet()
    ropt = optim.Adam(resumed.parameters(), lr=1e-3)
    ckpt = tt.load(tmp_path / "ckpt.taeda")
    resumed.load_state_dict(ckpt["model"])
    ropt.load_state_dict(ckpt["optimizer"])
    run(resumed, ropt, batches[5:])
    for (name, a), (_, b) in zip(model.state_dict().items(), resumed.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), name


def test_same_seed_gives_bitwise_identical_weights(digits: tuple[TensorDataset, TensorDataset]) -> None:
    train_set, _ = digits

    def final_weights(seed: int) -> list[np.ndarray[Any, Any]]:
        tt.manual_seed(seed)
        model = SmallLeNet()
        loader: DataLoader[Any] = DataLoader(
            train_set, batch_size=64, shuffle=True, generator=tt.Generator().manual_seed(seed)
        )
        train(model, optim.SGD(model.parameters(), lr=0.05, momentum=0.9), loader, 6)
        return [p.data.numpy().copy() for p in model.parameters()]

    a, b, c = final_weights(7), final_weights(7), final_weights(8)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c))


def test_dataloader_workers_feed_a_model(digits: tuple[TensorDataset, TensorDataset]) -> None:
    train_set, _ = digits
    small = TensorDataset(*(t[:512] for t in train_set.tensors))
    model = SmallLeNet()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loader: DataLoader[Any] = DataLoader(small, batch_size=64, shuffle=False, num_workers=2)
    serial: DataLoader[Any] = DataLoader(small, batch_size=64, shuffle=False, num_workers=0)
    for (xa, ya), (xb, yb) in zip(loader, serial):
        assert np.array_equal(xa.numpy(), xb.numpy()) and np.array_equal(ya.numpy(), yb.numpy())
    losses = train(model, opt, loader, 8)
    assert len(losses) == 8 and all(np.isfinite(losses))


def test_eval_and_no_grad_inference(digits: tuple[TensorDataset, TensorDataset]) -> None:
    _, test_set = digits
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10)
    )
    x, _ = test_set.tensors
    model.eval()
    with no_grad():
        assert not is_grad_enabled()
        out1 = model(Variable(x[:50]))
        out2 = model(Variable(x[:50]))
    assert out1.grad_fn is None and not out1.requires_grad
    assert np.array_equal(out1.data.numpy(), out2.data.numpy())  # eval: dropout off, running stats used
    assert is_grad_enabled()
    model.train()
    out3 = model(Variable(x[:50]))
    assert out3.requires_grad
