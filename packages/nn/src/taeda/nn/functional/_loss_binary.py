"""The binary cross-entropies: ``binary_cross_entropy`` on probabilities (logs clamped at -100, as PyTorch) and
``binary_cross_entropy_with_logits`` in the overflow-free form, fused kernels with hand-written backward passes."""

from __future__ import annotations

from typing import Any

import numpy as np

from taeda.autograd import Variable, once_differentiable
from taeda.nn.functional._activation import exp_neg_plus_one, logsigmoid
from taeda.nn.functional._double import composite_backward, wants_graph
from taeda.nn.functional._kern_elementwise import blocked
from taeda.nn.functional._util import (
    Array,
    Kernel,
    TensorLike,
    check_reduction,
    legacy_reduction,
    sum_to,
    weighted,
)
from taeda.nn.functional._util import (
    reduce as reduce_loss,  # (the losses take a legacy argument named reduce)
)
from taeda.tensor import Tensor, as_tensor

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits"]


class BCE(Kernel):
    """Elementwise binary cross-entropy of probabilities, with logs clamped at -100 (as PyTorch)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, y: Tensor) -> Tensor:
        xp = x.device.xp
        a, t = x.array, y.array
        if not bool(((a >= 0) & (a <= 1)).all()):  # NaN fails too, as in PyTorch
            raise RuntimeError("all elements of input should be between 0 and 1")
        with _errstate(xp):
            log_x = xp.maximum(xp.log(a), -100)
            log_1mx = xp.maximum(xp.log1p(-a), -100)
        ctx.save_for_backward(x, y)
        ctx.logs = (log_x, log_1mx)
        return as_tensor(-(t * log_x + (1 - t) * log_1mx))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, Any]:
        if wants_graph(g):  # create_graph=True: the same formulas with Variable operations
            xv, yv = ctx.saved_tensors
            need = ctx.needs_input_grad
            gxv = g * (xv - yv) / ((1 - xv) * xv).clamp(min=1e-12) if need[0] else None
            gtv = g * ((1 - xv).log().clamp(min=-100) - xv.log().clamp(min=-100)) if need[1] else None
            return gxv, gtv
        out: tuple[Any, Any] = BCE._array_backward(ctx, g)
        return out

    @staticmethod
    @once_differentiable
    def _array_backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        xp = x.device.xp
        a, t, ga = x.array, y.array, g.array
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = as_tensor(ga * (a - t) / xp.maximum((1 - a) * a, 1e-12))
        if ctx.needs_input_grad[1]:
            log_x, log_1mx = ctx.logs
            gt = as_tensor(ga * (log_1mx - log_x))
        return gx, gt


class _errstate:
    def __init__(self, xp: Any) -> None:
        self._ctx = np.errstate(divide="ignore", invalid="ignore") if xp is np else None

    def __enter__(self) -> None:
        if self._ctx is not None:
            self._ctx.__enter__()

    def __exit__(self, *args: Any) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(*args)


class BCEWithLogits(Kernel):
    """Elementwise ``-[pw·y·log σ(x) + (1-y)·log(1-σ(x))]`` in the overflow-free form."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, y: Tensor, pos_weight: Tensor | None) -> Tensor:
        xp = x.device.xp
        a, t = x.array, y.array
        ctx.save_for_backward(x, y, pos_weight)
        if pos_weight is None and _bce_blocks_ok(xp, a, t):
            return as_tensor(blocked(_bce_logits_block, xp, (a, t), ()))
        sp_neg = xp.maximum(-a, 0) + xp.log1p(xp.exp(-xp.abs(a)))  # softplus(-x)
        if pos_weight is not None:
            lw = (pos_weight.array - 1) * t + 1
            loss = (1 - t) * a + lw * sp_neg
        else:
            loss = (1 - t) * a + sp_neg
        ctx.sp_neg = sp_neg
        return as_tensor(loss.astype(a.dtype, copy=False))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        if wants_graph(g):  # create_graph=True: re-derived from the loss written with Variable operations
            return composite_backward(ctx.needs_input_grad, ctx.saved_tensors, (g,), _bce_logits_composite)
        out: tuple[Any, ...] = BCEWithLogits._array_backward(ctx, g)
        return out

    @staticmethod
    @once_differentiable
    def _array_backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, ...]:
        x, y, pw = ctx.saved_tensors
        xp = x.device.xp
        a, t, ga = x.array, y.array, g.array
        need = ctx.needs_input_grad
        if pw is None and need[0] and not need[1] and _bce_blocks_ok(xp, a, t):
            if ga.shape == a.shape and ga.flags.c_contiguous and ga.dtype == a.dtype:
                return as_tensor(blocked(_bce_logits_grad_block, xp, (a, t, ga), (None,))), None, None
            if ga.size == 1 or (ga.ndim and not any(ga.strides)):  # the mean's or sum's uniform gradient
                scale = float(ga.reshape(-1)[0])
                return as_tensor(blocked(_bce_logits_grad_block, xp, (a, t, None), (scale,))), None, None
        sig = xp.tanh(a * 0.5)
        sig += 1
        sig *= 0.5
        gx = gt = gpw = None
        if pw is None:
            if need[0]:
                gx = as_tensor(ga * (sig - t))
            if need[1]:
                gt = as_tensor(-ga * a)
        else:
            pwa = pw.array
            if need[0]:
                lw = (pwa - 1) * t + 1
                gx = as_tensor((ga * (lw * sig - pwa * t)).astype(a.dtype, copy=False))
            if need[1]:
                gt = as_tensor((ga * ((pwa - 1) * ctx.sp_neg - a)).astype(a.dtype, copy=False))
            if need[2]:
                gpw = as_tensor(sum_to(ga * t * ctx.sp_neg, tuple(pwa.shape)).astype(pwa.dtype, copy=False))
        return gx, gt, gpw


