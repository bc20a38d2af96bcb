"""Convolutions: ``conv1d/2d/3d`` and ``conv_transpose1d/2d`` as autograd Functions over ``_conv_kernels`` (one
group, channels-last columns: the common case), ``_kern_conv_cf`` (one group, channels-first columns),
``_kern_depthwise`` and ``_kern_conv`` (the other grouped geometries)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taeda.autograd import Function, Variable, once_differentiable
from taeda.nn.functional._conv_kernels import fast_backward, fast_forward, fast_supported
from taeda.nn.functional._double import wants_graph
from taeda.nn.functional._kern_conv import ConvGeom, conv_backward, conv_forward, im2col
from taeda.nn.functional._kern_conv_cf import cf_backward, cf_forward, cf_supported, keeps_columns
from taeda.nn.functional._kern_depthwise import depthwise_backward, depthwise_forward, depthwise_supported
from taeda.nn.functional._kern_runtime import give
from taeda.nn.functional._padding import pad
from taeda.nn.functional._util import TensorLike
from taeda.tensor import Tensor, as_tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d"]

Ints = tuple[int, ...]
IntOrInts = int | Sequence[int]


def ntuple(v: IntOrInts, n: int, name: str = "argument") -> Ints:
    """``v`` as an ``n``-tuple of ints (an int is repeated)."""
    if isinstance(v, int):
        return (v,) * n
    t = tuple(int(i) for i in v)
    if len(t) == 1 and n > 1:
        return t * n
    if len(t) != n:
        raise ValueError(f"expected {name} to be a single integer or a tuple of {n} integers, got {tuple(v)}")
    return t


def three_ints(v: IntOrInts, message: str, allow_empty: bool = False) -> Ints | None:
    """:func:`ntuple` for the 3-D functions, whose PyTorch errors are ``RuntimeError(message)``; None for an empty
    sequence when ``allow_empty``."""
    if allow_empty and not isinstance(v, int) and len(v) == 0:
        return None
    try:
        return ntuple(v, 3)
    except ValueError:
        raise RuntimeError(message) from None


def _shape_list(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _forward(x: Any, w: Any, b: Any | None, g: ConvGeom, keep_cols: bool) -> tuple[Any, Any | None]:
    """Kernel dispatch: output and (when ``keep_cols`` and the kernel keeps them) the column buffer."""
    if fast_supported(g):
        return fast_forward(x, w, b, g), None  # its backward rebuilds the columns (cheaper than keeping them)
    if depthwise_supported(g, x):
        return depthwise_forward(x, w, b, g), None
    if cf_supported(g) and not (keep_cols and keeps_columns(g, x.dtype.itemsize)):
        return cf_forward(x, w, b, g), None  # chunked: its backward rebuilds the columns too
    return conv_forward(x, w, b, g, keep_cols)


def _backward(
    gy: Any, x: Any | None, w: Any, cols: Any | None, g: ConvGeom, need_x: bool, need_w: bool, need_b: bool
) -> tuple[Any | None, Any | None, Any | None]:
    """Kernel dispatch: ``(dx, dw, db)``, None where not needed."""
    if fast_supported(g):
        return fast_backward(gy, x, w, g, need_x, need_w, need_b)
    if depthwise_supported(g, gy) and cols is None and (x is not None or not need_w):
        return depthwise_backward(gy, x, w, g, need_x, need_w, need_b)
    if cf_supported(g) and cols is None and (x is not None or not need_w):
        dx, dw = cf_backward(gy, x, w, g, need_x, need_w)
    else:
        dx, dw = conv_backward(gy, x, w, cols, g, need_x, need_w) if need_x or need_w else (None, None)
    db = gy.sum(axis=(0, *range(2, gy.ndim))) if need_b else None
    return dx, dw, db


class ConvNd(Function):
    """Cross-correlation of ``x (N, C, *S)`` with ``w (O, C/groups, *K)`` plus an optional bias ``(O,)``."""

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        w: Tensor,
        b: Tensor | None,
        stride: Ints,
        pad_lo: Ints,
        pad_hi: Ints,
        dil: Ints,
        groups: int,
    ) -> Tensor:
        g = ConvGeom(x.shape, w.shape, stride, pad_lo, pad_hi, dil, groups)
        needs = getattr(ctx, "needs_input_grad", (True, True, True))
        y, cols = _forward(x.array, w.array, None if b is None else b.array, g, keep_cols=bool(needs[1]))
        ctx.geom = g
        ctx.cols = cols
        ctx.has_bias = b is not None
        ctx.save_for_backward(x, w)
        return as_tensor(y)

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, ...]:
        if wants_graph(gy):  # create_graph=True: the gradients as convolutions that are differentiable again
            g: ConvGeom = ctx.geom
            give(ctx.cols)
            ctx.cols = None
            x, w = ctx.saved_tensors
            need_x, need_w, need_b = ctx.needs_input_grad[:3]
            dx = ConvTransposeNd.apply(gy, w, None, *_geom_args(g), g.spatial) if need_x else None
            dw = ConvWeightNd.apply(x, gy, g) if need_w else None
            db = gy.sum(dim=_sum_dims(g)) if need_b and ctx.has_bias else None
            return dx, dw, db, None, None, None, None, None
        return ConvNd._backward_arrays(ctx, gy)  # type: ignore[no-any-return]

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx: Any, gy: Tensor) -> tuple[Tensor | None, ...]:
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        dx, dw, db = _backward(
            gy.array, x.array, w.array, ctx.cols, ctx.geom, bool(need_x), bool(need_w), bool(need_b and ctx.has_bias)
        )
        give(ctx.cols)
        ctx.cols = None
        return (
            None if dx is None else as_tensor(dx),
            None if dw is None else as_tensor(dw),
            None if db is None else as_tensor(db),
            None,
            None,
            None,
            None,
            None,
        )


def _geom_args(g: ConvGeom) -> tuple[Ints, Ints, Ints, Ints, int]:
    """``(stride, pad_lo, pad_hi, dil, groups)`` of a geometry: the arguments of ``ConvNd.apply`` after the bias."""
    return g.stride, g.pad_lo, g.pad_hi, g.dil, g.groups


def _sum_dims(g: ConvGeom) -> tuple[int, ...]:
    """The dimensions of an ``(N, C, *spatial)`` gradient summed for a bias gradient."""
    return (0, *range(2, 2 + len(g.kernel)))


class ConvWeightNd(Function):
    """The weight gradient of :class:`ConvNd` for geometry ``g``: ``dw (O, C/groups, *K)`` from the convolution's
    input ``x`` and output gradient ``gy`` (a Function so that it can be differentiated again: its gradients are a
    transposed convolution and a convolution)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, gy: Tensor, g: ConvGeom) -> Tensor:
        _, dw, _ = _backward(gy.array, x.array, None, None, g, False, True, False)
        ctx.geom = g
        ctx.save_for_backward(x, gy)
        return as_tensor(dw)

    @staticmethod
    def backward(ctx: Any, gdw: Any) -> tuple[Any, ...]:
        g: ConvGeom = ctx.geom
        x, gy = ctx.saved_tensors
        need_x, need_gy = ctx.needs_input_grad[:2]
        if wants_graph(gdw):
            dx = ConvTransposeNd.apply(gy, gdw, None, *_geom_args(g), g.spatial) if need_x else None
            dgy = ConvNd.apply(x, gdw, None, *_geom_args(g)) if need_gy else None
            return dx, dgy, None
        dxa = _backward(gy.array, None, gdw.array, None, g, True, False, False)[0] if need_x else None
        dgya = _forward(x.array, gdw.array, None, g, False)[0] if need_gy else None
        return (None if dxa is None else as_tensor(dxa)), (None if dgya is None else as_tensor(dgya)), None


