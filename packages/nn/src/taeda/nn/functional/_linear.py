"""``linear`` and ``bilinear``: fused forward/backward kernels (one GEMM per product, bias added in place)."""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from taeda.autograd import Variable, once_differentiable
from taeda.nn.functional._argcheck import raise_if_not_tensor
from taeda.nn.functional._double import wants_graph
from taeda.nn.functional._util import Kernel, TensorLike, data_of, xp_of
from taeda.tensor import Tensor, as_tensor

__all__ = ["bilinear", "linear"]

_nd = _np.ndarray
FEW_ROWS = (8, 64)  # batch sizes for which a forward GEMM runs as W xᵀ (measured faster, see Linear.forward)


class Linear(Kernel):
    """y = x Wᵀ + b over the last dimension of ``x`` (W two-dimensional; shapes and dtypes checked here, on the
    arrays, where it is cheapest)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
        xa, wa = x.array, w.array
        dt = wa.dtype
        if xa.ndim == 0 or xa.shape[-1] != wa.shape[1] or (xa.dtype is not dt and xa.dtype != dt):
            _check(xa, wa)
        ba = None
        if b is not None:
            ba = b.array
            if ba.dtype is not dt and ba.dtype != dt:
                raise RuntimeError(f"linear: bias dtype {ba.dtype} does not match weight dtype {dt}")
        lead = xa.shape[:-1]
        if xa.ndim > 2:
            # NOTE: NumPy multiplies a stack by a matrix one matrix at a time; one GEMM over all rows is up to 2x
            # faster ((32,35,512) rows into 10000 outputs: 121 -> 57 ms). A copy only when x's rows do not merge.
            xa = xa.reshape(math.prod(lead), xa.shape[-1])
        if xa.ndim == 2 and FEW_ROWS[0] <= xa.shape[0] <= FEW_ROWS[1] and wa.shape[0] >= 128 and type(xa) is _nd:
            # NOTE: with a few rows, OpenBLAS computes W xᵀ up to 2x faster than x Wᵀ (0.43-0.93x of the time
            # for 8-64 rows and 256-1024 outputs); the transposing copy into a C-ordered y (with the bias) is cheap
            yt = wa @ xa.T
            y = _np.empty((xa.shape[0], wa.shape[0]), dt)
            if ba is None:
                _np.copyto(y, yt.T)
            else:
                _np.add(yt.T, ba, out=y)
        else:
            y = xa @ wa.T  # a transposed view: BLAS reads W as it is (no copy)
            if ba is not None:
                y += ba
        ctx.save_for_backward(x, w)
        return as_tensor(y if len(lead) < 2 else y.reshape((*lead, wa.shape[0])))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, Any, Any]:
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if g.__class__ is not Tensor and isinstance(g, Variable):  # create_graph=True: differentiable formulas
            gv = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
            xv = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            return (
                g @ w if need_x else None,
                gv.transpose(0, 1) @ xv if need_w else None,
                gv.sum(0) if need_b else None,
            )
        ga = g.array
        g2 = ga if ga.ndim == 2 else ga.reshape(math.prod(ga.shape[:-1]), ga.shape[-1])  # one GEMM (see forward)
        gx = None
        if need_x:
            gx = as_tensor(g2 @ w.array if ga.ndim == 2 else (g2 @ w.array).reshape(x.shape))
        gw = gb = None
        if need_w or need_b:
            if need_w:
                xa = x.array
                gw = as_tensor(g2.T @ (xa if xa.ndim == 2 else xa.reshape(g2.shape[0], xa.shape[-1])))
            if need_b:
                gb = as_tensor(g2.sum(0))
        return gx, gw, gb


def _shape_str(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


def _check(xa: Any, wa: Any, force: bool = False) -> None:
    """PyTorch's errors for an input that does not fit a (out, in) weight (shapes first, then dtypes)."""
    xs, ws = tuple(xa.shape), tuple(wa.shape)
    if force or len(xs) == 0 or xs[-1] != ws[-1]:
        m = 1
        for s in xs[:-1]:
            m *= s
        lhs = (m, xs[-1]) if xs else ()
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(lhs)} and {_shape_str(tuple(reversed(ws)))})"
        )
    if xa.dtype != wa.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {xa.dtype} and {wa.dtype}")


