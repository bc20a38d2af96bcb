"""In-place writes through views (PyTorch's CopySlices / AsStrided semantics): the root's gradient, sibling
views, views taken before an in-place op on the root, and PyTorch's refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck, no_grad

Case = Callable[[Any, Any], Any]


def _slice_mul(x: Any, w: Any) -> Any:
    y = x * 1
    y[0:2].mul_(w[0])
    return y


def _transpose_add(x: Any, w: Any) -> Any:
    y = x * 1
    y.t().add_(w.t() * w.t())
    return y * y


def _flat_view(x: Any, w: Any) -> Any:
    y = x.contiguous() * 1
    y.view(-1)[1:4].mul_(w.reshape(-1)[:3])
    return y.sin()


def _setitem_on_view(x: Any, w: Any) -> Any:
    y = x * 1
    v = y[1]
    v[0:2] = w[0, 0:2] * 2
    return y


def _view_of_view(x: Any, w: Any) -> Any:
    y = x * 1
    y[1:][:, 1:].mul_(w[1:, 1:])
    return y.exp()


def _sibling(x: Any, w: Any) -> Any:
    y = x * 1
    a = y[0]
    b = y[:, 0]
    a.mul_(w[0])
    return b * 2 + a


def _view_before_base_inplace(x: Any, w: Any) -> Any:
    y = x * 1
    v = y[1]
    y.mul_(w)
    y.exp_()
    return v * 3


def _unary_on_view(x: Any, w: Any) -> Any:
    y = x * w
    y[1:, 0].sigmoid_()  # PyTorch refuses a second write here (sigmoid saved its output, a view of y)
    return y


def _two_writes(x: Any, w: Any) -> Any:
    y = x + w
    y[0, 1:].mul_(w[1, 1:])
    y.t()[2].add_(x[:, 0])
    return y * x


def _plain_base(x: Any, w: Any) -> Any:
    b = x.new_zeros(3, 3)
    b[1:].add_(w[1:] * x[1:])
    return b * x


def _select_dim(x: Any, w: Any) -> Any:
    y = x * 1
    y.select(1, 2).mul_(w[:, 0])
    return y.pow(2)


def _narrow(x: Any, w: Any) -> Any:
    y = x.clone()
    r = y.narrow(0, 1, 2)
    r.mul_(w[:2])
    return y * 2 + r.sum(0)


def _diagonal(x: Any, w: Any) -> Any:
    y = x * 1
    y.diagonal().mul_(w.diagonal())
    return y * x


def _unsqueeze_pow(x: Any, w: Any) -> Any:
    y = x * w
    y.unsqueeze(0)[0, 1].pow_(2)
    return y


def _strided_flat(x: Any, w: Any) -> Any:
    y = x.sin() * w
    y.view(9)[::2].mul_(3)
    return y.cos()


def _nested_then_outer(x: Any, w: Any) -> Any:
    y = x * w
    a = y[1:]
    a[:, 1:].zero_()
    a.mul_(2)
    return y * x


CASES: list[tuple[str, Case]] = [
    ("diagonal", _diagonal),
    ("unsqueeze_pow", _unsqueeze_pow),
    ("strided_flat", _strided_flat),
    ("nested_then_outer", _nested_then_outer),
    ("slice_mul", _slice_mul),
    ("transpose_add", _transpose_add),
    ("flat_view", _flat_view),
    ("setitem_on_view", _setitem_on_view),
    ("view_of_view", _view_of_view),
    ("sibling", _sibling),
    ("view_before_base_inplace", _view_before_base_inplace),
    ("unary_on_view", _unary_on_view),
    ("two_writes", _two_writes),
    ("plain_base", _plain_base),
    ("select_dim", _select_dim),
    ("narrow", _narrow),
]


def _inputs(seed: int = 0, noncontig: bool = False) -> tuple[Variable, Variable]:
    rng = np.random.default_rng(seed)
    xa = rng.standard_normal((3, 3)) * 0.7
    wa = rng.standard_normal((3, 3)) * 0.7
    if noncontig:
        xa = np.asfortranarray(xa)
    return (Variable(tt.as_tensor(xa), requires_grad=True), Variable(tt.as_tensor(wa), requires_grad=True))


@pytest.mark.parametrize(("name", "fn"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("noncontig", [False, True], ids=["contig", "noncontig"])
def test_gradcheck(name: str, fn: Case, noncontig: bool) -> None:
    x, w = _inputs(1, noncontig)
    assert gradcheck(fn, (x, w))
    assert gradgradcheck(fn, (x, w))


def test_root_gets_copyslices_and_views_asstrided() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    y = x * 1
    v = y[0:2]
    y[1:].mul_(3)
    assert y.grad_fn.name() == "CopySlicesBackward"
    assert v.grad_fn.name() == "AsStridedBackward"
    assert v.tolist() == [1.0, 3.0]
    v.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [1.0, 3.0, 0.0]


def test_noncontiguous_root_memory() -> None:
    """The root's array itself is F-ordered (``x.t() * 1`` keeps the layout): positions come from strides."""
    x = Variable(tt.as_tensor(np.arange(6.0).reshape(2, 3)), requires_grad=True)
    y = x.t() * 1
    assert not y.data.array.flags.c_contiguous
    y[1].mul_(10)
    y.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [[1.0, 10.0, 1.0], [1.0, 10.0, 1.0]]


