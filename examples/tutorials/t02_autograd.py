"""Tutorial 2: automatic differentiation with ``Variable``, ``backward``, ``grad_fn`` and a custom ``Function``.

Run: ``hatch run python examples/tutorials/t02_autograd.py``
"""

from __future__ import annotations

import argparse
from typing import Any

import taeda.tensor as tt
from taeda.autograd import Function, Variable, no_grad


class MyReLU(Function):
    """PyTorch's custom-ReLU tutorial, written for taeda unchanged but for the imports."""

    @staticmethod
    def forward(ctx: Any, input: tt.Tensor) -> tt.Tensor:
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx: Any, grad_output: tt.Tensor) -> tt.Tensor:
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="accepted for uniformity; this tutorial is fast")
    parser.parse_args(argv)
    x = Variable(tt.ones(2, 2), requires_grad=True)
    y = x + 2
    print(y.grad_fn)  # the node that made y
    z = y * y * 3
    out = z.mean()
    out.backward()
    print(x.grad)  # d(out)/dx = 4.5 everywhere
    assert x.grad is not None and float(x.grad.data[0, 0]) == 4.5

    # A vector-Jacobian product: backward with an explicit gradient.
    x = Variable(tt.randn(3), requires_grad=True)
    y = x * 2
    while float(y.data.norm()) < 1000:
        y = y * 2
    v = tt.tensor([0.1, 1.0, 0.0001])
    y.backward(v)
    print(x.grad)

    # Stop recording: no_grad and detach.
    with no_grad():
        print((x**2).requires_grad)
    print(x.detach().requires_grad)

    # A custom Function.
    w = Variable(tt.tensor([-1.0, 0.5, 2.0]), requires_grad=True)
    MyReLU.apply(w).sum().backward()
    print(w.grad)  # tensor([0., 1., 1.])


if __name__ == "__main__":
    main()
