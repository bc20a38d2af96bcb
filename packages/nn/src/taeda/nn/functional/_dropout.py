"""Dropout family: masks drawn from taeda.tensor's global generator, applied with differentiable products."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._kern_runtime import split_batch
from taeda.nn.functional._util import TensorLike, as_var, data_of
from taeda.tensor import Tensor

__all__ = ["alpha_dropout", "dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


_SPLIT_MIN = 1 << 18  # mask entries from which the uniforms are drawn as two streams on two threads


def _uniforms(x: Tensor, shape: tuple[int, ...]) -> Any:
    """Uniform [0, 1) samples of ``shape`` in ``x``'s dtype and device, determined by taeda.tensor's generator.

    NOTE: NumPy draws about 1.8 ns per float32 on one core: 7.5 ms for an attention mask of 4M entries. Large
    float masks on NumPy are drawn as two halves from two PCG64 streams seeded by two draws from the global
    generator, on two threads when the kernel threads are on (3.8 ms) and one after the other when they are off:
    the same values either way, so ``tt.manual_seed`` still fixes every mask.
    """
    n = math.prod(shape)
    dt = x.array.dtype
    if x.device.xp is not np or n < _SPLIT_MIN or dt not in (np.float32, np.float64):
        return tt.rand(*shape, dtype=x.dtype, device=x.device).array
    seeds = [int(s) for s in tt.randint(0, 1 << 62, (2,)).tolist()]
    out = np.empty(n, dt)
    half = n // 2

    def part(start: int, stop: int, _: int) -> None:
        for i in range(start, stop):
            lo, hi = (0, half) if i == 0 else (half, n)
            np.random.Generator(np.random.PCG64(seeds[i])).random(hi - lo, dtype=dt, out=out[lo:hi])

    split_batch(part, 2, np, 8 * n)
    return out.reshape(shape)


def keep_mask(x: Tensor, shape: tuple[int, ...], p: float, scale: bool = False) -> Tensor:
    """A mask in ``x``'s dtype where each entry is kept (1, or ``1/(1-p)`` with ``scale``) with probability
    ``1 - p`` and dropped (0) otherwise, for 0 <= p <= 1."""
    if p >= 1.0:
        return tt.zeros(*shape, dtype=x.dtype, device=x.device)
    u = _uniforms(x, shape)
    keep = x.device.xp.greater_equal(u, p, out=u)  # in place: the uniforms (in x's dtype) become the mask
    if scale:
        keep *= 1.0 / (1.0 - p)
    return tt.as_tensor(keep)


def _feature_shape(x: Tensor, batched_ndim: int) -> tuple[int, ...]:
    shape = tuple(x.shape)
    if len(shape) == batched_ndim:
        return shape[:2] + (1,) * (batched_ndim - 2)
    if len(shape) == batched_ndim - 1:
        return shape[:1] + (1,) * (batched_ndim - 2)
    raise RuntimeError(
        f"dropout{batched_ndim - 2}d: Expected {batched_ndim - 1}D or {batched_ndim}D input, but received a "
        f"{len(shape)}D input"
    )


def _scaled_dropout(input: TensorLike, shape: tuple[int, ...], p: float) -> Variable:
    x = data_of(input)
    if p == 1.0:
        return as_var(input) * 0.0
    mask = keep_mask(x, shape, p, scale=True)
    out: Variable = as_var(input) * mask
    return out


def dropout(input: TensorLike, p: float = 0.5, training: bool = True, inplace: bool = False) -> Variable:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) while ``training``.

    Example::

        >>> F.dropout(x, 0.2, training=model.training)
    """
    _check_p(p)
    if not training or p == 0.0:
        return as_var(input)
    return _scaled_dropout(input, tuple(input.shape), p)


def dropout1d(input: TensorLike, p: float = 0.5, training: bool = True, inplace: bool = False) -> Variable:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p``."""
    _check_p(p)
    if not training or p == 0.0:
        return as_var(input)
    return _scaled_dropout(input, _feature_shape(data_of(input), 3), p)


def dropout2d(input: TensorLike, p: float = 0.5, training: bool = True, inplace: bool = False) -> Variable:
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability ``p``.

    Example::

        >>> F.dropout2d(feature_maps, 0.1)
    """
    _check_p(p)
    if not training or p == 0.0:
        return as_var(input)
    return _scaled_dropout(input, _feature_shape(data_of(input), 4), p)


def dropout3d(input: TensorLike, p: float = 0.5, training: bool = True, inplace: bool = False) -> Variable:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    _check_p(p)
    if not training or p == 0.0:
        return as_var(input)
    return _scaled_dropout(input, _feature_shape(data_of(input), 5), p)


def _alpha(input: TensorLike, shape: tuple[int, ...], p: float) -> Variable:
    x = data_of(input)
    if p == 1.0:
        return as_var(input) * 0.0
    keep = keep_mask(x, shape, p)
    a = 1.0 / (((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p)) ** 0.5)
    b = (keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p
    out: Variable = as_var(input) * (keep * a) + b
    return out


def alpha_dropout(input: TensorLike, p: float = 0.5, training: bool = False, inplace: bool = False) -> Variable:
    """Dropout that keeps the mean and variance of SELU activations (dropped values set to -alpha' then affinely
    corrected). Example: ``F.alpha_dropout(x, 0.1, training=True)``."""
    _check_p(p)
    if not training or p == 0.0:
        return as_var(input)
    return _alpha(input, tuple(input.shape), p)


def feature_alpha_dropout(input: TensorLike, p: float = 0.5, training: bool = False, inplace: bool = False) -> Variable:
    """Alpha dropout of whole channels."""
    _check_p(p)
    if not training or p == 0.0:
        return as_var(input)
    shape = tuple(input.shape)
    return _alpha(input, shape[:2] + (1,) * (len(shape) - 2), p)
