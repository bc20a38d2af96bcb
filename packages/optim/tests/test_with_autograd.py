"""taeda.optim driven by real autograd: gradients from ``backward()``, closures, version counters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from taeda import optim
from taeda.autograd import Variable
from taeda.tensor import as_tensor

MakeParam = Callable[..., Any]
SetGrad = Callable[[Any, Any], None]


def _quadratic(p: Variable, target: np.ndarray) -> Variable:
    diff = p - Variable(as_tensor(target))
    loss: Variable = (diff * diff).sum()
    return loss


@pytest.mark.parametrize(
    ("cls", "kw"),
    [
        (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
        (optim.Adam, {"lr": 0.1}),
        (optim.AdamW, {"lr": 0.1, "weight_decay": 0.0}),
        (optim.RMSprop, {"lr": 0.05}),
        (optim.Adagrad, {"lr": 0.5}),
        (optim.Adamax, {"lr": 0.1}),
        (optim.NAdam, {"lr": 0.1}),
        (optim.RAdam, {"lr": 0.1}),
    ],
)
def test_training_loop_minimises_a_quadratic(
    cls: type[optim.Optimizer], kw: dict[str, Any], make_param: MakeParam
) -> None:
    target = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    p = make_param(np.zeros((2, 2)))
    opt = cls([p], **kw)
    first = float(_quadratic(p, target).data.array)
    for _ in range(300):
        opt.zero_grad()
        loss = _quadratic(p, target)
        loss.backward()
        opt.step()
    assert float(_quadratic(p, target).data.array) < 1e-3 * first


def test_step_marks_parameters_modified_for_autograd(make_param: MakeParam, set_grad: SetGrad) -> None:
    p, x = make_param([1.0, 2.0]), make_param([3.0, 4.0])
    y = (p * x).sum()  # saves p for backward
    opt = optim.SGD([p], lr=0.1)
    set_grad(p, [1.0, 1.0])
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_step_marks_half_and_zero_dim_parameters_modified(make_param: MakeParam, set_grad: SetGrad) -> None:
    for p in (make_param([1.0, 2.0], np.float16), make_param(1.5)):
        x = make_param(np.ones(p.data.array.shape), p.data.array.dtype)
        y = (p * x).sum()
        opt = optim.Adam([p], lr=0.1)
        set_grad(p, np.ones(p.data.array.shape))
        opt.step()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_with_an_autograd_closure(line_search_fn: str | None, make_param: MakeParam) -> None:
    p = make_param([-1.5, 2.0], np.float64)
    opt = optim.LBFGS(
        [p], lr=1, max_iter=100, tolerance_grad=1e-10, tolerance_change=1e-14, line_search_fn=line_search_fn
    )

    def closure() -> Variable:
        opt.zero_grad()
        x, y = p[0], p[1]
        loss: Variable = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, Variable) and float(loss.data.array) == pytest.approx(12.5)
    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(p.data.array, [1.0, 1.0], atol=1e-6)
