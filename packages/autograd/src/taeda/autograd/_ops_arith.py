"""Elementwise binary ops with broadcasting (Python scalars and plain Tensors mixed in), ``where`` and ``clamp``.

Each op is a ``Function``; gradients are formulas in methods Tensor and Variable share, reduced to each operand's
shape by ``sum_to`` (via ``unbroadcast``), so ``create_graph=True`` differentiates them again.
"""

from __future__ import annotations

import math
from typing import Any

import taeda.tensor as tt

from taeda.autograd._util import BuiltinFunction, TensorLike, meta, unbroadcast

_Tensor = tt.Tensor


class Add(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.m = (meta(a), meta(b))
        return a + b

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any]:
        ma, mb = ctx.m
        na, nb = ctx.needs_input_grad
        return (unbroadcast(g, ma) if na else None, unbroadcast(g, mb) if nb else None)


class Sub(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.m = (meta(a), meta(b))
        return a - b

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any]:
        ma, mb = ctx.m
        na, nb = ctx.needs_input_grad
        return (unbroadcast(g, ma) if na else None, unbroadcast(-g, mb) if nb else None)


class _Binary(BuiltinFunction):
    """Template: ``f(a, b)`` with gradient formulas ``da(g, a, b, y)``, ``db(g, a, b, y)``; ``uses_a``/``uses_b``
    name what each formula reads (``a``, ``b``, ``y``) so only that is saved."""

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

    @classmethod
    def forward(cls, ctx: Any, a: Any, b: Any) -> Any:
        y = cls.f(a, b)
        na, nb = ctx.needs_input_grad
        if na or nb:
            uses = (cls.uses_a if na else "") + (cls.uses_b if nb else "")
            ta = isinstance(a, _Tensor)
            tb = isinstance(b, _Tensor)
            ctx.save_for_backward(
                a if ta and "a" in uses else None, b if tb and "b" in uses else None, y if "y" in uses else None
            )
            ctx.c = (None if ta else a, None if tb else b, meta(a) if na else None, meta(b) if nb else None)
        return y

    @classmethod
    def backward(cls, ctx: Any, g: TensorLike) -> tuple[Any, Any]:
        a, b, y = ctx.saved_tensors
        ca, cb, ma, mb = ctx.c
        if a is None:
            a = ca
        if b is None:
            b = cb
        return (
            unbroadcast(cls.da(g, a, b, y), ma) if ma is not None else None,
            unbroadcast(cls.db(g, a, b, y), mb) if mb is not None else None,
        )


class Mul(_Binary):
    uses_a = "b"
    uses_b = "a"
    f = staticmethod(lambda a, b: a * b)
    da = staticmethod(lambda g, a, b, y: g * b)
    db = staticmethod(lambda g, a, b, y: g * a)


class Div(_Binary):
    uses_a = "b"
    uses_b = "ab"
    f = staticmethod(lambda a, b: a / b)
    da = staticmethod(lambda g, a, b, y: g / b)
    db = staticmethod(lambda g, a, b, y: -g * a / (b * b))


def _pow_da(g: Any, a: Any, b: Any, y: Any) -> Any:
    if isinstance(b, (int, float)):
        if b == 0:
            return g * 0
        if b == 2:
            return g * (a * 2)
        return g * (a ** (b - 1) * b)
    return g * (b * a ** (b - 1)).masked_fill(b == 0, 0)


def _pow_db(g: Any, a: Any, b: Any, y: Any) -> Any:
    if isinstance(a, (int, float)):
        if a > 0:
            return g * (y * math.log(a))
        return g * (y * 0)
    return (g * (y * a.log())).masked_fill((a == 0) & (b >= 0), 0)


class Pow(_Binary):
    uses_a = "ab"
    uses_b = "ay"
    f = staticmethod(lambda a, b: a**b)
    da = staticmethod(_pow_da)
    db = staticmethod(_pow_db)


class Atan2(_Binary):
    uses_a = "ab"
    uses_b = "ab"
    f = staticmethod(lambda a, b: a.atan2(b) if isinstance(a, _Tensor) else tt.atan2(tt.tensor(a), b))
    da = staticmethod(lambda g, a, b, y: g * b / (a * a + b * b))
    db = staticmethod(lambda g, a, b, y: g * -a / (a * a + b * b))


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
        ctx.m = (meta(a), meta(b))
        return tt.where(cond, a, b)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any, Any]:
        (cond,) = ctx.saved_tensors
        ma, mb = ctx.m
        _, na, nb = ctx.needs_input_grad
        ga = unbroadcast(g.masked_fill(~cond, 0), ma) if na else None
        gb = unbroadcast(g.masked_fill(cond, 0), mb) if nb else None
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
        if lo is None:
            out = a > hi
        elif hi is None:
            out = a < lo
        else:
            out = (a < lo) | (a > hi)
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

