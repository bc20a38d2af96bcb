"""Activation modules: thin wrappers over ``taeda.nn.functional`` with PyTorch's arguments and reprs."""

from __future__ import annotations

from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn import functional as F
from taeda.nn.modules.module import Module
from taeda.nn.parameter import Parameter

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "ReLU",
    "ReLU6",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmax2d",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]


def _inplace(inplace: bool, leading: bool) -> str:
    if not inplace:
        return ""
    return ", inplace=True" if leading else "inplace=True"


class ReLU(Module):
    """max(x, 0). Example: ``ReLU()(x)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.relu(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, False)


class Threshold(Module):
    """x where x > threshold, else value. Example: ``Threshold(0.1, 20)``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace(self.inplace, True)}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val). Example: ``Hardtanh(-2, 2)``."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace(self.inplace, True)}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6). Example: ``ReLU6()(x)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, False)


class LeakyReLU(Module):
    """x for x > 0, negative_slope·x otherwise. Example: ``LeakyReLU(0.2)``."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace(self.inplace, True)}"


class PReLU(Module):
    """Leaky ReLU with a learnable slope (one shared or one per channel), initialised to ``init``.

    Example::

        >>> PReLU(num_parameters=16)(feature_maps)    # (N, 16, H, W)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(tt.empty(num_parameters, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.weight.data.fill_(self.init)

    def forward(self, input: Any) -> Variable:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x for x > 0, alpha·(exp(x) - 1) otherwise. Example: ``ELU(alpha=0.5)``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace(self.inplace, True)}"


class CELU(Module):
    """max(0, x) + min(0, alpha·(exp(x/alpha) - 1)). Example: ``CELU(2.0)``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.celu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace(self.inplace, True)}"


class SELU(Module):
    """Scaled ELU with the self-normalising constants. Example: ``SELU()(x)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.selu(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, False)


class GELU(Module):
    """x·Φ(x); ``approximate='tanh'`` uses the tanh approximation. Example: ``GELU(approximate="tanh")``."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Any) -> Variable:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x·sigmoid(x). Example: ``SiLU()(x)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.silu(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, False)


class Mish(Module):
    """x·tanh(softplus(x)). Example: ``Mish()(x)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.mish(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, False)


class Sigmoid(Module):
    """1 / (1 + exp(-x)). Example: ``Sigmoid()(x)``."""

    def forward(self, input: Any) -> Variable:
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x). Example: ``Tanh()(x)``."""

    def forward(self, input: Any) -> Variable:
        return F.tanh(input)


class LogSigmoid(Module):
    """log(sigmoid(x)). Example: ``LogSigmoid()(x)``."""

    def forward(self, input: Any) -> Variable:
        return F.logsigmoid(input)


class Tanhshrink(Module):
    """x - tanh(x). Example: ``Tanhshrink()(x)``."""

    def forward(self, input: Any) -> Variable:
        return F.tanhshrink(input)


class Softsign(Module):
    """x / (1 + |x|). Example: ``Softsign()(x)``."""

    def forward(self, input: Any) -> Variable:
        return F.softsign(input)


class Hardsigmoid(Module):
    """relu6(x + 3) / 6. Example: ``Hardsigmoid()(x)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.hardsigmoid(input)


class Hardswish(Module):
    """x·relu6(x + 3) / 6. Example: ``Hardswish()(x)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Variable:
        return F.hardswish(input)


class Softplus(Module):
    """log(1 + exp(beta·x)) / beta, linear above ``threshold``. Example: ``Softplus(beta=2)``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Any) -> Variable:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardshrink(Module):
    """x where |x| > lambd, else 0. Example: ``Hardshrink(0.5)``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Any) -> Variable:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x - lambd·sign(x) where |x| > lambd, else 0. Example: ``Softshrink(0.5)``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Any) -> Variable:
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class GLU(Module):
    """a·sigmoid(b) for the halves a, b of the input along ``dim``. Example: ``GLU(dim=-1)``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Variable:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(Module):
    """exp(x) / sum exp(x) along ``dim``. Example: ``Softmax(dim=1)``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Variable:
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmax(-x) along ``dim``. Example: ``Softmin(dim=1)``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Variable:
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably. Example: ``LogSoftmax(dim=1)``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Variable:
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channel dimension of (N, C, H, W) or (C, H, W) input."""

    def forward(self, input: Any) -> Variable:
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return F.softmax(input, -3, _stacklevel=5)
