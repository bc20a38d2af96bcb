"""Train the LeNet-5 of PyTorch's classic tutorial with taeda: the README's main job.

    hatch run train                                   # MNIST, 3 epochs, SGD with momentum
    hatch run train --dataset fashion-mnist --optimizer adam --epochs 5
    hatch run train --dataset digits --out runs/digits # offline: synthetic digits rendered with Pillow
    hatch run train --resume runs/lenet-mnist/checkpoint.taeda --epochs 5

The dataset is downloaded into ``--data-root`` when missing. When the download is impossible (no network), the
script says so in one line and trains on ``SyntheticDigits`` instead, so the command works offline too. Results
go to ``--out``: ``checkpoint.taeda`` (model and optimizer ``state_dict``; ``--resume`` continues from it),
``curves.png`` (training loss and test accuracy per epoch), ``predictions.png`` (test images with predicted and true
labels, misclassified ones marked) and ``metrics.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn, optim
from taeda.autograd import Variable, no_grad
from taeda.data import DataLoader, Dataset
from taeda.vision import datasets, transforms

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ProgressBar, save_curves, save_prediction_grid

DATASETS = ("mnist", "fashion-mnist", "cifar10", "digits")
STATS = {  # per-channel mean and std of the training split, as in the torchvision examples
    "mnist": ((0.1307,), (0.3081,)),
    "fashion-mnist": ((0.2860,), (0.3530,)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "digits": ((0.1307,), (0.3081,)),
}


class LeNet(nn.Module):
    """LeNet-5 as in PyTorch's "Neural Networks" tutorial; 28x28 inputs are padded by 2 in the first convolution."""

    def __init__(self, in_channels: int = 1, image_size: int = 28, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5, padding=(32 - image_size) // 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: Variable) -> Variable:
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        out: Variable = self.fc3(x)
        return out


def default_data_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "taeda" / "data"


def load_datasets(
    name: str, root: Path, train_size: int, test_size: int, seed: int
) -> tuple[Dataset[Any], Dataset[Any], str]:
    """The train and test splits of ``name``; falls back to SyntheticDigits (saying so) when it cannot download."""
    mean, std = STATS[name]
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    if name != "digits":
        cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST, "cifar10": datasets.CIFAR10}[name]
        try:
            train = cls(str(root), train=True, transform=tf, download=True)
            test = cls(str(root), train=False, transform=tf, download=True)
            return train, test, name
        except (OSError, RuntimeError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            print(f"could not get {name} into {root} ({reason[:200]}); training on SyntheticDigits instead")
        mean, std = STATS["digits"]
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    train = datasets.SyntheticDigits(train_size, seed=seed, transform=tf)
    test = datasets.SyntheticDigits(test_size, seed=seed + 1_000_003, transform=tf)
    return train, test, "digits"


def make_optimizer(name: str, params: Any, lr: float | None) -> optim.Optimizer:
    if name == "sgd":
        return optim.SGD(params, lr=0.01 if lr is None else lr, momentum=0.9)
    if name == "adam":
        return optim.Adam(params, lr=1e-3 if lr is None else lr)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=1e-3 if lr is None else lr)
    raise ValueError(f"unknown optimizer {name!r}")


def evaluate(model: LeNet, loader: DataLoader[Any], device: str, limit: int | None) -> tuple[float, float]:
    """(mean loss, accuracy) over the loader, in eval mode and without recording a graph."""
    model.eval()
    total, correct, loss_sum = 0, 0, 0.0
    with no_grad():
        for i, (images, labels) in enumerate(loader):
            if limit is not None and i >= limit:
                break
            images, labels = images.to(device), labels.to(device)
            logits = model(Variable(images))
            loss_sum += float(F.cross_entropy(logits, Variable(labels), reduction="sum").item())
            correct += int((logits.data.argmax(1) == labels).sum().item())
            total += int(labels.shape[0])
    model.train()
    return loss_sum / max(total, 1), correct / max(total, 1)


