"""Loss functions. ``cross_entropy`` and ``nll_loss`` are fused kernels with hand-written backward passes
(numerically stable for logits of any magnitude; the binary cross-entropies live in ``_loss_binary``); the others are
compositions of differentiable Variable operations."""

from __future__ import annotations

import math
from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable, once_differentiable
from taeda.nn.functional._activation import logsigmoid
from taeda.nn.functional._argcheck import raise_if_not_tensor
from taeda.nn.functional._distance import check_triplet_dims, pairwise_distance
from taeda.nn.functional._util import (
    _REDUCTIONS,
    Array,
    Kernel,
    TensorLike,
    as_var,
    check_reduction,
    data_of,
    legacy_reduction,
    weighted,
)
from taeda.nn.functional._util import (
    reduce as reduce_loss,  # (the losses take a legacy argument named reduce)
)
from taeda.tensor import Tensor, as_tensor

__all__ = [
    "cosine_embedding_loss",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
]


# ------------------------------------------------------------------------------------ class-index plumbing
def _to_rows(a: Array) -> Array:
    """(C,) -> (1, C); (N, C) as is; (N, C, d1, ...) -> (N*d1*..., C)."""
    if a.ndim == 1:
        return a.reshape(1, -1)
    if a.ndim == 2:
        return a
    c = a.shape[1]
    return a.reshape(a.shape[0], c, math.prod(a.shape[2:])).transpose(0, 2, 1).reshape(-1, c)


def _from_rows(d: Array, shape: tuple[int, ...]) -> Array:
    if len(shape) == 1:
        return d.reshape(shape)
    if len(shape) == 2:
        return d
    n, c = shape[0], shape[1]
    return d.reshape(n, math.prod(shape[2:]), c).transpose(0, 2, 1).reshape(shape)


def _check_target_shape(input_shape: tuple[int, ...], target_shape: tuple[int, ...]) -> None:
    if len(input_shape) == 1:
        if len(target_shape) != 0:
            raise RuntimeError(f"Expected target size [], got {list(target_shape)} for input of shape {input_shape}")
        return
    if len(target_shape) >= 1 and target_shape[0] != input_shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input_shape[0]}) to match target batch_size ({target_shape[0]})."
        )
    expected = (input_shape[0], *input_shape[2:])
    if tuple(target_shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target_shape)}")


class _Classes:
    """Per-row bookkeeping for class-index targets: clipped targets, validity and per-row weights."""

    __slots__ = ("rows", "tc", "valid", "wt")

    def __init__(self, xp: Any, t: Array, w: Array | None, ignore_index: int, n_classes: int, dtype: Any) -> None:
        t = t.reshape(-1)
        self.rows = xp.arange(t.shape[0])
        valid = t != ignore_index
        tc = xp.where(valid, t, 0)
        bad = (tc < 0) | (tc >= n_classes)
        if bool(bad.any()):
            raise IndexError(f"Target {int(tc[bad][0])} is out of bounds.")
        self.tc = tc
        self.valid = valid
        self.wt = (w[tc] * valid).astype(dtype, copy=False) if w is not None else valid.astype(dtype)


