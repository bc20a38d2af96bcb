"""In-place activations ``relu_ elu_ selu_ celu_ leaky_relu_ hardtanh_ threshold_`` (PyTorch's functional names).

Each writes the activation into its input and returns that same object. A Tensor, or a Variable under ``no_grad``
or not requiring grad, is simply overwritten. A Variable in a graph is computed out of place on a clone (so the
values the activation saves for its backward are not the ones being overwritten) and written back with a recorded
``input[...] = result``: the input then carries the activation's history, and a leaf that requires grad raises
PyTorch's "a leaf Variable that requires grad is being used in an in-place operation." error.

As in PyTorch, ``leaky_relu_`` with a negative slope and ``elu_``/``celu_`` with a negative alpha may run forward,
but a backward through them raises (their in-place derivative would be computed from the result).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from taeda.autograd import Variable, is_grad_enabled
from taeda.nn.functional import _activation as A
from taeda.nn.functional._argcheck import raise_if_not_tensor
from taeda.nn.functional._util import TensorLike
from taeda.tensor import Tensor

__all__ = ["celu_", "elu_", "hardtanh_", "leaky_relu_", "relu_", "selu_", "threshold_"]

T = TypeVar("T", bound=TensorLike)

_NEG_LEAKY = (
    "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. This is "
    "caused by calling in-place forward function with a negative slope, please call out-of-place version instead. "
    "File an issue at https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu backward "
    "calculation with negative slope"
)
_NEG_ELU = (
    "In-place elu backward calculation is triggered with a negative slope which is not supported. This is caused "
    "by calling in-place forward function with a negative slope, please call out-of-place version instead."
)


def _refuse(message: str) -> Callable[[Any], Any]:
    def hook(grad: Any) -> Any:
        raise RuntimeError(message)

    return hook


def _inplace(name: str, input: T, fn: type[Any], params: tuple[Any, ...], refuse: str | None = None) -> T:
    if not isinstance(input, Variable):
        if not isinstance(input, Tensor):
            raise_if_not_tensor(name, ("input",), (input,))
        y = A._apply(fn, input, *params)
        input[...] = y.data
        return input
    if is_grad_enabled() and input.requires_grad:
        y = A._apply(fn, input.clone(), *params)
        if refuse is not None:
            y.register_hook(_refuse(refuse))
    else:
        y = A._apply(fn, input, *params)
    input[...] = y
    return input


def relu_(input: T) -> T:
    """In-place :func:`relu`; returns ``input``. Example: ``F.relu_(x)``."""
    return _inplace("relu_", input, A.ReLU, ())


def threshold_(input: T, threshold: float, value: float) -> T:
    """In-place :func:`threshold`; returns ``input``. Example: ``F.threshold_(x, 0.1, 20.0)``."""
    return _inplace("threshold_", input, A.Threshold, (threshold, value))


def leaky_relu_(input: T, negative_slope: float = 0.01) -> T:
    """In-place :func:`leaky_relu`; returns ``input``. Example: ``F.leaky_relu_(x, 0.2)``."""
    return _inplace("leaky_relu_", input, A.LeakyReLU, (negative_slope,), _NEG_LEAKY if negative_slope < 0 else None)


def hardtanh_(input: T, min_val: float = -1.0, max_val: float = 1.0) -> T:
    """In-place :func:`hardtanh` (clamp to ``[min_val, max_val]``); returns ``input``. Example: ``F.hardtanh_(x)``."""
    return _inplace("hardtanh_", input, A.Hardtanh, (min_val, max_val))


def elu_(input: T, alpha: float = 1.0) -> T:
    """In-place :func:`elu`; returns ``input``. Example: ``F.elu_(x)``."""
    return _inplace("elu_", input, A.ELU, (alpha, 1.0, 1.0), _NEG_ELU if alpha < 0 else None)


def selu_(input: T) -> T:
    """In-place :func:`selu`; returns ``input``. Example: ``F.selu_(x)``."""
    return _inplace("selu_", input, A.ELU, (A._SELU_ALPHA, A._SELU_SCALE, 1.0))


def celu_(input: T, alpha: float = 1.0) -> T:
    """In-place :func:`celu`; returns ``input``. Example: ``F.celu_(x, 2.0)``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _inplace("celu_", input, A.ELU, (alpha, 1.0, 1.0 / alpha), _NEG_ELU if alpha < 0 else None)
