"""Shape ops: views (``view``, ``transpose``, ``expand`` ...) share memory and the version counter with their base;
joins and splits (``cat``, ``stack``, ``split`` ...)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from taeda.tensor import _dtype as _dt
from taeda.tensor._checks import broadcast_shapes as _broadcast_shapes
from taeda.tensor._checks import check_same_device, norm_dim, norm_dims
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._ops_math import _arr
from taeda.tensor._tensor import Tensor, _view, _wrap, _wrap_r, xp_of
from taeda.tensor._transpose import transposed_copy

__all__ = [
    "view",
    "reshape",
    "flatten",
    "unflatten",
    "ravel",
    "squeeze",
    "unsqueeze",
    "transpose",
    "swapaxes",
    "swapdims",
    "t",
    "permute",
    "movedim",
    "moveaxis",
    "expand",
    "broadcast_to",
    "broadcast_tensors",
    "broadcast_shapes",
    "repeat",
    "repeat_interleave",
    "tile",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "narrow",
    "select",
    "unbind",
    "chunk",
    "split",
    "tensor_split",
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "dstack",
    "column_stack",
    "tril",
    "triu",
    "diag",
    "diagonal",
    "diag_embed",
    "meshgrid",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
]


def _shape_args(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:
        return tuple(s.__index__() for s in shape)
    except AttributeError:
        raise TypeError(f"shape must be a sequence of ints, got {tuple(shape)!r}") from None


def _infer_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return tuple(numel // known if s == -1 else s for s in shape)
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _is_view(r: Any, a: Any) -> bool:
    b = r.base
    return b is not None and (b is a or b is a.base)


def _view_impl(input: Tensor, shape: Sequence[Any]) -> Tensor:
    a = input._array
    if len(shape) == 1 and (isinstance(shape[0], (np.dtype, type, str)) and not isinstance(shape[0], (tuple, list))):
        return _view(a.view(_dt.to_dtype(shape[0])), input)
    shp = _shape_args(shape)
    if type(a) is np.ndarray:
        try:
            return _view(a.reshape(shp, copy=False), input)
        except ValueError:
            shp = _infer_shape(shp, a.size)  # raises for bad shapes
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
                "two contiguous subspaces). Use .reshape(...) instead."
            ) from None
    shp = _infer_shape(shp, a.size)
    r = a.view()
    try:
        r.shape = shp
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
            "two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return _view(r, input)


def _reshape_impl(input: Tensor, shape: Sequence[Any]) -> Tensor:
    a = input._array
    shp = _shape_args(shape)
    if not a.flags.c_contiguous and a.ndim >= 2:
        full = _infer_shape(shp, a.size)
        if not full or full[-1] != a.shape[-1]:
            # the last axis changes, so a strided last axis needs a copy: a stack of transposed matrices is
            # copied with OpenBLAS's blocked copy (NumPy's own transposing copy is several times slower)
            fast = transposed_copy(a)
            if fast is not None:
                return _wrap(fast.reshape(full))
    try:
        r = a.reshape(shp)
    except ValueError:
        _infer_shape(shp, a.size)
        raise
    return _view(r, input) if _is_view(r, a) else _wrap(r)


def _t(x: Any) -> Tensor:
    if type(x) is Tensor:
        return x
    if isinstance(x, Tensor):
        return x
    from taeda.tensor._creation import as_tensor

    return as_tensor(x)


@taeda_function
def view(input: Any, *shape: Any) -> Tensor:
    """A view with another shape (one size may be -1); raises when the layout needs a copy (use ``reshape``).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.view(tt.arange(6), 2, -1).shape
        taeda.Size([2, 3])
    """
    return _view_impl(_t(input), shape)


@taeda_function
def reshape(input: Any, *shape: Any) -> Tensor:
    """Another shape: a view when the layout allows, else a copy.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.reshape(tt.arange(6), (3, 2)).shape
        taeda.Size([3, 2])
    """
    return _reshape_impl(_t(input), shape)


@taeda_function
def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.flatten(tt.zeros(2, 3, 4), 1).shape
        taeda.Size([2, 12])
    """
    return _flatten(_t(input), start_dim, end_dim)


