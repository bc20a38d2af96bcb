"""``Function`` (the base class of every differentiable op) and the graph nodes its calls record.

A call ``F.apply(*args)`` unwraps Variables to their Tensors, runs ``F.forward(ctx, *tensors)`` and, when some input
requires grad and grad mode is on, returns Variables whose ``grad_fn`` is ``ctx``: an instance of the node class
``F`` owns (named ``FBackward``). The node holds the edges to its inputs' nodes, the tensors the forward saved and
their versions; ``F.backward(ctx, *grads)`` runs on it in the backward pass (see ``_engine``).
"""

from __future__ import annotations

import functools
import itertools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import taeda.tensor as tt
from taeda.autograd._grad_mode import _state, no_grad

_Tensor = tt.Tensor

if TYPE_CHECKING:
    from taeda.autograd._variable import Variable

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward."
)


def _describe(t: Any) -> str:
    type_name = getattr(t, "type", None)
    name = type_name() if callable(type_name) else str(t.dtype)
    return f"[{name} {list(t.shape)}]"


class Node:
    """A node of the backward graph; for ``Function``s it is also the ``ctx`` passed to forward and backward."""

    __slots__ = (
        "__dict__",
        "__weakref__",
        "_buf",
        "_freed",
        "_gen",
        "_hooks",
        "_materialize",
        "_next",
        "_non_diff",
        "_out_meta",
        "_owned",
        "_saved",
        "_saved_src",
        "_saved_versions",
        "_seq",
        "_to_save",
        "info",
        "needs_input_grad",
    )

    _next: tuple[Any, ...]
    needs_input_grad: tuple[bool, ...]
    _to_save: tuple[Any, ...] | None
    _saved: tuple[Any, ...] | None
    _saved_versions: tuple[int, ...]
    _saved_src: Any
    _non_diff: tuple[Any, ...] | None
    _out_meta: tuple[tuple[Any, Any], ...]
    _freed: bool
    _hooks: dict[Any, Any] | None
    _gen: int
    _seq: int
    _buf: Any
    _owned: int
    _materialize: bool
    info: Any
    _builtin: ClassVar[bool] = False
    # True when the node's gradients always have exactly its inputs' shapes and dtypes (the fast elementwise
    # nodes): the engine then skips their validation, except into leaves (whose ``.data`` may have been replaced)
    _exact: ClassVar[bool] = False

    def name(self) -> str:
        """The node's class name, e.g. ``MulBackward``."""
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """``(node, output_nr)`` per forward input; ``(None, 0)`` for inputs that do not require grad."""
        return tuple((None, 0) if e is None else e for e in self._next if e is not False)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    # ---------------------------------------------------------------- ctx API used inside forward / backward
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (Tensors or None) for ``backward``; read them back with ``ctx.saved_tensors``."""
        self._to_save = tensors

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare forward outputs (Tensors) that get no gradient, e.g. indices; they never require grad."""
        self._non_diff = outputs

    def set_materialize_grads(self, value: bool) -> None:
        """With ``False``, ``backward`` receives None (not zeros) for outputs that got no gradient."""
        self._materialize = bool(value)

    def mark_dirty(self, *tensors: Any) -> None:
        """Accepted for compatibility with PyTorch's ctx; in-place forwards are versioned by the tensor itself."""
        self.__dict__["_dirty"] = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to ``save_for_backward``: Tensors in an ordinary backward, Variables (connected to
        the graph, so that they can be differentiated again) when grad mode is on, i.e. with ``create_graph=True``.
        """
        saved = self._saved
        if saved is None:
            if self._freed:
                raise RuntimeError(FREED_MESSAGE)
            pending = self._to_save
            return () if pending is None else pending
        i = 0
        for v in self._saved_versions:
            t = saved[i]
            if t is not None and t._version != v:
                raise RuntimeError(self._version_message(i, t))
            i += 1  # noqa: SIM113 - hot path: no enumerate object
        if not _state.enabled:
            return saved
        return tuple(self._unpack(i, t) for i, t in enumerate(saved))

    @property
    def saved_variables(self) -> tuple[Any, ...]:
        """Alias of ``saved_tensors`` (PyTorch's old name)."""
        return self.saved_tensors

    def _unpack(self, i: int, t: Any) -> Any:
        from taeda.autograd._variable import Variable

        if t is None:
            return None
        src = self._saved_src[i]
        if src is None:
            return Variable._wrap(t)
        if type(src) is int:
            return Variable._wrap(t, self, src)
        if src._data is not t:  # the input Variable's .data was replaced after forward: use the saved tensor
            return Variable._wrap(t)
        return src

    def _version_message(self, i: int, t: Any) -> str:
        src = self._saved_src[i]
        if type(src) is int:
            origin = f"output {src} of {_op_name(self.name())}"
        elif src is not None and src.grad_fn is not None:
            origin = f"output {src._out_nr} of {_op_name(src.grad_fn.name())}"
        elif src is not None:
            origin = "a leaf Variable"
        else:
            origin = "a tensor saved as a constant"
        return (
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{_describe(t)}, which is {origin}, is at version {t._version}; expected version "
            f"{self._saved_versions[i]} instead. It was saved for backward by {self.name()}. Hint: the operation "
            "that failed to compute its gradient is "
            f"{self.name()}; make a copy (.clone()) before modifying it in place."
        )

    def _release(self) -> None:
        if self._saved is not None:
            self._saved = None
            self._saved_src = None
            self._freed = True

    # ---------------------------------------------------------------- hooks
    def register_hook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward (a post hook, as in PyTorch); a
        returned tuple replaces the grad_inputs."""
        return _add_hook(self, "post", fn)

    def register_prehook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """Call ``fn(grad_outputs)`` before this node's backward; a returned tuple replaces the gradients."""
        return _add_hook(self, "pre", fn)

    def __call__(self, *grads: Any) -> Any:
        return self._run_backward(list(grads))

    def _run_backward(self, grads: list[Any]) -> Any:
        raise RuntimeError(f"{self.name()} cannot be called")

    def _fbw(self, buf: list[Any]) -> tuple[Any, ...] | None:
        """The engine's call: the gradients (one per ``_next`` edge) from the gradients of the outputs in ``buf``,
        None when no output got a gradient (then the node's inputs get none either)."""
        raise RuntimeError(f"{self.name()} cannot be called")

    _gbw = _fbw  # the same with ``create_graph=True`` (grads are Variables and grad mode is on)


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_key")

    def __init__(self, hooks: dict[int, Any], key: int) -> None:
        self._hooks: dict[int, Any] | None = hooks
        self._key = key

    def remove(self) -> None:
        if self._hooks is not None:
            self._hooks.pop(self._key, None)
            self._hooks = None


_hook_ids = iter(range(1, 1 << 62))


def _add_hook(node: Node, kind: str, fn: Callable[..., Any], output_nr: int = 0) -> RemovableHandle:
    hooks = node._hooks
    if hooks is None:
        hooks = node._hooks = {}
    key = (kind, output_nr) if kind == "var" else kind
    table: dict[int, Any] = hooks.setdefault(key, {})
    hid = next(_hook_ids)
    table[hid] = fn
    return RemovableHandle(table, hid)


def check_hook_result(fn: Any, g: Any, r: Any) -> None:
    """A tensor hook's replacement gradient must keep the gradient's size and dtype (PyTorch's messages)."""
    name = getattr(fn, "__name__", type(fn).__name__)
    if tuple(r.shape) != tuple(g.shape):
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    if r.dtype != g.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {g.type()} got {r.type()})")


