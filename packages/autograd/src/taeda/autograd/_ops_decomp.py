"""Matrix decompositions and the norms built on them: ``linalg.svd/svdvals``, ``linalg.eigh/eigvalsh``,
``linalg.qr``, ``linalg.pinv``, ``linalg.matrix_norm`` and ``linalg.norm``.

The gradients are PyTorch's (``FunctionsManual.cpp``): ``svd_backward`` and ``linalg_eig_backward`` with the
matrices ``E_ij = s_j^2 - s_i^2`` (``l_j - l_i``) whose diagonal is set to 1; they assume distinct singular values
(eigenvalues) and, for the vectors, a loss that does not depend on their signs (real case: nothing is checked, as in
PyTorch). ``svdvals``/``eigvalsh`` run the full decomposition so that their backward ``U diag(g) Vh`` is itself
differentiable. ``matrix_norm``/``norm`` are compositions (as in PyTorch): ``"fro"`` is the vector 2-norm, ``"nuc"``
and ``±2`` reduce the singular values (``amax``/``amin``: ties share), ``±1``/``±inf`` take the extreme column/row
sums of ``abs``.
"""

from __future__ import annotations

import math
from typing import Any

import taeda.tensor as tt
from taeda.autograd._util import BuiltinFunction, TensorLike


def _dense(g: Any) -> Any:
    if g is not None and isinstance(g, tt.Tensor) and g.ndim and 0 in g.stride():
        return g.contiguous()
    return g


def _real_only(t: Any, name: str) -> None:
    """The formulas here are the real case (transposes, no conjugates): refuse complex inputs."""
    if t.dtype.kind == "c":
        raise NotImplementedError(f"the derivative of {name} for complex inputs is not implemented in taeda.autograd")


def _ones_diagonal(d: Any) -> Any:
    """``d.unsqueeze(-2) - d.unsqueeze(-1)`` with ones on the diagonal (the denominators ``E``)."""
    k = int(d.shape[-1])
    return d.unsqueeze(-2) - d.unsqueeze(-1) + tt.eye(k, dtype=d.dtype, device=d.device)


def svd_backward(gU: Any, gS: Any, gVh: Any, U: Any, S: Any, Vh: Any) -> Any:
    """PyTorch's ``svd_backward`` for the reduced SVD ``A = U diag(S) Vh`` (real)."""
    m, n = int(U.shape[-2]), int(Vh.shape[-1])
    if gU is None and gVh is None:
        return U @ (gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)) @ Vh
    UhgU = VhgV = None
    if gU is not None:
        UhgU = U.mT @ gU
        UhgU = UhgU - UhgU.mT
    if gVh is not None:
        VhgV = Vh @ gVh.mT
        VhgV = VhgV - VhgV.mT
    S2 = S * S
    E = _ones_diagonal(S2)
    if UhgU is not None and VhgV is not None:
        gA = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif UhgU is not None:
        gA = UhgU * (S.unsqueeze(-2) / E)
    else:
        gA = S.unsqueeze(-1) * (VhgV / E)
    if gS is not None:
        gA = gA + gS.diag_embed()
    if m > n and gU is not None:
        gA = U @ gA
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - U @ (U.mT @ gUSinv)
        return gA @ Vh
    if m < n and gVh is not None:
        gA = gA @ Vh
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - (SinvgVh @ Vh.mT) @ Vh
        return U @ gA
    return U @ (gA @ Vh) if m >= n else (U @ gA) @ Vh


class Svd(BuiltinFunction):
    """``linalg.svd(A, full_matrices)``: ``(U, S, Vh)``; a full factorization's extra columns of ``U`` (rows of
    ``Vh``) get no gradient (PyTorch narrows them away)."""

    @staticmethod
    def forward(ctx: Any, a: Any, full_matrices: bool) -> Any:
        ctx.set_materialize_grads(False)
        u, s, vh = tuple(tt.linalg.svd(a, full_matrices=full_matrices))
        ctx.save_for_backward(u, s, vh)
        ctx.full = full_matrices
        return u, s, vh

    @staticmethod
    def backward(ctx: Any, gU: Any, gS: Any, gVh: Any) -> tuple[Any, None]:
        U, S, Vh = ctx.saved_tensors
        if gU is None and gS is None and gVh is None:
            return None, None
        _real_only(U, "linalg.svd")
        if ctx.full:
            k = int(S.shape[-1])
            U, Vh = U[..., :k], Vh[..., :k, :]
            gU = None if gU is None else gU[..., :k]
            gVh = None if gVh is None else gVh[..., :k, :]
        return svd_backward(_dense(gU), _dense(gS), _dense(gVh), U, S, Vh), None


def eigh_backward(gL: Any, gV: Any, L: Any, V: Any) -> Any:
    """PyTorch's ``linalg_eig_backward`` for a symmetric matrix (real)."""
    if gV is None:
        return (V * gL.unsqueeze(-2)) @ V.mT
    VhgV = V.mT @ gV
    VhgV = (VhgV - VhgV.mT) * 0.5
    gA = VhgV / _ones_diagonal(L)
    if gL is not None:
        gA = gA + gL.diag_embed()  # the skew part divided by E has a zero diagonal: this sets it to gL
    return V @ (gA @ V.mT)


