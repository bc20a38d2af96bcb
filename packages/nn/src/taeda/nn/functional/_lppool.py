"""Power-average pooling ``lp_pool1d`` / ``lp_pool2d``: PyTorch's formula, composed from average/max pooling.

``out = avg_pool(x ** p) * kernel_area`` and the result is ``(sign(out) * relu(|out|)) ** (1 / p)``; the relu
makes the gradient zero where a window's sum is zero, which a masked ``where`` reproduces here (the root is taken
of 1 in those windows, so no infinite ``pow`` derivative is formed and multiplied by 0). ``p = inf`` is max pooling
of ``|x|``, ``p = -inf`` is ``-max_pool(-|x|)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._conv import ntuple
from taeda.nn.functional._pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from taeda.nn.functional._util import TensorLike, as_var

__all__ = ["lp_pool1d", "lp_pool2d"]

IntOrInts = int | Sequence[int]


def _finish(out: Variable, area: int, norm_type: float) -> Variable:
    inv = 1.0 / norm_type
    nonzero = out.data != 0
    root = tt.where(nonzero, out * area, 1.0) ** inv  # 1 ** inv in zero windows: no inf derivative
    res: Variable = tt.where(nonzero, root, 0.0)
    return res


def lp_pool1d(
    input: TensorLike,
    norm_type: float,
    kernel_size: int,
    stride: IntOrInts | None = None,
    ceil_mode: bool = False,
) -> Variable:
    """1-D power-average pooling over ``(N, C, L)``: ``(sum over the window of x**p) ** (1/p)``.

    Example::

        >>> tuple(F.lp_pool1d(taeda.autograd.randn(2, 3, 8), 2, 3, 2).shape)
        (2, 3, 3)
    """
    x = as_var(input)
    if norm_type == float("inf"):
        out: Variable = max_pool1d(x.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return out
    if norm_type == -float("inf"):
        out = -max_pool1d(-x.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return out
    (k,) = ntuple(kernel_size, 1, "kernel_size")
    pooled = avg_pool1d(x**norm_type, kernel_size, stride, 0, ceil_mode)
    return _finish(pooled, k, norm_type)


def lp_pool2d(
    input: TensorLike,
    norm_type: float,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    ceil_mode: bool = False,
) -> Variable:
    """2-D power-average pooling over ``(N, C, H, W)``: ``(sum over the window of x**p) ** (1/p)``.

    Example::

        >>> tuple(F.lp_pool2d(taeda.autograd.randn(2, 3, 8, 8), 2, 2).shape)
        (2, 3, 4, 4)
    """
    x = as_var(input)
    kh, kw = ntuple(kernel_size, 2, "kernel_size")
    if norm_type == float("inf"):
        out: Variable = max_pool2d(x.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return out
    if norm_type == -float("inf"):
        out = -max_pool2d(-x.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return out
    pooled = avg_pool2d(x**norm_type, kernel_size, stride, 0, ceil_mode)
    return _finish(pooled, kh * kw, norm_type)
