"""Channel/space rearrangements: ``pixel_shuffle``, ``pixel_unshuffle`` and ``channel_shuffle``.

Each is a reshape, a permute and a reshape of the input Variable, so gradients (and gradients of gradients) come
from autograd's shape ops.
"""

from __future__ import annotations

from taeda.autograd import Variable
from taeda.nn.functional._util import TensorLike, as_var

__all__ = ["channel_shuffle", "pixel_shuffle", "pixel_unshuffle"]


def _check_int(fname: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{fname}(): argument '{name}' (position 2) must be int, not {type(value).__name__}")
    return value


def _pixel_args(fname: str, name: str, input: TensorLike, factor: object) -> tuple[int, Variable, tuple[int, ...]]:
    """The factor, the input as a Variable and its shape, after PyTorch's checks of both (in its order)."""
    r = _check_int(fname, name, factor)
    x = as_var(input)
    shape = tuple(x.shape)
    if len(shape) < 3:
        raise RuntimeError(
            f"{fname} expects input to have at least 3 dimensions, but got input with {len(shape)} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"{fname} expects a positive {name}, but got {r}")
    return r, x, shape


def pixel_shuffle(input: TensorLike, upscale_factor: int) -> Variable:
    """Rearrange ``(*, C * r**2, H, W)`` into ``(*, C, H * r, W * r)`` (``r = upscale_factor``).

    Example::

        >>> tuple(F.pixel_shuffle(taeda.autograd.randn(1, 9, 4, 4), 3).shape)
        (1, 1, 12, 12)
    """
    r, x, shape = _pixel_args("pixel_shuffle", "upscale_factor", input, upscale_factor)
    c, h, w = shape[-3:]
    if c % (r * r) != 0:
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    lead = shape[:-3]
    n = len(lead)
    oc = c // (r * r)
    y = x.reshape(*lead, oc, r, r, h, w).permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    out: Variable = y.reshape(*lead, oc, h * r, w * r)
    return out


def pixel_unshuffle(input: TensorLike, downscale_factor: int) -> Variable:
    """Inverse of :func:`pixel_shuffle`: ``(*, C, H * r, W * r)`` into ``(*, C * r**2, H, W)``.

    Example::

        >>> tuple(F.pixel_unshuffle(taeda.autograd.randn(1, 1, 12, 12), 3).shape)
        (1, 9, 4, 4)
    """
    r, x, shape = _pixel_args("pixel_unshuffle", "downscale_factor", input, downscale_factor)
    c, h, w = shape[-3:]
    if h % r != 0:
        raise RuntimeError(
            f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)={h} is not "
            f"divisible by {r}"
        )
    if w % r != 0:
        raise RuntimeError(
            f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)={w} is not "
            f"divisible by {r}"
        )
    lead = shape[:-3]
    n = len(lead)
    oh, ow = h // r, w // r
    y = x.reshape(*lead, c, oh, r, ow, r).permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    out: Variable = y.reshape(*lead, c * r * r, oh, ow)
    return out


def channel_shuffle(input: TensorLike, groups: int) -> Variable:
    """Split the channels of ``(N, C, *)`` into ``groups`` groups and interleave them (ShuffleNet).

    Example::

        >>> F.channel_shuffle(x, 2)   # channels [0 1 2 3] -> [0 2 1 3]
    """
    g = _check_int("channel_shuffle", "groups", groups)
    x = as_var(input)
    shape = tuple(x.shape)
    if len(shape) <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(shape)}")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    c = shape[1]
    if c % g != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {g} groups.")
    rest = shape[2:]
    y = x.reshape(shape[0], g, c // g, *rest).transpose(1, 2)
    out: Variable = y.reshape(*shape)
    return out