class CrossEntropy(Kernel):
    """Fused log-softmax + negative log-likelihood with weights, ignore_index, label smoothing and soft targets."""

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        target: Tensor,
        weight: Tensor | None,
        ignore_index: int,
        reduction: str,
        label_smoothing: float,
    ) -> Tensor:
        xp = x.device.xp
        a = x.array
        ta = target.array
        ctx.save_for_backward(x, target)
        ctx.shape, ctx.reduction, ctx.eps, ctx.ignore_index = a.shape, reduction, label_smoothing, ignore_index
        if (
            weight is None
            and label_smoothing == 0.0
            and reduction != "none"
            and a.ndim == 2
            and ta.ndim == 1
            and ta.shape[0] == a.shape[0] > 0
            and ta.dtype.kind in "iu"
        ):
            fast = _ce_fast(ctx, xp, a, ta, ignore_index, reduction)
            if fast is not None:
                return fast
        if (
            a.ndim > 2
            and (weight is None or tuple(weight.shape) == (a.shape[1],))
            and label_smoothing == 0.0
            and reduction != "none"
            and a.size > 0
            and tuple(ta.shape) == (a.shape[0], *a.shape[2:])
            and ta.dtype.kind in "iu"
        ):
            fast = _ce_planes(ctx, xp, a, ta, None if weight is None else weight.array, ignore_index, reduction)
            if fast is not None:
                return fast
        w = None if weight is None else weight.array
        _ce_validate(a, ta, w)
        a2 = _to_rows(a)
        n_classes = a2.shape[1]
        sh = a2 - a2.max(axis=1, keepdims=True)
        e = xp.exp(sh)
        s = e.sum(axis=1, keepdims=True)
        log_s = xp.log(s)
        e /= s  # softmax, kept for backward
        eps = label_smoothing
        ctx.prob = ta.dtype.kind == "f"
        ctx.p = e
        ctx.w = w
        if ctx.prob:
            q = _to_rows(target.array).astype(a.dtype, copy=False)
            if eps > 0:
                q = q * (1 - eps) + eps / n_classes
            if w is not None:
                q = q * w
            lp = sh - log_s
            loss_rows = -(q * lp).sum(axis=1)
            ctx.q, ctx.lp = q, lp
            denom = float(a2.shape[0])
            tshape = tuple(target.shape[:1] + target.shape[2:]) if a.ndim >= 2 else ()
        else:
            cls = _Classes(xp, target.array, w, ignore_index, n_classes, a.dtype)
            picked = sh[cls.rows, cls.tc] - log_s[:, 0]
            loss_rows = -cls.wt * picked
            if eps > 0:
                lp = sh - log_s
                smooth = -(lp * w).sum(axis=1) if w is not None else -lp.sum(axis=1)
                loss_rows = (1 - eps) * loss_rows + (eps / n_classes) * (smooth * cls.valid)
            ctx.cls = cls
            denom = cls.wt.sum()
            tshape = tuple(target.shape)
        ctx.denom = denom
        ctx.tshape = tshape
        if reduction == "none":
            return as_tensor(loss_rows.reshape(tshape).astype(a.dtype, copy=False))
        total = loss_rows.sum()
        if reduction == "mean":
            total = total / denom if denom else total * math.nan  # nothing counted: NaN, without a warning
        return as_tensor(xp.asarray(total, dtype=a.dtype))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        if g.__class__ is not Tensor and isinstance(g, Variable):  # create_graph=True: differentiable formulas
            return CrossEntropy._variable_backward(ctx, g)
        out: tuple[Any, ...] = CrossEntropy._array_backward(ctx, g)
        return out

    @staticmethod
    def _variable_backward(ctx: Any, g: Variable) -> tuple[Any, ...]:
        if getattr(ctx, "planes", None) is not None:  # _ce_planes kept (N, C, P) probabilities: the row layout
            ctx.p, ctx.planes = _to_rows(ctx.p.reshape(ctx.shape)), None
        x, target = ctx.saved_tensors
        p = ctx.p
        xp = tt.as_tensor(p).device.xp
        eps, n_classes = ctx.eps, p.shape[1]
        if ctx.prob:  # the target is differentiable too: build q from it with Variable operations
            qv = _rows_var(target if isinstance(target, Variable) else Variable(target))
            if eps > 0:
                qv = qv * (1 - eps) + eps / n_classes
            if ctx.w is not None:
                qv = qv * as_tensor(ctx.w)
            x2 = _rows_var(x)
            from taeda.nn.functional._activation import log_softmax, softmax

            scale = _ce_scale(g, ctx)
            gx = (softmax(x2, 1) * qv.sum(1, keepdim=True) - qv) * scale
            gt = None
            if ctx.needs_input_grad[1]:
                coef = log_softmax(x2, 1) * (-((1 - eps) if eps > 0 else 1.0))
                if ctx.w is not None:
                    coef = coef * as_tensor(ctx.w)
                gt = _rows_back_var(coef * scale, ctx.shape)
            return (_rows_back_var(gx, ctx.shape) if ctx.needs_input_grad[0] else None), gt, None, None, None, None
        else:
            if ctx.cls is None:  # the fast path skipped the per-row bookkeeping: build it now
                ctx.cls = _Classes(xp, ctx.t, ctx.w, ctx.ignore_index, n_classes, p.dtype)
            cls, w = ctx.cls, ctx.w
            hard = cls.wt * (1 - eps) if eps > 0 else cls.wt
            q = xp.zeros(p.shape, dtype=p.dtype)
            q[cls.rows, cls.tc] = hard
            if eps > 0:
                q += (cls.valid * (eps / n_classes))[:, None] * (w[None, :] if w is not None else 1.0)
        qt = as_tensor(q.astype(p.dtype, copy=False))
        rowsum = as_tensor(q.sum(axis=1, keepdims=True).astype(p.dtype, copy=False))
        from taeda.nn.functional._activation import softmax

        gx = (softmax(_rows_var(x), 1) * rowsum - qt) * _ce_scale(g, ctx)
        return (_rows_back_var(gx, ctx.shape) if ctx.needs_input_grad[0] else None), None, None, None, None, None

    @staticmethod
    def _array_backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, ...]:
        # plain array code on Tensors: no graph can be recorded, so no ``once_differentiable``/no_grad is needed
        ga = g.array
        p = ctx.p
        dtype = p.dtype
        if getattr(ctx, "planes", None) is not None:
            return _ce_planes_backward(ctx, ga)
        if ctx.reduction == "none":
            scale = ga.reshape(-1, 1)
        elif ctx.reduction == "mean":
            scale = _mean_scale(ga, ctx.denom)
        else:
            scale = ga
        gx = gt = None
        eps = ctx.eps
        n_classes = p.shape[1]
        if ctx.prob:
            q = ctx.q
            if ctx.needs_input_grad[0]:
                gx = (p * q.sum(axis=1, keepdims=True) - q) * scale
            if ctx.needs_input_grad[1]:
                coef = -ctx.lp * ((1 - eps) if eps > 0 else 1.0)
                if ctx.w is not None:
                    coef = coef * ctx.w
                gt = as_tensor(_from_rows((coef * scale).astype(dtype, copy=False), ctx.shape))
        elif ctx.cls is None:  # the fast path's forward: every target valid, no weights, no smoothing
            if ctx.needs_input_grad[0]:
                gx = p * scale
                gx[ctx.rows, ctx.t] -= scale
                return as_tensor(gx), None, None, None, None, None
        elif ctx.needs_input_grad[0]:
            cls = ctx.cls
            w = ctx.w
            hard = cls.wt * (1 - eps) if eps > 0 else cls.wt
            if eps > 0:
                soft = cls.valid * (eps / n_classes)
                wsum = w.sum() if w is not None else n_classes
                gx = p * (hard + soft * wsum)[:, None]
                gx -= soft[:, None] * (w[None, :] if w is not None else 1.0)
            else:
                gx = p * hard[:, None]
            gx[cls.rows, cls.tc] -= hard
            gx *= scale
        if gx is not None:
            gx = as_tensor(_from_rows(gx.astype(dtype, copy=False), ctx.shape))
        return gx, gt, None, None, None, None


