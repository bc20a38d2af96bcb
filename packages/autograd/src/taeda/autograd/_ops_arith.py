"""Elementwise binary ops with broadcasting (Python scalars and plain Tensors mixed in), ``where`` and ``clamp``.

Each op is a ``Function``; gradients are formulas in methods Tensor and Variable share (so ``create_graph=True``
differentiates them again), returned in the broadcast shape: the engine sums each to its operand's shape with
``sum_to`` and casts it to the operand's dtype.
"""

from __future__ import annotations

import math
import operator
from typing import Any, ClassVar

import taeda.tensor as tt
from taeda.autograd._util import BuiltinFunction, TensorLike, scalar_op

_Tensor = tt.Tensor


class Add(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        if a.__class__ is _Tensor:  # Tensor's own fast paths (same results as scalar_op)
            return a + b
        return scalar_op(operator.add, a, b)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any]:
        return g, g


class Sub(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        if a.__class__ is _Tensor:
            return a - b
        return scalar_op(operator.sub, a, b)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any]:
        return g, (-g if ctx.needs_input_grad[1] else None)


class _Binary(BuiltinFunction):
    """Template: ``f(a, b)`` with gradient formulas ``da(g, a, b, y)``, ``db(g, a, b, y)``; ``uses_a``/``uses_b``
    name what each formula reads (``a``, ``b``, ``y``) so only that is saved. Gradients come back in the broadcast
    shape; the engine sums them to each operand's shape (``sum_to``)."""

    uses_a = ""
    uses_b = ""

    @staticmethod
    def f(a: Any, b: Any) -> Any:
        raise TypeError("abstract binary op")

    @staticmethod
    def da(g: Any, a: Any, b: Any, y: Any) -> Any:
        raise TypeError("abstract binary op")

    @staticmethod
    def db(g: Any, a: Any, b: Any, y: Any) -> Any:
        raise TypeError("abstract binary op")

    # needs_input_grad -> (save a, save b, save y), computed once per class from uses_a/uses_b
    _plans: ClassVar[dict[tuple[bool, bool], tuple[bool, bool, bool]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        plans = {}
        for na, nb in ((True, False), (False, True), (True, True)):
            uses = (cls.uses_a if na else "") + (cls.uses_b if nb else "")
            plans[(na, nb)] = ("a" in uses, "b" in uses, "y" in uses)
        cls._plans = plans

    @classmethod
    def forward(cls, ctx: Any, a: Any, b: Any) -> Any:
        y = cls.f(a, b)
        plan = cls._plans.get(ctx.needs_input_grad)
        if plan is not None:
            sa, sb, sy = plan
            isa = a.__class__ is _Tensor or isinstance(a, _Tensor)
            isb = b.__class__ is _Tensor or isinstance(b, _Tensor)
            ta = isa and sa
            tb = isb and sb
            if ta or tb or sy:
                ctx._to_save = (a if ta else None, b if tb else None, y if sy else None)
            ctx.info = (None if isa else a, None if isb else b)
        return y

    @classmethod
    def backward(cls, ctx: Any, g: TensorLike) -> tuple[Any, Any]:
        saved = ctx.saved_tensors
        if saved:
            a, b, y = saved
            if a is None or b is None:
                ca, cb = ctx.info
                a = ca if a is None else a
                b = cb if b is None else b
        else:
            a, b = ctx.info
            y = None
        na, nb = ctx.needs_input_grad
        return (cls.da(g, a, b, y) if na else None, cls.db(g, a, b, y) if nb else None)


def _mul(a: Any, b: Any) -> Any:
    if a.__class__ is _Tensor:
        return a * b
    return scalar_op(operator.mul, a, b)


def _div(a: Any, b: Any) -> Any:
    if a.__class__ is _Tensor:
        return a / b
    return scalar_op(operator.truediv, a, b)


class Mul(_Binary):
    uses_a = "b"
    uses_b = "a"
    f = staticmethod(_mul)
    da = staticmethod(lambda g, a, b, y: g * b)  # g is a Tensor or (create_graph) a Variable: their operators
    db = staticmethod(lambda g, a, b, y: g * a)

    @classmethod
    def backward(cls, ctx: Any, g: TensorLike) -> tuple[Any, Any]:
        """``_Binary.backward`` with Mul's formulas inlined (the hottest binary op)."""
        saved = ctx.saved_tensors
        if saved:
            a, b, _ = saved
            if a is None or b is None:
                ca, cb = ctx.info
                a = ca if a is None else a
                b = cb if b is None else b
        else:
            a, b = ctx.info
        na, nb = ctx.needs_input_grad
        return (g * b if na else None, g * a if nb else None)


class Div(_Binary):
    uses_a = "b"
    uses_b = "ab"
    f = staticmethod(_div)
    da = staticmethod(lambda g, a, b, y: g / b)
    db = staticmethod(lambda g, a, b, y: -g * a / (b * b))


def _pow_da(g: Any, a: Any, b: Any, y: Any) -> Any:
    if isinstance(b, (int, float)):
        if b == 0:
            return g * 0
        if b == 2:
            return g * (a + a)
        return g * (a ** (b - 1) * b)
    return g * (b * a ** (b - 1)).masked_fill(b == 0, 0)


def _pow_db(g: Any, a: Any, b: Any, y: Any) -> Any:
    if isinstance(a, (int, float)):
        if a > 0:
            return g * (y * math.log(a))
        return g * (y * 0)
    return (g * (y * a.log())).masked_fill((a == 0) & (b >= 0), 0)


def _pow(a: Any, b: Any) -> Any:
    if b.__class__ is int and b == 2:
        return a * a  # exact, and avoids the slower tensor-scalar power
    return a**b


class Pow(_Binary):
    uses_a = "ab"
    uses_b = "ay"
    f = staticmethod(_pow)
    da = staticmethod(_pow_da)
    db = staticmethod(_pow_db)


class Atan2(_Binary):
    uses_a = "ab"
    uses_b = "ab"
    f = staticmethod(lambda a, b: a.atan2(b) if isinstance(a, _Tensor) else tt.atan2(tt.tensor(a), b))
    da = staticmethod(lambda g, a, b, y: g * b / _atan2_den(a, b))
    db = staticmethod(lambda g, a, b, y: g * -a / _atan2_den(a, b))


def _atan2_den(a: Any, b: Any) -> Any:
    """``a * a + b * b``, infinite where both are 0: the gradient of ``atan2(0, 0)`` is 0 (PyTorch), not NaN."""
    d = a * a + b * b
    return d.masked_fill(d == 0, math.inf)


def _share(g: Any, a: Any, b: Any, first_wins: bool) -> Any:
    """The part of ``g`` that ``maximum`` (``first_wins``: a > b) sends to ``a``; ties split evenly (PyTorch)."""
    win = (a > b) if first_wins else (a < b)
    w = win.to(g.dtype) + (a == b).to(g.dtype) * 0.5
    return g * w


class Maximum(_Binary):
    uses_a = "ab"
    uses_b = "ab"
    f = staticmethod(lambda a, b: a.maximum(b))
    da = staticmethod(lambda g, a, b, y: _share(g, a, b, True))
    db = staticmethod(lambda g, a, b, y: _share(g, b, a, True))


class Minimum(_Binary):
    uses_a = "ab"
    uses_b = "ab"
    f = staticmethod(lambda a, b: a.minimum(b))
    da = staticmethod(lambda g, a, b, y: _share(g, a, b, False))
    db = staticmethod(lambda g, a, b, y: _share(g, b, a, False))


class Remainder(_Binary):
    uses_a = ""
    uses_b = "ab"
    f = staticmethod(lambda a, b: a % b)
    da = staticmethod(lambda g, a, b, y: g + 0)
    db = staticmethod(lambda g, a, b, y: -g * (a / b).floor())


class Fmod(_Binary):
    uses_a = ""
    uses_b = "ab"
    f = staticmethod(lambda a, b: a.fmod(b))
    da = staticmethod(lambda g, a, b, y: g + 0)
    db = staticmethod(lambda g, a, b, y: -g * (a / b).trunc())


class Where(BuiltinFunction):
    """``where(cond, a, b)``; ``a``/``b`` may be scalars."""

    @staticmethod
    def forward(ctx: Any, cond: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(cond)
        return tt.where(cond, a, b)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any, Any]:
        (cond,) = ctx.saved_tensors
        _, na, nb = ctx.needs_input_grad
        ga = g.masked_fill(~cond, 0) if na else None
        gb = g.masked_fill(cond, 0) if nb else None
        return None, ga, gb


class Clamp(BuiltinFunction):
    """``clamp(a, min, max)`` with scalar or constant-Tensor bounds; the gradient passes where min <= a <= max."""

    @staticmethod
    def forward(ctx: Any, a: Any, lo: Any, hi: Any) -> Any:
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a)
            ctx.bounds = (lo, hi)
        return a.clamp(lo, hi)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None]:
        (a,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        if lo is None:  # written so that NaN is outside the bounds too (no gradient, as PyTorch)
            out = ~(a <= hi)
        elif hi is None:
            out = ~(a >= lo)
        else:
            out = ~((a >= lo) & (a <= hi))
        return g.masked_fill(out, 0), None, None


class Relu(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        y = a.clamp(min=0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        (y,) = ctx.saved_tensors
        return g.masked_fill(y <= 0, 0)
