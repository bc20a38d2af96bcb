"""``ConvTranspose3d``: the 3-D member of the transposed-convolution layers (PyTorch's signature and repr)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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

    def _output_padding(self, input: Any, output_size: Sequence[int] | None) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        d = 3
        non_spatial = 2 if input.dim() == d + 2 else 1
        size = list(output_size)
        if len(size) == non_spatial + d:
            size = size[non_spatial:]
        if len(size) != d:
            raise ValueError(
                f"ConvTranspose{d}D: for {input.dim()}D input, output_size must have {d} or {non_spatial + d} "
                f"elements (got {len(size)})"
            )
        assert not isinstance(self.padding, str)
        lo = [
            (int(input.shape[i + non_spatial]) - 1) * self.stride[i]
            - 2 * self.padding[i]
            + self.dilation[i] * (self.kernel_size[i] - 1)
            + 1
            for i in range(d)
        ]
        hi = [lo[i] + self.stride[i] - 1 for i in range(d)]
        for i in range(d):
            if not lo[i] <= int(size[i]) <= hi[i]:
                shown = tuple(output_size)[-d:] if isinstance(output_size, tuple) else size
                raise ValueError(
                    f"requested an output size of {shown}, but valid sizes range from {lo} to {hi} (for an input of "
                    f"{input.shape[2:]})"
                )
        return tuple(int(size[i]) - lo[i] for i in range(d))
