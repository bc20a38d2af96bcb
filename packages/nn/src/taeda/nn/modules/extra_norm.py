"""``RMSNorm`` and ``LocalResponseNorm`` layers (PyTorch's constructor signatures, parameters and reprs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn import init
from taeda.nn.functional._rmsnorm import local_response_norm, rms_norm
from taeda.nn.modules.module import Module
from taeda.nn.parameter import Parameter

__all__ = ["LocalResponseNorm", "RMSNorm"]


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing ``normalized_shape`` dimensions with an elementwise scale
    ``weight`` (initialised to ones); ``eps=None`` uses the input dtype's machine epsilon.

    Example::

        >>> RMSNorm(10)
        RMSNorm((10,), eps=None, elementwise_affine=True)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(int(s) for s in normalized_shape)
        self.normalized_shape = ns
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(tt.empty(*ns, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Any) -> Variable:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Local response normalisation across ``size`` neighbouring channels of ``(N, C, *)``.

    Example::

        >>> LocalResponseNorm(2)
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Any) -> Variable:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
