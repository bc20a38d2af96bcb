"""Fast paths of Variable's elementwise operators, table-generated unary methods and ``sum()``.

When grad mode is on, an operand requires grad and the operands need no broadcasting or dtype promotion (two
Variables of one shape and dtype, or a Variable and a Python int/float), the operator records its node directly,
without ``Function.apply``'s generic argument handling. The node is an instance of a subclass of the op's usual node
class (same name, same saved tensors, versions and ``info``, so ``saved_tensors``, hooks and ``create_graph`` run
the op's ordinary ``backward``); its ``_fbw`` computes the same gradients with the same formulas for the engine's
ordinary backward, and they have exactly the inputs' shapes and dtypes (``_exact``), so the engine does not
re-check them. Everything else (broadcasting, plain Tensors, NumPy scalars, mixed dtypes) goes through
``Function.apply``; forwards compute exactly what the generic ops compute.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd import _ops_arith as A
from taeda.autograd import _ops_reduce as R
from taeda.autograd._function import FREED_MESSAGE, BackwardNode, Function, _next_seq
from taeda.autograd._grad_mode import _state
from taeda.autograd._ops_unary import UNARY
from taeda.autograd._util import scalar_op

if TYPE_CHECKING:
    from taeda.autograd._variable import Variable


def _read_only_one(dtype: Any) -> Any:
    one = np.array(1, dtype=dtype)
    one.flags.writeable = False  # shared: the engine copies before adopting anything it does not own
    return tt.as_tensor(one)


# the implicit root gradient of a scalar loss, per dtype (0-d, read-only), and its broadcasts by SumAll's backward
ONES: dict[Any, Any] = {np.dtype(d): _read_only_one(d) for d in ("float16", "float32", "float64")}
_ONE_IDS = frozenset(id(t) for t in ONES.values())
_EXPANDED: dict[tuple[int, Any], Any] = {}

_as_tensor = tt.as_tensor
_V: Any = None  # the Variable class, set by ``_variable`` once it is defined (it imports this module)
_new = object.__new__
_TT = (True, True)
_TF = (True, False)
_FT = (False, True)
_T1 = (True,)
_NOINFO = (None, None)
_EXPAND = R.expand_to
_POW_DA = A._pow_da
_DIV_DB = A.Div.db


def _fast_node(
    fn: type[Function], fbw: Callable[..., Any], gbw: Callable[..., Any] | None = None
) -> type[BackwardNode]:
    """A subclass of ``fn``'s node class, with its name, whose gradients the engine computes with ``fbw`` (and
    with ``gbw`` instead of the general backward under ``create_graph``)."""
    base = fn._backward_cls
    ns: dict[str, Any] = {"__slots__": (), "_exact": True, "_fbw": fbw}
    if gbw is not None:
        ns["_gbw"] = gbw
    ns.update(__module__=base.__module__, __qualname__=base.__qualname__)
    return type(base.__name__, (base,), ns)


def _record(
    cls: type[BackwardNode],
    out: Any,
    nxt: tuple[Any, ...],
    needs: tuple[bool, ...],
    saved: tuple[Any, ...] | None,
    versions: tuple[int, ...] | None,
    src: tuple[Any, ...] | None,
    info: Any,
) -> Variable:
    """Fill a node as ``Function.apply`` would and return the Variable of its output ``out``."""
    arr = out.array
    node = _new(cls)
    node._next = nxt
    node.needs_input_grad = needs
    node._saved = saved
    if saved is not None:
        node._saved_versions = versions  # type: ignore[assignment]
        node._saved_src = src
    node.info = info
    node._to_save = None
    node._freed = False
    node._hooks = None
    node._gen = 0
    node._seq = _next_seq()
    node._out_meta = ((arr.shape, arr.dtype),)
    v = _new(_V)
    v._data = out
    v._grad = None
    v.grad_fn = node
    v._out_nr = 0
    v._acc = None
    v._extra = None
    v._rg = True
    return v  # type: ignore[no-any-return]


def _rec0(cls: type[BackwardNode], out: Any, nxt: tuple[Any, ...], needs: tuple[bool, ...], info: Any) -> Variable:
    """``_record`` for a node that saves no tensor."""
    arr = out.array
    node = _new(cls)
    node._next = nxt
    node.needs_input_grad = needs
    node._saved = None
    node.info = info
    node._to_save = None
    node._freed = False
    node._hooks = None
    node._gen = 0
    node._seq = _next_seq()
    node._out_meta = ((arr.shape, arr.dtype),)
    v = _new(_V)
    v._data = out
    v._grad = None
    v.grad_fn = node
    v._out_nr = 0
    v._acc = None
    v._extra = None
    v._rg = True
    return v  # type: ignore[no-any-return]


def _plain(out: Any) -> Variable:
    """A Variable of ``out`` outside the graph."""
    v = _new(_V)
    v._data = out
    v._grad = None
    v.grad_fn = None
    v._out_nr = 0
    v._acc = None
    v._extra = None
    v._rg = False
    return v  # type: ignore[no-any-return]


def _leaf_edge(v: Any) -> tuple[Any, int]:
    acc = v._acc
    return (v._accumulator() if acc is None else acc, 0)


def _unpack(node: Any) -> tuple[Any, ...]:
    """The saved tensors (``ctx.saved_tensors`` of an ordinary backward): freed or modified in place is an error."""
    saved = node._saved
    if saved is None:
        raise RuntimeError(FREED_MESSAGE)
    i = 0
    for v in node._saved_versions:
        t = saved[i]
        if t is not None and t._version != v:
            raise RuntimeError(node._version_message(i, t))
        i += 1  # noqa: SIM113 - hot path: no enumerate object
    return saved  # type: ignore[no-any-return]


# ---------------------------------------------------------------- fused gradient kernels
# The same operations in the same order as the op's formula (so bitwise the same result) on the arrays of float32/
# float64 CPU Tensors, into one new array instead of one per step: fewer wrappers and temporaries.
_nd = np.ndarray
_mul = np.multiply
_sub = np.subtract
_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _k_tanh(g: Any, y: Any) -> Any:  # g - g * y * y
    t = g * y
    _mul(t, y, out=t)
    return _sub(g, t, out=t)


def _k_sigmoid(g: Any, y: Any) -> Any:  # g * (y - y * y)
    t = y * y
    _sub(y, t, out=t)
    return _mul(g, t, out=t)


def _k_sin(g: Any, x: Any) -> Any:  # g * cos(x)
    t = np.cos(x)
    return _mul(g, t, out=t)


def _k_cos(g: Any, x: Any) -> Any:  # g * -sin(x)
    t = np.sin(x)
    np.negative(t, out=t)
    return _mul(g, t, out=t)


def _k_square(g: Any, a: Any) -> Any:  # g * (a + a): the gradient of a ** 2
    t = a + a
    return _mul(g, t, out=t)


_KERNELS: dict[str, Callable[[Any, Any], Any]] = {
    "tanh": _k_tanh,
    "sigmoid": _k_sigmoid,
    "sin": _k_sin,
    "cos": _k_cos,
}


def _fusable(ga: Any, other: Any) -> bool:
    """Both arrays NumPy, of a kernel dtype, not 0-d (a 0-d ufunc result is a NumPy scalar, not an array)."""
    return ga.__class__ is _nd and other.__class__ is _nd and ga.ndim != 0 and ga.dtype in _KERNEL_DTYPES


# ---------------------------------------------------------------- backward of the fast nodes (Tensors in, out)
def _add_vv(node: Any, buf: list[Any]) -> tuple[Any, Any]:
    g = buf[0]
    return (g, g)


def _sub_vv(node: Any, buf: list[Any]) -> tuple[Any, Any]:
    g = buf[0]
    return (g, -g if node.needs_input_grad[1] else None)


def _mul_vv(node: Any, buf: list[Any]) -> tuple[Any, Any]:
    a, b, _ = _unpack(node)
    g = buf[0]
    return (None if b is None else g * b, None if a is None else g * a)


def _div_vv(node: Any, buf: list[Any]) -> tuple[Any, Any]:
    a, b, _ = _unpack(node)
    g = buf[0]
    na, nb = node.needs_input_grad
    return (g / b if na else None, _DIV_DB(g, a, b, None) if nb else None)


# A (Variable, Python scalar) node has one edge, the Variable's (``next_functions`` shows only it, as for the
# general node); ``needs_input_grad``/``info`` stay those of the general op, whose ``backward`` (two gradients)
# still runs with ``create_graph``.
def _left(node: Any, buf: list[Any]) -> tuple[Any]:  # x + k, x - k
    return (buf[0],)


def _sub_right(node: Any, buf: list[Any]) -> tuple[Any]:  # k - x
    return (-buf[0],)


def _mul_left(node: Any, buf: list[Any]) -> tuple[Any]:  # x * k
    return (buf[0] * node.info[1],)


def _mul_right(node: Any, buf: list[Any]) -> tuple[Any]:  # k * x
    return (buf[0] * node.info[0],)


def _div_left(node: Any, buf: list[Any]) -> tuple[Any]:  # x / k
    return (buf[0] / node.info[1],)


def _div_right(node: Any, buf: list[Any]) -> tuple[Any]:  # k / x
    b = _unpack(node)[1]
    return (_DIV_DB(buf[0], node.info[0], b, None),)


def _pow_left(node: Any, buf: list[Any]) -> tuple[Any]:  # x ** k
    a = _unpack(node)[0]
    k = node.info[1]
    if k == 2:
        g = buf[0]
        ga = g.array
        aa = a.array
        if _fusable(ga, aa):
            return (_as_tensor(_k_square(ga, aa)),)
    return (_POW_DA(buf[0], a, node.info[1], None),)


def _general_left(node: Any, buf: list[Any]) -> tuple[Any] | None:
    """The general ``backward`` of a (Variable, scalar) node, reduced to the Variable's gradient."""
    g = buf[0]
    return None if g is None else (node._forward_cls.backward(node, g)[0],)