class ConvTransposeNd(Function):
    """Transposed convolution (the input gradient of :class:`ConvNd`) of ``x (N, Cin, *S)`` with
    ``w (Cin, Cout/groups, *K)``; ``out_spatial`` is the output's spatial size."""

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        w: Tensor,
        b: Tensor | None,
        stride: Ints,
        pad_lo: Ints,
        pad_hi: Ints,
        dil: Ints,
        groups: int,
        out_spatial: Ints,
    ) -> Tensor:
        xa, wa = x.array, w.array
        cout = wa.shape[1] * groups
        # the convolution whose input gradient this is: input (N, Cout, *out_spatial), weight w, output x
        g = ConvGeom((xa.shape[0], cout, *out_spatial), wa.shape, stride, pad_lo, pad_hi, dil, groups)
        y, _, _ = _backward(xa, None, wa, None, g, True, False, False)
        assert y is not None
        if b is not None:
            y += b.array.reshape(1, -1, *([1] * len(out_spatial)))
        ctx.geom = g
        ctx.has_bias = b is not None
        ctx.save_for_backward(x, w)
        return as_tensor(y)

    @staticmethod
    def backward(ctx: Any, gy: Any) -> tuple[Any, ...]:
        if wants_graph(gy):  # create_graph=True: a convolution and a weight gradient, differentiable again
            g: ConvGeom = ctx.geom
            x, w = ctx.saved_tensors
            need_x, need_w, need_b = ctx.needs_input_grad[:3]
            dx = ConvNd.apply(gy, w, None, *_geom_args(g)) if need_x else None
            dw = ConvWeightNd.apply(gy, x, g) if need_w else None
            db = gy.sum(dim=_sum_dims(g)) if need_b and ctx.has_bias else None
            return dx, dw, db, None, None, None, None, None, None
        return ConvTransposeNd._backward_arrays(ctx, gy)  # type: ignore[no-any-return]

    @staticmethod
    @once_differentiable
    def _backward_arrays(ctx: Any, gy: Tensor) -> tuple[Tensor | None, ...]:
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        g: ConvGeom = ctx.geom
        ga = gy.array
        dx = dw = db = None
        cols = None
        if need_x:
            dxa, cols = _forward(ga, w.array, None, g, keep_cols=bool(need_w))
            dx = as_tensor(dxa)
        if need_w:
            if cols is None and not fast_supported(g) and not cf_supported(g):
                cols = im2col(ga, g)
            # the weight gradient of the convolution whose input gradient this is: its "input" is ga
            _, dwa, _ = _backward(x.array, ga, w.array, cols, g, False, True, False)
            dw = None if dwa is None else as_tensor(dwa)
        give(cols)
        if need_b and ctx.has_bias:
            db = as_tensor(ga.sum(axis=(0, *range(2, ga.ndim))))
        return dx, dw, db, None, None, None, None, None, None


