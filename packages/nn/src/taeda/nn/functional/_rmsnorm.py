"""``rms_norm`` (root-mean-square layer normalisation) and ``local_response_norm`` (AlexNet's cross-channel
normalisation), written with differentiable Variable operations as PyTorch's reference implementations are."""

from __future__ import annotations

from collections.abc import Sequence

from taeda.autograd import Variable
from taeda.nn.functional._padding import pad
from taeda.nn.functional._util import TensorLike, as_var, xp_of

__all__ = ["local_response_norm", "rms_norm"]


def rms_norm(
    input: TensorLike,
    normalized_shape: Sequence[int],
    weight: TensorLike | None = None,
    eps: float | None = None,
) -> Variable:
    """``input / sqrt(mean(input**2) + eps) * weight`` over the trailing ``normalized_shape`` dimensions
    (``eps=None``: the machine epsilon of the input's dtype, as PyTorch).

    Example::

        >>> tuple(F.rms_norm(taeda.autograd.randn(4, 10), (10,)).shape)
        (4, 10)
    """
    if isinstance(normalized_shape, int):
        raise TypeError("rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    ns = tuple(int(s) for s in normalized_shape)
    x = as_var(input)
    shape = tuple(x.shape)
    k = len(ns)
    if k == 0:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got "
            "normalized_shape = []"
        )
    if k > len(shape):
        raise ValueError(f"Input tensor must have at least {k} dimensions, but got {len(shape)}")
    if shape[len(shape) - k :] != ns:
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape [*{', '.join(map(str, ns))}], but got "
            f"input of size{list(shape)}"
        )
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(
            f"Expected weight to be of same shape as normalized_shape, but got weight of shape {list(weight.shape)} "
            f"and normalized_shape = {list(ns)}"
        )
    if eps is None:
        xa = x.data.array
        eps = float(xp_of(x).finfo(xa.dtype).eps) if xa.dtype.kind == "f" else 0.0
    dims = tuple(range(len(shape) - k, len(shape)))
    out: Variable = x * ((x * x).mean(dims, keepdim=True) + eps).rsqrt()
    if weight is not None:
        out = out * weight
    return out


def local_response_norm(
    input: TensorLike, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Variable:
    """``input / (k + alpha * avg(input**2 over size neighbouring channels)) ** beta`` for ``(N, C, *)``; the
    channel window is zero padded by ``size // 2`` before and ``(size - 1) // 2`` after, as PyTorch.

    Example::

        >>> tuple(F.local_response_norm(taeda.autograd.randn(2, 8, 5, 5), 3).shape)
        (2, 8, 5, 5)
    """
    x = as_var(input)
    dim = x.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if x.numel() == 0:
        return x
    if size <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {size} kW: 1")
    shape = tuple(x.shape)
    c = shape[1]
    sq = (x * x).reshape(shape[0], c, -1)
    padded = pad(sq, (0, 0, size // 2, (size - 1) // 2))
    acc = padded.narrow(1, 0, c)
    for s in range(1, size):
        acc = acc + padded.narrow(1, s, c)
    div = ((acc * (alpha / size)).reshape(*shape) + k) ** beta
    out: Variable = x / div
    return out
