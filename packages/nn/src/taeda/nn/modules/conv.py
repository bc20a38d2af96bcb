"""Convolution layers: ``Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d`` with PyTorch's initialisation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn import init
from taeda.nn.functional._conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    ntuple,
)
from taeda.nn.functional._padding import pad
from taeda.nn.modules.module import Module
from taeda.nn.parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]

IntOrInts = int | Sequence[int]
_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


class _ConvNd(Module):
    _dims = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrInts,
        stride: IntOrInts = 1,
        padding: str | IntOrInts = 0,
        dilation: IntOrInts = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        output_padding: IntOrInts = 0,
    ) -> None:
        super().__init__()
        d = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {sorted(_PADDING_MODES)}, but got padding_mode='{padding_mode}'"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ntuple(kernel_size, d, "kernel_size")
        self.stride = ntuple(stride, d, "stride")
        self.dilation = ntuple(dilation, d, "dilation")
        self.padding: str | tuple[int, ...]
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(padding, d, "padding")
        self.output_padding = ntuple(output_padding, d, "output_padding")
        self.groups = groups
        self.padding_mode = padding_mode
        self.transposed = self._transposed
        # F.pad order: (left_last, right_last, left_2nd_last, ...)
        rev: list[int] = [0, 0] * d
        if self.padding == "same":
            for i, (dl, k) in enumerate(zip(self.dilation, self.kernel_size)):
                total = dl * (k - 1)
                j = d - 1 - i
                rev[2 * j], rev[2 * j + 1] = total // 2, total - total // 2
        elif not isinstance(self.padding, str):
            for i, p in enumerate(self.padding):
                j = d - 1 - i
                rev[2 * j] = rev[2 * j + 1] = p
        self._reversed_padding_repeated_twice = tuple(rev)
        if self._transposed:
            wshape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            wshape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(tt.empty(*wshape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(tt.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) weights, bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            w = self.weight
            fan_in = int(w.shape[1]) * math.prod(int(k) for k in w.shape[2:])
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        d = self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * d:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * d:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * d:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    _fn: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrInts,
        stride: IntOrInts = 1,
        padding: str | IntOrInts = 0,
        dilation: IntOrInts = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, device, dtype
        )

    def _conv_forward(self, input: Any, weight: Any, bias: Any) -> Variable:
        fn = type(self)._fn
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(padded, weight, bias, self.stride, 0, self.dilation, self.groups)  # type: ignore[no-any-return]
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)  # type: ignore[no-any-return]

    def forward(self, input: Any) -> Variable:
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over ``(N, C_in, L)``; weight ``(C_out, C_in/groups, k)``.

    Example::

        >>> Conv1d(16, 33, 3, stride=2)
        Conv1d(16, 33, kernel_size=(3,), stride=(2,))
    """

    _dims = 1
    _fn = staticmethod(conv1d)


class Conv2d(_Conv):
    """2-D convolution over ``(N, C_in, H, W)``; weight ``(C_out, C_in/groups, kH, kW)``.

    Example::

        >>> Conv2d(1, 6, 5)
        Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
    """

    _dims = 2
    _fn = staticmethod(conv2d)


class Conv3d(_Conv):
    """3-D convolution over ``(N, C_in, D, H, W)``; weight ``(C_out, C_in/groups, kD, kH, kW)``.

    Example::

        >>> Conv3d(4, 8, 3, padding=1)
        Conv3d(4, 8, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))
    """

    _dims = 3
    _fn = staticmethod(conv3d)


class _ConvTranspose(_ConvNd):
    _transposed = True
    _fn: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrInts,
        stride: IntOrInts = 1,
        padding: IntOrInts = 0,
        output_padding: IntOrInts = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntOrInts = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__} does not support string padding")
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            output_padding,
        )

    def _output_padding(self, input: Any, output_size: Sequence[int] | None) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        d = self._dims
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
        # PyTorch's wording: every dimension's bounds, and the requested size as it was given
        for i in range(d):
            if not lo[i] <= int(size[i]) <= hi[i]:
                shown = tuple(output_size)[-d:] if isinstance(output_size, tuple) else size
                raise ValueError(
                    f"requested an output size of {shown}, but valid sizes range from {lo} to {hi} (for an input of "
                    f"{input.shape[2:]})"
                )
        return tuple(int(size[i]) - lo[i] for i in range(d))

    def forward(self, input: Any, output_size: Sequence[int] | None = None) -> Variable:
        op = self._output_padding(input, output_size)
        fn = type(self)._fn
        return fn(  # type: ignore[no-any-return]
            input, self.weight, self.bias, self.stride, self.padding, op, self.groups, self.dilation
        )


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution over ``(N, C_in, L)``; weight ``(C_in, C_out/groups, k)``.

    Example::

        >>> ConvTranspose1d(16, 33, 3, stride=2)
        ConvTranspose1d(16, 33, kernel_size=(3,), stride=(2,))
    """

    _dims = 1
    _fn = staticmethod(conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution over ``(N, C_in, H, W)``; weight ``(C_in, C_out/groups, kH, kW)``.

    Example::

        >>> ConvTranspose2d(16, 33, 3, stride=2)
        ConvTranspose2d(16, 33, kernel_size=(3, 3), stride=(2, 2))
    """

    _dims = 2
    _fn = staticmethod(conv_transpose2d)