def _op_name(node_name: str) -> str:
    """The operation's name as PyTorch's messages give it: ``MulBackward`` -> ``Mul``."""
    return node_name[: -len("Backward")] if node_name.endswith("Backward") else node_name


class BackwardNode(Node):
    """The node recorded by ``Function.apply``; ``backward`` runs ``Function.backward(self, *grads)``."""

    __slots__ = ()
    _forward_cls: ClassVar[type[Function]]

    def _run_backward(self, grads: list[Any]) -> Any:
        return self._forward_cls.backward(self, *grads)

    def _fbw(self, buf: list[Any]) -> tuple[Any, ...] | None:
        if len(buf) == 1:
            g0 = buf[0]
            if g0 is None:
                return None
            outs = self._forward_cls.backward(self, g0)
        elif not _materialize(self, buf):
            return None
        else:
            outs = self._forward_cls.backward(self, *buf)
        if outs.__class__ is not tuple:
            outs = (outs,)
        if len(outs) != len(self._next):
            outs = _fix_count(self, outs)
        return outs  # type: ignore[no-any-return]

    _gbw = _fbw


def _check_dirty(dirty: tuple[Any, ...], args: tuple[Any, ...]) -> None:
    """``mark_dirty`` on the data of a leaf that requires grad (or a view of one): refused, as any in-place write
    to it."""
    for a in args:
        if isinstance(a, _Variable) and any(t is a._data or t is a for t in dirty):
            if a._rg and a.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
            ex = a._extra
            if ex is not None and ex.base is not None:
                from taeda.autograd._views import check_view_write

                check_view_write(a, ex.base)


