"""``conv_transpose3d``: the N-dimensional transposed convolution of ``_conv`` (PyTorch's 3-D error wording)."""

from __future__ import annotations

from collections.abc import Sequence

from taeda.autograd import Variable
from taeda.nn.functional._conv import _conv_transpose, three_ints
from taeda.nn.functional._util import TensorLike

__all__ = ["conv_transpose3d"]

IntOrInts = int | Sequence[int]


def _three(v: IntOrInts, name: str) -> tuple[int, ...]:
    got = "" if isinstance(v, int) else ", ".join(str(int(i)) for i in v)
    message = (
        f"expected {name} to be a single integer value or a list of 3 values to match the convolution "
        f"dimensions, but got {name}=[{got}]"
    )
    t = three_ints(v, message)
    assert t is not None
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
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, st, pd, op, groups, dl)
