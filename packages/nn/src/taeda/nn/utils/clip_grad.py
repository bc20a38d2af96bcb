"""Gradient clipping: ``clip_grad_norm_``, ``clip_grads_with_norm_`` and ``clip_grad_value_`` (in place on
``p.grad``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

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


def get_total_norm(
    tensors: Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach: bool | None = None
) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` taken together (as if concatenated)."""
    ts = list(tensors)
    norm_type = float(norm_type)
    if not ts:
        return tt.tensor(0.0)
    xp = ts[0].device.xp
    arrays = [t.array for t in ts]
    if norm_type == float("inf"):
        total = max(float(xp.abs(a).max()) if a.size else 0.0 for a in arrays)
    else:
        acc = 0.0
        for a in arrays:
            acc += float((xp.abs(a) ** norm_type).sum()) if norm_type != 2.0 else float(xp.vdot(a.ravel(), a.ravel()))
        total = acc ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return tt.tensor(total, dtype=ts[0].dtype)


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
    grads = _grad_tensors(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if not grads:
        return total
    coef = float(max_norm) / (float(total.item()) + 1e-6)
    if coef < 1.0:
        for g in grads:
            g.mul_(coef)
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
