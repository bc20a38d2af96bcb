"""``pdist``: p-norm distances between all pairs of rows, in ``torch.nn.functional.pdist``'s condensed order."""

from __future__ import annotations

from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._double import composite_backward, wants_graph
from taeda.nn.functional._util import Kernel, TensorLike, as_var, wrap, xp_of
from taeda.tensor import Tensor

__all__ = ["pdist"]


class PdistL2(Kernel):
    """Euclidean ``pdist`` on arrays: the forward forms the differences of one row with the rows after it at a
    time (exact, as PyTorch's kernel; never the whole ``N**2 / 2 x M`` difference tensor); the backward needs no
    differences: ``grad_i = sum_j W_ij (x_i - x_j) = rowsum(W)_i x_i - (W @ x)_i`` with ``W_ij = g_ij / d_ij`` (0 where
    ``d_ij == 0``), one ``N x N`` matrix product. Under ``create_graph`` it differentiates the composite."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        a = x.array
        xp = x.device.xp
        n = a.shape[0]
        out = xp.empty(n * (n - 1) // 2, dtype=a.dtype)
        pos = 0
        for i in range(n - 1):
            d = a[i + 1 :] - a[i]
            k = n - 1 - i
            out[pos : pos + k] = xp.sqrt(xp.einsum("ij,ij->i", d, d))
            pos += k
        y = wrap(out)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any]:
        if not ctx.needs_input_grad[0]:
            return (None,)
        if wants_graph(g):
            return composite_backward(ctx.needs_input_grad, ctx.saved_tensors[:1], (g,), _pdist_l2_composite)
        x, y = ctx.saved_tensors
        a, d, ga = x.array, y.array, g.array
        xp = x.device.xp
        n = a.shape[0]
        safe = xp.where(d == 0, 1, d)
        w_c = xp.where(d == 0, 0, ga / safe).astype(a.dtype, copy=False)
        w = xp.zeros((n, n), dtype=a.dtype)
        i, j = xp.triu_indices(n, 1)
        w[i, j] = w_c
        w += w.T
        gx = w.sum(1)[:, None] * a - w @ a
        return (wrap(gx),)


def _pdist_l2_composite(x: Variable) -> Variable:
    return _pdist_composite(x, 2.0)


def _safe_root(s: Variable, p: float) -> Variable:
    """``s ** (1 / p)`` with gradient 0 where ``s == 0`` (PyTorch's pdist backward), not inf * 0."""
    zero = s.data == 0
    root: Variable = tt.where(zero, 1.0, s) ** (1.0 / p)
    out: Variable = tt.where(zero, 0.0, root)
    return out


def pdist(input: TensorLike, p: float = 2) -> Variable:
    """Distances ``‖x_i - x_j‖_p`` for ``i < j`` over the rows of an ``(N, M)`` input, as a vector of
    ``N * (N - 1) / 2`` entries (row-major upper triangle). Gradients follow PyTorch's pdist backward: zero where
    a distance is zero, and for ``p < 1`` zero where a coordinate difference is zero.

    Example::

        >>> F.pdist(taeda.autograd.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
        tensor([ 5., 10.,  5.])
    """
    x = as_var(input)
    if x.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.dim()}D")
    if x.data.array.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if p == 2:
        out: Variable = PdistL2.apply(x)
        return out
    return _pdist_composite(x, float(p))


def _pdist_composite(x: Variable, p: float) -> Variable:
    """pdist written with differentiable Variable operations (every ``p``; the double backward of ``PdistL2``)."""
    xp = xp_of(x)
    n = int(x.shape[0])
    i, j = xp.triu_indices(n, 1)
    diff = x[wrap(i)] - x[wrap(j)]
    a = diff.abs()
    if p == 0:
        count = wrap((diff.data.array != 0).sum(-1).astype(diff.data.array.dtype))
        zero_grad: Variable = tt.where(tt.ones(count.shape, dtype=tt.bool, device=count.device), count, a.sum(-1))
        return zero_grad
    if p == 1:
        l1: Variable = a.sum(-1)
        return l1
    if p == float("inf"):
        linf: Variable = a.amax(-1) if int(x.shape[1]) else a.sum(-1)
        return linf
    if p == 2:
        return _safe_root((diff * diff).sum(-1), 2.0)
    if p < 1:
        z = a.data == 0
        ap: Variable = tt.where(z, 0.0, tt.where(z, 1.0, a) ** p)
    else:
        ap = a**p
    return _safe_root(ap.sum(-1), float(p))
