"""SGD's lean path for plain SGD (no momentum, weight decay nor maximize): same numbers as ``p -= lr * g``,
version bumps, skipped parameters, state entries, half precision and the switch back to the general path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.optim as optim
from taeda.autograd import Variable
from taeda.tensor import as_tensor

MakeParam = Callable[..., Variable]
SetGrad = Callable[[Variable, Any], None]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plain_sgd_matches_the_formula_and_keeps_storage(make_param: MakeParam, set_grad: SetGrad, dtype: type) -> None:
    rng = np.random.default_rng(0)
    w0: np.ndarray[Any, Any] = rng.standard_normal((5, 3)).astype(dtype)
    g: np.ndarray[Any, Any] = rng.standard_normal((5, 3)).astype(dtype)
    p = make_param(w0, dtype)
    q = make_param(np.ones(2), dtype)  # no gradient: skipped
    storage = p.data.array
    opt = optim.SGD([p, q], lr=0.1)
    for _ in range(3):
        set_grad(p, g)
        opt.step()
    ref = w0.copy()
    for _ in range(3):
        ref -= (g * dtype(0.1)).astype(dtype)
    assert p.data.array is storage and p.data.array.dtype == dtype
    np.testing.assert_array_equal(p.data.numpy(), ref)
    np.testing.assert_array_equal(q.data.numpy(), np.ones(2, dtype))
    assert p in opt.state and q not in opt.state and opt.state[p] == {}


def test_plain_sgd_bumps_the_version_of_saved_parameters(make_param: MakeParam) -> None:
    p = make_param([1.0, 2.0])
    loss = (p * p).sum()
    opt = optim.SGD([p], lr=0.5)
    p.grad = Variable(as_tensor(np.ones(2, np.float32)))
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_plain_sgd_half_precision_and_per_group_lr(make_param: MakeParam, set_grad: SetGrad) -> None:
    h = make_param([1.0, -2.0], np.float16)
    f = make_param([1.0, -2.0], np.float32)
    groups: list[dict[str, Any]] = [{"params": [h], "lr": 0.25}, {"params": [f]}]
    opt = optim.SGD(groups, lr=0.5)
    set_grad(h, [1.0, 1.0])
    set_grad(f, [1.0, 1.0])
    opt.step()
    assert h.data.array.dtype == np.float16
    np.testing.assert_array_equal(h.data.numpy(), np.array([0.75, -2.25], np.float16))
    np.testing.assert_array_equal(f.data.numpy(), np.array([0.5, -2.5], np.float32))


def test_a_group_with_momentum_uses_the_general_path(make_param: MakeParam, set_grad: SetGrad) -> None:
    a = make_param([1.0])
    b = make_param([1.0])
    groups: list[dict[str, Any]] = [{"params": [a]}, {"params": [b], "momentum": 0.9}]
    opt = optim.SGD(groups, lr=0.1)
    for _ in range(2):
        set_grad(a, [1.0])
        set_grad(b, [1.0])
        opt.step()
    np.testing.assert_allclose(a.data.numpy(), [0.8], rtol=1e-6)
    np.testing.assert_allclose(b.data.numpy(), [1.0 - 0.1 - 0.1 * 1.9], rtol=1e-6)
    assert "momentum_buffer" in opt.state[b]


def test_plain_sgd_returns_the_closure_loss(make_param: MakeParam) -> None:
    p = make_param([3.0])
    opt = optim.SGD([p], lr=0.1)

    def closure() -> Variable:
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == pytest.approx(9.0)
    np.testing.assert_allclose(p.data.numpy(), [3.0 - 0.1 * 6.0], rtol=1e-6)
