"""Differentiable special functions, quantiles, splits and linear algebra of ``Variable`` (a mixin), and the
``taeda.tensor`` functions reaching them through ``__taeda_function__`` (``SPECIAL_FUNCS``, ``SPECIAL_METHODS``,
``SPECIAL_NONDIFF``, merged by ``_dispatch``).

What is exact as a composition of existing ops is routed there (as PyTorch composes it): ``positive``,
``resolve_conj`` and ``conj``/``conj_physical`` of a real tensor return the input itself, ``float_power`` is ``pow``
of the inputs cast to float64 (complex128), ``hsplit``/``vsplit``/``dsplit`` are ``split``, ``cartesian_prod`` is
``stack`` of expanded inputs, ``nanmedian`` is the evenly-distributing / index-selecting reduction of ``median``,
``linalg.matrix_power``/``multi_dot``/``vecdot`` are products, ``inv`` and sums.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import taeda.tensor as tt
from taeda.autograd import _ops_linalg_more as LM
from taeda.autograd import _ops_reduce as R
from taeda.autograd import _ops_shape as S
from taeda.autograd import _ops_special as SP
from taeda.autograd._ops_arith import Pow
from taeda.autograd._ops_quantile import Quantile
from taeda.autograd._variable_inplace import _plain

if TYPE_CHECKING:
    from taeda.autograd._variable import Variable


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        raise RuntimeError(f"{name}(): out= is not supported for Variables (it would not be differentiable)")


def _var(x: Any) -> Any:
    from taeda.autograd._dispatch import _var as wrap

    return wrap(x)


def _is_complex(x: Any) -> bool:
    return hasattr(x, "dtype") and x.dtype.kind == "c"


class SpecialOps:
    """Mixin of ``Variable``: the method forms of the functions below."""

    __slots__ = ()

    if TYPE_CHECKING:

        def _inplace(self, method: str, op: Any, *args: Any, **kwargs: Any) -> Variable: ...

        @property
        def dtype(self) -> Any: ...

        @property
        def data(self) -> Any: ...

    def sgn(self) -> Variable:
        if _is_complex(self):
            return SP.SgnComplex.apply(self)  # type: ignore[no-any-return]
        return self.sign()  # type: ignore[attr-defined,no-any-return]

    def xlogy(self, other: Any) -> Variable:
        return SP.Xlogy.apply(self, other)  # type: ignore[no-any-return]

    def xlogy_(self, other: Any) -> Variable:
        return self._inplace("xlogy_", lambda s: s.xlogy(other), other)

    def float_power(self, exponent: Any) -> Variable:
        return float_power(self, exponent)  # type: ignore[no-any-return]

    def float_power_(self, exponent: Any) -> Variable:
        if self.dtype != float_power_dtype(self, exponent):
            self.data.float_power_(_plain(exponent))  # raises PyTorch's error for a base of another dtype
        return self._inplace("float_power_", lambda s: s.float_power(exponent), exponent)

    def positive(self) -> Variable:
        return positive(self)  # type: ignore[no-any-return]

    def sinc(self) -> Variable:
        return SP.Sinc.apply(self)  # type: ignore[no-any-return]

    def sinc_(self) -> Variable:
        return self._inplace("sinc_", lambda s: s.sinc())

    def logit(self, eps: float | None = None) -> Variable:
        return SP.Logit.apply(self, eps)  # type: ignore[no-any-return]

    def logit_(self, eps: float | None = None) -> Variable:
        return self._inplace("logit_", lambda s: s.logit(eps), eps)

    def i0(self) -> Variable:
        return SP.I0.apply(self)  # type: ignore[no-any-return]

    def i0_(self) -> Variable:
        return self._inplace("i0_", lambda s: s.i0())

    def angle(self) -> Variable:
        return SP.Angle.apply(self)  # type: ignore[no-any-return]

    def conj(self) -> Variable:
        return SP.Conj.apply(self) if _is_complex(self) else self  # type: ignore[return-value]

    def conj_physical(self) -> Variable:
        return self.conj()

    def resolve_conj(self) -> Variable:
        return self  # type: ignore[return-value]

    def is_conj(self) -> bool:
        return False

    def isreal(self) -> Variable:
        return _var(tt.isreal(_plain(self)))  # type: ignore[no-any-return]

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear") -> Any:
        return Quantile.apply(self, q, dim, keepdim, interpolation, False)

    def nanquantile(
        self, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
    ) -> Any:
        return Quantile.apply(self, q, dim, keepdim, interpolation, True)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        if dim is None:
            return R.Spread.apply(self, "nanmedian")
        return self._select_dim("nanmedian", dim, keepdim, dim, keepdim)  # type: ignore[attr-defined]

    def hsplit(self, indices_or_sections: Any) -> tuple[Variable, ...]:
        return _split("hsplit", self, indices_or_sections)

    def vsplit(self, indices_or_sections: Any) -> tuple[Variable, ...]:
        return _split("vsplit", self, indices_or_sections)

    def dsplit(self, indices_or_sections: Any) -> tuple[Variable, ...]:
        return _split("dsplit", self, indices_or_sections)

    def matrix_power(self, n: int) -> Variable:
        return LM.matrix_power(self, n)  # type: ignore[no-any-return]

    def matrix_exp(self) -> Variable:
        return LM.MatrixExp.apply(self)  # type: ignore[no-any-return]


def float_power_dtype(input: Any, exponent: Any) -> Any:
    cplx = any(_is_complex(v) or isinstance(v, complex) for v in (input, exponent))
    return tt.complex128 if cplx else tt.float64


def float_power(input: Any, exponent: Any, *, out: Any = None) -> Any:
    """``pow`` of the operands cast to float64 (complex128), as PyTorch's composite: each gradient comes back in
    its operand's dtype through the cast."""
    _no_out("float_power", out)
    dt = float_power_dtype(input, exponent)
    x = input.to(dt) if hasattr(input, "to") else (complex(input) if dt == tt.complex128 else float(input))
    e = exponent.to(dt) if hasattr(exponent, "to") else (complex(exponent) if dt == tt.complex128 else float(exponent))
    return Pow.apply(x, e)