def _general_right(node: Any, buf: list[Any]) -> tuple[Any] | None:
    """The general ``backward`` of a (scalar, Variable) node, reduced to the Variable's gradient."""
    g = buf[0]
    return None if g is None else (node._forward_cls.backward(node, g)[1],)


def _sum_all(node: Any, buf: list[Any]) -> tuple[Any]:
    g = buf[0]
    shape = node.info[0]
    if id(g) in _ONE_IDS:  # the implicit gradient of a scalar loss: its read-only broadcast is shared too
        key = (id(g), shape)
        t = _EXPANDED.get(key)
        if t is None:
            if len(_EXPANDED) >= 256:
                _EXPANDED.clear()
            t = _EXPANDED[key] = _EXPAND(g, shape)
        return (t,)
    return (_EXPAND(g, shape),)


_AddVV = _fast_node(A.Add, _add_vv)
_SubVV = _fast_node(A.Sub, _sub_vv)
_MulVV = _fast_node(A.Mul, _mul_vv)
_DivVV = _fast_node(A.Div, _div_vv)
_AddL = _fast_node(A.Add, _left, _general_left)
_AddR = _fast_node(A.Add, _left, _general_right)
_SubL = _fast_node(A.Sub, _left, _general_left)
_SubR = _fast_node(A.Sub, _sub_right, _general_right)
_MulL = _fast_node(A.Mul, _mul_left, _general_left)
_MulR = _fast_node(A.Mul, _mul_right, _general_right)
_DivL = _fast_node(A.Div, _div_left, _general_left)
_DivR = _fast_node(A.Div, _div_right, _general_right)
_PowL = _fast_node(A.Pow, _pow_left, _general_left)
_SumAll = _fast_node(R.SumAll, _sum_all)


