"""``RReLU``: the randomized leaky ReLU layer (PyTorch's arguments and repr)."""

from __future__ import annotations

from typing import Any

from taeda.autograd import Variable
from taeda.nn.functional._rrelu import rrelu
from taeda.nn.modules.module import Module

__all__ = ["RReLU"]


class RReLU(Module):
    """x for x > 0, ``a * x`` otherwise: ``a ~ U(lower, upper)`` per element in training mode, ``(lower + upper) / 2``
    in evaluation mode.

    Example::

        >>> RReLU(0.1, 0.3)
        RReLU(lower=0.1, upper=0.3)
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace_str}"
