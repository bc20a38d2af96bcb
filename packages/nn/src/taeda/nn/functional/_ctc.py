"""Connectionist temporal classification loss: log-space forward-backward over all sequences of the batch at once
(one vectorised step per time frame)."""

from __future__ import annotations

from typing import Any

import numpy as np

from taeda.autograd import Function, Variable, once_differentiable
from taeda.nn.functional._double import wants_graph
from taeda.nn.functional._util import Array, Kernel, TensorLike, check_reduction, data_of, scatter_add
from taeda.tensor import Tensor, as_tensor

__all__ = ["ctc_loss"]


def _lse(*xs: Array, xp: Any) -> Array:
    out = xs[0]
    for x in xs[1:]:
        out = xp.logaddexp(out, x)
    return out


def _shift(a: Array, k: int, xp: Any) -> Array:
    """Shift the last axis right by ``k`` (``k`` < 0: left), filling with -inf."""
    out = xp.full_like(a, -xp.inf)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CTC(Kernel):
    """Per-sequence negative log-likelihood of ``targets`` under frame-wise ``log_probs`` (T, N, C)."""

    @staticmethod
    def forward(
        ctx: Any, log_probs: Tensor, targets: Array, in_lens: Array, tgt_lens: Array, blank: int, zero_inf: bool
    ) -> Tensor:
        xp = log_probs.device.xp
        lp = log_probs.array
        steps, batch, _ = lp.shape
        smax = int(targets.shape[1]) if targets.size else 0
        width = 2 * smax + 1
        ext = xp.full((batch, width), blank, dtype=xp.int64)
        ext[:, 1::2] = targets
        lens = 2 * tgt_lens + 1
        skip = xp.zeros((batch, width), dtype=bool)
        if width > 2:
            skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        lpe = lp[:, xp.arange(batch)[:, None], ext]  # (T, N, L)
        neg = -xp.inf
        alpha = xp.full((steps, batch, width), neg, dtype=lp.dtype)
        alpha[0, :, 0] = lpe[0, :, 0]
        if width > 1:
            alpha[0, :, 1] = xp.where(tgt_lens > 0, lpe[0, :, 1], neg)
        with np.errstate(invalid="ignore"):
            for t in range(1, steps):
                a = alpha[t - 1]
                alpha[t] = _lse(a, _shift(a, 1, xp), xp.where(skip, _shift(a, 2, xp), neg), xp=xp) + lpe[t]
            rows = xp.arange(batch)
            last = in_lens - 1
            end1 = alpha[last, rows, lens - 1]
            end2 = xp.where(lens > 1, alpha[last, rows, xp.maximum(lens - 2, 0)], neg)
            nll = -xp.logaddexp(end1, end2)
            # no frame (input length 0; ``last`` -1 read the final frame): only the empty target is possible
            nll = xp.where(in_lens == 0, xp.where(tgt_lens == 0, 0.0, xp.inf), nll).astype(lp.dtype, copy=False)
            # beta, started at each sequence's own last frame
            beta = xp.full((steps, batch, width), neg, dtype=lp.dtype)
            pos = xp.arange(width)[None, :]
            for t in range(steps - 1, -1, -1):
                start = xp.where((pos == lens[:, None] - 1) | (pos == lens[:, None] - 2), lpe[t], neg)
                if t + 1 < steps:
                    b = beta[t + 1]
                    skip_next = _shift(skip.astype(lp.dtype), -2, xp) > 0
                    rec = _lse(b, _shift(b, -1, xp), xp.where(skip_next, _shift(b, -2, xp), neg), xp=xp) + lpe[t]
                else:
                    rec = xp.full_like(start, neg)
                active = (t == last)[:, None]
                inside = (t < last)[:, None]
                beta[t] = xp.where(active, start, xp.where(inside, rec, neg))
        ctx.saved = (alpha, beta, lpe, ext, nll, in_lens, lp.shape)
        ctx.zero_inf = zero_inf
        ctx.save_for_backward(log_probs)
        if zero_inf:
            nll = xp.where(xp.isinf(nll), 0, nll)
        return as_tensor(nll.astype(lp.dtype, copy=False))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, None, None, None, None, None]:
        out: tuple[Any, None, None, None, None, None] = CTC._array_backward(ctx, g)
        if wants_graph(g):  # as PyTorch: the gradient is there, differentiating it again raises
            (lp,) = ctx.saved_tensors
            return (_NoDoubleBackward.apply(out[0], lp, g), *out[1:])
        return out

    @staticmethod
    @once_differentiable
    def _array_backward(ctx: Any, g: Tensor) -> tuple[Tensor, None, None, None, None, None]:
        alpha, beta, lpe, ext, nll, in_lens, shape = ctx.saved
        xp = g.device.xp
        steps, batch, _ = shape
        with np.errstate(invalid="ignore", over="ignore"):
            occ = xp.exp(alpha + beta - lpe + nll[None, :, None])  # (T, N, L)
        occ = xp.where(xp.isfinite(occ), occ, 0)
        valid = xp.arange(steps)[:, None] < in_lens[None, :]
        occ *= valid[..., None]
        scale = g.array.reshape(1, batch)
        if ctx.zero_inf:
            scale = xp.where(xp.isinf(nll), 0, scale)
        grad = xp.zeros(shape, dtype=lpe.dtype)
        t_idx = xp.broadcast_to(xp.arange(steps)[:, None, None], occ.shape)
        n_idx = xp.broadcast_to(xp.arange(batch)[None, :, None], occ.shape)
        k_idx = xp.broadcast_to(ext[None, :, :], occ.shape)
        scatter_add(xp, grad, (t_idx.ravel(), n_idx.ravel(), k_idx.ravel()), -occ.ravel())
        grad *= scale[..., None]
        return as_tensor(grad), None, None, None, None, None