def positive(input: Any) -> Any:
    if input.dtype == tt.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _split(name: str, v: Any, ios: Any) -> tuple[Variable, ...]:
    """``hsplit``/``vsplit``/``dsplit``: the Tensor function's checks and sizes (views of the data), then
    ``split``."""
    v = _var(v)
    parts = getattr(tt, name)(v.data, ios)
    dim = {"hsplit": 0 if v.ndim == 1 else 1, "vsplit": 0, "dsplit": 2}[name]
    return v.split([int(p.shape[dim]) for p in parts], dim)  # type: ignore[no-any-return]


def cartesian_prod(*tensors: Any) -> Any:
    """``meshgrid`` (``ij``) of the 1-D inputs, flattened and stacked along dim 1, as PyTorch composes it."""
    ok = tensors and all(t.ndim == 1 for t in tensors) and all(t.dtype == tensors[0].dtype for t in tensors)
    if not ok:
        tt.cartesian_prod(*[_plain(t) for t in tensors])  # raises the Tensor function's error
    if len(tensors) == 1:
        return tensors[0]
    sizes = tuple(int(t.shape[0]) for t in tensors)
    cols = []
    for i, t in enumerate(tensors):
        shape = [1] * len(sizes)
        shape[i] = -1
        cols.append(_var(t).reshape(shape).expand(sizes).reshape(-1))
    return S.Stack.apply(1, *cols)


def _unary(method: str) -> Callable[..., Any]:
    def run(input: Any, *args: Any, out: Any = None, **kw: Any) -> Any:
        _no_out(method, out)
        return getattr(_var(input), method)(*args, **kw)

    return run


def _quantile(ignore_nan: bool) -> Callable[..., Any]:
    def run(
        input: Any, q: Any, dim: Any = None, keepdim: bool = False, *, interpolation: str = "linear", out: Any = None
    ) -> Any:
        _no_out("nanquantile" if ignore_nan else "quantile", out)
        return Quantile.apply(input, q, dim, keepdim, interpolation, ignore_nan)

    return run


def _xlogy(input: Any, other: Any, *, out: Any = None) -> Any:
    _no_out("xlogy", out)
    return SP.Xlogy.apply(input, other)


def _lstsq(A: Any, B: Any, rcond: Any = None, *, driver: Any = None) -> Any:
    return tt.linalg.LstsqResult(*LM.Lstsq.apply(A, B, rcond, driver))


def _lu_solve(LU: Any, pivots: Any, B: Any, *, left: bool = True, adjoint: bool = False, out: Any = None) -> Any:
    _no_out("linalg.lu_solve", out)
    return LM.LuSolve.apply(LU, _plain(pivots), B, left, adjoint)


def _i1(input: Any, *, out: Any = None) -> Any:
    _no_out("i1", out)
    return SP.i1(_var(input))


SPECIAL_FUNCS: dict[str, Callable[..., Any]] = {
    "xlogy": _xlogy,
    "float_power": float_power,
    "positive": positive,
    "sinc": _unary("sinc"),
    "logit": _unary("logit"),
    "i0": _unary("i0"),
    "special.i1": _i1,
    "angle": _unary("angle"),
    "conj": lambda input: _var(input).conj(),
    "conj_physical": _unary("conj_physical"),
    "resolve_conj": lambda input: input,
    "quantile": _quantile(False),
    "nanquantile": _quantile(True),
    "hsplit": lambda input, ios: _split("hsplit", input, ios),
    "vsplit": lambda input, ios: _split("vsplit", input, ios),
    "dsplit": lambda input, ios: _split("dsplit", input, ios),
    "cartesian_prod": cartesian_prod,
    "matrix_power": lambda A, n, **kw: LM.matrix_power(A, n),
    "linalg.matrix_power": lambda A, n, **kw: LM.matrix_power(A, n),
    "matrix_exp": lambda A, **kw: LM.MatrixExp.apply(A),
    "linalg.matrix_exp": lambda A, **kw: LM.MatrixExp.apply(A),
    "linalg.multi_dot": lambda tensors, **kw: LM.multi_dot([_var(t) for t in tensors]),
    "linalg.vecdot": lambda x, y, *, dim=-1, **kw: LM.vecdot(_var(x), _var(y), dim),
    "linalg.lstsq": _lstsq,
    "linalg.lu_solve": _lu_solve,
    "linalg.lu_factor": lambda A, *, pivot=True, **kw: tt.linalg.LUFactorResult(*LM.LuFactor.apply(A, pivot)),
}

SPECIAL_METHODS = {"nanmedian"}

SPECIAL_NONDIFF = {"gcd", "lcm", "isreal", "is_conj"}
