"""Inverse, determinants, linear solves, pseudo-inverse and rank."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from taeda.tensor._dispatch import taeda_function
from taeda.tensor._dtype import torch_name
from taeda.tensor.linalg._common import (
    LinAlgError,
    SlogdetResult,
    array_of,
    batch_prefix,
    check_float,
    host,
    matrix_input,
    raising,
    wrap,
)

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["inv", "det", "slogdet", "solve", "pinv", "matrix_rank", "svd_tolerance"]


def _singular_inv(arr: Any) -> LinAlgError:
    """PyTorch's message for a singular matrix: which batch element, and which pivot of its LU is zero."""
    import scipy.linalg  # only on this error path: importing SciPy costs about a second

    mats = host(arr).reshape(-1, *arr.shape[-2:])
    (getrf,) = scipy.linalg.get_lapack_funcs(("getrf",), (mats,))
    for i, m in enumerate(mats):
        info = getrf(m)[2]
        if info > 0:
            return LinAlgError(
                f"linalg.inv: {batch_prefix(arr, i)}The diagonal element {info} is zero, the inversion could not be "
                "completed because the input matrix is singular."
            )
    return LinAlgError("linalg.inv: the inversion could not be completed because the input matrix is singular.")


@taeda_function
def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix, batched over leading dims (``LinAlgError`` when singular).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.inv(tt.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    arr = matrix_input(A, "linalg.inv", square=True)
    xp = A.device.xp
    ctx, err = raising(xp)
    with ctx:
        try:
            return wrap(xp.linalg.inv(arr))
        except err:
            raise _singular_inv(arr) from None


@taeda_function
def det(A: Tensor) -> Tensor:
    """The determinant of a square matrix, batched over leading dims.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.det(tt.tensor([[1.0, 2.0], [3.0, 4.0]])).item()
        -2.0
    """
    arr = matrix_input(A, "linalg.det", square=True)
    return wrap(A.device.xp.linalg.det(arr))


@taeda_function
def slogdet(A: Tensor) -> SlogdetResult:
    """Sign and log of the absolute value of the determinant: ``(sign, logabsdet)``.

    Example:
        >>> import taeda.tensor as tt
        >>> r = tt.linalg.slogdet(tt.tensor([[-2.0, 0.0], [0.0, 1.0]])); r.sign.item(), round(r.logabsdet.item(), 4)
        (-1.0, 0.6931)
    """
    arr = matrix_input(A, "linalg.slogdet", square=True)
    sign, logabsdet = A.device.xp.linalg.slogdet(arr)
    return SlogdetResult(wrap(sign), wrap(logabsdet))


@taeda_function
def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """Solve ``A X = B`` (or ``X A = B`` with ``left=False``), batched and broadcast over leading dims.

    ``B`` is a batch of vectors when it is 1-d or has ``A``'s batch shape with one fewer dim, as in PyTorch.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.solve(tt.tensor([[2.0, 0.0], [0.0, 4.0]]), tt.tensor([2.0, 2.0])).tolist()
        [1.0, 0.5]
    """
    a = matrix_input(A, "linalg.solve", square=True)
    b = array_of(B, "linalg.solve", "B")
    check_float(b, "linalg.solve")
    if A.device != B.device:
        from taeda.tensor._errors import DeviceMismatchError

        raise DeviceMismatchError(f"Expected all tensors to be on the same device, but found {A.device} and {B.device}")
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type {torch_name(a.dtype)} "
            f"and B of type {torch_name(b.dtype)} instead"
        )
    xp = A.device.xp
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if vector and not left:
        raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported for left=False")
    b2 = b[..., None] if vector else b
    if b2.ndim < 2:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 1 dimension.")
    n = a.shape[-1]
    if not left:
        a = xp.swapaxes(a, -1, -2)
        b2 = xp.swapaxes(b2, -1, -2)
    if b2.shape[-2] != n:
        eq = "AX = B" if left else "XA = B"
        sb = f"{b2.shape[-2]}x{b2.shape[-1]}" if left else f"{b2.shape[-1]}x{b2.shape[-2]}"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {sb})")
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"linalg.solve: the batch shapes of A {tuple(a.shape)} and B {tuple(b.shape)} do not broadcast"
        ) from None
    a = xp.broadcast_to(a, (*batch, n, n))
    b2 = xp.broadcast_to(b2, (*batch, *b2.shape[-2:]))
    ctx, err = raising(xp)
    with ctx:
        try:
            x = xp.linalg.solve(a, b2)
        except err:
            raise LinAlgError("linalg.solve: The solver failed because the input matrix is singular.") from None
    if not left:
        x = xp.swapaxes(x, -1, -2)
    return wrap(x[..., 0] if vector else x)


