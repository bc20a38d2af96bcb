"""Indexing: ``t[idx]`` / ``t[idx] = v`` (NumPy's basic and advanced indexing), ``gather``, ``scatter``,
``index_select``, ``masked_fill``, ``nonzero`` ..."""

from __future__ import annotations

from typing import Any

import numpy as np

from taeda.tensor import _dtype as _dt
from taeda.tensor._checks import norm_dim
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._ops_math import _arr
from taeda.tensor._tensor import Tensor, _bump, _wrap, _wrap_r, unwrap, xp_of

__all__ = [
    "to_index",
    "setitem",
    "masked_fill",
    "masked_fill_inplace",
    "index_select",
    "gather",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "take",
    "take_along_dim",
    "nonzero",
    "argwhere",
    "masked_select",
    "index_add",
    "index_fill",
    "searchsorted",
    "bucketize",
]


def _conv(i: Any) -> Any:
    if isinstance(i, Tensor):
        return i._array
    if isinstance(i, list) and any(isinstance(x, Tensor) for x in i):
        return [_conv(x) for x in i]
    return i


def to_index(idx: Any) -> Any:
    """An index NumPy understands: Tensors inside it become their arrays."""
    if type(idx) is tuple:
        return tuple(_conv(i) for i in idx)
    return _conv(idx)


def setitem(t: Tensor, idx: Any, value: Any) -> None:
    """``t[idx] = value`` in place (bumps the version counter)."""
    a = t._array
    v = value._array if isinstance(value, Tensor) else value
    if type(v) is not type(a) and hasattr(v, "shape") and not isinstance(v, np.generic):
        v = t.device.send(v)
    key = idx if type(idx) in (int, slice) else to_index(idx)
    try:
        a[key] = v
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location (or the tensor is a read-only view). Please clone() the tensor before performing the "
                "operation."
            ) from None
        raise RuntimeError(f"shape mismatch in tensor assignment: {e}") from None
    _bump(t)


def _bool_mask(mask: Any, name: str) -> Any:
    m = _arr(mask)
    if m.dtype.kind != "b":
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype {_dt.torch_name(m.dtype)}")
    return m


def _fill_value(value: Any, name: str) -> Any:
    if isinstance(value, Tensor):
        if value._array.ndim:
            raise RuntimeError(
                f"{name} only supports a 0-dimensional value tensor, but got tensor with {value._array.ndim} "
                "dimension(s)."
            )
        return value._array
    return value


