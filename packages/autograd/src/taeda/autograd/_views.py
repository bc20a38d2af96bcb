"""Views and in-place writes through them, as PyTorch's ``CopySlices`` / ``AsStridedBackward`` do.

A Variable made by a view op (indexing with slices and ints, ``view``, ``transpose``, ``narrow``, ``split``...)
shares its memory with its input. ``Function.apply`` calls ``note_view`` for such outputs: the view remembers its
*root* (the Variable that owns the memory; a view of a view has the same root) and the root keeps weak
references to its live views.

An in-place op on a view writes the root's memory, so the root's history must change too: the op runs out of place
on the view, then ``write_through`` records ``root = CopySlices(root, result)`` (the region's old gradient is zero,
the result gets the region of the gradient) and every live view of the root is re-derived from the new root with
``AsStrided`` (its gradient scatters into the root's shape). An in-place op on the root itself re-derives its views
the same way (``refresh_views``).

Positions: a view's elements are located in its root by flat index (C order of the root's shape), computed from
the two arrays' strides and data pointers (``flat_index``), so any strided view works, including views of
non-contiguous roots. These positions are computed only when an in-place write needs them.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._extra import _Extra
from taeda.autograd._ops_shape import IndexGrad, _index_value
from taeda.autograd._util import BuiltinFunction, TensorLike

VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."
OVERLAP = (
    "unsupported operation: more than one element of the written-to tensor refers to a single memory location. "
    "Please clone() the tensor before performing the operation."
)
NO_GRAD_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use "
    "case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the "
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if "
    "you want the inplace to be tracked)."
)


# the Variable class, set by ``_function`` once it is defined (``_views`` is imported while it is being defined)
VARIABLE: list[Any] = [type(None)]


class _ViewList(list):  # type: ignore[type-arg]
    """Weak references to a root's views; dead ones are dropped when the list outgrows ``limit``."""

    __slots__ = ("limit",)

    def __init__(self) -> None:
        super().__init__()
        self.limit = 16


def note_view(v: Any, t: Any, args: Any) -> None:
    """Record ``v`` (whose tensor ``t`` shares a version counter, i.e. memory, with an input) as a view."""
    vc = t._vc
    for a in args:
        if not isinstance(a, VARIABLE[0]):
            continue
        d = a._data
        if d._vc is not vc or d is t:
            continue
        ax = a._extra
        root = a if ax is None or ax.base is None else ax.base
        ex = v._extra
        if ex is None:
            ex = v._extra = _Extra()
        ex.base = root
        rx = root._extra
        if rx is None:
            rx = root._extra = _Extra()
        views = rx.views
        if views is None:
            views = rx.views = _ViewList()
        elif len(views) >= views.limit:
            views[:] = [r for r in views if r() is not None]
            views.limit = max(16, 2 * len(views))
        views.append(weakref.ref(v))
        return


def _ptr(arr: Any) -> int:
    ai = getattr(arr, "__array_interface__", None)
    return int(ai["data"][0]) if ai is not None else int(arr.data.ptr)


