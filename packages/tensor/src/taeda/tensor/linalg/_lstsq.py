"""Least squares: ``lstsq`` with PyTorch's LAPACK drivers (``gels``, ``gelsy``, ``gelsd``, ``gelss``).

On the CPU each driver is the LAPACK routine of that name, called through SciPy one matrix at a time, so the
solution, rank and singular values are what PyTorch's CPU build computes (up to the LAPACK implementation).
What differs: ``residuals`` are computed as ``sum(|A X - B|**2)`` over the rows rather than read from LAPACK's
workspace (equal up to rounding), and on a GPU only ``gels`` exists (as in PyTorch), computed by CuPy's SVD-based
``lstsq`` (a minimum-norm solution even for rank-deficient matrices, where LAPACK's ``gels`` raises).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from taeda.tensor._checks import broadcast_error, check_same_device
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._dtype import torch_name
from taeda.tensor.linalg._common import LinAlgError, array_of, wrap

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["LstsqResult", "lstsq"]

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class LstsqResult(NamedTuple):
    """``(solution, residuals, rank, singular_values)`` of ``lstsq``; fields a driver does not compute are
    empty tensors."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _solve_cpu(a: Any, b: Any, rcond: float, driver: str, index: int, batched: bool) -> tuple[Any, int, Any]:
    """One matrix: (solution, rank, singular values or None)."""
    import scipy.linalg

    if driver == "gels":
        (gels,) = scipy.linalg.get_lapack_funcs(("gels",), (a, b))
        m, n = a.shape
        rhs = np.zeros((max(m, n), b.shape[1]), dtype=b.dtype)
        rhs[:m] = b
        _, x, info = gels(a, rhs)
        if info > 0:
            prefix = f"(Batch element {index}): " if batched else ""
            raise LinAlgError(
                f"torch.linalg.lstsq: {prefix}The least squares solution could not be computed because the input "
                f"matrix does not have full rank (error code: {info})."
            )
        return x[:n], n, None
    x, _, rank, s = scipy.linalg.lstsq(a, b, cond=rcond, check_finite=False, lapack_driver=driver)
    return x, int(rank), s


@taeda_function
def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares solution ``X`` minimising ``||A X - B||`` (batched, batch dims broadcast).

    ``B`` is a batch of vectors when it has one dim fewer than ``A``. ``driver`` (default ``"gelsy"`` on the CPU,
    ``"gels"`` on a GPU, as PyTorch): ``"gels"`` (QR, full-rank ``A`` only), ``"gelsy"`` (QR with pivoting),
    ``"gelsd"``/``"gelss"`` (SVD). ``rcond`` (default ``eps * max(m, n)``) is the relative cut-off deciding the
    rank. Returns ``(solution, residuals, rank, singular_values)``: ``residuals`` (squared residual norms) only
    when ``m > n``, the driver is not ``gelsy`` and every matrix has full rank; ``rank`` except with ``gels``;
    ``singular_values`` only with ``gelsd``/``gelss``; otherwise empty.

    Example:
        >>> import taeda.tensor as tt
        >>> A = tt.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]); b = tt.tensor([[1.0], [2.0], [4.0]])
        >>> r = tt.linalg.lstsq(A, b, driver="gelsd"); [round(v, 4) for v in r.solution.flatten().tolist()]
        [0.8333, 1.5]
        >>> r.rank.item(), [round(v, 4) for v in r.residuals.tolist()]
        (2, [0.1667])
    """
    a = array_of(A, "torch.linalg.lstsq", "input")
    b = array_of(B, "torch.linalg.lstsq", "other")
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if b.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    if a.dtype.kind not in "fc" or a.dtype == np.float16:
        raise RuntimeError("This function doesn't handle types other than float and double")
    if a.dtype != b.dtype:
        raise RuntimeError(
            "torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's dtype "
            f"{torch_name(a.dtype)} and other's dtype {torch_name(b.dtype)}"
        )
    check_same_device(a, b)
    xp = A.device.xp
    dim_diff = a.ndim - b.ndim
    if not 0 <= dim_diff <= 1:
        raise RuntimeError(
            "torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) "
            "<= 1"
        )
    vector = dim_diff == 1
    b2 = b[..., None] if vector else b
    err = broadcast_error(a.shape[:-2], b2.shape[:-2])
    if err is not None:
        raise err
    if b2.shape[-2] != a.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size({-1 if vector else -2})")
    if driver is None:
        driver = "gelsy" if xp is np else "gels"
    if xp is np and driver not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if xp is not np and driver != "gels":
        raise RuntimeError("torch.linalg.lstsq: `driver` other than `gels` is not supported on CUDA")
    batch = tuple(np.broadcast_shapes(a.shape[:-2], b2.shape[:-2]))
    m, n = a.shape[-2:]
    k = b2.shape[-1]
    real = np.empty(0, dtype=a.dtype).real.dtype
    if rcond is None:
        rcond = float(np.finfo(real).eps) * max(m, n)
    count = math.prod(batch)
    aa = xp.broadcast_to(a, (*batch, m, n)).reshape(count, m, n)
    bb = xp.broadcast_to(b2, (*batch, m, k)).reshape(count, m, k)
    x = xp.zeros((count, n, k), dtype=a.dtype)
    ranks = np.zeros(count, dtype=np.int64)
    svals = xp.zeros((count, min(m, n)), dtype=real)
    if m and n and k:
        for i in range(count):
            if xp is np:
                xi, ri, si = _solve_cpu(aa[i], bb[i], rcond, driver, i, len(batch) > 0)
            else:
                xi, _, ri, si = xp.linalg.lstsq(aa[i], bb[i], rcond=rcond)
                ri, si = n, None
            x[i] = xi
            ranks[i] = ri
            if si is not None:
                svals[i] = si
    elif m and n and driver != "gels" and xp is np:  # no right-hand sides: the rank and singular values still exist
        import scipy.linalg

        for i in range(count):
            s = scipy.linalg.svdvals(aa[i], check_finite=False)
            svals[i] = s
            ranks[i] = int((s > rcond * s[0]).sum()) if s.size else 0
    solution = x.reshape((*batch, n, k))
    empty_real = xp.zeros((0,), dtype=real)
    if m > n and driver != "gelsy" and (driver == "gels" or bool((ranks == n).all())):
        resid = aa @ x - bb
        residuals = wrap((xp.abs(resid) ** 2).sum(axis=-2).astype(real, copy=False).reshape((*batch, k)))
    else:
        residuals = wrap(empty_real)
    rank = wrap(xp.zeros((0,), dtype=np.int64)) if driver == "gels" else wrap(xp.asarray(ranks.reshape(batch)))
    sv = wrap(svals.reshape((*batch, min(m, n)))) if driver in ("gelsd", "gelss") else wrap(empty_real)
    return LstsqResult(wrap(solution[..., 0] if vector else solution), residuals, rank, sv)
