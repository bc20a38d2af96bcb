"""Helpers shared by the ops and the engine: ``sum_to`` (the one place broadcasting is undone)."""

from __future__ import annotations

from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._function import Function

_Tensor = tt.Tensor

# Backward formulas run on Tensors (ordinary backward) or on Variables (``create_graph=True``): both share the
# methods used here, so formulas are typed with this alias.
TensorLike = Any


class BuiltinFunction(Function):
    """Base of taeda's own ops: their backward never returns an array the caller may still hold, except
    pass-throughs the engine detects, so the engine may adopt their gradients as ``.grad`` without copying."""

    _builtin = True


def sum_to(grad: TensorLike, shape: tuple[int, ...]) -> TensorLike:
    """Sum ``grad`` over the dimensions broadcasting added or expanded so that it gets ``shape``.

    The one place where broadcasting is undone for every op. Example::

        >>> sum_to(tt.ones(2, 3), (1, 3)).tolist()
        [[2.0, 2.0, 2.0]]
    """
    gshape = tuple(grad.shape)
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and gshape[i + lead] != 1:
            dims.append(i + lead)
    if dims:
        grad = grad.sum(dim=tuple(dims), keepdim=True)
    if lead or tuple(grad.shape) != shape:
        grad = grad.reshape(shape)
    return grad


_as_tensor = tt.as_tensor
_ndarray = np.ndarray
_generic = np.generic


def scalar_op(op: Any, a: Any, b: Any) -> Any:
    """``op(a, b)`` where one side is a floating Tensor and the other a Python int/float, computed on the array.

    Same result as the Tensor operator (a Python scalar never widens a floating array, in NumPy 2 as in PyTorch),
    without the general promotion path; anything else falls back to ``op`` on the operands themselves.
    """
    ac = a.__class__
    bc = b.__class__
    if ac is _Tensor and (bc is float or bc is int):
        arr = a.array
        if arr.dtype.kind == "f":
            r = op(arr, b)
            return _as_tensor(r if r.__class__ is _ndarray else _asarray(r))
    elif bc is _Tensor and (ac is float or ac is int):
        arr = b.array
        if arr.dtype.kind == "f":
            r = op(a, arr)
            return _as_tensor(r if r.__class__ is _ndarray else _asarray(r))
    return op(a, b)


def _asarray(r: Any) -> Any:
    if isinstance(r, _generic):
        return np.asarray(r)
    return r
