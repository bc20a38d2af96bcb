"""Pooling: max/avg pooling (1-D, 2-D), adaptive average/max pooling and max unpooling."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from taeda.autograd import Function, Variable
from taeda.nn.functional._conv import ntuple
from taeda.nn.functional._double import wants_graph
from taeda.nn.functional._kern_pool import (
    PoolGeom,
    adaptive_avg_matrix,
    adaptive_max_forward,
    avg_divisor,
    avg_pool_backward,
    avg_pool_forward,
    flat_indices,
    max_pool_backward,
    max_pool_forward,
    scatter_flat,
)
from taeda.nn.functional._upsampling import Separable
from taeda.nn.functional._util import Kernel, TensorLike
from taeda.tensor import Tensor, as_tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
    "max_unpool1d",
    "max_unpool2d",
]

IntOrInts = int | Sequence[int]
Ints = tuple[int, ...]


class MaxPoolNd(Function):
    """Max pooling over the trailing dimensions; returns ``(y, flat_indices)`` when asked for indices."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, g: PoolGeom, with_indices: bool) -> Tensor | tuple[Tensor, Tensor]:
        y, arg = max_pool_forward(x.array, g)
        ctx.geom = g
        ctx.arg = arg
        if not with_indices:
            return as_tensor(y)
        idx = as_tensor(flat_indices(arg, g))
        ctx.mark_non_differentiable(idx)
        return as_tensor(y), idx

    @staticmethod
    def backward(ctx: Any, gy: Any, *_: Any) -> tuple[Any, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None
        if wants_graph(gy):
            g = ctx.geom
            return ScatterFlat.apply(gy, flat_indices(ctx.arg, g), g.spatial), None, None
        return as_tensor(max_pool_backward(gy.array, ctx.arg, ctx.geom)), None, None


class AvgPoolNd(Function):
    """Average pooling over the trailing dimensions with a per-position divisor."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, g: PoolGeom, div: Any) -> Tensor:
        ctx.geom = g
        ctx.div = div
        return as_tensor(avg_pool_forward(x.array, g, div))

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None
        if wants_graph(gy):
            return AvgPoolAdjoint.apply(gy, ctx.geom, ctx.div), None, None
        return as_tensor(avg_pool_backward(gy.array, ctx.geom, ctx.div)), None, None


class AvgPoolAdjoint(Kernel):
    """The input gradient of average pooling as a Function (linear in ``gy``: its backward is the pooling)."""

    @staticmethod
    def forward(ctx: Any, gy: Tensor, g: PoolGeom, div: Any) -> Tensor:
        ctx.geom = g
        ctx.div = div
        return as_tensor(avg_pool_backward(gy.array, g, div))

    @staticmethod
    def backward(ctx: Any, gg: Any) -> tuple[Any, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None
        return AvgPoolNd.apply(gg, ctx.geom, ctx.div), None, None


class GatherFlat(Kernel):
    """``y = x[..., flat]`` per plane: ``x`` is ``(*lead, *spatial)``, ``flat`` an int array ``(*lead, *rest)``
    of flat positions within each plane (``rest`` has as many dims as ``spatial``); backward is ``ScatterFlat``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, flat: Any, spatial: Ints) -> Tensor:
        xp = x.device.xp
        xa = x.array
        lead = xa.shape[: xa.ndim - len(spatial)]
        ctx.flat, ctx.spatial = flat, spatial
        # explicit plane sizes: -1 cannot be inferred for an empty batch
        y = xp.take_along_axis(
            xa.reshape(*lead, math.prod(spatial)), flat.reshape(*lead, math.prod(flat.shape[len(lead) :])), axis=-1
        )
        return as_tensor(y.reshape(flat.shape))

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None
        return ScatterFlat.apply(gy, ctx.flat, ctx.spatial), None, None