def test_copy_is_not_a_view() -> None:
    x = Variable(tt.ones(2, 3), requires_grad=True)
    y = x * 1
    c = y.t().reshape(-1)  # a copy (the transpose is not contiguous)
    c.mul_(5)
    assert y.tolist() == [[1.0] * 3] * 2
    (y.sum() + c.sum()).backward()
    assert x.grad is not None and x.grad.tolist() == [[6.0] * 3] * 2


def test_negative_step_view() -> None:
    x = Variable(tt.as_tensor(np.arange(4.0)), requires_grad=True)
    w = Variable(tt.as_tensor(np.array([2.0, 3.0])), requires_grad=True)
    y = x * 1
    y[::-1][0:2].mul_(w)  # writes y[3] *= 2 and y[2] *= 3
    assert y.tolist() == [0.0, 1.0, 6.0, 6.0]
    y.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [1.0, 1.0, 3.0, 2.0]
    assert w.grad is not None and w.grad.tolist() == [3.0, 2.0]


def test_view_of_leaf_is_refused() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0].mul_(2)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad is being used in an in-place"):
        x[1:] = 5.0
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x.view(3).normal_()
    with no_grad():  # allowed without recording, as in PyTorch (how init and optimizers write)
        x[0].mul_(2)
        x.t()[1:].fill_(7)
    assert x.tolist() == [2.0, 7.0, 7.0]


def test_expanded_view_is_refused() -> None:
    y = Variable(tt.ones(2, 3), requires_grad=True) * 1
    e = y[:, :1].expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e.mul_(2)


def test_view_made_in_no_grad_then_written_with_grad() -> None:
    y = Variable(tt.ones(3), requires_grad=True) * 1
    with no_grad():
        v = y[0:2]
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode"):
        v.mul_(2)


def test_write_through_view_invalidates_saved_root() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    y = x * 1
    z = y * y  # saves y
    y[0].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_keeps_original_self_for_backward() -> None:
    """``log_`` and ``mul_`` by a Variable need the values before the write (PyTorch saves ``original_self``)."""
    x = Variable(tt.as_tensor(np.array([1.0, 2.0, 3.0])), requires_grad=True)
    w = Variable(tt.full((3,), 2.0, dtype=tt.float64), requires_grad=True)
    y = x * 1 + 1
    y.log_()
    y.mul_(w)
    y.sum().backward()
    assert x.grad is not None and w.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), 2.0 / np.array([2.0, 3.0, 4.0]))
    np.testing.assert_allclose(w.grad.numpy(), np.log(np.array([2.0, 3.0, 4.0])))


def test_dead_views_do_not_accumulate() -> None:
    y = Variable(tt.ones(4), requires_grad=True) * 1
    for i in range(1000):
        _ = y[i % 4]
    ex = y._extra
    assert ex is not None and ex.views is not None and len(ex.views) <= 32


@pytest.mark.torch
@pytest.mark.parametrize(("name", "fn"), CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name: str, fn: Case) -> None:
    torch = pytest.importorskip("torch")
    x, w = _inputs(2)
    out = fn(x, w)
    g = np.random.default_rng(3).standard_normal(tuple(out.shape))
    out.backward(Variable(tt.as_tensor(g)))
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    wt = torch.tensor(w.detach().numpy(), requires_grad=True)
    outt = fn(xt, wt)
    outt.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), outt.detach().numpy(), rtol=1e-12, atol=1e-12)
    for a, b in ((x, xt), (w, wt)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)  # type: ignore[union-attr]


def test_replacing_a_views_data_unlinks_it() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    y = x * 1
    v = y[0:2]
    v.data = tt.zeros(2)
    v.mul_(5)  # no longer writes into y
    assert y.tolist() == [1.0, 1.0, 1.0]
    y.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [1.0, 1.0, 1.0]
