"""``taeda.tensor.special``: PyTorch's ``torch.special`` names for the special functions (most are also at top level).

Example:
    >>> import taeda.tensor as tt
    >>> tt.special.expit(tt.tensor([0.0])).tolist()
    [0.5]
"""

from __future__ import annotations

from taeda.tensor._ops_math import digamma, erf, erfc, erfinv, exp2, expm1, lgamma, log1p, polygamma, sigmoid
from taeda.tensor._ops_reduce import logsumexp
from taeda.tensor._ops_special import i0, i1, logit, sinc, xlogy

expit = sigmoid
gammaln = lgamma
psi = digamma

__all__ = [
    "digamma",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "i0",
    "i1",
    "log1p",
    "logit",
    "logsumexp",
    "polygamma",
    "psi",
    "sinc",
    "xlogy",
]
