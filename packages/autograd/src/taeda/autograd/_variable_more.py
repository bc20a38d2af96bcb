"""More differentiable Tensor methods of ``Variable`` (a mixin) and the ``taeda.tensor`` functions that reach
them through ``__taeda_function__`` (``MORE_SPECIAL``, ``MORE_METHODS``, used by ``_dispatch``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import taeda.tensor as tt
from taeda.autograd import _ops_decomp as D
from taeda.autograd import _ops_pointwise as P
from taeda.autograd import _ops_products as M
from taeda.autograd import _ops_reduce_more as RM
from taeda.autograd import _ops_scatter as X
from taeda.autograd._grad_mode import _state
from taeda.autograd._variable_inplace import _plain

if TYPE_CHECKING:
    from taeda.autograd._variable import Variable


class MoreOps:
    """Mixin of ``Variable``: products, nan-reductions, running extremes and index scatters."""

    __slots__ = ()

    if TYPE_CHECKING:

        def _inplace(self, method: str, op: Any, *args: Any, **kwargs: Any) -> Variable: ...

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Variable:
        return M.Addmm.apply(self, mat1, mat2, beta, alpha)  # type: ignore[no-any-return]

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Variable:
        return P.Addcmul.apply(self, tensor1, tensor2, value)  # type: ignore[no-any-return]

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Variable:
        return P.Addcdiv.apply(self, tensor1, tensor2, value)  # type: ignore[no-any-return]

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Variable:
        return self._inplace(
            "addcmul_", lambda s: s.addcmul(tensor1, tensor2, value=value), tensor1, tensor2, value=value
        )

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Variable:
        return self._inplace(
            "addcdiv_", lambda s: s.addcdiv(tensor1, tensor2, value=value), tensor1, tensor2, value=value
        )

    def hypot(self, other: Any) -> Variable:
        return P.Hypot.apply(self, other)  # type: ignore[no-any-return]

    def copysign(self, other: Any) -> Variable:
        return P.Copysign.apply(self, other)  # type: ignore[no-any-return]

    def fmax(self, other: Any) -> Variable:
        return P.Fmax.apply(self, other)  # type: ignore[no-any-return]

    def fmin(self, other: Any) -> Variable:
        return P.Fmin.apply(self, other)  # type: ignore[no-any-return]

    def trace(self) -> Variable:
        return M.Trace.apply(self)  # type: ignore[no-any-return]

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Variable:
        return M.DiagEmbedDims.apply(self, offset, dim1, dim2)  # type: ignore[no-any-return]

    def kron(self, other: Any) -> Variable:
        return M.Kron.apply(self, other)  # type: ignore[no-any-return]

    def cross(self, other: Any, dim: int | None = None) -> Variable:
        return M.Cross.apply(self, other, M.cross_dim(self, other, dim))  # type: ignore[no-any-return]

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None) -> Variable:
        return RM.NanSum.apply(self, dim if axis is None else axis, keepdim, dtype)  # type: ignore[no-any-return]

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None) -> Variable:
        return RM.NanMean.apply(self, dim if axis is None else axis, keepdim, dtype)  # type: ignore[no-any-return]

    def cummax(self, dim: Any = None, *, axis: Any = None) -> Any:
        return _cum(self, dim if axis is None else axis, True)

    def cummin(self, dim: Any = None, *, axis: Any = None) -> Any:
        return _cum(self, dim if axis is None else axis, False)

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Variable:
        return X.TakeAlongDim.apply(self, _plain(indices), dim)  # type: ignore[no-any-return]

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Variable:
        return X.IndexAdd.apply(self, dim, _plain(index), source, alpha)  # type: ignore[no-any-return]

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Variable:
        return self._inplace(
            "index_add_", lambda s: s.index_add(dim, index, source, alpha=alpha), dim, index, source, alpha=alpha
        )

    def index_fill(self, dim: int, index: Any, value: Any) -> Variable:
        return X.IndexFill.apply(self, dim, _plain(index), value)  # type: ignore[no-any-return]

    def index_fill_(self, dim: int, index: Any, value: Any) -> Variable:
        return self._inplace("index_fill_", lambda s: s.index_fill(dim, index, value), dim, index, value)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Variable:
        return X.ScatterReduce.apply(self, dim, _plain(index), src, reduce, include_self)  # type: ignore[no-any-return]


def _cum(v: Any, dim: Any, largest: bool) -> Any:
    from taeda.autograd._variable_ops import ValuesIndices

    if dim is None:
        raise TypeError(f'{"cummax" if largest else "cummin"}() missing 1 required positional arguments: "dim"')
    values, indices = RM.CumExtreme.apply(v, dim, largest)
    return ValuesIndices(values, indices)


def _var_mean(std: bool) -> Callable[..., Any]:
    def run(
        input: Any,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: bool = False,
        *,
        correction: Any = None,
        axis: Any = None,
    ) -> Any:
        d, c = RM.var_mean_args(dim if axis is None else axis, unbiased, correction)
        return RM.VarMean.apply(input, d, c, keepdim, std)

    return run


def _linalg_cross(input: Any, other: Any, *, dim: int = -1, **kw: Any) -> Any:
    """``linalg.cross``: as ``cross`` with PyTorch's stricter checks (same number of dims, ``dim`` of length 3)."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = M.cross_dim(input, other, dim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and {other.shape[d]}"
        )
    return M.Cross.apply(input, other, d)


