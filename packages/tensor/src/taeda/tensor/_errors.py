"""Exceptions raised by taeda.tensor."""

from __future__ import annotations

__all__ = ["DeviceMismatchError"]


class DeviceMismatchError(TypeError):
    """Raised when one operation mixes tensors on different devices.

    Example:
        >>> raise DeviceMismatchError("Expected all tensors to be on the same device, but found cpu and cuda:0")
        Traceback (most recent call last):
        ...
        taeda.tensor._errors.DeviceMismatchError: Expected all tensors to be on the same device, but found cpu and cuda:0
    """