# ---------------------------------------------------------------- Variable (op) Variable of one shape and dtype
def _binary(
    cls: type[BackwardNode], op: Callable[[Any, Any], Any], x: Any, y: Any, save_a: bool, save_b: bool
) -> Variable | None:
    """``op`` of two Variables, recorded as a ``cls`` node when they have one shape and dtype (None otherwise: the
    general path broadcasts and promotes). ``save_a``/``save_b``: whether the op's plan saves x's/y's Tensor."""
    xr = x._rg
    yr = y._rg
    a = x._data
    b = y._data
    if not ((xr or yr) and _state.enabled):
        return _plain(op(a, b))
    aa = a.array
    ba = b.array
    if aa.shape != ba.shape or aa.dtype is not ba.dtype or aa.dtype.kind not in "fc":
        return None
    out = op(a, b)
    if xr:
        fn = x.grad_fn
        ex = (fn, x._out_nr) if fn is not None else _leaf_edge(x)
    if yr:
        fn = y.grad_fn
        ey = (fn, y._out_nr) if fn is not None else _leaf_edge(y)
    if xr and yr:
        needs = _TT
        nxt: tuple[Any, ...] = (ex, ey)
    elif xr:
        needs = _TF
        nxt = (ex, None)
    else:
        needs = _FT
        nxt = (None, ey)
    if not (save_a or save_b):
        return _rec0(cls, out, nxt, needs, _NOINFO)
    sa = a if save_a else None
    sb = b if save_b else None
    versions = (0 if sa is None else a._version, 0 if sb is None else b._version, 0)
    src = (x if save_a and xr else None, y if save_b and yr else None, None)
    return _record(cls, out, nxt, needs, (sa, sb, None), versions, src, _NOINFO)


