"""``gumbel_softmax``: a differentiable sample from the Gumbel-Softmax (Concrete) distribution."""

from __future__ import annotations

import warnings

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._activation import softmax
from taeda.nn.functional._util import TensorLike, as_var, wrap, xp_of

__all__ = ["gumbel_softmax"]


def gumbel_softmax(
    logits: TensorLike, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Variable:
    """``softmax((logits + g) / tau)`` with ``g ~ Gumbel(0, 1)`` drawn from taeda's global generator; with
    ``hard=True`` the result is the one-hot argmax, differentiated as the soft sample (straight-through:
    ``y_hard - y_soft.detach() + y_soft``). ``eps`` is deprecated and unused, as in PyTorch.

    Example::

        >>> y = F.gumbel_softmax(logits, tau=0.5, hard=True)   # one-hot rows, soft gradients
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    x = as_var(logits)
    xp = xp_of(x)
    t = x.data
    # Exponential(1) samples are -log(1 - U) with U uniform in [0, 1); Gumbel(0, 1) is -log of those. The
    # smallest positive float keeps a draw of U == 0 finite (PyTorch's exponential_ never returns 0 either).
    u = tt.rand(*t.shape, dtype=t.dtype, device=t.device).array
    e = xp.maximum(-xp.log1p(-u), xp.finfo(u.dtype).tiny)
    gumbels = wrap(-xp.log(e))
    y_soft = softmax((x + gumbels) / tau, dim)
    if not hard:
        return y_soft
    ys = y_soft.data.array
    d = dim % max(ys.ndim, 1)
    index = xp.expand_dims(xp.argmax(ys, axis=d), d) if ys.ndim else xp.zeros((), dtype=xp.int64)
    y_hard = xp.zeros_like(ys)
    if ys.ndim:
        xp.put_along_axis(y_hard, index, 1.0, axis=d)
    else:
        y_hard[...] = 1.0
    out: Variable = as_var(wrap(y_hard)) - y_soft.detach() + y_soft
    return out
