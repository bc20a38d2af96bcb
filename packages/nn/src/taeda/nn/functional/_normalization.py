"""Normalisation: ``batch_norm``, ``instance_norm``, ``layer_norm``, ``group_norm`` with one fused Function.

``Normalize`` views the input as ``norm_shape``, normalises over ``axes`` (batch statistics) or with given
statistics (evaluation mode), applies a per-channel (or per-element) affine transform and, when running
statistics are passed, updates them in place with PyTorch's unbiased running variance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as _np

from taeda.autograd import Variable, once_differentiable
from taeda.nn.functional._double import composite_backward, wants_graph
from taeda.nn.functional._kern_chnorm import chnorm_affine, chnorm_backward, chnorm_forward
from taeda.nn.functional._kern_rownorm import rownorm_backward, rownorm_forward
from taeda.nn.functional._util import Kernel, TensorLike
from taeda.tensor import Tensor, as_tensor

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm"]

Array = Any
Ints = tuple[int, ...]


def _mean(xp: Any, a: Array, axes: Ints, b: Array | None = None) -> Array:
    """Mean of ``a`` (or of ``a * b``) over ``axes``, keeping dimensions.

    The batch-norm pattern (``(N, C, P)`` over axes 0 and 2) is an einsum, several times faster than NumPy's
    strided multi-axis reduction (and it never materialises ``a * b``).
    """
    if axes == (0, 2) and a.ndim == 3:
        r = xp.einsum("ncp->c", a) if b is None else xp.einsum("ncp,ncp->c", a, b)
        return r.reshape(1, -1, 1) / (a.shape[0] * a.shape[2])
    if axes == (a.ndim - 1,) and a.ndim in (2, 3):
        # NOTE: layer/group/instance norm reduce the last axis; einsum's row sums are about twice as fast as
        # NumPy's mean there, and ``a * b`` is never materialised ((8192, 512) float32: 2.9 -> 1.3 ms)
        spec = "np" if a.ndim == 2 else "ncp"
        r = xp.einsum(f"{spec}->{spec[:-1]}", a) if b is None else xp.einsum(f"{spec},{spec}->{spec[:-1]}", a, b)
        return r[..., None] / a.shape[-1]
    return (a if b is None else a * b).mean(axis=axes, keepdims=True)


def _param_sum(xp: Any, a: Array, pshape: Ints, b: Array | None = None) -> Array:
    """Sum of ``a`` (or ``a * b``) over the axes where ``pshape`` is 1, as an array of ``prod(pshape)`` values."""
    kept = [i for i, s in enumerate(pshape) if s != 1]
    if kept and kept == list(range(kept[0], kept[-1] + 1)):
        lead = math.prod(a.shape[: kept[0]])
        block = math.prod(a.shape[kept[0] : kept[-1] + 1])
        a3 = a.reshape(lead, block, -1)
        if b is None:
            return xp.einsum("ncp->c", a3)
        return xp.einsum("ncp,ncp->c", a3, b.reshape(lead, block, -1))
    paxes = tuple(i for i, s in enumerate(pshape) if s == 1)
    return (a if b is None else a * b).sum(axis=paxes).reshape(-1)


class Normalize(Kernel):
    """``y = (x - mean) / sqrt(var + eps) * w + b``.

    ``norm_shape``/``axes``: the view of ``x`` and the axes its statistics reduce over; ``pshape``: the shape
    ``w``/``b`` broadcast as against ``x``; ``stats``: fixed ``(mean, var)`` arrays broadcastable to
    ``norm_shape`` (evaluation mode) or None; ``running``: ``(mean, var, momentum, stat_shape)`` to update in
    place from the batch statistics, or None.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        w: Tensor | None,
        b: Tensor | None,
        norm_shape: Ints,
        axes: Ints,
        pshape: Ints,
        eps: float,
        stats: tuple[Array, Array] | None,
        running: tuple[Array, Array, float, Ints] | None,
    ) -> Tensor:
        xp = x.device.xp
        ctx.batch_stats = stats is None
        ctx.norm = (norm_shape, axes, pshape)
        ctx.eps = eps
        ctx.stats = stats
        ctx.rows = ctx.chn = None
        ctx.save_for_backward(x, w, b)
        if _chnorm_ok(xp, x, w, b, norm_shape, axes, pshape, stats):
            # batch norm in training on NumPy floats: blocked two-thread kernels (see _kern_chnorm)
            x3 = _np.ascontiguousarray(x.array.reshape(norm_shape))
            y3, mean, var, ctx.rstd = chnorm_forward(
                x3, None if w is None else w.array.reshape(-1), None if b is None else b.array.reshape(-1), eps
            )
            if running is not None:
                _update_running(running, mean, var, x3.size // mean.size)
            ctx.chn = (x3, mean, False)  # x̂ is recomputed in backward from the input (as PyTorch keeps mean/rstd)
            return as_tensor(y3.reshape(x.shape))
        if _chnorm_ok(xp, x, w, b, norm_shape, (0, 2), pshape, None) and _fixed_channel_stats(stats, norm_shape):
            # evaluation mode: the per-channel affine map of the running statistics, same kernels
            assert stats is not None
            x3 = _np.ascontiguousarray(x.array.reshape(norm_shape))
            mean = stats[0].reshape(-1)
            rstd = (1.0 / _np.sqrt(stats[1].reshape(-1).astype(_np.float64) + eps)).astype(x3.dtype)
            y3 = chnorm_affine(
                x3, mean, rstd, None if w is None else w.array.reshape(-1), None if b is None else b.array.reshape(-1)
            )
            ctx.rstd = rstd.reshape(1, -1, 1)
            ctx.chn = (x3, mean, True)
            return as_tensor(y3.reshape(x.shape))
        groups = _rownorm_groups(xp, x, w, b, norm_shape, axes, pshape, stats, running)
        if groups:
            # layer, group and instance norm on NumPy floats: blocked two-thread row kernels (see _kern_rownorm)
            rows = (math.prod(norm_shape[:-1]), norm_shape[-1])
            wa = None if w is None else _per_group(w.array, groups, rows[1])
            ba = None if b is None else _per_group(b.array, groups, rows[1])
            x2 = _np.ascontiguousarray(x.array.reshape(rows))
            y2, mean2, ctx.rstd = rownorm_forward(xp, x2, wa, ba, eps, groups)
            ctx.rows = (x2, mean2, groups, wa)  # x̂ is recomputed in backward from the input (as PyTorch does)
            return as_tensor(y2.reshape(x.shape))
        xa = x.array.reshape(norm_shape)
        if stats is None:
            mean = _mean(xp, xa, axes)
            xc = xa - mean
            var = _mean(xp, xc, axes, xc)
            if running is not None:
                _update_running(running, mean, var, xa.size // mean.size)
        else:
            mean, var = stats
            xc = xa - mean
        rstd = 1.0 / xp.sqrt(var + eps)
        xc *= rstd
        xhat = xc.reshape(x.shape)
        ctx.rstd = rstd
        if w is not None:
            y = xhat * w.array.reshape(pshape)
            if b is not None:
                y += b.array.reshape(pshape)
        elif b is not None:
            y = xhat + b.array.reshape(pshape)
        else:
            y = xhat.copy()
        ctx.xhat = xhat
        return as_tensor(y)

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, ...]:
        if wants_graph(gy):
            return (*_normalize_double(ctx, gy), None, None, None, None, None, None)
        return _normalize_backward(ctx, gy)  # type: ignore[no-any-return]


def _update_running(running: tuple[Array, Array, float, Ints], mean: Array, var: Array, n: int) -> None:
    """Running statistics in place: ``r = (1 - momentum) r + momentum s``, with the unbiased batch variance."""
    rm, rv, momentum, sshape = running
    unbiased = var * (n / max(n - 1, 1))
    rm *= 1.0 - momentum
    rm += (momentum * mean).reshape(sshape).astype(rm.dtype, copy=False)
    rv *= 1.0 - momentum
    rv += (momentum * unbiased).reshape(sshape).astype(rv.dtype, copy=False)


def _chnorm_ok(
    xp: Any, x: Tensor, w: Tensor | None, b: Tensor | None, norm_shape: Ints, axes: Ints, pshape: Ints, stats: Any
) -> bool:
    """Whether ``Normalize`` is a batch norm in training the blocked channel kernels take: batch statistics per
    channel of an (N, C, P) view, parameters per channel, float32/64 NumPy data, nothing empty."""
    if stats is not None or axes != (0, 2) or len(norm_shape) != 3 or xp is not _np:
        return False
    if x.array.dtype not in _ROWNORM_DTYPES or math.prod(pshape) != norm_shape[1]:
        return False
    if x.array.size < _CHNORM_MIN[0] or norm_shape[2] < _CHNORM_MIN[1]:
        return False
    return all(t is None or (t.array.size == norm_shape[1] and t.array.dtype == x.array.dtype) for t in (w, b))


def _fixed_channel_stats(stats: Any, norm_shape: Ints) -> bool:
    """Whether ``stats`` are one (mean, var) pair per channel of ``norm_shape`` (N, C, P) in the input's dtype."""
    return stats is not None and all(tuple(a.shape) == (1, norm_shape[1], 1) for a in stats)


# (elements, positions per channel and sample) from which batch norm takes the channel kernels: below, whole-array
# passes cost the same CPU time and two threads do not pay for themselves (measured: (32,16,8,8) 0.24 against
# 0.15 ms, (256, 512) 0.51 against 0.34 ms; (64,256,4) 0.61 against 0.74 ms)
_CHNORM_MIN = (1 << 16, 4)


def _normalize_double(ctx: Any, gy: Variable) -> tuple[Any, ...]:
    """``Normalize``'s gradients with a graph (``create_graph=True``), from the same math in Variable ops."""
    x, w, b = ctx.saved_tensors
    norm_shape, axes, pshape = ctx.norm
    eps, stats, rstd = ctx.eps, ctx.stats, ctx.rstd

    def composite(x: Variable, w: Variable | None, b: Variable | None) -> Any:
        xv = x.reshape(norm_shape)
        if stats is None:
            xc = xv - xv.mean(axes, keepdim=True)
            xhat = xc * ((xc * xc).mean(axes, keepdim=True) + eps).rsqrt()
        else:
            xhat = (xv - as_tensor(stats[0])) * as_tensor(rstd)
        y = xhat.reshape(x.shape)
        if w is not None:
            y = y * w.reshape(pshape)
        if b is not None:
            y = y + b.reshape(pshape)
        return y

    return composite_backward(ctx.needs_input_grad[:3], (x, w, b), (gy,), composite)


@once_differentiable
def _normalize_backward(ctx: Any, gy: Tensor) -> tuple[Tensor | None, ...]:
    """``Normalize``'s ordinary (array-level) backward."""
    _, w, b = ctx.saved_tensors
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    norm_shape, axes, pshape = ctx.norm
    ga = gy.array
    xp = gy.device.xp
    gx = gw = gb = None
    if ctx.rows is not None:
        x2, mean2, groups, wa = ctx.rows
        gx2, gw2, gb2 = rownorm_backward(
            xp,
            _np.ascontiguousarray(ga.reshape(x2.shape)),
            x2,
            mean2,
            ctx.rstd,
            wa,
            (need_x, need_w and w is not None, need_b and b is not None),
            ga.shape,
            groups,
        )
        return (
            None if gx2 is None else as_tensor(gx2),
            None if gw2 is None or w is None else as_tensor(_channel_sums(gw2, w.shape)),
            None if gb2 is None or b is None else as_tensor(_channel_sums(gb2, b.shape)),
            *([None] * 6),
        )
    if ctx.chn is not None:
        x3, mean, fixed = ctx.chn
        gx3, gw3, gb3 = chnorm_backward(
            _np.ascontiguousarray(ga.reshape(norm_shape)),
            x3,
            mean,
            ctx.rstd.reshape(-1),
            None if w is None else w.array.reshape(-1),
            (need_x, need_w and w is not None, need_b and b is not None),
            fixed,
        )
        return (
            None if gx3 is None else as_tensor(gx3.reshape(ga.shape)),
            None if gw3 is None or w is None else as_tensor(gw3.reshape(w.shape)),
            None if gb3 is None or b is None else as_tensor(gb3.reshape(b.shape)),
            *([None] * 6),
        )
    if ctx.batch_stats and axes == (0, 2) and len(norm_shape) == 3 and math.prod(pshape) == norm_shape[1]:
        return _batch_norm_backward(ctx, xp, ga, w, b)
    xhat = ctx.xhat
    if need_w and w is not None:
        gw = as_tensor(_param_sum(xp, ga, pshape, xhat).reshape(w.shape))
    if need_b and b is not None:
        gb = as_tensor(_param_sum(xp, ga, pshape).reshape(b.shape))
    if need_x:
        gxh = ga * w.array.reshape(pshape) if w is not None else ga
        g = gxh.reshape(norm_shape)
        rstd = ctx.rstd
        if ctx.batch_stats:
            xh = xhat.reshape(norm_shape)
            m1 = _mean(xp, g, axes)
            m2 = _mean(xp, g, axes, xh)
            gxa = xh * m2
            gxa += m1
            xp.subtract(g, gxa, out=gxa)  # in place: one fresh array fewer (page faults on large inputs)
            gxa *= rstd
        else:
            gxa = g * rstd
        gx = as_tensor(gxa.reshape(ga.shape))
    return gx, gw, gb, None, None, None, None, None, None


def _batch_norm_backward(ctx: Any, xp: Any, ga: Array, w: Tensor | None, b: Tensor | None) -> tuple[Tensor | None, ...]:
    """``_normalize_backward`` when the statistics' channels are the parameters' (batch norm in training).

    dx = k (g - mean(g) - x̂ mean(g x̂)) with k = w rstd per channel. The two means are the bias and weight
    gradients over n, so one sum of g and one of g x̂ serve all three gradients: three reading passes and four
    elementwise ones instead of six and seven (fwd+bwd on (64, 64, 16, 16): measured in the note of issue 5).
    """
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    norm_shape = ctx.norm[0]
    g3 = ga.reshape(norm_shape)
    xh = ctx.xhat.reshape(norm_shape)
    sg = xp.einsum("ncp->c", g3) if need_x or need_b else None
    sgx = xp.einsum("ncp,ncp->c", g3, xh) if need_x or need_w else None
    gw = as_tensor(sgx.reshape(w.shape)) if need_w and w is not None and sgx is not None else None
    gb = as_tensor(sg.reshape(b.shape)) if need_b and b is not None and sg is not None else None
    gx = None
    if need_x and sg is not None and sgx is not None:
        n = norm_shape[0] * norm_shape[2]
        k = ctx.rstd.reshape(-1) if w is None else ctx.rstd.reshape(-1) * w.array.reshape(-1)
        out = xp.empty(ga.shape, ga.dtype)  # an array of its own: autograd adopts it without a copy
        gxa = out.reshape(norm_shape)
        xp.multiply(g3, k[:, None], out=gxa)
        t = xh * (k * (sgx / n))[:, None]
        gxa -= t
        gxa -= (k * (sg / n))[:, None]
        gx = as_tensor(out)
    return gx, gw, gb, None, None, None, None, None, None


def _rownorm_groups(
    xp: Any,
    x: Tensor,
    w: Tensor | None,
    b: Tensor | None,
    norm_shape: Ints,
    axes: Ints,
    pshape: Ints,
    stats: Any,
    running: Any,
) -> int:
    """The ``groups`` with which the blocked row kernels take ``Normalize``, or 0 when they do not: batch
    statistics over the last axis of the view, float32/64 NumPy data, nothing empty, and either a layer norm
    (a 2-D view, parameters per column: 1 group) or a group/instance norm ((N, G, L) over axis 2, parameters per
    channel, whole channels per group: G groups)."""
    if stats is not None or running is not None or xp is not _np or axes != (len(norm_shape) - 1,):
        return 0
    if x.array.dtype not in _ROWNORM_DTYPES or x.array.size == 0:
        return 0
    if len(norm_shape) == 2:
        groups, width = 1, norm_shape[1]
    elif len(norm_shape) == 3:
        groups, width = norm_shape[1], math.prod(pshape)
        per_channel = len(pshape) >= 2 and pshape[0] == 1 and math.prod(pshape[2:]) == 1
        if not per_channel or width % groups or (groups * norm_shape[2]) % width or x.array.size < _GROUPED_MIN:
            return 0
    else:
        return 0
    ok = all(t is None or (t.array.size == width and t.array.dtype == x.array.dtype) for t in (w, b))
    return groups if ok else 0


# elements from which group and instance norm take the row kernels: below, the expanded (G, P) parameters cost more
# than the whole-array passes save (GroupNorm(32, 256) fwd+bwd: (8,256,8,8) 0.49 against 0.44 ms; (16,256,8,8)
# 0.73 against 0.80 ms)
_GROUPED_MIN = 1 << 18


def _per_group(v: Array, groups: int, width: int) -> Array:
    """A per-column (layer norm) or per-channel (group norm) parameter as the row kernels' (G, P) operand: each
    channel's value repeated over its positions, contiguous, so the affine map is one long broadcast product."""
    c = v.size
    if c == groups * width:  # one value per column already (layer norm, or one position per channel)
        return v.reshape(groups, width) if groups > 1 else v.reshape(-1)
    return _np.ascontiguousarray(_np.broadcast_to(v.reshape(c, 1), (c, groups * width // c))).reshape(groups, width)


def _channel_sums(s: Array, shape: Ints) -> Array:
    """Row kernels' (G, P) parameter-gradient sums folded back to one value per channel, in the parameter's shape."""
    c = math.prod(shape)
    return s.reshape(shape) if s.size == c else s.reshape(c, -1).sum(1).reshape(shape)


_ROWNORM_DTYPES = (_np.dtype(_np.float32), _np.dtype(_np.float64))


def _arr(t: TensorLike | None) -> Array | None:
    if t is None:
        return None
    return (t.data if isinstance(t, Variable) else t).array


def batch_norm(
    input: TensorLike,
    running_mean: TensorLike | None,
    running_var: TensorLike | None,
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Variable:
    """Batch normalisation over ``(N, C, *)``: batch statistics per channel when ``training`` (updating the
    running statistics in place), else the running statistics.

    Example::

        >>> x = taeda.autograd.randn(8, 3, 4, 4)
        >>> rm, rv = taeda.tensor.zeros(3), taeda.tensor.ones(3)
        >>> tuple(batch_norm(x, rm, rv, training=True).shape)
        (8, 3, 4, 4)
    """
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise ValueError(f"Expected 2D or more input (got {len(shape)}D input)")
    c = shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"{name} should contain {c} elements not {math.prod(tuple(t.shape))}")
    if training:
        n = math.prod(shape) // c
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {list(shape)}")
    pshape = (1, c) + (1,) * (len(shape) - 2)
    rm, rv = _arr(running_mean), _arr(running_var)
    norm_shape = (shape[0], c, math.prod(shape[2:]))
    if training or rm is None or rv is None:
        running = None if (not training or rm is None or rv is None) else (rm, rv, float(momentum), (c,))
        return Normalize.apply(input, weight, bias, norm_shape, (0, 2), pshape, float(eps), None, running)  # type: ignore[no-any-return]
    sshape = (1, c, 1)
    stats = (rm.reshape(sshape).astype(input.dtype, copy=False), rv.reshape(sshape).astype(input.dtype, copy=False))
    return Normalize.apply(input, weight, bias, norm_shape, (), pshape, float(eps), stats, None)  # type: ignore[no-any-return]


def instance_norm(
    input: TensorLike,
    running_mean: TensorLike | None = None,
    running_var: TensorLike | None = None,
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Variable:
    """Normalise each ``(sample, channel)`` plane of ``(N, C, *)`` over its spatial positions.

    Example::

        >>> tuple(instance_norm(taeda.autograd.randn(2, 3, 5, 5)).shape)
        (2, 3, 5, 5)
    """
    shape = tuple(input.shape)
    if len(shape) < 3:
        raise ValueError(f"Expected 3D or more input (got {len(shape)}D input)")
    n, c = shape[0], shape[1]
    pshape = (1, c) + (1,) * (len(shape) - 2)
    rm, rv = _arr(running_mean), _arr(running_var)
    norm_shape = (n, c, math.prod(shape[2:]))
    if use_input_stats:
        if math.prod(shape[2:]) <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(shape)}")
        if rm is not None and rv is not None:
            return _instance_norm_running(input, weight, bias, norm_shape, pshape, float(eps), rm, rv, momentum)
        return Normalize.apply(input, weight, bias, norm_shape, (2,), pshape, float(eps), None, None)  # type: ignore[no-any-return]
    if rm is None or rv is None:
        raise ValueError("Expected running_mean and running_var to be defined when use_input_stats is false")
    sshape = (1, c, 1)
    stats = (rm.reshape(sshape).astype(input.dtype, copy=False), rv.reshape(sshape).astype(input.dtype, copy=False))
    return Normalize.apply(input, weight, bias, norm_shape, (), pshape, float(eps), stats, None)  # type: ignore[no-any-return]


def _instance_norm_running(
    input: TensorLike,
    weight: TensorLike | None,
    bias: TensorLike | None,
    norm_shape: Ints,
    pshape: Ints,
    eps: float,
    rm: Array,
    rv: Array,
    momentum: float,
) -> Variable:
    xp = input.device.xp
    xa = _arr(input)
    assert xa is not None
    x3 = xa.reshape(norm_shape)
    m = x3.mean(axis=2)
    k = norm_shape[2]
    v = x3.var(axis=2) * (k / max(k - 1, 1))
    rm *= 1.0 - momentum
    rm += (momentum * m.mean(axis=0)).astype(rm.dtype, copy=False)
    rv *= 1.0 - momentum
    rv += (momentum * xp.asarray(v).mean(axis=0)).astype(rv.dtype, copy=False)
    return Normalize.apply(input, weight, bias, norm_shape, (2,), pshape, eps, None, None)  # type: ignore[no-any-return]


def layer_norm(
    input: TensorLike,
    normalized_shape: int | Sequence[int],
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    eps: float = 1e-5,
) -> Variable:
    """Normalise over the trailing ``normalized_shape`` dimensions, then an elementwise affine transform.

    Example::

        >>> tuple(layer_norm(taeda.autograd.randn(4, 10), (10,)).shape)
        (4, 10)
    """
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(int(s) for s in normalized_shape)
    shape = tuple(input.shape)
    k = len(ns)
    if shape[len(shape) - k :] != ns or k > len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape [*, {', '.join(map(str, ns))}], but got "
            f"input of size{list(shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(t.shape)} and normalized_shape = {list(ns)}"
            )
    lead = math.prod(shape[: len(shape) - k])
    norm_shape = (lead, math.prod(ns))
    pshape = (1,) * (len(shape) - k) + ns
    return Normalize.apply(input, weight, bias, norm_shape, (1,), pshape, float(eps), None, None)  # type: ignore[no-any-return]


def group_norm(
    input: TensorLike,
    num_groups: int,
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    eps: float = 1e-5,
) -> Variable:
    """Normalise ``(N, C, *)`` over each group of ``C / num_groups`` channels and its spatial positions.

    Example::

        >>> tuple(group_norm(taeda.autograd.randn(2, 6, 4, 4), 3).shape)
        (2, 6, 4, 4)
    """
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {len(shape)}")
    n, c = shape[0], shape[1]
    if num_groups <= 0 or c % num_groups != 0:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, "
                f"but got {name} of shape {list(t.shape)} and input of shape {list(shape)}"
            )
    norm_shape = (n, num_groups, math.prod(shape) // max(n * num_groups, 1))
    pshape = (1, c) + (1,) * (len(shape) - 2)
    return Normalize.apply(input, weight, bias, norm_shape, (2,), pshape, float(eps), None, None)  # type: ignore[no-any-return]
