"""Module-level ``taeda.tensor`` functions on Variables (``__taeda_function__``) and the Variable factories."""

from __future__ import annotations

import numpy as np
import pytest

import taeda.tensor as tt
from taeda import autograd
from taeda.autograd import Variable


def G(v: Variable) -> Variable:
    """``v.grad``, asserted to exist."""
    assert v.grad is not None
    return v.grad


def test_module_functions_return_variables() -> None:
    v = Variable(tt.tensor([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    w = Variable(tt.tensor([[5.0, 6.0]]), requires_grad=True)
    s = tt.sum(v**2)
    assert isinstance(s, Variable) and s.grad_fn is not None
    c = tt.cat([v, w])
    assert isinstance(c, Variable) and tuple(c.shape) == (3, 2)
    (c * tt.arange(6.0).reshape(3, 2)).sum().backward()
    assert G(v).tolist() == [[0.0, 1.0], [2.0, 3.0]] and G(w).tolist() == [[4.0, 5.0]]
    inv = tt.linalg.inv(v)
    assert isinstance(inv, Variable) and inv.grad_fn.name() == "InvBackward"
    st = tt.stack([v[0], w[0]], dim=1)
    assert tuple(st.shape) == (2, 2)
    m = tt.max(v, 1)
    assert m.values.requires_grad and not m.indices.requires_grad
    assert isinstance(tt.argmax(v), Variable) and not tt.argmax(v).requires_grad
    eq = tt.eq(v, v)
    assert isinstance(eq, Variable) and not eq.requires_grad
    z = tt.zeros_like(v)
    assert isinstance(z, Variable) and not z.requires_grad


def test_mixed_tensor_and_variable() -> None:
    v = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    t = tt.tensor([3.0, 4.0])
    out = t * v + t - v / t
    assert isinstance(out, Variable)
    out.sum().backward()
    np.testing.assert_allclose(G(v).data.numpy(), [3 - 1 / 3, 4 - 1 / 4], rtol=1e-6)
    assert isinstance(t @ v, Variable)
    assert isinstance(tt.add(t, v), Variable)
    assert isinstance(np.float32(2.0) * v, Variable)


def test_function_without_rule_refuses_grad() -> None:
    v = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    with pytest.raises(TypeError, match="no gradient rule"):
        tt.rad2deg(v)
    assert isinstance(tt.rad2deg(v.detach()), Variable)


def test_factories() -> None:
    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(a, Variable) and a.requires_grad and a.is_leaf
    assert autograd.zeros(2, 3, requires_grad=True).shape == (2, 3)
    assert autograd.ones((2,), dtype=tt.float64).dtype == tt.float64
    assert autograd.full((2, 2), 0.5, requires_grad=True).sum().item() == 2.0
    assert autograd.eye(3).sum().item() == 3.0
    assert autograd.arange(0.0, 1.0, 0.25, requires_grad=True).numel() == 4
    assert autograd.empty(4).shape == (4,)
    tt.manual_seed(1)
    r = autograd.rand(3, requires_grad=True)
    assert r.requires_grad and 0 <= r.min().item() <= r.max().item() < 1
    assert autograd.randn(2, 2).shape == (2, 2)
    for like in (autograd.zeros_like, autograd.ones_like, autograd.empty_like, autograd.rand_like, autograd.randn_like):
        out = like(r, requires_grad=True)
        assert isinstance(out, Variable) and out.shape == (3,) and out.requires_grad
    assert autograd.full_like(r, 7.0).tolist() == [7.0, 7.0, 7.0]
    assert not autograd.zeros(2).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        autograd.arange(3, requires_grad=True)


def test_conversions_and_misc_methods() -> None:
    v = Variable(tt.tensor([[1.0, -2.0]]), requires_grad=True)
    d = v.double()
    assert d.dtype == tt.float64 and d.requires_grad
    assert not v.long().requires_grad
    assert v.to(tt.float64).grad_fn is not None
    assert v.cpu().requires_grad
    assert "grad_fn=<MulBackward>" in repr(v * 2)
    assert "requires_grad=True" in repr(v)
    assert len(v) == 1
    rows = list(v)
    assert len(rows) == 1 and rows[0].requires_grad
    assert v.new_zeros(3).shape == (3,)
    assert float(v.sum()) == -1.0
