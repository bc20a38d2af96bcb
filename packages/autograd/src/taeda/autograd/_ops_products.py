"""Products and diagonals: ``addmm``, ``kron``, ``cross``, ``trace`` and ``diag_embed`` (any dims).

Backward formulas are PyTorch's and use ops that Tensor and Variable share, so ``create_graph=True``
differentiates them again.
"""

from __future__ import annotations

from typing import Any

import taeda.tensor as tt
from taeda.autograd._ops_shape import DiagonalGrad
from taeda.autograd._util import BuiltinFunction, TensorLike


def _dense(g: Any) -> Any:
    """``g`` with real strides (an expanded gradient, e.g. sum's, has zero strides that BLAS refuses)."""
    if isinstance(g, tt.Tensor) and g.ndim and 0 in g.stride():
        return g.contiguous()
    return g


class Addmm(BuiltinFunction):
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape."""

    @staticmethod
    def forward(ctx: Any, a: Any, m1: Any, m2: Any, beta: Any, alpha: Any) -> Any:
        _, n1, n2, _, _ = ctx.needs_input_grad
        ctx.save_for_backward(m1 if n2 else None, m2 if n1 else None)
        ctx.scale = (beta, alpha)
        return tt.addmm(a, m1, m2, beta=beta, alpha=alpha)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any, Any, None, None]:
        m1, m2 = ctx.saved_tensors
        na, n1, n2, _, _ = ctx.needs_input_grad
        beta, alpha = ctx.scale
        g = _dense(g)
        ga = (g if beta == 1 else g * beta) if na else None
        g1 = g2 = None
        if n1:
            g1 = g @ m2.mT
            g1 = g1 if alpha == 1 else g1 * alpha
        if n2:
            g2 = m1.mT @ g
            g2 = g2 if alpha == 1 else g2 * alpha
        return ga, g1, g2, None, None


class Trace(BuiltinFunction):
    """Sum of a matrix's diagonal; the gradient is ``g`` on the diagonal."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.shape = a.array.shape
        return a.trace()

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        shape = ctx.shape
        return DiagonalGrad.apply(g.expand(min(shape)), shape, 0, 0, 1)


class DiagEmbedDims(BuiltinFunction):
    """``diag_embed(input, offset, dim1, dim2)``: the last dim of ``input`` on a diagonal of new dims; the gradient
    is that diagonal of ``g``."""

    @staticmethod
    def forward(ctx: Any, a: Any, offset: int, dim1: int, dim2: int) -> Any:
        ctx.info = (offset, dim1, dim2)
        return a.diag_embed(offset, dim1, dim2)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        offset, d1, d2 = ctx.info
        return g.diagonal(offset, d1, d2), None, None, None


DiagEmbedDims._backward_cls.__name__ = DiagEmbedDims._backward_cls.__qualname__ = "DiagEmbedBackward"


def _kron_layout(sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Shapes of ``a`` and ``b`` padded to one rank and interleaved: ``kron(a, b)`` viewed as
    ``(a0, b0, a1, b1, ...)`` is ``a.reshape(a0, 1, a1, 1, ...) * b.reshape(1, b0, 1, b1, ...)``."""
    nd = max(len(sa), len(sb))
    pa = (1,) * (nd - len(sa)) + tuple(sa)
    pb = (1,) * (nd - len(sb)) + tuple(sb)
    inter = tuple(x for pair in zip(pa, pb) for x in pair)
    ra = tuple(x for s in pa for x in (s, 1))
    rb = tuple(x for s in pb for x in (1, s))
    return inter, ra, rb


class Kron(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(a if nb else None, b if na else None)
        ctx.shapes = (a.array.shape, b.array.shape)
        return tt.kron(a, b)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        inter, ra, rb = _kron_layout(sa, sb)
        gr = g.reshape(inter)
        even = tuple(range(0, len(inter), 2))
        odd = tuple(range(1, len(inter), 2))
        ga = gb = None
        if na:
            ga = gr * b.reshape(rb)
            ga = (ga.sum(dim=odd) if odd else ga).reshape(sa)
        if nb:
            gb = gr * a.reshape(ra)
            gb = (gb.sum(dim=even) if even else gb).reshape(sb)
        return ga, gb


class Cross(BuiltinFunction):
    """Cross product of 3-vectors along ``dim`` (given as a negative dim, valid after broadcasting); the gradients
    are ``cross(other, g)`` and ``cross(g, input)`` (PyTorch)."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, dim: int) -> Any:
        na, nb, _ = ctx.needs_input_grad
        ctx.save_for_backward(a if nb else None, b if na else None)
        ctx.dim = dim
        return tt.cross(a, b, dim=dim)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any, None]:
        a, b = ctx.saved_tensors
        na, nb, _ = ctx.needs_input_grad
        d = ctx.dim
        return tt.cross(b, g, dim=d) if na else None, tt.cross(g, a, dim=d) if nb else None, None


def cross_dim(a: Any, b: Any, dim: int | None) -> int:
    """``dim`` as a negative dim of the broadcast result; None picks the first dim of size 3 (``torch.cross``'s
    deprecated default)."""
    shape = tuple(tt.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
    nd = len(shape)
    if dim is None:
        ash = tuple(a.shape)
        hits = [i for i, s in enumerate(ash) if s == 3]
        if not hits:
            raise RuntimeError("no dimension of size 3 in input")
        return hits[0] - len(ash)
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    return dim % nd - nd
