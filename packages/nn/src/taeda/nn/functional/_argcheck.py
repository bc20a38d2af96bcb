"""PyTorch's ``TypeError`` for a non-Tensor argument, raised on the error path only (private).

The functional kernels read ``.array`` / ``.device`` of their arguments without checking their types first; when
that fails with ``AttributeError`` the caller's ``except`` clause calls :func:`raise_if_not_tensor`, which turns
the failure into PyTorch's message (``linear(): argument 'input' (position 1) must be Tensor, not numpy.ndarray``)
or returns so that a genuine ``AttributeError`` propagates unchanged. The hot path pays nothing (a ``try`` block
is free on Python 3.11+).
"""

from __future__ import annotations

from typing import Any

from taeda.autograd import Variable
from taeda.tensor import Tensor

__all__ = ["raise_if_not_tensor", "type_name"]


def type_name(obj: Any) -> str:
    """The type name PyTorch prints: ``numpy.ndarray`` for NumPy/CuPy types, the bare name otherwise."""
    t = type(obj)
    mod = t.__module__.split(".", 1)[0]
    return f"{mod}.{t.__qualname__}" if mod in ("numpy", "cupy") else t.__qualname__


def raise_if_not_tensor(fname: str, names: tuple[str, ...], args: tuple[Any, ...], optional: int = 0) -> None:
    """Raise ``TypeError`` naming the first of ``args`` that is not a Tensor or Variable (the last ``optional``
    ones may also be None); return normally when every argument is acceptable.

    Example::

        >>> raise_if_not_tensor("linear", ("input", "weight"), (np.ones(3), w))
        Traceback (most recent call last):
        TypeError: linear(): argument 'input' (position 1) must be Tensor, not numpy.ndarray
    """
    first_optional = len(args) - optional
    for i, (name, a) in enumerate(zip(names, args)):
        if isinstance(a, (Tensor, Variable)) or (a is None and i >= first_optional):
            continue
        raise TypeError(f"{fname}(): argument '{name}' (position {i + 1}) must be Tensor, not {type_name(a)}")