class _NoDoubleBackward(Function):
    """Passes CTC's gradient through unchanged and connects it to the graph; differentiating it raises (the
    derivative of ``ctc_loss``'s backward is not implemented, as in PyTorch)."""

    @staticmethod
    def forward(ctx: Any, grad: Tensor, log_probs: Tensor, g: Any) -> Tensor:
        return grad

    @staticmethod
    def backward(ctx: Any, gg: Any) -> tuple[None, None, None]:
        raise RuntimeError("derivative for ctc_loss's backward is not implemented (as in PyTorch)")


def _ints(x: Any, xp: Any) -> Array:
    if isinstance(x, (Tensor, Variable)):
        return data_of(x).array.astype(xp.int64).reshape(-1)
    return xp.asarray(x, dtype=xp.int64).reshape(-1)


def ctc_loss(
    log_probs: TensorLike,
    targets: TensorLike,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Variable:
    """CTC loss of frame-wise log-probabilities ``log_probs`` (T, N, C) (or (T, C)) against ``targets`` given as a
    padded (N, S) array or one concatenated 1-D array; ``'mean'`` divides each loss by its target length first.

    Example::

        >>> F.ctc_loss(F.log_softmax(logits, 2), targets, input_lengths, target_lengths)
    """
    check_reduction(reduction)
    unbatched = log_probs.ndim == 2
    lpd = data_of(log_probs)
    xp = lpd.device.xp
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
    if log_probs.ndim != 3:
        raise ValueError(f"ctc_loss: expected log_probs of 2 or 3 dimensions, got {log_probs.ndim}")
    steps, batch, _ = log_probs.shape
    in_lens = _ints(input_lengths, xp)
    tgt_lens = _ints(target_lengths, xp)
    if in_lens.shape[0] != batch or tgt_lens.shape[0] != batch:
        raise RuntimeError(
            f"ctc_loss: expected input_lengths and target_lengths of size {batch}, got {in_lens.shape[0]} and "
            f"{tgt_lens.shape[0]}"
        )
    if steps == 0:
        raise RuntimeError("ctc_loss: log_probs tensor must not be empty")
    if bool((in_lens > steps).any()) or bool((in_lens < 0).any()):
        raise RuntimeError(f"ctc_loss: input_lengths must be in [0, {steps}], got {in_lens.tolist()}")
    t = data_of(targets).array.astype(xp.int64)
    if unbatched or t.ndim == 1:
        smax = int(tgt_lens.max()) if batch else 0
        padded = xp.full((batch, smax), blank, dtype=xp.int64)
        offsets = xp.concatenate([xp.zeros(1, dtype=xp.int64), xp.cumsum(tgt_lens)[:-1]])
        for n in range(batch):
            padded[n, : int(tgt_lens[n])] = t.reshape(-1)[int(offsets[n]) : int(offsets[n] + tgt_lens[n])]
        t = padded
    if t.shape[1] < int(tgt_lens.max(initial=0)):
        raise RuntimeError("ctc_loss: target_lengths exceed the targets' length")
    losses: Variable = CTC.apply(log_probs, t, in_lens, tgt_lens, blank, zero_infinity)
    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    if reduction == "sum":
        out: Variable = losses.sum()
        return out
    denom = xp.maximum(tgt_lens, 1).astype(lpd.dtype)
    out = (losses / as_tensor(denom)).mean()
    return out