def _ce_scale(g: Variable, ctx: Any) -> Variable:
    """The incoming gradient per row: (M, 1) for 'none', scalar for 'sum', scalar / denominator for 'mean'."""
    if ctx.reduction == "none":
        return g.reshape(-1, 1)
    if ctx.reduction == "mean":
        out: Variable = _mean_scale(g, float(ctx.denom))
        return out
    return g


def _mean_scale(g: Any, denom: Any) -> Any:
    """The 'mean' reduction's incoming gradient per unit of weight: ``g / denom``.

    NOTE: with no target counted (every one equal to ``ignore_index``) the denominator is 0 and the loss NaN, yet
    PyTorch's gradient is 0 (ignored rows are never written); ``g / 0`` would make it NaN (0 * inf). The scale is 0
    then (also where all counted targets have class weight 0, for which PyTorch's gradient is NaN).
    """
    return g / denom if denom else g * 0


def _rows_var(x: Variable) -> Variable:
    """Variable version of ``_to_rows``."""
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim == 2:
        return x
    c = x.shape[1]
    return x.reshape(x.shape[0], c, math.prod(x.shape[2:])).transpose(1, 2).reshape(-1, c)


def _rows_back_var(d: Variable, shape: tuple[int, ...]) -> Variable:
    """Variable version of ``_from_rows``."""
    if len(shape) <= 2:
        return d.reshape(*shape)
    n, c = shape[0], shape[1]
    return d.reshape(n, math.prod(shape[2:]), c).transpose(1, 2).reshape(*shape)


