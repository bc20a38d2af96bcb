"""``TensorMethods``: the Tensor methods that only forward to the module-level functions of taeda.tensor.

``Tensor`` inherits them; each ``t.f(...)`` calls ``taeda.tensor.f(t, ...)`` (so arguments that define
``__taeda_function__`` are honoured). The op modules are reached through ``taeda.tensor._tensor``, which imports
them once ``Tensor`` exists.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast, overload

from taeda.tensor import _tensor as _T
from taeda.tensor._methods_more import MoreTensorMethods

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor, ValuesIndices

__all__ = ["TensorMethods"]


def _method1(name: str) -> Callable[[Tensor], Tensor]:
    """A Tensor method ``t.name()`` that calls ``taeda.tensor.name(t)``."""

    impl: list[Callable[[Tensor], Tensor]] = []  # resolved on first call (the op modules load after this one)

    def method(self: Tensor) -> Tensor:
        if not impl:  # self is a Tensor, so no argument can override: call the implementation directly
            fn = getattr(_T._m, name)
            impl.append(getattr(fn, "__taeda_impl__", fn))
        try:
            return impl[0](self)
        except RuntimeWarning:  # an error-raising warnings filter: the public function computes again quietly
            return getattr(_T._m, name)(self)  # type: ignore[no-any-return]

    method.__name__ = method.__qualname__ = name
    return method


def _method2(name: str) -> Callable[[Tensor, Any], Tensor]:
    """A Tensor method ``t.name(other)`` that calls ``taeda.tensor.name(t, other)``."""

    def method(self: Tensor, other: Any) -> Tensor:
        return getattr(_T._m, name)(self, other)  # type: ignore[no-any-return]

    method.__name__ = method.__qualname__ = name
    return method


def _np_reduction(name: str, with_ddof: builtins.bool) -> Callable[..., Any]:
    """``np.<name>(t, axis=, dtype=, out=, keepdims=[, ddof=])`` as ``taeda.tensor.<name>`` with NumPy's defaults."""

    def run(
        a: Any,
        axis: Any = None,
        dtype: Any = None,
        out: Any = None,
        ddof: Any = 0,
        keepdims: builtins.bool = False,
        **unsupported: Any,
    ) -> Any:
        if unsupported or (ddof and not with_ddof):
            raise TypeError(f"np.{name}() on a Tensor does not support {sorted(unsupported) or ['ddof']}")
        fn = getattr(_T._r, name)
        if with_ddof:
            if dtype is not None:
                a = a.to(dtype)
            return fn(a, axis, None, keepdims, correction=ddof, out=out)
        return fn(a, axis, keepdims, dtype=dtype, out=out)

    return run


# NumPy functions that call a method PyTorch's signature cannot serve (np.sum calls t.sum(axis=, out=)); the others
# run NumPy's own implementation, as before __array_function__ existed.
_NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {}


def _numpy_functions() -> dict[Any, Callable[..., Any]]:
    if not _NUMPY_FUNCTIONS:
        import numpy as np

        _NUMPY_FUNCTIONS.update(
            {
                np.sum: _np_reduction("sum", False),
                np.mean: _np_reduction("mean", False),
                np.std: _np_reduction("std", True),
                np.var: _np_reduction("var", True),
            }
        )
    return _NUMPY_FUNCTIONS


def _no_out(out: Any, name: str) -> None:
    if out is not None:
        raise TypeError(f"{name}(): the out= argument is not supported")


