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
