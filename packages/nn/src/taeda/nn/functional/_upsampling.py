"""``interpolate`` (nearest, linear, bilinear, trilinear; ``align_corners``) and ``upsample``.

Every mode here is separable: along each spatial dimension the output is a fixed ``(out, in)`` matrix times the
input (0/1 rows for nearest, two weights per row for linear), so the forward pass is one small GEMM per dimension
and the backward pass applies the transposed matrices. The same Function serves adaptive average pooling.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from taeda.autograd import Function, Variable
from taeda.nn.functional._double import wants_graph
from taeda.nn.functional._util import TensorLike
from taeda.tensor import Tensor, as_tensor

__all__ = ["interpolate", "upsample", "upsample_bilinear", "upsample_nearest"]

Array = Any


def _apply_mats(xp: Any, a: Array, mats: Sequence[Array], transpose: bool) -> Array:
    """Multiply the last ``len(mats)`` axes of ``a`` by ``mats`` (or their transposes)."""
    d = len(mats)
    for j, m in enumerate(mats):
        axis = a.ndim - d + j
        mm = m.T if transpose else m
        if axis == a.ndim - 1:
            a = xp.matmul(a, mm.T)
        else:
            moved = xp.moveaxis(a, axis, -1)
            a = xp.moveaxis(xp.matmul(moved, mm.T), -1, axis)
    return xp.ascontiguousarray(a)


class Separable(Function):
    """``y = x ×_1 M_1 ×_2 M_2 ...`` over the trailing dimensions, for fixed matrices ``M_j (out_j, in_j)``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, mats: tuple[Array, ...]) -> Tensor:
        ctx.mats = mats
        return as_tensor(_apply_mats(x.device.xp, x.array, mats, transpose=False))

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, None]:
        if not ctx.needs_input_grad[0]:
            return None, None
        if wants_graph(gy):
            return SeparableT.apply(gy, ctx.mats), None
        return as_tensor(_apply_mats(gy.device.xp, gy.array, ctx.mats, transpose=True)), None


class SeparableT(Function):
    """``Separable`` with the transposed matrices (its gradient as a Function; each is the other's backward)."""

    @staticmethod
    def forward(ctx: Any, gy: Tensor, mats: tuple[Array, ...]) -> Tensor:
        ctx.mats = mats
        return as_tensor(_apply_mats(gy.device.xp, gy.array, mats, transpose=True))

    @staticmethod
    def backward(ctx: Any, gg: Any) -> tuple[Any, None]:
        if not ctx.needs_input_grad[0]:
            return None, None
        return Separable.apply(gg, ctx.mats), None


def nearest_matrix(xp: Any, n_in: int, n_out: int, scale: float | None, dtype: Any, exact: bool = False) -> Array:
    """``(n_out, n_in)`` 0/1 matrix of PyTorch's ``nearest`` (``nearest-exact`` when ``exact``).

    NOTE: PyTorch's CPU kernel takes the step ``n_in / n_out`` in the input's precision (float for float32) and rounds
    each source position to float32 before flooring it; exact float64 positions pick another pixel wherever the
    position is a hair below an integer (30 -> 22: output 11 is at 14.999999999999998, PyTorch reads pixel 15).
    """
    op = xp.float64 if xp.dtype(dtype).itemsize >= 8 else xp.float32
    s = float(op(n_in) / op(n_out) if scale is None else op(1.0 / scale))
    dst = xp.arange(n_out, dtype=xp.float64)
    if exact:  # PyTorch: floor(float(s * (i + 0.5) - 0.5) + 0.5)
        src = xp.floor(((dst + 0.5) * s - 0.5).astype(xp.float32) + xp.float32(0.5))
    else:
        src = xp.floor((dst * s).astype(xp.float32))
    src = xp.minimum(src.astype(xp.int64), n_in - 1)
    m = xp.zeros((n_out, n_in), dtype=dtype)
    m[xp.arange(n_out), src] = 1
    return m


