"""``conv_transpose3d``: the N-dimensional transposed convolution of ``_conv`` with PyTorch's 3-D checks."""

from __future__ import annotations

from collections.abc import Sequence

from taeda.autograd import Variable
from taeda.nn.functional._conv import _conv_transpose
from taeda.nn.functional._util import TensorLike

__all__ = ["conv_transpose3d"]

IntOrInts = int | Sequence[int]
_AXES = ("depth", "height", "width")


def _three(v: IntOrInts, name: str) -> tuple[int, ...]:
    if isinstance(v, int):
        return (v,) * 3
    t = tuple(int(i) for i in v)
    if len(t) == 1:
        return t * 3
    if len(t) != 3:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of 3 values to match the convolution "
            f"dimensions, but got {name}=[{', '.join(map(str, t))}]"
        )
    return t


def conv_transpose3d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: IntOrInts = 1,
    padding: IntOrInts = 0,
    output_padding: IntOrInts = 0,
    groups: int = 1,
    dilation: IntOrInts = 1,
) -> Variable:
    """3-D transposed convolution of ``(N, Cin, D, H, W)`` (or unbatched ``(Cin, D, H, W)``) with
    ``weight (Cin, Cout/groups, kD, kH, kW)``; output ``(N, Cout, D', H', W')`` with
    ``D' = (D - 1)*stride - 2*padding + dilation*(kD - 1) + output_padding + 1``.

    Example::

        >>> y = conv_transpose3d(taeda.autograd.randn(1, 4, 3, 3, 3), taeda.autograd.randn(4, 2, 3, 3, 3), stride=2)
        >>> tuple(y.shape)
        (1, 2, 7, 7, 7)
    """
    st, pd = _three(stride, "stride"), _three(padding, "padding")
    op, dl = _three(output_padding, "output_padding"), _three(dilation, "dilation")
    ws = tuple(int(s) for s in weight.shape)
    if input.dim() in (4, 5) and len(ws) == 5:
        if groups > 0 and ws[0] % groups != 0:
            raise RuntimeError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight "
                f"of size [[{', '.join(map(str, ws))}]] instead"
            )
        if all(s > 0 for s in st) and all(v > 0 for v in dl) and any(o >= s and o >= v for o, s, v in zip(op, st, dl)):
            parts = [f"output_padding_{a}: {o}" for a, o in zip(_AXES, op)]
            parts += [f"stride_{a}: {s}" for a, s in zip(_AXES, st)]
            parts += [f"dilation_{a}: {v}" for a, v in zip(_AXES, dl)]
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got " + " ".join(parts)
            )
        cout = ws[1] * groups
        if bias is not None and groups > 0 and int(input.shape[-4]) == ws[0] and tuple(bias.shape) != (cout,):
            raise RuntimeError(
                f"Given transposed=1, weight of size [{', '.join(map(str, ws))}], expected bias to be 1-dimensional "
                f"with {cout} elements, but got bias of size [{', '.join(str(int(s)) for s in bias.shape)}] instead"
            )
        spatial = tuple(int(s) for s in input.shape)[-3:]
        out = tuple(
            (i - 1) * s - 2 * p + v * (k - 1) + o + 1 for i, s, p, v, k, o in zip(spatial, st, pd, dl, ws[2:], op)
        )
        if all(s > 0 for s in st) and all(p >= 0 for p in pd) and any(o <= 0 for o in out):
            raise RuntimeError(
                f"Given input size per channel: ({' x '.join(map(str, spatial))}). Calculated output size per channel: "
                f"({' x '.join(map(str, out))}). Output size is too small"
            )
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, st, pd, op, groups, dl)