def _scalar_or_array(x: Any, xp: Any) -> Any:
    arr = getattr(x, "_array", None)
    return xp.asarray(x, dtype=np.float64) if arr is None else arr.astype(np.float64)


def svd_tolerance(s: Any, m: int, n: int, atol: Any, rtol: Any, xp: Any) -> Any:
    """PyTorch's cut-off for "zero" singular values: ``max(atol, rtol * s_max)`` with its defaults for ``rtol``."""
    real = s.dtype
    if rtol is None:
        rtol = (
            0.0
            if (atol is not None and bool(xp.all(_scalar_or_array(atol, xp) > 0)))
            else float(np.finfo(real).eps * max(m, n))
        )
    smax = s.max(axis=-1, keepdims=True) if s.shape[-1] else xp.zeros((*s.shape[:-1], 1), dtype=real)
    tol = _scalar_or_array(rtol, xp)[..., None] * smax
    if atol is not None:
        tol = xp.maximum(tol, _scalar_or_array(atol, xp)[..., None])
    return tol


@taeda_function
def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse; singular values below ``max(atol, rtol * s_max)`` count as zero.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.pinv(tt.tensor([[1.0, 0.0], [0.0, 0.0]])).tolist()
        [[1.0, 0.0], [0.0, 0.0]]
    """
    arr = matrix_input(A, "linalg.pinv", square=hermitian)
    xp = A.device.xp
    m, n = arr.shape[-2:]
    ctx, err = raising(xp)
    with ctx:
        try:
            if hermitian:
                w, v = xp.linalg.eigh(arr)
                s = xp.abs(w)
                tol = svd_tolerance(s, m, n, atol, rtol, xp)
                with np.errstate(divide="ignore"):
                    winv = xp.where(s > tol, 1 / xp.where(s > tol, w, 1), 0).astype(w.dtype)
                out = (v * winv[..., None, :]) @ xp.conj(xp.swapaxes(v, -1, -2))
            else:
                u, s, vh = xp.linalg.svd(arr, full_matrices=False)
                tol = svd_tolerance(s, m, n, atol, rtol, xp)
                sinv = xp.where(s > tol, 1 / xp.where(s > tol, s, 1), 0).astype(s.dtype)
                out = xp.conj(xp.swapaxes(vh, -1, -2)) @ (sinv[..., :, None] * xp.conj(xp.swapaxes(u, -1, -2)))
        except err:
            raise LinAlgError("linalg.pinv: the SVD failed to converge") from None
    return wrap(out.astype(arr.dtype, copy=False))


@taeda_function
def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The numerical rank: the number of singular values above ``max(atol, rtol * s_max)`` (int64).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.matrix_rank(tt.tensor([[1.0, 2.0], [2.0, 4.0]])).item()
        1
    """
    arr = matrix_input(A, "linalg.matrix_rank", square=hermitian)
    xp = A.device.xp
    m, n = arr.shape[-2:]
    ctx, err = raising(xp)
    with ctx:
        try:
            s = xp.abs(xp.linalg.eigvalsh(arr)) if hermitian else xp.linalg.svd(arr, compute_uv=False)
        except err:
            raise LinAlgError("linalg.matrix_rank: the SVD failed to converge") from None
    tol = svd_tolerance(s, m, n, atol, rtol, xp)
    return wrap((s > tol).sum(axis=-1).astype(np.int64))
