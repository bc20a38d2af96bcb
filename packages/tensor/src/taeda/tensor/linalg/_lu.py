"""LU factorisation with partial pivoting and solves with it: ``lu_factor`` and ``lu_solve``.

The CPU path calls LAPACK's ``getrf``/``getrs`` through SciPy one matrix at a time; the GPU path CuPy's
``cupyx.scipy.linalg.lu_factor``/``lu_solve`` (square matrices only there). Pivots are int32 and 1-based, as
LAPACK's and PyTorch's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from taeda.tensor._checks import broadcast_error, check_same_device
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._dtype import torch_name
from taeda.tensor.linalg._common import array_of, batch_prefix, check_float, matrix_input, wrap

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["LUFactorResult", "lu_factor", "lu_solve"]


class LUFactorResult(NamedTuple):
    """``(LU, pivots)`` of ``lu_factor``: ``L`` (unit diagonal, below) and ``U`` packed in one matrix."""

    LU: Tensor
    pivots: Tensor


@taeda_function
def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:
    """The LU factorisation ``P A = L U`` of a (batch of) matrices, packed as ``(LU, pivots)`` for ``lu_solve``.
    Raises when a pivot of ``U`` is exactly zero (a singular matrix), as PyTorch.

    Example:
        >>> import taeda.tensor as tt
        >>> LU, piv = tt.linalg.lu_factor(tt.tensor([[1.0, 2.0], [3.0, 4.0]])); piv.tolist()
        [2, 2]
    """
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    arr = matrix_input(A, "torch.linalg.lu_factor")
    xp = A.device.xp
    m, n = arr.shape[-2:]
    k = min(m, n)
    mats = arr.reshape(math.prod(arr.shape[:-2]), m, n)
    lu = xp.empty_like(mats)
    piv = np.zeros((mats.shape[0], k), dtype=np.int32)
    if k:
        if xp is np:
            import scipy.linalg

            (getrf,) = scipy.linalg.get_lapack_funcs(("getrf",), (mats,))
        else:
            import cupyx.scipy.linalg
        for i in range(mats.shape[0]):
            if xp is np:
                lu_i, p_i, info = getrf(mats[i])
            else:
                lu_i, p_i = cupyx.scipy.linalg.lu_factor(mats[i], check_finite=False)
                p_i = p_i.get()
                diag = xp.abs(xp.diagonal(lu_i)).get()
                zero = np.flatnonzero(diag == 0)
                info = int(zero[0]) + 1 if zero.size else 0
            if info > 0:
                raise RuntimeError(
                    f"torch.linalg.lu_factor: {batch_prefix(arr, i)}U[{info},{info}] is zero and using it on "
                    "lu_solve would result in a division by zero. If you still want to perform the factorization, "
                    "consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
                )
            lu[i] = lu_i
            piv[i] = np.asarray(p_i)[:k] + 1
    else:
        lu = mats.copy()
    pivots = piv.reshape((*arr.shape[:-2], k))
    return LUFactorResult(wrap(lu.reshape(arr.shape)), wrap(pivots if xp is np else xp.asarray(pivots)))


@taeda_function
def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """Solve ``A X = B`` from ``lu_factor(A)`` (``X A = B`` with ``left=False``; ``A`` replaced by its conjugate
    transpose with ``adjoint=True``), batched with broadcast batch dims.

    Example:
        >>> import taeda.tensor as tt
        >>> A = tt.tensor([[1.0, 2.0], [3.0, 4.0]]); LU, piv = tt.linalg.lu_factor(A)
        >>> tt.linalg.lu_solve(LU, piv, tt.tensor([[5.0], [11.0]])).flatten().tolist()
        [1.0, 2.0]
    """
    lu = array_of(LU, "linalg.lu_solve", "LU")
    p = array_of(pivots, "linalg.lu_solve", "pivots")
    b = array_of(B, "linalg.lu_solve", "B")
    if lu.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor LU must have at least 2 dimensions.")
    if lu.shape[-1] != lu.shape[-2]:
        raise RuntimeError(
            f"torch.linalg.lu_solve: A must be batches of square matrices, but they are {lu.shape[-2]} by "
            f"{lu.shape[-1]} matrices"
        )
    if b.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    n = lu.shape[-1]
    rows = b.shape[-2] if left else b.shape[-1]
    if rows != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"linalg.lu_solve: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and "
            f"{b.shape[-2]}x{b.shape[-1]})"
        )
    if p.dtype != np.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if p.ndim < 1 or p.shape[-1] != n:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the dimension of the matrix")
    if p.shape != lu.shape[:-1]:
        raise RuntimeError(
            "linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
            f"{list(p.shape)} instead"
        )
    check_float(lu, "linalg.lu_solve")
    if lu.dtype != b.dtype:
        raise RuntimeError(
            f"linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type {torch_name(lu.dtype)} "
            f"and B of type {torch_name(b.dtype)} instead"
        )
    check_same_device(lu, p, b)
    xp = LU.device.xp
    err = broadcast_error(lu.shape[:-2], b.shape[:-2])
    if err is not None:
        raise err
    batch = tuple(np.broadcast_shapes(lu.shape[:-2], b.shape[:-2]))
    cplx = lu.dtype.kind == "c"
    # X A = B is A^T X^T = B^T; X A^H = B is A X^H = B^H
    if left:
        rhs, trans = b, (2 if adjoint else 0)
    else:
        rhs = xp.swapaxes(b, -1, -2)
        if adjoint and cplx:
            rhs = xp.conj(rhs)
        trans = 0 if adjoint else 1
    k = rhs.shape[-1]
    count = math.prod(batch)
    lus = xp.broadcast_to(lu, (*batch, n, n)).reshape(count, n, n)
    ps = xp.broadcast_to(p, (*batch, n)).reshape(count, n)
    bs = xp.broadcast_to(rhs, (*batch, n, k)).reshape(count, n, k)
    x = xp.empty_like(bs)
    if n and k:
        if xp is np:
            import scipy.linalg

            (getrs,) = scipy.linalg.get_lapack_funcs(("getrs",), (lus, bs))
            for i in range(bs.shape[0]):
                x[i] = getrs(lus[i], ps[i] - 1, bs[i], trans=trans)[0]
        else:
            import cupyx.scipy.linalg

            for i in range(bs.shape[0]):
                x[i] = cupyx.scipy.linalg.lu_solve((lus[i], ps[i] - 1), bs[i], trans=trans, check_finite=False)
    x = x.reshape((*batch, n, k))
    if not left:
        x = xp.conj(xp.swapaxes(x, -1, -2)) if adjoint and cplx else xp.swapaxes(x, -1, -2)
    return wrap(xp.ascontiguousarray(x))
