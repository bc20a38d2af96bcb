"""NumPy's floating point RuntimeWarnings do not leave taeda.tensor ops (PyTorch prints nothing and returns inf/nan).

Checked two ways: under the filters as they are (``catch_warnings(record=True)`` records what would be shown) and
under ``simplefilter("error")``, where the ops must still return PyTorch's values instead of raising.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.tensor import _fpwarnings

nan, inf = math.nan, math.inf
f16 = tt.float16


def _t(*values: float, dtype: Any = None) -> tt.Tensor:
    return tt.tensor(list(values), dtype=dtype)


# name, op, expected values (None: any), expected dtype (None: float32)
CASES: list[tuple[str, Callable[[], Any], list[float] | None, Any]] = [
    ("log(0)", lambda: tt.log(_t(0.0, 1.0)), [-inf, 0.0], None),
    ("t.log()", lambda: _t(0.0).log(), [-inf], None),
    ("log2(0)", lambda: tt.log2(_t(0.0)), [-inf], None),
    ("log1p(-2)", lambda: tt.log1p(_t(-2.0)), [nan], None),
    ("1/0", lambda: 1.0 / _t(0.0, 2.0), [inf, 0.5], None),
    ("t/0.", lambda: _t(1.0, -1.0) / 0.0, [inf, -inf], None),
    ("0/0 tensors", lambda: _t(0.0) / _t(0.0), [nan], None),
    ("div 0/0", lambda: tt.div(_t(0.0), _t(0.0)), [nan], None),
    ("int / 0", lambda: tt.tensor([1, 0]) / 0, [inf, nan], None),
    ("t // 0.", lambda: _t(1.0) // 0.0, [inf], None),
    ("t % 0.", lambda: _t(1.0) % 0.0, [nan], None),
    ("fmod", lambda: tt.fmod(_t(1.0), 0.0), [nan], None),
    ("sqrt(-1)", lambda: tt.sqrt(_t(-1.0, 4.0)), [nan, 2.0], None),
    ("t.sqrt()", lambda: _t(-1.0).sqrt(), [nan], None),
    ("rsqrt(0)", lambda: tt.rsqrt(_t(0.0)), [inf], None),
    ("reciprocal(0)", lambda: tt.reciprocal(_t(0.0)), [inf], None),
    ("t ** -1", lambda: _t(0.0) ** -1, [inf], None),
    ("t ** 0.5", lambda: _t(-1.0) ** 0.5, [nan], None),
    ("arcsin(2)", lambda: tt.asin(_t(2.0)), [nan], None),
    ("acos(2)", lambda: tt.acos(_t(2.0)), [nan], None),
    ("atanh(2)", lambda: tt.atanh(_t(2.0)), [nan], None),
    ("exp overflow", lambda: tt.exp(_t(1000.0)), [inf], None),
    ("t.exp() overflow", lambda: _t(1000.0).exp(), [inf], None),
    ("inf - inf", lambda: _t(inf) - _t(inf), [nan], None),
    ("inf * 0", lambda: _t(inf) * 0.0, [nan], None),
    ("float16 add overflow", lambda: _t(60000.0, dtype=f16) + _t(60000.0, dtype=f16), [inf], f16),
    ("float16 + 1e30", lambda: _t(1.0, dtype=f16) + 1e30, [inf], f16),
    ("1e30 * float16", lambda: 1e30 * _t(1.0, dtype=f16), [inf], f16),
    ("float32 + float64 0-d", lambda: _t(1.0) + tt.tensor(1e300, dtype=tt.float64), [inf], None),
    ("float16 matmul", lambda: _t(6e4, 6e4, dtype=f16) @ _t(6e4, 6e4, dtype=f16), [inf], f16),
    ("half()", lambda: _t(1e10).half(), [inf], f16),
    ("to(float16)", lambda: _t(1e10).to(f16), [inf], f16),
    ("tensor(dtype=float16)", lambda: tt.tensor([1e10], dtype=f16), [inf], f16),
    ("sum float16", lambda: _t(6e4, 6e4, dtype=f16).sum(), [inf], f16),
    ("tt.sum float16", lambda: tt.sum(_t(6e4, 6e4, dtype=f16)), [inf], f16),
    ("sum(dim) float16", lambda: _t(6e4, 6e4, dtype=f16).sum(0), [inf], f16),
    ("prod float16", lambda: tt.prod(_t(300.0, 300.0, dtype=f16)), [inf], f16),
    ("mean of empty", lambda: tt.zeros(0).mean(), [nan], None),
    ("mean of empty dim", lambda: tt.zeros(0, 3).mean(0), [nan, nan, nan], None),
    ("tt.mean of empty dim", lambda: tt.mean(tt.zeros(0, 2), 0), [nan, nan], None),
    ("var of one", lambda: tt.var(_t(1.0)), [nan], None),
    ("std of one", lambda: _t(1.0).std(), [nan], None),
    ("nanmean all nan", lambda: tt.nanmean(_t(nan, nan)), [nan], None),
    ("logsumexp -inf", lambda: tt.logsumexp(_t(-inf, -inf), 0), [-inf], None),
    ("t += 1e30 float16", lambda: _t(1.0, dtype=f16).__iadd__(1e30), [inf], f16),
    ("t /= 0", lambda: _t(1.0).__itruediv__(0.0), [inf], None),
    ("t *= t", lambda: _t(1e30).__imul__(_t(1e30)), [inf], None),
    ("log_()", lambda: _t(0.0).log_(), [-inf], None),
    ("div_(0)", lambda: _t(1.0).div_(0.0), [inf], None),
    ("sqrt_()", lambda: _t(-1.0).sqrt_(), [nan], None),
]


def _check(r: Any, values: list[float] | None, dtype: Any) -> None:
    assert isinstance(r, tt.Tensor)
    assert r.dtype == (tt.float32 if dtype is None else dtype)
    if values is not None:
        np.testing.assert_array_equal(r.numpy().astype(np.float64).ravel(), np.array(values))


@pytest.fixture
def taeda_filter() -> Iterator[None]:
    """taeda's filter as installed by ``import taeda.tensor`` (pytest imported us inside a catch_warnings block)."""
    with warnings.catch_warnings():
        _fpwarnings.install()
        yield


