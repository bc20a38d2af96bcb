"""The differentiable Tensor API of ``Variable``: operators, methods, indexing and in-place ops.

Each method forwards to one ``Function`` (or composes a few); non-differentiable results (comparisons, indices)
come back as Variables that do not require grad.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import taeda.tensor as tt
from taeda.autograd import _fast as _F
from taeda.autograd import _ops_arith as A
from taeda.autograd import _ops_linalg as L
from taeda.autograd import _ops_reduce as R
from taeda.autograd import _ops_shape as S
from taeda.autograd._ops_unary import UNARY, Polygamma
from taeda.autograd._util import BuiltinFunction
from taeda.autograd._variable_inplace import InplaceOps, _direct, _plain, _rebase

if TYPE_CHECKING:
    from taeda.autograd._variable import Variable

_Tensor = tt.Tensor
_U = UNARY
_UM = _F.UNARY_METHODS


class ValuesIndices(NamedTuple):
    """``(values, indices)`` as returned by ``max(dim)``, ``sort``, ``topk`` ..."""

    values: Any
    indices: Any


def _sizes(args: tuple[Any, ...]) -> tuple[Any, ...]:
    if (len(args) == 1 and isinstance(args[0], (tuple, list))) or (len(args) == 1 and type(args[0]).__name__ == "Size"):
        return tuple(args[0])
    return args


def _nd(self: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """A non-differentiable Tensor method on the data; the result wrapped as Variables without grad."""
    from taeda.autograd._variable import Variable

    out = getattr(self.data, method)(*[_plain(a) for a in args], **{k: _plain(v) for k, v in kwargs.items()})
    return _wrap_out(out, Variable)


def _wrap_out(out: Any, cls: Any) -> Any:
    if isinstance(out, _Tensor):
        return cls._wrap(out)
    if isinstance(out, tuple):
        items = [_wrap_out(o, cls) for o in out]
        return type(out)(*items) if hasattr(out, "_fields") else tuple(items)
    if isinstance(out, list):
        return [_wrap_out(o, cls) for o in out]
    return out


class VariableOps(InplaceOps):
    """Mixin holding the differentiable Tensor API; ``Variable`` adds the state and graph API."""

    __slots__ = ()
    __hash__ = object.__hash__  # __eq__ is elementwise (as on Tensor); identity hashing as in PyTorch
    __array_priority__ = 2000.0
    __array_ufunc__ = None  # ndarray/NumPy scalar (op) Variable defers to Variable's reflected operator
    data: tt.Tensor
    _rg: bool
    grad_fn: Any
    _out_nr: int

    # ---------------------------------------------------------------- arithmetic operators
    if TYPE_CHECKING:

        def __add__(self, other: Any) -> Variable: ...
        def __radd__(self, other: Any) -> Variable: ...
        def __sub__(self, other: Any) -> Variable: ...
        def __rsub__(self, other: Any) -> Variable: ...
        def __mul__(self, other: Any) -> Variable: ...
        def __rmul__(self, other: Any) -> Variable: ...
        def __truediv__(self, other: Any) -> Variable: ...
        def __rtruediv__(self, other: Any) -> Variable: ...
        def __pow__(self, other: Any) -> Variable: ...

    else:  # the fast paths themselves (``_fast``), without a wrapper call
        __add__ = _F.add
        __radd__ = _F.radd
        __sub__ = _F.sub
        __rsub__ = _F.rsub
        __mul__ = _F.mul
        __rmul__ = _F.rmul
        __truediv__ = _F.truediv
        __rtruediv__ = _F.rtruediv
        __pow__ = _F.pow

    def __rpow__(self, other: Any) -> Variable:
        return A.Pow.apply(other, self)  # type: ignore[no-any-return]

    def __mod__(self, other: Any) -> Variable:
        return A.Remainder.apply(self, other)  # type: ignore[no-any-return]

    def __rmod__(self, other: Any) -> Variable:
        return A.Remainder.apply(other, self)  # type: ignore[no-any-return]

    def __floordiv__(self, other: Any) -> Variable:
        return _nd(self, "__floordiv__", other)  # type: ignore[no-any-return]

    def __rfloordiv__(self, other: Any) -> Variable:
        return _nd(self, "__rfloordiv__", other)  # type: ignore[no-any-return]

    def __matmul__(self, other: Any) -> Variable:
        return L.Matmul.apply(self, other, "matmul")  # type: ignore[no-any-return]

    def __rmatmul__(self, other: Any) -> Variable:
        return L.Matmul.apply(other, self, "matmul")  # type: ignore[no-any-return]

    __neg__ = _UM["neg"]

    def __pos__(self) -> Variable:
        return self  # type: ignore[return-value]

    __abs__ = _UM["abs"]

    # comparisons and logic: no gradient
    def __eq__(self, other: Any) -> Variable:  # type: ignore[override]
        return _nd(self, "__eq__", other)  # type: ignore[no-any-return]

    def __ne__(self, other: Any) -> Variable:  # type: ignore[override]
        return _nd(self, "__ne__", other)  # type: ignore[no-any-return]

    def __lt__(self, other: Any) -> Variable:
        return _nd(self, "__lt__", other)  # type: ignore[no-any-return]

    def __le__(self, other: Any) -> Variable:
        return _nd(self, "__le__", other)  # type: ignore[no-any-return]

    def __gt__(self, other: Any) -> Variable:
        return _nd(self, "__gt__", other)  # type: ignore[no-any-return]

    def __ge__(self, other: Any) -> Variable:
        return _nd(self, "__ge__", other)  # type: ignore[no-any-return]

    def __and__(self, other: Any) -> Variable:
        return _nd(self, "__and__", other)  # type: ignore[no-any-return]

    def __rand__(self, other: Any) -> Variable:
        return _nd(self, "__rand__", other)  # type: ignore[no-any-return]

    def __or__(self, other: Any) -> Variable:
        return _nd(self, "__or__", other)  # type: ignore[no-any-return]

    def __ror__(self, other: Any) -> Variable:
        return _nd(self, "__ror__", other)  # type: ignore[no-any-return]

    def __xor__(self, other: Any) -> Variable:
        return _nd(self, "__xor__", other)  # type: ignore[no-any-return]

    def __invert__(self) -> Variable:
        return _nd(self, "__invert__")  # type: ignore[no-any-return]

    def eq(self, other: Any) -> Variable:
        return _nd(self, "eq", other)  # type: ignore[no-any-return]

    def ne(self, other: Any) -> Variable:
        return _nd(self, "ne", other)  # type: ignore[no-any-return]

    def lt(self, other: Any) -> Variable:
        return _nd(self, "lt", other)  # type: ignore[no-any-return]

    def le(self, other: Any) -> Variable:
        return _nd(self, "le", other)  # type: ignore[no-any-return]

    def gt(self, other: Any) -> Variable:
        return _nd(self, "gt", other)  # type: ignore[no-any-return]

    def ge(self, other: Any) -> Variable:
        return _nd(self, "ge", other)  # type: ignore[no-any-return]

    def equal(self, other: Any) -> bool:
        return bool(self.data.equal(_plain(other)))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        return bool(self.data.allclose(_plain(other), rtol=rtol, atol=atol, equal_nan=equal_nan))

    def isnan(self) -> Variable:
        return _nd(self, "isnan")  # type: ignore[no-any-return]

    def isinf(self) -> Variable:
        return _nd(self, "isinf")  # type: ignore[no-any-return]

    def isfinite(self) -> Variable:
        return _nd(self, "isfinite")  # type: ignore[no-any-return]

    def logical_not(self) -> Variable:
        return _nd(self, "logical_not")  # type: ignore[no-any-return]

    # ---------------------------------------------------------------- named arithmetic
    def add(self, other: Any, *, alpha: Any = 1) -> Variable:
        return A.Add.apply(self, other if alpha == 1 else other * alpha)  # type: ignore[no-any-return]

    def sub(self, other: Any, *, alpha: Any = 1) -> Variable:
        return A.Sub.apply(self, other if alpha == 1 else other * alpha)  # type: ignore[no-any-return]

    subtract = sub

    def rsub(self, other: Any, *, alpha: Any = 1) -> Variable:
        return A.Sub.apply(other, self if alpha == 1 else self * alpha)  # type: ignore[no-any-return]

    def mul(self, other: Any) -> Variable:
        return A.Mul.apply(self, other)  # type: ignore[no-any-return]

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Variable:
        if rounding_mode is not None:
            return _nd(self, "div", other, rounding_mode=rounding_mode)  # type: ignore[no-any-return]
        return A.Div.apply(self, other)  # type: ignore[no-any-return]

    divide = div
    true_divide = div

    def floor_divide(self, other: Any) -> Variable:
        return _nd(self, "floor_divide", other)  # type: ignore[no-any-return]

    def remainder(self, other: Any) -> Variable:
        return A.Remainder.apply(self, other)  # type: ignore[no-any-return]

    def fmod(self, other: Any) -> Variable:
        return A.Fmod.apply(self, other)  # type: ignore[no-any-return]

    def pow(self, exponent: Any) -> Variable:
        return A.Pow.apply(self, exponent)  # type: ignore[no-any-return]

    def atan2(self, other: Any) -> Variable:
        return A.Atan2.apply(self, other)  # type: ignore[no-any-return]

    arctan2 = atan2

    def maximum(self, other: Any) -> Variable:
        return A.Maximum.apply(self, other)  # type: ignore[no-any-return]

    def minimum(self, other: Any) -> Variable:
        return A.Minimum.apply(self, other)  # type: ignore[no-any-return]

    def lerp(self, end: Any, weight: Any) -> Variable:
        return self + (end - self) * weight  # type: ignore[no-any-return]

    def where(self, condition: Any, other: Any) -> Variable:
        return A.Where.apply(_plain(condition), self, other)  # type: ignore[no-any-return]

    def clamp(self, min: Any = None, max: Any = None) -> Variable:
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if getattr(min, "_rg", False) or getattr(max, "_rg", False):
            out: Any = self
            if min is not None:
                out = out.maximum(min)
            if max is not None:
                out = out.minimum(max)
            return out  # type: ignore[no-any-return]
        return A.Clamp.apply(self, _plain(min), _plain(max))  # type: ignore[no-any-return]

    clip = clamp

    def clamp_min(self, min: Any) -> Variable:
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Variable:
        return self.clamp(max=max)

    def relu(self) -> Variable:
        return A.Relu.apply(self)  # type: ignore[no-any-return]

    # ---------------------------------------------------------------- unary elementwise (table-generated ops)
    neg = _UM["neg"]

    negative = neg

    abs = _UM["abs"]

    absolute = abs

    exp = _UM["exp"]

    exp2 = _UM["exp2"]

    expm1 = _UM["expm1"]

    log = _UM["log"]

    log2 = _UM["log2"]

    log10 = _UM["log10"]

    log1p = _UM["log1p"]

    sqrt = _UM["sqrt"]

    rsqrt = _UM["rsqrt"]

    square = _UM["square"]

    reciprocal = _UM["reciprocal"]

    sin = _UM["sin"]

    cos = _UM["cos"]

    tan = _UM["tan"]

    asin = _UM["asin"]

    acos = _UM["acos"]

    atan = _UM["atan"]

    arcsin = asin
    arccos = acos
    arctan = atan

    asinh = _UM["asinh"]

    acosh = _UM["acosh"]

    atanh = _UM["atanh"]

    arcsinh = asinh
    arccosh = acosh
    arctanh = atanh

    sinh = _UM["sinh"]

    cosh = _UM["cosh"]

    tanh = _UM["tanh"]

    sigmoid = _UM["sigmoid"]

    erf = _UM["erf"]

    erfc = _UM["erfc"]

    erfinv = _UM["erfinv"]

    lgamma = _UM["lgamma"]

    digamma = _UM["digamma"]

    def polygamma(self, n: int) -> Variable:
        return Polygamma.apply(n, self)  # type: ignore[no-any-return]

    sign = _UM["sign"]

    floor = _UM["floor"]

    ceil = _UM["ceil"]

    def round(self, decimals: int = 0) -> Variable:
        if decimals:
            return _nd(self, "round", decimals=decimals)  # type: ignore[no-any-return]
        return _U["round"].apply(self)  # type: ignore[no-any-return]

    trunc = _UM["trunc"]

    fix = trunc

    frac = _UM["frac"]

    # ---------------------------------------------------------------- reductions
    sum = _F.sum

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Variable:
        return R.Mean.apply(self, dim, keepdim, dtype)  # type: ignore[no-any-return]

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Variable:
        return R.Prod.apply(self, dim, keepdim)  # type: ignore[no-any-return]

    def amax(self, dim: Any = (), keepdim: bool = False) -> Variable:
        return R.Extreme.apply(self, dim if dim != () else None, keepdim, True)  # type: ignore[no-any-return]

    def amin(self, dim: Any = (), keepdim: bool = False) -> Variable:
        return R.Extreme.apply(self, dim if dim != () else None, keepdim, False)  # type: ignore[no-any-return]

    def _select_dim(self, method: str, dim: int, keepdim: bool, *args: Any) -> Any:
        values, indices = R.SelectDim.apply(self, method, dim, keepdim, args)
        return ValuesIndices(values, indices)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        if dim is None:
            return R.Spread.apply(self, "max")
        if not isinstance(dim, int):
            return self.maximum(dim)
        return self._select_dim("max", dim, keepdim, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        if dim is None:
            return R.Spread.apply(self, "min")
        if not isinstance(dim, int):
            return self.minimum(dim)
        return self._select_dim("min", dim, keepdim, dim, keepdim)

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        if dim is None:
            return R.Spread.apply(self, "median")
        return self._select_dim("median", dim, keepdim, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        return self._select_dim("mode", dim, keepdim, dim, keepdim)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        return self._select_dim("kthvalue", dim, keepdim, k, dim, keepdim)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        return self._select_dim("sort", dim, True, dim, descending)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        return self._select_dim("topk", dim, True, k, dim, largest, sorted)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Variable:
        return _nd(self, "argmax", dim, keepdim)  # type: ignore[no-any-return]

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Variable:
        return _nd(self, "argmin", dim, keepdim)  # type: ignore[no-any-return]

    def argsort(self, dim: int = -1, descending: bool = False) -> Variable:
        return _nd(self, "argsort", dim, descending)  # type: ignore[no-any-return]

    def all(self, *args: Any, **kwargs: Any) -> Variable:
        return _nd(self, "all", *args, **kwargs)  # type: ignore[no-any-return]

    def any(self, *args: Any, **kwargs: Any) -> Variable:
        return _nd(self, "any", *args, **kwargs)  # type: ignore[no-any-return]

    def count_nonzero(self, dim: Any = None) -> Variable:
        return _nd(self, "count_nonzero", dim)  # type: ignore[no-any-return]

    def nonzero(self, *args: Any, **kwargs: Any) -> Any:
        return _nd(self, "nonzero", *args, **kwargs)

    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Variable:
        if isinstance(unbiased, bool) or unbiased is None:
            c = correction if correction is not None else (0 if unbiased is False else 1)
        else:  # var(dim, keepdim) positional misuse guard: PyTorch's second positional is unbiased
            c = 1 if correction is None else correction
        return R.Var.apply(self, dim, c, keepdim)  # type: ignore[no-any-return]

    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Variable:
        if isinstance(unbiased, bool) or unbiased is None:
            c = correction if correction is not None else (0 if unbiased is False else 1)
        else:  # as in var
            c = 1 if correction is None else correction
        return R.Std.apply(self, dim, c, keepdim)  # type: ignore[no-any-return]

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Variable:
        return R.Norm.apply(self, p, dim, keepdim)  # type: ignore[no-any-return]

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Variable:
        return R.LogSumExp.apply(self, dim, keepdim)  # type: ignore[no-any-return]

    def cumsum(self, dim: int) -> Variable:
        return R.Cumsum.apply(self, dim)  # type: ignore[no-any-return]

    def cumprod(self, dim: int) -> Variable:
        return R.Cumprod.apply(self, dim)  # type: ignore[no-any-return]

    # ---------------------------------------------------------------- shape ops
    def view(self, *shape: Any) -> Variable:
        if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and hasattr(shape[0], "kind"):
            return _nd(self, "view", shape[0])  # type: ignore[no-any-return]
        return S.View.apply(self, shape, True)  # type: ignore[no-any-return]

    def reshape(self, *shape: Any) -> Variable:
        return S.View.apply(self, shape, False)  # type: ignore[no-any-return]

    def view_as(self, other: Any) -> Variable:
        return S.View.apply(self, (tuple(other.shape),), True)  # type: ignore[no-any-return]

    def reshape_as(self, other: Any) -> Variable:
        return S.View.apply(self, (tuple(other.shape),), False)  # type: ignore[no-any-return]

    def _linear(self, method: str, *args: Any, back: str | None = None, back_args: Any = None) -> Variable:
        return S.Linear.apply(self, method, args, back, back_args)  # type: ignore[no-any-return]

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Variable:
        return self._linear("flatten", start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Variable:
        return self._linear("unflatten", dim, sizes)

    def squeeze(self, dim: Any = None) -> Variable:
        return self._linear("squeeze") if dim is None else self._linear("squeeze", dim)

    def unsqueeze(self, dim: int) -> Variable:
        return self._linear("unsqueeze", dim)

    def contiguous(self) -> Variable:
        return self._linear("contiguous")

    def clone(self) -> Variable:
        return self._linear("clone")

    def permute(self, *dims: Any) -> Variable:
        return S.Permute.apply(self, tuple(int(d) % max(self.data.ndim, 1) for d in _sizes(dims)))  # type: ignore[no-any-return]

    def transpose(self, dim0: int, dim1: int) -> Variable:
        nd = max(self.data.ndim, 1)
        perm = list(range(self.data.ndim))
        if self.data.ndim:
            d0, d1 = dim0 % nd, dim1 % nd
            perm[d0], perm[d1] = perm[d1], perm[d0]
        return S.Permute.apply(self, tuple(perm))  # type: ignore[no-any-return]

    swapaxes = transpose
    swapdims = transpose

    def t(self) -> Variable:
        if self.data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.data.ndim}D")
        return self.transpose(0, 1) if self.data.ndim == 2 else S.Permute.apply(self, tuple(range(self.data.ndim)))

    @property
    def T(self) -> Variable:
        return S.Permute.apply(self, tuple(range(self.data.ndim))[::-1])  # type: ignore[no-any-return]

    @property
    def mT(self) -> Variable:
        if self.data.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
        return self.transpose(-2, -1)

    def movedim(self, source: Any, destination: Any) -> Variable:
        nd = self.data.ndim
        src = [source] if isinstance(source, int) else list(source)
        dst = [destination] if isinstance(destination, int) else list(destination)
        src = [s % nd for s in src]
        dst = [d % nd for d in dst]
        rest = [i for i in range(nd) if i not in src]
        perm = [0] * nd
        placed = dict(zip(dst, src))
        it = iter(rest)
        for i in range(nd):
            perm[i] = placed[i] if i in placed else next(it)
        return S.Permute.apply(self, tuple(perm))  # type: ignore[no-any-return]

    moveaxis = movedim

    def expand(self, *sizes: Any) -> Variable:
        return S.Expand.apply(self, tuple(_sizes(sizes)))  # type: ignore[no-any-return]

    def expand_as(self, other: Any) -> Variable:
        return S.Expand.apply(self, tuple(other.shape))  # type: ignore[no-any-return]

    def broadcast_to(self, shape: Sequence[int]) -> Variable:
        return S.Expand.apply(self, tuple(shape))  # type: ignore[no-any-return]

    def repeat_interleave(self, repeats: Any, dim: int | None = None, *, output_size: int | None = None) -> Variable:
        out = S.RepeatInterleave.apply(self, _plain(repeats), dim)
        if output_size is not None and out.shape[0 if dim is None else dim] != output_size:
            raise RuntimeError(
                f"allocated size does not match required size: {output_size} vs {out.shape[0 if dim is None else dim]}"
            )
        return out  # type: ignore[no-any-return]

    def repeat(self, *sizes: Any) -> Variable:
        return S.Repeat.apply(self, tuple(_sizes(sizes)))  # type: ignore[no-any-return]

    def tile(self, *dims: Any) -> Variable:
        d = tuple(_sizes(dims))
        d = (1,) * (self.data.ndim - len(d)) + d
        return self.repeat(*d)

    def flip(self, *dims: Any) -> Variable:
        d = tuple(_sizes(dims))
        return self._linear("flip", d, back="flip", back_args=(d,))

    def fliplr(self) -> Variable:
        return self.flip(1)

    def flipud(self) -> Variable:
        return self.flip(0)

    def roll(self, shifts: Any, dims: Any = None) -> Variable:
        neg = -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)
        return self._linear("roll", shifts, dims, back="roll", back_args=(neg, dims))

    def tril(self, diagonal: int = 0) -> Variable:
        return self._linear("tril", diagonal, back="tril", back_args=(diagonal,))

    def triu(self, diagonal: int = 0) -> Variable:
        return self._linear("triu", diagonal, back="triu", back_args=(diagonal,))

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Variable:
        return S.Diagonal.apply(self, offset, dim1, dim2)  # type: ignore[no-any-return]

    def diag(self, diagonal: int = 0) -> Variable:
        if self.data.ndim == 1:
            return S.DiagEmbed.apply(self, diagonal)  # type: ignore[no-any-return]
        return self.diagonal(diagonal, 0, 1)

    def narrow(self, dim: int, start: int, length: int) -> Variable:
        d = dim % max(self.data.ndim, 1)
        start = int(start) % max(self.data.shape[d], 1) if start < 0 else int(start)
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def select(self, dim: int, index: int) -> Variable:
        d = dim % max(self.data.ndim, 1)
        return self[(slice(None),) * d + (index,)]

    def unbind(self, dim: int = 0) -> tuple[Variable, ...]:
        d = dim % max(self.data.ndim, 1)
        return tuple(self.select(d, i) for i in range(self.data.shape[d]))

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Variable, ...]:
        d = dim % max(self.data.ndim, 1)
        n = self.data.shape[d]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            sizes = [min(step, n - s) for s in range(0, n, step)] if n else [0]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != n:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                    f"{dim}), but got split_sizes={sizes}"
                )
        out = []
        start = 0
        for s in sizes:
            out.append(self.narrow(d, start, s))
            start += s
        return tuple(out)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Variable, ...]:
        n = self.data.shape[dim]
        step = -(-n // chunks) if n else 1
        return self.split(step, dim)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Variable, ...]:
        d = dim % max(self.data.ndim, 1)
        n = self.data.shape[d]
        if isinstance(indices_or_sections, int):
            k = indices_or_sections
            sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
            bounds = [0]
            for s in sizes:
                bounds.append(bounds[-1] + s)
        else:
            bounds = [0, *[min(max(int(i), 0), n) for i in indices_or_sections], n]
        return tuple(self.narrow(d, bounds[i], max(bounds[i + 1] - bounds[i], 0)) for i in range(len(bounds) - 1))

    # ---------------------------------------------------------------- indexing
    def __getitem__(self, key: Any) -> Variable:
        return S.Index.apply(self, S.array_key(key) if _complex_key(key) else key)  # type: ignore[no-any-return]

    def __setitem__(self, key: Any, value: Any) -> None:
        k = S.array_key(key) if _complex_key(key) else key
        if _direct(self, value):
            self.data[k] = _plain(value)
            return
        _rebase(self, S.IndexPut.apply(self, value, k))

    def gather(self, dim: int, index: Any) -> Variable:
        return S.Gather.apply(self, dim, _plain(index))  # type: ignore[no-any-return]

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Variable:
        return S.Scatter.apply(self, dim, _plain(index), value if src is None else src, False)  # type: ignore[no-any-return]

    def scatter_add(self, dim: int, index: Any, src: Any) -> Variable:
        return S.Scatter.apply(self, dim, _plain(index), src, True)  # type: ignore[no-any-return]

    def index_select(self, dim: int, index: Any) -> Variable:
        d = dim % max(self.data.ndim, 1)
        return self[(slice(None),) * d + (_plain(index),)]

    def masked_fill(self, mask: Any, value: Any) -> Variable:
        if getattr(value, "_rg", False):
            return A.Where.apply(_plain(mask), value, self)  # type: ignore[no-any-return]
        return S.MaskedFill.apply(self, _plain(mask), _plain(value))  # type: ignore[no-any-return]

    def masked_select(self, mask: Any) -> Variable:
        m = _plain(mask)
        shape = tuple(tt.broadcast_shapes(tuple(self.data.shape), tuple(m.shape)))
        target = self if tuple(self.data.shape) == shape else self.expand(*shape)
        return target[m.expand(*shape) if tuple(m.shape) != shape else m]

    def take(self, index: Any) -> Variable:
        return self.reshape(-1)[_plain(index)]

    # ---------------------------------------------------------------- matrix products
    def matmul(self, other: Any) -> Variable:
        return L.Matmul.apply(self, other, "matmul")  # type: ignore[no-any-return]

    def mm(self, mat2: Any) -> Variable:
        return L.Matmul.apply(self, mat2, "mm")  # type: ignore[no-any-return]

    def bmm(self, mat2: Any) -> Variable:
        return L.Matmul.apply(self, mat2, "bmm")  # type: ignore[no-any-return]

    def mv(self, vec: Any) -> Variable:
        return L.Matmul.apply(self, vec, "mv")  # type: ignore[no-any-return]

    def dot(self, other: Any) -> Variable:
        return L.Matmul.apply(self, other, "dot")  # type: ignore[no-any-return]

    def inner(self, other: Any) -> Variable:
        return (self * other).sum() if self.data.ndim == 1 else self @ other.mT  # type: ignore[no-any-return]

    def outer(self, vec2: Any) -> Variable:
        return self.unsqueeze(1) * vec2.unsqueeze(0)  # type: ignore[no-any-return]

    ger = outer

    def inverse(self) -> Variable:
        return L.Inv.apply(self)  # type: ignore[no-any-return]

    def det(self) -> Variable:
        return L.Det.apply(self)  # type: ignore[no-any-return]

    def slogdet(self) -> Any:
        return L.Slogdet.apply(self)

    def logdet(self) -> Variable:
        sign, logabs = L.Slogdet.apply(self)
        return logabs.masked_fill(sign.data < 0, float("nan"))  # type: ignore[no-any-return]

    # ---------------------------------------------------------------- dtype and device
    def to(self, *args: Any, **kwargs: Any) -> Variable:
        """``to(dtype)``, ``to(device)``, ``to(other)``: differentiable (the gradient comes back converted)."""
        args = tuple(_plain(a) for a in args)
        out = self.data.to(*args, **kwargs)
        if out is self.data:
            return self  # type: ignore[return-value]
        return _Convert.apply(self, args, kwargs)  # type: ignore[no-any-return]

    def type_as(self, other: Any) -> Variable:
        return self.to(other.dtype)

    def float(self) -> Variable:
        return self.to(tt.float32)

    def double(self) -> Variable:
        return self.to(tt.float64)

    def half(self) -> Variable:
        return self.to(tt.float16)

    def long(self) -> Variable:
        return self.to(tt.int64)

    def int(self) -> Variable:
        return self.to(tt.int32)

    def bool(self) -> Variable:
        return self.to(tt.bool)

    def cpu(self) -> Variable:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Variable:
        out = self.data.cuda(device)
        return _Convert.apply(self, (out.device,), {})  # type: ignore[no-any-return]

    # ---------------------------------------------------------------- new tensors (no grad)
    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None) -> Variable:
        return _nd(self, "new_zeros", *size, dtype=dtype, device=device)  # type: ignore[no-any-return]

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None) -> Variable:
        return _nd(self, "new_ones", *size, dtype=dtype, device=device)  # type: ignore[no-any-return]

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None) -> Variable:
        return _nd(self, "new_empty", *size, dtype=dtype, device=device)  # type: ignore[no-any-return]

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None) -> Variable:
        return _nd(self, "new_full", size, fill_value, dtype=dtype, device=device)  # type: ignore[no-any-return]

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None) -> Variable:
        return _nd(self, "new_tensor", _plain(data), dtype=dtype, device=device)  # type: ignore[no-any-return]


def _complex_key(key: Any) -> bool:
    """Keys holding tensors, Variables or lists are converted to ndarrays (kept for backward)."""
    t = type(key)
    if t is int or t is slice:
        return False
    if t is tuple:
        return any(not isinstance(k, (int, slice, type(None), type(Ellipsis))) for k in key)
    return key is not None and key is not Ellipsis


class _Convert(BuiltinFunction):
    """``to(dtype/device)``: the gradient is converted back to the input's dtype and device."""

    @staticmethod
    def forward(ctx: Any, a: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        ctx.src = (a.dtype, a.device)
        return a.to(*args, **kwargs)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, None, None]:
        dtype, device = ctx.src
        if g.device != device:
            g = g.to(device)
        if g.dtype != dtype:
            g = g.to(dtype)
        return g, None, None