class ScatterFlat(Kernel):
    """Sum ``g`` (shaped as ``flat``) into zeros of ``(*lead, *spatial)`` at the per-plane flat positions
    ``flat``: the adjoint of ``GatherFlat`` (each is the other's backward)."""

    @staticmethod
    def forward(ctx: Any, g: Tensor, flat: Any, spatial: Ints) -> Tensor:
        ctx.flat, ctx.spatial = flat, spatial
        return as_tensor(scatter_flat(g.array, flat, spatial))

    @staticmethod
    def backward(ctx: Any, gg: Any) -> tuple[Any, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None
        return GatherFlat.apply(gg, ctx.flat, ctx.spatial), None, None


class AdaptiveMaxPoolNd(Function):
    """Adaptive max pooling; returns ``(y, flat_indices)``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, out: Ints) -> tuple[Tensor, Tensor]:
        y, flat = adaptive_max_forward(x.array, out)
        ctx.flat = flat
        ctx.spatial = tuple(x.shape[x.ndim - len(out) :])
        idx = as_tensor(flat)
        ctx.mark_non_differentiable(idx)
        return as_tensor(y), idx

    @staticmethod
    def backward(ctx: Any, gy: Any, *_: Any) -> tuple[Any, None]:
        if not ctx.needs_input_grad[0]:
            return None, None
        if wants_graph(gy):
            return ScatterFlat.apply(gy, ctx.flat, ctx.spatial), None
        return as_tensor(scatter_flat(gy.array, ctx.flat, ctx.spatial)), None


class MaxUnpoolNd(Function):
    """Scatter ``x`` into zeros of ``(*lead, *out)`` at per-plane flat ``indices``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, indices: Tensor, out: Ints) -> Tensor:
        xp = x.device.xp
        xa, ia = x.array, indices.array.astype(xp.int64, copy=False)
        d = len(out)
        lead = xa.shape[: xa.ndim - d]
        plane = math.prod(out)
        flat_i = ia.reshape(*lead, math.prod(xa.shape[xa.ndim - d :]))  # not -1: an empty batch cannot infer it
        if flat_i.size and (int(flat_i.min()) < 0 or int(flat_i.max()) >= plane):
            raise RuntimeError(
                f"Found an invalid max index: {int(flat_i.max()) if int(flat_i.max()) >= plane else int(flat_i.min())}"
                f" (output volumes are of size {'x'.join(map(str, out))})"
            )
        y = xp.zeros((*lead, plane), dtype=xa.dtype)
        xp.put_along_axis(y, flat_i, xa.reshape(flat_i.shape), axis=-1)
        ctx.idx = flat_i
        ctx.in_shape = xa.shape
        ctx.out = out
        return as_tensor(y.reshape(*lead, *out))

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, None, None]:
        if not ctx.needs_input_grad[0]:
            return None, None, None
        if wants_graph(gy):
            return GatherFlat.apply(gy, ctx.idx.reshape(ctx.in_shape), ctx.out), None, None
        xp = gy.device.xp
        ga = gy.array.reshape(*ctx.idx.shape[:-1], math.prod(ctx.out))
        return as_tensor(xp.take_along_axis(ga, ctx.idx, axis=-1).reshape(ctx.in_shape)), None, None


def _check_dims(name: str, x: TensorLike, d: int) -> None:
    if x.dim() not in (d + 1, d + 2) or any(s == 0 for s in tuple(x.shape)[1:]):
        raise RuntimeError(
            f"{name}: Expected {d + 1}D or {d + 2}D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got: {list(x.shape)}"
        )


def _geom(
    name: str,
    x: TensorLike,
    d: int,
    kernel_size: IntOrInts,
    stride: IntOrInts | None,
    padding: IntOrInts,
    dilation: IntOrInts,
    ceil_mode: bool,
    max_pool: bool,
) -> PoolGeom:
    _check_dims(name, x, d)
    k = ntuple(kernel_size, d, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else ntuple(stride, d, "stride")
    p, dl = ntuple(padding, d, "padding"), ntuple(dilation, d, "dilation")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got {k}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{name}: stride must be greater than zero, but got {s}")
    if any(v <= 0 for v in dl):
        raise RuntimeError(f"{name}: dilation must be greater than zero, but got {dl}")
    for pi, ki, di in zip(p, k, dl):
        if pi < 0 or pi > (di * (ki - 1) + 1) // 2:
            if max_pool:
                raise RuntimeError(
                    f"pad should be at most half of effective kernel size, but got pad={pi}, kernel_size={ki} and "
                    f"dilation={di}"
                )
            raise RuntimeError(f"pad should be at most half of kernel size, but got pad={pi} and kernel_size={ki}")
    g = PoolGeom(tuple(x.shape), k, s, p, dl, ceil_mode)
    if any(o <= 0 for o in g.out):
        lead = tuple(x.shape)[-d - 1 :]
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, lead))}). Calculated output size: "
            f"({'x'.join(map(str, (lead[0], *g.out)))}). Output size is too small"
        )
    return g


