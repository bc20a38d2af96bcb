"""Tutorial 7: fit a curve with L-BFGS and a closure that re-evaluates the loss.

Run: ``hatch run python examples/tutorials/t07_lbfgs_fit.py``
"""

from __future__ import annotations

import argparse

import taeda.tensor as tt
from taeda import nn, optim
from taeda.autograd import Variable


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    tt.manual_seed(0)
    x = tt.linspace(-3, 3, 200, dtype=tt.float64).view(-1, 1)
    y = tt.sin(x) + 0.5 * x
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1)).double()
    optimizer = optim.LBFGS(model.parameters(), lr=1, max_iter=20, line_search_fn="strong_wolfe")
    criterion = nn.MSELoss()

    def closure() -> Variable:
        optimizer.zero_grad()
        loss: Variable = criterion(model(Variable(x)), Variable(y))
        loss.backward()
        return loss

    for i in range(2 if args.smoke else 10):
        loss = optimizer.step(closure)
        print(f"outer step {i}: loss {float(loss):.3e}")


if __name__ == "__main__":
    main()