class NLL(Kernel):
    """Negative log-likelihood of log-probabilities at class-index targets."""

    @staticmethod
    def forward(
        ctx: Any, x: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, reduction: str
    ) -> Tensor:
        xp = x.device.xp
        a = x.array
        a2 = _to_rows(a)
        w = None if weight is None else weight.array
        cls = _Classes(xp, target.array, w, ignore_index, a2.shape[1], a.dtype)
        loss_rows = -cls.wt * a2[cls.rows, cls.tc]
        ctx.cls, ctx.shape, ctx.reduction = cls, tuple(a.shape), reduction
        ctx.denom = cls.wt.sum()
        ctx.m = a2.shape
        if reduction == "none":
            return as_tensor(loss_rows.reshape(tuple(target.shape)))
        total = loss_rows.sum()
        if reduction == "mean":
            total = total / ctx.denom if ctx.denom else total * math.nan
        return as_tensor(xp.asarray(total, dtype=a.dtype))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        if isinstance(g, Variable) and ctx.needs_input_grad[0]:
            # the loss is linear in its input: the gradient is a constant pattern times g
            cls = ctx.cls
            xp = tt.as_tensor(cls.wt).device.xp
            pattern = xp.zeros(ctx.m, dtype=cls.wt.dtype)
            pattern[cls.rows, cls.tc] = -cls.wt
            return _rows_back_var(_ce_scale(g, ctx) * as_tensor(pattern), ctx.shape), None, None, None, None
        out: tuple[Any, ...] = NLL._array_backward(ctx, g)
        return out

    @staticmethod
    @once_differentiable
    def _array_backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, ...]:
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None
        ga = g.array
        cls = ctx.cls
        xp = tt.as_tensor(ga).device.xp
        dtype = cls.wt.dtype
        gx = xp.zeros(ctx.m, dtype=dtype)
        if ctx.reduction == "none":
            vals = -cls.wt * ga.reshape(-1)
        elif ctx.reduction == "mean":
            vals = -cls.wt * _mean_scale(ga, ctx.denom)
        else:
            vals = -cls.wt * ga
        gx[cls.rows, cls.tc] = vals
        return as_tensor(_from_rows(gx, ctx.shape)), None, None, None, None


_ARANGE: dict[tuple[int, Any], Array] = {}


def _rows_index(xp: Any, n: int) -> Array:
    """``xp.arange(n)``, cached (it indexes the target class of every row, each step)."""
    key = (n, xp)
    r = _ARANGE.get(key)
    if r is None:
        if len(_ARANGE) > 64:
            _ARANGE.clear()
        r = _ARANGE[key] = xp.arange(n)
    return r


