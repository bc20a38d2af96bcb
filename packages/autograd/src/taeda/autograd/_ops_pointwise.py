"""More elementwise ops with broadcasting: ``addcmul``, ``addcdiv``, ``hypot``, ``copysign``, ``fmax``, ``fmin``.

Gradients follow PyTorch's ``derivatives.yaml``: ``copysign`` sends nothing to ``other`` (zeros) and 0 to ``input``
where it is 0; ``fmax``/``fmin`` give a tie to ``input`` entirely (not split as ``maximum`` does) and the gradient
to the operand that is not NaN. Gradients come back in the broadcast shape; the engine sums them to each operand's
shape.
"""

from __future__ import annotations

import math
from typing import Any

import taeda.tensor as tt
from taeda.autograd._ops_arith import _Binary
from taeda.autograd._util import BuiltinFunction, TensorLike

_Tensor = tt.Tensor


class Addcmul(BuiltinFunction):
    """``input + value * tensor1 * tensor2``."""

    @staticmethod
    def forward(ctx: Any, a: Any, t1: Any, t2: Any, value: Any) -> Any:
        _, n1, n2, _ = ctx.needs_input_grad
        ctx.save_for_backward(t1 if n2 else None, t2 if n1 else None)
        ctx.value = value
        return tt.addcmul(a, t1, t2, value=value)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any, Any, None]:
        t1, t2 = ctx.saved_tensors
        na, n1, n2, _ = ctx.needs_input_grad
        v = ctx.value
        return g if na else None, g * (t2 * v) if n1 else None, g * (t1 * v) if n2 else None, None


class Addcdiv(BuiltinFunction):
    """``input + value * tensor1 / tensor2``."""

    @staticmethod
    def forward(ctx: Any, a: Any, t1: Any, t2: Any, value: Any) -> Any:
        _, n1, n2, _ = ctx.needs_input_grad
        ctx.save_for_backward(t1 if n2 else None, t2 if (n1 or n2) else None)
        ctx.value = value
        return tt.addcdiv(a, t1, t2, value=value)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any, Any, None]:
        t1, t2 = ctx.saved_tensors
        na, n1, n2, _ = ctx.needs_input_grad
        v = ctx.value
        g1 = g * (v / t2) if n1 else None
        g2 = -g * (v * t1 / (t2 * t2)) if n2 else None
        return g if na else None, g1, g2, None


def _isnan(x: Any) -> Any:
    return x.isnan() if hasattr(x, "isnan") else math.isnan(x)


def _pick_first(a: Any, b: Any, largest: bool) -> Any:
    """Where ``fmax`` (``largest``) / ``fmin`` returns ``a``: ``a >= b`` (``a <= b``) or ``b`` is NaN."""
    win = (a >= b) if largest else (a <= b)
    nan = _isnan(b)
    if isinstance(nan, bool):  # a Python scalar ``b``
        return win | True if nan else win
    return win | nan


def _hypot(a: Any, b: Any) -> Any:
    return a.hypot(b) if isinstance(a, _Tensor) else tt.hypot(tt.tensor(a, dtype=b.dtype), b)


def _copysign(a: Any, b: Any) -> Any:
    return a.copysign(b) if isinstance(a, _Tensor) else tt.copysign(tt.tensor(a, dtype=b.dtype), b)


def _copysign_da(g: Any, a: Any, b: Any, y: Any) -> Any:
    """PyTorch's ``copysign_tensor_self_backward``: ``g * result / input``, 0 where ``input`` is 0."""
    return g * (y / a).masked_fill(a == 0, 0)


class Hypot(_Binary):
    uses_a = "ay"
    uses_b = "by"
    f = staticmethod(_hypot)
    da = staticmethod(lambda g, a, b, y: g * a / y)
    db = staticmethod(lambda g, a, b, y: g * b / y)


class Copysign(_Binary):
    uses_a = "ay"
    uses_b = ""
    f = staticmethod(_copysign)
    da = staticmethod(_copysign_da)
    db = staticmethod(lambda g, a, b, y: g.new_zeros(tuple(g.shape)))


class Fmax(_Binary):
    uses_a = "ab"
    uses_b = "ab"
    f = staticmethod(lambda a, b: a.fmax(b) if isinstance(a, _Tensor) else tt.fmax(tt.tensor(a, dtype=b.dtype), b))
    da = staticmethod(lambda g, a, b, y: g.masked_fill(~_pick_first(a, b, True), 0))
    db = staticmethod(lambda g, a, b, y: g.masked_fill(_pick_first(a, b, True), 0))


class Fmin(_Binary):
    uses_a = "ab"
    uses_b = "ab"
    f = staticmethod(lambda a, b: a.fmin(b) if isinstance(a, _Tensor) else tt.fmin(tt.tensor(a, dtype=b.dtype), b))
    da = staticmethod(lambda g, a, b, y: g.masked_fill(~_pick_first(a, b, False), 0))
    db = staticmethod(lambda g, a, b, y: g.masked_fill(_pick_first(a, b, False), 0))
