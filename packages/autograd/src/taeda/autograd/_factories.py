"""Factories returning Variables, for code written against PyTorch >= 0.4 where tensors carry ``requires_grad``.

Each takes the arguments of the ``taeda.tensor`` function of the same name plus ``requires_grad=False``.
"""

from __future__ import annotations

from typing import Any

import taeda.tensor as tt
from taeda.autograd._variable import Variable


def _plain(x: Any) -> Any:
    return x.data if isinstance(x, Variable) else x


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """A Variable holding a copy of ``data``.

    Example::

        >>> w = tensor([1.0, 2.0], requires_grad=True)
    """
    if isinstance(data, Variable):
        data = data.data
    return Variable(tt.tensor(data, dtype=dtype, device=device), requires_grad=requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """``taeda.tensor.zeros`` as a Variable. Example: ``zeros(2, 3, requires_grad=True)``."""
    return Variable(tt.zeros(*size, dtype=dtype, device=device), requires_grad=requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """``taeda.tensor.ones`` as a Variable. Example: ``ones(2, 3, requires_grad=True)``."""
    return Variable(tt.ones(*size, dtype=dtype, device=device), requires_grad=requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """``taeda.tensor.empty`` as a Variable. Example: ``empty(4, requires_grad=True)``."""
    return Variable(tt.empty(*size, dtype=dtype, device=device), requires_grad=requires_grad)


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """``taeda.tensor.full`` as a Variable. Example: ``full((2, 2), 0.5, requires_grad=True)``."""
    return Variable(tt.full(size, fill_value, dtype=dtype, device=device), requires_grad=requires_grad)


def eye(
    n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Variable:
    """``taeda.tensor.eye`` as a Variable. Example: ``eye(3, requires_grad=True)``."""
    return Variable(tt.eye(n, m, dtype=dtype, device=device), requires_grad=requires_grad)


def arange(
    start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Variable:
    """``taeda.tensor.arange`` as a Variable. Example: ``arange(0.0, 1.0, 0.25, requires_grad=True)``."""
    return Variable(tt.arange(start, end, step, dtype=dtype, device=device), requires_grad=requires_grad)


def rand(
    *size: Any, generator: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Variable:
    """``taeda.tensor.rand`` as a Variable. Example: ``rand(3, requires_grad=True)``."""
    return Variable(tt.rand(*size, generator=generator, dtype=dtype, device=device), requires_grad=requires_grad)


def randn(
    *size: Any, generator: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Variable:
    """``taeda.tensor.randn`` as a Variable. Example: ``randn(3, 4, requires_grad=True)``."""
    return Variable(tt.randn(*size, generator=generator, dtype=dtype, device=device), requires_grad=requires_grad)


def zeros_like(input: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """Zeros shaped like ``input`` (a Variable or Tensor). Example: ``zeros_like(w, requires_grad=True)``."""
    return Variable(tt.zeros_like(_plain(input), dtype=dtype, device=device), requires_grad=requires_grad)


def ones_like(input: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """Ones shaped like ``input``. Example: ``ones_like(w)``."""
    return Variable(tt.ones_like(_plain(input), dtype=dtype, device=device), requires_grad=requires_grad)


def empty_like(input: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """Uninitialised, shaped like ``input``. Example: ``empty_like(w)``."""
    return Variable(tt.empty_like(_plain(input), dtype=dtype, device=device), requires_grad=requires_grad)


def full_like(
    input: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Variable:
    """Filled with ``fill_value``, shaped like ``input``. Example: ``full_like(w, 0.1)``."""
    return Variable(tt.full_like(_plain(input), fill_value, dtype=dtype, device=device), requires_grad=requires_grad)


def rand_like(input: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """Uniform [0, 1) shaped like ``input``. Example: ``rand_like(w)``."""
    return Variable(tt.rand_like(_plain(input), dtype=dtype, device=device), requires_grad=requires_grad)


def randn_like(input: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Variable:
    """Standard normal shaped like ``input``. Example: ``randn_like(w)``."""
    return Variable(tt.randn_like(_plain(input), dtype=dtype, device=device), requires_grad=requires_grad)
