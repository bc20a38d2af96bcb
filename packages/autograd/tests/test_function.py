"""``Function``: PyTorch's custom-op tutorial as written, ctx features, and the errors user functions can hit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda import autograd
from taeda.autograd import Function, Variable, gradcheck, gradgradcheck, no_grad, once_differentiable


def G(v: Variable) -> Variable:
    """``v.grad``, asserted to exist."""
    assert v.grad is not None
    return v.grad


class MyReLU(Function):
    """PyTorch's tutorial, verbatim apart from the names."""

    @staticmethod
    def forward(ctx: Any, input: Any) -> Any:
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class MyReLUNoStatic(Function):
    def forward(ctx: Any, input: Any) -> Any:  # type: ignore[override]
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    def backward(ctx: Any, grad_output: Any) -> Any:  # type: ignore[override]
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


@pytest.mark.parametrize("fn", [MyReLU, MyReLUNoStatic])
def test_tutorial_relu_training(fn: Any) -> None:
    tt.manual_seed(0)
    n, d_in, h, d_out = 16, 10, 8, 3
    x = autograd.randn(n, d_in)
    y = autograd.randn(n, d_out)
    w1 = autograd.randn(d_in, h, requires_grad=True)
    w2 = autograd.randn(h, d_out, requires_grad=True)
    lr = 1e-3
    losses = []
    for _ in range(30):
        relu = fn.apply
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with no_grad():
            w1 -= lr * G(w1)
            w2 -= lr * G(w2)
            G(w1).zero_()
            G(w2).zero_()
    assert losses[-1] < losses[0]
    assert w1.grad_fn is None and w1.is_leaf


def test_tutorial_relu_gradient_matches_builtin() -> None:
    x = Variable(tt.tensor([-1.0, 0.5, 2.0, -0.1]), requires_grad=True)
    MyReLU.apply(x).sum().backward()
    assert G(x).tolist() == [0.0, 1.0, 1.0, 0.0]
    assert MyReLU.apply(x).grad_fn.name() == "MyReLUBackward"
    assert type(MyReLU.apply(x).grad_fn).__name__ == "MyReLUBackward"


def test_old_style_instance_call() -> None:
    x = Variable(tt.tensor([-1.0, 3.0]), requires_grad=True)
    MyReLU()(x).sum().backward()
    assert G(x).tolist() == [0.0, 1.0]


class Legendre(Function):
    """PyTorch's newer tutorial: P3(x) = (5x^3 - 3x) / 2."""

    @staticmethod
    def forward(ctx: Any, input: Any) -> Any:
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


def test_legendre_gradcheck_and_double_backward() -> None:
    x = Variable(tt.tensor([0.3, -0.7, 1.2], dtype=tt.float64), requires_grad=True)
    assert gradcheck(Legendre.apply, (x,))
    # backward is written with shared methods, so it is differentiable again
    assert gradgradcheck(Legendre.apply, (x,))


class MulAdd(Function):
    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, scale: float) -> Any:
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale + a

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        a, b = ctx.saved_tensors
        ga = g * (b * ctx.scale + 1) if ctx.needs_input_grad[0] else None
        gb = g * a * ctx.scale if ctx.needs_input_grad[1] else None
        return ga, gb, None


def test_needs_input_grad_and_non_tensor_args() -> None:
    a = Variable(tt.tensor([1.0, 2.0], dtype=tt.float64), requires_grad=True)
    b = Variable(tt.tensor([3.0, 4.0], dtype=tt.float64))
    out = MulAdd.apply(a, b, 2.0)
    assert out.grad_fn.needs_input_grad == (True, False, False)
    assert len(out.grad_fn.next_functions) == 2  # only tensor arguments appear
    out.sum().backward()
    assert G(a).tolist() == [7.0, 9.0]
    c = Variable(tt.tensor([3.0, 4.0], dtype=tt.float64), requires_grad=True)
    assert gradcheck(lambda p, q: MulAdd.apply(p, q, 0.5), (a, c))
    # a plain Tensor argument is a constant
    assert MulAdd.apply(a, tt.tensor([1.0, 1.0], dtype=tt.float64), 1.0).requires_grad


class SortWithIndex(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        values, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        ctx.n = x.shape[0]
        return values, idx

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, g: Any, gi: Any) -> Any:
        (idx,) = ctx.saved_tensors
        out = tt.zeros(ctx.n, dtype=g.dtype)
        out[idx] = g
        return out


def test_multiple_outputs_non_differentiable_and_once_differentiable() -> None:
    x = Variable(tt.tensor([3.0, 1.0, 2.0]), requires_grad=True)
    values, idx = SortWithIndex.apply(x)
    assert values.requires_grad and not idx.requires_grad
    (values * tt.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert G(x).tolist() == [100.0, 1.0, 10.0]


class TwoOut(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x * 2, x * 3

    @staticmethod
    def backward(ctx: Any, g1: Any, g2: Any) -> Any:
        return g1 * 2 + g2 * 3


def test_unused_output_gets_zero_gradient() -> None:
    x = Variable(tt.tensor([1.0, 1.0]), requires_grad=True)
    a, _ = TwoOut.apply(x)
    a.sum().backward()
    assert G(x).tolist() == [2.0, 2.0]


class BadShape(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x * 2

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return tt.ones(5)


class TooMany(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x * 2

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return g, g


def test_engine_checks_returned_gradients() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadShapeBackward returned an invalid gradient at index 0 - got \[5\]"):
        BadShape.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TooMany.apply(x).sum().backward()


class SaveInput(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * 2 * x


def test_custom_function_version_check() -> None:
    x = Variable(tt.ones(2), requires_grad=True)
    y = x * 1
    z = SaveInput.apply(y)
    y.add_(1)
    with pytest.raises(RuntimeError, match="SaveInputBackward"):
        z.sum().backward()


def test_forward_receives_tensors() -> None:
    seen: list[type] = []

    class Probe(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            seen.append(type(x))
            return x + 1

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            seen.append(type(g))
            return g

    x = Variable(tt.ones(2), requires_grad=True)
    Probe.apply(x).sum().backward()
    assert seen == [tt.Tensor, tt.Tensor]
    x.grad = None
    autograd.grad(Probe.apply(x).sum(), x, create_graph=True)
    assert seen[-1] is Variable
    out = Probe.apply(Variable(tt.ones(1)))
    assert isinstance(out, Variable) and not out.requires_grad
    np.testing.assert_allclose(out.data.numpy(), [2.0])
