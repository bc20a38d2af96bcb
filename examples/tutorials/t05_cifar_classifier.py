"""Tutorial 5: train an image classifier on CIFAR-10-style data (PyTorch's "Training a Classifier").

Uses CIFAR-10 from ``--data-root`` when it is there (torchvision's ``cifar-10-batches-py`` layout); otherwise, so
that it runs anywhere, ``FakeData`` with CIFAR's shapes and a learnable class signal.

Run: ``hatch run python examples/tutorials/t05_cifar_classifier.py [--data-root DIR]``
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn, optim
from taeda.autograd import Variable, no_grad
from taeda.data import DataLoader, Dataset
from taeda.vision import datasets, transforms

CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Variable) -> Variable:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        out: Variable = self.fc3(x)
        return out


class SignalFakeData(Dataset[tuple[tt.Tensor, int]]):
    """CIFAR-shaped random images whose class shifts the mean of one colour band: learnable, offline."""

    def __init__(self, n: int, seed: int) -> None:
        g = tt.Generator().manual_seed(seed)
        self.targets = tt.randint(0, 10, (n,), generator=g)
        base = tt.randn(n, 3, 32, 32, generator=g) * 0.5
        rows = (self.targets.view(n, 1, 1) * 3 + tt.arange(3).view(1, 3, 1)) % 32
        for c in range(3):
            base[tt.arange(n), c, rows[:, c, 0]] += 2.0
        self.data = base

    def __len__(self) -> int:
        return int(self.targets.shape[0])

    def __getitem__(self, i: int) -> tuple[tt.Tensor, int]:
        return self.data[i], int(self.targets[i].item())


def load(root: Path | None, smoke: bool) -> tuple[Dataset[Any], Dataset[Any], str]:
    if root is not None and (root / "cifar-10-batches-py").is_dir():
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
        test = datasets.CIFAR10(str(root), train=False, transform=tf)
        has_train = (root / "cifar-10-batches-py" / "data_batch_1").exists()
        train = datasets.CIFAR10(str(root), train=True, transform=tf) if has_train else test
        return train, test, "CIFAR-10"
    n = 512 if smoke else 5000
    return SignalFakeData(n, 0), SignalFakeData(n // 5, 1), "CIFAR-shaped synthetic data"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    tt.manual_seed(0)
    train, test, what = load(args.data_root, args.smoke)
    print("training on", what)
    trainloader: DataLoader[Any] = DataLoader(train, batch_size=32, shuffle=True)
    testloader: DataLoader[Any] = DataLoader(test, batch_size=256)
    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(1 if args.smoke else args.epochs):
        running = 0.0
        for i, (inputs, labels) in enumerate(trainloader):
            if args.smoke and i >= 8:
                break
            optimizer.zero_grad()
            loss = criterion(net(Variable(inputs)), Variable(labels))
            loss.backward()
            optimizer.step()
            running += float(loss.item())
            if i % 50 == 49:
                print(f"[{epoch + 1}, {i + 1:5d}] loss: {running / 50:.3f}")
                running = 0.0
    correct = total = 0
    net.eval()
    with no_grad():
        for i, (images, labels) in enumerate(testloader):
            if args.smoke and i >= 2:
                break
            predicted = net(Variable(images)).data.argmax(1)
            total += int(labels.shape[0])
            correct += int((predicted == labels).sum().item())
    print(f"accuracy of the network on {total} test images: {100 * correct / max(total, 1):.1f}%")


if __name__ == "__main__":
    main()
