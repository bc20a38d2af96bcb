"""Gradients added for the breadth gaps: asinh/acosh/atanh, digamma (via polygamma), lgamma's second derivative,
polygamma of every order and repeat_interleave; gradcheck + gradgradcheck in float64 and PyTorch parity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.special

import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck
from taeda.autograd._ops_shape import RepeatInterleave
from taeda.autograd._ops_unary import UNARY, Polygamma


def _var(arr: Any) -> Any:
    return Variable(tt.as_tensor(np.asarray(arr, dtype=np.float64)), requires_grad=True)


def _inputs(domain: str) -> list[Any]:
    rng = np.random.default_rng(7)
    raw = [rng.standard_normal(()), rng.standard_normal(4), rng.standard_normal((3, 4))[:, ::2]]  # 0-d, 1-D, strided
    out = []
    for a in raw:
        if domain == "gt1":
            a = np.abs(a) + 1.5
        elif domain == "unit":
            a = np.tanh(a) * 0.7
        elif domain == "pos":
            a = np.abs(a) + 0.6
        out.append(_var(a))
    return out


@pytest.mark.parametrize(
    ("name", "domain", "ref"),
    [
        ("asinh", "any", lambda a: 1 / np.sqrt(a * a + 1)),
        ("acosh", "gt1", lambda a: 1 / np.sqrt(a * a - 1)),
        ("atanh", "unit", lambda a: 1 / (1 - a * a)),
        ("lgamma", "pos", scipy.special.digamma),
        ("digamma", "pos", lambda a: scipy.special.polygamma(1, a)),
    ],
)
def test_unary_gradients(name: str, domain: str, ref: Any) -> None:
    fn = UNARY[name].apply
    for x in _inputs(domain):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))
        y = fn(x)
        np.testing.assert_allclose(y.data.numpy(), getattr(tt, name)(x.data).numpy())
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), ref(x.data.numpy()), rtol=1e-12)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_polygamma_gradients(n: int) -> None:
    for x in _inputs("pos"):

        def fn(v: Any) -> Any:
            return Polygamma.apply(n, v)

        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))
        np.testing.assert_allclose(fn(x).data.numpy(), scipy.special.polygamma(n, x.data.numpy()))


@pytest.mark.parametrize(
    ("shape", "repeats", "dim"),
    [
        ((2, 3), 2, None),
        ((2, 3), [1, 0, 3], 1),
        ((2, 3), [2, 1], 0),
        ((2, 3), [2], -1),
        ((2, 3), 0, 0),
        ((), 3, None),
        ((0, 3), [1, 2, 0], 1),
        ((3, 2, 2), [0, 0, 0], 0),
    ],
)
def test_repeat_interleave_gradients(shape: tuple[int, ...], repeats: Any, dim: int | None) -> None:
    rng = np.random.default_rng(2)
    x = _var(rng.standard_normal(shape))
    xt = _var(rng.standard_normal(shape[::-1]).T) if len(shape) == 2 else x  # non-contiguous input
    reps = tt.tensor(repeats) if isinstance(repeats, list) else repeats

    def fn(v: Any) -> Any:
        return RepeatInterleave.apply(v, reps, dim)

    for v in (x, xt):
        assert gradcheck(fn, (v,))
        assert gradgradcheck(fn, (v,))
        np.testing.assert_array_equal(fn(v).data.numpy(), v.data.repeat_interleave(reps, dim).numpy())


def test_repeat_interleave_gradient_values() -> None:
    x = _var([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = RepeatInterleave.apply(x, tt.tensor([1, 0, 3]), 1)
    (y * tt.arange(8, dtype=tt.float64).reshape(2, 4)).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 6.0], [4.0, 0.0, 18.0]]


@pytest.mark.torch
def test_torch_parity() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).uniform(1.2, 3.0, (3, 4))
    for name in ("asinh", "acosh", "lgamma", "digamma"):
        x = _var(a)
        UNARY[name].apply(x).sum().backward()
        tx = torch.tensor(a, requires_grad=True)
        getattr(tx, name)().sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-8)
    # second derivative of lgamma: d/dx digamma = polygamma(1, x)
    tx = torch.tensor(a, requires_grad=True)
    (g,) = torch.autograd.grad(tx.lgamma().sum(), tx, create_graph=True)
    (gg,) = torch.autograd.grad(g.sum(), tx)
    np.testing.assert_allclose(scipy.special.polygamma(1, a), gg.numpy(), rtol=1e-8)
    x = _var(a)
    reps = [2, 0, 1]
    y = RepeatInterleave.apply(x, tt.tensor(reps), 0)
    w = np.random.default_rng(6).standard_normal(y.shape)
    (y * tt.as_tensor(w)).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    (tx.repeat_interleave(torch.tensor(reps), 0) * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_new_ops_are_variable_methods_with_gradients() -> None:
    import taeda.tensor as tt
    from taeda.autograd import Variable, gradcheck

    v = Variable(tt.rand(4, dtype=tt.float64) + 1.5, requires_grad=True)
    for fn in (
        lambda x: x.asinh(),
        lambda x: x.acosh(),
        lambda x: (x / 4).atanh(),
        lambda x: x.digamma(),
        lambda x: x.polygamma(1),
        lambda x: tt.polygamma(1, x),
        lambda x: x.repeat_interleave(2),
    ):
        out = fn(v)
        assert isinstance(out, Variable) and out.requires_grad
        assert gradcheck(fn, (v,))
