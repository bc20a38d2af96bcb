"""``unfold`` (im2col: sliding blocks to columns) and ``fold`` (col2im: columns summed back into an image)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from taeda.autograd import Function, Variable, once_differentiable
from taeda.nn.functional._conv import ntuple
from taeda.nn.functional._double import wants_graph
from taeda.nn.functional._util import TensorLike
from taeda.tensor import Tensor, as_tensor

__all__ = ["fold", "unfold"]

Array = Any
Ints = tuple[int, ...]
IntOrInts = int | Sequence[int]


class _Blocks:
    __slots__ = ("c", "dil", "kernel", "n", "out", "pad", "size", "stride")

    def __init__(self, n: int, c: int, size: Ints, kernel: Ints, dil: Ints, pad: Ints, stride: Ints) -> None:
        self.n, self.c, self.size, self.kernel, self.dil, self.pad, self.stride = n, c, size, kernel, dil, pad, stride
        self.out = tuple(
            (s + 2 * p - d * (k - 1) - 1) // st + 1 for s, p, d, k, st in zip(size, pad, dil, kernel, stride)
        )

    def view_slices(self, off: Ints) -> tuple[slice, ...]:
        return (
            slice(None),
            slice(None),
            *(slice(k * d, k * d + s * (o - 1) + 1, s) for k, d, s, o in zip(off, self.dil, self.stride, self.out)),
        )


def _im2col(xp: Any, x: Array, b: _Blocks) -> Array:
    h, w = b.size
    xpad = x
    if any(b.pad):
        xpad = xp.zeros((b.n, b.c, h + 2 * b.pad[0], w + 2 * b.pad[1]), dtype=x.dtype)
        xpad[:, :, b.pad[0] : b.pad[0] + h, b.pad[1] : b.pad[1] + w] = x
    cols = xp.empty((b.n, b.c, *b.kernel, *b.out), dtype=x.dtype)
    for off in itertools.product(*(range(k) for k in b.kernel)):
        cols[(slice(None), slice(None), *off)] = xpad[b.view_slices(off)]
    return cols.reshape(b.n, b.c * b.kernel[0] * b.kernel[1], b.out[0] * b.out[1])


def _col2im(xp: Any, cols: Array, b: _Blocks) -> Array:
    h, w = b.size
    gpad = xp.zeros((b.n, b.c, h + 2 * b.pad[0], w + 2 * b.pad[1]), dtype=cols.dtype)
    c6 = cols.reshape(b.n, b.c, *b.kernel, *b.out)
    for off in itertools.product(*(range(k) for k in b.kernel)):
        gpad[b.view_slices(off)] += c6[(slice(None), slice(None), *off)]
    if any(b.pad):
        return gpad[:, :, b.pad[0] : b.pad[0] + h, b.pad[1] : b.pad[1] + w]
    return gpad


class Unfold(Function):
    """``(N, C, H, W) -> (N, C*kh*kw, L)``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, b: _Blocks) -> Tensor:
        ctx.blocks = b
        return as_tensor(_im2col(x.device.xp, x.array, b))

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, None]:
        if not ctx.needs_input_grad[0]:
            return None, None
        if wants_graph(gy):  # linear: the adjoint (fold) is differentiable again
            return Fold.apply(gy, ctx.blocks), None
        return Unfold._backward_arrays(ctx, gy)  # type: ignore[no-any-return]

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx: Any, gy: Tensor) -> tuple[Tensor | None, None]:
        return as_tensor(gy.device.xp.ascontiguousarray(_col2im(gy.device.xp, gy.array, ctx.blocks))), None


class Fold(Function):
    """``(N, C*kh*kw, L) -> (N, C, H, W)``, summing overlapping values."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, b: _Blocks) -> Tensor:
        ctx.blocks = b
        return as_tensor(x.device.xp.ascontiguousarray(_col2im(x.device.xp, x.array, b)))

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, None]:
        if not ctx.needs_input_grad[0]:
            return None, None
        if wants_graph(gy):  # linear: the adjoint (unfold) is differentiable again
            return Unfold.apply(gy, ctx.blocks), None
        return Fold._backward_arrays(ctx, gy)  # type: ignore[no-any-return]

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx: Any, gy: Tensor) -> tuple[Tensor | None, None]:
        return as_tensor(_im2col(gy.device.xp, gy.array, ctx.blocks)), None


def _params(kernel_size: IntOrInts, dilation: IntOrInts, padding: IntOrInts, stride: IntOrInts) -> tuple[Ints, ...]:
    k, d = ntuple(kernel_size, 2, "kernel_size"), ntuple(dilation, 2, "dilation")
    p, s = ntuple(padding, 2, "padding"), ntuple(stride, 2, "stride")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size: {k}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation: {d}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got padding: {p}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride: {s}")
    return k, d, p, s


def unfold(
    input: TensorLike,
    kernel_size: IntOrInts,
    dilation: IntOrInts = 1,
    padding: IntOrInts = 0,
    stride: IntOrInts = 1,
) -> Variable:
    """Extract sliding blocks of ``(N, C, H, W)`` (or ``(C, H, W)``) as columns ``(N, C*kh*kw, L)``.

    Example::

        >>> tuple(unfold(taeda.autograd.randn(2, 3, 5, 5), 3).shape)
        (2, 27, 9)
    """
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    k, d, p, s = _params(kernel_size, dilation, padding, stride)
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = tuple(x.shape)
    b = _Blocks(n, c, (h, w), k, d, p, s)
    if any(o <= 0 for o in b.out):
        raise RuntimeError(
            f"Given input with spatial size ({h}, {w}), kernel_size={k}, dilation={d}, padding={p}, calculated shape "
            f"of the array of sliding blocks as {b.out}, but its components must be at least one."
        )
    y = Unfold.apply(x, b)
    return y.squeeze(0) if unbatched else y  # type: ignore[no-any-return]


def fold(
    input: TensorLike,
    output_size: IntOrInts,
    kernel_size: IntOrInts,
    dilation: IntOrInts = 1,
    padding: IntOrInts = 0,
    stride: IntOrInts = 1,
) -> Variable:
    """Sum columns ``(N, C*kh*kw, L)`` (or ``(C*kh*kw, L)``) back into ``(N, C, *output_size)``.

    Example::

        >>> tuple(fold(taeda.autograd.randn(2, 27, 9), (5, 5), 3).shape)
        (2, 3, 5, 5)
    """
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {input.dim()}D)"
        )
    k, d, p, s = _params(kernel_size, dilation, padding, stride)
    size = ntuple(output_size, 2, "output_size")
    unbatched = input.dim() == 2
    x = input.unsqueeze(0) if unbatched else input
    n, ckk, length = tuple(x.shape)
    if ckk % (k[0] * k[1]) != 0:
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={ckk} and kernel_size={k}"
        )
    b = _Blocks(n, ckk // (k[0] * k[1]), size, k, d, p, s)
    if b.out[0] * b.out[1] != length:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, expected size of "
            f"input's dimension 2 to match the calculated number of sliding blocks {b.out[0]} * {b.out[1]} = "
            f"{b.out[0] * b.out[1]}, but got input.size(2)={length}."
        )
    y = Fold.apply(x, b)
    return y.squeeze(0) if unbatched else y  # type: ignore[no-any-return]