def _check_conv(
    name: str, x: TensorLike, w: TensorLike, b: TensorLike | None, d: int, groups: int, transposed: bool
) -> bool:
    """Validate shapes; returns True when ``x`` is unbatched."""
    xs, ws = tuple(x.shape), tuple(w.shape)
    if len(xs) not in (d + 1, d + 2):
        raise RuntimeError(
            f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {name}, but got input of size: "
            f"{_shape_list(xs)}"
        )
    if len(ws) != d + 2:
        raise RuntimeError(f"weight should have {d + 2} dimensions for {name}, got weight of size {_shape_list(ws)}")
    if groups < 1:
        raise RuntimeError("non-positive groups is not supported")
    unbatched = len(xs) == d + 1
    c = xs[0] if unbatched else xs[1]
    full = (1, *xs) if unbatched else xs
    if transposed:
        if c != ws[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {_shape_list(ws)}, expected input{_shape_list(full)} to have "
                f"{ws[0]} channels, but got {c} channels instead"
            )
        if ws[0] % groups != 0:
            raise RuntimeError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight "
                f"of size [{_shape_list(ws)}] instead"
            )
        out_c = ws[1] * groups
    else:
        if ws[0] % groups != 0:
            raise RuntimeError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight "
                f"of size {_shape_list(ws)} instead"
            )
        if c != ws[1] * groups:
            raise RuntimeError(
                f"Given groups={groups}, weight of size {_shape_list(ws)}, expected input{_shape_list(full)} to have "
                f"{ws[1] * groups} channels, but got {c} channels instead"
            )
        out_c = ws[0]
    if b is not None and tuple(b.shape) != (out_c,):
        raise RuntimeError(
            f"Given {'transposed=1, ' if transposed else ''}weight of size {_shape_list(ws)}, expected bias to be "
            f"1-dimensional with {out_c} "
            f"elements, but got bias of size {_shape_list(tuple(b.shape))} instead"
        )
    if x.dtype != w.dtype:
        raise RuntimeError(f"Input type ({x.dtype}) and weight type ({w.dtype}) should be the same")
    if b is not None and b.dtype != w.dtype:
        raise RuntimeError(f"Input type ({x.dtype}) and bias type ({b.dtype}) should be the same")
    if x.device != w.device:
        raise RuntimeError(f"Input and weight are on different devices: {x.device} and {w.device}")
    return unbatched


