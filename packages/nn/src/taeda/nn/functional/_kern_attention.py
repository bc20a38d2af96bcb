"""Scaled dot-product attention, ``softmax(Q Kᵀ·scale + mask) ⊙ keep @ V``: one formula, two implementations.

``composed_attention`` writes it with differentiable Variable operations (any device or dtype, and the double
backward). ``Attention`` is the same math as one ``Kernel`` on NumPy float32/float64 arrays.

NOTE: composed, the six batched GEMMs of forward and backward ran at about 95 GFLOP/s (NumPy calls OpenBLAS once
per 128x64 matrix, with OpenBLAS's two threads handing off on every call), and the scores tensor (32 MB for
(64, 8, 128, 64)) went through every softmax pass in memory. The kernel gives each of two threads half of the
(batch x head) matrices with OpenBLAS held at one thread (``split_batch``), and works on chunks of about 256K scores,
so the softmax passes and the backward's temporaries stay in cache: fwd+bwd on (64, 8, 128, 64) float32 went from
102 to about 57 ms (PyTorch 2.13: 76 ms).

NOTE: a row whose scores are all -inf (every key masked) gives zero weights and a zero output, as PyTorch's SDPA
(its "safe softmax"); a plain softmax gives NaN there.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._activation import softmax
from taeda.nn.functional._double import composite_backward, wants_graph
from taeda.nn.functional._kern_runtime import split_batch
from taeda.nn.functional._util import Kernel, data_of, wrap
from taeda.tensor import Tensor

__all__ = ["Attention", "composed_attention", "kernel_applies"]

Array = Any
_CHUNK_SCORES = 1 << 18  # scores per chunk (1 MB of float32; measured: chunks of 4-64 128x128 matrices within 2%)


def _safe_softmax(scores: Variable) -> Variable:
    if scores.shape[-1] == 0:  # no keys: empty weights, a zero output
        return scores
    dead = (data_of(scores) == -math.inf).all(-1, keepdim=True)  # rows with every key masked
    if not bool(dead.any()):
        return softmax(scores, -1)
    # NOTE: zeros in, zeros out: softmax of an all -inf row is NaN, and its backward would spread the NaN
    attn: Variable = tt.where(dead, 0.0, softmax(tt.where(dead, 0.0, scores), -1))
    return attn


def composed_attention(
    q: Variable,
    k: Variable,
    v: Variable,
    add: Tensor | Variable | None,
    scale: float,
    keep: Tensor | None,
    safe: bool = True,
) -> tuple[Variable, Variable]:
    """``(output, weights)`` of attention from Variable operations; ``safe=False`` keeps NaN rows for fully masked
    queries (PyTorch's ``MultiheadAttention`` with ``need_weights=True``)."""
    scores = (q * scale) @ k.transpose(-2, -1)
    if add is not None:
        scores = scores + add
    attn = _safe_softmax(scores) if safe else softmax(scores, -1)
    out: Variable = (attn if keep is None else attn * keep) @ v
    return out, attn


def kernel_applies(q: Variable, k: Variable, v: Variable, add: Tensor | Variable | None) -> bool:
    """True when :class:`Attention` computes these operands: NumPy float32/float64 of one dtype, equal batch
    dimensions (no broadcasting between them) and a mask that broadcasts to the scores."""
    qd, kd, vd = data_of(q), data_of(k), data_of(v)
    if qd.device.xp is not np or qd.ndim < 2 or not qd.dtype == kd.dtype == vd.dtype or qd.dtype not in _FLOATS:
        return False
    batch = tuple(qd.shape[:-2])
    if kd.ndim != qd.ndim or vd.ndim != qd.ndim or kd.shape[:-2] != batch or vd.shape[:-2] != batch:
        return False
    if kd.shape[-1] != qd.shape[-1] or vd.shape[-2] != kd.shape[-2]:
        return False
    if add is None:
        return True
    if isinstance(add, Variable):
        return False  # a mask that requires grad: the composed path differentiates it
    if add.dtype != qd.dtype:
        return False  # the composed path promotes, as before
    full = (*batch, qd.shape[-2], kd.shape[-2])
    try:
        return add.ndim <= len(full) and np.broadcast_shapes(tuple(add.shape), full) == full
    except ValueError:
        return False


_FLOATS = (tt.float32, tt.float64)


def _as3(a: Array, b: int) -> Array:
    return a.reshape(b, a.shape[-2], a.shape[-1])  # a copy only where the batch dimensions cannot merge


class Attention(Kernel):
    """``softmax(Q Kᵀ·scale + add) ⊙ keep @ V`` on NumPy arrays, forward and backward by chunks of matrices on two
    threads (see the module note). Saves the weights (and ``keep``), as PyTorch's math path does."""

    @staticmethod
    def forward(
        ctx: Any, q: Tensor, k: Tensor, v: Tensor, add: Tensor | None, scale: float, keep: Tensor | None
    ) -> Tensor:
        batch = tuple(q.shape[:-2])
        b = math.prod(batch)
        lq, s = q.shape[-2], k.shape[-2]
        qa, ka, va = _as3(q.array, b), _as3(k.array, b), _as3(v.array, b)
        dt = qa.dtype
        mask = None
        if add is not None:
            m = add.array.reshape((1,) * (len(batch) + 2 - add.ndim) + tuple(add.shape))
            mask = (
                m.reshape(m.shape[-2:])
                if all(d == 1 for d in m.shape[:-2])
                else _as3(np.broadcast_to(m, (*batch, *m.shape[-2:])), b)
            )
        kp = None if keep is None else _as3(keep.array, b)
        attn = np.empty((b, lq, s), dt)
        out = np.empty((b, lq, va.shape[-1]), dt)
        step = max(1, _CHUNK_SCORES // max(1, lq * s))
        sc_t = dt.type(scale)

        def part(i: int, j: int, _: int) -> None:
            for c in range(i, j, step):
                e = min(c + step, j)
                sc = attn[c:e]
                np.matmul(qa[c:e], ka[c:e].transpose(0, 2, 1), out=sc)
                sc *= sc_t
                if mask is not None:
                    sc += mask if mask.ndim == 2 else mask[c:e]
                _softmax_rows(sc)
                np.matmul(sc if kp is None else sc * kp[c:e], va[c:e], out=out[c:e])

        split_batch(part, b, np, attn.size + qa.size + ka.size + 2 * va.size)
        ctx.scale, ctx.add, ctx.keep, ctx.shapes = scale, add, keep, (q.shape, k.shape, v.shape)
        ctx.arrays = (qa, ka, va)  # views of q, k, v, or their contiguous copies: backward does not copy again
        ctx.save_for_backward(q, k, v, wrap(attn))  # (q, k, v: so that in-place edits since forward are caught)
        return wrap(out.reshape((*batch, lq, va.shape[-1])))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        needs = ctx.needs_input_grad[:3]
        if wants_graph(g):
            q, k, v, _ = ctx.saved_tensors
            grads = composite_backward(
                needs, (q, k, v), (g,), lambda q, k, v: composed_attention(q, k, v, ctx.add, ctx.scale, ctx.keep)[0]
            )
            return (*grads, None, None, None)
        attn = ctx.saved_tensors[3].array
        b, lq, s = attn.shape
        qa, ka, va = ctx.arrays
        ga = _as3(g.array, b)
        kp = None if ctx.keep is None else _as3(ctx.keep.array, b)
        dq, dk, dv = (np.empty(a.shape, a.dtype) if need else None for a, need in zip((qa, ka, va), needs))
        step = max(1, _CHUNK_SCORES // max(1, lq * s))
        sc_t = attn.dtype.type(ctx.scale)

        def part(i: int, j: int, _: int) -> None:
            for c in range(i, j, step):
                e = min(c + step, j)
                a, gc = attn[c:e], ga[c:e]
                if dv is not None:
                    ad = a if kp is None else a * kp[c:e]
                    np.matmul(ad.transpose(0, 2, 1), gc, out=dv[c:e])
                if dq is None and dk is None:
                    continue
                da = np.matmul(gc, va[c:e].transpose(0, 2, 1))
                if kp is not None:
                    da *= kp[c:e]
                da -= np.einsum("bij,bij->bi", da, a)[..., None]  # softmax backward: a ⊙ (da - rowsum(da ⊙ a))
                da *= a
                da *= sc_t
                if dq is not None:
                    np.matmul(da, ka[c:e], out=dq[c:e])
                if dk is not None:
                    np.matmul(da.transpose(0, 2, 1), qa[c:e], out=dk[c:e])

        split_batch(part, b, np, attn.size + qa.size + ka.size + 2 * va.size)
        grads = tuple(None if d is None else wrap(d.reshape(shape)) for d, shape in zip((dq, dk, dv), ctx.shapes))
        return (*grads, None, None, None)


def _softmax_rows(sc: Array) -> None:
    """Softmax along the last axis in place; rows that are all -inf become zeros (see the module note)."""
    if sc.shape[-1] == 0:  # no keys: nothing to weigh (the output is zeros)
        return
    mx = sc.max(-1, keepdims=True)
    mx[mx == -np.inf] = 0
    sc -= mx
    np.exp(sc, out=sc)
    total = sc.sum(-1, keepdims=True)
    total[total == 0] = 1
    np.reciprocal(total, out=total)
    sc *= total
