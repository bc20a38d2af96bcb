"""Reductions with ``dim=`` (an int or a tuple) and ``keepdim=``: sum, mean, max (values, indices), var, norm ..."""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from taeda.tensor import _dtype as _dt
from taeda.tensor._checks import norm_dim, norm_dims
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._ops_math import _arr, write_out
from taeda.tensor._tensor import Tensor, ValuesIndices, _wrap, _wrap_r, xp_of

__all__ = [
    "sum",
    "mean",
    "nansum",
    "nanmean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "var",
    "std",
    "var_mean",
    "std_mean",
    "norm",
    "logsumexp",
    "cumsum",
    "cumprod",
    "cummax",
    "cummin",
    "all",
    "any",
    "median",
    "mode",
    "count_nonzero",
    "aminmax",
]


def _pick(dim: Any, axis: Any, name: str, default: Any) -> Any:
    """``dim``, or ``axis`` (PyTorch's NumPy-style alias of ``dim``) when that is given instead."""
    if axis is None:
        return dim
    if dim is not None if default is None else not (isinstance(dim, tuple) and dim == default):
        raise TypeError(f"{name}() got both 'dim' and its alias 'axis'")
    return axis


def _axis(dim: Any, ndim: int) -> Any:
    """NumPy's ``axis`` for a PyTorch ``dim``: None, an int or a tuple (an empty tuple means all dims)."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        return norm_dims(dim, ndim) if ndim else None
    d = norm_dim(dim, ndim)
    return d if ndim else None


def _int_to_long(a: Any, dtype: Any) -> Any:
    if dtype is not None:
        return _dt.to_dtype(dtype)
    if a.dtype.kind in "biu":
        return _dt.int64
    return None


def _sum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    a = _arr(input)
    dt = _int_to_long(a, dtype)
    return _wrap_r(a.sum(axis=_axis(dim, a.ndim), dtype=dt, keepdims=keepdim))


@taeda_function
def sum(
    input: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    dtype: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """Sum over all elements or over ``dim`` (an int or tuple); bool and integer inputs sum to int64.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.sum(tt.tensor([[1, 2], [3, 4]]), dim=0).tolist()
        [4, 6]
    """
    if axis is not None:
        dim = _pick(dim, axis, "sum", None)
    if dim is None and dtype is None and type(input) is Tensor:
        return write_out(input.sum(None, keepdim), out)
    return write_out(_sum(input, dim, keepdim, dtype=dtype), out)


@taeda_function
def nansum(
    input: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    dtype: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """Sum treating NaN as zero.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.nansum(tt.tensor([1.0, float("nan")])).item()
        1.0
    """
    if axis is not None:
        dim = _pick(dim, axis, "nansum", None)
    a = _arr(input)
    return write_out(
        _wrap_r(xp_of(a).nansum(a, axis=_axis(dim, a.ndim), dtype=_int_to_long(a, dtype), keepdims=keepdim)), out
    )


def _need_float(a: Any, name: str, dtype: Any) -> Any:
    if dtype is not None:
        return a.astype(_dt.to_dtype(dtype), copy=False)
    if a.dtype.kind not in "fc":
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {_dt.torch_name(a.dtype)}"
        )
    return a


def _mean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    a = _need_float(_arr(input), "mean", dtype)
    if a.size == 0:
        if dim is None:
            return _wrap(xp_of(a).asarray(math.nan, dtype=a.dtype))
        with np.errstate(all="ignore"):  # NumPy's mean warns from its own module: nan without a word, as PyTorch
            return _wrap_r(a.sum(axis=_axis(dim, a.ndim), keepdims=keepdim) / 0)
    return _wrap_r(a.mean(axis=_axis(dim, a.ndim), keepdims=keepdim))


@taeda_function
def mean(
    input: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    dtype: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """Mean over all elements or over ``dim``; integer inputs raise as in PyTorch (pass ``dtype=``).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.mean(tt.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1).tolist()
        [1.5, 3.5]
    """
    if axis is not None:
        dim = _pick(dim, axis, "mean", None)
    return write_out(_mean(input, dim, keepdim, dtype=dtype), out)


@taeda_function
def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, dtype: Any = None) -> Tensor:
    """Mean ignoring NaN."""
    if axis is not None:
        dim = _pick(dim, axis, "nanmean", None)
    a = _need_float(_arr(input), "nanmean", dtype)
    xp = xp_of(a)
    axis = _axis(dim, a.ndim)
    nan = xp.isnan(a)
    with np.errstate(all="ignore"):  # NumPy's nanmean warns for an all-NaN slice: nan without a word, as PyTorch
        total = xp.where(nan, 0, a).sum(axis=axis, keepdims=keepdim)
        r = (total / (~nan).sum(axis=axis, keepdims=keepdim)).astype(a.dtype, copy=False)
    return _wrap_r(r)


@taeda_function
def prod(
    input: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    dtype: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """Product over all elements or over one ``dim``; bool and integer inputs give int64.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.prod(tt.tensor([[1, 2], [3, 4]]), 1).tolist()
        [2, 12]
    """
    if axis is not None:
        dim = _pick(dim, axis, "prod", None)
    a = _arr(input)
    return write_out(_wrap_r(a.prod(axis=_axis(dim, a.ndim), dtype=_int_to_long(a, dtype), keepdims=keepdim)), out)


def _check_nonempty(a: Any, axis: Any, name: str) -> None:
    if a.size == 0 and (
        axis is None or builtins.any(a.shape[d] == 0 for d in (axis if isinstance(axis, tuple) else (axis,)))
    ):
        raise IndexError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim "
            "with the 'dim' argument."
            if axis is None
            else f"{name}(): Expected reduction dim {axis} to have non-zero size."
        )


def _minmax(input: Any, dim: Any, keepdim: bool, is_max: bool) -> Any:
    a = _arr(input)
    name = "max" if is_max else "min"
    if dim is None:
        _check_nonempty(a, None, name)
        return _wrap_r(a.max() if is_max else a.min())
    if not isinstance(dim, int) and hasattr(dim, "shape"):
        from taeda.tensor._ops_math import maximum, minimum

        return maximum(input, dim) if is_max else minimum(input, dim)
    d = _axis(dim, a.ndim)
    _check_nonempty(a, d, name)
    xp = xp_of(a)
    if a.ndim == 0:
        return ValuesIndices(_wrap(a.copy()), _wrap(xp.zeros((), dtype=np.int64)))
    idx = xp.argmax(a, axis=d, keepdims=True) if is_max else xp.argmin(a, axis=d, keepdims=True)
    vals = xp.take_along_axis(a, idx, axis=d)
    if not keepdim:
        idx = idx.squeeze(d)
        vals = vals.squeeze(d)
    return ValuesIndices(_wrap_r(vals), _wrap_r(idx.astype(np.int64, copy=False)))


@taeda_function
def max(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """The largest element; with ``dim``, a ``(values, indices)`` named tuple; with a tensor, ``maximum``.

    Example:
        >>> import taeda.tensor as tt
        >>> v, i = tt.max(tt.tensor([[1, 5], [7, 2]]), dim=1); v.tolist(), i.tolist()
        ([5, 7], [1, 0])
    """
    if axis is not None:
        dim = _pick(dim, axis, "max", None)
    return _minmax(input, dim, keepdim, True)


@taeda_function
def min(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """The smallest element; with ``dim``, a ``(values, indices)`` named tuple; with a tensor, ``minimum``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.min(tt.tensor([[1, 5], [7, 2]]), 0).values.tolist()
        [1, 2]
    """
    if axis is not None:
        dim = _pick(dim, axis, "min", None)
    return _minmax(input, dim, keepdim, False)


def _amaxmin(input: Any, dim: Any, keepdim: bool, is_max: bool) -> Tensor:
    a = _arr(input)
    axis = _axis(dim, a.ndim)
    _check_nonempty(a, axis, "amax" if is_max else "amin")
    return _wrap_r(a.max(axis=axis, keepdims=keepdim) if is_max else a.min(axis=axis, keepdims=keepdim))


@taeda_function
def amax(input: Any, dim: Any = (), keepdim: bool = False, *, axis: Any = None, out: Tensor | None = None) -> Tensor:
    """Maximum over ``dim`` (int or tuple; all dims by default), values only.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.amax(tt.tensor([[1, 5], [7, 2]]), dim=(0, 1)).item()
        7
    """
    if axis is not None:
        dim = _pick(dim, axis, "amax", ())
    return write_out(_amaxmin(input, dim, keepdim, True), out)


@taeda_function
def amin(input: Any, dim: Any = (), keepdim: bool = False, *, axis: Any = None, out: Tensor | None = None) -> Tensor:
    """Minimum over ``dim`` (int or tuple; all dims by default), values only.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.amin(tt.tensor([[1, 5], [7, 2]]), dim=1).tolist()
        [1, 2]
    """
    if axis is not None:
        dim = _pick(dim, axis, "amin", ())
    return write_out(_amaxmin(input, dim, keepdim, False), out)


@taeda_function
def aminmax(input: Any, *, dim: int | None = None, keepdim: bool = False) -> tuple[Tensor, Tensor]:
    """``(amin, amax)`` at once."""
    d: Any = () if dim is None else dim
    return amin(input, d, keepdim), amax(input, d, keepdim)


def _argmaxmin(input: Any, dim: Any, keepdim: bool, is_max: bool) -> Tensor:
    a = _arr(input)
    xp = xp_of(a)
    fn = xp.argmax if is_max else xp.argmin
    if dim is None:
        _check_nonempty(a, None, "argmax" if is_max else "argmin")
        r = fn(a.reshape(-1))
        if keepdim:
            return _wrap(xp.asarray(r, dtype=np.int64).reshape((1,) * a.ndim))
        return _wrap(xp.asarray(r, dtype=np.int64))
    d = norm_dim(dim, a.ndim)
    if a.ndim == 0:
        return _wrap(xp.zeros((), dtype=np.int64))
    _check_nonempty(a, d, "argmax" if is_max else "argmin")
    return _wrap_r(fn(a, axis=d, keepdims=keepdim).astype(np.int64, copy=False))


@taeda_function
def argmax(input: Any, dim: int | None = None, keepdim: bool = False, *, axis: Any = None) -> Tensor:
    """Index of the largest element (of the flattened tensor, or along ``dim``), int64; first one on ties.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.argmax(tt.tensor([[1, 5], [7, 2]]), dim=1).tolist()
        [1, 0]
    """
    if axis is not None:
        dim = _pick(dim, axis, "argmax", None)
    return _argmaxmin(input, dim, keepdim, True)


@taeda_function
def argmin(input: Any, dim: int | None = None, keepdim: bool = False, *, axis: Any = None) -> Tensor:
    """Index of the smallest element (of the flattened tensor, or along ``dim``), int64.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.argmin(tt.tensor([3, 1, 2])).item()
        1
    """
    if axis is not None:
        dim = _pick(dim, axis, "argmin", None)
    return _argmaxmin(input, dim, keepdim, False)


def _correction(unbiased: Any, correction: Any) -> Any:
    if correction is not None:
        if unbiased is not None:
            raise RuntimeError("cannot specify both unbiased and correction")
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _var_args(dim: Any, unbiased: Any) -> tuple[Any, Any]:
    # var(x, True) means unbiased=True in PyTorch's old overload
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


def _var_impl(input: Any, dim: Any, unbiased: Any, keepdim: bool, correction: Any, name: str) -> Any:
    dim, unbiased = _var_args(dim, unbiased)
    a = _arr(input)
    if a.dtype.kind not in "fc":
        raise RuntimeError(
            f"{name}(): input dtype should be either floating point or complex. Got {_dt.torch_name(a.dtype)} instead."
        )
    ddof = _correction(unbiased, correction)
    axis = _axis(dim, a.ndim)
    xp = xp_of(a)
    n = a.size if axis is None else math.prod(a.shape[d] for d in (axis if isinstance(axis, tuple) else (axis,)))
    if n - ddof <= 0:  # PyTorch divides the sum of squares by max(0, n - correction): inf, or nan for 0 / 0
        if n == 0:
            return xp.full(xp.sum(a, axis=axis, keepdims=keepdim).shape, math.nan, dtype=a.real.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            return a.var(axis=axis, keepdims=keepdim) / 0
    return a.var(axis=axis, ddof=ddof, keepdims=keepdim)


@taeda_function
def var(
    input: Any,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    correction: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """Variance, unbiased by default (``correction=1``); ``unbiased=False`` or ``correction=0`` for the population one.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.var(tt.tensor([1.0, 2.0, 3.0, 4.0])).item()
        1.6666666269302368
    """
    if axis is not None:
        dim = _pick(dim, axis, "var", None)
    return write_out(_wrap_r(_var_impl(input, dim, unbiased, keepdim, correction, "var")), out)


@taeda_function
def std(
    input: Any,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    correction: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """Standard deviation, unbiased by default (``correction=1``).

    Example:
        >>> import taeda.tensor as tt
        >>> round(tt.std(tt.tensor([1.0, 2.0, 3.0, 4.0])).item(), 4)
        1.291
    """
    if axis is not None:
        dim = _pick(dim, axis, "std", None)
    v = _var_impl(input, dim, unbiased, keepdim, correction, "std")
    return write_out(_wrap_r(xp_of(v).sqrt(v)), out)


@taeda_function
def var_mean(
    input: Any,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    correction: Any = None,
) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` at once."""
    if axis is not None:
        dim = _pick(dim, axis, "var_mean", None)
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, _var_args(dim, unbiased)[0], keepdim)


