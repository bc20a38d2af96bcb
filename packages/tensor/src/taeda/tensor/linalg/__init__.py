"""``taeda.tensor.linalg``: PyTorch's ``torch.linalg`` on NumPy/SciPy (CPU) and CuPy (GPU).

Every function takes batches of matrices (leading dims), checks its input with PyTorch's error messages and
returns Tensors or named tuples of them (``svd(A).S``, ``slogdet(A).logabsdet`` ...).

Example:
    >>> import taeda.tensor as tt
    >>> A = tt.tensor([[4.0, 1.0], [1.0, 3.0]])
    >>> x = tt.linalg.solve(A, tt.tensor([1.0, 2.0]))
    >>> bool(tt.allclose(A @ x, tt.tensor([1.0, 2.0])))
    True
"""

from taeda.tensor.linalg._common import EighResult, LinAlgError, QRResult, SlogdetResult, SVDResult
from taeda.tensor.linalg._cond import cond, eigvals
from taeda.tensor.linalg._decomp import cholesky, eigh, eigvalsh, qr, svd, svdvals
from taeda.tensor.linalg._lstsq import LstsqResult, lstsq
from taeda.tensor.linalg._lu import LUFactorResult, lu_factor, lu_solve
from taeda.tensor.linalg._norms import matrix_norm, norm, vector_norm
from taeda.tensor.linalg._products import cross, matrix_exp, matrix_power, multi_dot, vecdot
from taeda.tensor.linalg._solve import det, inv, matrix_rank, pinv, slogdet, solve

__all__ = [
    "LinAlgError",
    "SlogdetResult",
    "SVDResult",
    "QRResult",
    "EighResult",
    "inv",
    "det",
    "slogdet",
    "solve",
    "pinv",
    "matrix_rank",
    "norm",
    "vector_norm",
    "matrix_norm",
    "svd",
    "svdvals",
    "qr",
    "cholesky",
    "eigh",
    "eigvalsh",
    "LstsqResult",
    "LUFactorResult",
    "cond",
    "eigvals",
    "lstsq",
    "lu_factor",
    "lu_solve",
    "matrix_power",
    "multi_dot",
    "vecdot",
    "cross",
    "matrix_exp",
]