@pytest.mark.parametrize("name,fn,values,dtype", CASES, ids=[c[0] for c in CASES])
def test_no_warning_is_shown(
    taeda_filter: None, name: str, fn: Callable[[], Any], values: list[float] | None, dtype: Any
) -> None:
    with warnings.catch_warnings(record=True) as shown:
        r = fn()
    assert [str(w.message) for w in shown] == []
    _check(r, values, dtype)


@pytest.mark.parametrize("name,fn,values,dtype", CASES, ids=[c[0] for c in CASES])
def test_error_filter_raises_nothing(name: str, fn: Callable[[], Any], values: list[float] | None, dtype: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = fn()
    _check(r, values, dtype)


def test_user_numpy_calls_still_warn(taeda_filter: None) -> None:
    with warnings.catch_warnings(record=True) as shown:
        tt.log(_t(0.0))
        tt.zeros(0, 2).mean(0)
        _t(6e4, 6e4, dtype=f16).sum(0)
        assert shown == []
        warnings.simplefilter("always")
        np.log(np.zeros(1))
        np.ones(2, np.float16).sum(keepdims=True) * np.float16(6e4) * np.float16(6e4)
        np.mean(np.zeros(0))
    messages = [str(w.message) for w in shown]
    assert "divide by zero encountered in log" in messages
    assert any("overflow" in m for m in messages)
    assert "Mean of empty slice" in messages


def test_tensor_with_float64_dtype_keeps_python_float_precision() -> None:
    assert tt.tensor(0.1, dtype=tt.float64).item() == 0.1
    assert tt.tensor([1e300], dtype=tt.float64).tolist() == [1e300]
    assert tt.as_tensor([0.1], dtype=tt.float64).tolist() == [0.1]
    assert tt.tensor(0.1).item() == float(np.float32(0.1))


@pytest.mark.torch
def test_values_match_torch(taeda_filter: None) -> None:
    torch = pytest.importorskip("torch")
    x = [0.0, -1.0, 2.0, inf, -inf]
    for name in ("log", "sqrt", "rsqrt", "reciprocal", "asin", "acos", "atanh", "exp", "log1p"):
        ours = getattr(tt, name)(tt.tensor(x)).numpy()
        theirs = getattr(torch, name)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, err_msg=name)  # inf and nan where torch has them
    for op in (operator.truediv, operator.floordiv, operator.mod):
        a, b = [0.0, 1.0, -1.0, inf], [0.0, 0.0, 0.0, inf]
        np.testing.assert_array_equal(
            op(tt.tensor(a), tt.tensor(b)).numpy(), op(torch.tensor(a), torch.tensor(b)).numpy(), err_msg=str(op)
        )