def _ce_fast(ctx: Any, xp: Any, a: Array, t: Array, ignore_index: int, reduction: str) -> Tensor | None:
    """Cross-entropy of (N, C) logits at N class indices, no weights nor smoothing, reduced: one shifted copy of
    the logits (exponentiated in place into the softmax kept for backward), the picked logits read before.
    Returns None (the general path then runs) when a target is out of range or equals ``ignore_index``."""
    n, c = a.shape
    if int(t.min()) < 0 or (0 <= ignore_index < c and bool((t == ignore_index).any())):
        return None
    if xp.__name__ != "numpy" and int(t.max()) >= c:  # CuPy wraps out-of-range fancy indices around
        return None
    rows = _rows_index(xp, n)
    e = a - a.max(axis=1, keepdims=True)
    try:
        picked = e[rows, t]  # NumPy raises IndexError when a target is >= C
    except IndexError:
        return None
    xp.exp(e, out=e)
    s = e.sum(axis=1, keepdims=True)
    e /= s  # softmax, kept for backward
    # loss rows are log(s) - picked with log(s) >= 0 >= picked: the two sums cannot cancel
    total = xp.log(s).sum() - picked.sum()
    if reduction == "mean":
        total = total / n
    ctx.prob, ctx.p, ctx.w, ctx.cls, ctx.rows, ctx.t, ctx.denom = False, e, None, None, rows, t, n
    return as_tensor(xp.asarray(total, dtype=a.dtype))


def _ce_planes(
    ctx: Any, xp: Any, a: Array, t: Array, w: Array | None, ignore_index: int, reduction: str
) -> Tensor | None:
    """Cross-entropy of (N, C, d1, ...) logits (segmentation) at class indices, with optional class weights ``w``,
    no smoothing, reduced.

    NOTE: the general path moves the classes last ((N*P, C) rows, a transposing copy each way) and then reduces rows
    of C values, a few NumPy inner-loop calls per pixel: 48 ms fwd+bwd on (16, 21, 128, 128) (PyTorch: 10 ms). Here
    the reductions run over the class axis of (N, C, P) planes, whose inner loops span P pixels. ``ignore_index``
    positions count neither in the sum nor in the mean's denominator, and class weights scale each pixel's term and
    make the mean's denominator their sum, as in PyTorch. Returns None (the general path then raises PyTorch's
    error) for a target out of range.
    """
    n, c = a.shape[0], a.shape[1]
    a3 = a.reshape(n, c, -1)
    t2 = t.reshape(n, -1)
    ignored = t2 == ignore_index
    valid = None if not bool(ignored.any()) else ~ignored
    tc = t2 if valid is None else xp.where(valid, t2, 0)
    if tc.size and (int(tc.min()) < 0 or int(tc.max()) >= c):
        return None
    idx = tc[:, None, :]
    e = a3 - a3.max(axis=1, keepdims=True)
    picked = xp.take_along_axis(e, idx, axis=1)[:, 0, :]
    xp.exp(e, out=e)
    s = e.sum(axis=1, keepdims=True)
    e /= s  # softmax, kept for backward
    # per pixel log(s) - picked, with log(s) >= 0 >= picked: no cancellation
    rows = xp.log(s[:, 0, :])
    rows -= picked
    wt = None  # per-pixel factor: the class weight of its target, 0 where ignored
    if w is not None:
        wt = w[tc] if valid is None else w[tc] * valid
        rows *= wt
        denom: Any = wt.sum()
    elif valid is not None:
        rows *= valid
        wt = valid
        denom = int(valid.sum())
    else:
        denom = t2.size
    total = rows.sum()
    if reduction == "mean":
        total = total / denom if denom else total * math.nan  # no valid target: NaN, as PyTorch
    ctx.prob, ctx.p, ctx.w, ctx.cls, ctx.rows, ctx.t, ctx.denom = False, e, w, None, None, t, denom
    ctx.planes = (idx, wt)
    return as_tensor(xp.asarray(total, dtype=a.dtype))


def _ce_planes_backward(ctx: Any, ga: Array) -> tuple[Tensor | None, ...]:
    """``_ce_planes``'s input gradient: (softmax - one-hot) times the incoming scale and each pixel's class weight
    (zero at ignored pixels)."""
    if not ctx.needs_input_grad[0]:
        return None, None, None, None, None, None
    xp = tt.as_tensor(ctx.p).device.xp
    idx, wt = ctx.planes
    scale = _mean_scale(ga, ctx.denom) if ctx.reduction == "mean" else ga
    gx = ctx.p * scale
    if wt is None:
        hit = xp.take_along_axis(gx, idx, axis=1)
        hit -= scale
    else:
        gx *= wt[:, None, :]
        hit = xp.take_along_axis(gx, idx, axis=1) - scale * wt[:, None, :]
    xp.put_along_axis(gx, idx, hit.astype(gx.dtype, copy=False), axis=1)
    return as_tensor(gx.astype(ctx.p.dtype, copy=False).reshape(ctx.shape)), None, None, None, None, None


