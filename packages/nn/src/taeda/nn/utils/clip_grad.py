"""Gradient clipping: ``clip_grad_norm_``, ``clip_grads_with_norm_`` and ``clip_grad_value_`` (in place on
``p.grad``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.tensor import Tensor

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]


def _params(parameters: Variable | Iterable[Variable]) -> list[Variable]:
    if isinstance(parameters, Variable):
        return [parameters]
    return list(parameters)


def _grad_tensors(parameters: Variable | Iterable[Variable]) -> list[Tensor]:
    return [p.grad.data for p in _params(parameters) if p.grad is not None]


def _array(t: Tensor | Variable) -> Any:
    return (t.data if isinstance(t, Variable) else t).array


def _vector_norm(a: Any, norm_type: float) -> float:
    """``torch.linalg.vector_norm(a, norm_type)`` of one array as a float (``0`` counts the non-zeros), computed on
    the array's own device and in its own dtype: one pass, no float64 copy of a large gradient."""
    if a.size == 0:
        return math.inf if norm_type == -math.inf else 0.0
    xp = tt.get_array_module(a)
    if norm_type == 2.0:
        flat = a.ravel()
        return math.sqrt(float(xp.vdot(flat, flat).real))
    if norm_type == 0.0:
        return float(xp.count_nonzero(a))
    mag = xp.abs(a)
    if norm_type == math.inf:
        return float(mag.max())
    if norm_type == -math.inf:
        return float(mag.min())
    if norm_type == 1.0:
        return float(mag.sum())
    with np.errstate(divide="ignore", over="ignore"):
        return float(np.power(np.float64(float((mag**norm_type).sum())), 1.0 / norm_type))  # 0 ** -1 is inf


def get_total_norm(
    tensors: Tensor | Variable | Iterable[Tensor | Variable],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The ``norm_type``-norm of the per-tensor ``norm_type``-norms of ``tensors`` (as PyTorch; for ``p > 0`` the
    norm of all the tensors concatenated)."""
    ts = [tensors] if isinstance(tensors, (Tensor, Variable)) else list(tensors)
    norm_type = float(norm_type)
    if not ts:
        return tt.tensor(0.0)
    # the norm of the per-tensor norms (PyTorch's order; for p > 0 the norm of everything concatenated)
    total = _vector_norm(np.array([_vector_norm(_array(t), norm_type) for t in ts]), norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return tt.tensor(total, dtype=np.result_type(*(t.dtype for t in ts)))


def clip_grad_norm_(
    parameters: Variable | Iterable[Variable],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients in place so that their joint ``norm_type``-norm is at most ``max_norm``; returns the
    norm before clipping.

    Example::

        >>> loss.backward(); clip_grad_norm_(model.parameters(), 1.0); opt.step()
    """
    params = _params(parameters)
    total = get_total_norm(_grad_tensors(params), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grads_with_norm_(
    parameters: Variable | Iterable[Variable],
    max_norm: float,
    total_norm: Tensor | Variable | float,
    foreach: bool | None = None,
) -> None:
    """Scale all gradients in place by ``min(max_norm / (total_norm + 1e-6), 1)`` for a ``total_norm`` computed
    beforehand (e.g. by ``get_total_norm``, possibly over several parameter groups); a NaN norm makes the gradients
    NaN, as in PyTorch. ``foreach`` is accepted for PyTorch compatibility.

    Example::

        >>> grads = [p.grad.data for p in model.parameters() if p.grad is not None]
        >>> norm = get_total_norm(grads, 2.0)
        >>> clip_grads_with_norm_(model.parameters(), 1.0, norm)
    """
    grads = _grad_tensors(parameters)
    if not grads:
        return
    total = float(total_norm.item()) if isinstance(total_norm, (Tensor, Variable)) else float(total_norm)
    coef = float(max_norm) / (total + 1e-6)
    clamped = 1.0 if coef >= 1.0 else coef  # NaN stays NaN, as torch.clamp(coef, max=1.0)
    if clamped != 1.0:
        for g in grads:
            g.mul_(clamped)


def clip_grad_norm(
    parameters: Variable | Iterable[Variable], max_norm: float, norm_type: float = 2.0, **kwargs: Any
) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_``."""
    return clip_grad_norm_(parameters, max_norm, norm_type, **kwargs)


def clip_grad_value_(parameters: Variable | Iterable[Variable], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place. Example: ``clip_grad_value_(ps, 0.5)``."""
    v = float(clip_value)
    for g in _grad_tensors(parameters):
        g.clamp_(-v, v)
