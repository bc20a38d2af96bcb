"""``parameters_to_vector`` and ``vector_to_parameters``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import taeda.tensor as tt
from taeda.autograd import Variable, no_grad

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Variable]) -> Variable:
    """Concatenate the flattened parameters into one 1-D Variable (differentiable).

    Example::

        >>> v = parameters_to_vector(model.parameters())
    """
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: expected a non-empty iterable of parameters (as torch.cat)")
    device = params[0].device
    for p in params:
        if p.device != device:
            raise TypeError(
                f"Found two parameters on different devices, this is currently not supported: {device} and {p.device}"
            )
    out = cast(Variable, tt.cat([p.reshape(-1) for p in params]))
    return out


def vector_to_parameters(vec: Variable | tt.Tensor, parameters: Iterable[Variable]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters' data (in place, no gradient recorded)."""
    data = vec.data if isinstance(vec, Variable) else vec
    if not isinstance(data, tt.Tensor):
        raise TypeError(f"expected Tensor or Variable, but got: {type(vec).__name__}")
    pointer = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.data.copy_(data[pointer : pointer + n].reshape(tuple(p.shape)))
            pointer += n
