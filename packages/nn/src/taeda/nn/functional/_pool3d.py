"""3-D pooling: ``max_pool3d``, ``avg_pool3d``, adaptive average/max pooling and ``max_unpool3d``.

The pooling kernels and their autograd Functions (``_pooling``, ``_kern_pool``) work over any number of trailing
dimensions, so this module only validates the arguments with PyTorch's 3-D rules and messages and builds the
geometry; double backward comes from those Functions' adjoint pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._conv import three_ints
from taeda.nn.functional._kern_pool import PoolGeom, adaptive_avg_matrix, avg_divisor
from taeda.nn.functional._pooling import AdaptiveMaxPoolNd, AvgPoolNd, MaxPoolNd, MaxUnpoolNd
from taeda.nn.functional._upsampling import Separable
from taeda.nn.functional._util import TensorLike, as_var

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "max_pool3d", "max_unpool3d"]

IntOrInts = int | Sequence[int]
Ints = tuple[int, ...]


def _sizes(x: TensorLike) -> str:
    return "[" + ", ".join(str(int(s)) for s in tuple(x.shape)) + "]"


def _half(n: int) -> int:
    """C++ integer division by two (truncates toward zero)."""
    return n // 2 if n >= 0 else -((-n) // 2)


def _geom3(
    name: str,
    x: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None,
    padding: IntOrInts,
    dilation: IntOrInts,
    ceil_mode: bool,
    avg: bool,
    divisor_override: int | None = None,
) -> PoolGeom:
    """Validate a 3-D pooling call in PyTorch's order and with its messages; return the geometry."""
    either = "" if avg else "either "
    be = "be" if avg else "either be"
    k = three_ints(kernel_size, f"{name}: kernel_size must {be} a single int, or a tuple of three ints")
    s = (
        None
        if stride is None
        else three_ints(stride, f"{name}: stride must {either}be omitted, a single int, or a tuple of three ints", True)
    )
    p = three_ints(padding, f"{name}: padding must {be} a single int, or a tuple of three ints")
    if avg:
        dl: Ints | None = (1, 1, 1)
    else:
        dl = three_ints(dilation, f"{name}: dilation must be either a single int, or a tuple of three ints")
    assert k is not None and p is not None and dl is not None
    st = k if s is None else s
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if x.dim() not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    for si, pi, ki, di in zip(st, p, k, dl):
        if si == 0:
            raise RuntimeError("stride should not be zero")
        if pi < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pi}")
        if pi > _half((ki - 1) * di + 1):
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pi}, kernel_size={ki} and "
                f"dilation={di}"
            )
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kT: {k[0]} kH: {k[1]} kW: {k[2]}")
    if any(v <= 0 for v in st):
        raise RuntimeError(f"stride should be greater than zero, but got dT: {st[0]} dH: {st[1]} dW: {st[2]}")
    if any(v <= 0 for v in dl):
        raise RuntimeError(
            f"dilation should be greater than zero, but got dilationT: {dl[0]} dilationH: {dl[1]} dilationW: {dl[2]}"
        )
    if any(pi > ki // 2 for pi, ki in zip(p, k)):  # PyTorch: half the kernel itself, whatever the dilation
        raise RuntimeError(
            f"pad should be smaller than or equal to half of kernel size, but got kT: {k[0]} kW: {k[2]} kH: {k[1]} "
            f"padT: {p[0]} padW: {p[2]} padH: {p[1]}"
        )
    shape = tuple(int(v) for v in x.shape)
    if any(v == 0 for v in shape[1:]):
        fn = "avg_pool3d()" if avg else "max_pool3d_with_indices_out_cpu_template()"
        raise RuntimeError(
            f"{fn}: Expected input's non-batch dimensions to have positive length, but input has a shape of "
            f"{_sizes(x)} and non-batch dimension 0 has length zero!"
        )
    spatial = shape[-3:]
    if avg and any(n < kk for n, kk in zip(spatial, k)):
        raise RuntimeError(
            f"input image (T: {spatial[0]} H: {spatial[1]} W: {spatial[2]}) smaller than kernel size "
            f"(kT: {k[0]} kH: {k[1]} kW: {k[2]})"
        )
    g = PoolGeom(shape, k, st, p, dl, bool(ceil_mode))
    if any(o < 1 for o in g.out):
        c = shape[-4]
        raise RuntimeError(
            f"Given input size: ({c}x{'x'.join(map(str, spatial))}). Calculated output size: "
            f"({c}x{'x'.join(map(str, g.out))}). Output size is too small"
        )
    return g


def max_pool3d(
    input: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    padding: IntOrInts = 0,
    dilation: IntOrInts = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """3-D max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; with ``return_indices`` also the flat
    argmax of each output within its ``D*H*W`` input volume.

    Example::

        >>> tuple(max_pool3d(taeda.autograd.randn(1, 2, 4, 4, 4), 2).shape)
        (1, 2, 2, 2, 2)
    """
    g = _geom3("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, avg=False)
    return MaxPoolNd.apply(input, g, bool(return_indices))


def avg_pool3d(
    input: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    padding: IntOrInts = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Variable:
    """3-D average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    Example::

        >>> tuple(avg_pool3d(taeda.autograd.randn(1, 2, 4, 4, 4), 2).shape)
        (1, 2, 2, 2, 2)
    """
    g = _geom3(
        "avg_pool3d", input, kernel_size, stride, padding, 1, ceil_mode, avg=True, divisor_override=divisor_override
    )
    div = avg_divisor(input.device.xp, g, bool(count_include_pad), divisor_override, input.dtype)
    return AvgPoolNd.apply(input, g, div)  # type: ignore[no-any-return]


def _adaptive_sizes(x: TensorLike, output_size: Any) -> tuple[Any, ...]:
    """``output_size`` as a tuple with ``None`` replaced by the input's size (PyTorch's ``_list_with_default``)."""
    if isinstance(output_size, int):
        return (output_size,) * 3
    sizes = tuple(output_size)
    if len(sizes) >= x.dim():
        raise ValueError(f"Input dimension should be at least {len(sizes) + 1}")
    spatial = tuple(int(n) for n in x.shape)[x.dim() - len(sizes) :]
    return tuple(n if s is None else int(s) for s, n in zip(sizes, spatial))


def _nonempty(name: str, x: TensorLike) -> None:
    for i, n in enumerate(tuple(x.shape)):
        if i > 0 and int(n) == 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                f"{_sizes(x)} with dimension {i} being empty"
            )


def adaptive_avg_pool3d(input: TensorLike, output_size: int | Sequence[int | None] | None) -> Variable:
    """Average pooling of ``(N, C, D, H, W)`` into an ``output_size`` grid (``None`` keeps that input size).

    Example::

        >>> tuple(adaptive_avg_pool3d(taeda.autograd.randn(2, 3, 5, 7, 9), (1, 2, 3)).shape)
        (2, 3, 1, 2, 3)
    """
    out = _adaptive_sizes(input, output_size)
    if len(out) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    if any(o < 0 for o in out):
        raise RuntimeError(
            "adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but received "
            f"{{{out[0]}, {out[1]},{out[2]}}}"
        )
    _nonempty("adaptive_avg_pool3d", input)
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {_sizes(input)}")
    xp = input.device.xp
    mats = tuple(adaptive_avg_matrix(xp, int(n), int(o), input.dtype) for n, o in zip(tuple(input.shape)[-3:], out))
    return Separable.apply(input, mats)  # type: ignore[no-any-return]


def adaptive_max_pool3d(input: TensorLike, output_size: Any, return_indices: bool = False) -> Any:
    """Adaptive max pooling of ``(N, C, D, H, W)``; with ``return_indices`` also the flat argmax.

    Example::

        >>> tuple(adaptive_max_pool3d(taeda.autograd.randn(2, 3, 5, 7, 9), 2).shape)
        (2, 3, 2, 2, 2)
    """
    out = _adaptive_sizes(input, output_size)
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: {_sizes(input)}")
    _nonempty("adaptive_max_pool3d", input)
    if len(out) != 3:
        raise RuntimeError("adaptive_max_pool3d(): internal error: output_size.size() must be 3")
    if any(o < 0 for o in out):
        full = [*(int(n) for n in tuple(input.shape)[:-3]), *out]
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: [{', '.join(map(str, full))}]")
    if any(o == 0 for o in out):  # an empty result (the kernel needs at least one window per dimension)
        y = as_var(input)[(Ellipsis, *(slice(0, o) for o in out))]
        idx = tt.zeros(*y.shape, dtype=tt.int64, device=input.device)
    else:
        y, idx = AdaptiveMaxPoolNd.apply(input, tuple(int(o) for o in out))
    return (y, idx) if return_indices else y


def _unpool_output_size(
    input: TensorLike, k: Ints, s: Ints, p: Ints, output_size: Sequence[int] | None
) -> tuple[int, ...]:
    """PyTorch's ``_unpool_output_size`` (its ValueError messages included)."""
    n = len(k)
    size = tuple(int(v) for v in input.shape)
    default = [(size[-n + d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(n)]
    if output_size is None:
        return tuple(default)
    given: Any = output_size
    if len(given) == n + 2:
        given = given[2:]
    if len(given) != n:
        raise ValueError(
            f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a length of "
            f"'{len(given)}'"
        )
    for d in range(n):
        lo, hi = default[d] - s[d], default[d] + s[d]
        if not lo < int(given[d]) < hi:
            raise ValueError(f'invalid output_size "{given}" (dim {d} must be between {lo} and {hi})')
    return tuple(int(v) for v in given)


def _as_ints(v: IntOrInts) -> Ints:
    return (v,) * 3 if isinstance(v, int) else tuple(int(i) for i in v)


def max_unpool3d(
    input: TensorLike,
    indices: TensorLike,
    kernel_size: IntOrInts,
    stride: IntOrInts | None = None,
    padding: IntOrInts = 0,
    output_size: Sequence[int] | None = None,
) -> Variable:
    """Partial inverse of :func:`max_pool3d`: put each value at its index, zeros elsewhere.

    Example::

        >>> y, i = max_pool3d(taeda.autograd.randn(1, 1, 4, 4, 4), 2, return_indices=True)
        >>> tuple(max_unpool3d(y, i, 2).shape)
        (1, 1, 4, 4, 4)
    """
    k = _as_ints(kernel_size)
    s = k if stride is None else _as_ints(stride)
    p = _as_ints(padding)
    out = _unpool_output_size(input, k, s, p, output_size)
    if indices.dtype != tt.int64:
        raise RuntimeError("elements in indices should be type int64")
    if input.dim() not in (4, 5):
        raise RuntimeError(
            f"Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with {input.dim()} dimensions."
        )
    for what, seq in (("output_size", out), ("stride", s), ("padding", p)):
        if len(seq) != 3:
            sep = " " if what == "output_size" else ": "
            raise RuntimeError(
                f"There should be exactly three elements (depth, height, width) in {what}, but got{sep}{len(seq)} "
                "elements."
            )
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({_sizes(input)}) but got indices "
            f"tensor with shape: {_sizes(indices)}"
        )
    for i, n in enumerate(tuple(input.shape)):
        if i > 0 and int(n) == 0:
            raise RuntimeError(
                "max_unpooling3d_forward_out_cpu(): Expected input to have non-zero size for non-batch dimensions, "
                f"but got {_sizes(input)} with dimension {i} being empty."
            )
    if any(v <= 0 for v in s):
        raise RuntimeError(f"strides should be greater than zero, but got stride: [{', '.join(map(str, s))}]")
    return MaxUnpoolNd.apply(input, indices, out)  # type: ignore[no-any-return]
