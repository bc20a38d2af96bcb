"""Vector and matrix norms: ``vector_norm``, ``matrix_norm`` and ``norm`` (which picks one of them)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from taeda.tensor._checks import norm_dims
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._dtype import to_dtype
from taeda.tensor.linalg._common import array_of, check_float, matrix_input, raising, wrap

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["vector_norm", "matrix_norm", "norm"]


def _prepare(arr: Any, dtype: Any, fname: str, xp: Any) -> tuple[Any, Any]:
    """Cast to ``dtype`` if given and return (working array, result dtype); half precision works in float32."""
    if dtype is not None:
        dt = to_dtype(dtype)
        if dt.kind not in "fc":
            raise RuntimeError(f"{fname}: dtype should be floating point or complex, but got {dt}")
        arr = arr.astype(dt, copy=False)
    if arr.dtype.kind not in "fc":
        check_float(arr, fname)
    real = np.empty(0, dtype=arr.dtype).real.dtype
    if arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    return arr, real


def _is_inf(ord: Any) -> bool:
    return isinstance(ord, (int, float)) and math.isinf(ord)


@taeda_function
def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The ``ord``-norm of ``x`` as a vector over ``dim`` (all elements when ``None``).

    ``ord`` may be any real number or ``inf``/``-inf``; ``ord=0`` counts the non-zero elements.

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.tensor([3.0, -4.0])
        >>> tt.linalg.vector_norm(x).item(), tt.linalg.vector_norm(x, 1).item()
        (5.0, 7.0)
    """
    fname = "linalg.vector_norm"
    arr = array_of(x, fname, "x")
    xp = x.device.xp
    arr, real = _prepare(arr, dtype, fname, xp)
    axes = None if dim is None else norm_dims(dim, arr.ndim)
    if axes == ():
        axes = None
    a = xp.abs(arr) if ord != 2 else arr
    if _is_inf(ord):
        reduced = a.size if axes is None else math.prod(a.shape[i] for i in axes)
        if reduced == 0:
            raise RuntimeError(
                f"{fname} cannot compute the {ord} norm on an empty tensor because the operation does not have an "
                "identity"
            )
        out = a.max(axis=axes, keepdims=keepdim) if ord > 0 else a.min(axis=axes, keepdims=keepdim)
    elif ord == 0:
        out = (a != 0).sum(axis=axes, keepdims=keepdim)
    elif ord == 1:
        out = a.sum(axis=axes, keepdims=keepdim)
    elif ord == 2:
        if arr.dtype.kind == "c":
            sq = arr.real * arr.real + arr.imag * arr.imag
            out = xp.sqrt(sq.sum(axis=axes, keepdims=keepdim))
        elif axes is None and not keepdim:
            flat = arr.reshape(-1)
            out = xp.sqrt(xp.dot(flat, flat))  # one BLAS pass, as numpy.linalg.norm
        else:
            out = xp.sqrt((arr * arr).sum(axis=axes, keepdims=keepdim))
    else:
        with np.errstate(divide="ignore"):
            out = (a ** float(ord)).sum(axis=axes, keepdims=keepdim) ** (1.0 / float(ord))
    return wrap(xp.asarray(out).astype(real, copy=False))


_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


@taeda_function
def matrix_norm(
    A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """A matrix norm over the two dims ``dim``: ``"fro"``, ``"nuc"``, ``1``, ``-1``, ``2``, ``-2``, ``inf``, ``-inf``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.matrix_norm(tt.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1).item()
        6.0
    """
    fname = "linalg.matrix_norm"
    arr = matrix_input(A, fname) if dtype is None else array_of(A, fname)
    if arr.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{fname}: Order {ord} not supported.")
    xp = A.device.xp
    arr, real = _prepare(arr, dtype, fname, xp)
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{fname}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = norm_dims(tuple(dim), arr.ndim)
    m = xp.moveaxis(arr, (d0, d1), (-2, -1))
    if ord == "fro":
        a = xp.abs(m)
        out = xp.sqrt((a * a).sum(axis=(-2, -1)))
    elif ord in ("nuc", 2, -2):
        if m.shape[-1] * m.shape[-2] == 0 and ord != "nuc":
            raise RuntimeError(f"{fname}: the {ord} norm of an empty matrix is not defined")
        with raising(xp)[0]:
            s = xp.linalg.svd(m, compute_uv=False)
        out = s.sum(axis=-1) if ord == "nuc" else (s.max(axis=-1) if ord == 2 else s.min(axis=-1))
    else:
        # 1 / -1: max / min column sum; inf / -inf: max / min row sum
        sums = xp.abs(m).sum(axis=-2 if abs(ord) == 1 else -1)
        if sums.shape[-1] == 0:
            raise RuntimeError(f"{fname}: the {ord} norm of an empty matrix is not defined")
        out = sums.max(axis=-1) if ord > 0 else sums.min(axis=-1)
    if keepdim:
        out = xp.expand_dims(out, tuple(sorted((d0, d1))))
    return wrap(xp.asarray(out).astype(real, copy=False))


@taeda_function
def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """A vector or matrix norm, as ``torch.linalg.norm``: a vector norm over one dim (or all elements when
    ``dim`` and ``ord`` are ``None``), a matrix norm over two dims (or of a 2-d input when only ``ord`` is given).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.norm(tt.tensor([[3.0, 0.0], [0.0, 4.0]])).item()
        5.0
    """
    arr = array_of(A, "linalg.norm")
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if arr.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if arr.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {arr.ndim}D.")