@taeda_function
def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` where the bool ``mask`` (broadcast to ``input``) is True.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.masked_fill(tt.zeros(3), tt.tensor([True, False, True]), 5.0).tolist()
        [5.0, 0.0, 5.0]
    """
    a = _arr(input)
    m = _bool_mask(mask, "masked_fill_")
    r = a.copy()
    xp = xp_of(a)
    try:
        xp.copyto(r, _fill_value(value, "masked_fill_"), casting="unsafe", where=m)
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({list(a.shape)}) must match the size of mask ({list(m.shape)}): the mask must "
            "broadcast to the tensor's shape"
        ) from None
    return _wrap(r)


def masked_fill_inplace(t: Tensor, mask: Any, value: Any) -> None:
    """``t.masked_fill_(mask, value)``."""
    a = t._array
    m = _bool_mask(mask, "masked_fill_")
    try:
        xp_of(a).copyto(a, _fill_value(value, "masked_fill_"), casting="unsafe", where=m)
    except ValueError as e:
        if "read-only" in str(e):
            setitem(t, ..., a)  # an expanded (read-only) view: raises PyTorch's error
        raise RuntimeError(
            f"The size of tensor a ({list(a.shape)}) must match the size of mask ({list(m.shape)}): the mask must "
            "broadcast to the tensor's shape"
        ) from None
    _bump(t)


def _index_arr(index: Any, name: str) -> Any:
    i = _arr(index)
    if i.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    return i


@taeda_function
def index_select(input: Any, dim: int, index: Any) -> Tensor:
    """The entries at the (1-D) ``index`` along ``dim``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.index_select(tt.tensor([[1, 2], [3, 4]]), 1, tt.tensor([1])).tolist()
        [[2], [4]]
    """
    a = _arr(input)
    i = _index_arr(index, "index_select")
    if i.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = norm_dim(dim, a.ndim)
    if a.ndim == 0:
        return _wrap(a[i.reshape(-1)].reshape(()) if i.size else a.reshape(-1)[:0])
    return _wrap(xp_of(a).take(a, i.reshape(-1), axis=d))


def _clip_to(a: Any, shape: tuple[int, ...], d: int | None) -> Any:
    return a[tuple(slice(None) if k == d else slice(0, s) for k, s in enumerate(shape))]


def _check_index_shape(a: Any, i: Any, d: int, name: str) -> None:
    if i.ndim != a.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(a.ndim):
        if k != d and i.shape[k] > a.shape[k]:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(i.shape)} to be smaller than self "
                f"{list(a.shape)} apart from dimension {d}"
            )


@taeda_function
def gather(input: Any, dim: int, index: Any) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and so on); the result has ``index``'s shape.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.gather(tt.tensor([[1, 2], [3, 4]]), 1, tt.tensor([[0, 0], [1, 0]])).tolist()
        [[1, 1], [4, 3]]
    """
    a = _arr(input)
    i = _index_arr(index, "gather")
    if a.ndim == 0:
        return _wrap(a.reshape(1)[i.reshape(1)].reshape(i.shape))
    d = norm_dim(dim, a.ndim)
    _check_index_shape(a, i, d, "gather")
    return _wrap(xp_of(a).take_along_axis(_clip_to(a, i.shape, d), i, axis=d))


@taeda_function
def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Tensor:
    """NumPy's ``take_along_axis`` (indices broadcast against ``input``); the flattened tensor when ``dim`` is None."""
    a = _arr(input)
    i = _index_arr(indices, "take_along_dim")
    xp = xp_of(a)
    if dim is None:
        return _wrap(xp.take(a.reshape(-1), i.reshape(-1)))
    return _wrap(xp.take_along_axis(a, i, axis=norm_dim(dim, a.ndim)))


def _scatter_index(i: Any, d: int, xp: Any) -> tuple[Any, ...]:
    ix = list(xp.indices(i.shape, sparse=True))
    ix[d] = i
    return tuple(ix)


def _scatter_src(src: Any, shape: tuple[int, ...], dtype: Any, xp: Any) -> Any:
    s = unwrap(src)
    if hasattr(s, "shape") and bool(getattr(s, "ndim", 0)):
        return _clip_to(s, shape, None).astype(dtype, copy=False)
    return xp.full(shape, s, dtype=dtype)


@taeda_function
def scatter(input: Any, dim: int, index: Any, src: Any, *, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``out[index[i][j]][j] = src[i][j]`` for ``dim=0`` (``src`` may be a scalar);
    ``reduce="add"``/``"multiply"`` combines instead of replacing.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.scatter(tt.zeros(3, dtype=tt.int64), 0, tt.tensor([2, 0]), tt.tensor([5, 6])).tolist()
        [6, 0, 5]
    """
    a = _arr(input)
    i = _index_arr(index, "scatter")
    xp = xp_of(a)
    out = a.copy()
    if i.size == 0:
        return _wrap(out)
    d = norm_dim(dim, a.ndim)
    _check_index_shape(a, i, d, "scatter")
    s = _scatter_src(src, i.shape, a.dtype, xp)
    ix = _scatter_index(i, d, xp)
    if reduce is None:
        out[ix] = s
    elif reduce == "add":
        xp.add.at(out, ix, s)
    elif reduce == "multiply":
        xp.multiply.at(out, ix, s)
    else:
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    return _wrap(out)


@taeda_function
def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.scatter_add(tt.zeros(2), 0, tt.tensor([1, 1, 0]), tt.tensor([1.0, 2.0, 3.0])).tolist()
        [3.0, 3.0]
    """
    return scatter(input, dim, index, src, reduce="add")


@taeda_function
def scatter_reduce(input: Any, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Tensor:
    """Scatter with ``reduce`` in ``"sum" "prod" "amax" "amin" "mean"``."""
    a = _arr(input)
    i = _index_arr(index, "scatter_reduce")
    xp = xp_of(a)
    if a.ndim == 0:  # one element along dim 0, as PyTorch
        src0 = _arr(src) if isinstance(src, Tensor) else src
        one = scatter_reduce(
            _wrap(a.reshape(1)),
            dim,
            _wrap(i.reshape(-1)),
            _wrap(xp.asarray(src0).reshape(-1)),
            reduce,
            include_self=include_self,
        )
        return _wrap(one._array.reshape(()))
    d = norm_dim(dim, a.ndim)
    _check_index_shape(a, i, d, "scatter_reduce")
    s = _scatter_src(src, i.shape, a.dtype, xp)
    ix = _scatter_index(i, d, xp)
    ufuncs = {"sum": xp.add, "prod": xp.multiply, "amax": xp.maximum, "amin": xp.minimum, "mean": xp.add}
    if reduce not in ufuncs:
        raise RuntimeError(f"reduce argument must be one of sum, prod, mean, amax, amin, got {reduce}")
    out = a.copy()
    if not include_self:
        init = {"sum": 0, "prod": 1, "amax": -np.inf, "amin": np.inf, "mean": 0}[reduce]
        if a.dtype.kind in "iu" and reduce in ("amax", "amin"):
            info = np.iinfo(a.dtype)
            init = info.min if reduce == "amax" else info.max
        out[ix] = init
    ufuncs[reduce].at(out, ix, s)
    if reduce == "mean":
        cnt = xp.full(a.shape, 1 if include_self else 0, dtype=np.int64)
        xp.add.at(cnt, ix, 1)
        cnt = xp.maximum(cnt, 1)
        out = out / cnt if a.dtype.kind in "fc" else out // cnt
    return _wrap(out.astype(a.dtype, copy=False))


@taeda_function
def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    return input.clone().index_add_(dim, index, source, alpha=alpha)  # type: ignore[no-any-return]


@taeda_function
def index_fill(input: Any, dim: int, index: Any, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` at ``index`` along ``dim``."""
    return input.clone().index_fill_(dim, index, value)  # type: ignore[no-any-return]


@taeda_function
def take(input: Any, index: Any) -> Tensor:
    """Entries of the flattened ``input`` at ``index`` (result has ``index``'s shape).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.take(tt.tensor([[1, 2], [3, 4]]), tt.tensor([0, 3])).tolist()
        [1, 4]
    """
    a = _arr(input)
    i = _index_arr(index, "take")
    n = a.size
    if i.size and (int(i.max()) >= n or int(i.min()) < -n):
        raise IndexError(f"out of range: tried to access index {int(i.max())} on a tensor of {n} elements.")
    return _wrap_r(xp_of(a).take(a.reshape(-1), i))


@taeda_function
def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    """Indices of nonzero elements: an ``(n, ndim)`` int64 tensor, or a tuple of 1-D tensors with ``as_tuple``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.nonzero(tt.tensor([[0, 1], [2, 0]])).tolist()
        [[0, 1], [1, 0]]
    """
    a = _arr(input)
    xp = xp_of(a)
    if as_tuple:
        if a.ndim == 0:
            return (_wrap(xp.nonzero(a.reshape(1))[0].astype(np.int64)),)
        return tuple(_wrap(i.astype(np.int64, copy=False)) for i in xp.nonzero(a))
    return _wrap(xp.argwhere(a).astype(np.int64, copy=False))


@taeda_function
def argwhere(input: Any) -> Tensor:
    """Same as ``nonzero(input)``."""
    return nonzero(input)  # type: ignore[no-any-return]


@taeda_function
def masked_select(input: Any, mask: Any) -> Tensor:
    """The entries where the bool ``mask`` is True, as a 1-D tensor (both broadcast).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.masked_select(tt.tensor([1, 2, 3]), tt.tensor([True, False, True])).tolist()
        [1, 3]
    """
    a = _arr(input)
    m = _bool_mask(mask, "masked_select")
    xp = xp_of(a)
    from taeda.tensor._checks import broadcast_shapes

    shape = broadcast_shapes(a.shape, m.shape)
    return _wrap(xp.broadcast_to(a, shape)[xp.broadcast_to(m, shape)])


@taeda_function
def searchsorted(sorted_sequence: Any, input: Any, *, right: bool = False, side: str | None = None) -> Tensor:
    """Insertion points of ``input`` into the sorted last dim of ``sorted_sequence``, int64.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.searchsorted(tt.tensor([1, 3, 5]), tt.tensor([3, 6])).tolist()
        [1, 3]
    """
    s = _arr(sorted_sequence)
    v = unwrap(input)
    xp = xp_of(s)
    sd = side or ("right" if right else "left")
    if s.ndim <= 1:
        return _wrap_r(xp.asarray(xp.searchsorted(s, v, side=sd), dtype=np.int64))
    va = xp.asarray(v)
    if va.shape[:-1] != s.shape[:-1]:
        raise RuntimeError(
            f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
            f"tensor and input value tensor must match, but we got boundaries tensor {list(s.shape)} and input value "
            f"tensor {list(va.shape)}"
        )
    # count, per row, the boundaries below each value (vectorised over rows and values)
    below = (s[..., None, :] <= va[..., :, None]) if sd == "right" else (s[..., None, :] < va[..., :, None])
    return _wrap(below.sum(axis=-1, dtype=np.int64))


@taeda_function
def bucketize(input: Any, boundaries: Any, *, right: bool = False) -> Tensor:
    """Bucket index of each element of ``input`` in the sorted 1-D ``boundaries``."""
    return searchsorted(boundaries, input, right=right)


def _one_axis(a: Any, dim: int) -> Any:
    """``a`` itself, or for a 0-d array a (1,) view of it: PyTorch indexes a 0-d tensor as one element along
    dim 0 (or -1)."""
    if a.ndim:
        return a
    norm_dim(dim, 1)  # PyTorch's dim check for a 0-d tensor
    return a.reshape(1)


def index_fill_inplace(t: Tensor, dim: int, index: Any, value: Any) -> None:
    """``t.index_fill_(dim, index, value)``."""
    a = _one_axis(t._array, dim)
    d = norm_dim(dim, a.ndim)
    sl: list[Any] = [slice(None)] * a.ndim
    sl[d] = unwrap(index)
    a[tuple(sl)] = unwrap(value)
    _bump(t)


def index_add_inplace(t: Tensor, dim: int, index: Any, source: Any, alpha: Any = 1) -> None:
    """``t.index_add_(dim, index, source, alpha=alpha)``: repeated indices accumulate."""
    a = _one_axis(t._array, dim)
    d = norm_dim(dim, a.ndim)
    src = unwrap(source) * alpha if alpha != 1 else unwrap(source)
    xp = xp_of(a)
    if t._array.ndim == 0 and getattr(src, "ndim", 0) == 0:
        src = xp.asarray(src).reshape(1)
    moved, idx, vals = xp.moveaxis(a, d, 0), unwrap(index), xp.moveaxis(xp.asarray(src), d, 0)
    if not _index_add_rows(moved, idx, vals):
        xp.add.at(moved, idx, vals)
    _bump(t)


def _index_add_rows(target: Any, idx: Any, vals: Any) -> bool:
    """``target[idx] += vals`` with repeated ``idx`` accumulated, as one sparse-times-dense product over the
    distinct rows; False (nothing done) where ``ufunc.at`` is kept.

    NOTE: ``np.add.at`` with a row index handles one index at a time: 8,192 rows of 256 float32 into a
    (30000, 256) target take about 20 ms. A CSR matrix that sums the rows of ``vals`` per distinct index, times
    ``vals``, then one fancy-index ``+=`` (the indices now distinct) takes about 3 ms. Rows are summed in their
    given order before being added to the target (``add.at`` adds them one by one: the sums differ in rounding).
    """
    if type(target) is not np.ndarray or type(idx) is not np.ndarray or type(vals) is not np.ndarray:
        return False
    if idx.ndim != 1 or idx.dtype.kind not in "iu" or idx.size < 64 or target.ndim < 2:
        return False
    if target.dtype not in (np.float32, np.float64) or vals.dtype != target.dtype or vals.shape[1:] != target.shape[1:]:
        return False
    rows, k = target.shape[0], idx.shape[0]
    lo = int(idx.min())
    if vals.shape[0] != k or not rows or int(idx.max()) >= rows or lo < -rows:
        return False  # add.at raises its own IndexError (or broadcasts) for these
    import scipy.sparse

    flat_idx = np.where(idx < 0, idx + rows, idx) if lo < 0 else idx
    uniq, inverse = np.unique(flat_idx, return_inverse=True)
    width = int(np.prod(target.shape[1:]))
    summer = scipy.sparse.csr_matrix(
        (np.ones(k, target.dtype), (inverse.reshape(-1), np.arange(k))), shape=(uniq.size, k)
    )
    sums = summer @ np.ascontiguousarray(vals).reshape(k, width)
    target[uniq] += sums.reshape((uniq.size, *target.shape[1:]))
    return True