def _addc(name: str, input: Any, t1: Any, t2: Any, value: Any, kw: dict[str, Any]) -> Any:
    """``addcmul``/``addcdiv`` called as functions (``out=`` would not be differentiable)."""
    if kw.get("out") is not None:
        raise RuntimeError(f"{name}(): out= is not supported for Variables (it would not be differentiable)")
    return getattr(_var(input), name)(t1, t2, value=value)


def _recording(a: Any) -> bool:
    """Whether an op on ``a`` is recorded (then ``svdvals``/``eigvalsh`` compute the vectors their backward needs)."""
    return bool(getattr(a, "_rg", False)) and _state.enabled


def _values(fn: Callable[..., Any], a: Any, *args: Any) -> Any:
    return _var(fn(_plain(a), *args))


def _var(x: Any) -> Any:
    from taeda.autograd._dispatch import _var as wrap

    return wrap(x)


MORE_SPECIAL: dict[str, Callable[..., Any]] = {
    "var_mean": _var_mean(False),
    "std_mean": _var_mean(True),
    "addcmul": lambda input, t1, t2, *, value=1, **kw: _addc("addcmul", input, t1, t2, value, kw),
    "addcdiv": lambda input, t1, t2, *, value=1, **kw: _addc("addcdiv", input, t1, t2, value, kw),
    "linalg.svd": lambda A, full_matrices=True, **kw: tt.linalg.SVDResult(*D.Svd.apply(A, full_matrices)),
    "linalg.svdvals": lambda A, **kw: D.Svd.apply(A, False)[1] if _recording(A) else _values(tt.linalg.svdvals, A),
    "linalg.eigh": lambda A, UPLO="L", **kw: tt.linalg.EighResult(*D.Eigh.apply(A, UPLO)),
    "linalg.eigvalsh": lambda A, UPLO="L", **kw: (
        D.Eigh.apply(A, UPLO)[0] if _recording(A) else _values(tt.linalg.eigvalsh, A, UPLO)
    ),
    "linalg.qr": lambda A, mode="reduced", **kw: tt.linalg.QRResult(*D.Qr.apply(A, mode)),
    "linalg.pinv": lambda A, *, atol=None, rtol=None, hermitian=False, **kw: D.Pinv.apply(
        A, _plain(atol), _plain(rtol), hermitian
    ),
    "linalg.cross": _linalg_cross,
    "linalg.matrix_norm": lambda A, *a, **kw: D.matrix_norm(_var(A), *a, **kw),
    "linalg.norm": lambda A, *a, **kw: D.norm(_var(A), *a, **kw),
}

MORE_METHODS = {
    "addmm",
    "hypot",
    "copysign",
    "fmax",
    "fmin",
    "trace",
    "diag_embed",
    "kron",
    "cross",
    "nansum",
    "nanmean",
    "cummax",
    "cummin",
    "take_along_dim",
    "index_add",
    "index_fill",
    "scatter_reduce",
}
