"""Exceptions raised by taeda.tensor."""

from __future__ import annotations

__all__ = ["DeviceMismatchError"]


class DeviceMismatchError(TypeError):
    """Raised when one operation mixes tensors on different devices.

    Example:
        >>> issubclass(DeviceMismatchError, TypeError)
        True
    """
