"""In-place operations of ``Variable`` (``add_``, ``mul_``, ``zero_``, ``__setitem__``'s write, ...) and PyTorch's
rules for them: run on the data directly when nothing is recorded (``no_grad``, nothing requires grad), refuse
leaves and views of leaves that require grad, otherwise compute out of place on a copy of the old values and make
the Variable take over the result's values and history (``_rebase``; a view writes through to its base, see
``_views``).
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import taeda.tensor as tt
from taeda.autograd import _views
from taeda.autograd._grad_mode import _state

if TYPE_CHECKING:
    from taeda.autograd._variable import Variable

_Tensor = tt.Tensor
_new = object.__new__


def _plain(x: Any) -> Any:
    """The Tensor of a Variable, anything else unchanged."""
    d = getattr(x, "data", None)
    return d if isinstance(d, _Tensor) and not isinstance(x, _Tensor) else x


class InplaceOps:
    """Mixin of ``Variable``'s in-place methods."""

    __slots__ = ()
    data: tt.Tensor
    _rg: bool
    grad_fn: Any
    _out_nr: int

    def _inplace(self, method: str, op: Any, *args: Any, **kwargs: Any) -> Variable:
        """Run ``method`` on the data when nothing is recorded; otherwise ``op(shadow)`` out of place on a copy
        of the values that shares this Variable's history (what it saves stays valid when the result is then
        written into this Variable's memory, as PyTorch's saved ``original_self``), and rebase onto the result."""
        if _direct(self, *args):
            getattr(self.data, method)(*[_plain(a) for a in args], **{k: _plain(v) for k, v in kwargs.items()})
            return self  # type: ignore[return-value]
        return _rebase(self, op(_shadow(self)))  # type: ignore[no-any-return]

    def add_(self, other: Any, *, alpha: Any = 1) -> Variable:
        return self._inplace("add_", lambda s: s.add(other, alpha=alpha), other, alpha=alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Variable:
        return self._inplace("sub_", lambda s: s.sub(other, alpha=alpha), other, alpha=alpha)

    def mul_(self, other: Any) -> Variable:
        return self._inplace("mul_", lambda s: s * other, other)

    def div_(self, other: Any) -> Variable:
        return self._inplace("div_", lambda s: s / other, other)

    def pow_(self, exponent: Any) -> Variable:
        return self._inplace("pow_", lambda s: s**exponent, exponent)

    def neg_(self) -> Variable:
        return self._inplace("neg_", lambda s: -s)

    def exp_(self) -> Variable:
        return self._inplace("exp_", lambda s: s.exp())

    def log_(self) -> Variable:
        return self._inplace("log_", lambda s: s.log())

    def sqrt_(self) -> Variable:
        return self._inplace("sqrt_", lambda s: s.sqrt())

    def abs_(self) -> Variable:
        return self._inplace("abs_", lambda s: s.abs())

    def sigmoid_(self) -> Variable:
        return self._inplace("sigmoid_", lambda s: s.sigmoid())

    def tanh_(self) -> Variable:
        return self._inplace("tanh_", lambda s: s.tanh())

    def relu_(self) -> Variable:
        return self._inplace("clamp_", lambda s: s.relu(), 0)

    def clamp_(self, min: Any = None, max: Any = None) -> Variable:
        return self._inplace("clamp_", lambda s: s.clamp(min, max), min, max)

    clip_ = clamp_

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Variable:
        return self._inplace("addcmul_", lambda s: s + tensor1 * tensor2 * value, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Variable:
        return self._inplace("addcdiv_", lambda s: s + tensor1 / tensor2 * value, tensor1, tensor2, value=value)

    def lerp_(self, end: Any, weight: Any) -> Variable:
        return self._inplace("lerp_", lambda s: s.lerp(end, weight), end, weight)

    def masked_fill_(self, mask: Any, value: Any) -> Variable:
        return self._inplace("masked_fill_", lambda s: s.masked_fill(mask, value), mask, value)

    def copy_(self, src: Any, non_blocking: builtins.bool = False) -> Variable:
        return self._inplace("copy_", lambda s: s * 0 + src, src)

    def zero_(self) -> Variable:
        return self._inplace("zero_", lambda s: s * 0)

    def fill_(self, value: Any) -> Variable:
        return self._inplace("fill_", lambda s: s * 0 + value, value)

    def uniform_(self, a: builtins.float = 0.0, b: builtins.float = 1.0, *, generator: Any = None) -> Variable:
        _check_leaf_inplace(self)
        self.data.uniform_(a, b, generator=generator)
        return self  # type: ignore[return-value]

    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *, generator: Any = None) -> Variable:
        _check_leaf_inplace(self)
        self.data.normal_(mean, std, generator=generator)
        return self  # type: ignore[return-value]

    def __iadd__(self, other: Any) -> Variable:
        return self.add_(other)

    def __isub__(self, other: Any) -> Variable:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Variable:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Variable:
        return self.div_(other)

    def __ipow__(self, other: Any) -> Variable:
        return self.pow_(other)


LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def _check_leaf_inplace(v: Any) -> None:
    if _state.enabled:
        if v._rg and v.grad_fn is None:
            raise RuntimeError(LEAF_INPLACE)
        ex = v._extra
        if ex is not None and ex.base is not None:
            _views.check_view_write(v, ex.base)


def _direct(v: Any, *args: Any) -> bool:
    """True when an in-place op can run on the data without recording (nothing to differentiate)."""
    if not _state.enabled:
        return True
    ex = v._extra
    if ex is not None and ex.base is not None:
        _views.check_view_write(v, ex.base)
    if v._rg:
        if v.grad_fn is None:
            raise RuntimeError(LEAF_INPLACE)
        return False
    return not any(getattr(a, "_rg", False) is True for a in args)


def _shadow(v: Any) -> Any:
    """A Variable holding a copy of ``v``'s values with ``v``'s place in the graph."""
    s = _new(type(v))
    s._data = v._data.clone()
    s._grad = None
    s.grad_fn = v.grad_fn
    s._out_nr = v._out_nr
    s._acc = None
    s._extra = None
    s._rg = v._rg
    return s


def _rebase(v: Any, result: Any) -> Any:
    """Make ``v`` hold ``result`` in place: copy the values into ``v.data`` and take over its history. A view
    writes through to its root (``_views.write_through``); a root with live views re-derives them."""
    ex = v._extra
    if ex is not None:
        if ex.base is not None:
            return _views.write_through(v, ex.base, result)
        v.data.copy_(result.data)
        v.grad_fn = result.grad_fn
        v._out_nr = result._out_nr
        v._rg = result._rg
        if ex.views:
            _views.refresh_views(v)
        return v
    v.data.copy_(result.data)
    v.grad_fn = result.grad_fn
    v._out_nr = result._out_nr
    v._rg = result._rg
    return v
