"""``taeda.nn.init``: in-place initialisers with PyTorch's names, formulas and defaults.

Each function fills its argument (a ``Parameter``, ``Variable`` or ``Tensor``) in place, without recording
gradients, and returns it.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal, TypeVar

import numpy as np

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.tensor import Generator, Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

T = TypeVar("T", Tensor, Variable)
_FanMode = Literal["fan_in", "fan_out"]


def _t(x: Tensor | Variable) -> Tensor:
    return x.data if isinstance(x, Variable) else x


def _gen_kw(generator: Generator | None) -> dict[str, Any]:
    return {} if generator is None else {"generator": generator}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for ``nonlinearity`` (``"relu"`` gives sqrt(2), ``"tanh"`` 5/3, ``"selu"`` 3/4, ...).

    Example::

        >>> calculate_gain("leaky_relu", 0.2)
        1.3867504905630728
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor | Variable) -> tuple[int, int]:
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor | Variable, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of {['fan_in', 'fan_out']}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: T, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> T:
    """Fill with values drawn from U(a, b). Example: ``uniform_(w, -0.1, 0.1)``."""
    _t(tensor).uniform_(a, b, **_gen_kw(generator))
    return tensor


def normal_(tensor: T, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> T:
    """Fill with values drawn from N(mean, std²). Example: ``normal_(w, 0, 0.02)``."""
    _t(tensor).normal_(mean, std, **_gen_kw(generator))
    return tensor


def trunc_normal_(
    tensor: T, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator: Generator | None = None
) -> T:
    """Fill with N(mean, std²) values truncated to [a, b], as PyTorch 2.13: by the inverse CDF when [a, b] holds more
    than 30% of the mass, otherwise by rejection sampling from U(a, b) (exact far in the tails, where the inverse CDF
    loses all precision).

    Example: ``trunc_normal_(w, std=0.02)``.
    """

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    t = _t(tensor)
    lo, hi = norm_cdf((a - mean) / std), norm_cdf((b - mean) / std)
    if hi - lo > 0.3:
        t.uniform_(2 * lo - 1, 2 * hi - 1, **_gen_kw(generator))
        t.copy_(t.erfinv())
        t.mul_(std * math.sqrt(2.0))
        t.add_(mean)
        t.clamp_(a, b)
        return tensor

    def draw(n: int, low: float, high: float) -> np.ndarray[Any, Any]:
        return tt.empty(n, dtype=tt.float64).uniform_(low, high, **_gen_kw(generator)).numpy()

    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2
    out = np.empty(t.numel(), dtype=np.float64)
    pending = np.arange(t.numel())
    while pending.size:  # accept a U(a, b) candidate x with probability exp(-(x - mean)² / 2std²) / peak
        cand = draw(pending.size, a, b)
        with np.errstate(divide="ignore"):
            accept = np.log(draw(pending.size, 0.0, 1.0)) <= -0.5 * ((cand - mean) / std) ** 2 - log_peak
        out[pending[accept]] = cand[accept]
        pending = pending[~accept]
    t.copy_(tt.as_tensor(out.reshape(tuple(t.shape)).astype(t.dtype)).to(t.device))
    return tensor


def constant_(tensor: T, val: float) -> T:
    """Fill with the constant ``val``."""
    _t(tensor).fill_(val)
    return tensor


def ones_(tensor: T) -> T:
    """Fill with ones."""
    _t(tensor).fill_(1.0)
    return tensor


def zeros_(tensor: T) -> T:
    """Fill with zeros."""
    _t(tensor).zero_()
    return tensor


def eye_(tensor: T) -> T:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    t = _t(tensor)
    if t.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    xp = t.device.xp
    t.copy_(tt.as_tensor(xp.eye(t.shape[0], t.shape[1], dtype=t.dtype)))
    return tensor


def dirac_(tensor: T, groups: int = 1) -> T:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta (identity convolution) per group."""
    t = _t(tensor)
    dims = t.ndim
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(t.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    min_dim = min(out_per_group, sizes[1])
    xp = t.device.xp
    a = xp.zeros(sizes, dtype=t.dtype)
    centre: tuple[int, ...] = tuple(int(s) // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            a[(g * out_per_group + d, d, *centre)] = 1
    t.copy_(tt.as_tensor(a))
    return tensor


def xavier_uniform_(tensor: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Glorot normal: N(0, std²) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: T,
    a: float = 0.0,
    mode: _FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> T:
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan_mode).

    Example (PyTorch's ``Linear`` default)::

        >>> kaiming_uniform_(w, a=math.sqrt(5))
    """
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: T,
    a: float = 0.0,
    mode: _FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> T:
    """He normal: N(0, std²) with std = gain / sqrt(fan_mode)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Fill with a (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix (as PyTorch)."""
    t = _t(tensor)
    if t.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if t.numel() == 0:
        return tensor
    rows = t.shape[0]
    cols = t.numel() // rows
    flat = tt.empty(rows, cols, dtype=tt.float64, device=t.device)
    flat.normal_(0.0, 1.0, **_gen_kw(generator))
    xp = t.device.xp
    a = flat.array
    if rows < cols:
        a = a.T
    q, r = xp.linalg.qr(a)
    q = q * xp.sign(xp.diagonal(r))[None, :]
    if rows < cols:
        q = q.T
    t.copy_(tt.as_tensor(xp.ascontiguousarray((q * gain).reshape(tuple(t.shape)).astype(t.dtype))))
    return tensor


def sparse_(tensor: T, sparsity: float, std: float = 0.01, generator: Generator | None = None) -> T:
    """Fill a 2-D tensor column by column with N(0, std²) values, zeroing a ``sparsity`` fraction of each column."""
    t = _t(tensor)
    if t.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = t.shape
    num_zeros = math.ceil(sparsity * rows)
    t.normal_(0.0, std, **_gen_kw(generator))
    xp = t.device.xp
    a = t.array.copy()
    rng = np.random.default_rng(int(tt.randint(0, 2**31 - 1, (1,), **_gen_kw(generator)).item()))
    for c in range(cols):
        idx = rng.permutation(rows)[:num_zeros]
        a[xp.asarray(idx), c] = 0
    t.copy_(tt.as_tensor(a))
    return tensor
