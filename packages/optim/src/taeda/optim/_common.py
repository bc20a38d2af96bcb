"""Small array helpers shared by the per-tensor update functions."""

from __future__ import annotations

from taeda.optim._types import Array, ArrayModule


def effective_grad(
    xp: ArrayModule, param: Array, grad: Array, weight_decay: float, maximize: bool, out: Array
) -> Array:
    """``(-grad if maximize else grad) + weight_decay * param``; written to ``out`` only when it is not ``grad``."""
    if weight_decay != 0:
        xp.multiply(param, weight_decay, out=out)
        if maximize:
            xp.subtract(out, grad, out=out)
        else:
            xp.add(out, grad, out=out)
        return out
    if maximize:
        return xp.negative(grad, out=out)  # type: ignore[no-any-return]
    return grad


def ema_(xp: ArrayModule, avg: Array, value: Array, beta: float, tmp: Array) -> None:
    """``avg = beta * avg + (1 - beta) * value`` in place (``tmp`` is scratch)."""
    avg *= beta
    xp.multiply(value, 1 - beta, out=tmp)
    avg += tmp


def ema_sq_(xp: ArrayModule, avg: Array, value: Array, beta: float, tmp: Array) -> None:
    """``avg = beta * avg + (1 - beta) * value**2`` in place (``tmp`` is scratch)."""
    avg *= beta
    xp.multiply(value, value, out=tmp)
    tmp *= 1 - beta
    avg += tmp


def lerp_(xp: ArrayModule, start: Array, end: Array, weight: float, out: Array, tmp: Array) -> None:
    """``out = start + weight * (end - start)`` with PyTorch's ``lerp`` rounding (``tmp`` is scratch).

    For ``|weight| >= 0.5`` the value is computed from ``end`` (``end - (end - start) * (1 - weight)``), as
    PyTorch's kernel does; ``out`` may be ``start``.
    """
    xp.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        xp.add(start, tmp, out=out)
    else:
        tmp *= 1 - weight
        xp.subtract(end, tmp, out=out)
