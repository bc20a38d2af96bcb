"""Sorting and selection: ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``unique``."""

from __future__ import annotations

from typing import Any

import numpy as np

from taeda.tensor._checks import norm_dim
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._ops_math import _arr
from taeda.tensor._tensor import Tensor, ValuesIndices, _wrap, _wrap_r, xp_of

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive"]


def _order(a: Any, d: int, descending: bool, stable: bool) -> Any:
    xp = xp_of(a)
    kind = "stable" if stable or descending else None
    if descending:
        # stable descending order that keeps equal elements in their original order
        n = a.shape[d]
        rev = xp.flip(a, axis=d)
        idx = xp.argsort(rev, axis=d, kind="stable")
        idx = xp.flip(idx, axis=d)
        return (n - 1) - idx
    return xp.argsort(a, axis=d, kind=kind)


@taeda_function
def sort(input: Any, dim: int = -1, descending: bool = False, *, stable: bool = False) -> ValuesIndices:
    """Sorted values along ``dim`` and their original indices, ``(values, indices)``.

    Example:
        >>> import taeda.tensor as tt
        >>> v, i = tt.sort(tt.tensor([3, 1, 2])); v.tolist(), i.tolist()
        ([1, 2, 3], [1, 2, 0])
    """
    a = _arr(input)
    xp = xp_of(a)
    if a.ndim == 0:
        return ValuesIndices(_wrap(a.copy()), _wrap(xp.zeros((), np.int64)))
    d = norm_dim(dim, a.ndim)
    idx = _order(a, d, descending, stable)
    return ValuesIndices(_wrap(xp.take_along_axis(a, idx, axis=d)), _wrap(idx.astype(np.int64, copy=False)))


@taeda_function
def argsort(input: Any, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim``, int64.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.argsort(tt.tensor([3, 1, 2]), descending=True).tolist()
        [0, 2, 1]
    """
    a = _arr(input)
    if a.ndim == 0:
        return _wrap(xp_of(a).zeros((), np.int64))
    return _wrap(_order(a, norm_dim(dim, a.ndim), descending, stable).astype(np.int64, copy=False))


@taeda_function
def msort(input: Any) -> Tensor:
    """Values sorted along dim 0."""
    return sort(input, 0).values


@taeda_function
def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.topk(tt.tensor([1, 5, 3, 4]), 2).values.tolist()
        [5, 4]
    """
    a = _arr(input)
    xp = xp_of(a)
    d = norm_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range: k = {k}, size = {n}")
    if a.ndim == 0:
        return ValuesIndices(_wrap(a.copy()), _wrap(xp.zeros((), np.int64)))
    # an order-reversing key without overflow: ~a for bool and integers, -a for floats
    key = (~a if a.dtype.kind in "biu" else -a) if largest else a
    if largest and a.dtype.kind in "fc" and xp.isnan(a).any():  # NaN is the largest (PyTorch): -a sorts it last
        idx = xp.take(_order(a, d, True, True), xp.arange(k), axis=d)
    elif k < n and n > 64:
        part = xp.argpartition(key, k - 1, axis=d) if k else xp.take(xp.argsort(key, axis=d), [], axis=d)
        part = xp.take(part, xp.arange(k), axis=d)
        sub = xp.take_along_axis(key, part, axis=d)
        if sorted:
            o = xp.argsort(sub, axis=d, kind="stable")
            part = xp.take_along_axis(part, o, axis=d)
        idx = part
    else:
        idx = xp.take(xp.argsort(key, axis=d, kind="stable"), xp.arange(k), axis=d)
    return ValuesIndices(_wrap(xp.take_along_axis(a, idx, axis=d)), _wrap(idx.astype(np.int64, copy=False)))


@taeda_function
def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The ``k``-th smallest value (1-based) along ``dim`` and its index.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.kthvalue(tt.tensor([3.0, 1.0, 2.0]), 2).values.item()
        2.0
    """
    a = _arr(input)
    xp = xp_of(a)
    d = norm_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}: k = {k}, size = {n}")
    if a.ndim == 0:
        return ValuesIndices(_wrap(a.copy()), _wrap(xp.zeros((), np.int64)))
    idx = xp.take(xp.argsort(a, axis=d, kind="stable"), [k - 1], axis=d)
    vals = xp.take_along_axis(a, idx, axis=d)
    if not keepdim:
        idx, vals = idx.squeeze(d), vals.squeeze(d)
    return ValuesIndices(_wrap_r(vals), _wrap_r(idx.astype(np.int64)))


@taeda_function
def unique(
    input: Any,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct values (sorted), optionally with the inverse indices and the counts.

    Example:
        >>> import taeda.tensor as tt
        >>> u, inv = tt.unique(tt.tensor([2, 1, 2]), return_inverse=True); u.tolist(), inv.tolist()
        ([1, 2], [1, 0, 1])
    """
    a = _arr(input)
    xp = xp_of(a)
    axis = None if dim is None else norm_dim(dim, a.ndim)
    res = xp.unique(a, return_inverse=return_inverse, return_counts=return_counts, axis=axis)
    if not (return_inverse or return_counts):
        return _wrap(res)
    out = [_wrap(res[0])]
    pos = 1
    if return_inverse:
        inv = res[pos].astype(np.int64, copy=False)
        out.append(_wrap(inv.reshape(a.shape) if axis is None else inv.reshape(-1)))
        pos += 1
    if return_counts:
        out.append(_wrap(res[pos].astype(np.int64, copy=False)))
    return tuple(out)


@taeda_function
def unique_consecutive(
    input: Any, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
) -> Any:
    """Collapse runs of equal consecutive values (of the flattened tensor).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.unique_consecutive(tt.tensor([1, 1, 2, 1])).tolist()
        [1, 2, 1]
    """
    if dim is not None:
        raise RuntimeError("unique_consecutive: only dim=None is supported by taeda")
    a = _arr(input).reshape(-1)
    xp = xp_of(a)
    if a.size == 0:
        starts = xp.zeros(0, dtype=bool)
    else:
        starts = xp.concatenate([xp.ones(1, dtype=bool), a[1:] != a[:-1]])
    vals = a[starts]
    if not (return_inverse or return_counts):
        return _wrap(vals)
    out = [_wrap(vals)]
    if return_inverse:
        out.append(_wrap((xp.cumsum(starts) - 1).astype(np.int64).reshape(_arr(input).shape)))
    if return_counts:
        pos = xp.nonzero(starts)[0]
        out.append(_wrap(xp.diff(xp.concatenate([pos, xp.asarray([a.size])])).astype(np.int64)))
    return tuple(out)
