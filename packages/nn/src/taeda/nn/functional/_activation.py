"""Activation functions: each is one ``Function`` computing forward and backward on arrays (no temporaries kept
beyond what backward needs)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd import Function, Variable, once_differentiable
from taeda.nn.functional._argcheck import raise_if_not_tensor
from taeda.nn.functional._kern_elementwise import blocked
from taeda.nn.functional._kern_gelu import gelu_fwd_f32, gelu_grad_f32
from taeda.nn.functional._util import Array, Kernel, TensorLike, arr, where, xp_of
from taeda.tensor import Tensor, as_tensor

__all__ = [
    "celu",
    "elu",
    "gelu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "logsigmoid",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
]

_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

Fwd = Callable[..., Array]
Bwd = Callable[..., Array]


def _sigmoid(xp: Any, a: Array) -> Array:
    # taeda.tensor's sigmoid: 1 / (1 + exp(-x)) with NumPy's SIMD exp, accurate in the tails (the former
    # 0.5 * (1 + tanh(x / 2)) cancelled for x < 0: sigmoid(-20) came out 0 in float32, not 2e-9)
    return tt.sigmoid(as_tensor(a)).array


def _softplus(xp: Any, a: Array) -> Array:
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), finite for any x.
    # NOTE: clip, not maximum against a scalar (a slow non-SIMD loop in NumPy; see taeda.tensor's relu)
    return xp.clip(a, 0, math.inf) + xp.log1p(xp.exp(-xp.abs(a)))


def _erf(a: Array) -> Array:
    return tt.erf(as_tensor(a)).array


def _make(name: str, fwd: Fwd, bwd: Bwd, saves: str, vbwd: Callable[..., Any] | None = None) -> type[Function]:
    """Build a unary ``Function`` from ``fwd(xp, x, *params) -> y`` and ``bwd(xp, x, y, g, *params) -> gx``;
    ``saves`` says which of ``"x"``, ``"y"`` or ``"xy"`` backward needs. ``vbwd(x, y, g, *params)``, when given,
    is the same derivative written with Variable operations: it runs under ``create_graph=True`` so that the
    gradient can be differentiated again."""
    save_x, save_y = "x" in saves, "y" in saves

    def forward(ctx: Any, x: Tensor, *params: Any) -> Tensor:
        a = x.array
        xp = x.device.xp
        y = as_tensor(blocked(fwd, xp, (a,), params))
        ctx.params = params
        ctx.save_for_backward(x if save_x else None, y if save_y else None)
        return y

    @once_differentiable
    def array_backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.saved_tensors
        params = ctx.params
        if not ctx.needs_input_grad[0]:
            return (None,) * (1 + len(params))
        ref = x if x is not None else y
        xp = ref.device.xp
        gx = blocked(bwd, xp, (None if x is None else x.array, None if y is None else y.array, g.array), params)
        return (as_tensor(gx), *([None] * len(params)))

    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        if vbwd is not None and isinstance(g, Variable):
            x, y = ctx.saved_tensors
            return (vbwd(x, y, g, *ctx.params), *([None] * len(ctx.params)))
        out: tuple[Any, ...] = array_backward(ctx, g)
        return out

    cls = type(name, (Kernel,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})
    return cls


def _mask(cond: Tensor, like: Variable) -> Tensor:
    return cond.to(like.dtype)


def _apply(fn: type[Function], input: TensorLike, *params: Any) -> Variable:
    try:
        out: Variable = fn.apply(input, *params)
    except AttributeError:  # e.g. a raw ndarray: PyTorch's TypeError (checked only on this error path)
        raise_if_not_tensor(_public_name(fn), ("input",), (input,))
        raise
    return out


def _public_name(fn: type[Function]) -> str:
    name = fn.__name__
    return _PUBLIC_NAMES.get(name, name.lower())


_PUBLIC_NAMES = {
    "LeakyReLU": "leaky_relu",
    "GELUTanh": "gelu",
    "LogSigmoid": "log_sigmoid",
    "LogSoftmax": "log_softmax",
    "PReLUFn": "prelu",
}


# ---------------------------------------------------------------------------------------------------- kernels
class ReLU(Kernel):
    """max(x, 0); the backward pass masks the incoming gradient with ``y > 0`` (one compare, one multiply)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        y = tt.relu(as_tensor(x.array))  # taeda.tensor's relu (around NumPy's slow maximum against a scalar)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any]:
        (y,) = ctx.saved_tensors
        if g.__class__ is not Tensor and isinstance(g, Variable):  # create_graph=True: differentiable again
            return (g * _mask(y.data > 0, g),)
        ga = g.array
        return (as_tensor(ga * (y.array > 0)),)