def _flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    a = x._array
    if a.ndim == 0:
        return _reshape_impl(x, (1,))
    s, e = norm_dim(start_dim, a.ndim), norm_dim(end_dim, a.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = a.shape[:s] + (math.prod(a.shape[s : e + 1]),) + a.shape[e + 1 :]
    return _reshape_impl(x, shape)


@taeda_function
def ravel(input: Any) -> Tensor:
    """The elements as a 1-D tensor (a view when possible)."""
    return _reshape_impl(_t(input), (-1,))


@taeda_function
def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one may be -1).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.unflatten(tt.zeros(2, 12), 1, (3, 4)).shape
        taeda.Size([2, 3, 4])
    """
    x = _t(input)
    a = x._array
    d = norm_dim(dim, a.ndim)
    part = _infer_shape(tuple(int(s) for s in sizes), a.shape[d])
    return _reshape_impl(x, a.shape[:d] + part + a.shape[d + 1 :])


@taeda_function
def squeeze(input: Any, dim: Any = None) -> Tensor:
    """Remove dims of size 1 (all, or the given ones; dims of other sizes are left alone).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.squeeze(tt.zeros(1, 2, 1)).shape, tt.squeeze(tt.zeros(1, 2, 1), 0).shape
        (taeda.Size([2]), taeda.Size([2, 1]))
    """
    return _squeeze(_t(input), dim)


def _squeeze(x: Tensor, dim: Any = None) -> Tensor:
    a = x._array
    if dim is None:
        axes = tuple(i for i, s in enumerate(a.shape) if s == 1)
    else:
        axes = tuple(d for d in norm_dims(dim, a.ndim) if a.ndim and a.shape[d] == 1)
    return _view(a.squeeze(axes) if axes else a.view(), x)


@taeda_function
def unsqueeze(input: Any, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim`` (in ``[-ndim-1, ndim]``).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.unsqueeze(tt.zeros(2, 3), -1).shape
        taeda.Size([2, 3, 1])
    """
    return _unsqueeze(_t(input), dim)


def _unsqueeze(x: Tensor, dim: int) -> Tensor:
    a = x._array
    d = norm_dim(dim, a.ndim + 1)
    return _view(a[(slice(None),) * d + (None,)], x)


