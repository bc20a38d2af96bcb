"""Tutorial 6: fit a linear regression by hand-written gradient descent, with autograd doing the derivatives.

Run: ``hatch run python examples/tutorials/t06_linear_regression.py``
"""

from __future__ import annotations

import argparse

import taeda.tensor as tt
from taeda.autograd import Variable, no_grad


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    tt.manual_seed(0)
    true_w, true_b = tt.tensor([[2.0], [-3.4]]), 4.2
    x = tt.randn(1000, 2)
    y = x @ true_w + true_b + 0.01 * tt.randn(1000, 1)

    w = Variable(tt.zeros(2, 1), requires_grad=True)
    b = Variable(tt.zeros(1), requires_grad=True)
    lr = 0.1
    for step in range(30 if args.smoke else 200):
        loss = ((Variable(x) @ w + b - Variable(y)) ** 2).mean()
        loss.backward()
        with no_grad():  # the update itself must not be recorded
            assert w.grad is not None and b.grad is not None
            w.data.sub_(lr * w.grad.data)
            b.data.sub_(lr * b.grad.data)
            w.grad.data.zero_()
            b.grad.data.zero_()
        if step % 50 == 0:
            print(f"step {step:3d}: loss {float(loss.item()):.6f}")
    print("w =", w.data.view(-1).tolist(), "b =", b.data.item())
    assert abs(float(b.data.item()) - true_b) < 0.05


if __name__ == "__main__":
    main()
