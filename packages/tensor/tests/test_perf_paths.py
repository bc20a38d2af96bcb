"""The Python-scalar fast paths of Tensor's operators give exactly the general path's results, dtypes included."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.tensor import _tensor

_OPS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("add", operator.add),
    ("sub", operator.sub),
    ("mul", operator.mul),
    ("truediv", operator.truediv),
]
_SCALARS: list[Any] = [2, -3, 0, 1.5, -0.0, 10**30, 2**70]


def _general(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """The general promotion path every operator falls back to."""
    return _tensor._binary(op, a, b, _tensor._TO_FLOAT) if op is operator.truediv else _tensor._binary(op, a, b)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name,op", _OPS)
@pytest.mark.parametrize("scalar", _SCALARS)
@pytest.mark.parametrize("shape", [(4,), (), (2, 0), (3, 2)])
def test_tensor_scalar_fast_path_matches_general_path(dtype: str, name: str, op: Any, scalar: Any, shape: Any) -> None:
    base = np.arange(1, 1 + int(np.prod(shape)), dtype=dtype).reshape(shape) / 3
    a = tt.as_tensor(base.astype(dtype))
    with np.errstate(all="ignore"):
        fast = op(a, scalar)
        slow = _general(op, a, scalar)
    assert type(fast) is tt.Tensor
    assert fast.dtype == slow.dtype == a.dtype
    assert fast.shape == slow.shape
    np.testing.assert_array_equal(fast.numpy(), slow.numpy())


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name,op", [("add", operator.add), ("mul", operator.mul)])
@pytest.mark.parametrize("scalar", _SCALARS)
@pytest.mark.parametrize("shape", [(4,), ()])
def test_reflected_scalar_fast_path_matches_general_path(
    dtype: str, name: str, op: Any, scalar: Any, shape: Any
) -> None:
    base = np.arange(1, 1 + int(np.prod(shape)), dtype=dtype).reshape(shape) / 7
    a = tt.as_tensor(base.astype(dtype))
    with np.errstate(all="ignore"):
        fast = op(scalar, a)
        slow = _tensor._binary(op, scalar, a)
    assert type(fast) is tt.Tensor
    assert fast.dtype == slow.dtype == a.dtype
    assert fast.shape == slow.shape
    np.testing.assert_array_equal(fast.numpy(), slow.numpy())


@pytest.mark.parametrize("scalar", [2, 1.5])
def test_integer_and_bool_tensors_still_take_the_general_path(scalar: Any) -> None:
    for dtype in (tt.int64, tt.int32, tt.bool):
        a = tt.tensor([1, 0, 1], dtype=dtype)
        for op in (operator.add, operator.mul, operator.truediv):
            fast = op(a, scalar)
            slow = _general(op, a, scalar)
            assert fast.dtype == slow.dtype
            np.testing.assert_array_equal(fast.numpy(), slow.numpy())
