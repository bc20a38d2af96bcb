"""``lp_pool3d``: 3-D power-average pooling with PyTorch's formula (as ``lp_pool1d``/``lp_pool2d``)."""

from __future__ import annotations

from collections.abc import Sequence

from taeda.autograd import Variable
from taeda.nn.functional._conv import ntuple
from taeda.nn.functional._lppool import _finish
from taeda.nn.functional._pool3d import avg_pool3d, max_pool3d
from taeda.nn.functional._util import TensorLike, as_var

__all__ = ["lp_pool3d"]

IntOrInts = int | Sequence[int]


def lp_pool3d(
    input: TensorLike,
    norm_type: float,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    ceil_mode: bool = False,
) -> Variable:
    """3-D power-average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``: ``(sum over the window of
    x**p) ** (1/p)``; ``p = inf`` is max pooling of ``|x|``. The gradient is zero where a window's sum is zero.

    Example::

        >>> tuple(F.lp_pool3d(taeda.autograd.randn(2, 3, 4, 4, 4), 2, 2).shape)
        (2, 3, 2, 2, 2)
    """
    x = as_var(input)
    kd, kh, kw = ntuple(kernel_size, 3, "kernel_size")
    if norm_type == float("inf"):
        out: Variable = max_pool3d(x.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return out
    if norm_type == -float("inf"):
        out = -max_pool3d(-x.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return out
    pooled = avg_pool3d(x**norm_type, kernel_size, stride, 0, ceil_mode)
    return _finish(pooled, kd * kh * kw, norm_type)