def _bce_blocks_ok(xp: Any, a: Array, t: Array) -> bool:
    """Whether ``BCEWithLogits`` without ``pos_weight`` takes the blocked kernels: float32/64 NumPy logits and a
    target of the same shape, dtype and C order."""
    return (
        xp is np
        and a.dtype in (np.float32, np.float64)
        and t.dtype == a.dtype
        and a.shape == t.shape
        and a.ndim > 0
        and a.flags.c_contiguous
        and t.flags.c_contiguous
    )


def _bce_logits_block(xp: Any, a: Array, t: Array) -> Array:
    """``(1 - t)·x + softplus(-x)`` on one block, every step in place: softplus(-x) = log1p(exp(-|x|)) - min(x, 0).

    NOTE: whole-array NumPy expressions made ten passes and as many input-sized temporaries (and ``maximum``
    against a scalar is one of NumPy 2.4's slow loops); blocked on two threads (``_kern_elementwise``) the loss of
    (4096, 1000) logits, forward and backward, went from 18 to about 9 ms.
    """
    r = np.abs(a)
    np.negative(r, out=r)
    np.exp(r, out=r)
    np.log1p(r, out=r)
    r -= np.clip(a, None, 0)
    r += a
    r -= t * a
    return r


def _bce_logits_grad_block(xp: Any, a: Array, t: Array, g: Array | None, scale: float | None) -> Array:
    """``g·(σ(x) - t)`` on one block (``g`` an array, or the uniform ``scale``)."""
    s = exp_neg_plus_one(a)
    np.reciprocal(s, out=s)  # sigmoid(x)
    s -= t
    if g is not None:
        s *= g
    elif scale != 1.0:
        s *= scale
    return s


def _bce_logits_composite(x: Variable, t: Any, pw: Any) -> Variable:
    """``BCEWithLogits``'s forward with Variable operations: (1 - t)·x + lw·softplus(-x), lw = (pw - 1)·t + 1."""
    sp_neg = -logsigmoid(x)
    lw = sp_neg if pw is None else ((pw - 1) * t + 1) * sp_neg
    out: Variable = (1 - t) * x + lw
    return out


def binary_cross_entropy(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """Binary cross-entropy between probabilities ``input`` and ``target`` (logs clamped at -100).

    Example::

        >>> F.binary_cross_entropy(torch_sigmoid_output, labels.float())
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({tuple(target.shape)}) that is different to the input size "
            f"({tuple(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    loss: Variable = BCE.apply(input, target)
    return reduce_loss(weighted(loss, weight), reduction)


def binary_cross_entropy_with_logits(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: TensorLike | None = None,
) -> Variable:
    """Sigmoid + binary cross-entropy in one stable step; ``pos_weight`` weighs positive examples per class.

    Example::

        >>> F.binary_cross_entropy_with_logits(logits, labels, pos_weight=tt.tensor([3.0]))
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({tuple(target.shape)}) must be the same as input size ({tuple(input.shape)})")
    loss: Variable = BCEWithLogits.apply(input, target, pos_weight)
    return reduce_loss(weighted(loss, weight), reduction)