def _leaky_fwd(xp: Any, a: Array, s: float) -> Array:
    if 0 < a.dtype.type(s) <= 1:
        # NOTE: for 0 < s <= 1, x > 0 exactly when x >= s*x (rounding keeps fl(s*x) between 0 and x), so the
        # select is a maximum: two passes and no mask. NaN propagates. A slope that is 0 in x's dtype is excluded
        # (inf * 0 is NaN, where the select keeps inf)
        return xp.maximum(a, a * s)
    return where(xp, a > 0, a, a * s)


Threshold = _make(
    "Threshold",
    lambda xp, a, th, v: where(xp, a <= th, xp.asarray(v, dtype=a.dtype), a),  # NaN stays NaN, as in PyTorch
    lambda xp, a, y, g, th, v: g * (a > th),
    "x",
    lambda x, y, g, th, v: g * _mask(x.data > th, g),
)
LeakyReLU = _make(
    "LeakyReLU",
    _leaky_fwd,
    lambda xp, a, y, g, s: where(xp, a > 0, g, g * s),
    "x",
    lambda x, y, g, s: g * (_mask(x.data > 0, g) * (1 - s) + s),
)
Hardtanh = _make(
    "Hardtanh",
    lambda xp, a, lo, hi: xp.clip(a, lo, hi),
    lambda xp, a, y, g, lo, hi: g * ((a > lo) & (a < hi)),
    "x",
    lambda x, y, g, lo, hi: g * _mask((x.data > lo) & (x.data < hi), g),
)
ELU = _make(
    "ELU",
    lambda xp, a, alpha, scale, in_scale: where(xp, a > 0, a * scale, xp.expm1(a * in_scale) * (alpha * scale)),
    lambda xp, a, y, g, alpha, scale, in_scale: where(
        xp, a > 0, g * scale, g * (xp.exp(a * in_scale) * (alpha * scale * in_scale))
    ),
    "x",
    lambda x, y, g, alpha, scale, in_scale: (
        g * tt.where(x.data > 0, x * 0 + scale, (x * in_scale).exp() * (alpha * scale * in_scale))
    ),
)


def _gelu_fwd(xp: Any, a: Array) -> Array:
    def exact() -> Array:
        return a * (0.5 * (1 + _erf(a * (1 / _SQRT_2))))

    if xp is not np or a.dtype != np.float32:
        return exact()
    return gelu_fwd_f32(a, exact) if a.ndim else gelu_fwd_f32(a.reshape(1), exact).reshape(())


def _gelu_bwd(xp: Any, a: Array, y: Array, g: Array) -> Array:
    def exact() -> Array:
        return g * (0.5 * (1 + _erf(a * (1 / _SQRT_2))) + a * xp.exp(-0.5 * a * a) * _INV_SQRT_2PI)

    if xp is not np or not a.dtype == g.dtype == np.float32:
        return exact()
    return gelu_grad_f32(a, g, exact) if a.ndim else gelu_grad_f32(a.reshape(1), g.reshape(1), exact).reshape(())


GELU = _make(
    "GELU",
    _gelu_fwd,
    _gelu_bwd,
    "x",
    lambda x, y, g: g * (((x * (1 / _SQRT_2)).erf() + 1) * 0.5 + x * (x * x * -0.5).exp() * _INV_SQRT_2PI),
)