class Eigh(BuiltinFunction):
    """``linalg.eigh(A, UPLO)``: ``(eigenvalues, eigenvectors)``."""

    @staticmethod
    def forward(ctx: Any, a: Any, uplo: str) -> Any:
        ctx.set_materialize_grads(False)
        w, v = tuple(tt.linalg.eigh(a, UPLO=uplo))
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx: Any, gL: Any, gV: Any) -> tuple[Any, None]:
        L, V = ctx.saved_tensors
        if gL is None and gV is None:
            return None, None
        _real_only(V, "linalg.eigh")
        return eigh_backward(_dense(gL), _dense(gV), L, V), None


def _solve_right(r: Any, b: Any) -> Any:
    """``b @ inv(r.mT)``: solves ``X r^T = b`` through ``r X^T = b^T``."""
    return tt.linalg.solve(r, b.mT).mT


def qr_backward(gQ: Any, gR: Any, Q: Any, R: Any, mode: str) -> Any:
    """PyTorch's ``linalg_qr_backward`` (real)."""
    if mode == "r":
        raise RuntimeError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
            "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
        )
    m, n = int(Q.shape[-2]), int(R.shape[-1])
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    if gQ is not None:
        gA = gR @ R.mT - Q.mT @ gQ if gR is not None else -(Q.mT @ gQ)
    else:
        gA = gR @ R.mT
    if m >= n:
        up = gA.triu()
        sym = up + up.mT
        sym = sym - (sym.diagonal(0, -2, -1) * 0.5).diag_embed()
        gA = Q @ sym
        if gQ is not None:
            gA = gA + gQ
        return _solve_right(R, gA)
    x = -gA
    gA = Q @ (x - x.mT).tril()
    gA = _solve_right(R[..., :m], gA)
    pad = tt.zeros((*tuple(gA.shape[:-1]), n - m), dtype=gA.dtype, device=gA.device)
    gA = tt.cat([gA, pad], -1)
    if gR is not None:
        gA = gA + Q @ gR
    return gA


class Qr(BuiltinFunction):
    """``linalg.qr(A, mode)``: ``(Q, R)``."""

    @staticmethod
    def forward(ctx: Any, a: Any, mode: str) -> Any:
        ctx.set_materialize_grads(False)
        q, r = tuple(tt.linalg.qr(a, mode=mode))
        ctx.save_for_backward(q, r)
        ctx.mode = mode
        return q, r

    @staticmethod
    def backward(ctx: Any, gQ: Any, gR: Any) -> tuple[Any, None]:
        Q, R = ctx.saved_tensors
        if gQ is None and gR is None:
            return None, None
        _real_only(R, "linalg.qr")
        return qr_backward(_dense(gQ), _dense(gR), Q, R, ctx.mode), None


def pinv_backward(g: Any, pinvA: Any, A: Any) -> Any:
    """PyTorch's ``pinv_backward`` (the products are arranged to keep the smaller dimension inside)."""
    m, n = int(A.shape[-2]), int(A.shape[-1])
    pinvAh = pinvA.mT
    gh = g.mT
    if m <= n:
        K = gh @ pinvA
        KpinvAh = K @ pinvAh
        return -(pinvA @ K).mT + KpinvAh - (A @ pinvA) @ KpinvAh + (pinvAh @ pinvA) @ (gh - K @ A)
    K = pinvA @ gh
    pinvAhK = pinvAh @ K
    return -(K @ pinvA).mT + ((gh - A @ K) @ pinvA) @ pinvAh + pinvAhK - (pinvAhK @ pinvA) @ A


class Pinv(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any, atol: Any, rtol: Any, hermitian: bool) -> Any:
        y = tt.linalg.pinv(a, atol=atol, rtol=rtol, hermitian=hermitian)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None, None, None]:
        a, y = ctx.saved_tensors
        _real_only(a, "linalg.pinv")
        return pinv_backward(_dense(g), y, a), None, None, None


# ------------------------------------------------------------------------------------------------ norms
_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


def matrix_norm(A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *, dtype: Any = None) -> Any:
    """``linalg.matrix_norm`` on a Variable, composed of differentiable ops as PyTorch composes it."""
    fname = "linalg.matrix_norm"
    if A.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if isinstance(ord, bool) or ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{fname}: Order {ord} not supported.")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{fname}: dim must be a 2-tuple. Got {dim}")
    x = A if dtype is None else A.to(dtype)
    nd = x.ndim
    d0, d1 = (int(d) % nd for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{fname}: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return x.norm(2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = Svd.apply(x.movedim((d0, d1), (-2, -1)), False)[1]
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            lo, hi = sorted((d0, d1))
            out = out.unsqueeze(lo).unsqueeze(hi)
        return out
    first, second = (d1, d0) if abs(ord) == math.inf else (d0, d1)
    if not keepdim and first < second:
        second -= 1
    sums = x.norm(1, first, keepdim)
    return sums.amax(second, keepdim) if ord > 0 else sums.amin(second, keepdim)


def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """``linalg.norm`` on a Variable: a vector norm over one dim (or all elements), a matrix norm over two."""
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) == 1:
            return _vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return _vector_norm(A, 2, None, keepdim, dtype)
    if A.ndim == 1:
        return _vector_norm(A, ord, None, keepdim, dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D.")


def _vector_norm(x: Any, ord: Any, dim: Any, keepdim: bool, dtype: Any) -> Any:
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return (x if dtype is None else x.to(dtype)).norm(ord, dim, keepdim)