def linear_matrix(xp: Any, n_in: int, n_out: int, scale: float | None, align_corners: bool, dtype: Any) -> Array:
    """``(n_out, n_in)`` matrix of PyTorch's linear interpolation along one dimension."""
    dst = xp.arange(n_out, dtype=xp.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else xp.zeros(n_out)
    else:
        s = n_in / n_out if scale is None else 1.0 / scale
        src = xp.maximum((dst + 0.5) * s - 0.5, 0.0)
    i0 = xp.minimum(xp.floor(src).astype(xp.int64), n_in - 1)
    i1 = xp.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    m = xp.zeros((n_out, n_in), dtype=xp.float64)
    rows = xp.arange(n_out)
    m[rows, i0] += 1.0 - lam
    m[rows, i1] += lam
    return m.astype(dtype)


_MODES = {"nearest": 0, "nearest-exact": 0, "linear": 1, "bilinear": 2, "trilinear": 3, "area": 0}


def interpolate(
    input: TensorLike,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Variable:
    """Resize ``(N, C, *spatial)`` to ``size`` or by ``scale_factor``: nearest, linear, bilinear, trilinear, area.

    Example::

        >>> y = interpolate(taeda.autograd.randn(1, 3, 4, 4), scale_factor=2, mode="bilinear")
        >>> tuple(y.shape)
        (1, 3, 8, 8)
    """
    if mode not in _MODES:
        raise ValueError(
            f"interpolate: mode {mode!r} is not supported; use one of nearest, nearest-exact, linear, bilinear, "
            "trilinear or area"
        )
    if antialias:
        raise ValueError("Anti-alias option is only supported for bilinear and bicubic modes with torch.")
    d = input.dim() - 2
    if d < 1:
        raise ValueError(f"Input Error: expected 3D, 4D or 5D input, got {input.dim()}D")
    need = _MODES[mode]
    if need and need != d:
        names = {1: "3D", 2: "4D", 3: "5D"}
        raise ValueError(f"Got {names.get(d, str(d + 2) + 'D')} input, but {mode} mode needs {need + 2}D input")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
        )
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    spatial = tuple(input.shape[2:])
    scales: tuple[float | None, ...]
    if size is not None:
        out = (int(size),) * d if isinstance(size, int) else tuple(int(s) for s in size)
        if len(out) != d:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {list(spatial)} and output size of {list(out)}. Please provide input tensor in "
                f"(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        scales = (None,) * d
    else:
        assert scale_factor is not None
        sf = (float(scale_factor),) * d if isinstance(scale_factor, (int, float)) else tuple(map(float, scale_factor))
        if len(sf) != d:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {list(spatial)} and scale_factor of shape {list(sf)}."
            )
        out = tuple(math.floor(n * s) for n, s in zip(spatial, sf))
        scales = (None,) * d if recompute_scale_factor else sf
    if any(o <= 0 for o in out):
        raise ValueError(f"Input and output sizes should be greater than 0, but got input {spatial} and output {out}")
    xp = input.device.xp
    dtype = input.dtype
    mats: tuple[Array, ...]
    if mode == "area":
        from taeda.nn.functional._kern_pool import adaptive_avg_matrix

        mats = tuple(adaptive_avg_matrix(xp, n, o, dtype) for n, o in zip(spatial, out))
    elif mode in ("nearest", "nearest-exact"):
        mats = tuple(
            nearest_matrix(xp, n, o, s, dtype, exact=mode == "nearest-exact") for n, o, s in zip(spatial, out, scales)
        )
    else:
        ac = bool(align_corners)
        mats = tuple(linear_matrix(xp, n, o, None if ac else s, ac, dtype) for n, o, s in zip(spatial, out, scales))
    return Separable.apply(input, mats)  # type: ignore[no-any-return]


def upsample(
    input: TensorLike,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Variable:
    """Deprecated alias of :func:`interpolate`.

    Example::

        >>> tuple(upsample(taeda.autograd.randn(1, 1, 2, 2), scale_factor=2).shape)
        (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(
    input: TensorLike, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None
) -> Variable:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``.

    Example::

        >>> tuple(upsample_nearest(taeda.autograd.randn(1, 1, 2, 2), scale_factor=2).shape)
        (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(
    input: TensorLike, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None
) -> Variable:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``.

    Example::

        >>> tuple(upsample_bilinear(taeda.autograd.randn(1, 1, 2, 2), scale_factor=2).shape)
        (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
