"""PyTorch's ``*_with_indices`` pooling functions: always ``(output, indices)``, whatever ``return_indices`` says
(the same values as the plain functions with ``return_indices=True``)."""

from __future__ import annotations

from typing import Any

from taeda.autograd import Variable
from taeda.nn.functional._pool3d import adaptive_max_pool3d, max_pool3d
from taeda.nn.functional._pooling import adaptive_max_pool1d, adaptive_max_pool2d, max_pool1d, max_pool2d
from taeda.nn.functional._util import TensorLike

__all__ = [
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
]


def _pair(result: Any) -> tuple[Variable, Variable]:
    out, indices = result
    return out, indices


def max_pool1d_with_indices(
    input: TensorLike,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Variable, Variable]:
    """``max_pool1d`` returning ``(output, indices)`` (``return_indices`` is ignored, as in PyTorch).

    Example::

        >>> y, idx = F.max_pool1d_with_indices(taeda.autograd.randn(1, 2, 8), 2)
        >>> tuple(idx.shape), idx.dtype
        ((1, 2, 4), dtype('int64'))
    """
    return _pair(max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True))


def max_pool2d_with_indices(
    input: TensorLike,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Variable, Variable]:
    """``max_pool2d`` returning ``(output, indices)`` (``return_indices`` is ignored, as in PyTorch).

    Example::

        >>> y, idx = F.max_pool2d_with_indices(taeda.autograd.randn(1, 1, 4, 4), 2)
        >>> tuple(y.shape)
        (1, 1, 2, 2)
    """
    return _pair(max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True))


def max_pool3d_with_indices(
    input: TensorLike,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Variable, Variable]:
    """``max_pool3d`` returning ``(output, indices)`` (``return_indices`` is ignored, as in PyTorch).

    Example::

        >>> y, idx = F.max_pool3d_with_indices(taeda.autograd.randn(1, 1, 4, 4, 4), 2)
        >>> tuple(idx.shape)
        (1, 1, 2, 2, 2)
    """
    return _pair(max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True))


def adaptive_max_pool1d_with_indices(
    input: TensorLike, output_size: Any, return_indices: bool = False
) -> tuple[Variable, Variable]:
    """``adaptive_max_pool1d`` returning ``(output, indices)`` (``return_indices`` is ignored, as in PyTorch).

    Example::

        >>> y, idx = F.adaptive_max_pool1d_with_indices(taeda.autograd.randn(2, 3, 10), 4)
        >>> tuple(idx.shape)
        (2, 3, 4)
    """
    return _pair(adaptive_max_pool1d(input, output_size, True))


def adaptive_max_pool2d_with_indices(
    input: TensorLike, output_size: Any, return_indices: bool = False
) -> tuple[Variable, Variable]:
    """``adaptive_max_pool2d`` returning ``(output, indices)`` (``return_indices`` is ignored, as in PyTorch).

    Example::

        >>> y, idx = F.adaptive_max_pool2d_with_indices(taeda.autograd.randn(2, 3, 7, 9), (3, 2))
        >>> tuple(y.shape)
        (2, 3, 3, 2)
    """
    return _pair(adaptive_max_pool2d(input, output_size, True))


def adaptive_max_pool3d_with_indices(
    input: TensorLike, output_size: Any, return_indices: bool = False
) -> tuple[Variable, Variable]:
    """``adaptive_max_pool3d`` returning ``(output, indices)`` (``return_indices`` is ignored, as in PyTorch).

    Example::

        >>> y, idx = F.adaptive_max_pool3d_with_indices(taeda.autograd.randn(1, 2, 5, 5, 5), 2)
        >>> tuple(idx.shape)
        (1, 2, 2, 2, 2)
    """
    return _pair(adaptive_max_pool3d(input, output_size, True))
