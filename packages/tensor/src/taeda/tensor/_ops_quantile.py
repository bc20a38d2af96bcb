"""Quantiles and the NaN-ignoring median: ``quantile``, ``nanquantile``, ``nanmedian``.

``quantile`` follows PyTorch's algorithm step for step (sort with NaN last, ranks ``q * (n - 1)`` in the input
dtype, PyTorch's two-sided ``lerp``), so results agree to the last bit, including its NaN results where an
interpolation meets an infinity (``quantile([1, inf], 1.0)`` is NaN in PyTorch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from taeda.tensor import _dtype as _dt
from taeda.tensor._checks import norm_dim
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._ops_math import _arr, write_out
from taeda.tensor._ops_reduce import _check_nonempty, median
from taeda.tensor._tensor import Tensor, ValuesIndices, _wrap, _wrap_r, xp_of

__all__ = ["quantile", "nanquantile", "nanmedian"]

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_array(input: Tensor, q: Any, xp: Any) -> tuple[Any, bool]:
    """``q`` as a 1-D array of the input dtype, and whether it was a scalar."""
    if isinstance(q, Tensor):
        qa = q._array
        if qa.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        return qa, qa.ndim == 0
    return xp.asarray([q], dtype=input._array.dtype), True


def _quantile(input: Any, q: Any, dim: Any, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"quantile(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(q, Tensor):
        if not isinstance(q, (int, float, np.integer, np.floating)):  # a bool is a number too, as in PyTorch
            raise TypeError(f"quantile(): argument 'q' must be float or Tensor, not {type(q).__name__}")
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {float(q)}")
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"quantile(): argument 'dim' must be int or None, not {type(dim).__name__}")
    if interpolation not in _MODES:
        raise RuntimeError(
            "quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but got "
            f"{interpolation}"
        )
    a = input._array
    xp = xp_of(a)
    if a.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    qa, scalar_q = _q_array(input, q, xp)
    if a.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if qa.dtype != a.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if isinstance(q, Tensor):
        from taeda.tensor._checks import check_same_device

        check_same_device(a, qa)
        if not bool(((qa >= 0) & (qa <= 1)).all()):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
    qa = qa.reshape(-1)
    if dim is None:
        rows = a.reshape(-1)
        out_shape: tuple[int, ...] = (1,) * a.ndim if keepdim else ()
    else:
        d = norm_dim(dim, a.ndim)
        rows = xp.moveaxis(a, d, -1) if a.ndim else a.reshape(1)
        shape = list(a.shape)
        if a.ndim:
            if keepdim:
                shape[d] = 1
            else:
                del shape[d]
        out_shape = tuple(shape)
    s = xp.sort(rows, axis=-1)  # NaN sorts last, as in PyTorch
    n = s.shape[-1]
    nan = xp.isnan(s)
    dt = a.dtype
    if ignore_nan:
        valid = (~nan).sum(axis=-1, keepdims=True).astype(dt)
        ranks = qa * (valid - 1)
        ranks = xp.where(ranks < 0, xp.zeros((), dt), ranks)
    else:
        last = xp.asarray(n - 1, dtype=dt)
        ranks = xp.where(nan.any(axis=-1, keepdims=True), last, qa * last)
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.round(ranks)  # half to even, as PyTorch's round
    below = ranks.astype(np.int64)
    r = xp.take_along_axis(s, below, axis=-1)
    if interpolation in ("linear", "midpoint"):
        w = xp.full(ranks.shape, 0.5, dtype=dt) if interpolation == "midpoint" else (ranks - below).astype(dt)
        above = xp.take_along_axis(s, xp.ceil(ranks).astype(np.int64), axis=-1)
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, as in PyTorch
            diff = above - r
            r = xp.where(w < 0.5, r + w * diff, above - diff * (1 - w)).astype(dt, copy=False)
    r = xp.moveaxis(r, -1, 0)  # (len(q), *rest)
    r = r.reshape((qa.shape[0], *out_shape))
    if scalar_q:
        r = r[0]
    return _wrap_r(r)


@taeda_function
def quantile(
    input: Tensor,
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
    out: Tensor | None = None,
) -> Tensor:
    """The ``q``-th quantiles (``q`` a number or a 0-d/1-D tensor of the input dtype, in ``[0, 1]``) of a float32
    or float64 tensor, over all elements or along ``dim``. A 1-D ``q`` adds a leading dim of size ``len(q)``.
    ``interpolation`` between the two nearest values: ``"linear"``, ``"lower"``, ``"higher"``, ``"nearest"``
    (half to even) or ``"midpoint"``. A slice holding NaN gives NaN.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.quantile(tt.tensor([1.0, 2.0, 3.0, 4.0]), tt.tensor([0.25, 0.5])).tolist()
        [1.75, 2.5]
    """
    return write_out(_quantile(input, q, dim, keepdim, interpolation, False), out)


@taeda_function
def nanquantile(
    input: Tensor,
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
    out: Tensor | None = None,
) -> Tensor:
    """``quantile`` ignoring NaN: computed over the non-NaN values of each slice (NaN when all are NaN).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.nanquantile(tt.tensor([1.0, float("nan"), 3.0]), 0.5).item()
        2.0
    """
    return write_out(_quantile(input, q, dim, keepdim, interpolation, True), out)


@taeda_function
def nanmedian(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """``median`` ignoring NaN: the lower median of the non-NaN values (NaN when all are NaN); with ``dim``,
    ``(values, indices)``. For integer tensors it is ``median``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.nanmedian(tt.tensor([1.0, float("nan"), 3.0, 2.0])).item()
        2.0
        >>> tt.nanmedian(tt.tensor([[2.0, float("nan"), 1.0]]), 1).indices.tolist()
        [2]
    """
    a = _arr(input)
    if a.dtype.kind not in "fc":
        return median(input) if dim is None else median(input, dim, keepdim)
    xp = xp_of(a)
    if dim is None:
        flat = xp.sort(a.reshape(-1))  # NaN last
        c = int((~xp.isnan(flat)).sum())
        if c == 0:
            return _wrap(xp.asarray(np.nan, dtype=a.dtype))
        return _wrap_r(flat[(c - 1) // 2])
    d = norm_dim(dim, a.ndim)
    if a.ndim == 0:
        return ValuesIndices(_wrap(a.copy()), _wrap(xp.zeros((), np.int64)))
    _check_nonempty(a, d, "median")
    order = xp.argsort(a, axis=d, kind="stable")  # NaN last; ties in order of position
    c = (~xp.isnan(a)).sum(axis=d, keepdims=True)
    k = xp.maximum((c - 1) // 2, 0)
    idx = xp.take_along_axis(order, k, axis=d)
    vals = xp.take_along_axis(a, idx, axis=d)
    if not keepdim:
        idx, vals = idx.squeeze(d), vals.squeeze(d)
    return ValuesIndices(_wrap_r(vals), _wrap_r(idx.astype(np.int64)))