def _max_pool(
    name: str,
    d: int,
    input: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None,
    padding: IntOrInts,
    dilation: IntOrInts,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    g = _geom(name, input, d, kernel_size, stride, padding, dilation, ceil_mode, True)
    if any(p > k // 2 for p, k in zip(g.pad, g.kernel)):  # PyTorch: half the kernel itself, whatever the dilation
        if d == 1 and not return_indices:
            raise RuntimeError(
                f"max_pool1d() padding should be at most half of kernel size, but got padding={g.pad[0]} and "
                f"kernel_size={g.kernel[0]}"
            )
        (kh, kw), (ph, pw) = ((1, *g.kernel), (0, *g.pad)) if d == 1 else (g.kernel, g.pad)
        raise RuntimeError(
            "pad should be smaller than or equal to half of kernel size, but got "
            f"padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}"
        )
    return MaxPoolNd.apply(input, g, bool(return_indices))


def max_pool1d(
    input: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    padding: IntOrInts = 0,
    dilation: IntOrInts = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """1-D max pooling over ``(N, C, L)``; with ``return_indices`` also the flat argmax per output.

    Example::

        >>> tuple(max_pool1d(taeda.autograd.randn(2, 3, 8), 2).shape)
        (2, 3, 4)
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    padding: IntOrInts = 0,
    dilation: IntOrInts = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """2-D max pooling over ``(N, C, H, W)``; with ``return_indices`` also the flat argmax per output.

    Example::

        >>> tuple(max_pool2d(taeda.autograd.randn(1, 6, 24, 24), (2, 2)).shape)
        (1, 6, 12, 12)
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(
    name: str,
    d: int,
    input: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None,
    padding: IntOrInts,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Variable:
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    g = _geom(name, input, d, kernel_size, stride, padding, 1, ceil_mode, False)
    div = avg_divisor(input.device.xp, g, count_include_pad, divisor_override, input.dtype)
    return AvgPoolNd.apply(input, g, div)  # type: ignore[no-any-return]


def avg_pool1d(
    input: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    padding: IntOrInts = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Variable:
    """1-D average pooling over ``(N, C, L)``.

    Example::

        >>> tuple(avg_pool1d(taeda.autograd.randn(2, 3, 8), 3, 2, 1).shape)
        (2, 3, 4)
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    padding: IntOrInts = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Variable:
    """2-D average pooling over ``(N, C, H, W)``.

    Example::

        >>> tuple(avg_pool2d(taeda.autograd.randn(1, 3, 8, 8), 2).shape)
        (1, 3, 4, 4)
    """
    return _avg_pool(
        "avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def _adaptive_out(name: str, x: TensorLike, d: int, output_size: Any) -> Ints:
    _check_dims(name, x, d)
    if isinstance(output_size, int):
        sizes: tuple[Any, ...] = (output_size,) * d
    else:
        sizes = tuple(output_size)
        if len(sizes) == 1 and d > 1:
            sizes = sizes * d
        if len(sizes) != d:
            raise ValueError(f"{name}: output_size must be {d}, but got {len(sizes)}")
    spatial = tuple(x.shape)[-d:]
    out = tuple(n if s is None else int(s) for s, n in zip(sizes, spatial))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received {out}")
    return out


class GlobalAvgPool(Kernel):
    """Adaptive average pooling to size 1 along the last ``d`` axes: their mean, and a broadcast gradient.

    NOTE: as the separable pooling matrices, NumPy ran it as a stack of tiny GEMMs, one per (sample, channel):
    4.2 ms fwd+bwd on (64, 512, 7, 7), a ResNet head (PyTorch: 0.5 ms).
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, d: int) -> Tensor:
        a = x.array
        ctx.shape, ctx.d = tuple(a.shape), d
        axes = tuple(range(a.ndim - d, a.ndim))
        return as_tensor(a.mean(axis=axes, keepdims=True, dtype=a.dtype))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, None]:
        if not ctx.needs_input_grad[0]:
            return None, None
        scale = 1.0 / math.prod(ctx.shape[len(ctx.shape) - ctx.d :])
        if wants_graph(g):
            return g.expand(*ctx.shape) * scale, None
        ga = g.array
        gx = g.device.xp.empty(ctx.shape, dtype=ga.dtype)  # an array of its own: autograd adopts it
        gx[...] = ga * scale
        return as_tensor(gx), None


def _global(input: TensorLike, out: Ints) -> Variable | None:
    """``GlobalAvgPool`` when every output size is 1 and no input size is 0 (else None)."""
    if all(o == 1 for o in out) and all(n > 0 for n in tuple(input.shape)[-len(out) :]):
        pooled: Variable = GlobalAvgPool.apply(input, len(out))
        return pooled
    return None


def adaptive_avg_pool1d(input: TensorLike, output_size: int | Sequence[int]) -> Variable:
    """Average pooling of ``(N, C, L)`` into ``output_size`` windows of PyTorch's adaptive bounds.

    Example::

        >>> tuple(adaptive_avg_pool1d(taeda.autograd.randn(2, 3, 10), 4).shape)
        (2, 3, 4)
    """
    out = _adaptive_out("adaptive_avg_pool1d", input, 1, output_size)
    pooled = _global(input, out)
    if pooled is not None:
        return pooled
    xp = input.device.xp
    mats = (adaptive_avg_matrix(xp, int(input.shape[-1]), out[0], input.dtype),)
    return Separable.apply(input, mats)  # type: ignore[no-any-return]


def adaptive_avg_pool2d(input: TensorLike, output_size: int | Sequence[int | None] | None) -> Variable:
    """Average pooling of ``(N, C, H, W)`` into an ``output_size`` grid (``None`` keeps that input size).

    Example::

        >>> tuple(adaptive_avg_pool2d(taeda.autograd.randn(2, 3, 7, 9), (1, 1)).shape)
        (2, 3, 1, 1)
    """
    out = _adaptive_out("adaptive_avg_pool2d", input, 2, output_size)
    pooled = _global(input, out)
    if pooled is not None:
        return pooled
    xp = input.device.xp
    mats = tuple(adaptive_avg_matrix(xp, int(n), o, input.dtype) for n, o in zip(tuple(input.shape)[-2:], out))
    return Separable.apply(input, mats)  # type: ignore[no-any-return]


def adaptive_max_pool1d(input: TensorLike, output_size: int | Sequence[int], return_indices: bool = False) -> Any:
    """Adaptive max pooling of ``(N, C, L)``; with ``return_indices`` also the flat argmax.

    Example::

        >>> tuple(adaptive_max_pool1d(taeda.autograd.randn(2, 3, 10), 4).shape)
        (2, 3, 4)
    """
    out = _adaptive_out("adaptive_max_pool1d", input, 1, output_size)
    y, idx = AdaptiveMaxPoolNd.apply(input, out)
    return (y, idx) if return_indices else y


def adaptive_max_pool2d(input: TensorLike, output_size: Any, return_indices: bool = False) -> Any:
    """Adaptive max pooling of ``(N, C, H, W)``; with ``return_indices`` also the flat argmax.

    Example::

        >>> tuple(adaptive_max_pool2d(taeda.autograd.randn(2, 3, 7, 9), 2).shape)
        (2, 3, 2, 2)
    """
    out = _adaptive_out("adaptive_max_pool2d", input, 2, output_size)
    y, idx = AdaptiveMaxPoolNd.apply(input, out)
    return (y, idx) if return_indices else y


def _unpool(
    name: str,
    d: int,
    input: TensorLike,
    indices: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None,
    padding: IntOrInts,
    output_size: Sequence[int] | None,
) -> Variable:
    _check_dims(name, input, d)
    k = ntuple(kernel_size, d, "kernel_size")
    s = k if stride is None else ntuple(stride, d, "stride")
    p = ntuple(padding, d, "padding")
    spatial = tuple(input.shape)[-d:]
    default = tuple((n - 1) * si - 2 * pi + ki for n, si, pi, ki in zip(spatial, s, p, k))
    if output_size is None:
        out = default
    else:
        given = tuple(int(v) for v in output_size)
        out = given[-d:]
        if len(given) not in (d, input.dim()):
            raise ValueError(
                f"output_size should be a sequence containing {d} or {d + 2} elements, but it has a "
                f"length of '{len(given)}'"
            )
        for j, (o, dv, si) in enumerate(zip(out, default, s)):
            if not dv - si < o < dv + si:
                raise ValueError(f'invalid output_size "{given}" (dim {j} must be between {dv - si} and {dv + si})')
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) but got "
            f"indices tensor with shape: {list(indices.shape)}"
        )
    return MaxUnpoolNd.apply(input, indices, out)  # type: ignore[no-any-return]


def max_unpool1d(
    input: TensorLike,
    indices: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    padding: IntOrInts = 0,
    output_size: Sequence[int] | None = None,
) -> Variable:
    """Partial inverse of :func:`max_pool1d`: put each value at its index, zeros elsewhere.

    Example::

        >>> y, i = max_pool1d(taeda.autograd.randn(1, 1, 8), 2, return_indices=True)
        >>> tuple(max_unpool1d(y, i, 2).shape)
        (1, 1, 8)
    """
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: TensorLike,
    indices: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    padding: IntOrInts = 0,
    output_size: Sequence[int] | None = None,
) -> Variable:
    """Partial inverse of :func:`max_pool2d`: put each value at its index, zeros elsewhere.

    Example::

        >>> y, i = max_pool2d(taeda.autograd.randn(1, 1, 4, 4), 2, return_indices=True)
        >>> tuple(max_unpool2d(y, i, 2).shape)
        (1, 1, 4, 4)
    """
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)