def _adopt_dirty(v: Any, dirty: tuple[Any, ...], args: tuple[Any, ...]) -> Any:
    """An output that is a ``mark_dirty`` input modified in place: return that input Variable itself, now with the
    new node as its history (as PyTorch does), so later uses of the input differentiate through the in-place op;
    a view passes the history on to its base (and the base's other views), as built-in in-place ops do."""
    if v is None:
        return v
    t = v._data
    if not any(d is t or (isinstance(d, _Variable) and d._data is t) for d in dirty):
        return v
    for a in args:
        if isinstance(a, _Variable) and a._data is t:
            ex = a._extra
            if ex is not None and (ex.base is not None or ex.views):
                from taeda.autograd._variable_inplace import _rebase

                return _rebase(a, v)
            a.grad_fn = v.grad_fn  # the data already holds the new values (and was versioned by the write)
            a._out_nr = v._out_nr
            a._rg = v._rg
            return a
    return v


def _materialize(node: Node, buf: list[Any]) -> bool:
    """Replace missing gradients of a multi-output node by zeros; False when there is no gradient at all."""
    present = [g for g in buf if g is not None]
    if not present:
        return False
    if len(present) != len(buf) and getattr(node, "_materialize", True):
        ref = present[0]
        for k, g in enumerate(buf):
            if g is None:
                shape, dtype = node._out_meta[k]
                if shape is not None:
                    buf[k] = ref.new_zeros(shape, dtype=dtype)
    return True


def _fix_count(node: Node, outs: tuple[Any, ...]) -> tuple[Any, ...]:
    n = len(node._next)
    if len(outs) > n and all(o is None for o in outs[n:]):
        return outs[:n]
    raise RuntimeError(
        f"function {node.name()} returned an incorrect number of gradients (expected {n}, got {len(outs)})"
    )


class AccumulateGrad(Node):
    """The node of a leaf Variable that requires grad: adds incoming gradients into ``variable.grad``."""

    __slots__ = ("_var",)

    def __init__(self, var: Variable) -> None:
        self._var = weakref.ref(var)
        self._next = ()
        self.needs_input_grad = ()
        self._saved = None
        self._freed = False
        self._hooks = None
        self._gen = 0
        self._seq = _next_leaf_seq()  # after every other node: a leaf's node sends no gradient on
        self._buf = None
        self._owned = 0
        self._refresh()

    @property
    def variable(self) -> Variable | None:
        """The leaf this node accumulates into (None once that leaf was garbage-collected)."""
        return self._var()

    def _refresh(self) -> None:
        """Read the leaf's current shape and dtype (its ``.data`` may have been replaced) before a backward."""
        v = self._var()
        if v is None:
            self._out_meta = ((None, None),)
        else:
            arr = v._data.array
            self._out_meta = ((arr.shape, arr.dtype),)