@taeda_function
def transpose(input: Any, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.transpose(tt.zeros(2, 3, 4), 0, 2).shape
        taeda.Size([4, 3, 2])
    """
    return _transpose(_t(input), dim0, dim1)


def _transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    a = x._array
    if a.ndim == 0:
        norm_dim(dim0, 0), norm_dim(dim1, 0)
        return _view(a.view(), x)
    return _view(a.swapaxes(norm_dim(dim0, a.ndim), norm_dim(dim1, a.ndim)), x)


swapaxes = transpose
swapdims = transpose


@taeda_function
def t(input: Any) -> Tensor:
    """Transpose a tensor of at most 2 dims.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.t(tt.zeros(2, 3)).shape
        taeda.Size([3, 2])
    """
    x = _t(input)
    a = x._array
    if a.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
    return _view(a.T, x)


@taeda_function
def permute(input: Any, *dims: Any) -> Tensor:
    """Reorder dims (a view).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.permute(tt.zeros(2, 3, 4), 2, 0, 1).shape
        taeda.Size([4, 2, 3])
    """
    return _permute(_t(input), dims)


def _permute(x: Tensor, dims: Sequence[Any]) -> Tensor:
    a = x._array
    ds = _shape_args(dims)
    if len(ds) != a.ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
            f"ordering of dimensions i.e. input.dim() = {a.ndim} is not equal to len(dims) = {len(ds)}"
        )
    nd = norm_dims(ds, a.ndim) if a.ndim else ()
    return _view(a.transpose(nd), x)


@taeda_function
def movedim(input: Any, source: Any, destination: Any) -> Tensor:
    """Move dims from ``source`` to ``destination`` positions (a view).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.movedim(tt.zeros(2, 3, 4), 0, -1).shape
        taeda.Size([3, 4, 2])
    """
    x = _t(input)
    a = x._array
    src, dst = norm_dims(source, a.ndim), norm_dims(destination, a.ndim)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same number "
            f"of dims as destination ({list(dst)} dims)"
        )
    return _view(xp_of(a).moveaxis(a, src, dst), x)


moveaxis = movedim


@taeda_function
def expand(input: Any, *sizes: Any) -> Tensor:
    """A broadcast view to a larger shape (-1 keeps a size); only dims of size 1 can grow.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.expand(tt.zeros(3, 1), 3, 4).shape
        taeda.Size([3, 4])
    """
    return _expand(_t(input), sizes)


def _expand(x: Tensor, sizes: Sequence[Any]) -> Tensor:
    a = x._array
    shp = _shape_args(sizes)
    if len(shp) < a.ndim:
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(a.shape)}}}, size={list(shp)}): the number of sizes provided "
            f"({len(shp)}) must be greater or equal to the number of dimensions in the tensor ({a.ndim})"
        )
    lead = len(shp) - a.ndim
    target = []
    for i, s in enumerate(shp):
        if i < lead:
            if s < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing dimension {i}"
                )
            target.append(s)
            continue
        cur = a.shape[i - lead]
        if s == -1:
            s = cur
        elif cur not in (1, s):
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                f"dimension {i}.  Target sizes: {list(shp)}.  Tensor sizes: {list(a.shape)}"
            )
        target.append(s)
    return _view(xp_of(a).broadcast_to(a, tuple(target)), x)


@taeda_function
def broadcast_to(input: Any, shape: Sequence[int]) -> Tensor:
    """A broadcast view with ``shape`` (like ``expand``).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.broadcast_to(tt.zeros(3), (2, 3)).shape
        taeda.Size([2, 3])
    """
    return expand(input, tuple(shape))


@taeda_function
def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """Views of the tensors broadcast to one shape.

    Example:
        >>> import taeda.tensor as tt
        >>> tuple(tuple(x.shape) for x in tt.broadcast_tensors(tt.zeros(2, 1), tt.zeros(3)))
        ((2, 3), (2, 3))
    """
    ts = [_t(x) for x in tensors]
    shape = _broadcast_shapes(*[x._array.shape for x in ts])
    return tuple(expand(x, shape) for x in ts)


def broadcast_shapes(*shapes: Sequence[int]) -> Any:
    """The shape that the given shapes broadcast to, as a ``Size``.

    Example:
        >>> broadcast_shapes((2, 1), (3,))
        taeda.Size([2, 3])
    """
    from taeda.tensor._size import Size

    return Size(_broadcast_shapes(*shapes))


@taeda_function
def repeat(input: Any, *sizes: Any) -> Tensor:
    """Tile the tensor ``sizes`` times along each dim (``len(sizes) >= ndim``).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.repeat(tt.tensor([1, 2]), 2, 2).tolist()
        [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    a = _arr(input)
    reps = _shape_args(sizes)
    if len(reps) < a.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return _wrap(xp_of(a).tile(a, reps))


@taeda_function
def repeat_interleave(
    input: Any, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (over the flattened tensor when ``dim`` is None).

    ``repeats`` is an int or an integer tensor (0-d, one element, or one count per slice along ``dim``).
    ``repeat_interleave(counts)`` alone gives ``[0] * counts[0] + [1] * counts[1] + ...``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.repeat_interleave(tt.tensor([[1, 2], [3, 4]]), tt.tensor([1, 2]), dim=0).tolist()
        [[1, 2], [3, 4], [3, 4]]
    """
    if repeats is None:  # repeat_interleave(repeats): the indices, each repeated its own count
        r = _arr(input)
        if r.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if r.dtype.kind not in "iu":
            raise RuntimeError("repeats has to be Long or Int tensor")
        if r.size and int(r.min()) < 0:
            raise RuntimeError("repeats can not be negative")
        xp = xp_of(r)
        return _wrap(xp.repeat(xp.arange(r.size, dtype=np.int64), r.reshape(-1)))
    a = _arr(input)
    xp = xp_of(a)
    if dim is None:
        a = a.reshape(-1)
        d = 0
    else:
        d = norm_dim(dim, a.ndim)
        if a.ndim == 0:
            a = a.reshape(1)
    if isinstance(repeats, bool) or not (isinstance(repeats, (int, np.integer, Tensor)) or hasattr(repeats, "shape")):
        raise TypeError(f"repeat_interleave(): argument 'repeats' must be int or Tensor, not {type(repeats).__name__}")
    if isinstance(repeats, (int, np.integer)):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        out = xp.repeat(a, int(repeats), axis=d)
    else:
        r = _arr(repeats)
        if r.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if r.dtype.kind not in "iu":
            raise RuntimeError("repeats has to be Long or Int tensor")
        n = a.shape[d]
        if r.size == 1:
            r = r.reshape(())
        elif r.shape[0] != n:
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got "
                f"repeats.size(0) = {r.shape[0]} and input.size({d}) = {n}"
            )
        if r.size and int(r.min()) < 0:
            raise RuntimeError("repeats can not be negative")
        out = xp.repeat(a, r if r.ndim else int(r), axis=d)
    if output_size is not None and out.shape[d] != output_size:
        raise RuntimeError(f"allocated size does not match required size: {output_size} vs {out.shape[d]}")
    return _wrap(out)


@taeda_function
def tile(input: Any, *dims: Any) -> Tensor:
    """Like ``repeat`` but ``dims`` may be shorter than ``ndim`` (ones are prepended).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.tile(tt.tensor([[1, 2]]), (2,)).tolist()
        [[1, 2, 1, 2]]
    """
    a = _arr(input)
    return _wrap(xp_of(a).tile(a, _shape_args(dims)))


@taeda_function
def flip(input: Any, *dims: Any) -> Tensor:
    """Reverse the order along ``dims`` (a copy, as in PyTorch).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.flip(tt.tensor([[1, 2], [3, 4]]), 1).tolist()
        [[2, 1], [4, 3]]
    """
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    a = _arr(input)
    ds = norm_dims(_shape_args(dims), a.ndim) if a.ndim else ()
    return _wrap(xp_of(a).flip(a, axis=ds).copy())


@taeda_function
def fliplr(input: Any) -> Tensor:
    """Flip along dim 1."""
    return flip(input, 1)


@taeda_function
def flipud(input: Any) -> Tensor:
    """Flip along dim 0."""
    return flip(input, 0)


@taeda_function
def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements cyclically (over the flattened tensor when ``dims`` is None).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.roll(tt.tensor([1, 2, 3]), 1).tolist()
        [3, 1, 2]
    """
    a = _arr(input)
    ns = len(shifts) if isinstance(shifts, (list, tuple)) else 1
    nd = 0 if dims is None else len(dims) if isinstance(dims, (list, tuple)) else 1
    if ns != max(nd, 1):  # NumPy would broadcast them (or add up the shifts of the flattened tensor)
        raise RuntimeError(f"shifts and dimensions must align. shifts: {ns}, dims:{nd}")
    if dims is None:
        return _wrap(xp_of(a).roll(a, shifts))
    if not isinstance(dims, (list, tuple)):
        return _wrap(xp_of(a).roll(a, shifts, axis=norm_dim(dims, a.ndim)))
    return _wrap(xp_of(a).roll(a, shifts, axis=tuple(norm_dim(d, a.ndim) for d in dims)))  # a repeated dim rolls twice


@taeda_function
def narrow(input: Any, dim: int, start: int, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.narrow(tt.arange(5), 0, 1, 2).tolist()
        [1, 2]
    """
    x = _t(input)
    a = x._array
    d = norm_dim(dim, a.ndim)
    n = a.shape[d]
    start = int(start)
    if start < 0:
        start += n
    if start < 0 or start > n or length < 0 or start + length > n:
        raise IndexError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    sl = (slice(None),) * d + (slice(start, start + length),)
    return _view(a[sl], x)


@taeda_function
def select(input: Any, dim: int, index: int) -> Tensor:
    """The view at ``index`` along ``dim`` (that dim removed).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.select(tt.tensor([[1, 2], [3, 4]]), 1, 0).tolist()
        [1, 3]
    """
    x = _t(input)
    a = x._array
    d = norm_dim(dim, a.ndim)
    n = a.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(a.shape)} at dimension {d}")
    return _view(a[(slice(None),) * d + (index, Ellipsis)], x)


@taeda_function
def unbind(input: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """The views along ``dim``, as a tuple.

    Example:
        >>> import taeda.tensor as tt
        >>> tuple(x.tolist() for x in tt.unbind(tt.tensor([[1, 2], [3, 4]])))
        ([1, 2], [3, 4])
    """
    x = _t(input)
    a = x._array
    d = norm_dim(dim, a.ndim)
    pre = (slice(None),) * d
    return tuple(_view(a[(*pre, i, Ellipsis)], x) for i in range(a.shape[d]))


def _split_at(x: Tensor, d: int, bounds: Sequence[int]) -> tuple[Tensor, ...]:
    a = x._array
    pre = (slice(None),) * d
    out = []
    for lo, hi in itertools.pairwise(bounds):
        out.append(_view(a[(*pre, slice(lo, hi))], x))
    return tuple(out)


@taeda_function
def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes.

    Example:
        >>> import taeda.tensor as tt
        >>> tuple(x.tolist() for x in tt.split(tt.arange(5), 2))
        ([0, 1], [2, 3], [4])
    """
    x = _t(tensor)
    a = x._array
    d = norm_dim(dim, a.ndim)
    n = a.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension {d}), "
                f"but got split_sizes={sizes}"
            )
    else:
        step = int(split_size_or_sections)
        if step <= 0 and n > 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]
    bounds = [0]
    for s in sizes:
        bounds.append(bounds[-1] + s)
    return _split_at(x, d, bounds)


@taeda_function
def chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` views of equal size ``ceil(n / chunks)`` along ``dim``.

    Example:
        >>> import taeda.tensor as tt
        >>> tuple(x.tolist() for x in tt.chunk(tt.arange(5), 3))
        ([0, 1], [2, 3], [4])
    """
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    x = _t(input)
    d = norm_dim(dim, x._array.ndim)
    n = x._array.shape[d]
    return split(x, max(math.ceil(n / chunks), 1), d) if n else split(x, 1, d)


@taeda_function
def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views split into ``sections`` nearly equal parts, or at the given ``indices`` (NumPy's ``array_split``).

    Example:
        >>> import taeda.tensor as tt
        >>> tuple(x.tolist() for x in tt.tensor_split(tt.arange(5), 3))
        ([0, 1], [2, 3], [4])
    """
    x = _t(input)
    a = x._array
    d = norm_dim(dim, a.ndim)
    n = a.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = ios.tolist()
    if isinstance(ios, (list, tuple)):
        # each piece is the slice between two neighbouring indices (empty where they decrease), as in PyTorch
        bounds = [0] + [min(max(int(i) if i >= 0 else int(i) + n, 0), n) for i in ios] + [n]
    else:
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        bounds = [0]
        for i in range(k):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    return _split_at(x, d, bounds)


def _arrays(tensors: Any, name: str) -> list[Any]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' must be a tuple or list of Tensors, not {type(tensors).__name__}"
        )
    if len(tensors) == 0:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    arrs = [_arr(x) for x in tensors]
    check_same_device(*arrs)
    rt = _dt.result_type(*[a if a.ndim else a.reshape(1) for a in arrs])
    return [a if a.dtype == rt else a.astype(rt) for a in arrs]


@taeda_function
def cat(tensors: Any, dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing dim (1-D empty tensors are skipped, as PyTorch).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.cat([tt.zeros(2, 1), tt.ones(2, 2)], dim=1).shape
        taeda.Size([2, 3])
    """
    arrs = _arrays(tensors, "cat")
    kept = [a for a in arrs if not (a.ndim == 1 and a.shape[0] == 0)] or arrs[:1]
    ref = kept[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = norm_dim(dim, ref.ndim)
    for i, a in enumerate(kept):
        if a.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {a.ndim}")
        for k in range(ref.ndim):
            if k != d and a.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref.shape[k]} but got size "
                    f"{a.shape[k]} for tensor number {i} in the list."
                )
    r = _wrap(xp_of(ref).concatenate(kept, axis=d))
    if out is not None:
        from taeda.tensor._ops_math import write_out

        return write_out(r, out)
    return r


concat = cat
concatenate = cat


@taeda_function
def stack(tensors: Any, dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join equally shaped tensors along a new dim.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.stack([tt.zeros(2), tt.ones(2)], dim=1).shape
        taeda.Size([2, 2])
    """
    arrs = _arrays(tensors, "stack")
    for i, a in enumerate(arrs):
        if a.shape != arrs[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(arrs[0].shape)} at entry 0 and "
                f"{list(a.shape)} at entry {i}"
            )
    d = norm_dim(dim, arrs[0].ndim + 1)
    r = _wrap(xp_of(arrs[0]).stack(arrs, axis=d))
    if out is not None:
        from taeda.tensor._ops_math import write_out

        return write_out(r, out)
    return r


@taeda_function
def hstack(tensors: Any) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.hstack([tt.zeros(2), tt.ones(3)]).shape
        taeda.Size([5])
    """
    arrs = _arrays(tensors, "hstack")
    return _wrap(xp_of(arrs[0]).hstack(arrs))


@taeda_function
def vstack(tensors: Any) -> Tensor:
    """Join along dim 0 after making tensors at least 2-D.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.vstack([tt.zeros(2), tt.ones(2)]).shape
        taeda.Size([2, 2])
    """
    arrs = _arrays(tensors, "vstack")
    return _wrap(xp_of(arrs[0]).vstack(arrs))


@taeda_function
def dstack(tensors: Any) -> Tensor:
    """Join along dim 2 after making tensors at least 3-D."""
    arrs = _arrays(tensors, "dstack")
    return _wrap(xp_of(arrs[0]).dstack(arrs))


@taeda_function
def column_stack(tensors: Any) -> Tensor:
    """Join 1-D tensors as columns of a 2-D tensor."""
    arrs = _arrays(tensors, "column_stack")
    return _wrap(xp_of(arrs[0]).column_stack(arrs))


def _need2d(a: Any, name: str) -> None:
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions.")


@taeda_function
def tril(input: Any, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The lower triangle of the last two dims (others zeroed).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.tril(tt.ones(2, 2)).tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    a = _arr(input)
    _need2d(a, "tril")
    r = _wrap(xp_of(a).tril(a, diagonal))
    if out is not None:
        from taeda.tensor._ops_math import write_out

        return write_out(r, out)
    return r


@taeda_function
def triu(input: Any, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The upper triangle of the last two dims (others zeroed).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.triu(tt.ones(2, 2)).tolist()
        [[1.0, 1.0], [0.0, 1.0]]
    """
    a = _arr(input)
    _need2d(a, "triu")
    r = _wrap(xp_of(a).triu(a, diagonal))
    if out is not None:
        from taeda.tensor._ops_math import write_out

        return write_out(r, out)
    return r


@taeda_function
def diag(input: Any, diagonal: int = 0) -> Tensor:
    """A 1-D tensor -> a matrix with it on a diagonal; a matrix -> its diagonal (a copy).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.diag(tt.tensor([1, 2])).tolist(), tt.diag(tt.tensor([[1, 2], [3, 4]])).tolist()
        ([[1, 0], [0, 2]], [1, 4])
    """
    a = _arr(input)
    if a.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {a.ndim}D")
    return _wrap(xp_of(a).diag(a, diagonal).copy())


@taeda_function
def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal over ``dim1`` and ``dim2`` as the last dim (a view: writing to it writes ``input``).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.diagonal(tt.tensor([[1, 2], [3, 4]])).tolist()
        [1, 4]
    """
    x = _t(input)
    a = x._array
    d1, d2 = norm_dim(dim1, a.ndim), norm_dim(dim2, a.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    d = a.diagonal(offset, d1, d2)
    if type(d) is np.ndarray and a.flags.writeable:
        d.flags.writeable = True  # NumPy's diagonal view is read-only by default; PyTorch's is writable
    return _view(d, x)


@taeda_function
def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose diagonals (over the last two dims) are the last dim of ``input``."""
    a = _arr(input)
    xp = xp_of(a)
    n = a.shape[-1] + abs(offset)
    out = xp.zeros(a.shape[:-1] + (n, n), dtype=a.dtype)
    i = xp.arange(a.shape[-1])
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    out[..., r, c] = a
    nd = out.ndim
    d1, d2 = norm_dim(dim1, nd), norm_dim(dim2, nd)
    return _wrap(xp.moveaxis(out, (nd - 2, nd - 1), (d1, d2)))


@taeda_function
def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors (``indexing="ij"`` or ``"xy"``).

    Example:
        >>> import taeda.tensor as tt
        >>> tuple(tuple(g.shape) for g in tt.meshgrid(tt.arange(2), tt.arange(3)))
        ((2, 3), (2, 3))
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    arrs = [_arr(x) for x in tensors]
    return tuple(_wrap_r(g) for g in xp_of(arrs[0]).meshgrid(*arrs, indexing=indexing))


def _atleast(n: int, tensors: tuple[Any, ...]) -> Any:
    one = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
    items = tensors if not (len(tensors) == 1 and isinstance(tensors[0], (list, tuple))) else tensors[0]
    out = []
    for x in items:
        xt = _t(x)
        a = xt._array
        while a.ndim < n:
            a = a[None] if not (n == 3 and a.ndim == 2) else a[..., None]
        out.append(_view(a, xt))
    return out[0] if one else tuple(out)


@taeda_function
def atleast_1d(*tensors: Any) -> Any:
    """Views with at least one dim."""
    return _atleast(1, tensors)


@taeda_function
def atleast_2d(*tensors: Any) -> Any:
    """Views with at least two dims."""
    return _atleast(2, tensors)


@taeda_function
def atleast_3d(*tensors: Any) -> Any:
    """Views with at least three dims."""
    return _atleast(3, tensors)