def _gelu_tanh_fwd(xp: Any, a: Array) -> Array:
    inner = xp.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a * a * a))
    return 0.5 * a * (1 + inner)


def _gelu_tanh_bwd(xp: Any, a: Array, y: Array, g: Array) -> Array:
    t = xp.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a * a * a))
    d = 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * (_SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a * a))
    return g * d


def _gelu_tanh_vbwd(x: Variable, y: Any, g: Variable) -> Variable:
    t = tanh((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI)
    d = (t + 1) * 0.5 + x * (1 - t * t) * ((x * x * (3 * 0.044715) + 1) * (0.5 * _SQRT_2_OVER_PI))
    out: Variable = g * d
    return out


GELUTanh = _make("GELUTanh", _gelu_tanh_fwd, _gelu_tanh_bwd, "x", _gelu_tanh_vbwd)


def exp_neg_plus_one(a: Array) -> Array:
    """``1 + exp(-a)`` in a fresh array, in place after the negation (exp(-a) overflows to inf for a < -88.7 in
    float32: then the results below are 0 or -0, as the true values round to)."""
    r = np.negative(a)
    with np.errstate(over="ignore"):
        np.exp(r, out=r)
    r += 1
    return r


def _silu_fwd(xp: Any, a: Array) -> Array:
    if xp is not np or a.dtype not in _FLOAT32_64 or not a.ndim:
        return a * _sigmoid(xp, a)
    # NOTE: x / (1 + exp(-x)) with every step in place: 46 against 62 us per 64K float32 block as x·sigmoid(x)
    r = exp_neg_plus_one(a)
    np.divide(a, r, out=r)
    return r


def _silu_bwd(xp: Any, a: Array, y: Array, g: Array) -> Array:
    if xp is not np or a.dtype not in _FLOAT32_64 or g.dtype != a.dtype or not a.ndim:
        s = _sigmoid(xp, a)
        return g * (s * (1 + a * (1 - s)))
    s = exp_neg_plus_one(a)
    np.reciprocal(s, out=s)  # sigmoid(x)
    t = np.subtract(1, s)
    t *= a
    t += 1
    t *= s
    t *= g
    return t


_FLOAT32_64 = (np.dtype(np.float32), np.dtype(np.float64))


def _silu_vbwd(x: Variable, y: Any, g: Variable) -> Variable:
    s = sigmoid(x)
    out: Variable = g * (s * (x * (1 - s) + 1))
    return out


SiLU = _make("SiLU", _silu_fwd, _silu_bwd, "x", _silu_vbwd)


def _mish_bwd(xp: Any, a: Array, y: Array, g: Array) -> Array:
    t = xp.tanh(_softplus(xp, a))
    return g * (t + a * _sigmoid(xp, a) * (1 - t * t))


def _mish_vbwd(x: Variable, y: Any, g: Variable) -> Variable:
    t = tanh(softplus(x))
    out: Variable = g * (t + x * sigmoid(x) * (1 - t * t))
    return out


Mish = _make("Mish", lambda xp, a: a * xp.tanh(_softplus(xp, a)), _mish_bwd, "x", _mish_vbwd)
Sigmoid = _make("Sigmoid", _sigmoid, lambda xp, a, y, g: g * (y * (1 - y)), "y", lambda x, y, g: g * (y * (1 - y)))
Tanh = _make(
    "Tanh", lambda xp, a: xp.tanh(a), lambda xp, a, y, g: g * (1 - y * y), "y", lambda x, y, g: g * (1 - y * y)
)
Hardsigmoid = _make(
    "Hardsigmoid",
    lambda xp, a: xp.clip(a / 6 + 0.5, 0, 1),
    lambda xp, a, y, g: g * ((a > -3) & (a < 3)) / 6,
    "x",
    lambda x, y, g: g * (_mask((x.data > -3) & (x.data < 3), g) * (1 / 6)),
)
Hardswish = _make(
    "Hardswish",
    lambda xp, a: a * xp.clip(a / 6 + 0.5, 0, 1),
    # PyTorch's one-sided slopes at the kinks: 0 at x = -3, 1 at x = 3
    lambda xp, a, y, g: where(xp, a <= -3, 0, where(xp, a < 3, g * (a / 3 + 0.5), g)).astype(a.dtype, copy=False),
    "x",
    lambda x, y, g: g * (_mask((x.data > -3) & (x.data < 3), g) * (x / 3 + 0.5) + _mask(x.data >= 3, g)),
)


def _softplus_fwd(xp: Any, a: Array, beta: float, th: float) -> Array:
    z = a * beta
    return where(xp, z > th, a, _softplus(xp, z) / beta)


Softplus = _make(
    "Softplus",
    _softplus_fwd,
    lambda xp, a, y, g, beta, th: where(xp, a * beta > th, g, g * _sigmoid(xp, a * beta)),
    "x",
    lambda x, y, g, beta, th: tt.where(x.data * beta > th, g, g * sigmoid(x * beta)),
)
LogSigmoid = _make(
    "LogSigmoid",
    lambda xp, a: -_softplus(xp, -a),
    lambda xp, a, y, g: g * _sigmoid(xp, -a),
    "x",
    lambda x, y, g: g * sigmoid(-x),
)
Softsign = _make(
    "Softsign",
    lambda xp, a: a / (1 + xp.abs(a)),
    lambda xp, a, y, g: g / (1 + xp.abs(a)) ** 2,
    "x",
    lambda x, y, g: g / ((x.abs() + 1) * (x.abs() + 1)),
)
Hardshrink = _make(
    "Hardshrink",
    lambda xp, a, lam: where(xp, (a >= -lam) & (a <= lam), 0, a).astype(a.dtype, copy=False),  # NaN stays NaN
    lambda xp, a, y, g, lam: g * ((a > lam) | (a < -lam)),
    "x",
    lambda x, y, g, lam: g * _mask((x.data > lam) | (x.data < -lam), g),
)
Softshrink = _make(
    "Softshrink",
    lambda xp, a, lam: where(xp, a > lam, a - lam, where(xp, a < -lam, a + lam, a - a)).astype(a.dtype, copy=False),
    lambda xp, a, y, g, lam: g * ((a > lam) | (a < -lam)),
    "x",
    lambda x, y, g, lam: g * _mask((x.data > lam) | (x.data < -lam), g),
)
Tanhshrink = _make(
    "Tanhshrink",
    lambda xp, a: a - xp.tanh(a),
    lambda xp, a, y, g: g * xp.tanh(a) ** 2,
    "x",
    lambda x, y, g: g * (tanh(x) * tanh(x)),
)


# ------------------------------------------------------------------------------------------------- public API
def relu(input: TensorLike, inplace: bool = False) -> Variable:
    """max(x, 0) elementwise (gradient 0 at 0, as PyTorch). Example: ``F.relu(x)``."""
    return _apply(ReLU, input)


def relu6(input: TensorLike, inplace: bool = False) -> Variable:
    """min(max(x, 0), 6). Example: ``F.relu6(x)``."""
    return _apply(Hardtanh, input, 0.0, 6.0)


def threshold(input: TensorLike, threshold: float, value: float, inplace: bool = False) -> Variable:
    """x where x > threshold, else ``value``. Example: ``F.threshold(x, 0.1, 20)``."""
    return _apply(Threshold, input, threshold, value)


def leaky_relu(input: TensorLike, negative_slope: float = 0.01, inplace: bool = False) -> Variable:
    """x for x > 0, ``negative_slope * x`` otherwise. Example: ``F.leaky_relu(x, 0.2)``."""
    return _apply(LeakyReLU, input, negative_slope)


def hardtanh(input: TensorLike, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Variable:
    """clamp(x, min_val, max_val). Example: ``F.hardtanh(x)``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(Hardtanh, input, min_val, max_val)


def elu(input: TensorLike, alpha: float = 1.0, inplace: bool = False) -> Variable:
    """x for x > 0, alpha * (exp(x) - 1) otherwise. Example: ``F.elu(x)``."""
    return _apply(ELU, input, alpha, 1.0, 1.0)


def selu(input: TensorLike, inplace: bool = False) -> Variable:
    """scale * elu(x, alpha) with the self-normalising constants. Example: ``F.selu(x)``."""
    return _apply(ELU, input, _SELU_ALPHA, _SELU_SCALE, 1.0)


def celu(input: TensorLike, alpha: float = 1.0, inplace: bool = False) -> Variable:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). Example: ``F.celu(x, 2.0)``."""
    if alpha == 0:
        raise ValueError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _apply(ELU, input, alpha, 1.0, 1.0 / alpha)


def gelu(input: TensorLike, approximate: str = "none") -> Variable:
    """x * Φ(x) (``approximate='tanh'`` uses the tanh formula). Example: ``F.gelu(x, approximate="tanh")``."""
    if approximate == "none":
        return _apply(GELU, input)
    if approximate == "tanh":
        return _apply(GELUTanh, input)
    raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")


def silu(input: TensorLike, inplace: bool = False) -> Variable:
    """x * sigmoid(x) (swish). Example: ``F.silu(x)``."""
    return _apply(SiLU, input)


def mish(input: TensorLike, inplace: bool = False) -> Variable:
    """x * tanh(softplus(x)). Example: ``F.mish(x)``."""
    return _apply(Mish, input)


def sigmoid(input: TensorLike) -> Variable:
    """1 / (1 + exp(-x)), stable for any x. Example: ``F.sigmoid(x)``."""
    return _apply(Sigmoid, input)


def tanh(input: TensorLike) -> Variable:
    """tanh(x). Example: ``F.tanh(x)``."""
    return _apply(Tanh, input)


def hardsigmoid(input: TensorLike, inplace: bool = False) -> Variable:
    """relu6(x + 3) / 6. Example: ``F.hardsigmoid(x)``."""
    return _apply(Hardsigmoid, input)


def hardswish(input: TensorLike, inplace: bool = False) -> Variable:
    """x * relu6(x + 3) / 6. Example: ``F.hardswish(x)``."""
    return _apply(Hardswish, input)


def softplus(input: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> Variable:
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold. Example: ``F.softplus(x)``."""
    return _apply(Softplus, input, beta, threshold)


def logsigmoid(input: TensorLike) -> Variable:
    """log(sigmoid(x)), finite for any x. Example: ``F.logsigmoid(x)``."""
    return _apply(LogSigmoid, input)


def softsign(input: TensorLike) -> Variable:
    """x / (1 + |x|). Example: ``F.softsign(x)``."""
    return _apply(Softsign, input)


def hardshrink(input: TensorLike, lambd: float = 0.5) -> Variable:
    """x where |x| > lambd, else 0. Example: ``F.hardshrink(x)``."""
    return _apply(Hardshrink, input, lambd)


def softshrink(input: TensorLike, lambd: float = 0.5) -> Variable:
    """x - lambd·sign(x) where |x| > lambd, else 0. Example: ``F.softshrink(x)``."""
    return _apply(Softshrink, input, lambd)


def tanhshrink(input: TensorLike) -> Variable:
    """x - tanh(x). Example: ``F.tanhshrink(x)``."""
    return _apply(Tanhshrink, input)


# -------------------------------------------------------------------------------------------------- PReLU, GLU
class PReLUFn(Kernel):
    """x for x > 0, w_c * x otherwise, with one slope per channel (dimension 1) or a single shared slope."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, w: Tensor) -> Tensor:
        xp = x.device.xp
        a, wa = x.array, w.array
        wb = _prelu_broadcast(wa, a.ndim)
        ctx.save_for_backward(x, w)
        return as_tensor(where(xp, a > 0, a, a * wb))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, Any]:
        if isinstance(g, Variable):  # create_graph=True: the same math with Variable operations
            x, w = ctx.saved_tensors
            pos = _mask(x.data > 0, g)
            gx = g * (pos + (1 - pos) * _prelu_broadcast_var(w, x.ndim)) if ctx.needs_input_grad[0] else None
            gw = None
            if ctx.needs_input_grad[1]:
                contrib = g * x * (1 - pos)
                if w.numel() == 1:
                    gw = contrib.sum().reshape(*w.shape)
                else:
                    axes = tuple(i for i in range(x.ndim) if i != (1 if x.ndim >= 2 else 0))
                    gw = (contrib.sum(axes) if axes else contrib).reshape(*w.shape)
            return gx, gw
        out: tuple[Any, Any] = PReLUFn._array_backward(ctx, g)
        return out

    @staticmethod
    @once_differentiable
    def _array_backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, w = ctx.saved_tensors
        xp = x.device.xp
        a, wa, ga = x.array, w.array, g.array
        pos = a > 0
        gx = as_tensor(where(xp, pos, ga, ga * _prelu_broadcast(wa, a.ndim))) if ctx.needs_input_grad[0] else None
        gw = None
        if ctx.needs_input_grad[1]:
            contrib = where(xp, pos, 0, ga * a).astype(a.dtype, copy=False)
            if wa.size == 1:
                gw = as_tensor(contrib.sum().reshape(wa.shape))
            else:
                axes = tuple(i for i in range(a.ndim) if i != (1 if a.ndim >= 2 else 0))
                gw = as_tensor(contrib.sum(axis=axes).reshape(wa.shape))
        return gx, gw


def _prelu_broadcast(wa: Array, ndim: int) -> Array:
    if wa.size == 1 or ndim < 2:
        return wa.reshape(-1) if ndim >= 1 and wa.size != 1 else wa.reshape(())
    return wa.reshape((1, -1) + (1,) * (ndim - 2))


def _prelu_broadcast_var(w: Variable, ndim: int) -> Variable:
    """``_prelu_broadcast`` for a Variable slope."""
    if w.numel() == 1:
        out: Variable = w.reshape(*([1] * ndim))
    elif ndim < 2:
        out = w.reshape(-1)
    else:
        out = w.reshape(1, -1, *([1] * (ndim - 2)))
    return out


def prelu(input: TensorLike, weight: TensorLike) -> Variable:
    """x for x > 0 and ``weight * x`` otherwise (``weight`` has 1 or C entries). Example: ``F.prelu(x, w)``."""
    c = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim == 1 else 1)
    if weight.numel() not in (1, c):
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {weight.numel()} "
            f"and channel size = {c}."
        )
    out: Variable = PReLUFn.apply(input, weight)
    return out