class TensorMethods(MoreTensorMethods):
    """Forwarding methods shared by ``Tensor`` (see the module-level function of the same name for each)."""

    __slots__ = ()

    def __array_function__(self, func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """NumPy functions on Tensors: ``np.sum``/``mean``/``std``/``var`` reduce with ``taeda.tensor`` (NumPy's
        ``ddof=0`` default kept) and return Tensors; any other function runs NumPy's own implementation."""
        handler = _numpy_functions().get(func)
        if handler is None or not args or not isinstance(args[0], _T.Tensor):
            return func._implementation(*args, **kwargs)
        return handler(*args, **kwargs)

    # ----------------------------------------------------------------- elementwise methods (see _ops_math)
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return _T._m.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return _T._m.sub(self, other, alpha=alpha)

    subtract = sub

    mul = _method2("mul")

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return _T._m.div(self, other, rounding_mode=rounding_mode)

    divide = div

    true_divide = _method2("true_divide")

    floor_divide = _method2("floor_divide")

    remainder = _method2("remainder")

    fmod = _method2("fmod")

    def pow(self, exponent: Any) -> Tensor:
        return _T._m.pow(self, exponent)

    atan2 = _method2("atan2")

    arctan2 = atan2

    maximum = _method2("maximum")

    minimum = _method2("minimum")

    def lerp(self, end: Any, weight: Any) -> Tensor:
        return _T._m.lerp(self, end, weight)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return _T._m.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return _T._m.addcdiv(self, tensor1, tensor2, value=value)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        return _T._m.clamp(self, min, max)

    clip = clamp

    def where(self, condition: Any, other: Any) -> Tensor:
        return _T._m.where(condition, self, other)  # type: ignore[no-any-return]

    def nan_to_num(
        self, nan: builtins.float = 0.0, posinf: builtins.float | None = None, neginf: builtins.float | None = None
    ) -> Tensor:
        return _T._m.nan_to_num(self, nan, posinf, neginf)

    eq = _method2("eq")

    ne = _method2("ne")

    lt = _method2("lt")

    le = _method2("le")

    gt = _method2("gt")

    ge = _method2("ge")

    def equal(self, other: Any) -> builtins.bool:
        return _T._m.equal(self, other)

    def allclose(
        self, other: Any, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08, equal_nan: builtins.bool = False
    ) -> builtins.bool:
        return _T._m.allclose(self, other, rtol, atol, equal_nan)

    def isclose(
        self, other: Any, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08, equal_nan: builtins.bool = False
    ) -> Tensor:
        return _T._m.isclose(self, other, rtol, atol, equal_nan)

    logical_and = _method2("logical_and")

    logical_or = _method2("logical_or")

    logical_xor = _method2("logical_xor")

    logical_not = _method1("logical_not")

    bitwise_not = _method1("bitwise_not")

    neg = _method1("neg")

    negative = neg

    abs = _method1("abs")

    absolute = abs

    sign = _method1("sign")

    exp = _method1("exp")

    exp2 = _method1("exp2")

    expm1 = _method1("expm1")

    log = _method1("log")

    log2 = _method1("log2")

    log10 = _method1("log10")

    log1p = _method1("log1p")

    sqrt = _method1("sqrt")

    rsqrt = _method1("rsqrt")

    square = _method1("square")

    reciprocal = _method1("reciprocal")

    sin = _method1("sin")

    cos = _method1("cos")

    tan = _method1("tan")

    asin = _method1("asin")

    arcsin = asin

    acos = _method1("acos")

    arccos = acos

    atan = _method1("atan")

    arctan = atan

    sinh = _method1("sinh")

    cosh = _method1("cosh")

    tanh = _method1("tanh")

    sigmoid = _method1("sigmoid")

    relu = _method1("relu")

    erf = _method1("erf")

    erfc = _method1("erfc")

    erfinv = _method1("erfinv")

    lgamma = _method1("lgamma")

    digamma = _method1("digamma")

    def polygamma(self, n: builtins.int) -> Tensor:
        return _T._m.polygamma(n, self)

    floor = _method1("floor")

    ceil = _method1("ceil")

    def round(self, *, decimals: builtins.int = 0) -> Tensor:
        return _T._m.round(self, decimals=decimals)

    trunc = _method1("trunc")

    fix = trunc

    frac = _method1("frac")

    isnan = _method1("isnan")

    isinf = _method1("isinf")

    isfinite = _method1("isfinite")

    # ----------------------------------------------------------------- reductions (see _ops_reduce)
    # ``axis=`` is PyTorch's NumPy-style alias of ``dim=``; ``out=`` is accepted so that NumPy functions
    # (``np.max(t)`` calls ``t.max(axis=None, out=None)``) work on Tensors.
    def prod(
        self,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        dtype: Any = None,
        axis: Any = None,
        out: Tensor | None = None,
    ) -> Tensor:
        if axis is None and out is None:
            return _T._r.prod(self, dim, keepdim, dtype=dtype)
        return _T._r.prod(self, dim, keepdim, dtype=dtype, axis=axis, out=out)

    @overload
    def max(self) -> Tensor: ...
    @overload
    def max(self, dim: builtins.int, keepdim: builtins.bool = False) -> ValuesIndices: ...
    @overload
    def max(self, dim: Tensor) -> Tensor: ...
    @overload
    def max(self, *, axis: Any, keepdim: builtins.bool = False, out: None = None) -> Any: ...
    def max(self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None, out: None = None) -> Any:
        if axis is None and out is None:
            return _T._r.max(self, dim, keepdim)
        _no_out(out, "max")
        return _T._r.max(self, dim, keepdim, axis=axis)

    @overload
    def min(self) -> Tensor: ...
    @overload
    def min(self, dim: builtins.int, keepdim: builtins.bool = False) -> ValuesIndices: ...
    @overload
    def min(self, dim: Tensor) -> Tensor: ...
    @overload
    def min(self, *, axis: Any, keepdim: builtins.bool = False, out: None = None) -> Any: ...
    def min(self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None, out: None = None) -> Any:
        if axis is None and out is None:
            return _T._r.min(self, dim, keepdim)
        _no_out(out, "min")
        return _T._r.min(self, dim, keepdim, axis=axis)

    def amax(
        self, dim: Any = (), keepdim: builtins.bool = False, *, axis: Any = None, out: Tensor | None = None
    ) -> Tensor:
        if axis is None and out is None:
            return _T._r.amax(self, dim, keepdim)
        return _T._r.amax(self, dim, keepdim, axis=axis, out=out)

    def amin(
        self, dim: Any = (), keepdim: builtins.bool = False, *, axis: Any = None, out: Tensor | None = None
    ) -> Tensor:
        if axis is None and out is None:
            return _T._r.amin(self, dim, keepdim)
        return _T._r.amin(self, dim, keepdim, axis=axis, out=out)

    def argmax(
        self, dim: builtins.int | None = None, keepdim: builtins.bool = False, *, axis: Any = None, out: None = None
    ) -> Tensor:
        if axis is None and out is None:
            return _T._r.argmax(self, dim, keepdim)
        _no_out(out, "argmax")
        return _T._r.argmax(self, dim, keepdim, axis=axis)

    def argmin(
        self, dim: builtins.int | None = None, keepdim: builtins.bool = False, *, axis: Any = None, out: None = None
    ) -> Tensor:
        if axis is None and out is None:
            return _T._r.argmin(self, dim, keepdim)
        _no_out(out, "argmin")
        return _T._r.argmin(self, dim, keepdim, axis=axis)

    def var(
        self,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: Any = None,
        axis: Any = None,
    ) -> Tensor:
        if axis is None:
            return _T._r.var(self, dim, unbiased, keepdim, correction=correction)
        return _T._r.var(self, dim, unbiased, keepdim, correction=correction, axis=axis)

    def std(
        self,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: Any = None,
        axis: Any = None,
    ) -> Tensor:
        if axis is None:
            return _T._r.std(self, dim, unbiased, keepdim, correction=correction)
        return _T._r.std(self, dim, unbiased, keepdim, correction=correction, axis=axis)

    def norm(
        self, p: Any = "fro", dim: Any = None, keepdim: builtins.bool = False, dtype: Any = None, *, axis: Any = None
    ) -> Tensor:
        return _T._r.norm(self, p, dim, keepdim, dtype=dtype, axis=axis)

    def logsumexp(self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None) -> Tensor:
        return _T._r.logsumexp(self, dim, keepdim, axis=axis)

    def cumsum(self, dim: Any = None, *, dtype: Any = None, axis: Any = None, out: Tensor | None = None) -> Tensor:
        if axis is None and out is None:
            return _T._r.cumsum(self, dim, dtype=dtype)
        return _T._r.cumsum(self, dim, dtype=dtype, axis=axis, out=out)

    def cumprod(self, dim: Any = None, *, dtype: Any = None, axis: Any = None, out: Tensor | None = None) -> Tensor:
        if axis is None and out is None:
            return _T._r.cumprod(self, dim, dtype=dtype)
        return _T._r.cumprod(self, dim, dtype=dtype, axis=axis, out=out)

    def all(
        self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None, out: Tensor | None = None
    ) -> Tensor:
        if axis is None and out is None:
            return _T._r.all(self, dim, keepdim)
        return _T._r.all(self, dim, keepdim, axis=axis, out=out)

    def any(
        self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None, out: Tensor | None = None
    ) -> Tensor:
        if axis is None and out is None:
            return _T._r.any(self, dim, keepdim)
        return _T._r.any(self, dim, keepdim, axis=axis, out=out)

    def median(self, dim: builtins.int | None = None, keepdim: builtins.bool = False, *, axis: Any = None) -> Any:
        return _T._r.median(self, dim, keepdim, axis=axis)

    def mode(self, dim: builtins.int = -1, keepdim: builtins.bool = False) -> Any:
        return _T._r.mode(self, dim, keepdim)

    def count_nonzero(self, dim: Any = None, *, axis: Any = None) -> Tensor:
        return _T._r.count_nonzero(self, dim, axis=axis)

    # ----------------------------------------------------------------- sorting (see _ops_sort)
    def sort(self, dim: builtins.int = -1, descending: builtins.bool = False, stable: builtins.bool = False) -> Any:
        return _T._so.sort(self, dim, descending, stable=stable)

    def argsort(
        self, dim: builtins.int = -1, descending: builtins.bool = False, stable: builtins.bool = False
    ) -> Tensor:
        return _T._so.argsort(self, dim, descending, stable=stable)

    def topk(
        self, k: builtins.int, dim: builtins.int = -1, largest: builtins.bool = True, sorted: builtins.bool = True
    ) -> Any:
        return _T._so.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k: builtins.int, dim: builtins.int = -1, keepdim: builtins.bool = False) -> Any:
        return _T._so.kthvalue(self, k, dim, keepdim)

    def unique(
        self,
        sorted: builtins.bool = True,
        return_inverse: builtins.bool = False,
        return_counts: builtins.bool = False,
        dim: builtins.int | None = None,
    ) -> Any:
        return _T._so.unique(self, sorted, return_inverse, return_counts, dim)

    # ----------------------------------------------------------------- linear algebra (see _ops_matmul)
    def matmul(self, other: Any) -> Tensor:
        return _T._mm.matmul(self, other)

    def mm(self, mat2: Any) -> Tensor:
        return _T._mm.mm(self, mat2)

    def bmm(self, mat2: Any) -> Tensor:
        return _T._mm.bmm(self, mat2)

    def mv(self, vec: Any) -> Tensor:
        return _T._mm.mv(self, vec)

    def dot(self, other: Any) -> Tensor:
        return _T._mm.dot(self, other)

    def outer(self, vec2: Any) -> Tensor:
        return _T._mm.outer(self, vec2)

    ger = outer

    def inverse(self) -> Tensor:
        from taeda.tensor.linalg import inv

        return inv(cast("Tensor", self))

    def det(self) -> Tensor:
        from taeda.tensor.linalg import det

        return det(cast("Tensor", self))

    # ----------------------------------------------------------------- shape (see _ops_shape)
    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        return _T._s._flatten(cast("Tensor", self), start_dim, end_dim)

    def unflatten(self, dim: builtins.int, sizes: Sequence[builtins.int]) -> Tensor:
        return _T._s.unflatten(self, dim, sizes)

    def ravel(self) -> Tensor:
        return _T._s.flatten(self)

    def squeeze(self, dim: Any = None) -> Tensor:
        return _T._s._squeeze(cast("Tensor", self), dim)

    def unsqueeze(self, dim: builtins.int) -> Tensor:
        return _T._s._unsqueeze(cast("Tensor", self), dim)

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        return _T._s._transpose(cast("Tensor", self), dim0, dim1)

    swapaxes = transpose
    swapdims = transpose

    def t(self) -> Tensor:
        return _T._s.t(self)

    def permute(self, *dims: Any) -> Tensor:
        return _T._s._permute(cast("Tensor", self), dims)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return _T._s.movedim(self, source, destination)

    moveaxis = movedim

    def expand(self, *sizes: Any) -> Tensor:
        return _T._s._expand(cast("Tensor", self), sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return _T._s._expand(cast("Tensor", self), (other.shape,))

    def broadcast_to(self, shape: Sequence[builtins.int]) -> Tensor:
        return _T._s.broadcast_to(self, shape)

    def repeat(self, *sizes: Any) -> Tensor:
        return _T._s.repeat(self, *sizes)

    def repeat_interleave(
        self, repeats: Any, dim: builtins.int | None = None, *, output_size: builtins.int | None = None
    ) -> Tensor:
        return _T._s.repeat_interleave(self, repeats, dim, output_size=output_size)

    def tile(self, *dims: Any) -> Tensor:
        return _T._s.tile(self, *dims)

    def flip(self, *dims: Any) -> Tensor:
        return _T._s.flip(self, *dims)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return _T._s.roll(self, shifts, dims)

    def narrow(self, dim: builtins.int, start: builtins.int, length: builtins.int) -> Tensor:
        return _T._s.narrow(self, dim, start, length)

    def select(self, dim: builtins.int, index: builtins.int) -> Tensor:
        return _T._s.select(self, dim, index)

    def unbind(self, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        return _T._s.unbind(self, dim)

    def chunk(self, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        return _T._s.chunk(self, chunks, dim)

    def split(self, split_size_or_sections: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        return _T._s.split(self, split_size_or_sections, dim)

    def tensor_split(self, indices_or_sections: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        return _T._s.tensor_split(self, indices_or_sections, dim)

    def tril(self, diagonal: builtins.int = 0) -> Tensor:
        return _T._s.tril(self, diagonal)

    def triu(self, diagonal: builtins.int = 0) -> Tensor:
        return _T._s.triu(self, diagonal)

    def diag(self, diagonal: builtins.int = 0) -> Tensor:
        return _T._s.diag(self, diagonal)

    def diagonal(self, offset: builtins.int = 0, dim1: builtins.int = 0, dim2: builtins.int = 1) -> Tensor:
        return _T._s.diagonal(self, offset, dim1, dim2)

    # ----------------------------------------------------------------- indexing functions (see _ops_index)
    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return _T._ix.masked_fill(self, mask, value)

    def index_select(self, dim: builtins.int, index: Any) -> Tensor:
        return _T._ix.index_select(self, dim, index)

    def gather(self, dim: builtins.int, index: Any) -> Tensor:
        return _T._ix.gather(self, dim, index)

    def scatter(self, dim: builtins.int, index: Any, src: Any, *, reduce: str | None = None) -> Tensor:
        return _T._ix.scatter(self, dim, index, src, reduce=reduce)

    def scatter_add(self, dim: builtins.int, index: Any, src: Any) -> Tensor:
        return _T._ix.scatter_add(self, dim, index, src)

    def take(self, index: Any) -> Tensor:
        return _T._ix.take(self, index)

    def nonzero(self, *, as_tuple: builtins.bool = False) -> Any:
        return _T._ix.nonzero(self, as_tuple=as_tuple)

    def masked_select(self, mask: Any) -> Tensor:
        return _T._ix.masked_select(self, mask)

    # ----------------------------------------------------------------- more forwarding methods
    hypot = _method2("hypot")
    logaddexp = _method2("logaddexp")
    copysign = _method2("copysign")
    fmax = _method2("fmax")
    fmin = _method2("fmin")
    bitwise_and = _method2("bitwise_and")
    bitwise_or = _method2("bitwise_or")
    bitwise_xor = _method2("bitwise_xor")
    greater = gt
    less = lt
    greater_equal = ge
    less_equal = le
    not_equal = ne
    asinh = _method1("asinh")
    acosh = _method1("acosh")
    atanh = _method1("atanh")
    arcsinh = asinh
    arccosh = acosh
    arctanh = atanh
    deg2rad = _method1("deg2rad")
    rad2deg = _method1("rad2deg")
    signbit = _method1("signbit")
    isposinf = _method1("isposinf")
    isneginf = _method1("isneginf")

    def clamp_min(self, min: Any) -> Tensor:
        return _T._m.clamp(self, min, None)

    def clamp_max(self, max: Any) -> Tensor:
        return _T._m.clamp(self, None, max)

    def nansum(self, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None, axis: Any = None) -> Tensor:
        return _T._r.nansum(self, dim, keepdim, dtype=dtype, axis=axis)

    def nanmean(
        self, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None, axis: Any = None
    ) -> Tensor:
        return _T._r.nanmean(self, dim, keepdim, dtype=dtype, axis=axis)

    def aminmax(self, *, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> tuple[Tensor, Tensor]:
        return _T._r.aminmax(self, dim=dim, keepdim=keepdim)

    def cummax(self, dim: Any = None, *, axis: Any = None) -> Any:
        return _T._r.cummax(self, dim, axis=axis)

    def cummin(self, dim: Any = None, *, axis: Any = None) -> Any:
        return _T._r.cummin(self, dim, axis=axis)

    def msort(self) -> Tensor:
        return _T._so.msort(self)

    def index_add(self, dim: builtins.int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        return _T._ix.index_add(self, dim, index, source, alpha=alpha)

    def index_fill(self, dim: builtins.int, index: Any, value: Any) -> Tensor:
        return _T._ix.index_fill(self, dim, index, value)

    def scatter_reduce(
        self, dim: builtins.int, index: Any, src: Any, reduce: builtins.str, *, include_self: builtins.bool = True
    ) -> Tensor:
        return _T._ix.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def take_along_dim(self, indices: Any, dim: builtins.int | None = None) -> Tensor:
        return _T._ix.take_along_dim(self, indices, dim)

    def argwhere(self) -> Tensor:
        return _T._ix.argwhere(self)

    def diag_embed(self, offset: builtins.int = 0, dim1: builtins.int = -2, dim2: builtins.int = -1) -> Tensor:
        return _T._s.diag_embed(self, offset, dim1, dim2)

    def fliplr(self) -> Tensor:
        return _T._s.fliplr(self)

    def flipud(self) -> Tensor:
        return _T._s.flipud(self)

    def trace(self) -> Tensor:
        return _T._mm.trace(self)

    def kron(self, other: Any) -> Tensor:
        return _T._mm.kron(self, other)

    def cross(self, other: Any, dim: builtins.int | None = None) -> Tensor:
        return _T._mm.cross(self, other, dim)

    def inner(self, other: Any) -> Tensor:
        return _T._mm.inner(self, other)

    def vdot(self, other: Any) -> Tensor:
        return _T._mm.vdot(self, other)

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _T._mm.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def type_as(self, other: Any) -> Tensor:
        return cast("Tensor", self).to(other.dtype)

    # ----------------------------------------------------------------- in-place indexing and triangles
    def index_fill_(self, dim: builtins.int, index: Any, value: Any) -> Tensor:
        _T._ix.index_fill_inplace(cast("Tensor", self), dim, index, value)
        return cast("Tensor", self)

    def index_add_(self, dim: builtins.int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        _T._ix.index_add_inplace(cast("Tensor", self), dim, index, source, alpha)
        return cast("Tensor", self)

    def scatter_(self, dim: builtins.int, index: Any, src: Any, *, reduce: builtins.str | None = None) -> Tensor:
        return cast("Tensor", self).copy_(_T._ix.scatter(self, dim, index, src, reduce=reduce))

    def scatter_add_(self, dim: builtins.int, index: Any, src: Any) -> Tensor:
        return cast("Tensor", self).copy_(_T._ix.scatter_add(self, dim, index, src))

    def tril_(self, diagonal: builtins.int = 0) -> Tensor:
        return cast("Tensor", self).copy_(_T._s.tril(self, diagonal))

    def triu_(self, diagonal: builtins.int = 0) -> Tensor:
        return cast("Tensor", self).copy_(_T._s.triu(self, diagonal))
