"""Kernels shared by both flavours of ``weight_norm`` and ``spectral_norm`` (hook-based and parametrization-based):
PyTorch's ``torch.norm_except_dim`` / ``torch._weight_norm``, the spectral-norm reshape and ``normalize``.

They accept ``Tensor``s and ``Variable``s alike (the Tensor and Variable method surfaces are the same) and are
differentiable when given Variables.
"""

from __future__ import annotations

from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.modules.conv import ConvTranspose1d, ConvTranspose2d
from taeda.nn.modules.conv3d_t import ConvTranspose3d
from taeda.nn.modules.module import Module
from taeda.tensor import Tensor

TensorLike = Tensor | Variable


def norm_except_dim(v: Any, pow: float = 2, dim: int = 0) -> Any:
    """The ``pow``-norm of ``v`` over every dimension except ``dim`` (kept with size 1 in the others); over the
    whole tensor (a 0-d result) when ``dim == -1``, as ``torch.norm_except_dim``."""
    if dim == -1:
        return v.norm(pow)
    nd = v.ndim
    if dim < 0:
        dim += nd
    if dim == 0:
        out_shape = (v.shape[0],) + (1,) * (nd - 1)
        return v.reshape(v.shape[0], -1).norm(pow, dim=1).reshape(out_shape)
    if dim == nd - 1:
        out_shape = (1,) * (nd - 1) + (v.shape[-1],)
        return v.reshape(-1, v.shape[-1]).norm(pow, dim=0).reshape(out_shape)
    return norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


def weight_norm_kernel(v: Any, g: Any, dim: int) -> Any:
    """``v * (g / ‖v‖)`` with the norm taken over every dimension except ``dim`` (``torch._weight_norm``)."""
    return v * (g / norm_except_dim(v, 2, dim))


def normalize(x: Any, dim: int, eps: float) -> Any:
    """``x / max(‖x‖₂, eps)`` along ``dim`` (``F.normalize`` that keeps Tensors as Tensors)."""
    return x / x.norm(2, dim=dim, keepdim=True).clamp(min=eps)


def reshape_weight_to_matrix(weight: Any, dim: int) -> Any:
    """Move ``dim`` to the front and flatten the rest: the ``(h, w)`` matrix whose spectral norm is used."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def plain(x: TensorLike) -> Tensor:
    """The Tensor behind ``x`` (outside any graph)."""
    return x.data if isinstance(x, Variable) else x


def random_unit_vector(n: int, like: Tensor, eps: float) -> Tensor:
    """A standard normal vector of length ``n`` (``like``'s dtype and device) scaled to unit norm."""
    out: Tensor = normalize(tt.randn(n, dtype=like.dtype, device=like.device), 0, eps)
    return out


def default_spectral_dim(module: Module) -> int:
    """``1`` for ``ConvTranspose{1,2,3}d`` (whose weight is ``(in, out, ...)``), else ``0``, as PyTorch."""
    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
