"""Fast paths of the autograd hot loop give exactly the general paths' results (values, dtypes, gradients)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradcheck
from taeda.autograd._ops_reduce import Sum, SumAll

_OPS: list[Callable[[Any, Any], Any]] = [operator.add, operator.sub, operator.mul, operator.truediv]


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64])
@pytest.mark.parametrize("op", _OPS)
@pytest.mark.parametrize("scalar", [2, -3, 1.5])
@pytest.mark.parametrize("reflected", [False, True])
def test_scalar_ops_match_the_tensor_general_path(dtype: Any, op: Any, scalar: Any, reflected: bool) -> None:
    base = tt.tensor([0.5, -1.25, 2.0, 3.0], dtype=dtype)
    x = Variable(base.clone(), requires_grad=True)
    y = op(scalar, x) if reflected else op(x, scalar)
    expect = op(np.asarray(scalar), base.numpy()) if reflected else op(base.numpy(), np.asarray(scalar))
    assert y.dtype == base.dtype
    np.testing.assert_array_equal(y.data.numpy(), expect.astype(base.numpy().dtype))
    y.sum().backward()
    assert x.grad is not None and x.grad.dtype == base.dtype


@pytest.mark.parametrize("op", _OPS)
@pytest.mark.parametrize("reflected", [False, True])
def test_scalar_ops_gradcheck(op: Any, reflected: bool) -> None:
    x = Variable(tt.tensor([0.5, -1.25, 2.0], dtype=tt.float64), requires_grad=True)
    assert gradcheck(lambda v: op(3, v) if reflected else op(v, 3), (x,))


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (0, 2)])
@pytest.mark.parametrize("dtype", [tt.float32, tt.float64])
def test_sum_all_matches_the_general_sum(shape: Any, dtype: Any) -> None:
    data = tt.as_tensor(np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)).to(dtype)
    a = Variable(data.clone(), requires_grad=True)
    b = Variable(data.clone(), requires_grad=True)
    ya = SumAll.apply(a)
    yb = Sum.apply(b, None, False, None)
    assert ya.grad_fn.name() == yb.grad_fn.name() == "SumBackward"
    assert ya.dtype == yb.dtype and ya.shape == yb.shape
    np.testing.assert_array_equal(ya.data.numpy(), yb.data.numpy())
    (ya * 3).backward()
    (yb * 3).backward()
    assert a.grad is not None and b.grad is not None
    assert a.grad.dtype == b.grad.dtype and a.grad.shape == b.grad.shape
    np.testing.assert_array_equal(a.grad.data.numpy(), b.grad.data.numpy())


def test_method_sum_takes_the_fast_path_only_with_defaults() -> None:
    x = Variable(tt.ones(2, 3), requires_grad=True)
    assert x.sum().grad_fn.next_functions == x.sum(dim=None).grad_fn.next_functions
    assert x.sum(dim=1).shape == (2,)
    assert x.sum(keepdim=True).shape == (1, 1)
    assert x.sum(dtype=tt.float64).dtype == tt.float64


def test_sum_all_double_backward() -> None:
    x = Variable(tt.tensor([1.0, 2.0, 3.0], dtype=tt.float64), requires_grad=True)
    assert gradcheck(lambda v: (v * v).sum(), (x,))
    (g,) = grad((x * x).sum(), x, create_graph=True)
    assert g is not None
    g.sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data.numpy(), [2.0, 2.0, 2.0])


def test_backward_through_a_leaf_nobody_references_any_more() -> None:
    """A leaf created inside a function and dropped: backward still reaches the inputs the caller holds."""
    import taeda.tensor as tt
    from taeda.autograd import Variable

    def scaled(x: Variable) -> Variable:
        w = Variable(tt.ones(3), requires_grad=True)
        return x * w * 2

    x = Variable(tt.ones(3), requires_grad=True)
    scaled(x).sum().backward()
    assert x.grad is not None and x.grad.data.tolist() == [2.0, 2.0, 2.0]


def test_gradcheck_reports_a_wrong_backward_by_input_index() -> None:
    import pytest

    import taeda.tensor as tt
    from taeda.autograd import Function, GradcheckError, Variable, gradcheck

    class WrongBackward(Function):
        @staticmethod
        def forward(ctx: Any, x: tt.Tensor) -> tt.Tensor:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: tt.Tensor) -> tt.Tensor:
            return g * 3

    v = Variable(tt.rand(3, dtype=tt.float64), requires_grad=True)
    with pytest.raises(GradcheckError, match="with respect to input 0"):
        gradcheck(WrongBackward.apply, (v,))