def _offsets(xp: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
    """Byte offset of every element of an array of ``shape``/``strides`` from its first element."""
    off = xp.zeros((), dtype=xp.int64)
    for n, s in zip(shape, strides):
        off = off[..., None] + xp.arange(n, dtype=xp.int64) * s
    return off


def flat_index(root: Any, view: Any) -> Any:
    """The flat (C order) index in ``root`` of every element of ``view`` (an int64 array of the view's shape), or
    None when ``view`` does not lie inside ``root``'s elements."""
    xp = np if isinstance(root, np.ndarray) else _cupy_of(root)
    if view.dtype.itemsize != root.dtype.itemsize:
        return None
    item = root.dtype.itemsize
    rel = _offsets(xp, view.shape, view.strides) + (_ptr(view) - _ptr(root))
    if root.flags.c_contiguous:
        pos = rel // item
        ok = (rel % item == 0) & (pos >= 0) & (pos < root.size)
    else:
        r = _offsets(xp, root.shape, root.strides).reshape(-1)
        order = xp.argsort(r, kind="stable")
        srt = r[order]
        if srt.size == 0:
            return None if rel.size else rel
        j = xp.minimum(xp.searchsorted(srt, rel), srt.size - 1)
        ok = srt[j] == rel
        pos = order[j]
    if not bool(ok.all()):
        return None
    return pos


def _cupy_of(arr: Any) -> Any:
    import importlib

    return importlib.import_module(type(arr).__module__.split(".")[0])


def check_view_write(v: Any, base: Any) -> None:
    """PyTorch's refusals for an in-place op (in grad mode) on a view of ``base``."""
    if base._rg:
        if base.grad_fn is None:
            raise RuntimeError(VIEW_OF_LEAF)
        if not v._rg:
            raise RuntimeError(NO_GRAD_VIEW)


class CopySlices(BuiltinFunction):
    """``base`` with the elements at ``pos`` replaced by ``src`` (written into ``base``'s memory through ``view``).

    Gradients: ``base`` gets the gradient with the region zeroed; ``src`` gets the gradient's region."""

    @staticmethod
    def forward(ctx: Any, base: Any, src: Any, view: Any, pos: Any) -> Any:
        ctx.info = (pos, base.array.shape)
        view.copy_(src)
        return base

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any, None, None]:
        pos, shape = ctx.info
        gb = gs = None
        if ctx.needs_input_grad[0]:
            xp = np if isinstance(pos, np.ndarray) else _cupy_of(pos)
            keep = xp.ones(math.prod(shape), dtype=bool)
            keep[pos.reshape(-1)] = False
            gb = g * tt.as_tensor(keep.reshape(shape)).to(g.dtype)
        if ctx.needs_input_grad[1]:
            gs = _index_value(g.reshape(-1), pos)
        return gb, gs, None, None


class AsStrided(BuiltinFunction):
    """A view of ``base`` re-derived after an in-place write: forward returns the existing ``view`` tensor (no
    copy); backward scatters the gradient into ``base``'s shape at ``pos`` (repeated positions accumulate)."""

    @staticmethod
    def forward(ctx: Any, base: Any, view: Any, pos: Any) -> Any:
        ctx.info = (pos, base.array.shape)
        return view

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None]:
        pos, shape = ctx.info
        return IndexGrad.apply(g, (math.prod(shape),), pos).reshape(shape), None, None


def _positions(w: Any, root: Any) -> Any:
    wx = w._extra
    pos = wx.pos
    if pos is None:
        pos = wx.pos = flat_index(root._data.array, w._data.array)
    return pos


def refresh_views(root: Any) -> None:
    """After ``root`` changed in place: every live view takes ``AsStrided(root)`` as its history."""
    rx = root._extra
    views = rx.views
    live = _ViewList()
    for r in list(views):
        w = r()
        if w is None or w._extra.base is not root:
            continue
        if root._rg:
            pos = _positions(w, root)
            if pos is None:  # root.data was replaced: the view no longer shares its memory
                w._extra.base = None
                continue
            out = AsStrided.apply(root, w._data, pos)
            w.grad_fn = out.grad_fn
            w._out_nr = 0
            w._rg = True
        live.append(r)
    live.limit = max(16, 2 * len(live))
    rx.views = live


def write_through(v: Any, base: Any, result: Any) -> Any:
    """``v`` (a view of ``base``) takes the values of ``result`` in place; ``base`` and its views get the history."""
    arr = v._data.array
    if any(s == 0 and n > 1 for n, s in zip(arr.shape, arr.strides)):
        raise RuntimeError(OVERLAP)
    pos = _positions(v, base)
    if pos is None:  # no longer a view of base (its .data was replaced): an ordinary in-place op
        v._extra.base = None
        v.data.copy_(result.data)
        v.grad_fn = result.grad_fn
        v._out_nr = result._out_nr
        v._rg = result._rg
        return v
    out = CopySlices.apply(base, result, v._data, pos)
    base.grad_fn = out.grad_fn
    base._out_nr = 0
    base._rg = out._rg
    refresh_views(base)
    return v
