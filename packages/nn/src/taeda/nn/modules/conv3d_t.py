"""``ConvTranspose3d``: the 3-D member of the transposed-convolution layers (PyTorch's signature and repr)."""

from __future__ import annotations

from taeda.nn.functional._conv3d_t import conv_transpose3d
from taeda.nn.modules.conv import _ConvTranspose

__all__ = ["ConvTranspose3d"]


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution over ``(N, C_in, D, H, W)``; weight ``(C_in, C_out/groups, kD, kH, kW)``.

    Example::

        >>> ConvTranspose3d(16, 33, 3, stride=2)
        ConvTranspose3d(16, 33, kernel_size=(3, 3, 3), stride=(2, 2, 2))
    """

    _dims = 3
    _fn = staticmethod(conv_transpose3d)
