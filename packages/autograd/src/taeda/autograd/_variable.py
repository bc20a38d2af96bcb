"""``Variable``: a Tensor plus what autograd needs (``grad``, ``grad_fn``, ``requires_grad``), in ``__slots__``.

The differentiable operations (operators, methods, indexing) come from ``VariableOps`` (``_variable_ops``); this
module holds the state, the graph-related API (``backward``, hooks, ``detach``, ``retain_grad``) and conversions.
"""

from __future__ import annotations

import builtins
import warnings
import weakref
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import numpy as _np

import taeda.tensor as tt
from taeda.autograd import _fast
from taeda.autograd._extra import _Extra
from taeda.autograd._function import AccumulateGrad, RemovableHandle, _add_hook, check_hook_result
from taeda.autograd._variable_more import MoreOps
from taeda.autograd._variable_ops import VariableOps
from taeda.autograd._variable_special import SpecialOps

_Tensor = tt.Tensor


class Variable(VariableOps, MoreOps, SpecialOps):
    """A differentiable wrapper of a ``taeda.tensor.Tensor``.

    Args:
        data: the Tensor (a Variable's data, or an ndarray/sequence, is converted).
        requires_grad: whether operations on it record a graph (floating point dtypes only).

    Example::

        >>> x = Variable(tt.ones(2, 2), requires_grad=True)
        >>> y = x + 2; z = y * y * 3; out = z.mean()
        >>> out.backward()
        >>> x.grad
        Variable containing:
        tensor([[4.5000, 4.5000],
                [4.5000, 4.5000]])
    """

    __slots__ = ("__weakref__", "_acc", "_data", "_extra", "_grad", "_out_nr", "_rg", "grad_fn")

    _data: tt.Tensor
    _grad: Variable | None
    grad_fn: Any
    _rg: bool
    _out_nr: int
    _acc: AccumulateGrad | None
    _extra: _Extra | None

    def __init__(self, data: Any = None, requires_grad: bool = False, volatile: bool = False) -> None:
        if isinstance(data, Variable):
            data = data._data
        elif data is None:
            data = tt.tensor([])
        elif not isinstance(data, _Tensor):
            data = tt.as_tensor(data) if hasattr(data, "dtype") and hasattr(data, "shape") else tt.tensor(data)
        self._data = data
        self._grad = None
        self.grad_fn = None
        self._out_nr = 0
        self._acc = None
        self._extra = None
        self._rg = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, data: Any, grad_fn: Any = None, out_nr: int = 0) -> Variable:
        """A Variable around ``data`` without checks (internal fast constructor)."""
        v = _new(Variable)
        v._data = data
        v._grad = None
        v.grad_fn = grad_fn
        v._out_nr = out_nr
        v._acc = None
        v._extra = None
        v._rg = grad_fn is not None
        return v

    # ---------------------------------------------------------------- data and autograd state
    @property
    def data(self) -> tt.Tensor:
        """The Tensor holding the values (outside the graph). Assigning a Tensor (or a Variable: its Tensor)
        replaces it without recording anything; anything else is a ``TypeError``, as in PyTorch."""
        return self._data

    @data.setter
    def data(self, value: tt.Tensor) -> None:
        if not isinstance(value, _Tensor):
            if not isinstance(value, Variable):
                raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
            value = value._data
        self._data = value
        ex = self._extra
        if ex is not None and ex.base is not None:  # new memory: no longer a view of its base
            ex.base = None
            ex.pos = None

    @property
    def grad(self) -> Variable | None:
        """The accumulated gradient (``None`` until a backward pass reaches this leaf, or after ``retain_grad``
        for a non-leaf; reading a non-leaf's ``None`` without ``retain_grad`` warns, as in PyTorch). Assigning
        checks, as PyTorch does, that the value is a Variable (a Tensor is wrapped) or ``None`` with this
        Variable's shape and dtype."""
        g = self._grad
        if g is None and self.grad_fn is not None:
            ex = self._extra
            if ex is None or not ex.retains_grad:
                warnings.warn(NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            if not isinstance(value, Variable):
                if not isinstance(value, _Tensor):
                    raise TypeError(
                        f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}"
                    )
                value = Variable._wrap(value)
            data = self._data
            if value._data.shape != data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor of size "
                    f"'{list(data.shape)}'. Please ensure that the gradient and the tensor are the same size"
                )
            if value._data.dtype != data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value._data.dtype}' to a tensor with dtype "
                    f"'{data.dtype}'. The gradient must match the tensor's dtype"
                )
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this Variable (settable on leaves only)."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            if value:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable "
                "in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if value and self._data.array.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Variable:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for Variables created by the user (no ``grad_fn``)."""
        return self.grad_fn is None

    @property
    def output_nr(self) -> int:
        return self._out_nr

    @property
    def _version(self) -> int:
        return int(self._data._version)

    def _accumulator(self) -> AccumulateGrad:
        acc = self._acc
        if acc is None:
            acc = self._acc = AccumulateGrad(self)
        return acc

    def _edge(self) -> tuple[Any, int]:
        fn = self.grad_fn
        return (self._accumulator(), 0) if fn is None else (fn, self._out_nr)

    # ---------------------------------------------------------------- backward and hooks
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Sequence[Variable] | None = None,
    ) -> None:
        """Accumulate the gradient of this Variable into the ``.grad`` of the leaves it depends on.

        Example::

            >>> x = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
            >>> (x * x).sum().backward()
            >>> x.grad.tolist()
            [2.0, 4.0]
        """
        if gradient is None and not create_graph and inputs is None and self._rg:
            arr = self._data.array
            if arr.size == 1:  # the common case, a scalar loss: skip the general argument handling
                fn = self.grad_fn
                edge = (self._accumulator(), 0) if fn is None else (fn, self._out_nr)
                shared = arr.__class__ is _np.ndarray and not arr.ndim and fn is not None and fn._builtin
                ones = _ONES.get(arr.dtype) if shared else None  # built-in backwards never write into it
                if ones is None:
                    one = self._data.device.xp.array(1, dtype=arr.dtype)
                    ones = tt.as_tensor(one.reshape(arr.shape) if arr.ndim else one)
                _engine.run_backward([edge], [ones], bool(retain_graph), False)
                return
        from taeda.autograd._api import backward

        backward([self], None if gradient is None else [gradient], retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook: Callable[[Variable], Variable | None]) -> RemovableHandle:
        """Call ``hook(grad)`` whenever the gradient with respect to this Variable is computed; a returned value
        replaces the gradient. Returns a handle with ``remove()``.

        Example::

            >>> h = x.register_hook(lambda g: g * 2)
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = self.grad_fn
        if fn is None:
            ex = self._extra
            if ex is None:
                ex = self._extra = _Extra()
            if ex.hooks is None:
                ex.hooks = {}
            return _leaf_hook(ex.hooks, hook)
        return _add_hook(fn, "var", hook, self._out_nr)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Variable], None]) -> RemovableHandle:
        """Call ``hook(self)`` after a backward pass has accumulated a gradient into this leaf's ``.grad`` (its
        return value is ignored; it may e.g. step an optimizer or set ``.grad`` to ``None``). Leaves only.

        Example::

            >>> h = w.register_post_accumulate_grad_hook(lambda p: print(p.grad))
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        ex = self._extra
        if ex is None:
            ex = self._extra = _Extra()
        if ex.post_hooks is None:
            ex.post_hooks = {}
        return _leaf_hook(ex.post_hooks, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf Variable after backward (leaves always keep theirs)."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self.grad_fn
        if fn is None:
            return
        ex = self._extra
        if ex is None:
            ex = self._extra = _Extra()
        if ex.retains_grad:
            return
        ex.retains_grad = True
        ref = weakref.ref(self)

        def retain(g: Any) -> None:
            v = ref()
            if v is None:
                return
            if v._grad is None:
                v._grad = g.clone() if isinstance(g, Variable) and not g._rg else _as_variable(g.clone())
            else:
                v._grad = v._grad + g

        hooks = fn._hooks
        if hooks is None:
            hooks = fn._hooks = {}
        hooks.setdefault(("retain", self._out_nr), {})[0] = retain

    @property
    def retains_grad(self) -> bool:
        ex = self._extra
        return ex is not None and ex.retains_grad

    def detach(self) -> Variable:
        """A new leaf Variable sharing this one's data, outside the graph (``requires_grad=False``)."""
        return Variable._wrap(self._data)

    def detach_(self) -> Variable:
        """Detach this Variable from the graph in place: it becomes a leaf that does not require grad. Refused for
        a view (as in PyTorch: use ``detach()``)."""
        ex = self._extra
        if ex is not None and ex.base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._out_nr = 0
        self._rg = False
        return self

    # ---------------------------------------------------------------- conversions and attributes
    @property
    def shape(self) -> Any:
        return self._data.shape

    def size(self, dim: int | None = None) -> Any:
        return self._data.size() if dim is None else self._data.size(dim)

    @property
    def dtype(self) -> Any:
        return self._data.dtype

    @property
    def device(self) -> Any:
        return self._data.device

    @property
    def ndim(self) -> int:
        return int(self._data.ndim)

    def dim(self) -> int:
        return int(self._data.ndim)

    def ndimension(self) -> int:
        return int(self._data.ndim)

    def numel(self) -> int:
        return int(self._data.numel())

    def nelement(self) -> int:
        return int(self._data.numel())

    def element_size(self) -> int:
        return int(self._data.element_size())

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    @property
    def is_cuda(self) -> bool:
        return bool(self._data.is_cuda)

    def is_contiguous(self) -> bool:
        return bool(self._data.is_contiguous())

    def is_floating_point(self) -> bool:
        return bool(self._data.is_floating_point())

    def stride(self, dim: int | None = None) -> Any:
        return self._data.stride() if dim is None else self._data.stride(dim)

    def data_ptr(self) -> int:
        return int(self._data.data_ptr())

    def item(self) -> float | int | bool:
        """The single value as a Python number."""
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> Any:
        """The data as a NumPy array (shares memory); refused while the Variable requires grad."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data.numpy(force=force) if force else self._data.numpy()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        if self._rg:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data.__array__(dtype) if dtype is not None else self._data.__array__()

    def type(self, dtype: Any = None) -> Any:
        if dtype is None:
            return self._data.type().replace("Tensor", "Tensor")
        return self.to(dtype)

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Any:
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._data)

    def __int__(self) -> int:
        return int(self._data)

    def __index__(self) -> int:
        return self._data.__index__()

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        text = repr(self._data)
        extra = ""
        if self.grad_fn is not None:
            extra = f", grad_fn=<{self.grad_fn.name()}>"
        elif self._rg:
            extra = ", requires_grad=True"
        if extra and text.endswith(")"):
            return text[:-1] + extra + ")"
        return text

    def __format__(self, spec: str) -> str:
        return format(self._data, spec)

    def __deepcopy__(self, memo: dict[int, Any]) -> Variable:
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol"
            )
        v = type(self).__new__(type(self))
        Variable.__init__(v, self._data.clone(), requires_grad=self._rg)
        if type(self) is not Variable and hasattr(self, "__dict__"):
            import copy

            v.__dict__.update(copy.deepcopy(self.__dict__, memo))
        if self.grad is not None:
            v.grad = Variable._wrap(self.grad._data.clone())
        memo[id(self)] = v
        return v

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild, (self._data, self._rg))

    def __taeda_function__(
        self, func: Callable[..., Any], types: tuple[builtins.type, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        from taeda.autograd._dispatch import dispatch

        return dispatch(func, args, kwargs)


_new = object.__new__

NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you "
    "access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)


# the implicit root gradient of a scalar loss, per dtype (0-d, read-only)
_ONES = _fast.ONES


def _rebuild(data: Any, requires_grad: bool) -> Variable:
    return Variable(data, requires_grad=requires_grad)


def _as_variable(x: Any) -> Variable:
    return x if isinstance(x, Variable) else Variable._wrap(x)


_leaf_ids = iter(range(1, 1 << 62))


def _leaf_hook(table: dict[int, Callable[..., Any]], fn: Callable[..., Any]) -> RemovableHandle:
    hid = next(_leaf_ids)
    table[hid] = fn
    return RemovableHandle(table, hid)


def _leaf_hooks(v: Variable, g: Any, create_graph: bool) -> Any:
    """``g`` after the tensor hooks of the leaf ``v`` (each may return a replacement)."""
    ex = v._extra
    if ex is not None and ex.hooks:
        for fn in list(ex.hooks.values()):
            r = fn(g if isinstance(g, Variable) else Variable._wrap(g))
            if r is not None:
                check_hook_result(fn, g, r)
                g = r if create_graph else (r.data if isinstance(r, Variable) else r)
    return g


def _accumulate(self: AccumulateGrad, g: Any, owned: int, create_graph: bool) -> None:
    """AccumulateGrad's work: run the leaf's hooks, store or add ``g`` into ``leaf.grad``, then run its
    post-accumulate-grad hooks."""
    v = self._var()
    if v is None:
        return
    ex = v._extra
    if ex is not None and ex.hooks:
        h = _leaf_hooks(v, g, create_graph)
        if h is not g:
            g = h
            owned = 0
    if create_graph:
        gv = g if isinstance(g, Variable) else Variable._wrap(g)
        cur = v._grad
        v._grad = gv if cur is None else cur + gv
    else:
        cur = v._grad
        if cur is None:
            v._grad = Variable._wrap(g if owned else g.clone())
        else:  # in place, also into a .grad that requires grad (it keeps requires_grad, as in PyTorch)
            cur._data.add_(g)
    if ex is not None and ex.post_hooks:
        for fn in list(ex.post_hooks.values()):
            fn(v)


AccumulateGrad._accumulate = _accumulate  # type: ignore[attr-defined]

_fast._V = Variable

# reads of ``Variable.data`` through a C getter (a third of a Python property's cost); assignments are checked
_DATA = "data"
setattr(
    Variable, _DATA, property(attrgetter("_data"), Variable.__dict__[_DATA].fset, doc=Variable.__dict__[_DATA].__doc__)
)


from taeda.autograd import _engine  # noqa: E402  (a module reference: the engine imports Variable)
