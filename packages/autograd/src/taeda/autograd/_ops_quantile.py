"""``quantile`` and ``nanquantile`` with PyTorch's gradient: its ``quantile`` sorts, gathers the order statistics
below and above each rank and ``lerp``s them, so the gradient goes back through the sort to the two input elements:
``g * (1 - w)`` to the one below and ``g * w`` to the one above (``w`` the interpolation weight; all of ``g`` to the
selected element for ``lower``/``higher``/``nearest``). Tied values are told apart by a stable sort, as PyTorch's CPU
sort does. A ``q`` that requires grad gets ``g * (above - below) * (n - 1)`` in ``linear`` mode (``n`` the count of
non-NaN values for ``nanquantile``; 0 where the rank was clamped) and nothing in the others, as
through PyTorch's composite; the second derivative through ``q`` is not implemented (it raises).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._grad_mode import _state
from taeda.autograd._util import BuiltinFunction, TensorLike


def _plan(a: Any, q: Any, dim: Any, interpolation: str, ignore_nan: bool) -> tuple[Any, ...]:
    """Indices (into the rows of ``a``, dim last) of the values below/above each rank, the weights, and for ``q``'s
    gradient the factor ``d rank / d q`` (None when ``q`` gets 0)."""
    arr = a.array
    xp = a.device.xp
    if dim is None:
        rows = arr.reshape(-1)
    else:
        d = dim % max(arr.ndim, 1)
        rows = xp.moveaxis(arr, d, -1) if arr.ndim else arr.reshape(1)
    n = rows.shape[-1]
    rows = rows.reshape(-1, n)  # (R, n)
    dt = arr.dtype
    qa = q.array.reshape(-1) if isinstance(q, tt.Tensor) else xp.asarray([q], dtype=dt)
    order = xp.argsort(rows, axis=-1, kind="stable")  # NaN last, ties by position
    nan = xp.isnan(rows)
    if ignore_nan:
        valid = (~nan).sum(axis=-1, keepdims=True).astype(dt)
        raw = qa * (valid - 1)  # (R, Q)
        fixed = raw < 0  # clamped to 0: q gets no gradient there
        ranks = xp.where(fixed, xp.zeros((), dt), raw)
        factor = xp.broadcast_to(valid - 1, raw.shape)
    else:
        last = xp.asarray(n - 1, dtype=dt)
        fixed = xp.broadcast_to(nan.any(axis=-1, keepdims=True), (rows.shape[0], qa.shape[0]))
        ranks = xp.where(fixed, last, qa * last)
        factor = xp.broadcast_to(last, ranks.shape)
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.round(ranks)
    below = ranks.astype(np.int64)
    ib = xp.take_along_axis(order, below, axis=-1)
    if interpolation not in ("linear", "midpoint"):
        return ib, None, None, None
    ia = xp.take_along_axis(order, xp.ceil(ranks).astype(np.int64), axis=-1)
    w = xp.full(ranks.shape, 0.5, dtype=dt) if interpolation == "midpoint" else (ranks - below).astype(dt)
    dq = None
    if interpolation == "linear":
        with np.errstate(invalid="ignore"):
            diff = xp.take_along_axis(rows, ia, axis=-1) - xp.take_along_axis(rows, ib, axis=-1)
            dq = xp.where(fixed, xp.zeros((), dt), factor * diff)
    return ib, ia, w, dq


class Quantile(BuiltinFunction):
    """``quantile``/``nanquantile(input, q, dim, keepdim, interpolation)``."""

    @staticmethod
    def forward(ctx: Any, a: Any, q: Any, dim: Any, keepdim: bool, interpolation: str, ignore_nan: bool) -> Any:
        fn = tt.nanquantile if ignore_nan else tt.quantile
        y = fn(a, q, dim, keepdim, interpolation=interpolation)
        if not any(ctx.needs_input_grad[:2]):
            return y
        ib, ia, w, dq = _plan(a, q, dim, interpolation, ignore_nan)
        wrap = tt.as_tensor
        ctx.save_for_backward(
            wrap(ib), None if ia is None else wrap(ia), None if w is None else wrap(w), None if dq is None else wrap(dq)
        )
        ctx.info = (tuple(a.shape), dim, isinstance(q, tt.Tensor) and q.ndim == 1, int(ib.shape[-1]))
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, ...]:
        ib, ia, w, dq = ctx.saved_tensors
        shape, dim, vector_q, nq = ctx.info
        na, nq_grad = ctx.needs_input_grad[:2]
        rows = int(ib.shape[0])
        gq = g.reshape(nq, rows).mT if vector_q else g.reshape(rows, 1)  # (R, Q)
        ga = gqv = None
        if na:
            n = int(math.prod(shape)) // rows if rows else 0
            if dim is not None and shape:
                d = dim % len(shape)
                n = shape[d]
            acc = g.new_zeros((rows, n))
            if ia is None:
                acc = acc.scatter_add(1, ib, gq)
            else:
                acc = acc.scatter_add(1, ib, gq * (1 - w)).scatter_add(1, ia, gq * w)
            if dim is None or not shape:
                ga = acc.reshape(shape)
            else:
                rest = shape[:d] + shape[d + 1 :]
                ga = acc.reshape((*rest, n)).movedim(-1, d)
        if nq_grad and dq is not None:  # only linear interpolation depends on q (through its weights)
            if _state.enabled:
                raise NotImplementedError(
                    "the second derivative of quantile with a q that requires grad is not implemented in taeda.autograd"
                )
            s = (gq * dq).sum(0)
            gqv = s if vector_q else s.reshape(())
        return ga, gqv, None, None, None, None