def _ce_validate(a: Array, t: Array, w: Array | None) -> None:
    """The argument errors of ``cross_entropy`` (on arrays), in PyTorch's order."""
    if a.ndim == 0:
        raise ValueError("cross_entropy: input must have at least one dimension (the classes)")
    _ce_args(a, t, w)
    kind = t.dtype.kind
    if kind == "f":
        if tuple(t.shape) != tuple(a.shape):
            raise RuntimeError(
                f"Expected floating point target of the same shape as input {tuple(a.shape)}, got {tuple(t.shape)}"
            )
        if t.dtype != a.dtype:
            raise RuntimeError(f"expected target dtype {a.dtype} but got {t.dtype}")
    elif kind in "iu":
        _check_target_shape(tuple(a.shape), tuple(t.shape))
    else:
        raise RuntimeError(f"cross_entropy: expected integer or floating-point target, got {t.dtype}")


def _ce_args(input: Any, target: Any, weight: Any) -> None:
    n_classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes but got weight "
            f"tensor of shape: {list(weight.shape)}"
        )


def cross_entropy(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Variable:
    """Cross-entropy between logits ``input`` (N, C, d1, ...) and class indices (N, d1, ...) or class
    probabilities (same shape as ``input``), computed from a stable log-softmax.

    Example::

        >>> F.cross_entropy(logits, labels, label_smoothing=0.1)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    try:
        # shapes and dtypes are checked by the kernel, on the arrays
        input, target = _promoted(input, _unbatched_target(input, target))
        out: Variable = CrossEntropy.apply(
            input, target, None if weight is None else data_of(weight), ignore_index, reduction, label_smoothing
        )
    except AttributeError:
        raise_if_not_tensor("cross_entropy_loss", ("input", "target", "weight"), (input, target, weight), 1)
        raise
    return out


def _promoted(input: TensorLike, target: TensorLike) -> tuple[TensorLike, TensorLike]:
    """Class probabilities of another float dtype than the logits: both in the promoted dtype, as PyTorch 2.13 (the
    loss in that dtype, the input's gradient cast back to its own)."""
    di, dt = input.dtype, target.dtype
    if di == dt or di.kind != "f" or dt.kind != "f":
        return input, target
    rt = tt.promote_types(di, dt)
    return (input if di == rt else input.to(rt)), (target if dt == rt else target.to(rt))


def _unbatched_target(input: TensorLike, target: TensorLike) -> TensorLike:
    """PyTorch also takes a (1,) class index for an unbatched (C,) input (the loss is then a scalar, as for ())."""
    if input.ndim == 1 and target.ndim == 1 and target.shape[0] == 1 and target.dtype.kind in "iu":
        return target.reshape(())
    return target


def nll_loss(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """Negative log-likelihood of log-probabilities ``input`` (N, C, d1, ...) at class indices ``target``.

    Example::

        >>> F.nll_loss(F.log_softmax(logits, dim=1), labels)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if input.ndim == 0:
        raise ValueError("nll_loss: input must have at least one dimension (the classes)")
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"nll_loss: expected an integer target, got {target.dtype}")
    _ce_args(input, target, weight)
    target = _unbatched_target(input, target)
    _check_target_shape(tuple(input.shape), tuple(target.shape))
    try:
        out: Variable = NLL.apply(input, target, None if weight is None else data_of(weight), ignore_index, reduction)
    except AttributeError:
        raise_if_not_tensor("nll_loss", ("input", "target", "weight"), (input, target, weight), 1)
        raise
    return out


# ------------------------------------------------------------------------------------- regression losses
def _pair(input: TensorLike, target: TensorLike) -> Variable:
    return as_var(input) - target


def mse_loss(
    input: TensorLike,
    target: TensorLike,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """Mean squared error ``(input - target)²`` reduced by ``reduction``. Example: ``F.mse_loss(y, t)``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    d = _pair(input, target)
    return reduce_loss(d * d, reduction)


def l1_loss(
    input: TensorLike,
    target: TensorLike,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """Mean absolute error ``|input - target|``. Example: ``F.l1_loss(y, t, reduction="sum")``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    return reduce_loss(_pair(input, target).abs(), reduction)


def smooth_l1_loss(
    input: TensorLike,
    target: TensorLike,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Variable:
    """0.5 d²/beta where |d| < beta, else |d| - 0.5 beta. Example: ``F.smooth_l1_loss(y, t, beta=0.5)``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = _pair(input, target).abs()
    if beta == 0.0:
        return reduce_loss(d, reduction)
    # NOTE: the quadratic branch squares d clamped to beta: where it is not selected its gradient is 0 * d, which is
    # NaN for an infinite d (PyTorch's gradient there is ±1).
    q = d.clamp(max=beta)
    loss = tt.where(data_of(d) < beta, q * q * (0.5 / beta), d - 0.5 * beta)
    return reduce_loss(loss, reduction)


def huber_loss(
    input: TensorLike, target: TensorLike, reduction: str = "mean", delta: float = 1.0, weight: Any = None
) -> Variable:
    """0.5 d² where |d| < delta, else delta (|d| - 0.5 delta). Example: ``F.huber_loss(y, t, delta=2.0)``."""
    check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = _pair(input, target).abs()
    q = d.clamp(max=delta)  # (as in smooth_l1_loss: no 0 * inf = NaN gradient from the unselected branch)
    loss = tt.where(data_of(d) < delta, q * q * 0.5, (d - 0.5 * delta) * delta)
    return reduce_loss(weighted(loss, weight), reduction)


def kl_div(
    input: TensorLike,
    target: TensorLike,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Variable:
    """KL divergence with ``input`` as log-probabilities: ``target·(log target - input)`` pointwise;
    ``reduction='batchmean'`` divides the sum by the batch size (the mathematically correct KL).

    Example::

        >>> F.kl_div(F.log_softmax(x, 1), p, reduction="batchmean")
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    x = as_var(input)
    if log_target:
        t = as_var(target)
        loss = t.exp() * (t - x)
    else:
        t = as_var(target)
        td = data_of(t)
        pos = td > 0
        safe = tt.where(pos, t, tt.ones_like(td))
        # t·log t: 0 at t = 0 and NaN for t < 0 (PyTorch's xlogy), without taking the log of a negative number
        off = tt.where(td == 0, tt.zeros_like(td), tt.full_like(td, math.nan))
        tlogt = tt.where(pos, t * safe.log(), off)
        loss = tlogt - t * x
    if reduction == "batchmean":
        n = input.shape[0] if input.ndim else 1
        out: Variable = loss.sum() / n
        return out
    return reduce_loss(loss, reduction)


def poisson_nll_loss(
    input: TensorLike,
    target: TensorLike,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """Poisson negative log-likelihood: ``exp(input) - target·input`` (``log_input``) or
    ``input - target·log(input + eps)``; ``full`` adds Stirling's term. Example: ``F.poisson_nll_loss(x, k)``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    x = as_var(input)
    loss = x.exp() - x * target if log_input else x - (x + eps).log() * target
    if full:  # Stirling's term, differentiable in the target (as PyTorch)
        td = data_of(target)
        big = td > 1
        safe = tt.where(big, target, tt.ones_like(td))
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + tt.where(big, stirling, tt.zeros_like(td))
    return reduce_loss(loss, reduction)


def gaussian_nll_loss(
    input: TensorLike,
    target: TensorLike,
    var: TensorLike | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Variable:
    """Gaussian negative log-likelihood ``0.5 (log var + (input - target)²/var)`` (+ 0.5 log 2π if ``full``);
    ``var`` is clamped to ``eps`` for stability without blocking its gradient.

    Example::

        >>> F.gaussian_nll_loss(mu, y, sigma2)
    """
    check_reduction(reduction)
    if isinstance(var, (int, float)):
        v: Variable = as_var(tt.full(tuple(input.shape), float(var), dtype=input.dtype, device=input.device))
    else:
        v = as_var(var)
    if tuple(v.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(v.shape):
            v = v.unsqueeze(-1)
        elif v.ndim == input.ndim and sum(k for n, k in zip(input.shape, v.shape) if n != k) == 1:
            pass  # one dimension of size 1 broadcast (heteroscedastic across it), as PyTorch
        else:
            raise ValueError("var is of incorrect size")
    vd = data_of(v)
    if bool((vd < 0).any()):
        raise ValueError("var has negative entry/entries")
    v = v + (vd.clamp(min=eps) - vd)  # clamp the value, keep the identity gradient (as PyTorch)
    d = _pair(input, target)
    loss = (v.log() + d * d / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)


# ----------------------------------------------------------------------------------------- margin losses
def cosine_embedding_loss(
    input1: TensorLike,
    input2: TensorLike,
    target: TensorLike,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1.

    Example::

        >>> F.cosine_embedding_loss(a, b, tt.tensor([1, -1]))
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    x1, x2 = as_var(input1), as_var(input2)
    dim = x1.ndim - 1
    eps = 1e-12
    prod = (x1 * x2).sum(dim)
    mag = ((x1 * x1).sum(dim) + eps) * ((x2 * x2).sum(dim) + eps)
    cos = prod / mag.sqrt()
    t = data_of(target)
    zeros = cos * 0
    pos = tt.where(t == 1, 1 - cos, zeros)
    neg = tt.where(t == -1, (cos - margin).clamp(min=0), zeros)
    return reduce_loss(pos + neg, reduction)


def margin_ranking_loss(
    input1: TensorLike,
    input2: TensorLike,
    target: TensorLike,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """max(0, -target·(x1 - x2) + margin). Example: ``F.margin_ranking_loss(s1, s2, y, margin=0.5)``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    loss = ((as_var(input1) - input2) * (-as_var(target)) + margin).clamp(min=0)
    return reduce_loss(loss, reduction)


def hinge_embedding_loss(
    input: TensorLike,
    target: TensorLike,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """x for target 1, max(0, margin - x) for target -1. Example: ``F.hinge_embedding_loss(d, y)``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    x = as_var(input)
    t = data_of(target)
    zeros = x * 0
    margin_part = tt.where(t != 1, (margin - x).clamp(min=0), zeros)
    self_part = tt.where(t != -1, x, zeros)
    return reduce_loss(margin_part + self_part, reduction)


def soft_margin_loss(
    input: TensorLike,
    target: TensorLike,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """log(1 + exp(-target·input)). Example: ``F.soft_margin_loss(x, y)``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    return reduce_loss(-logsigmoid(as_var(input) * target), reduction)


def triplet_margin_loss(
    anchor: TensorLike,
    positive: TensorLike,
    negative: TensorLike,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """max(d(a, p) - d(a, n) + margin, 0) with p-norm distances; ``swap`` uses min(d(a, n), d(p, n)).

    Example::

        >>> F.triplet_margin_loss(a, p, n, margin=0.2)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
    check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = pairwise_distance(positive, negative, p, eps)
        d_neg = tt.where(data_of(d_swap) < data_of(d_neg), d_swap, d_neg)
    loss = (d_pos - d_neg + margin).clamp(min=0)
    return reduce_loss(loss, reduction)


def multilabel_soft_margin_loss(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Variable:
    """Per-sample mean over classes of -[y log σ(x) + (1-y) log σ(-x)]. Example:
    ``F.multilabel_soft_margin_loss(logits, multi_hot)``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    x = as_var(input)
    loss = -(logsigmoid(x) * target + logsigmoid(-x) * (1 - as_var(target)))
    if weight is not None:
        loss = loss * weight
    c = input.shape[-1]
    per_sample = loss.sum(x.ndim - 1) / c
    return reduce_loss(per_sample, reduction)
