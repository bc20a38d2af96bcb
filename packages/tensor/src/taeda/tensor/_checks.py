"""Argument checks shared by the ops: dims, shapes and devices, with PyTorch's error messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from taeda.tensor._errors import DeviceMismatchError

__all__ = ["norm_dim", "norm_dims", "broadcast_error", "broadcast_shapes", "check_same_device", "device_name"]


def norm_dim(dim: Any, ndim: int) -> int:
    """``dim`` as a non-negative index for a tensor of ``ndim`` dims (0-d tensors accept -1 and 0).

    Raises ``IndexError("Dimension out of range (expected to be in range of [-2, 1], but got 3)")``.
    """
    n = ndim if ndim > 0 else 1
    try:
        d: int = dim.__index__()
    except AttributeError:
        raise TypeError(f"dim must be an int, got {type(dim).__name__}") from None
    if d < -n or d >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d + n if d < 0 else d


def norm_dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """A dim or a sequence of dims, normalised and checked for repeats."""
    if isinstance(dim, (list, tuple)):
        out = tuple(norm_dim(d, ndim) for d in dim)
        if len(set(out)) != len(out):
            raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
        return out
    return (norm_dim(dim, ndim),)


def broadcast_error(sa: Sequence[int], sb: Sequence[int]) -> RuntimeError | None:
    """PyTorch's error for shapes that do not broadcast, or None when they do."""
    n = max(len(sa), len(sb))
    for i in range(1, n + 1):
        da = sa[-i] if i <= len(sa) else 1
        db = sb[-i] if i <= len(sb) else 1
        if da != db and 1 not in (da, db):
            return RuntimeError(
                f"The size of tensor a ({da}) must match the size of tensor b ({db}) at non-singleton dimension {n - i}"
            )
    return None


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The broadcast shape of several shapes, raising PyTorch's error when they do not broadcast.

    Example:
        >>> broadcast_shapes((2, 1), (3,))
        (2, 3)
    """
    out: tuple[int, ...] = ()
    for s in shapes:
        err = broadcast_error(out, s)
        if err is not None:
            raise err
        out = tuple(np.broadcast_shapes(out, tuple(s)))
    return out


def device_name(arr: Any) -> str:
    if isinstance(arr, (np.ndarray, np.generic)):
        return "cpu"
    dev = getattr(arr, "device", None)
    return f"cuda:{getattr(dev, 'id', 0)}"


def check_same_device(*arrays: Any) -> None:
    """Raise ``DeviceMismatchError`` naming both devices when the arrays do not live on one device."""
    first: str | None = None
    for a in arrays:
        if not hasattr(a, "shape") or isinstance(a, np.generic):
            continue
        name = device_name(a)
        if first is None:
            first = name
        elif name != first:
            raise DeviceMismatchError(
                f"Expected all tensors to be on the same device, but found at least two devices, {first} and {name}!"
            )