class _FunctionMeta(type):
    """Gives each ``Function`` subclass its own node class ``<Name>Backward`` (as PyTorch does)."""

    def __init__(cls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> None:
        super().__init__(name, bases, ns)
        node_name = name if name.endswith("Backward") else name + "Backward"
        cls._backward_cls = type(
            node_name,
            (BackwardNode,),
            {"__slots__": (), "_forward_cls": cls, "_builtin": bool(getattr(cls, "_builtin", False))},
        )


class Function(metaclass=_FunctionMeta):
    """Base class of differentiable operations, built-in and user-defined alike.

    Subclasses define ``forward(ctx, *args)`` (receives Tensors, Variables unwrapped, and returns a Tensor or a
    tuple of Tensors) and ``backward(ctx, *grad_outputs)`` (returns one gradient or None per forward input), as
    static methods or plain functions; call ``MyFn.apply(*args)`` (or, in the old style, ``MyFn()(*args)``).

    Example::

        >>> class MyReLU(Function):
        ...     @staticmethod
        ...     def forward(ctx, input):
        ...         ctx.save_for_backward(input)
        ...         return input.clamp(min=0)
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         input, = ctx.saved_tensors
        ...         grad_input = grad_output.clone()
        ...         grad_input[input < 0] = 0
        ...         return grad_input
        >>> y = MyReLU.apply(x)
    """

    _backward_cls: ClassVar[type[BackwardNode]]

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise RuntimeError("You must implement the backward function for custom autograd.Function.")

    def __call__(self, *args: Any) -> Any:
        return type(self).apply(*args)

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run ``forward`` on the unwrapped arguments; record a node when an input requires grad."""
        var = _Variable
        n = len(args)
        if n == 1:
            a = args[0]
            # tuples (not lists) in the one- and two-argument paths: ``*targs`` and ``_next`` take them as they are
            if isinstance(a, var):
                targs: Any = (a._data,)
                if a._rg:
                    fn = a.grad_fn
                    if fn is None:
                        acc = a._acc
                        edges: Any = ((a._accumulator() if acc is None else acc, 0),)
                    else:
                        edges = ((fn, a._out_nr),)
                    needs: Any = _NEEDS_1
                else:
                    edges = (None,)
                    needs = None
            else:
                targs = (a,)
                edges = (None if isinstance(a, _Tensor) else False,)
                needs = None
        elif n == 2:
            a, b = args
            needs = None
            if isinstance(a, var):
                ta = a._data
                if a._rg:
                    fn = a.grad_fn
                    if fn is None:
                        acc = a._acc
                        ea: Any = (a._accumulator() if acc is None else acc, 0)
                    else:
                        ea = (fn, a._out_nr)
                    needs = _NEEDS_TF
                else:
                    ea = None
            else:
                ta = a
                ea = None if isinstance(a, _Tensor) else False
            if isinstance(b, var):
                tb = b._data
                if b._rg:
                    fn = b.grad_fn
                    if fn is None:
                        acc = b._acc
                        eb: Any = (b._accumulator() if acc is None else acc, 0)
                    else:
                        eb = (fn, b._out_nr)
                    needs = _NEEDS_TT if needs is not None else _NEEDS_FT
                else:
                    eb = None
            else:
                tb = b
                eb = None if isinstance(b, _Tensor) else False
            targs = (ta, tb)
            edges = (ea, eb)
        else:
            targs = list(args)
            edges = list(args)
            flags = [False] * n
            needs = None
            i = 0
            for a in args:
                if isinstance(a, var):
                    targs[i] = a._data
                    if a._rg:
                        needs = flags
                        flags[i] = True
                        fn = a.grad_fn
                        if fn is None:
                            acc = a._acc
                            edges[i] = (a._accumulator() if acc is None else acc, 0)
                        else:
                            edges[i] = (fn, a._out_nr)
                    else:
                        edges[i] = None
                else:
                    edges[i] = None if isinstance(a, _Tensor) else False
                i += 1  # noqa: SIM113
        node = _new(cls._backward_cls)
        node._to_save = None
        node._non_diff = None
        if needs is None or not _state.enabled:
            node.needs_input_grad = _NO_NEEDS[n] if n < 8 else (False,) * n
            out = cls.forward(node, *targs)
            wrap = var._wrap
            if type(out) is tuple:
                outs = tuple(None if o is None else wrap(o._data if isinstance(o, var) else o) for o in out)
                for o in outs:
                    if o is not None and o._data._vc is not None:
                        _note_view(o, o._data, args)
                return outs
            v = wrap(out._data if isinstance(out, var) else out)
            if v._data._vc is not None:  # shares memory with an input: a view (see ``_views``)
                _note_view(v, v._data, args)
            return v
        node.needs_input_grad = needs if needs.__class__ is tuple else tuple(needs)
        node._next = edges if edges.__class__ is tuple else tuple(edges)
        node._freed = False
        node._hooks = None
        node._gen = 0  # the engine (re)initialises _buf/_owned when it first reaches a node
        node._seq = _next_seq()
        dirty = None
        if node._builtin:  # taeda's own forwards compute on Tensors only: grad mode cannot matter
            out = cls.forward(node, *targs)
        else:
            state = _state
            state.enabled = False
            try:
                out = cls.forward(node, *targs)
            finally:
                state.enabled = True
            dirty = node.__dict__.get("_dirty")
            if dirty is not None:
                _check_dirty(dirty, args)
        if type(out) is not tuple:
            if isinstance(out, var):
                out = out._data
            arr = out.array
            dt = arr.dtype
            node._out_meta = ((arr.shape, dt),)
            v = _new(var)
            v._data = out
            v._grad = None
            v._acc = None
            v._extra = None
            v._out_nr = 0
            nd = node._non_diff
            if dt.kind in "fc" and (nd is None or not _contains(nd, out)):
                v.grad_fn = node
                v._rg = True
            else:
                v.grad_fn = None
                v._rg = False
            saved = node._to_save
            if saved is None:
                node._saved = None
            else:
                _keep(node, saved, targs, args, (out,))
            if out._vc is not None:  # shares memory with an input: a view (see ``_views``)
                _note_view(v, out, args)
            return v if dirty is None else _adopt_dirty(v, dirty, args)
        res = _wrap_outputs(node, out, targs, args)
        return res if dirty is None else tuple(_adopt_dirty(o, dirty, args) for o in res)


_new = object.__new__
# creation order of the nodes, decreasing: a node's inputs always have larger numbers than the node, so the engine
# runs nodes by increasing number (newest first) and each one after every node that sends it a gradient
_next_seq = itertools.count(-1, -1).__next__
_next_leaf_seq = itertools.count(1).__next__
_NO_NEEDS = [(False,) * n for n in range(8)]
_NEEDS_1 = (True,)
_NEEDS_TF = (True, False)
_NEEDS_FT = (False, True)
_NEEDS_TT = (True, True)


def _wrap_outputs(node: Node, outs: tuple[Any, ...], targs: list[Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Several outputs: one Variable each (``output_nr`` j); non-differentiable ones do not require grad."""
    var = _Variable
    nd = node._non_diff
    metas = []
    results: list[Any] = []
    for j, o in enumerate(outs):
        if o is None:
            metas.append((None, None))
            results.append(None)
            continue
        if isinstance(o, var):
            o = o._data
        arr = o.array
        metas.append((arr.shape, arr.dtype))
        v = _new(var)
        v._data = o
        v._grad = None
        v._acc = None
        v._extra = None
        if arr.dtype.kind in "fc" and (nd is None or not _contains(nd, o)):
            v.grad_fn = node
            v._out_nr = j
            v._rg = True
        else:
            v.grad_fn = None
            v._out_nr = 0
            v._rg = False
        if o._vc is not None:
            _note_view(v, o, args)
        results.append(v)
    node._out_meta = tuple(metas)
    saved = node._to_save
    if saved is None:
        node._saved = None
    else:
        _keep(node, saved, targs, args, outs)
    return tuple(results)


def _contains(items: tuple[Any, ...], x: Any) -> bool:
    return any(i is x for i in items)


def _keep(node: Node, saved: tuple[Any, ...], targs: list[Any], args: tuple[Any, ...], outs: tuple[Any, ...]) -> None:
    """Store the saved tensors with their versions and where each came from: the input Variable, the index of
    an output, or None for a constant (used to hand out Variables connected to the graph with ``create_graph``)."""
    node._to_save = None
    node._saved = saved
    if len(saved) == 1:  # the common case, without the loop
        t = saved[0]
        if t is None:
            node._saved_versions = (0,)
            node._saved_src = (None,)
        else:
            node._saved_versions = (t._version,)
            node._saved_src = (0 if t is outs[0] else _source(t, targs, args, outs),)
        return
    versions = []
    srcs: list[Any] = []
    for t in saved:
        if t is None:
            versions.append(0)
            srcs.append(None)
        else:
            versions.append(t._version)
            srcs.append(0 if t is outs[0] else _source(t, targs, args, outs))
    node._saved_versions = tuple(versions)
    node._saved_src = tuple(srcs)


def _source(t: Any, targs: list[Any], args: tuple[Any, ...], outs: tuple[Any, ...]) -> Any:
    i = 0
    for ti in targs:
        if ti is t:
            a = args[i]
            return a if isinstance(a, _Variable) and a._rg else None
        i += 1  # noqa: SIM113 - hot path: no enumerate object
    j = 0
    for o in outs:
        if o is t:
            return j
        j += 1  # noqa: SIM113
    return None


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a ``backward`` that is not itself differentiable: it always runs on Tensors under ``no_grad``.

    Example::

        >>> class Exp(Function):
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, g):
        ...         (y,) = ctx.saved_tensors
        ...         return g * y
    """

    @functools.wraps(fn)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        with no_grad():
            plain = [g.data if isinstance(g, _Variable) else g for g in grads]
            out = fn(ctx, *plain)
        if type(out) is tuple:
            return tuple(o.data if isinstance(o, _Variable) else o for o in out)
        return out.data if isinstance(out, _Variable) else out

    return wrapper


from taeda.autograd import _views  # noqa: E402
from taeda.autograd._variable import Variable as _Variable  # noqa: E402  (import cycle: Variable uses Function)
from taeda.autograd._views import note_view as _note_view  # noqa: E402

_views.VARIABLE[0] = _Variable