def add(self: Any, other: Any) -> Variable:
    oc = other.__class__
    if oc is float or oc is int:
        out = self._data + other
        if self._rg and _state.enabled:
            fn = self.grad_fn
            e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
            return _rec0(_AddL, out, (e,), _TF, _NOINFO)
        return _plain(out)
    if oc is _V or isinstance(other, _V):
        r = _binary(_AddVV, operator.add, self, other, False, False)
        if r is not None:
            return r
    return A.Add.apply(self, other)  # type: ignore[no-any-return]


def radd(self: Any, other: Any) -> Variable:
    oc = other.__class__
    if oc is float or oc is int:
        out = scalar_op(operator.add, other, self._data)
        if self._rg and _state.enabled:
            fn = self.grad_fn
            e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
            return _rec0(_AddR, out, (e,), _FT, _NOINFO)
        return _plain(out)
    return A.Add.apply(other, self)  # type: ignore[no-any-return]


def sub(self: Any, other: Any) -> Variable:
    oc = other.__class__
    if oc is float or oc is int:
        out = self._data - other
        if self._rg and _state.enabled:
            fn = self.grad_fn
            e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
            return _rec0(_SubL, out, (e,), _TF, _NOINFO)
        return _plain(out)
    if oc is _V or isinstance(other, _V):
        r = _binary(_SubVV, operator.sub, self, other, False, False)
        if r is not None:
            return r
    return A.Sub.apply(self, other)  # type: ignore[no-any-return]


def rsub(self: Any, other: Any) -> Variable:
    oc = other.__class__
    if oc is float or oc is int:
        out = scalar_op(operator.sub, other, self._data)
        if self._rg and _state.enabled:
            fn = self.grad_fn
            e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
            return _rec0(_SubR, out, (e,), _FT, _NOINFO)
        return _plain(out)
    return A.Sub.apply(other, self)  # type: ignore[no-any-return]


def mul(self: Any, other: Any) -> Variable:
    oc = other.__class__
    if oc is float or oc is int:
        out = A._mul(self._data, other)
        if self._rg and _state.enabled:
            fn = self.grad_fn
            e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
            return _rec0(_MulL, out, (e,), _TF, (None, other))
        return _plain(out)
    if oc is _V or isinstance(other, _V):
        r = _binary(_MulVV, A._mul, self, other, other._rg, self._rg)  # Mul's plan: da reads b, db reads a
        if r is not None:
            return r
    return A.Mul.apply(self, other)  # type: ignore[no-any-return]


def rmul(self: Any, other: Any) -> Variable:
    oc = other.__class__
    if oc is float or oc is int:
        out = A._mul(other, self._data)
        if self._rg and _state.enabled:
            fn = self.grad_fn
            e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
            return _rec0(_MulR, out, (e,), _FT, (other, None))
        return _plain(out)
    return A.Mul.apply(other, self)  # type: ignore[no-any-return]


def truediv(self: Any, other: Any) -> Variable:
    oc = other.__class__
    if oc is float or oc is int:
        out = A._div(self._data, other)
        if self._rg and _state.enabled:
            fn = self.grad_fn
            e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
            return _rec0(_DivL, out, (e,), _TF, (None, other))
        return _plain(out)
    if oc is _V or isinstance(other, _V):
        r = _binary(_DivVV, A._div, self, other, other._rg, True)  # Div's plan: da reads b, db reads a and b
        if r is not None:
            return r
    return A.Div.apply(self, other)  # type: ignore[no-any-return]


