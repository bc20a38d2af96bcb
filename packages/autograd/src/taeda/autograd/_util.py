"""Helpers shared by the ops and the engine: ``sum_to`` (the one place broadcasting is undone)."""

from __future__ import annotations

from typing import Any

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
