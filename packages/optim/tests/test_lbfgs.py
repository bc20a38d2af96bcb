"""L-BFGS on the 2-D Rosenbrock function, with and without the strong-Wolfe line search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda import optim
from taeda.optim._line_search import cubic_interpolate

MakeParam = Callable[..., Any]
SetGrad = Callable[[Any, Any], None]


def _rosenbrock_closure(opt: optim.LBFGS, p: Any, set_grad: SetGrad, counter: list[int]) -> Callable[[], float]:
    def closure() -> float:
        counter.append(1)
        opt.zero_grad()
        x, y = p.data.array.astype(np.float64)
        set_grad(p, [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
        return float((1 - x) ** 2 + 100 * (y - x * x) ** 2)

    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_minimises_rosenbrock(line_search_fn: str | None, dtype: Any, make_param: MakeParam, set_grad: SetGrad) -> None:
    p = make_param([-1.5, 2.0], dtype)
    storage = p.data.array
    # the default tolerances stop once the loss changes by < 1e-9, a little short of 1e-6 in x
    opt = optim.LBFGS(
        [p], lr=1, max_iter=100, tolerance_grad=1e-10, tolerance_change=1e-14, line_search_fn=line_search_fn
    )
    counter: list[int] = []
    closure = _rosenbrock_closure(opt, p, set_grad, counter)
    first = opt.step(closure)
    assert first == pytest.approx(2.5**2 + 100 * (2 - 2.25) ** 2)
    for _ in range(5):
        opt.step(closure)
    assert p.data.array is storage
    np.testing.assert_allclose(p.data.array, [1.0, 1.0], atol=1e-6)
    assert closure() < 1e-10
    assert opt.state[p]["func_evals"] == len(counter) - 1
    assert opt.state[p]["n_iter"] > 10


def test_max_iter_and_max_eval_bound_one_step(make_param: MakeParam, set_grad: SetGrad) -> None:
    p = make_param([-1.5, 2.0], np.float64)
    opt = optim.LBFGS([p], lr=1, max_iter=5, max_eval=7, line_search_fn="strong_wolfe")
    counter: list[int] = []
    opt.step(_rosenbrock_closure(opt, p, set_grad, counter))
    assert opt.state[p]["n_iter"] <= 5
    assert len(counter) <= 7 + 2


def test_stops_at_once_on_a_stationary_point(make_param: MakeParam, set_grad: SetGrad) -> None:
    p = make_param([1.0, 1.0], np.float64)
    opt = optim.LBFGS([p])
    counter: list[int] = []
    assert opt.step(_rosenbrock_closure(opt, p, set_grad, counter)) == 0.0
    assert len(counter) == 1 and opt.state[p]["n_iter"] == 0


def test_needs_a_closure(make_param: MakeParam) -> None:
    with pytest.raises(ValueError, match="requires a closure"):
        optim.LBFGS([make_param([1.0])]).step()


def test_history_is_bounded_and_state_round_trips(make_param: MakeParam, set_grad: SetGrad, tmp_path: Path) -> None:
    p = make_param([-1.5, 2.0], np.float64)
    opt = optim.LBFGS([p], history_size=3, max_iter=10)
    closure = _rosenbrock_closure(opt, p, set_grad, [])
    opt.step(closure)
    assert len(opt.state[p]["old_dirs"]) <= 3
    tt.save({"optim": opt.state_dict(), "p": p.data}, tmp_path / "lbfgs")
    loaded = tt.load(tmp_path / "lbfgs")
    opt.step(closure)
    q = make_param(loaded["p"].array, np.float64)
    opt2 = optim.LBFGS([q], history_size=3, max_iter=10)
    opt2.load_state_dict(loaded["optim"])
    opt2.step(_rosenbrock_closure(opt2, q, set_grad, []))
    np.testing.assert_array_equal(q.data.array, p.data.array)


def test_cubic_interpolate() -> None:
    # f = (x - 1)^2 on [0, 2]: the cubic through the ends is the parabola itself
    assert cubic_interpolate(0.0, 1.0, -2.0, 2.0, 1.0, 2.0) == pytest.approx(1.0)
    assert cubic_interpolate(2.0, 1.0, 2.0, 0.0, 1.0, -2.0) == pytest.approx(1.0)
    # no real minimiser: the middle of the bounds
    assert cubic_interpolate(0.0, 0.0, 3.0, 1.0, 2.0, 3.0, bounds=(0.0, 4.0)) == pytest.approx(2.0)