def rtruediv(self: Any, other: Any) -> Variable:
    oc = other.__class__
    if oc is float or oc is int:
        b = self._data
        out = A._div(other, b)
        if self._rg and _state.enabled:
            fn = self.grad_fn
            e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
            return _record(
                _DivR, out, (e,), _FT, (None, b, None), (0, b._version, 0), (None, self, None), (other, None)
            )
        return _plain(out)
    return A.Div.apply(other, self)  # type: ignore[no-any-return]


def pow(self: Any, other: Any) -> Variable:
    oc = other.__class__
    if oc is float or oc is int:
        a = self._data
        out = A._pow(a, other)
        if self._rg and _state.enabled:
            fn = self.grad_fn
            e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
            return _record(
                _PowL, out, (e,), _TF, (a, None, None), (a._version, 0, 0), (self, None, None), (None, other)
            )
        return _plain(out)
    return A.Pow.apply(self, other)  # type: ignore[no-any-return]


def sum(self: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Variable:
    if dim is not None or dtype is not None or keepdim:
        return R.Sum.apply(self, dim, keepdim, dtype)  # type: ignore[no-any-return]
    if not (self._rg and _state.enabled):
        return R.SumAll.apply(self)  # type: ignore[no-any-return]
    a = self._data
    arr = a.array
    out = a.sum()
    if out.array.dtype is not arr.dtype:  # a reduction that changes the dtype: the general path casts back
        return R.SumAll.apply(self)  # type: ignore[no-any-return]
    fn = self.grad_fn
    e = (fn, self._out_nr) if fn is not None else _leaf_edge(self)
    return _rec0(_SumAll, out, (e,), _T1, (arr.shape, arr.dtype))


# ---------------------------------------------------------------- table-generated unary ops
def _unary(name: str) -> Callable[[Any], Variable]:
    ucls = UNARY[name]
    f = ucls.f
    d = ucls.d
    uses = ucls.uses
    kern = _KERNELS.get(name)

    if uses == "x":

        def fbw(node: Any, buf: list[Any]) -> tuple[Any]:
            saved = node._saved
            if saved is None:
                raise RuntimeError(FREED_MESSAGE)
            x = saved[0]
            if x._version != node._saved_versions[0]:
                raise RuntimeError(node._version_message(0, x))
            g = buf[0]
            if kern is not None:
                ga = g.array
                xa = x.array
                if _fusable(ga, xa):
                    return (_as_tensor(kern(ga, xa)),)
            return (d(g, x, None),)

    elif uses == "y":

        def fbw(node: Any, buf: list[Any]) -> tuple[Any]:
            saved = node._saved
            if saved is None:
                raise RuntimeError(FREED_MESSAGE)
            y = saved[0]
            if y._version != node._saved_versions[0]:
                raise RuntimeError(node._version_message(0, y))
            g = buf[0]
            if kern is not None:
                ga = g.array
                ya = y.array
                if _fusable(ga, ya):
                    return (_as_tensor(kern(ga, ya)),)
            return (d(g, None, y),)

    elif uses == "xy":

        def fbw(node: Any, buf: list[Any]) -> tuple[Any]:
            x, y = _unpack(node)
            return (d(buf[0], x, y),)

    else:

        def fbw(node: Any, buf: list[Any]) -> tuple[Any]:
            return (d(buf[0], None, None),)

    cls = _fast_node(ucls, fbw)

    def method(self: Any) -> Variable:
        a = self._data
        out = f(a)
        if not (self._rg and _state.enabled):
            return _plain(out)
        if out.array.dtype is not a.array.dtype:  # e.g. abs of a complex: the general path checks the gradient
            return ucls.apply(self)  # type: ignore[no-any-return]
        fn = self.grad_fn
        nxt = ((fn, self._out_nr) if fn is not None else _leaf_edge(self),)
        if uses == "x":
            return _record(cls, out, nxt, _T1, (a,), (a._version,), (self,), None)
        vy = 0 if out is not a else a._version  # an output the op made: version 0
        if uses == "y":
            return _record(cls, out, nxt, _T1, (out,), (vy,), (0,), None)
        if uses == "xy":
            return _record(cls, out, nxt, _T1, (a, out), (a._version, vy), (self, 0), None)
        return _rec0(cls, out, nxt, _T1, None)

    method.__name__ = method.__qualname__ = name
    return method


UNARY_METHODS: dict[str, Callable[[Any], Variable]] = {name: _unary(name) for name in UNARY}