def glu(input: TensorLike, dim: int = -1) -> Variable:
    """a * sigmoid(b) where a, b are the two halves of ``input`` along ``dim``. Example: ``F.glu(x)``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    n = input.shape[dim]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.ndim} is size {n}")
    v = input if isinstance(input, Variable) else Variable(input)
    a, b = v.chunk(2, dim)
    out: Variable = a * sigmoid(b)
    return out


# ------------------------------------------------------------------------------------------- softmax family
def _softmax_dim(name: str, ndim: int, stacklevel: int = 3) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _log_softmax_arr(xp: Any, a: Array, dim: int) -> Array:
    if a.shape[dim] == 0:  # an empty axis: an empty result, as PyTorch (max has no identity)
        return a.copy()
    m = a.max(axis=dim, keepdims=True)
    sh = a - m
    lse = xp.log(xp.exp(sh).sum(axis=dim, keepdims=True))
    sh -= lse
    return sh


def _softmax_arr(xp: Any, a: Array, dim: int) -> Array:
    if a.shape[dim] == 0:  # an empty axis: an empty result, as PyTorch (max has no identity)
        return a.copy()
    e = a - a.max(axis=dim, keepdims=True)
    xp.exp(e, out=e)
    e /= e.sum(axis=dim, keepdims=True)
    return e


def _softmax_bwd(xp: Any, ya: Array, ga: Array, dim: int) -> Array:
    gy = ga * ya
    gy -= ya * gy.sum(axis=dim, keepdims=True)
    return gy


def _log_softmax_bwd(xp: Any, ya: Array, ga: Array, dim: int) -> Array:
    return ga - xp.exp(ya) * ga.sum(axis=dim, keepdims=True)


def _rowwise(fn: Callable[..., Array], xp: Any, arrays: tuple[Array, ...], dim: int) -> Array:
    """``fn(xp, *arrays, dim)``; large NumPy arrays go in blocks on two threads: blocks of rows along the last axis,
    blocks of samples along a middle axis (a segmentation map's classes)."""
    if dim == arrays[0].ndim - 1:
        return blocked(fn, xp, arrays, (-1,), rows=True)
    if dim > 0:
        return blocked(fn, xp, arrays, (dim,), samples=True)
    return fn(xp, *arrays, dim)


class Softmax(Kernel):
    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int) -> Tensor:
        a = x.array
        y = as_tensor(_rowwise(_softmax_arr, x.device.xp, (a,), dim) if a.ndim else a * 0 + 1)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, None]:
        if isinstance(g, Variable):
            (yv,) = ctx.saved_tensors
            return yv * (g - (g * yv).sum(ctx.dim, keepdim=True)), None
        out: tuple[Any, None] = Softmax._array_backward(ctx, g)
        return out

    @staticmethod
    @once_differentiable
    def _array_backward(ctx: Any, g: Tensor) -> tuple[Tensor, None]:
        (y,) = ctx.saved_tensors
        ya, ga = y.array, g.array
        if ya.ndim == 0:
            return as_tensor(ga * 0), None
        return as_tensor(_rowwise(_softmax_bwd, y.device.xp, (ya, ga), ctx.dim)), None


