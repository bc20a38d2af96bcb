"""Fold an eval-mode BatchNorm into the preceding convolution or linear layer (PyTorch's ``torch.nn.utils.fusion``):
``fuse_conv_bn_eval``, ``fuse_conv_bn_weights``, ``fuse_linear_bn_eval``, ``fuse_linear_bn_weights``."""

from __future__ import annotations

import copy
from typing import TypeVar

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.modules.conv import _ConvNd
from taeda.nn.modules.linear import Linear
from taeda.nn.modules.normalization import _BatchNorm
from taeda.nn.parameter import Parameter
from taeda.tensor import Tensor

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]

ConvT = TypeVar("ConvT", bound=_ConvNd)
LinearT = TypeVar("LinearT", bound=Linear)
TensorOrVar = Tensor | Variable


def _t(x: TensorOrVar) -> Tensor:
    return x.data if isinstance(x, Variable) else x


def _requires_grad(x: TensorOrVar) -> bool:
    return isinstance(x, Variable) and x.requires_grad


def _bn_terms(
    weight: TensorOrVar,
    bias: TensorOrVar | None,
    bn_rm: TensorOrVar,
    bn_w: TensorOrVar | None,
    bn_b: TensorOrVar | None,
) -> tuple[Tensor, Tensor, Tensor, object]:
    """The layer's bias, the BatchNorm's gamma and beta (zeros, ones and zeros where absent) and the fused bias's
    dtype (the layer's bias's, else its weight's)."""
    rm = _t(bn_rm)
    b = tt.zeros_like(rm) if bias is None else _t(bias)
    gamma = tt.ones_like(rm) if bn_w is None else _t(bn_w)
    beta = tt.zeros_like(rm) if bn_b is None else _t(bn_b)
    return b, gamma, beta, (_t(weight).dtype if bias is None else b.dtype)


def _parameters(
    fused_w: Tensor, fused_b: Tensor, weight: TensorOrVar, bias: TensorOrVar | None
) -> tuple[Parameter, Parameter]:
    """The fused tensors as new Parameters keeping the layer's ``requires_grad`` (a missing bias: False)."""
    return Parameter(fused_w, _requires_grad(weight)), Parameter(fused_b, bias is not None and _requires_grad(bias))


def fuse_conv_bn_eval(conv: ConvT, bn: _BatchNorm, transpose: bool = False) -> ConvT:
    """A new convolution (a deep copy of ``conv``) computing ``bn(conv(x))`` of the eval-mode modules; pass
    ``transpose=True`` for a transposed convolution. Both modules must be in eval mode.

    Example::

        >>> conv, bn = Conv2d(3, 8, 3).eval(), BatchNorm2d(8).eval()
        >>> fused = fuse_conv_bn_eval(conv, bn)   # fused(x) == bn(conv(x))
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias, transpose
    )
    return fused


def fuse_conv_bn_weights(
    conv_w: TensorOrVar,
    conv_b: TensorOrVar | None,
    bn_rm: TensorOrVar,
    bn_rv: TensorOrVar,
    bn_eps: float,
    bn_w: TensorOrVar | None,
    bn_b: TensorOrVar | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of a convolution followed by a BatchNorm with these statistics, as new ``Parameter``s
    in the convolution's dtypes: ``w * gamma / sqrt(var + eps)`` (per output channel) and
    ``(b - mean) * gamma / sqrt(var + eps) + beta``. Each keeps the ``requires_grad`` of its convolution tensor (a
    missing bias is zeros that do not require grad, as in PyTorch).

    Example::

        >>> w, b = fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps,
        ...                             bn.weight, bn.bias)
    """
    w, rm, rv = _t(conv_w), _t(bn_rm), _t(bn_rv)
    w_dtype = w.dtype
    b, gamma, beta, b_dtype = _bn_terms(conv_w, conv_b, bn_rm, bn_w, bn_b)
    var_rsqrt = (rv + bn_eps).rsqrt()
    shape = [1, -1] if transpose else [-1, 1]
    shape += [1] * (w.dim() - 2)
    fused_w = (w * (gamma * var_rsqrt).reshape(shape)).to(w_dtype)
    fused_b = ((b - rm) * var_rsqrt * gamma + beta).to(b_dtype)  # PyTorch's order of operations
    return _parameters(fused_w, fused_b, conv_w, conv_b)


def fuse_linear_bn_eval(linear: LinearT, bn: _BatchNorm) -> LinearT:
    """A new ``Linear`` (a deep copy of ``linear``) computing ``bn(linear(x))`` of the eval-mode modules; ``bn``
    must have ``linear.out_features`` features (or one).

    Example::

        >>> fc, bn = Linear(20, 10).eval(), BatchNorm1d(10).eval()
        >>> fused = fuse_linear_bn_eval(fc, bn)   # fused(x) == bn(fc(x))
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(linear)
    if bn.num_features not in (linear.out_features, 1):
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
            f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}"
        )
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused


def fuse_linear_bn_weights(
    linear_w: TensorOrVar,
    linear_b: TensorOrVar | None,
    bn_rm: TensorOrVar,
    bn_rv: TensorOrVar,
    bn_eps: float,
    bn_w: TensorOrVar | None,
    bn_b: TensorOrVar | None,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of a ``Linear`` followed by a BatchNorm with these statistics, as new ``Parameter``s in
    the linear layer's dtypes (PyTorch's formula; an affine-free BatchNorm, ``bn_w``/``bn_b`` None, is ones/zeros).

    Example::

        >>> w, b = fuse_linear_bn_weights(fc.weight, fc.bias, bn.running_mean, bn.running_var, bn.eps,
        ...                               bn.weight, bn.bias)
    """
    w, rm, rv = _t(linear_w), _t(bn_rm), _t(bn_rv)
    w_dtype = w.dtype
    b, gamma, beta, b_dtype = _bn_terms(linear_w, linear_b, bn_rm, bn_w, bn_b)
    scale = gamma * (rv + bn_eps).rsqrt()
    fused_w = w * scale.unsqueeze(-1).to(w_dtype)
    fused_b = ((b - rm) * scale + beta).to(b_dtype)  # PyTorch's order of operations
    return _parameters(fused_w, fused_b, linear_w, linear_b)
