"""Matrix and vector products: ``matrix_power``, ``multi_dot``, ``vecdot``, ``cross`` and ``matrix_exp``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from taeda.tensor._checks import broadcast_shapes, check_same_device, norm_dim
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._dtype import torch_name
from taeda.tensor.linalg._common import array_of, check_float, matrix_input, wrap

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["matrix_power", "multi_dot", "vecdot", "cross", "matrix_exp"]

# the C++ names PyTorch's multi_dot prints for dtypes
_CPP_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "int64": "long int",
    "int32": "int",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


@taeda_function
def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` to the integer power ``n`` (batched over leading dims): the identity for ``n = 0``, powers of the
    inverse for ``n < 0`` (float or complex only). Integer matrices work for ``n >= 0``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.matrix_power(tt.tensor([[1, 1], [0, 1]]), 3).tolist()
        [[1, 3], [0, 1]]
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    arr = array_of(A, "linalg.matrix_power")
    if arr.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if arr.shape[-1] != arr.shape[-2]:
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are {arr.shape[-2]} by "
            f"{arr.shape[-1]} matrices"
        )
    xp = A.device.xp
    if n < 0:
        from taeda.tensor.linalg._solve import inv

        arr = inv(A)._array
        n = -n
    if arr.dtype.kind == "b" and n > 0:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    if n == 0:
        eye = xp.eye(arr.shape[-1], dtype=arr.dtype)
        return wrap(xp.broadcast_to(eye, arr.shape).copy())
    return wrap(xp.linalg.matrix_power(arr, int(n)).copy())


def _chain_order(dims: list[int]) -> Any:
    """The optimal parenthesisation of a matrix chain with shapes ``dims[i] x dims[i + 1]`` (textbook DP)."""
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


@taeda_function
def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of two or more matrices in the cheapest order; the first and last may be vectors (1-D), as
    for ``@``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.multi_dot([tt.ones(3), tt.ones(3, 2), tt.ones(2)]).item()
        6.0
    """
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    arrs = [array_of(t, "multi_dot()", "tensors") for t in tensors]
    for i, a in enumerate(arrs):
        if i in (0, n - 1):
            if a.ndim not in (1, 2):
                which = "first" if i == 0 else "last"
                raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {a.ndim}D")
        elif a.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {a.ndim}D")
    for i, a in enumerate(arrs[1:], 1):
        if a.dtype != arrs[0].dtype:
            t0, t1 = (_CPP_NAMES.get(str(x.dtype), str(x.dtype)) for x in (arrs[0], a))
            raise RuntimeError(
                f"multi_dot(): all tensors must have be the same dtype but tensor 0 is {t0} and tensor {i} {t1}"
            )
    check_same_device(*arrs)
    first_vec, last_vec = arrs[0].ndim == 1, arrs[-1].ndim == 1
    mats = list(arrs)
    if first_vec:
        mats[0] = mats[0][None, :]
    if last_vec:
        mats[-1] = mats[-1][:, None]
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {list(arrs[i].shape)} and "
                f"{list(arrs[i + 1].shape)} cannot be multiplied"
            )
    split = _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]])

    def product(i: int, j: int) -> Any:
        if i == j:
            return mats[i]
        s = split[i][j]
        return product(i, s) @ product(s + 1, j)

    r = product(0, n - 1)
    if first_vec:
        r = r[0]
    if last_vec:
        r = r[..., 0]
    return wrap(r)


def _same_float_pair(x: Any, y: Any, fname: str) -> tuple[Any, Any]:
    a, b = array_of(x, fname, "x"), array_of(y, fname, "y")
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{fname}: Expected x and y to have the same dtype, but found x of type {torch_name(a.dtype)} and y of "
            f"type {torch_name(b.dtype)} instead"
        )
    check_float(a, fname)
    check_same_device(a, b)
    return a, b


@taeda_function
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product ``sum(conj(x) * y)`` along ``dim`` of two broadcast float or complex tensors of one
    dtype.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.vecdot(tt.tensor([[1.0, 2.0], [3.0, 4.0]]), tt.tensor([1.0, 1.0])).tolist()
        [3.0, 7.0]
    """
    a, b = _same_float_pair(x, y, "linalg.vecdot")
    shape = broadcast_shapes(a.shape, b.shape)
    d = norm_dim(dim, len(shape))
    xp = x.device.xp
    prod = (xp.conj(a) if a.dtype.kind == "c" else a) * b
    if prod.ndim == 0:
        return wrap(prod.copy())
    return wrap(prod.sum(axis=d))


@taeda_function
def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (default the last), with broadcasting; both tensors need the
    same number of dims and dtype.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.cross(tt.tensor([1.0, 0.0, 0.0]), tt.tensor([0.0, 1.0, 0.0])).tolist()
        [0.0, 0.0, 1.0]
    """
    a, b = array_of(input, "linalg.cross", "input"), array_of(other, "linalg.cross", "other")
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = norm_dim(dim, a.ndim)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and {b.shape[d]}"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {torch_name(a.dtype)} but found {torch_name(b.dtype)}")
    check_same_device(a, b)
    shape = broadcast_shapes(a.shape, b.shape)
    xp = input.device.xp
    a, b = xp.broadcast_to(a, shape), xp.broadcast_to(b, shape)
    return wrap(xp.cross(a, b, axis=d))


@taeda_function
def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential of a (batch of) square float or complex matrices (SciPy's ``expm`` on the CPU).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.linalg.matrix_exp(tt.zeros(2, 2)).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    arr = matrix_input(A, "linalg.matrix_exp", square=True)
    xp = A.device.xp
    if arr.size == 0:
        return wrap(arr.copy())
    if xp is np:
        import scipy.linalg

        r = scipy.linalg.expm(arr)
    else:  # CuPy: cupyx's expm takes one matrix at a time
        import cupyx.scipy.linalg

        mats = arr.reshape(math.prod(arr.shape[:-2]), *arr.shape[-2:])
        r = xp.stack([cupyx.scipy.linalg.expm(m) for m in mats]).reshape(arr.shape)
    return wrap(r.astype(arr.dtype, copy=False))
