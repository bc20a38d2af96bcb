"""nn.utils.parametrize: register/remove, chaining, right_inverse, buffers, caching, state_dict and errors."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, no_grad
from taeda.nn.utils import parametrize as P

RNG = np.random.default_rng(11)


def arr(x: Any) -> np.ndarray[Any, Any]:
    return np.asarray((x.data if isinstance(x, Variable) else x).numpy())


class Symmetric(nn.Module):
    def forward(self, X: Any) -> Any:
        return X.triu() + X.triu(1).mT

    def right_inverse(self, A: Any) -> Any:
        return A.triu()


class Scale(nn.Module):
    def __init__(self, c: float) -> None:
        super().__init__()
        self.c = c
        self.calls = 0

    def forward(self, X: Any) -> Any:
        self.calls += 1
        return X * self.c

    def right_inverse(self, X: Any) -> Any:
        return X / self.c


class NoInverse(nn.Module):
    def forward(self, X: Any) -> Any:
        return X * 3.0


class RankOne(nn.Module):
    def forward(self, x: Any, y: Any) -> Any:
        return x.unsqueeze(-1) @ y.unsqueeze(-2)

    def right_inverse(self, Z: Any) -> tuple[Any, Any]:
        U, S, Vh = tt.linalg.svd(Z.data if isinstance(Z, Variable) else Z, full_matrices=False)
        s0 = S[0].sqrt()
        return U[:, 0] * s0, Vh[0, :] * s0


def assign(m: nn.Module, name: str, value: Any) -> None:
    """``m.<name> = value`` (a parametrized tensor accepts Tensors, which the static type of the layer does not)."""
    setattr(m, name, value)


def linear(n_in: int = 4, n_out: int = 4) -> nn.Linear:
    m = nn.Linear(n_in, n_out).double()
    with no_grad():
        m.weight.data.copy_(tt.as_tensor(RNG.standard_normal((n_out, n_in))))
    return m


def test_register_swaps_class_and_exposes_property() -> None:
    m = linear()
    w0 = arr(m.weight).copy()
    weight_param = m.weight
    out = P.register_parametrization(m, "weight", Symmetric())
    assert out is m
    assert type(m).__name__ == "ParametrizedLinear"
    assert isinstance(m, nn.Linear)
    assert P.type_before_parametrizations(m) is nn.Linear
    assert P.is_parametrized(m) and P.is_parametrized(m, "weight") and not P.is_parametrized(m, "bias")
    assert isinstance(m.parametrizations.weight, P.ParametrizationList)
    # the original keeps its identity (optimizers keep tracking it) and now holds right_inverse(W) = triu(W)
    assert m.parametrizations.weight.original is weight_param
    np.testing.assert_allclose(arr(m.parametrizations.weight.original), np.triu(w0))
    expected = np.triu(w0) + np.triu(w0, 1).T
    np.testing.assert_allclose(arr(m.weight), expected)
    assert "weight" not in m._parameters
    assert [n for n, _ in m.named_parameters()] == ["bias", "parametrizations.weight.original"]
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    x = tt.as_tensor(RNG.standard_normal((3, 4)))
    np.testing.assert_allclose(arr(m(x)), arr(x) @ expected.T + arr(m.bias), rtol=1e-12)
    assert "ParametrizedLinear(" in repr(m) and "(0): Symmetric()" in repr(m)
    # other instances of the class are untouched
    assert type(nn.Linear(2, 2)) is nn.Linear and not P.is_parametrized(nn.Linear(2, 2))
    assert P.type_before_parametrizations(nn.Linear(2, 2)) is nn.Linear


def test_assignment_runs_right_inverse_in_place() -> None:
    m = P.register_parametrization(linear(), "weight", Symmetric())
    original = m.parametrizations.weight.original
    A = RNG.standard_normal((4, 4))
    A = A + A.T
    assign(m, "weight", tt.as_tensor(A.copy()))
    assert m.parametrizations.weight.original is original
    np.testing.assert_allclose(arr(m.weight), A)
    np.testing.assert_allclose(arr(original), np.triu(A))
    with pytest.raises(KeyError, match="already exists"):
        m.weight = nn.Parameter(tt.as_tensor(A))


def test_gradient_flows_to_original() -> None:
    m = P.register_parametrization(linear(), "weight", Symmetric())
    x = Variable(tt.as_tensor(RNG.standard_normal((3, 4))), requires_grad=True)
    assert gradcheck(lambda *a: m(x), (*m.parameters(), x))
    m(x).sum().backward()
    grad = arr(m.parametrizations.weight.original.grad)
    gw = np.tile(arr(x).sum(0), (4, 1))  # d sum(x W^T) / dW
    np.testing.assert_allclose(grad, np.triu(gw) + np.triu(gw.T, 1), rtol=1e-10)


def test_chained_parametrizations() -> None:
    m = linear()
    w0 = arr(m.weight).copy()
    P.register_parametrization(m, "weight", Symmetric())
    scale = Scale(2.0)
    P.register_parametrization(m, "weight", scale)
    assert len(m.parametrizations.weight) == 2
    np.testing.assert_allclose(arr(m.weight), 2.0 * (np.triu(w0) + np.triu(w0, 1).T))
    # the original was initialised by the first parametrization only
    np.testing.assert_allclose(arr(m.parametrizations.weight.original), np.triu(w0))
    A = RNG.standard_normal((4, 4))
    A = A + A.T
    assign(m, "weight", tt.as_tensor(A))  # right_inverse of Scale, then of Symmetric
    np.testing.assert_allclose(arr(m.weight), A)
    np.testing.assert_allclose(arr(m.parametrizations.weight.original), np.triu(A) / 2.0)
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    P.remove_parametrizations(m, "weight")
    np.testing.assert_allclose(arr(m.weight), A)


def test_multiple_tensors_from_right_inverse() -> None:
    m = linear(3, 3)
    u, v = RNG.standard_normal(3), RNG.standard_normal(3)
    with no_grad():
        m.weight.data.copy_(tt.as_tensor(np.outer(u, v)))
    P.register_parametrization(m, "weight", RankOne())
    plist = m.parametrizations.weight
    assert not plist.is_tensor and plist.ntensors == 2
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert isinstance(plist.original0, nn.Parameter) and plist.original0.requires_grad
    np.testing.assert_allclose(arr(m.weight), np.outer(u, v), atol=1e-12)
    np.testing.assert_allclose(np.linalg.matrix_rank(arr(m.weight)), 1)
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
    P.remove_parametrizations(m, "weight")
    assert isinstance(m.weight, nn.Parameter) and type(m) is nn.Linear
    np.testing.assert_allclose(arr(m.weight), np.outer(u, v), atol=1e-12)


def test_parametrize_buffer() -> None:
    m = nn.Module()
    b = RNG.standard_normal((3, 3))
    m.register_buffer("buf", tt.as_tensor(b.copy()))
    P.register_parametrization(m, "buf", Symmetric())
    assert list(m.state_dict()) == ["parametrizations.buf.original"]
    assert "original" in m.parametrizations.buf._buffers
    assert list(m.parameters()) == []
    np.testing.assert_allclose(arr(m.buf), np.triu(b) + np.triu(b, 1).T)
    assert not isinstance(m.buf, Variable)
    P.remove_parametrizations(m, "buf", leave_parametrized=False)
    assert "buf" in m._buffers and type(m) is nn.Module
    np.testing.assert_allclose(arr(m.buf), np.triu(b))


@pytest.mark.parametrize("leave", [True, False])
def test_remove_restores_plain_parameter(leave: bool) -> None:
    m = linear()
    w0 = arr(m.weight).copy()
    P.register_parametrization(m, "weight", Scale(3.0))
    original = m.parametrizations.weight.original
    P.remove_parametrizations(m, "weight", leave_parametrized=leave)
    assert type(m) is nn.Linear and not hasattr(m, "parametrizations")
    assert m.weight is original and isinstance(m.weight, nn.Parameter)
    assert list(m.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(arr(m.weight), w0 if leave else w0 / 3.0)
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        P.remove_parametrizations(m, "weight")


def test_remove_one_of_two_keeps_class() -> None:
    m = linear()
    P.register_parametrization(m, "weight", Scale(2.0))
    P.register_parametrization(m, "bias", Scale(2.0))
    P.remove_parametrizations(m, "weight")
    assert type(m).__name__ == "ParametrizedLinear" and P.is_parametrized(m, "bias")
    assert list(m.state_dict()) == ["weight", "parametrizations.bias.original"]
    P.remove_parametrizations(m, "bias")
    assert type(m) is nn.Linear


def test_state_dict_round_trip() -> None:
    a = P.register_parametrization(linear(), "weight", Symmetric())
    b = P.register_parametrization(linear(), "weight", Symmetric())
    sd = a.state_dict()
    assert all(isinstance(v, tt.Tensor) for v in sd.values())
    b.load_state_dict(sd)
    np.testing.assert_array_equal(arr(b.weight), arr(a.weight))
    x = tt.as_tensor(RNG.standard_normal((2, 4)))
    np.testing.assert_array_equal(arr(b(x)), arr(a(x)))
    with pytest.raises(RuntimeError, match="Missing key"):
        b.load_state_dict(linear().state_dict())


def test_cached() -> None:
    m = linear()
    scale = Scale(2.0)
    P.register_parametrization(m, "weight", scale, unsafe=True)
    scale.calls = 0
    m.weight
    m.weight
    assert scale.calls == 2
    with P.cached():
        w1 = m.weight
        with P.cached():
            w2 = m.weight
        w3 = m.weight
        assert scale.calls == 3
        assert w1 is w2 is w3
    m.weight
    assert scale.calls == 4
    assert P._cache == {}


def test_training_mode_follows_module() -> None:
    m = linear().eval()
    scale = Scale(2.0)
    P.register_parametrization(m, "weight", scale)
    assert not scale.training
    m.train()
    assert scale.training


def test_errors() -> None:
    m = linear()
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with name"):
        P.register_parametrization(m, "nope", Symmetric())

    class Shrink(nn.Module):
        def forward(self, X: Any) -> Any:
            return X[:2]

    class ToFloat(nn.Module):
        def forward(self, X: Any) -> Any:
            return X.float()

    class NotTensor(nn.Module):
        def forward(self, X: Any) -> Any:
            return 3

    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(m, "weight", Shrink())
    with pytest.raises(ValueError, match="may not change the dtype"):
        P.register_parametrization(m, "weight", ToFloat())
    with pytest.raises(ValueError, match=r"A parametrization must return a tensor\. Got int"):
        P.register_parametrization(m, "weight", NotTensor())
    assert type(m) is nn.Linear and "weight" in m._parameters  # failed registrations leave the module alone
    P.register_parametrization(m, "weight", Shrink(), unsafe=True)
    assert tuple(m.weight.shape) == (2, 4)
    P.remove_parametrizations(m, "weight")
    assert tuple(m.weight.shape) == (2, 4)

    m = P.register_parametrization(linear(), "weight", Symmetric())
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(m, "weight", Shrink())
    P.register_parametrization(m, "weight", NoInverse())
    with pytest.raises(RuntimeError, match="parametrization NoInverse does not implement right_inverse"):
        assign(m, "weight", tt.zeros(4, 4, dtype=tt.float64))

    class BadInverse(nn.Module):
        def forward(self, X: Any) -> Any:
            return X

        def right_inverse(self, X: Any) -> Any:
            return 3

    with pytest.raises(ValueError, match="'right_inverse' must return a Tensor or a Sequence of tensors"):
        P.register_parametrization(linear(), "weight", BadInverse())


def test_deepcopy_allowed_pickle_refused() -> None:
    m = P.register_parametrization(linear(), "weight", Symmetric())
    c = copy.deepcopy(m)
    assert type(c) is type(m)
    assert c.parametrizations.weight.original is not m.parametrizations.weight.original
    np.testing.assert_array_equal(arr(c.weight), arr(m.weight))
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(m)


def test_transfer_parametrizations_and_params() -> None:
    src = P.register_parametrization(linear(), "weight", Symmetric())
    dst = P.transfer_parametrizations_and_params(src, linear())
    assert P.is_parametrized(dst, "weight")
    np.testing.assert_array_equal(arr(dst.weight), arr(src.weight))
