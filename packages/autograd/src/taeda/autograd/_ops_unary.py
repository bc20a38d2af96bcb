"""Elementwise unary ops, one ``Function`` each, generated from a table of derivative formulas.

Each formula reads the input ``x``, the output ``y`` or both (``uses``), and is written with methods Tensor and
Variable share, so double backward works.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import methodcaller
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._util import BuiltinFunction, TensorLike

_Tensor = tt.Tensor
_ndarray = np.ndarray
_as_tensor = tt.as_tensor
_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# Tensor method -> NumPy ufunc computing the same thing for float32/float64 arrays (what Tensor runs too); used to
# skip the method's dispatch layers on the hot path. Variables (and other arrays) go through the method.
_UFUNCS: dict[str, Any] = {
    "neg": np.negative, "abs": np.absolute, "exp": np.exp, "exp2": np.exp2, "expm1": np.expm1, "log": np.log,
    "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt, "square": np.square, "sin": np.sin,
    "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
    "sign": np.sign, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc,
    "reciprocal": np.reciprocal,
}  # fmt: skip


def _fast(name: str) -> Callable[[Any], Any]:
    """``x.<name>()``, computed directly on the array for a float32/float64 NumPy Tensor."""
    ufunc = _UFUNCS.get(name)
    call = methodcaller(name)
    if ufunc is None:
        return call

    def run(x: Any) -> Any:
        if x.__class__ is _Tensor:
            arr = x.array
            if arr.__class__ is _ndarray and arr.dtype in _FAST_DTYPES:
                r = ufunc(arr)
                return _as_tensor(r if r.__class__ is _ndarray else np.asarray(r))
        return call(x)

    return run


_cos = _fast("cos")
_sin = _fast("sin")
_cosh = _fast("cosh")
_sinh = _fast("sinh")
_sign = _fast("sign")

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
    "abs": ("x", lambda g, x, y: g * _sign(x)),
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
    "sin": ("x", lambda g, x, y: g * _cos(x)),
    "cos": ("x", lambda g, x, y: g * -_sin(x)),
    "tan": ("y", lambda g, x, y: g * (y * y + 1)),
    "asin": ("x", lambda g, x, y: g / (1 - x * x).sqrt()),
    "acos": ("x", lambda g, x, y: -g / (1 - x * x).sqrt()),
    "atan": ("x", lambda g, x, y: g / (x * x + 1)),
    "sinh": ("x", lambda g, x, y: g * _cosh(x)),
    "cosh": ("x", lambda g, x, y: g * _sinh(x)),
    "tanh": ("y", lambda g, x, y: g - g * y * y),  # g (1 - y^2) without a scalar-tensor op
    "sigmoid": ("y", lambda g, x, y: g * (y - y * y)),
    "erf": ("x", lambda g, x, y: g * ((-(x * x)).exp() * _2_SQRTPI)),
    "erfc": ("x", lambda g, x, y: g * ((-(x * x)).exp() * -_2_SQRTPI)),
    "erfinv": ("y", lambda g, x, y: g * ((y * y).exp() * _SQRTPI_2)),
    "asinh": ("x", lambda g, x, y: g / (x * x + 1).sqrt()),
    "acosh": ("x", lambda g, x, y: g / (x * x - 1).sqrt()),
    "atanh": ("x", lambda g, x, y: g / (1 - x * x)),
    "lgamma": ("x", lambda g, x, y: g * _polygamma(0, x)),
    "digamma": ("x", lambda g, x, y: g * _polygamma(1, x)),
    "sign": ("", _zero),
    "floor": ("", _zero),
    "ceil": ("", _zero),
    "round": ("", _zero),
    "trunc": ("", _zero),
    "frac": ("", lambda g, x, y: g + 0),
    "reciprocal": ("y", lambda g, x, y: g * -(y * y)),
}


class Polygamma(BuiltinFunction):
    """``polygamma(n, x)``; its derivative is ``polygamma(n + 1, x)``, so every order is differentiable."""

    @staticmethod
    def forward(ctx: Any, n: int, x: Any) -> Any:
        ctx.n = n
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(x)
        return tt.polygamma(n, x)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[None, Any]:
        (x,) = ctx.saved_tensors
        return None, g * _polygamma(ctx.n + 1, x)


def _polygamma(n: int, x: Any) -> Any:
    """``polygamma(n, x)`` of a Tensor directly, of a Variable through ``Polygamma`` (for double backward)."""
    if x.__class__ is _Tensor:
        return tt.polygamma(n, x)
    return Polygamma.apply(n, x)


def _make(name: str, uses: str, d: Callable[[Any, Any, Any], Any]) -> type[_Unary]:
    cls_name = "".join(p.capitalize() for p in name.split("_"))
    return type(cls_name, (_Unary,), {"uses": uses, "f": staticmethod(_fast(name)), "d": staticmethod(d)})


UNARY: dict[str, type[_Unary]] = {name: _make(name, u, d) for name, (u, d) in _TABLE.items()}
