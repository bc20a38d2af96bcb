"""Elementwise unary ops, one ``Function`` each, generated from a table of derivative formulas.

Each formula reads the input ``x``, the output ``y`` or both (``uses``), and is written with methods Tensor and
Variable share, so double backward works.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import methodcaller
from typing import Any

from taeda.autograd._util import BuiltinFunction, TensorLike

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_2_SQRTPI = 2.0 / math.sqrt(math.pi)
_SQRTPI_2 = math.sqrt(math.pi) / 2.0


class _Unary(BuiltinFunction):
    uses = "x"
    f: Callable[[Any], Any]
    d: Callable[[Any, Any, Any], Any]

    @classmethod
    def forward(cls, ctx: Any, x: Any) -> Any:
        y = cls.f(x)
        if ctx.needs_input_grad[0]:
            uses = cls.uses
            if uses == "y":
                ctx._to_save = (y,)
            elif uses == "x":
                ctx._to_save = (x,)
            elif uses == "xy":
                ctx._to_save = (x, y)
        return y

    @classmethod
    def backward(cls, ctx: Any, g: TensorLike) -> Any:
        uses = cls.uses
        if uses == "x":
            (x,) = ctx.saved_tensors
            return cls.d(g, x, None)
        if uses == "y":
            (y,) = ctx.saved_tensors
            return cls.d(g, None, y)
        if uses == "xy":
            x, y = ctx.saved_tensors
            return cls.d(g, x, y)
        return cls.d(g, None, None)


def _zero(g: Any, x: Any, y: Any) -> Any:
    return g * 0


# name: (uses, derivative(g, x, y))
_TABLE: dict[str, tuple[str, Callable[[Any, Any, Any], Any]]] = {
    "neg": ("", lambda g, x, y: -g),
    "abs": ("x", lambda g, x, y: g * x.sign()),
    "exp": ("y", lambda g, x, y: g * y),
    "exp2": ("y", lambda g, x, y: g * (y * _LN2)),
    "expm1": ("y", lambda g, x, y: g * (y + 1)),
    "log": ("x", lambda g, x, y: g / x),
    "log2": ("x", lambda g, x, y: g / (x * _LN2)),
    "log10": ("x", lambda g, x, y: g / (x * _LN10)),
    "log1p": ("x", lambda g, x, y: g / (x + 1)),
    "sqrt": ("y", lambda g, x, y: g / (y * 2)),
    "rsqrt": ("y", lambda g, x, y: g * (y * y * y * -0.5)),
    "square": ("x", lambda g, x, y: g * (x * 2)),
    "sin": ("x", lambda g, x, y: g * x.cos()),
    "cos": ("x", lambda g, x, y: g * -x.sin()),
    "tan": ("y", lambda g, x, y: g * (y * y + 1)),
    "asin": ("x", lambda g, x, y: g / (1 - x * x).sqrt()),
    "acos": ("x", lambda g, x, y: -g / (1 - x * x).sqrt()),
    "atan": ("x", lambda g, x, y: g / (x * x + 1)),
    "sinh": ("x", lambda g, x, y: g * x.cosh()),
    "cosh": ("x", lambda g, x, y: g * x.sinh()),
    "tanh": ("y", lambda g, x, y: g - g * y * y),  # g (1 - y^2) without a scalar-tensor op
    "sigmoid": ("y", lambda g, x, y: g * (y - y * y)),
    "erf": ("x", lambda g, x, y: g * ((-(x * x)).exp() * _2_SQRTPI)),
    "erfc": ("x", lambda g, x, y: g * ((-(x * x)).exp() * -_2_SQRTPI)),
    "erfinv": ("y", lambda g, x, y: g * ((y * y).exp() * _SQRTPI_2)),
    "lgamma": ("x", lambda g, x, y: g * x.digamma()),
    "sign": ("", _zero),
    "floor": ("", _zero),
    "ceil": ("", _zero),
    "round": ("", _zero),
    "trunc": ("", _zero),
    "frac": ("", lambda g, x, y: g + 0),
    "reciprocal": ("y", lambda g, x, y: g * -(y * y)),
}


def _make(name: str, uses: str, d: Callable[[Any, Any, Any], Any]) -> type[_Unary]:
    cls_name = "".join(p.capitalize() for p in name.split("_"))
    return type(cls_name, (_Unary,), {"uses": uses, "f": staticmethod(methodcaller(name)), "d": staticmethod(d)})


UNARY: dict[str, type[_Unary]] = {name: _make(name, u, d) for name, (u, d) in _TABLE.items()}
