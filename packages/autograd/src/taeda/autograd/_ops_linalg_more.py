"""More linear algebra: ``linalg.matrix_exp``, ``linalg.lstsq``'s solution, ``linalg.lu_factor`` and
``linalg.lu_solve`` as Functions, ``linalg.matrix_power``, ``linalg.multi_dot`` and ``linalg.vecdot`` composed of
existing ops (as PyTorch composes them, so their gradients are exactly those of the products, inverse and sums).

Gradients are PyTorch's (``FunctionsManual.cpp``), real case: ``matrix_exp`` differentiates through the block matrix
``[[A^T, G], [0, A^T]]`` (``linalg_matrix_exp_differential``); ``lstsq`` through ``pinv(A)``
(``linalg_lstsq_backward``: correct for full-rank ``A``, the residuals, rank and singular values get none);
``lu_solve`` sends ``lu_solve(LU, pivots, G, adjoint=not adjoint)`` to ``B`` and ``linalg_lu_solve_LU`` to ``LU``
(the pivots fixed); ``lu_factor``'s is ``lu_factor_ex_backward`` (square matrices). The backward formulas use
``taeda.tensor`` functions and methods a Variable routes to differentiable ops, so ``create_graph=True``
differentiates them again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._ops_decomp import _dense, _real_only, pinv_backward
from taeda.autograd._util import BuiltinFunction, TensorLike


class MatrixExp(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return tt.linalg.matrix_exp(a)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        (a,) = ctx.saved_tensors
        _real_only(a, "linalg.matrix_exp")
        n = int(a.shape[-1])
        if n == 0:
            return g * 1
        at = a.mT
        g = g.expand(tuple(a.shape)) if tuple(g.shape) != tuple(a.shape) else g
        top = tt.cat([at, g], -1)
        bottom = tt.cat([g.new_zeros(tuple(a.shape)), at], -1)
        big = tt.linalg.matrix_exp(tt.cat([top, bottom], -2))
        return big[..., :n, n:]


class Lstsq(BuiltinFunction):
    """``linalg.lstsq(A, B, rcond, driver)``: ``(solution, residuals, rank, singular_values)``, only the solution
    differentiable."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, rcond: Any, driver: Any) -> Any:
        ctx.set_materialize_grads(False)
        r = tt.linalg.lstsq(a, b, rcond, driver=driver)
        sol, res, rank, sv = tuple(r)
        ctx.mark_non_differentiable(res, rank, sv)
        ctx.save_for_backward(a, b)
        return sol, res, rank, sv

    @staticmethod
    def backward(ctx: Any, gX: Any, *rest: Any) -> tuple[Any, Any, None, None]:
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[:2]
        if gX is None or not (na or nb):
            return None, None, None, None
        _real_only(a, "linalg.lstsq")
        vector = a.ndim - b.ndim == 1
        gX = _dense(gX.unsqueeze(-1) if vector else gX)
        B = b.unsqueeze(-1) if vector else b
        pinvA = tt.linalg.pinv(a)
        ga = pinv_backward(gX @ B.mT, pinvA, a) if na else None
        gb = None
        if nb:
            gb = pinvA.mT @ gX
            gb = gb.squeeze(-1) if vector else gb
        return ga, gb, None, None


def _permutation(pivots: Any) -> Any:
    """``P`` (``A = P L U``) from LAPACK's 1-based row interchanges (a Tensor), batched, as an ndarray."""
    piv = np.asarray(pivots.cpu().array, dtype=np.int64) - 1
    n = piv.shape[-1]
    rows = np.broadcast_to(np.arange(n), piv.shape).copy()
    flat, fp = rows.reshape(-1, n), piv.reshape(-1, n)
    idx = np.arange(flat.shape[0])
    for i in range(n):
        j = fp[:, i]
        ri, rj = flat[idx, i].copy(), flat[idx, j].copy()
        flat[idx, i], flat[idx, j] = rj, ri
    perm = np.eye(n)[flat.reshape(piv.shape)]  # rows of P^T: (P^T A)[i] = A[rows[i]]
    return np.swapaxes(perm, -1, -2)


def _solve_right(a: Any, b: Any) -> Any:
    """``b @ inv(a)``."""
    return tt.linalg.solve(a.mT, b.mT).mT


def lu_solve_LU(gX: Any, LU: Any, P: Any, X: Any, left: bool, adjoint: bool) -> Any:
    """PyTorch's ``linalg_lu_solve_LU`` (real), with general solves for the triangular ones."""
    n = int(LU.shape[-1])
    eye = tt.eye(n, dtype=LU.dtype, device=LU.device)
    L = LU.tril(-1) + eye
    U = LU.triu()
    if left != adjoint:
        rhs = -((gX if left else gX.mT) @ (X.mT if left else X))
        gR = tt.linalg.solve(U.mT, rhs)
        gL = tt.linalg.solve(L.mT, gR @ U.mT).tril(-1)
        return gL + gR.triu()
    gR = -(P.mT @ (X if left else X.mT) @ (gX.mT if left else gX) @ P)
    gR = _solve_right(L.mT, gR)
    gU = _solve_right(U.mT, L.mT @ gR).triu()
    return gR.tril(-1) + gU


