"""NumPy-style splits along a fixed dim (``hsplit``, ``vsplit``, ``dsplit``) and ``cartesian_prod``."""

from __future__ import annotations

from typing import Any

import numpy as np

from taeda.tensor._checks import check_same_device
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._ops_shape import tensor_split
from taeda.tensor._tensor import Tensor, _wrap_r, xp_of

__all__ = ["hsplit", "vsplit", "dsplit", "cartesian_prod"]


def _split(name: str, input: Tensor, ios: Any, min_dims: int, dim: int) -> tuple[Tensor, ...]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    a = input._array
    if a.ndim < min_dims:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor with {a.ndim} "
            "dimensions!"
        )
    if isinstance(ios, (list, tuple)):
        if not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in ios):
            raise TypeError(f"{name}(): argument 'indices' must be tuple of ints")
        return tensor_split(input, list(ios), dim)
    if isinstance(ios, bool) or not isinstance(ios, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'sections' must be int or a tuple of ints, not {type(ios).__name__}")
    n = a.shape[dim]
    if ios == 0 or n % ios != 0:
        raise RuntimeError(
            f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension {n} is not "
            f"divisible by the split_size {ios}!"
        )
    return tensor_split(input, int(ios), dim)


@taeda_function
def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split horizontally: along dim 1 (dim 0 for a 1-D tensor) into equal sections or at the given indices;
    views, as ``tensor_split``.

    Example:
        >>> import taeda.tensor as tt
        >>> [t.shape for t in tt.hsplit(tt.zeros(2, 4), 2)]
        [taeda.Size([2, 2]), taeda.Size([2, 2])]
    """
    a = getattr(input, "_array", None)
    dim = 0 if a is not None and a.ndim == 1 else 1
    return _split("hsplit", input, indices_or_sections, 1, dim)


@taeda_function
def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split vertically: along dim 0 of a tensor of at least 2 dims.

    Example:
        >>> import taeda.tensor as tt
        >>> [t.shape for t in tt.vsplit(tt.zeros(4, 2), [1])]
        [taeda.Size([1, 2]), taeda.Size([3, 2])]
    """
    return _split("vsplit", input, indices_or_sections, 2, 0)


@taeda_function
def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split depth-wise: along dim 2 of a tensor of at least 3 dims.

    Example:
        >>> import taeda.tensor as tt
        >>> len(tt.dsplit(tt.zeros(1, 2, 6), 3))
        3
    """
    return _split("dsplit", input, indices_or_sections, 3, 2)


@taeda_function
def cartesian_prod(*tensors: Tensor) -> Tensor:
    """The cartesian product of 1-D tensors of one dtype: a ``(N, len(tensors))`` tensor whose rows are all
    combinations (the first tensor varying slowest). A single tensor is returned itself, as in PyTorch.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.cartesian_prod(tt.tensor([1, 2]), tt.tensor([3, 4])).tolist()
        [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"cartesian_prod(): expected Tensors, got {type(t).__name__}")
        if t._array.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._array.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    arrs = [t._array for t in tensors]
    if any(a.dtype != arrs[0].dtype for a in arrs):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    check_same_device(*arrs)
    xp = xp_of(arrs[0])
    grids = xp.meshgrid(*arrs, indexing="ij")
    return _wrap_r(xp.stack([g.reshape(-1) for g in grids], axis=-1))
