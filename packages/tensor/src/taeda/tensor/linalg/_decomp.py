"""Matrix decompositions: ``svd``, ``svdvals``, ``qr``, ``cholesky``, ``eigh``, ``eigvalsh``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taeda.tensor._dispatch import taeda_function
from taeda.tensor.linalg._common import (
    EighResult,
    LinAlgError,
    QRResult,
    SVDResult,
    batch_prefix,
    host,
    matrix_input,
    raising,
    wrap,
)

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["svd", "svdvals", "qr", "cholesky", "eigh", "eigvalsh"]

_NO_CONVERGENCE = (
    "{}: The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated "
    "{} values"
)


@taeda_function
def svd(A: Tensor, full_matrices: bool = True) -> SVDResult:
    """Singular value decomposition ``A = U @ diag(S) @ Vh``, batched; ``S`` descending.

    Example:
        >>> import taeda.tensor as tt
        >>> U, S, Vh = tt.linalg.svd(tt.tensor([[3.0, 0.0], [0.0, -2.0]])); S.tolist()
        [3.0, 2.0]
    """
    arr = matrix_input(A, "linalg.svd")
    xp = A.device.xp
    ctx, err = raising(xp)
    with ctx:
        try:
            u, s, vh = xp.linalg.svd(arr, full_matrices=full_matrices)
        except err:
            raise LinAlgError(_NO_CONVERGENCE.format("linalg.svd", "singular")) from None
    return SVDResult(wrap(u), wrap(s), wrap(vh))


@taeda_function
def svdvals(A: Tensor) -> Tensor:
    """The singular values of ``A`` in descending order, batched.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.svdvals(tt.tensor([[0.0, 2.0], [1.0, 0.0]])).tolist()
        [2.0, 1.0]
    """
    arr = matrix_input(A, "linalg.svdvals")
    xp = A.device.xp
    ctx, err = raising(xp)
    with ctx:
        try:
            return wrap(xp.linalg.svd(arr, compute_uv=False))
        except err:
            raise LinAlgError(_NO_CONVERGENCE.format("linalg.svdvals", "singular")) from None


@taeda_function
def qr(A: Tensor, mode: str = "reduced") -> QRResult:
    """QR decomposition ``A = Q @ R``; ``mode`` is ``"reduced"``, ``"complete"`` or ``"r"`` (then ``Q`` is empty).

    Example:
        >>> import taeda.tensor as tt
        >>> Q, R = tt.linalg.qr(tt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])); Q.shape, R.shape
        (taeda.Size([3, 2]), taeda.Size([2, 2]))
    """
    arr = matrix_input(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    xp = A.device.xp
    if mode == "r":
        r = xp.linalg.qr(arr, mode="r")
        return QRResult(wrap(xp.empty((0,), dtype=arr.dtype)), wrap(r))
    q, r = xp.linalg.qr(arr, mode=mode)
    return QRResult(wrap(q), wrap(r))


def _not_positive_definite(arr: Any) -> LinAlgError:
    import scipy.linalg  # only on this error path: importing SciPy costs about a second

    mats = host(arr).reshape(-1, *arr.shape[-2:])
    (potrf,) = scipy.linalg.get_lapack_funcs(("potrf",), (mats,))
    for i, m in enumerate(mats):
        info = potrf(m, lower=True)[1]
        if info > 0:
            return LinAlgError(
                f"linalg.cholesky: {batch_prefix(arr, i)}The factorization could not be completed because the input "
                f"is not positive-definite (the leading minor of order {info} is not positive-definite)."
            )
    return LinAlgError(
        "linalg.cholesky: The factorization could not be completed because the input is not positive-definite."
    )


@taeda_function
def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """Cholesky factor of a Hermitian positive-definite matrix: lower ``L`` with ``A = L @ L.mH`` (or upper).

    Reads only the lower triangle of ``A``; ``LinAlgError`` names the first leading minor that is not positive.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.cholesky(tt.tensor([[4.0, 2.0], [2.0, 2.0]])).tolist()
        [[2.0, 0.0], [1.0, 1.0]]
    """
    arr = matrix_input(A, "linalg.cholesky", square=True)
    xp = A.device.xp
    ctx, err = raising(xp)
    with ctx:
        try:
            low = xp.linalg.cholesky(arr)
        except err:
            raise _not_positive_definite(arr) from None
    return wrap(xp.conj(xp.swapaxes(low, -1, -2)) if upper else low)


def _uplo(UPLO: str) -> str:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


@taeda_function
def eigh(A: Tensor, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a Hermitian matrix, batched; reads the ``UPLO`` triangle.

    Example:
        >>> import taeda.tensor as tt
        >>> w, V = tt.linalg.eigh(tt.tensor([[2.0, 0.0], [0.0, 1.0]])); w.tolist()
        [1.0, 2.0]
    """
    arr = matrix_input(A, "linalg.eigh", square=True)
    xp = A.device.xp
    ctx, err = raising(xp)
    with ctx:
        try:
            w, v = xp.linalg.eigh(arr, UPLO=_uplo(UPLO))
        except err:
            raise LinAlgError(_NO_CONVERGENCE.format("linalg.eigh", "eigen")) from None
    return EighResult(wrap(w), wrap(v))


@taeda_function
def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """Eigenvalues (ascending) of a Hermitian matrix, batched.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.eigvalsh(tt.tensor([[2.0, 1.0], [1.0, 2.0]])).tolist()
        [1.0, 3.0]
    """
    arr = matrix_input(A, "linalg.eigvalsh", square=True)
    xp = A.device.xp
    ctx, err = raising(xp)
    with ctx:
        try:
            return wrap(xp.linalg.eigvalsh(arr, UPLO=_uplo(UPLO)))
        except err:
            raise LinAlgError(_NO_CONVERGENCE.format("linalg.eigvalsh", "eigen")) from None
