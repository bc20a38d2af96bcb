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


_TT_OPS: list[tuple[str, Callable[[Any, Any], Any], int]] = [
    ("add", operator.add, _tensor._PROMOTE),
    ("sub", operator.sub, _tensor._PROMOTE),
    ("mul", operator.mul, _tensor._PROMOTE),
    ("truediv", operator.truediv, _tensor._TO_FLOAT),
    ("lt", operator.lt, _tensor._NO_CAST),
    ("le", operator.le, _tensor._NO_CAST),
    ("gt", operator.gt, _tensor._NO_CAST),
    ("ge", operator.ge, _tensor._NO_CAST),
    ("eq", operator.eq, _tensor._NO_CAST),
    ("ne", operator.ne, _tensor._NO_CAST),
]


@pytest.mark.parametrize("name,op,mode", _TT_OPS)
@pytest.mark.parametrize("da", ["float16", "float32", "float64", "int32", "int64", "uint8", "complex64"])
@pytest.mark.parametrize("db", ["float32", "float64", "int64", "uint8"])
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((), ()), ((2, 1), (3,)), ((), (3,)), ((3,), ())])
def test_tensor_tensor_fast_path_matches_general_path(
    name: str, op: Any, mode: int, da: str, db: str, shapes: Any
) -> None:
    if da == "complex64" and name in ("lt", "le", "gt", "ge"):
        return  # ordering of complex numbers: not part of this comparison
    sa, sb = shapes
    a = tt.as_tensor((np.arange(1, 1 + int(np.prod(sa))).reshape(sa) * 3 % 5).astype(da))
    b = tt.as_tensor((np.arange(1, 1 + int(np.prod(sb))).reshape(sb) * 2 % 3).astype(db))
    with np.errstate(all="ignore"):
        fast = op(a, b)
        slow = _tensor._binary(op, a, b, mode)
    assert type(fast) is tt.Tensor and type(fast.array) is np.ndarray
    assert fast.dtype == slow.dtype
    assert fast.shape == slow.shape
    np.testing.assert_array_equal(fast.numpy(), slow.numpy())


def test_fast_paths_keep_pytorch_dtypes_and_errors() -> None:
    i = tt.tensor([1, 2])
    assert (i / i).dtype == tt.float32  # integers divide in the default float dtype
    assert (i + 1.5).dtype == tt.float32 and (i * 2).dtype == tt.int64
    h = tt.tensor([1.0], dtype=tt.float16)
    assert (h + 1.5).dtype == tt.float16 and (h * tt.tensor(2.0, dtype=tt.float64)).dtype == tt.float16
    assert (tt.tensor(2.0, dtype=tt.float64) + tt.tensor([1.0])).dtype == tt.float32  # 0-d does not win
    s = tt.tensor(1.0) + tt.tensor(2.0)
    assert type(s.array) is np.ndarray and s.shape == () and s.item() == 3.0
    b = tt.tensor([True, False])
    assert (b + b).dtype == tt.bool and (b * b).tolist() == [True, False]
    with pytest.raises(RuntimeError, match="Subtraction"):
        b - b
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(2\)"):
        tt.ones(3) + tt.ones(2)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match"):
        _ = tt.ones(3) < tt.ones(2)
    foreign: list[Any] = [None, "a"]
    for x in foreign:  # a foreign operand: Python falls back to identity
        assert operator.eq(tt.ones(2), x) is False
