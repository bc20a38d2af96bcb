"""Tutorial 4: losses and optimizers side by side on one small classification problem.

Run: ``hatch run python examples/tutorials/t04_losses_optimizers.py``
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import taeda.tensor as tt
from taeda import nn, optim
from taeda.autograd import Variable


def make_problem(n: int) -> tuple[tt.Tensor, tt.Tensor]:
    """Two interleaved half-moons of points, labels 0/1."""
    t = tt.rand(n) * 3.14159
    label = tt.randint(0, 2, (n,))
    x = tt.stack([tt.cos(t) + label.float(), tt.sin(t) * (1 - 2 * label.float()) + 0.3 * label.float()], dim=1)
    return x + 0.1 * tt.randn(n, 2), label


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    steps = 20 if args.smoke else 300
    tt.manual_seed(0)
    x, y = make_problem(512)
    makers: list[tuple[str, Callable[[Any], optim.Optimizer]]] = [
        ("SGD+momentum", lambda p: optim.SGD(p, lr=0.1, momentum=0.9)),
        ("Adam", lambda p: optim.Adam(p, lr=0.01)),
        ("RMSprop", lambda p: optim.RMSprop(p, lr=0.01)),
        ("Adagrad", lambda p: optim.Adagrad(p, lr=0.1)),
    ]
    for name, make in makers:
        tt.manual_seed(1)
        model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2))
        opt = make(model.parameters())
        criterion = nn.CrossEntropyLoss()
        first = None
        for _ in range(steps):
            opt.zero_grad()
            loss = criterion(model(Variable(x)), Variable(y))
            loss.backward()
            opt.step()
            first = float(loss.item()) if first is None else first
        acc = float((model(Variable(x)).data.argmax(1) == y).float().mean().item())
        print(f"{name:13s} loss {first:.3f} -> {float(loss.item()):.3f}, accuracy {100 * acc:.1f}%")

    # Regression losses on the same prediction.
    pred, target = Variable(tt.tensor([0.5, 2.0, -1.0])), Variable(tt.tensor([0.0, 2.5, -1.0]))
    for loss_fn in (nn.MSELoss(), nn.L1Loss(), nn.SmoothL1Loss(), nn.HuberLoss(delta=0.3)):
        print(f"{type(loss_fn).__name__:13s} {float(loss_fn(pred, target).item()):.4f}")


if __name__ == "__main__":
    main()
