"""Gradient regressions found by differential fuzzing against PyTorch 2.13 (float64): var/std where
``n <= correction`` or the deviation is 0, ``median()``/``max()``/``min()`` over ties and NaN, ``clamp`` at NaN,
``cat`` with a skipped 1-D empty input, ``det`` of a singular matrix, ``atan2`` at the origin and
``linalg.vector_norm``.

The expected values are PyTorch's; ``test_matches_torch`` also runs each case against PyTorch when it is installed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

NAN = math.nan


def _leaf(data: Any) -> Variable:
    return Variable(tt.tensor(data, dtype=tt.float64), requires_grad=True)


def _grad(fn: Callable[[Variable], Any], data: Any) -> list[float]:
    x = _leaf(data)
    fn(x).sum().backward()
    assert x.grad is not None
    return x.grad.data.reshape(-1).tolist()  # type: ignore[no-any-return]


def _eq(got: list[float], want: list[float]) -> bool:
    return bool(np.array_equal(np.array(got), np.array(want), equal_nan=True))


def test_var_std_backward_without_degrees_of_freedom() -> None:
    # PyTorch: 2 / (n - correction) is inf; over all elements, NaN where x equals the mean and inf elsewhere
    assert _eq(_grad(lambda x: x.std(), [1.0]), [NAN])
    assert _eq(_grad(lambda x: x.var(correction=2), [1.0, 2.0]), [math.inf, math.inf])
    assert _eq(_grad(lambda x: x.var(correction=2), [1.0, 1.0]), [NAN, NAN])
    assert _eq(_grad(lambda x: x.var(0), [[1.0, 2.0]]), [NAN, NAN])
    assert _eq(_grad(lambda x: x.std(0), [[1.0, 2.0]]), [NAN, NAN])
    assert _eq(_grad(lambda x: tt.var(x, 1, correction=2), [[1.0, 2.0]]), [-math.inf, math.inf])


def test_std_of_constant_input_has_zero_gradient() -> None:
    assert _grad(lambda x: x.std(), [1.0, 1.0]) == [0.0, 0.0]
    assert np.allclose(_grad(lambda x: x.std(1), [[3.0, 3.0], [1.0, 3.0]]), [0.0, 0.0, -(0.5**0.5), 0.5**0.5])
    assert _grad(lambda x: tt.std(x, dim=1, correction=0), [[3.0, 3.0, 3.0]]) == [0.0, 0.0, 0.0]


def test_std_gradcheck() -> None:
    x = Variable(tt.as_tensor(np.random.default_rng(0).standard_normal((3, 4))), requires_grad=True)
    assert gradcheck(lambda v: v.std(1, correction=0), (x,))
    assert gradcheck(lambda v: v.std(), (x,))


def test_median_without_dim_splits_ties_evenly() -> None:
    g = _grad(lambda x: x.median(), [[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 1.0], [0.0, 0.0, 2.0, 2.0]])
    assert g == [0.0, 0.0, 0.0, 1 / 3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1 / 3, 1 / 3]
    assert _grad(tt.median, [3.0, 1.0, 2.0]) == [0.0, 0.0, 1.0]


@pytest.mark.parametrize("name", ["max", "min", "median"])
def test_full_reductions_send_a_nan_result_to_the_nans(name: str) -> None:
    assert _grad(lambda x: getattr(x, name)(), [1.0, NAN, 3.0, NAN]) == [0.0, 0.5, 0.0, 0.5]


def test_amax_over_nan_stays_nan() -> None:
    assert _eq(_grad(lambda x: x.amax(), [1.0, NAN]), [NAN, NAN])  # PyTorch's amax backward: 0 / 0


def test_clamp_passes_no_gradient_at_nan() -> None:
    data = [-1.0, NAN, 0.5, 2.0]
    assert _grad(lambda x: x.clamp(0.0, 1.0), data) == [0.0, 0.0, 1.0, 0.0]
    assert _grad(lambda x: x.clamp(min=0.0), data) == [0.0, 0.0, 1.0, 1.0]
    assert _grad(lambda x: x.clamp(max=1.0), data) == [1.0, 0.0, 1.0, 0.0]
    assert _grad(lambda x: x.clamp(0.5, 2.0), data) == [0.0, 0.0, 1.0, 1.0]  # the bounds are inside


def test_cat_backward_with_a_skipped_empty_1d_input() -> None:
    x = _leaf(np.ones((3, 4)))
    e = _leaf(np.zeros(0))
    out: Any = tt.cat([x, e], 0)
    out.sum().backward()
    assert x.grad is not None and e.grad is not None
    assert x.grad.shape == (3, 4) and e.grad.shape == (0,)
    y = _leaf(np.ones((2, 3)))
    e2 = _leaf(np.zeros(0))
    out = tt.cat([e2, y], 1)
    (out * 2).sum().backward()
    assert y.grad is not None and e2.grad is not None
    assert e2.grad.shape == (0,) and y.grad.data.tolist() == [[2.0] * 3] * 2


CASES: list[tuple[str, Callable[[Any], Any], list[Any]]] = [
    ("std_one", lambda x: x.std(), [1.0]),
    ("std_const", lambda x: x.std(1), [[1.0, 1.0], [2.0, 0.5]]),
    ("var_corr", lambda x: x.var(correction=3), [1.0, 2.0]),
    ("var_dim_corr", lambda x: x.var(1, correction=3), [[1.0, 2.0], [4.0, 4.0]]),
    ("median_ties", lambda x: x.median(), [2.0, 1.0, 2.0, 3.0, 2.0]),
    ("median_nan", lambda x: x.median(), [2.0, NAN, 2.0, NAN, 0.0]),
    ("max_nan", lambda x: x.max(), [2.0, NAN, 2.0]),
    ("min_ties", lambda x: x.min(), [0.0, 1.0, 0.0]),
    ("clamp_nan", lambda x: x.clamp(-0.5, 0.5), [NAN, 0.0, 1.0, -1.0]),
    ("atan2_origin", lambda x: x.atan2(x * 0), [0.0, 1.0, -2.0]),
]


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")
@pytest.mark.parametrize(("name", "fn", "data"), CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name: str, fn: Callable[[Any], Any], data: list[Any]) -> None:
    torch = pytest.importorskip("torch", reason="compares against PyTorch")
    xt = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    fn(xt).sum().backward()
    assert _eq(_grad(fn, data), xt.grad.reshape(-1).tolist()), name


@pytest.mark.parametrize(
    ("matrix", "cofactor"),
    [
        ([[1.0, 2.0], [2.0, 4.0]], [[4.0, -2.0], [-2.0, 1.0]]),
        ([[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [-1.0, 0.0]]),
        ([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 2.0]], [[0.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]),
        ([[2.0, 1.0], [0.0, 3.0]], [[3.0, 0.0], [-1.0, 2.0]]),
    ],
)
def test_det_gradient_is_the_cofactor_matrix_also_when_singular(matrix: Any, cofactor: Any) -> None:
    a: Any = _leaf(matrix)
    out: Any = tt.linalg.det(a)
    out.backward()
    assert a.grad is not None
    assert np.allclose(a.grad.data.numpy(), cofactor, atol=1e-12)
    b: Any = _leaf([matrix, np.eye(len(matrix)).tolist()])  # a batch where only one matrix is singular
    out = tt.det(b)
    out.sum().backward()
    assert b.grad is not None
    assert np.allclose(b.grad.data.numpy()[0], cofactor, atol=1e-12)
    assert np.allclose(b.grad.data.numpy()[1], np.eye(len(matrix)), atol=1e-12)


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, math.inf, -math.inf])
@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": (0, 1), "keepdim": True}])
def test_linalg_vector_norm_is_differentiable(ord: float, kw: dict[str, Any]) -> None:
    data = np.random.default_rng(1).standard_normal((2, 3, 4))
    a: Any = _leaf(data)
    b: Any = _leaf(data)
    out: Any = tt.linalg.vector_norm(a, ord, **kw)
    out.sum().backward()
    b.norm(ord, kw.get("dim"), kw.get("keepdim", False)).sum().backward()
    assert np.allclose(a.grad.data.numpy(), b.grad.data.numpy())
    assert gradcheck(lambda v: tt.linalg.vector_norm(v, ord, **kw), (_leaf(data),))


def test_atan2_gradient_at_the_origin_is_zero() -> None:
    a, b = _leaf([0.0, 1.0, 0.0]), _leaf([0.0, 0.0, 2.0])
    out: Any = tt.atan2(a, b)
    out.sum().backward()
    assert a.grad is not None and b.grad is not None
    assert a.grad.data.tolist() == [0.0, 0.0, 0.5]
    assert b.grad.data.tolist() == [0.0, -1.0, 0.0]
    c = _leaf([0.0, 2.0])
    out = tt.atan2(c, 0.0)
    out.sum().backward()
    assert c.grad is not None and c.grad.data.tolist() == [0.0, 0.0]
