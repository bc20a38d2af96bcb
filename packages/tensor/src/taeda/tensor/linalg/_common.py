"""Shared pieces of ``taeda.tensor.linalg``: input checks with PyTorch's messages, ``LinAlgError``, result tuples."""

from __future__ import annotations

import contextlib
from typing import Any, NamedTuple

import numpy as np

from taeda.tensor._dtype import torch_name
from taeda.tensor._tensor import Tensor, _wrap_r

__all__ = ["LinAlgError", "SlogdetResult", "SVDResult", "QRResult", "EighResult", "matrix_input", "wrap", "raising"]


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on valid input (a singular or non positive-definite matrix ...).

    A ``RuntimeError``, as PyTorch's ``torch.linalg.LinAlgError``.

    Example:
        >>> import taeda.tensor as tt
        >>> try:
        ...     tt.linalg.inv(tt.zeros(2, 2))
        ... except tt.linalg.LinAlgError as e:
        ...     print(str(e)[:44])
        linalg.inv: The diagonal element 1 is zero
    """


LinAlgError.__module__ = "taeda.tensor.linalg"


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)`` of ``slogdet``."""

    sign: Tensor
    logabsdet: Tensor


class SVDResult(NamedTuple):
    """``(U, S, Vh)`` of ``svd``: ``A = U @ diag(S) @ Vh``."""

    U: Tensor
    S: Tensor
    Vh: Tensor


class QRResult(NamedTuple):
    """``(Q, R)`` of ``qr``: ``A = Q @ R``."""

    Q: Tensor
    R: Tensor


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)`` of ``eigh``, eigenvalues ascending."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def array_of(x: Any, fname: str, arg: str = "A") -> Any:
    """The ndarray of a Tensor argument (TypeError for anything else)."""
    arr = getattr(x, "_array", None)
    if arr is None:
        raise TypeError(f"{fname}: expected a Tensor for {arg}, got {type(x).__name__}")
    return arr


def check_float(arr: Any, fname: str) -> None:
    if arr.dtype.kind not in "fc":
        raise RuntimeError(
            f"{fname}: Expected a floating point or complex tensor as input. Got {torch_name(arr.dtype)}"
        )
    if arr.dtype == np.float16:
        raise RuntimeError(f"{fname}: Half is not supported (LAPACK has no float16 routines); use .float() first")


def matrix_input(x: Any, fname: str, *, square: bool = False, arg: str = "A") -> Any:
    """Check a (batch of) matrices as PyTorch does and return its ndarray."""
    arr = array_of(x, fname, arg)
    if arr.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {arg} must have at least 2 dimensions.")
    check_float(arr, fname)
    if square and arr.shape[-1] != arr.shape[-2]:
        raise RuntimeError(
            f"{fname}: {arg} must be batches of square matrices, but they are {arr.shape[-2]} by {arr.shape[-1]} "
            "matrices"
        )
    return arr


def wrap(arr: Any) -> Tensor:
    """Wrap a result (NumPy returns scalars for 0-d results) as a Tensor."""
    return _wrap_r(arr)


_NULL_CONTEXT = contextlib.nullcontext()


def raising(xp: Any) -> tuple[contextlib.AbstractContextManager[Any], type[Exception]]:
    """A context in which the array module raises on failed factorisations (CuPy returns NaNs unless told), and
    the error type it raises."""
    if xp is np:
        return _NULL_CONTEXT, np.linalg.LinAlgError
    import cupyx

    return cupyx.errstate(linalg="raise"), xp.linalg.LinAlgError


def host(arr: Any) -> np.ndarray[Any, Any]:
    """A NumPy copy (or the array itself on the CPU), for error diagnosis only."""
    return arr if isinstance(arr, np.ndarray) else arr.get()


def batch_prefix(arr: Any, index: int) -> str:
    return f"(Batch element {index}): " if arr.ndim > 2 else ""