def linear(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None) -> Variable:
    """Apply ``y = x Wᵀ + b`` over the last dimension of ``input``.

    Example::

        >>> F.linear(x, w, b)      # x: (N, in), w: (out, in), b: (out,) -> (N, out)
    """
    try:
        if weight.ndim == 2:
            out: Variable = Linear.apply(input, weight, bias)
            return out
        if weight.ndim != 1:
            _check(data_of(input).array, data_of(weight).array, force=True)
        # a vector of weights: one output feature, squeezed away (as PyTorch)
        _check(data_of(input).array, data_of(weight).array)
        w2 = (weight if isinstance(weight, Variable) else Variable(weight)).unsqueeze(0)
        b2 = None if bias is None else (bias if isinstance(bias, Variable) else Variable(bias)).reshape(1)
        squeezed: Variable = Linear.apply(input, w2, b2).squeeze(-1)
        return squeezed
    except AttributeError:
        raise_if_not_tensor("linear", ("input", "weight", "bias"), (input, weight, bias), optional=1)
        raise


class Bilinear(Kernel):
    """y_k = x1ᵀ W_k x2 + b_k."""

    @staticmethod
    def forward(ctx: Any, x1: Tensor, x2: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
        xp = xp_of(x1)
        y = xp.einsum("...i,kij,...j->...k", x1.array, w.array, x2.array, optimize=True)
        if b is not None:
            y += b.array
        ctx.save_for_backward(x1, x2, w)
        return as_tensor(y)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        if wants_graph(g):  # create_graph=True: the same products as differentiable matmuls
            return _bilinear_graph_backward(ctx, g)
        return Bilinear._backward_arrays(ctx, g)  # type: ignore[no-any-return]

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx: Any, g: Tensor) -> tuple[Tensor | None, ...]:
        x1, x2, w = ctx.saved_tensors
        xp = xp_of(x1)
        ga, a1, a2, wa = g.array, x1.array, x2.array, w.array
        need = ctx.needs_input_grad
        g1 = as_tensor(xp.einsum("...k,kij,...j->...i", ga, wa, a2, optimize=True)) if need[0] else None
        g2 = as_tensor(xp.einsum("...k,kij,...i->...j", ga, wa, a1, optimize=True)) if need[1] else None
        gw = None
        if need[2]:
            gf, f1, f2 = ga.reshape(-1, ga.shape[-1]), a1.reshape(-1, a1.shape[-1]), a2.reshape(-1, a2.shape[-1])
            gw = as_tensor(xp.einsum("nk,ni,nj->kij", gf, f1, f2, optimize=True))
        gb = as_tensor(ga.reshape(-1, ga.shape[-1]).sum(0)) if need[3] else None
        return g1, g2, gw, gb


def _bilinear_graph_backward(ctx: Any, g: Variable) -> tuple[Variable | None, ...]:
    """Bilinear's gradients from Variable ops (matmuls over the flattened batch), differentiable again."""
    x1, x2, w = ctx.saved_tensors
    need = ctx.needs_input_grad
    k, i, j = tuple(w.shape)
    lead = tuple(g.shape[:-1])
    gf, f1, f2 = g.reshape(-1, k), x1.reshape(-1, i), x2.reshape(-1, j)
    g1 = g2 = gw = gb = None
    if need[0] or need[1]:
        gwm = (gf @ w.reshape(k, i * j)).reshape(-1, i, j)  # sum_k g_k W_k per sample
        if need[0]:
            g1 = (gwm @ f2.unsqueeze(-1)).reshape(*lead, i)
        if need[1]:
            g2 = (f1.unsqueeze(1) @ gwm).reshape(*lead, j)
    if need[2]:
        gw = (gf.transpose(0, 1) @ (f1.unsqueeze(2) * f2.unsqueeze(1)).reshape(-1, i * j)).reshape(k, i, j)
    if need[3]:
        gb = gf.sum(0)
    return g1, g2, gw, gb


def bilinear(input1: TensorLike, input2: TensorLike, weight: TensorLike, bias: TensorLike | None = None) -> Variable:
    """Apply ``y_k = x1ᵀ W_k x2 + b_k``.

    Example::

        >>> F.bilinear(x1, x2, w, b)   # x1: (N, in1), x2: (N, in2), w: (out, in1, in2) -> (N, out)
    """
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, but got shape {tuple(weight.shape)}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {tuple(input1.shape)} and {tuple(input2.shape)}"
        )
    if input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input sizes {tuple(input1.shape)} and {tuple(input2.shape)} do not match "
            f"weight shape {tuple(weight.shape)}"
        )
    out: Variable = Bilinear.apply(input1, input2, weight, bias)
    return out