@taeda_function
def std_mean(
    input: Any,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    correction: Any = None,
) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` at once."""
    if axis is not None:
        dim = _pick(dim, axis, "std_mean", None)
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, _var_args(dim, unbiased)[0], keepdim)


@taeda_function
def norm(
    input: Any,
    p: Any = "fro",
    dim: Any = None,
    keepdim: bool = False,
    dtype: Any = None,
    *,
    axis: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """Vector p-norm over ``dim`` (all elements by default; ``"fro"`` is 2), ``"nuc"`` for the nuclear norm.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.norm(tt.tensor([3.0, 4.0])).item(), tt.norm(tt.tensor([3.0, -4.0]), p=1).item()
        (5.0, 7.0)
    """
    if axis is not None:
        dim = _pick(dim, axis, "norm", None)
    a = _arr(input)
    if dtype is not None:
        a = a.astype(_dt.to_dtype(dtype))
    if a.dtype.kind not in "fc":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_dt.torch_name(a.dtype)}"
        )
    xp = xp_of(a)
    if p == "nuc":
        axes = (-2, -1) if dim is None else tuple(dim)
        return write_out(_wrap_r(xp.linalg.norm(a, ord="nuc", axis=axes, keepdims=keepdim).astype(a.dtype)), out)
    if p == "fro" or p is None:
        p = 2
    axis = _axis(dim, a.ndim)
    x = xp.abs(a)
    if p == 2:
        if a.dtype.kind == "c":
            r = xp.sqrt((x * x).sum(axis=axis, keepdims=keepdim))
        else:
            r = xp.sqrt((a * a).sum(axis=axis, keepdims=keepdim))
    elif p == math.inf:
        r = (
            x.max(axis=axis, keepdims=keepdim)
            if x.size
            else xp.zeros(x.sum(axis=axis, keepdims=keepdim).shape, x.dtype)
        )
    elif p == -math.inf:
        r = x.min(axis=axis, keepdims=keepdim)
    elif p == 0:
        r = (x != 0).sum(axis=axis, keepdims=keepdim).astype(x.dtype)
    elif p == 1:
        r = x.sum(axis=axis, keepdims=keepdim)
    else:
        r = (x**p).sum(axis=axis, keepdims=keepdim) ** (1.0 / p)
    return write_out(_wrap_r(xp.asarray(r).astype(x.dtype, copy=False)), out)


@taeda_function
def logsumexp(
    input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, out: Tensor | None = None
) -> Tensor:
    """``log(sum(exp(input), dim))`` computed stably.

    Example:
        >>> import taeda.tensor as tt
        >>> round(tt.logsumexp(tt.tensor([0.0, 0.0]), 0).item(), 4)
        0.6931
    """
    if axis is not None:
        dim = _pick(dim, axis, "logsumexp", None)
    if dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    a = _arr(input)
    if a.dtype.kind not in "fc":
        a = a.astype(_dt.default_float())
    xp = xp_of(a)
    axis = _axis(dim, a.ndim)
    if a.size == 0:
        return write_out(_wrap_r(xp.log(xp.exp(a).sum(axis=axis, keepdims=keepdim))), out)
    m = a.max(axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    r = xp.log(xp.exp(a - m).sum(axis=axis, keepdims=True)) + m
    if not keepdim:
        r = r.squeeze(axis) if axis is not None else r.reshape(())
    return write_out(_wrap_r(r), out)


def _cum(input: Any, dim: int, dtype: Any, kind: str) -> Tensor:
    a = _arr(input)
    d = norm_dim(dim, a.ndim)
    dt = _int_to_long(a, dtype)
    if a.ndim == 0:
        return _wrap(a.astype(dt if dt is not None else a.dtype))
    if dt is None and a.dtype == _dt.float16:  # PyTorch accumulates half in float32 (in float16, 2048 + 1 is 2048)
        acc = a.cumsum(axis=d, dtype=np.float32) if kind == "sum" else a.cumprod(axis=d, dtype=np.float32)
        return _wrap_r(acc.astype(a.dtype))
    return _wrap_r(a.cumsum(axis=d, dtype=dt) if kind == "sum" else a.cumprod(axis=d, dtype=dt))


@taeda_function
def cumsum(input: Any, dim: Any = None, *, axis: Any = None, dtype: Any = None, out: Tensor | None = None) -> Tensor:
    """Cumulative sum along ``dim`` (integers accumulate in int64).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.cumsum(tt.tensor([1, 2, 3]), 0).tolist()
        [1, 3, 6]
    """
    if axis is not None:
        dim = _pick(dim, axis, "cumsum", None)
    if dim is None:
        raise TypeError('cumsum() missing 1 required positional arguments: "dim"')
    return write_out(_cum(input, dim, dtype, "sum"), out)


@taeda_function
def cumprod(input: Any, dim: Any = None, *, axis: Any = None, dtype: Any = None, out: Tensor | None = None) -> Tensor:
    """Cumulative product along ``dim``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.cumprod(tt.tensor([1, 2, 3]), 0).tolist()
        [1, 2, 6]
    """
    if axis is not None:
        dim = _pick(dim, axis, "cumprod", None)
    if dim is None:
        raise TypeError('cumprod() missing 1 required positional arguments: "dim"')
    return write_out(_cum(input, dim, dtype, "prod"), out)


def _cumext(input: Any, dim: int, is_max: bool) -> ValuesIndices:
    a = _arr(input)
    d = norm_dim(dim, a.ndim)
    xp = xp_of(a)
    if a.ndim == 0:
        return ValuesIndices(_wrap(a.copy()), _wrap(xp.zeros((), np.int64)))
    vals = (xp.maximum if is_max else xp.minimum).accumulate(a, axis=d)
    n = a.shape[d]
    shape = [1] * a.ndim
    shape[d] = n
    pos = xp.arange(n).reshape(shape)
    hit = a == vals
    if a.dtype.kind in "fc":
        hit |= xp.isnan(a)  # NaN propagates, its index moves to each new NaN (PyTorch)
    idx = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d)
    return ValuesIndices(_wrap_r(vals), _wrap_r(idx.astype(np.int64)))


@taeda_function
def cummax(input: Any, dim: Any = None, *, axis: Any = None) -> ValuesIndices:
    """Running maximum along ``dim`` and where it was reached, ``(values, indices)``."""
    if axis is not None:
        dim = _pick(dim, axis, "cummax", None)
    if dim is None:
        raise TypeError('cummax() missing 1 required positional arguments: "dim"')
    return _cumext(input, dim, True)


@taeda_function
def cummin(input: Any, dim: Any = None, *, axis: Any = None) -> ValuesIndices:
    """Running minimum along ``dim`` and where it was reached, ``(values, indices)``."""
    if axis is not None:
        dim = _pick(dim, axis, "cummin", None)
    if dim is None:
        raise TypeError('cummin() missing 1 required positional arguments: "dim"')
    return _cumext(input, dim, False)


@taeda_function
def all(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, out: Tensor | None = None) -> Tensor:
    """Whether all elements (over ``dim``) are nonzero, as a bool tensor.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.all(tt.tensor([[True, False], [True, True]]), dim=1).tolist()
        [False, True]
    """
    if axis is not None:
        dim = _pick(dim, axis, "all", None)
    a = _arr(input)
    r = a.all(axis=_axis(dim, a.ndim), keepdims=keepdim)
    return write_out(_wrap_r(r.astype(a.dtype) if a.dtype == _dt.uint8 else r), out)  # uint8 in, uint8 out (PyTorch)


@taeda_function
def any(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, out: Tensor | None = None) -> Tensor:
    """Whether any element (over ``dim``) is nonzero, as a bool tensor.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.any(tt.tensor([0, 0, 1])).item()
        True
    """
    if axis is not None:
        dim = _pick(dim, axis, "any", None)
    a = _arr(input)
    r = a.any(axis=_axis(dim, a.ndim), keepdims=keepdim)
    return write_out(_wrap_r(r.astype(a.dtype) if a.dtype == _dt.uint8 else r), out)


@taeda_function
def count_nonzero(input: Any, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Number of nonzero elements (over ``dim``), int64.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.count_nonzero(tt.tensor([[0, 1], [2, 3]]), dim=0).tolist()
        [1, 2]
    """
    if axis is not None:
        dim = _pick(dim, axis, "count_nonzero", None)
    a = _arr(input)
    return _wrap_r((a != 0).sum(axis=_axis(dim, a.ndim), dtype=np.int64))


@taeda_function
def median(input: Any, dim: int | None = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """The lower median (no averaging, as PyTorch); with ``dim``, ``(values, indices)``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.median(tt.tensor([1.0, 4.0, 2.0, 3.0])).item()
        2.0
    """
    if axis is not None:
        dim = _pick(dim, axis, "median", None)
    a = _arr(input)
    xp = xp_of(a)
    if dim is None:
        if a.size == 0:
            return _wrap(xp.asarray(math.nan, dtype=a.dtype))
        flat = xp.sort(a.reshape(-1))  # NaNs sort last: the median is NaN if there is one (PyTorch)
        return _wrap_r(flat[-1 if a.dtype.kind in "fc" and xp.isnan(flat[-1]) else (flat.size - 1) // 2])
    d = norm_dim(dim, a.ndim)
    if a.ndim == 0:
        return ValuesIndices(_wrap(a.copy()), _wrap(xp.zeros((), np.int64)))
    _check_nonempty(a, d, "median")
    order = xp.argsort(a, axis=d, kind="stable")
    k = (a.shape[d] - 1) // 2
    idx = xp.take(order, [k], axis=d)
    if a.dtype.kind in "fc":  # a slice holding NaN has median NaN, at its first NaN (PyTorch)
        nan = xp.isnan(a)
        idx = xp.where(nan.any(axis=d, keepdims=True), xp.argmax(nan, axis=d, keepdims=True), idx)
    vals = xp.take_along_axis(a, idx, axis=d)
    if not keepdim:
        idx, vals = idx.squeeze(d), vals.squeeze(d)
    return ValuesIndices(_wrap_r(vals), _wrap_r(idx.astype(np.int64)))


@taeda_function
def mode(input: Any, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The most frequent value along ``dim`` (the smallest on ties) and an index where it occurs.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.mode(tt.tensor([1, 2, 2, 3])).values.item()
        2
    """
    a = _arr(input)
    xp = xp_of(a)
    if a.ndim == 0:
        return ValuesIndices(_wrap(a.copy()), _wrap(xp.zeros((), np.int64)))
    d = norm_dim(dim, a.ndim)
    _check_nonempty(a, d, "mode")
    moved = xp.moveaxis(a, d, -1)
    lead = moved.shape[:-1]
    n = moved.shape[-1]
    rows = moved.reshape(-1, n)
    order = xp.argsort(rows, axis=1, kind="stable")
    s = xp.take_along_axis(rows, order, axis=1)
    pos = xp.broadcast_to(xp.arange(n), s.shape)
    new_run = xp.ones(s.shape, dtype=bool)
    new_run[:, 1:] = s[:, 1:] != s[:, :-1]
    start = xp.maximum.accumulate(xp.where(new_run, pos, 0), axis=1)
    count = pos - start + 1  # length of the run so far; its maximum is at the run's last element
    best = xp.argmax(count, axis=1)  # first maximum: smallest value among the most frequent
    r = xp.arange(rows.shape[0])
    vals = s[r, best]
    idx = order[r, best]  # the last occurrence in the original order (stable sort)
    vals = vals.reshape(lead)
    idx = idx.reshape(lead).astype(np.int64)
    if keepdim:
        vals = xp.expand_dims(vals, d)
        idx = xp.expand_dims(idx, d)
    return ValuesIndices(_wrap_r(vals), _wrap_r(idx))
