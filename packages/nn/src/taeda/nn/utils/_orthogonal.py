"""The ``_Orthogonal`` parametrization behind ``taeda.nn.utils.parametrizations.orthogonal`` and its kernels: a
differentiable matrix exponential, the Householder product and the QR-based projections of PyTorch's version."""

from __future__ import annotations

import math
from enum import Enum, auto
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd import Function, Variable, no_grad, once_differentiable
from taeda.nn.modules.module import Module
from taeda.nn.utils._norm_helpers import plain
from taeda.tensor import Tensor

TensorLike = Tensor | Variable


def _expm_array(a: Any) -> Any:
    """``exp(a)`` for a (batch of) square real matrices: scaling and squaring around a degree-20 Taylor series."""
    xp = tt.get_array_module(a)
    n = a.shape[-1]
    norm = float(xp.abs(a).sum(axis=-2).max()) if a.size else 0.0
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    a = a / (2.0**s)
    eye = xp.broadcast_to(xp.eye(n, dtype=a.dtype), a.shape)
    result = eye + a
    term = a
    for j in range(2, 21):
        term = (term @ a) / j
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


class _MatrixExp(Function):
    """``matrix_exp`` with the exact adjoint: ``grad = exp([[Aᵀ, G], [0, Aᵀ]])[:n, n:]``."""

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Tensor:
        ctx.save_for_backward(a)
        return tt.as_tensor(_expm_array(a.array))

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        at = a.array.swapaxes(-1, -2)
        xp = tt.get_array_module(at)
        n = at.shape[-1]
        block = xp.zeros((*at.shape[:-2], 2 * n, 2 * n), dtype=at.dtype)
        block[..., :n, :n] = at
        block[..., n:, n:] = at
        block[..., :n, n:] = g.array
        return tt.as_tensor(xp.ascontiguousarray(_expm_array(block)[..., :n, n:]))


def matrix_exp(a: TensorLike) -> TensorLike:
    """The matrix exponential of a (batch of) square matrices, differentiable through Variables."""
    if isinstance(a, Variable):
        out: Variable = _MatrixExp.apply(a)
        return out
    return tt.as_tensor(_expm_array(a.array))


def householder_product(A: Any, tau: Any) -> Any:
    """The first ``k`` columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_iᵀ`` with ``v_i`` the ``i``-th column of
    ``A`` below the diagonal and 1 on it (``torch.linalg.householder_product``), built from differentiable ops."""
    n, k = A.shape[-2], A.shape[-1]
    below = A.tril(-1)
    eye = tt.eye(n, dtype=A.dtype, device=A.device)
    H: Any = eye
    for i in range(k):
        v = (below[..., :, i] + eye[:, i]).unsqueeze(-1)
        H = H - (tau[..., i].unsqueeze(-1).unsqueeze(-1) * (H @ v)) @ v.mT
    if isinstance(H, Tensor) and H.ndim < A.ndim:
        H = H.expand(*A.shape[:-2], n, n)
    return H[..., :, :k]


def _is_orthogonal(Q: Tensor) -> bool:
    n, k = Q.shape[-2], Q.shape[-1]
    eye = tt.eye(k, dtype=Q.dtype, device=Q.device)
    eps = 10.0 * n * float(np.finfo(Q.dtype).eps)
    return bool(tt.allclose(Q.mT @ Q, eye.expand(*Q.shape[:-2], k, k), atol=eps))


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q factor of ``A = QR`` normalised so that ``diag(R) >= 0``."""
    Q, R = tt.linalg.qr(A)
    signs = R.diagonal(dim1=-2, dim2=-1).sign().unsqueeze(-2)
    out: Tensor = Q * signs
    return out


def _geqrf(A: Tensor) -> tuple[Tensor, Tensor]:
    """LAPACK's ``geqrf``: the Householder reflectors (below the diagonal, R on and above it) and ``tau``."""
    xp = A.device.xp
    h, tau = xp.linalg.qr(A.array, mode="raw")
    return tt.as_tensor(xp.ascontiguousarray(h.swapaxes(-1, -2))), tt.as_tensor(tau)


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    """Maps an unconstrained ``(..., n, k)`` tensor to one with orthonormal columns (rows when ``n < k``)."""

    base: Tensor | None

    def __init__(self, weight: TensorLike, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.dtype.kind == "c" and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Any) -> Any:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        Q: Any
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                zeros = tt.zeros(n, n - k, dtype=X.dtype, device=X.device).expand(*X.shape[:-2], n, n - k)
                X = tt.cat([X, zeros], dim=-1)
            A = X - X.mT
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)
            else:
                eye = tt.eye(n, dtype=A.dtype, device=A.device)
                Q = tt.linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            Q = Q * plain(X).diagonal(dim1=-2, dim2=-1).to(tt.int64).to(X.dtype).unsqueeze(-2)
        if "base" in self._buffers:
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q: TensorLike) -> Tensor:
        if tuple(Q.shape) != self.shape:
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {tt.Size(self.shape)}. "
                f"Got a tensor of shape {Q.shape}."
            )
        with no_grad():
            Qt = plain(Q)
            Q_init = Qt
            n, k = Qt.shape[-2], Qt.shape[-1]
            transpose = n < k
            if transpose:
                Qt = Qt.mT
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential "
                        "or the Cayley parametrizations when use_trivialization=False."
                    )
                A, tau = _geqrf(Qt)
                # diag(A) becomes the signs of diag(R), flipped where LAPACK skipped the reflection (tau == 0)
                flip = 1.0 - 2.0 * (tau == 0.0).to(A.dtype)
                A.diagonal(dim1=-2, dim2=-1).copy_(A.diagonal(dim1=-2, dim2=-1).sign() * flip)
                return A.mT if transpose else A
            if n == k:
                Qt = Qt.clone() if _is_orthogonal(Qt) else _make_orthogonal(Qt)
            else:
                N = tt.randn(*Qt.shape[:-2], n, n - k, dtype=Qt.dtype, device=Qt.device)
                Qt = _make_orthogonal(tt.cat([Qt, N], dim=-1))
            self.base = Qt
            neg_Id = tt.zeros_like(Q_init)
            neg_Id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_Id