class LogSoftmax(Kernel):
    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int) -> Tensor:
        a = x.array
        y = as_tensor(_rowwise(_log_softmax_arr, x.device.xp, (a,), dim) if a.ndim else a * 0)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, None]:
        if isinstance(g, Variable):
            (yv,) = ctx.saved_tensors
            return g - yv.exp() * g.sum(ctx.dim, keepdim=True), None
        out: tuple[Any, None] = LogSoftmax._array_backward(ctx, g)
        return out

    @staticmethod
    @once_differentiable
    def _array_backward(ctx: Any, g: Tensor) -> tuple[Tensor, None]:
        (y,) = ctx.saved_tensors
        ya, ga = y.array, g.array
        if ya.ndim == 0:
            return as_tensor(ga * 0), None
        return as_tensor(_rowwise(_log_softmax_bwd, y.device.xp, (ya, ga), ctx.dim)), None


def _norm_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _cast(input: TensorLike, dtype: Any) -> TensorLike:
    return input if dtype is None else input.to(dtype)


def softmax(input: TensorLike, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Variable:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably. Example: ``F.softmax(x, dim=-1)``."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    x = _cast(input, dtype)
    return _apply(Softmax, x, _norm_dim(dim, x.ndim))


def softmin(input: TensorLike, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Variable:
    """softmax(-x) along ``dim``. Example: ``F.softmin(x, dim=1)``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    x = _cast(input, dtype)
    neg = -(x if isinstance(x, Variable) else Variable(x))
    return _apply(Softmax, neg, _norm_dim(dim, x.ndim))


def log_softmax(input: TensorLike, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Variable:
    """x - logsumexp(x) along ``dim``; finite for logits of any magnitude. Example: ``F.log_softmax(x, 1)``."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    x = _cast(input, dtype)
    return _apply(LogSoftmax, x, _norm_dim(dim, x.ndim))


_ = (arr, xp_of)
