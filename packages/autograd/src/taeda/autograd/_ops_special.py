"""Elementwise special functions: ``xlogy``, ``logit``, ``sinc``, ``i0`` (and its derivative ``i1``), ``angle``
and ``conj``.

Gradients follow PyTorch's ``derivatives.yaml`` / ``FunctionsManual.cpp``: ``xlogy`` sends ``xlogy(g, other)`` to
``input``, 0 where ``input == 0`` and ``other <= 0``, and ``g * input / other`` to ``other``; ``logit`` is 0 outside
``[eps, 1 - eps]`` when ``eps`` is given (NaN outside ``[0, 1]`` without it); ``sinc``'s is 0 where ``pi x^2`` is 0;
``i0``'s is ``g * i1(x)`` and ``i1``'s ``g * (i0(x) - i1(x) / x)`` with 0.5 where ``|x| <= eps``; ``angle`` of a real
tensor has a zero gradient. The formulas use ops Tensor and Variable share, so ``create_graph=True`` differentiates
them again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._ops_arith import _Binary
from taeda.autograd._ops_decomp import _real_only
from taeda.autograd._util import BuiltinFunction, TensorLike

_Tensor = tt.Tensor


def _xlogy(a: Any, b: Any) -> Any:
    return tt.xlogy(a, b)


def _xlogy_da(g: Any, a: Any, b: Any, y: Any) -> Any:
    """PyTorch: ``xlogy(grad, other).masked_fill((self == 0) & (other <= 0), 0)``."""
    r = tt.xlogy(g, b)
    zero = a == 0
    if isinstance(b, (int, float)):
        return r.masked_fill(zero, 0) if b <= 0 else r
    return r.masked_fill(zero & (b <= 0), 0)


class Xlogy(_Binary):
    uses_a = "ab"
    uses_b = "ab"
    f = staticmethod(_xlogy)
    da = staticmethod(_xlogy_da)
    db = staticmethod(lambda g, a, b, y: g * a / b)


class Logit(BuiltinFunction):
    """``logit(x, eps)``; the gradient ``g / (x (1 - x))`` is 0 where ``x`` is outside ``[eps, 1 - eps]`` (``eps``
    given and not negative, the bounds in the input dtype as PyTorch's kernel) or NaN outside ``[0, 1]``."""

    @staticmethod
    def forward(ctx: Any, a: Any, eps: Any) -> Any:
        ctx.save_for_backward(a)
        ctx.eps = eps
        return tt.logit(a, eps)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        (x,) = ctx.saved_tensors
        eps = ctx.eps
        r = g / (x * (1 - x))
        if eps is None or eps < 0:
            return r.masked_fill((x < 0) | (x > 1), float("nan")), None
        dt = np.dtype(x.dtype)
        lo = dt.type(eps)
        hi = dt.type(1) - lo
        return r.masked_fill((x < float(lo)) | (x > float(hi)), 0), None


class Sinc(BuiltinFunction):
    """PyTorch's ``sinc_backward``: ``g (pi x cos(pi x) - sin(pi x)) / (pi x^2)``, 0 where ``pi x^2`` is 0."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return tt.sinc(a)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        (x,) = ctx.saved_tensors
        _real_only(x, "sinc")
        xpi = x * np.pi
        sq = x * x * np.pi
        out = g * (xpi * xpi.cos() - xpi.sin()) / sq
        return out.masked_fill(sq == 0, 0)


def i1(x: Any) -> Any:
    """The modified Bessel function of the first kind of order 1 (differentiable on a Variable)."""
    if isinstance(x, _Tensor):
        return tt.special.i1(x)
    return I1.apply(x)


class I0(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return tt.i0(a)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        (x,) = ctx.saved_tensors
        return g * i1(x)


class I1(BuiltinFunction):
    """``i1`` (the derivative of ``i0``), with PyTorch's ``i1_backward``."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        y = i1(a)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        x, y = ctx.saved_tensors
        eps = float(np.finfo(np.dtype(x.dtype)).eps)
        tiny = x.abs() <= eps
        safe = x.masked_fill(tiny, eps)
        d = (tt.i0(safe) - y * safe.reciprocal()).masked_fill(tiny, 0.5)
        return g * d


class Angle(BuiltinFunction):
    """``angle`` of a real tensor: ``pi`` or 0, with a zero gradient (PyTorch's ``angle_backward``)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.info = (tuple(a.shape), a.dtype)
        return tt.angle(a)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        shape, dtype = ctx.info
        _real_only(np.empty(0, dtype), "angle")
        return g.new_zeros(shape)


class SgnComplex(BuiltinFunction):
    """``sgn`` of a complex tensor (``z / |z|``): its derivative is not implemented (a real tensor's ``sgn`` is
    ``sign``)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return tt.sgn(a)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        raise NotImplementedError("the derivative of sgn for complex inputs is not implemented in taeda.autograd")


class Conj(BuiltinFunction):
    """The complex conjugate; the gradient is ``g.conj()``."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return tt.conj_physical(a)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        return tt.conj_physical(g)