def first_test_batch(model: LeNet, loader: DataLoader[Any], device: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    model.eval()
    with no_grad():
        images, labels = next(iter(loader))
        pred = model(Variable(images.to(device))).data.argmax(1)
    model.train()
    return images.cpu().numpy(), labels.cpu().numpy(), pred.cpu().numpy()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=DATASETS, default="mnist")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=None, help="default: 0.01 for sgd (momentum 0.9), 1e-3 otherwise")
    p.add_argument("--optimizer", choices=("sgd", "adam", "rmsprop"), default="sgd")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--data-root", type=Path, default=default_data_root())
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help="results folder (default runs/lenet-<dataset>)")
    p.add_argument("--resume", type=Path, default=None, help="checkpoint to continue from")
    p.add_argument("--synthetic-size", type=int, default=20_000, help="training samples when on SyntheticDigits")
    p.add_argument("--limit-batches", type=int, default=None, help="smoke mode: batches per epoch (and per test)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.device == "cuda" and not tt.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA GPU is available here (taeda.tensor.cuda.is_available() is False)")
    tt.manual_seed(args.seed)
    np.random.seed(args.seed)
    train_set, test_set, used = load_datasets(
        args.dataset, args.data_root, args.synthetic_size, max(args.synthetic_size // 5, 1000), args.seed
    )
    out: Path = args.out or Path("runs") / f"lenet-{used}"
    out.mkdir(parents=True, exist_ok=True)
    sample, _ = train_set[0]
    channels, size = int(sample.shape[0]), int(sample.shape[-1])

    generator = tt.Generator().manual_seed(args.seed)
    train_loader: DataLoader[Any] = DataLoader(
        train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.workers, generator=generator
    )
    test_loader: DataLoader[Any] = DataLoader(test_set, batch_size=500, num_workers=args.workers)
    model = LeNet(channels, size).to(args.device)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    history: dict[str, list[float]] = {"train_loss": [], "test_loss": [], "test_accuracy": [], "epoch_seconds": []}
    start_epoch = 0
    if args.resume is not None:
        ckpt = tt.load(str(args.resume))
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        generator.set_state(ckpt["generator"])
        history = ckpt["history"]
        start_epoch = int(ckpt["epoch"])
        print(f"resumed from {args.resume} after epoch {start_epoch}")

    samples_seen = 0
    train_seconds = 0.0
    for epoch in range(start_epoch, args.epochs):
        n_batches = len(train_loader) if args.limit_batches is None else min(args.limit_batches, len(train_loader))
        bar = ProgressBar(n_batches, f"epoch {epoch + 1}/{args.epochs}", enabled=not args.quiet)
        t0 = time.perf_counter()
        running, correct, seen = 0.0, 0, 0
        for i, (images, labels) in enumerate(train_loader):
            if i >= n_batches:
                break
            images, labels = images.to(args.device), labels.to(args.device)
            optimizer.zero_grad()
            logits = model(Variable(images))
            loss = F.cross_entropy(logits, Variable(labels))
            loss.backward()
            optimizer.step()
            batch = int(labels.shape[0])
            running += float(loss.item()) * batch
            correct += int((logits.data.argmax(1) == labels).sum().item())
            seen += batch
            bar.update(i + 1, loss=running / seen, acc=correct / seen)
        seconds = time.perf_counter() - t0
        bar.close()
        train_seconds += seconds
        samples_seen += seen
        test_loss, test_acc = evaluate(model, test_loader, args.device, args.limit_batches)
        for key, value in (
            ("train_loss", running / max(seen, 1)),
            ("test_loss", test_loss),
            ("test_accuracy", test_acc),
            ("epoch_seconds", seconds),
        ):
            history[key].append(value)
        print(
            f"epoch {epoch + 1}: train loss {running / max(seen, 1):.4f}, test loss {test_loss:.4f}, "
            f"test accuracy {100 * test_acc:.2f}%, {seconds:.1f} s ({seen / max(seconds, 1e-9):,.0f} samples/s)"
        )
        checkpoint = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "epoch": epoch + 1,
            "history": history,
            "generator": generator.get_state(),
            "args": {"dataset": used, "seed": args.seed},
        }
        tt.save(checkpoint, str(out / "checkpoint.taeda"))

    metrics: dict[str, Any] = {
        "dataset": used,
        "optimizer": args.optimizer,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "history": history,
        "test_accuracy": history["test_accuracy"][-1] if history["test_accuracy"] else None,
        "seconds_per_epoch": (sum(history["epoch_seconds"]) / len(history["epoch_seconds"]))
        if history["epoch_seconds"]
        else None,
        "samples_per_second": samples_seen / train_seconds if train_seconds else None,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    save_curves(history, out / "curves.png")
    images, labels, pred = first_test_batch(model, test_loader, args.device)
    mean, std = STATS[used]
    save_prediction_grid(images[:64], labels[:64], pred[:64], mean, std, out / "predictions.png")
    if metrics["test_accuracy"] is not None:
        print(
            f"done: test accuracy {100 * metrics['test_accuracy']:.2f}% on {used}, "
            f"{metrics['seconds_per_epoch']:.1f} s per epoch, {metrics['samples_per_second']:,.0f} samples/s; "
            f"results in {out}/"
        )
    return metrics


if __name__ == "__main__":
    main()