class LuSolve(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, lu: Any, pivots: Any, b: Any, left: bool, adjoint: bool) -> Any:
        x = tt.linalg.lu_solve(lu, pivots, b, left=left, adjoint=adjoint)
        ctx.save_for_backward(lu, x)
        ctx.info = (pivots, left, adjoint)
        return x

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, Any, None, None]:
        lu, x = ctx.saved_tensors
        pivots, left, adjoint = ctx.info
        nlu, _, nb, _, _ = ctx.needs_input_grad
        _real_only(lu, "linalg.lu_solve")
        g = _dense(g)
        gb = tt.linalg.lu_solve(lu, pivots, g, left=left, adjoint=not adjoint) if nb else None
        glu = None
        if nlu:
            P = None
            if left == adjoint:
                P = tt.as_tensor(_permutation(pivots)).to(device=lu.device, dtype=lu.dtype)
            glu = lu_solve_LU(g, lu, P, x, left, adjoint)
        return glu, None, gb, None, None


class LuFactor(BuiltinFunction):
    """``linalg.lu_factor(A)``: ``(LU, pivots)``; the gradient of ``LU`` is PyTorch's ``lu_factor_ex_backward``
    for square matrices, ``P L^-T [(L^T G).tril(-1) + (G U^T).triu()] U^-T`` (rectangular ones raise)."""

    @staticmethod
    def forward(ctx: Any, a: Any, pivot: bool) -> Any:
        lu, pivots = tuple(tt.linalg.lu_factor(a, pivot=pivot))
        ctx.mark_non_differentiable(pivots)
        ctx.save_for_backward(lu)
        ctx.pivots = pivots
        return lu, pivots

    @staticmethod
    def backward(ctx: Any, g: TensorLike, gp: Any) -> tuple[Any, None]:
        (lu,) = ctx.saved_tensors
        _real_only(lu, "linalg.lu_factor")
        m, n = int(lu.shape[-2]), int(lu.shape[-1])
        if m != n:
            raise NotImplementedError(
                "the derivative of linalg.lu_factor for non-square matrices is not implemented in taeda.autograd"
            )
        g = _dense(g)
        L = lu.tril(-1) + tt.eye(n, dtype=lu.dtype, device=lu.device)
        U = lu.triu()
        inner = (L.mT @ g).tril(-1) + (g @ U.mT).triu()
        ga = tt.linalg.solve(L.mT, _solve_right(U.mT, inner))
        P = tt.as_tensor(_permutation(ctx.pivots)).to(device=lu.device, dtype=lu.dtype)
        return P @ ga, None


# ------------------------------------------------------------------------------------------------ compositions
def matrix_power(A: Any, n: Any) -> Any:
    """``linalg.matrix_power`` as PyTorch computes it: ``inv`` for ``n < 0``, then products by binary powering."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )
    n = int(n)
    if n == 0:
        eye = tt.eye(int(A.shape[-1]), dtype=A.dtype, device=A.device).expand(tuple(A.shape))
        return tt.where(tt.ones((), dtype=tt.bool, device=A.device), eye, A)  # zero gradient to A, as PyTorch
    if n < 0:
        A = tt.linalg.inv(A)
        n = -n
    if n == 1:
        return A.clone()
    if n == 2:
        return A @ A
    if n == 3:
        return (A @ A) @ A
    z = result = None
    while n > 0:
        bit = n % 2
        n //= 2
        z = A if z is None else z @ z
        if bit:
            result = z if result is None else result @ z
    return result


def _chain_order(dims: list[int]) -> Any:
    k = len(dims) - 1
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = -1
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    return split


def multi_dot(tensors: Any) -> Any:
    """``linalg.multi_dot``: matmuls in the cheapest order (``taeda.tensor``'s order, PyTorch's algorithm)."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    ts = list(tensors)
    for i, t in enumerate(ts):
        nd = t.ndim
        if i in (0, n - 1):
            if nd not in (1, 2):
                which = "first" if i == 0 else "last"
                raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {nd}D")
        elif nd != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {nd}D")
    if any(t.dtype != ts[0].dtype for t in ts):
        # the same checks and messages as the Tensor function
        tt.linalg.multi_dot([_data(t) for t in ts])
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    mats = list(ts)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {list(ts[i].shape)} and "
                f"{list(ts[i + 1].shape)} cannot be multiplied"
            )
    split = _chain_order([int(m.shape[0]) for m in mats] + [int(mats[-1].shape[1])])

    def product(i: int, j: int) -> Any:
        if i == j:
            return mats[i]
        s = split[i][j]
        return product(i, s) @ product(s + 1, j)

    r = product(0, n - 1)
    if first_vec:
        r = r.squeeze(0)
    if last_vec:
        r = r.squeeze(-1)
    return r


def vecdot(x: Any, y: Any, dim: int = -1) -> Any:
    """``linalg.vecdot``: ``sum(conj(x) * y, dim)``, as PyTorch composes it."""
    if x.dtype != y.dtype or x.dtype.kind not in "fc":
        tt.linalg.vecdot(_data(x), _data(y), dim=dim)  # raises the Tensor function's error
    prod = (tt.conj(x) if x.dtype.kind == "c" else x) * y
    return prod.sum(dim) if prod.ndim else prod * 1


def _data(t: Any) -> Any:
    """The Tensor of a Variable (calling the Tensor function on it runs its checks, not this module again)."""
    return t if isinstance(t, tt.Tensor) else t.data
