"""``Variable.__taeda_function__``: module-level ``taeda.tensor`` functions called with Variables.

``taeda.tensor.sum(v)``, ``taeda.tensor.cat([v, w])``, ``taeda.tensor.linalg.inv(v)`` ... route here and return
Variables. Functions are recognised by identity (the public function objects of ``taeda.tensor`` and
``taeda.tensor.linalg``); differentiable ones map to the Variable method of the same name or to a join/linalg op,
non-differentiable ones (comparisons, argmax, creation ``*_like`` ...) run on the data and return Variables without
grad. A function with no gradient rule called on a Variable that requires grad raises instead of dropping the grad.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import taeda.tensor as tt
from taeda.autograd import _ops_arith as A
from taeda.autograd import _ops_linalg as L
from taeda.autograd import _ops_shape as S
from taeda.autograd import _ops_unary as U
from taeda.autograd._grad_mode import _state
from taeda.autograd._variable import Variable
from taeda.autograd._variable_more import MORE_METHODS, MORE_SPECIAL
from taeda.autograd._variable_special import SPECIAL_FUNCS, SPECIAL_METHODS, SPECIAL_NONDIFF

_NAMES: dict[int, str] = {}


def _name_of(func: Callable[..., Any]) -> str | None:
    key = id(func)
    name = _NAMES.get(key)
    if name is None:
        for prefix, mod in (
            ("", tt),
            ("linalg.", getattr(tt, "linalg", None)),
            ("special.", getattr(tt, "special", None)),
        ):
            if mod is None:
                continue
            for n in dir(mod):
                obj = getattr(mod, n, None)
                if callable(obj) and not isinstance(obj, type):
                    _NAMES.setdefault(id(obj), prefix + n)
        name = _NAMES.get(key)
    return name


def _var(x: Any) -> Any:
    return Variable._wrap(x) if isinstance(x, tt.Tensor) else x


def _plain(x: Any) -> Any:
    if isinstance(x, Variable):
        return x.data
    if isinstance(x, (list, tuple)) and any(isinstance(i, Variable) for i in x):
        return type(x)(_plain(i) for i in x)
    return x


def _wrap_out(out: Any) -> Any:
    if isinstance(out, tt.Tensor):
        return Variable._wrap(out)
    if isinstance(out, tuple):
        items = [_wrap_out(o) for o in out]
        return type(out)(*items) if hasattr(out, "_fields") else tuple(items)
    if isinstance(out, list):
        return [_wrap_out(o) for o in out]
    return out


def _cat(tensors: Any, dim: int = 0, **kw: Any) -> Any:
    return S.Cat.apply(dim, *tensors)


def _stack(tensors: Any, dim: int = 0, **kw: Any) -> Any:
    return S.Stack.apply(dim, *tensors)


def _atleast(t: Any, n: int) -> Any:
    t = _var(t)
    if t.ndim >= n:
        return t
    shape = tuple(t.shape)
    if n == 2:
        return t.reshape(1, *shape) if len(shape) == 1 else t.reshape(1, 1)
    return (
        t.reshape(1, *shape, 1)
        if len(shape) == 1
        else (t.reshape(*shape, 1) if len(shape) == 2 else t.reshape(1, 1, 1))
    )


def _hstack(tensors: Any, **kw: Any) -> Any:
    ts = [_atleast(t, 1) for t in tensors]
    return S.Cat.apply(0 if ts[0].ndim == 1 else 1, *ts)


def _vstack(tensors: Any, **kw: Any) -> Any:
    return S.Cat.apply(0, *[_atleast(t, 2) for t in tensors])


def _dstack(tensors: Any, **kw: Any) -> Any:
    return S.Cat.apply(2, *[_atleast(t, 3) for t in tensors])


def _where(cond: Any, a: Any = None, b: Any = None) -> Any:
    if a is None and b is None:
        return _wrap_out(tt.where(_plain(cond)))
    return A.Where.apply(_plain(cond), a, b)


def _einsum(equation: str, *operands: Any) -> Any:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return L.Einsum.apply(equation, *operands)


def _tensordot(a: Any, b: Any, dims: Any = 2, **kw: Any) -> Any:
    na, nb = a.ndim, b.ndim
    if isinstance(dims, int):
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da = [dims[0]] if isinstance(dims[0], int) else list(dims[0])
        db = [dims[1]] if isinstance(dims[1], int) else list(dims[1])
    da = [d % na for d in da]
    db = [d % nb for d in db]
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + [c for j, c in enumerate(sb) if j not in db]
    return L.Einsum.apply("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


def _binary(fn: Any) -> Callable[..., Any]:
    def run(a: Any, b: Any, *, alpha: Any = 1, **kw: Any) -> Any:
        return fn.apply(a, b if alpha == 1 else b * alpha)

    return run


def _div(a: Any, b: Any, *, rounding_mode: str | None = None) -> Any:
    if rounding_mode is not None:
        return _wrap_out(tt.div(_plain(a), _plain(b), rounding_mode=rounding_mode))
    return A.Div.apply(a, b)


def _cholesky(a: Any, upper: bool = False, **kw: Any) -> Any:
    return L.Cholesky.apply(a, upper)


def _vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    return (x if dtype is None else x.to(dtype)).norm(ord, dim, keepdim)


_SPECIAL: dict[str, Callable[..., Any]] = {
    "cat": _cat,
    "concat": _cat,
    "concatenate": _cat,
    "stack": _stack,
    "hstack": _hstack,
    "vstack": _vstack,
    "dstack": _dstack,
    "where": _where,
    "einsum": _einsum,
    "tensordot": _tensordot,
    "add": _binary(A.Add),
    "sub": _binary(A.Sub),
    "subtract": _binary(A.Sub),
    "mul": _binary(A.Mul),
    "multiply": _binary(A.Mul),
    "div": _div,
    "divide": _div,
    "true_divide": _div,
    "pow": _binary(A.Pow),
    "atan2": _binary(A.Atan2),
    "arctan2": _binary(A.Atan2),
    "maximum": _binary(A.Maximum),
    "minimum": _binary(A.Minimum),
    "remainder": _binary(A.Remainder),
    "fmod": _binary(A.Fmod),
    "matmul": lambda a, b, **kw: L.Matmul.apply(a, b, "matmul"),
    "linalg.inv": lambda a, **kw: L.Inv.apply(a),
    "inverse": lambda a, **kw: L.Inv.apply(a),
    "linalg.det": lambda a, **kw: L.Det.apply(a),
    "det": lambda a, **kw: L.Det.apply(a),
    "linalg.slogdet": lambda a, **kw: L.Slogdet.apply(a),
    "slogdet": lambda a, **kw: L.Slogdet.apply(a),
    "linalg.solve": lambda a, b, **kw: L.Solve.apply(a, b),
    "linalg.cholesky": _cholesky,
    "linalg.vector_norm": _vector_norm,
    "cholesky": _cholesky,
    "polygamma": lambda n, input, **kw: U.Polygamma.apply(n, input),
    "linalg.matmul": lambda a, b, **kw: L.Matmul.apply(a, b, "matmul"),
    **MORE_SPECIAL,
    **SPECIAL_FUNCS,
}

# Methods of Variable reachable as taeda.tensor.<name>(v, ...)
_METHODS = {
    "neg",
    "negative",
    "abs",
    "absolute",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "sigmoid",
    "erf",
    "erfc",
    "erfinv",
    "lgamma",
    "digamma",
    "asinh",
    "acosh",
    "atanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "sign",
    "sgn",
    "floor",
    "ceil",
    "round",
    "trunc",
    "fix",
    "frac",
    "relu",
    "clamp",
    "clip",
    "clamp_min",
    "clamp_max",
    "lerp",
    "sum",
    "mean",
    "prod",
    "amax",
    "amin",
    "max",
    "min",
    "median",
    "mode",
    "kthvalue",
    "sort",
    "topk",
    "var",
    "std",
    "norm",
    "logsumexp",
    "cumsum",
    "cumprod",
    "view",
    "reshape",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "permute",
    "transpose",
    "swapaxes",
    "swapdims",
    "t",
    "movedim",
    "moveaxis",
    "expand",
    "broadcast_to",
    "repeat",
    "repeat_interleave",
    "tile",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "tril",
    "triu",
    "diagonal",
    "diag",
    "narrow",
    "select",
    "unbind",
    "split",
    "chunk",
    "tensor_split",
    "gather",
    "scatter",
    "scatter_add",
    "index_select",
    "masked_fill",
    "masked_select",
    "take",
    "mm",
    "bmm",
    "mv",
    "dot",
    "inner",
    "outer",
    "ger",
    "clone",
    "contiguous",
    *MORE_METHODS,
    *SPECIAL_METHODS,
}

# Functions with no gradient: run on the data, results do not require grad.
_NONDIFF = {
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "equal",
    "allclose",
    "isclose",
    "isnan",
    "isinf",
    "isfinite",
    "isposinf",
    "isneginf",
    "argmax",
    "argmin",
    "argsort",
    "all",
    "any",
    "count_nonzero",
    "nonzero",
    "unique",
    "floor_divide",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "rand_like",
    "randn_like",
    "randint_like",
    "numel",
    "is_tensor",
    "is_floating_point",
    "is_complex",
    "result_type",
    "can_cast",
    "promote_types",
    "broadcast_shapes",
    "save",
    "searchsorted",
    "bucketize",
    "histc",
    "bincount",
    "get_array_module",
    *SPECIAL_NONDIFF,
}


def dispatch(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run ``taeda.tensor`` function ``func`` on arguments holding Variables; return Variables."""
    name = _name_of(func)
    if name is not None:
        special = _SPECIAL.get(name)
        if special is not None:
            return special(*args, **kwargs)
        if name in _METHODS and args:
            if kwargs.get("out") is not None:
                raise RuntimeError(f"{name}(): out= is not supported for Variables (it would not be differentiable)")
            kwargs.pop("out", None)
            return getattr(_var(args[0]), name)(*args[1:], **kwargs)
    plain_args = [_plain(a) for a in args]
    plain_kwargs = {k: _plain(v) for k, v in kwargs.items()}
    if name not in _NONDIFF and _state.enabled and _any_requires_grad(args, kwargs):
        raise TypeError(
            f"taeda.tensor.{name or getattr(func, '__name__', func)} has no gradient rule in taeda.autograd; "
            "call it on .detach()ed Variables or inside no_grad()"
        )
    return _wrap_out(func(*plain_args, **plain_kwargs))


def _any_requires_grad(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    for a in (*args, *kwargs.values()):
        if isinstance(a, Variable) and a._rg:
            return True
        if isinstance(a, (list, tuple)) and any(isinstance(i, Variable) and i._rg for i in a):
            return True
    return False
