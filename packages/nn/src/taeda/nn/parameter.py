"""``Parameter``: a ``Variable`` that a ``Module`` registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Variable):
    """A ``Variable`` that requires grad by default and is registered when assigned to a ``Module`` attribute.

    Example::

        >>> p = Parameter(taeda.tensor.zeros(2))
        >>> p.requires_grad
        True
    """

    def __init__(self, data: Tensor | Variable | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = tt.empty(0)
        elif isinstance(data, Variable):
            data = data.data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        r = repr(self.data)
        if self.requires_grad and r.endswith(")"):
            r = r[:-1] + ", requires_grad=True)"
        return "Parameter containing:\n" + r

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            found: Parameter = memo[id(self)]
            return found
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (type(self), (self.data, self.requires_grad))
