"""The fast elementwise nodes and the heap-ordered engine give exactly what the general ``Function.apply`` path
gives (values, gradients, dtypes, node names, saved tensors, errors), and ``Variable.data`` assignment is checked."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradcheck, gradgradcheck, no_grad
from taeda.autograd import _ops_arith as A
from taeda.autograd._ops_unary import UNARY

_VV = [(operator.add, A.Add), (operator.sub, A.Sub), (operator.mul, A.Mul), (operator.truediv, A.Div)]


def _pair(dtype: Any, rg: tuple[bool, bool]) -> tuple[Variable, Variable]:
    a = Variable(tt.tensor([0.5, -1.25, 2.0, 3.0], dtype=dtype), requires_grad=rg[0])
    b = Variable(tt.tensor([1.5, 2.25, -0.75, 4.0], dtype=dtype), requires_grad=rg[1])
    return a, b


def _grads(*vs: Variable) -> list[Any]:
    return [None if v.grad is None else v.grad.data.numpy().copy() for v in vs]


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64])
@pytest.mark.parametrize(("op", "fn"), _VV)
@pytest.mark.parametrize("rg", [(True, True), (True, False), (False, True)])
def test_variable_pairs_match_the_general_path(dtype: Any, op: Any, fn: Any, rg: tuple[bool, bool]) -> None:
    a1, b1 = _pair(dtype, rg)
    a2, b2 = _pair(dtype, rg)
    fast = op(a1, b1)
    slow = fn.apply(a2, b2)
    assert type(fast.grad_fn) is not type(slow.grad_fn)  # the fast node really was taken ...
    assert type(fast.grad_fn).__name__ == type(slow.grad_fn).__name__  # ... under the general node's name
    assert isinstance(fast.grad_fn, type(slow.grad_fn))
    assert fast.grad_fn.needs_input_grad == slow.grad_fn.needs_input_grad
    assert [n is None for n, _ in fast.grad_fn.next_functions] == [n is None for n, _ in slow.grad_fn.next_functions]
    assert fast.dtype == slow.dtype == dtype
    np.testing.assert_array_equal(fast.data.numpy(), slow.data.numpy())
    fs, ss = fast.grad_fn.saved_tensors, slow.grad_fn.saved_tensors
    assert [t is None for t in fs] == [t is None for t in ss]
    fast.backward(tt.tensor([1.0, -2.0, 0.5, 3.0], dtype=dtype))
    slow.backward(tt.tensor([1.0, -2.0, 0.5, 3.0], dtype=dtype))
    for gf, gs in zip(_grads(a1, b1), _grads(a2, b2)):
        assert (gf is None) == (gs is None)
        if gf is not None:
            assert gf.dtype == gs.dtype
            np.testing.assert_array_equal(gf, gs)


@pytest.mark.parametrize(("op", "fn"), _VV)
def test_variable_pairs_double_backward(op: Any, fn: Any) -> None:
    a = Variable(tt.tensor([0.5, -1.25, 2.0], dtype=tt.float64), requires_grad=True)
    b = Variable(tt.tensor([1.5, 2.25, -0.75], dtype=tt.float64), requires_grad=True)
    assert gradcheck(op, (a, b))
    assert gradgradcheck(op, (a, b))


@pytest.mark.parametrize(
    ("op", "reflected"),
    [(o, r) for o in (operator.add, operator.sub, operator.mul, operator.truediv) for r in (False, True)]
    + [(operator.pow, False)],  # k ** x takes the general path
)
def test_scalar_nodes_double_backward(op: Any, reflected: bool) -> None:
    x = Variable(tt.tensor([0.5, 1.25, 2.0], dtype=tt.float64), requires_grad=True)
    f: Callable[[Any], Any] = (lambda v: op(1.5, v)) if reflected else (lambda v: op(v, 3))
    node = f(x).grad_fn
    assert [n is None for n, _ in node.next_functions] == [False]  # the scalar is not an input edge
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_methods_match_the_general_path(name: str) -> None:
    lo = 1.5 if name == "acosh" else (-0.5 if name in ("asin", "acos", "atanh", "erfinv") else 0.25)
    base = np.linspace(lo, lo + 0.4, 5)
    x1 = Variable(tt.tensor(base), requires_grad=True)
    x2 = Variable(tt.tensor(base), requires_grad=True)
    fast = getattr(x1, name)()
    slow = UNARY[name].apply(x2)
    assert type(fast.grad_fn).__name__ == type(slow.grad_fn).__name__
    np.testing.assert_array_equal(fast.data.numpy(), slow.data.numpy())
    fast.sum().backward()
    slow.sum().backward()
    np.testing.assert_array_equal(*_grads(x1, x2))
    if name not in ("sign", "floor", "ceil", "trunc", "frac"):
        assert gradgradcheck(lambda v: getattr(v, name)(), (Variable(tt.tensor(base), requires_grad=True),))


def test_round_and_neg_operators() -> None:
    x = Variable(tt.tensor([0.4, 1.6, -2.5]), requires_grad=True)
    (x.round() + (-x) + abs(x)).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data.numpy(), [0.0, 0.0, -2.0])


def test_broadcasting_and_mixed_dtypes_take_the_general_path() -> None:
    a = Variable(tt.ones(2, 3), requires_grad=True)
    b = Variable(tt.tensor([1.0, 2.0, 3.0]), requires_grad=True)
    c = Variable(tt.ones(2, 3, dtype=tt.float64), requires_grad=True)
    y = a * b
    assert type(y.grad_fn) is A.Mul._backward_cls
    z = a * c
    assert z.dtype == tt.float64
    (y.sum() + z.sum()).backward()
    assert b.grad is not None and b.grad.shape == (3,)
    np.testing.assert_array_equal(b.grad.data.numpy(), [2.0, 2.0, 2.0])
    assert a.grad is not None and a.grad.dtype == tt.float32


def test_no_grad_and_non_float_results_do_not_record() -> None:
    a, b = _pair(tt.float32, (True, True))
    with no_grad():
        for y in (a * b, a + 1, 2 - a, a / b, a**2, a.exp(), a.sum()):
            assert not y.requires_grad and y.grad_fn is None
    i = Variable(tt.tensor([1, 2, 3]))
    assert (i * 2).dtype == tt.int64 and (i * i).grad_fn is None
    np.testing.assert_array_equal((i + i).data.numpy(), [2, 4, 6])


def test_fast_nodes_check_versions_and_freed_tensors() -> None:
    x = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    y = x * 1
    e = y.exp()  # saves its output
    e.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*ExpBackward"):
        e.sum().backward()
    fns: list[Callable[[Variable], Variable]] = [
        lambda v: v * v,
        lambda v: v / (v + 1),
        lambda v: 2 / v,
        lambda v: v**3,
        lambda v: v.sin(),
    ]
    for f in fns:
        out = f(x).sum()
        out.backward()
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            out.backward()
    p = x * 1
    q = x * p
    p.mul_(2)
    with pytest.raises(RuntimeError, match="MulBackward"):
        q.sum().backward()


def test_hooks_and_retain_grad_on_fast_nodes() -> None:
    x = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    z = y.sin()
    seen: list[Any] = []
    z.grad_fn.register_hook(lambda gi, go: seen.append(len(gi)))
    z.sum().backward()
    assert y.grad is not None and x.grad is not None and seen == [1]
    # PyTorch runs retain_grad's hook after the others: .grad sees the hook's result (checked against torch 2.13)
    np.testing.assert_allclose(y.grad.data.numpy(), 10 * np.cos([3.0, 6.0]), rtol=1e-6)
    np.testing.assert_allclose(x.grad.data.numpy(), 30 * np.cos([3.0, 6.0]), rtol=1e-6)


def test_engine_order_on_diamonds_and_shared_roots() -> None:
    x = Variable(tt.tensor([0.5, 1.5], dtype=tt.float64), requires_grad=True)
    a = x.exp()
    b = a * x
    c = a.sin() + b
    d = c * a + b / a
    (gx,) = grad(d.sum(), x, retain_graph=True)
    assert gx is not None
    xs = x.data.numpy()
    ea = np.exp(xs)
    # d = (sin(e^x) + x e^x) e^x + x; derivative by hand
    want = (np.cos(ea) * ea + ea + xs * ea) * ea + (np.sin(ea) + xs * ea) * ea + 1
    np.testing.assert_allclose(gx.data.numpy(), want)
    d.sum().backward(inputs=[x], retain_graph=True)
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data.numpy(), want)
    x.grad = None
    from taeda.autograd import backward

    backward([d.sum(), c.sum()])  # one root is an ancestor of the other
    assert x.grad is not None
    dc = np.cos(ea) * ea + ea + xs * ea
    np.testing.assert_allclose(x.grad.data.numpy(), want + dc)


def test_root_gradient_broadcast_is_shared_but_never_adopted() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    for _ in range(2):
        x.grad = None
        x.sum().backward()
        assert x.grad is not None
        x.grad.data.add_(1)  # a private copy, writable
        np.testing.assert_array_equal(x.grad.data.numpy(), [2.0, 2.0, 2.0])
    y = Variable(tt.ones(3), requires_grad=True)
    (y + 1).sum().backward()
    (y * 1).sum().backward()
    assert y.grad is not None
    np.testing.assert_array_equal(y.grad.data.numpy(), [2.0, 2.0, 2.0])


def test_data_assignment_is_checked() -> None:
    x = Variable(tt.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got ndarray"):
        x.data = np.zeros(2)  # type: ignore[assignment]
    with pytest.raises(TypeError, match="but got list"):
        x.data = [1.0, 2.0]  # type: ignore[assignment]
    with pytest.raises(TypeError, match="but got NoneType"):
        x.data = None  # type: ignore[assignment]
    other = Variable(tt.tensor([5.0, 6.0, 7.0]), requires_grad=True)
    x.data = other  # type: ignore[assignment]  # as PyTorch: takes the other's values, keeps its own state
    assert x.data is other.data and x.requires_grad and x.grad_fn is None
    (x * 2).sum().backward()
    assert x.grad is not None and other.grad is None
    np.testing.assert_array_equal(x.grad.data.numpy(), [2.0, 2.0, 2.0])
    t = tt.zeros(4)
    x.data = t
    assert x.data is t and x.shape == (4,)


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64, tt.float16])
@pytest.mark.parametrize("shape", [(), (3, 4)])
@pytest.mark.parametrize("name", ["tanh", "sigmoid", "sin", "cos", "square2"])
def test_fused_gradient_kernels_match_the_formulas(dtype: Any, shape: tuple[int, ...], name: str) -> None:
    base = np.linspace(-1.5, 2.0, int(np.prod(shape))).reshape(shape)
    x1 = Variable(tt.tensor(base, dtype=dtype), requires_grad=True)
    x2 = Variable(tt.tensor(base, dtype=dtype), requires_grad=True)
    if name == "square2":
        y1, y2 = x1**2, A.Pow.apply(x2, 2)
    else:
        y1, y2 = getattr(x1, name)(), UNARY[name].apply(x2)
    g = tt.tensor(np.linspace(0.5, -2.0, base.size).reshape(shape), dtype=dtype)
    y1.backward(g)
    y2.backward(g)
    (g1, g2) = _grads(x1, x2)
    assert g1.dtype == g2.dtype == x1.data.numpy().dtype
    np.testing.assert_array_equal(g1, g2)
    # the kernels never write into the incoming gradient
    np.testing.assert_array_equal(g.numpy(), np.linspace(0.5, -2.0, base.size).reshape(shape).astype(g1.dtype))