def _conv(
    name: str,
    d: int,
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None,
    stride: IntOrInts,
    padding: str | IntOrInts,
    dilation: IntOrInts,
    groups: int,
) -> Variable:
    unbatched = _check_conv(name, input, weight, bias, d, groups, transposed=False)
    st, dl = ntuple(stride, d, "stride"), ntuple(dilation, d, "dilation")
    if any(s <= 0 for s in st):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dl):
        raise RuntimeError("dilation should be greater than zero")
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * d
        elif padding == "same":
            if any(s != 1 for s in st):
                raise ValueError("padding='same' is not supported for strided convolutions")
            total = tuple(v * (kk - 1) for v, kk in zip(dl, k))
            lo = tuple(t // 2 for t in total)
            hi = tuple(t - t // 2 for t in total)
        else:
            raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
    else:
        lo = hi = ntuple(padding, d, "padding")
        if any(p < 0 for p in lo):
            raise RuntimeError("negative padding is not supported")
    x = input.unsqueeze(0) if unbatched else input
    spatial = tuple(x.shape[2:])
    padded = tuple(s + a + b for s, a, b in zip(spatial, lo, hi))
    eff = tuple(v * (kk - 1) + 1 for v, kk in zip(dl, k))
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size"
        )
    y = ConvNd.apply(x, weight, bias, st, lo, hi, dl, groups)
    return y.squeeze(0) if unbatched else y  # type: ignore[no-any-return]


def conv1d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: IntOrInts = 1,
    padding: str | IntOrInts = 0,
    dilation: IntOrInts = 1,
    groups: int = 1,
) -> Variable:
    """1-D cross-correlation over ``(N, C, L)`` (or unbatched ``(C, L)``) with ``weight (O, C/groups, K)``.

    Example::

        >>> y = conv1d(taeda.autograd.randn(2, 3, 10), taeda.autograd.randn(4, 3, 3), padding="same")
        >>> tuple(y.shape)
        (2, 4, 10)
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: IntOrInts = 1,
    padding: str | IntOrInts = 0,
    dilation: IntOrInts = 1,
    groups: int = 1,
) -> Variable:
    """2-D cross-correlation over ``(N, C, H, W)`` (or unbatched ``(C, H, W)``) with ``weight (O, C/groups, kH, kW)``.

    Example::

        >>> y = conv2d(taeda.autograd.randn(1, 1, 28, 28), taeda.autograd.randn(6, 1, 5, 5))
        >>> tuple(y.shape)
        (1, 6, 24, 24)
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: IntOrInts = 1,
    padding: str | IntOrInts = 0,
    dilation: IntOrInts = 1,
    groups: int = 1,
) -> Variable:
    """3-D cross-correlation over ``(N, C, D, H, W)`` with ``weight (O, C/groups, kD, kH, kW)``.

    Example::

        >>> y = conv3d(taeda.autograd.randn(1, 2, 4, 4, 4), taeda.autograd.randn(3, 2, 3, 3, 3), padding=1)
        >>> tuple(y.shape)
        (1, 3, 4, 4, 4)
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


_AXES = {1: ("height", "width"), 2: ("height", "width"), 3: ("depth", "height", "width")}


def _conv_transpose(
    name: str,
    d: int,
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None,
    stride: IntOrInts,
    padding: IntOrInts,
    output_padding: IntOrInts,
    groups: int,
    dilation: IntOrInts,
) -> Variable:
    unbatched = _check_conv(name, input, weight, bias, d, groups, transposed=True)
    st, pd = ntuple(stride, d, "stride"), ntuple(padding, d, "padding")
    op, dl = ntuple(output_padding, d, "output_padding"), ntuple(dilation, d, "dilation")
    if any(s <= 0 for s in st):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dl):
        raise RuntimeError("dilation should be greater than zero")
    if any(p < 0 for p in pd):
        raise RuntimeError("negative padding is not supported")
    if any(o >= s and o >= v for o, s, v in zip(op, st, dl)):
        # PyTorch's wording: a 1-D convolution runs as 2-D with a height-1 axis (output padding 0, stride 1)
        axes, lead = _AXES[d], ((0, 1, 1),) if d == 1 else ()
        vals = (*lead, *zip(op, st, dl))
        parts = [f"{what}_{a}: {v[j]}" for j, what in enumerate(("output_padding", "stride", "dilation"))
                 for a, v in zip(axes, vals)]  # fmt: skip
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    x = input.unsqueeze(0) if unbatched else input
    k = tuple(weight.shape[2:])
    out = tuple((i - 1) * s - 2 * p + v * (kk - 1) + o + 1 for i, s, p, v, kk, o in zip(x.shape[2:], st, pd, dl, k, op))
    if any(o <= 0 for o in out):
        ins, outs = (tuple(int(i) for i in x.shape[2:]), out) if d != 1 else ((1, int(x.shape[2])), (1, *out))
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, ins))}). Calculated output size per channel: "
            f"({' x '.join(map(str, outs))}). Output size is too small"
        )
    # an output padding of a stride or more (allowed when below the dilation) makes the convolution of the output
    # reach past x's last row: trailing zero rows stand in for those (empty) sources
    extra = [o // s for o, s in zip(op, st)]
    if any(extra):
        x = pad(x, [v for e in reversed(extra) for v in (0, e)])
    y = ConvTransposeNd.apply(x, weight, bias, st, pd, pd, dl, groups, out)
    return y.squeeze(0) if unbatched else y  # type: ignore[no-any-return]


def conv_transpose1d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: IntOrInts = 1,
    padding: IntOrInts = 0,
    output_padding: IntOrInts = 0,
    groups: int = 1,
    dilation: IntOrInts = 1,
) -> Variable:
    """1-D transposed convolution of ``(N, Cin, L)`` with ``weight (Cin, Cout/groups, K)``.

    Example::

        >>> y = conv_transpose1d(taeda.autograd.randn(2, 4, 5), taeda.autograd.randn(4, 3, 3), stride=2)
        >>> tuple(y.shape)
        (2, 3, 11)
    """
    return _conv_transpose(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: IntOrInts = 1,
    padding: IntOrInts = 0,
    output_padding: IntOrInts = 0,
    groups: int = 1,
    dilation: IntOrInts = 1,
) -> Variable:
    """2-D transposed convolution of ``(N, Cin, H, W)`` with ``weight (Cin, Cout/groups, kH, kW)``.

    Example::

        >>> y = conv_transpose2d(taeda.autograd.randn(1, 4, 5, 5), taeda.autograd.randn(4, 2, 3, 3), stride=2)
        >>> tuple(y.shape)
        (1, 2, 11, 11)
    """
    return _conv_transpose(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )
