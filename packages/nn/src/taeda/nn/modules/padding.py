"""Padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad``, ``CircularPad`` (1-3 D)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taeda.autograd import Variable
from taeda.nn.functional._padding import pad
from taeda.nn.modules.module import Module

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


def _pad_tuple(padding: int | Sequence[int], d: int) -> tuple[int, ...]:
    if isinstance(padding, int):
        return (padding,) * (2 * d)
    t = tuple(int(p) for p in padding)
    if len(t) != 2 * d:
        raise ValueError(f"expected padding to be a single integer or a tuple of {2 * d} integers, got {t}")
    return t


class _PadNd(Module):
    _dims = 2
    _mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _pad_tuple(padding, self._dims)

    def forward(self, input: Any) -> Variable:
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Any) -> Variable:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``. Example: ``ConstantPad1d(2, 3.5)(x)``."""

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``. Example: ``ConstantPad2d((1, 1, 2, 0), 3.5)(x)``."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``. Example: ``ConstantPad3d(1, 0.5)(x)``."""

    _dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dimension with zeros. Example: ``ZeroPad1d(2)(x)``."""

    _dims = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dimensions with zeros.

    Example::

        >>> ZeroPad2d(1)
        ZeroPad2d((1, 1, 1, 1))
    """

    _dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dimensions with zeros. Example: ``ZeroPad3d(1)(x)``."""

    _dims = 3


class ReflectionPad1d(_PadNd):
    """Reflect-pad the last dimension. Example: ``ReflectionPad1d(2)(x)``."""

    _dims = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Reflect-pad the last two dimensions.

    Example::

        >>> ReflectionPad2d(2)
        ReflectionPad2d((2, 2, 2, 2))
    """

    _dims = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Reflect-pad the last three dimensions. Example: ``ReflectionPad3d(1)(x)``."""

    _dims = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Replicate-pad the last dimension. Example: ``ReplicationPad1d(2)(x)``."""

    _dims = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Replicate-pad the last two dimensions.

    Example::

        >>> ReplicationPad2d((1, 1, 2, 0))
        ReplicationPad2d((1, 1, 2, 0))
    """

    _dims = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Replicate-pad the last three dimensions. Example: ``ReplicationPad3d(1)(x)``."""

    _dims = 3
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Circular-pad the last dimension. Example: ``CircularPad1d(2)(x)``."""

    _dims = 1
    _mode = "circular"


class CircularPad2d(_PadNd):
    """Circular-pad the last two dimensions. Example: ``CircularPad2d(1)(x)``."""

    _dims = 2
    _mode = "circular"


class CircularPad3d(_PadNd):
    """Circular-pad the last three dimensions. Example: ``CircularPad3d(1)(x)``."""

    _dims = 3
    _mode = "circular"
