"""Small helpers shared by nn's functional kernels (private)."""

from __future__ import annotations

from typing import Any

import numpy as _np

import taeda.tensor as tt
from taeda.autograd import Function, Variable
from taeda.tensor import Tensor

Array = Any
TensorLike = Tensor | Variable


class Kernel(Function):
    """Base of nn's array-level ``Function``s. Their forwards compute on arrays only and their backwards return
    freshly allocated gradients, which autograd's ``_builtin`` flag lets the engine adopt without a copy."""

    _builtin = True


_REDUCTIONS = ("none", "mean", "sum")


def data_of(x: TensorLike) -> Tensor:
    """The Tensor behind ``x`` (``x.data`` for a Variable, ``x`` itself for a Tensor)."""
    return x.data if isinstance(x, Variable) else x


def arr(x: TensorLike) -> Array:
    """The ndarray behind ``x`` (no copy)."""
    return (x.data if isinstance(x, Variable) else x).array


def xp_of(x: TensorLike) -> Any:
    """The array module (NumPy or CuPy) of ``x``'s data."""
    return (x.data if isinstance(x, Variable) else x).device.xp


def weighted(loss: Variable, weight: TensorLike | None) -> Variable:
    """``loss * weight``, or ``loss`` when there is no weight (the losses' elementwise ``weight`` argument)."""
    return loss if weight is None else loss * weight


def where(xp: Any, c: Array, x: Any, y: Any) -> Array:
    """``xp.where(c, x, y)`` on arrays (or numbers), in the dtype of the array operands, for nn's kernels.

    NOTE: NumPy's ``where`` branches per element; on a data-dependent mask such as ``a > 0`` it runs at about
    4.5 ns per element. From 2048 elements, NumPy data go through ``taeda.tensor.where``, which selects without
    branching (4-8x faster there).
    """
    if xp is _np and c.size >= 2048:
        return tt.where(tt.as_tensor(c), _tensor_or_number(x), _tensor_or_number(y)).array
    return xp.where(c, x, y)


def _tensor_or_number(v: Any) -> Any:
    return tt.as_tensor(v) if isinstance(v, _np.ndarray) else v


def wrap(a: Array) -> Tensor:
    """Wrap an ndarray as a Tensor without copying."""
    return tt.as_tensor(a)


def as_var(x: TensorLike) -> Variable:
    """``x`` as a Variable (a Tensor is wrapped without requiring grad)."""
    return x if isinstance(x, Variable) else Variable(x)


def check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def reduce(loss: Variable, reduction: str) -> Variable:
    """Apply a loss reduction ``'none' | 'mean' | 'sum'`` to an elementwise loss."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """Translate the deprecated ``size_average``/``reduce`` flags into a ``reduction`` string, as PyTorch does."""
    if size_average is None and reduce is None:
        return reduction
    sa = True if size_average is None else size_average
    rd = True if reduce is None else reduce
    if not rd:
        return "none"
    return "mean" if sa else "sum"


def sum_to(a: Array, shape: tuple[int, ...]) -> Array:
    """Sum the broadcast dimensions of ``a`` away so that it has ``shape``."""
    if tuple(a.shape) == tuple(shape):
        return a
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and a.shape[i + lead] != 1)
    out = a.sum(axis=axes, keepdims=True) if axes else a
    if lead:
        out = out.reshape(out.shape[lead:])
    return out.reshape(shape)


def scatter_add(xp: Any, target: Array, index: Any, values: Array) -> None:
    """``target[index] += values`` with repeated indices accumulated (``ufunc.at`` on NumPy, ``cupyx.scatter_add``
    on CuPy when its ufuncs lack ``at``)."""
    if xp is _np and isinstance(index, _np.ndarray) and index.ndim == 1:
        # a row index: taeda.tensor's index_add_ (one sparse product over the distinct rows on NumPy data)
        tt.as_tensor(target).index_add_(0, tt.as_tensor(index), tt.as_tensor(values))
        return
    at = getattr(xp.add, "at", None)
    if at is not None:
        at(target, index, values)
        return
    # NOTE: CuPy >= 12.1 provides ``add.at`` (cupyx.scatter_add semantics); older CuPy is not supported.
    raise TypeError(f"{type(target).__module__}.add has no .at: CuPy >= 12.1 is required")
