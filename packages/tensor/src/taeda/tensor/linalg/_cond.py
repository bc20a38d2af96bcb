"""Condition numbers and eigenvalues of general (non-symmetric) matrices: ``cond`` and ``eigvals``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from taeda.tensor._dispatch import taeda_function
from taeda.tensor.linalg._common import LinAlgError, array_of, check_float, host, matrix_input, raising, wrap

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["cond", "eigvals"]

_NORM_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1)


def _ord_name(p: Any) -> str:
    return p if isinstance(p, str) else (f"{p:f}" if isinstance(p, float) else str(p))


def _matrix_norm(a: Any, p: Any, xp: Any) -> Any:
    m = xp.abs(a)
    if p == "fro":
        return xp.sqrt((m * m).sum(axis=(-2, -1)))
    if p in (1, -1):
        s = m.sum(axis=-2)
        return s.max(axis=-1) if p == 1 else s.min(axis=-1)
    s = m.sum(axis=-1)
    return s.max(axis=-1) if p == math.inf else s.min(axis=-1)


@taeda_function
def cond(A: Tensor, p: Any = None) -> Tensor:
    """The condition number of a (batch of) matrices in the ``p``-norm, in the real dtype.

    ``p`` is ``None``/``2`` (ratio of the largest to the smallest singular value; any shape), ``-2`` (its
    inverse), or for square matrices ``"fro"``, ``"nuc"``, ``inf``, ``-inf``, ``1``, ``-1``
    (``norm(A) * norm(inv(A))``, inf for a singular matrix). Empty matrices give 0.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.cond(tt.tensor([[1.0, 0.0], [0.0, 4.0]])).item()
        4.0
    """
    svd_path = p is None or (not isinstance(p, str) and p in (2, -2))
    if not svd_path and (isinstance(p, bool) or p not in _NORM_ORDS):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    arr = array_of(A, "linalg.cond")
    if arr.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if not svd_path and arr.shape[-1] != arr.shape[-2]:
        raise RuntimeError(
            f"linalg.cond(ord={_ord_name(p)}): A must be batches of square matrices, but they are {arr.shape[-2]} "
            f"by {arr.shape[-1]} matrices"
        )
    check_float(arr, "linalg.svd" if svd_path else "linalg.inv")  # the routine PyTorch's check comes from
    xp = A.device.xp
    real = np.empty(0, dtype=arr.dtype).real.dtype
    if arr.size == 0:
        return wrap(xp.zeros(arr.shape[:-2], dtype=real))
    ctx, err = raising(xp)
    if svd_path or p == "nuc":
        with ctx:
            try:
                s = xp.linalg.svd(arr, compute_uv=False)
            except err:
                raise LinAlgError("linalg.cond: The algorithm failed to converge (SVD)") from None
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == "nuc":
                r = s.sum(axis=-1) * (1 / s).sum(axis=-1)
            elif p == -2:
                r = s[..., -1] / s[..., 0]
            else:
                r = s[..., 0] / s[..., -1]
        return wrap(r.astype(real, copy=False))
    mats = arr.reshape(math.prod(arr.shape[:-2]), *arr.shape[-2:])
    with ctx:
        try:
            inv = xp.linalg.inv(mats)
            singular = xp.zeros(mats.shape[0], dtype=bool)
        except err:  # some matrix of the batch is singular: invert one at a time, inf where singular
            inv = xp.zeros_like(mats)
            singular = xp.zeros(mats.shape[0], dtype=bool)
            for i in range(mats.shape[0]):
                try:
                    inv[i] = xp.linalg.inv(mats[i])
                except err:
                    singular[i] = True
    with np.errstate(over="ignore", invalid="ignore"):
        r = _matrix_norm(mats, p, xp) * _matrix_norm(inv, p, xp)
    r = xp.where(singular, xp.asarray(math.inf, dtype=real), r.astype(real, copy=False))
    return wrap(r.reshape(arr.shape[:-2]))


@taeda_function
def eigvals(A: Tensor) -> Tensor:
    """The eigenvalues of a (batch of) square matrices, always complex (complex64 for float32 input).

    On a GPU the matrices are copied to the host: CuPy has no general eigenvalue solver (PyTorch, too, runs
    this on the CPU for CUDA tensors).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.eigvals(tt.tensor([[2.0, 0.0], [0.0, 3.0]])).tolist()
        [(2+0j), (3+0j)]
    """
    arr = matrix_input(A, "linalg.eigvals", square=True)
    cdt = np.result_type(arr.dtype, np.complex64)
    xp = A.device.xp
    h = host(arr)
    if h.size == 0:
        w = np.zeros(h.shape[:-1], dtype=cdt)
    else:
        try:
            w = np.linalg.eigvals(h).astype(cdt, copy=False)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "linalg.eigvals: The algorithm failed to converge because the input matrix contains non-finite "
                "values or is ill-conditioned"
            ) from None
    return wrap(w if xp is np else xp.asarray(w))
