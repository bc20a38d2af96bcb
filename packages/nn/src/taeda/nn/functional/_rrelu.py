"""Randomized leaky ReLU (``rrelu``): in training each non-positive element gets its own slope drawn from
``U(lower, upper)`` with taeda.tensor's global generator; in evaluation the slope is ``(lower + upper) / 2``."""

from __future__ import annotations

import taeda.tensor as tt
from taeda.autograd import Variable, is_grad_enabled
from taeda.nn.functional._activation import leaky_relu
from taeda.nn.functional._argcheck import raise_if_not_tensor
from taeda.nn.functional._util import TensorLike, as_var, data_of

__all__ = ["rrelu", "rrelu_"]


def rrelu(
    input: TensorLike,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Variable:
    """x for x > 0, ``a * x`` otherwise, with ``a ~ U(lower, upper)`` per element while ``training`` and
    ``a = (lower + upper) / 2`` in evaluation. The gradient uses the same slopes (``inplace`` is accepted for
    PyTorch compatibility; the result is a new Variable).

    Example::

        >>> F.rrelu(x, training=True)
    """
    raise_if_not_tensor("rrelu", ("input",), (input,))
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    x = data_of(input)
    xp = x.device.xp
    a = x.array
    u = tt.rand(*a.shape, dtype=x.dtype, device=x.device).array
    u *= upper - lower
    u += lower
    slopes = xp.where(a <= 0, u, xp.asarray(1, dtype=a.dtype))
    out: Variable = as_var(input) * tt.as_tensor(slopes)
    return out


def rrelu_(input: TensorLike, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> TensorLike:
    """In-place :func:`rrelu`: writes the result into ``input`` and returns it (a leaf that requires grad raises
    PyTorch's in-place error; in a graph the op is recorded).

    Example::

        >>> F.rrelu_(x)
    """
    raise_if_not_tensor("rrelu_", ("input",), (input,))
    recorded = isinstance(input, Variable) and is_grad_enabled() and input.requires_grad
    # NOTE: computed from a clone in a graph: the product saves its input, which the write would overwrite
    y = rrelu(input.clone() if recorded else input, lower, upper, training)
    if isinstance(input, Variable):
        input[...] = y
    else:
        input[...] = y.data
    return input
