"""Linear algebra: the ``matmul`` family (with PyTorch's 1-D and batch-broadcasting rules), ``einsum`` and
``linalg.inv/det/slogdet/solve/cholesky``.

Backward formulas call ``taeda.tensor`` functions (``tt.linalg.inv``, ``tt.einsum``...), which dispatch to the
differentiable versions when given Variables (``create_graph=True``).
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._util import BuiltinFunction, TensorLike


class Matmul(BuiltinFunction):
    """``a @ b`` (``method`` "matmul") and the strict forms ``mm``, ``bmm``, ``mv``, ``dot``."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, method: str) -> Any:
        na, nb = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        if na or nb:
            ctx.save_for_backward(a if nb else None, b if na else None)
            ctx.nd = (a.array.ndim, b.array.ndim)
        return a @ b if method == "matmul" else getattr(a, method)(b)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any, None]:
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        if g.ndim and 0 in g.stride():  # e.g. sum's broadcast gradient: BLAS needs real strides
            g = g.contiguous()
        da, db = ctx.nd
        ga = gb = None
        if da == 1 and db == 1:
            ga = g * b if na else None
            gb = g * a if nb else None
        elif da == 1:
            ga = (g.unsqueeze(-2) @ b.mT).squeeze(-2) if na else None
            gb = a.unsqueeze(-1) @ g.unsqueeze(-2) if nb else None
        elif db == 1:
            ga = g.unsqueeze(-1) @ b.unsqueeze(-2) if na else None
            gb = (a.mT @ g.unsqueeze(-1)).squeeze(-1) if nb else None
        else:
            ga = g @ b.mT if na else None
            gb = None
            if nb and db == 2 and da > 2:
                # a stack times one matrix: b's gradient is one GEMM over all rows, not a stack of products summed
                gb = a.reshape(-1, a.shape[-1]).mT @ g.reshape(-1, g.shape[-1])
            elif nb:
                gb = a.mT @ g
        return ga, gb, None


class Inv(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        y = tt.linalg.inv(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        (y,) = ctx.saved_tensors
        yt = y.mT
        return -(yt @ g @ yt)


class Det(BuiltinFunction):
    """``det``; its gradient is the cofactor matrix, also at a singular matrix (where PyTorch 2.13 returns zeros and
    taeda raised ``LinAlgError``); that case is not differentiable twice."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        y = tt.linalg.det(a)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> Any:
        a, y = ctx.saved_tensors
        try:
            return (g * y).unsqueeze(-1).unsqueeze(-1) * tt.linalg.inv(a).mT
        except tt.linalg.LinAlgError:  # a singular matrix still has a gradient, the cofactor matrix (PyTorch)
            if not isinstance(a, tt.Tensor):
                raise
            return g.unsqueeze(-1).unsqueeze(-1) * _cofactor(a)


def _cofactor(a: Any) -> Any:
    """``det(A) * inv(A).mT``, also for a singular ``A``: with ``A = U diag(s) Vh`` it is
    ``det(U) det(Vh) U diag(p) Vh``, where ``p[i]`` is the product of the singular values other than ``s[i]``."""
    u, s, vh = tuple(tt.linalg.svd(a))
    one = tt.ones_like(s[..., :1])
    below = tt.cat([one, s[..., :-1].cumprod(-1)], -1)  # products of s[j] for j < i and for j > i
    above = tt.cat([one, s.flip(-1)[..., :-1].cumprod(-1)], -1).flip(-1)
    sign = tt.linalg.det(u) * tt.linalg.det(vh)
    return sign.unsqueeze(-1).unsqueeze(-1) * (u * (below * above).unsqueeze(-2)) @ vh


class Slogdet(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        sign, logabs = tuple(tt.linalg.slogdet(a))
        ctx.mark_non_differentiable(sign)
        ctx.save_for_backward(a)
        return sign, logabs

    @staticmethod
    def backward(ctx: Any, gsign: Any, g: TensorLike) -> Any:
        (a,) = ctx.saved_tensors
        return g.unsqueeze(-1).unsqueeze(-1) * tt.linalg.inv(a).mT


class Solve(BuiltinFunction):
    """``linalg.solve(A, B)``; B is a (batch of) vector(s) when 1-D or when ``B.shape == A.shape[:-1]``."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        x = tt.linalg.solve(a, b)
        ashape, bshape = a.array.shape, b.array.shape
        vector = len(bshape) == 1 or (len(bshape) == len(ashape) - 1 and bshape == ashape[:-1])
        ctx.save_for_backward(a, x)
        ctx.vector = vector
        return x

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, Any]:
        a, x = ctx.saved_tensors
        gb = tt.linalg.solve(a.mT, g)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -(gb.unsqueeze(-1) @ x.unsqueeze(-2)) if ctx.vector else -(gb @ x.mT)
        return ga, gb if ctx.needs_input_grad[1] else None


class Cholesky(BuiltinFunction):
    """Lower Cholesky factor ``L`` (``upper=True``: ``L.mT``); the gradient is symmetric (PyTorch's formula)."""

    @staticmethod
    def forward(ctx: Any, a: Any, upper: bool) -> Any:
        low = tt.linalg.cholesky(a)
        ctx.save_for_backward(low)
        ctx.upper = upper
        return low.mT if upper else low

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, None]:
        (low,) = ctx.saved_tensors
        if ctx.upper:
            g = g.mT
        phi = (low.mT @ g).tril()
        sym = (phi + phi.tril(-1).mT) * 0.5
        linv = tt.linalg.inv(low)
        return linv.mT @ sym @ linv, None


# ------------------------------------------------------------------------------------------------ einsum
def parse_einsum(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """Operand and output subscripts of ``equation`` with ``...`` expanded to explicit letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise RuntimeError(f"einsum(): {len(ins)} operands in the equation but {len(ndims)} given")
    used = set(eq) - set(",->.")
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = max([nd - (len(s) - 3) for s, nd in zip(ins, ndims) if "..." in s] or [0])
    ell = "".join(spare[:n_ell])
    subs = []
    for s, nd in zip(ins, ndims):
        if "..." in s:
            k = nd - (len(s) - 3)
            s = s.replace("...", ell[n_ell - k :] if k else "")
        subs.append(s)
    if arrow:
        out = out.replace("...", ell)
    else:
        counts: dict[str, int] = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return subs, out


def _undiagonal(gu: Any, sub: str, shape: tuple[int, ...]) -> Any:
    """The gradient of an operand with repeated subscripts from ``gu``, the gradient of its diagonal (subscripts
    ``sub`` without repeats): ``gu`` on the entries whose repeated indices agree, zero elsewhere."""
    first = {c: sub.index(c) for c in sub}
    spread = gu.reshape(tuple(shape[k] if first[c] == k else 1 for k, c in enumerate(sub))).expand(shape)
    mask = np.ones(shape, dtype=bool)
    for k, c in enumerate(sub):
        j = first[c]
        if j != k:
            a = np.arange(shape[k])
            mask &= a.reshape([-1 if d == j else 1 for d in range(len(shape))]) == a.reshape(
                [-1 if d == k else 1 for d in range(len(shape))]
            )
    return spread * tt.as_tensor(mask).to(gu.dtype).to(gu.device)


class Einsum(BuiltinFunction):
    @staticmethod
    def forward(ctx: Any, equation: str, *ops: Any) -> Any:
        subs, out = parse_einsum(equation, [o.array.ndim for o in ops])
        ctx.save_for_backward(*ops)
        ctx.info = (subs, out, [o.array.shape for o in ops])
        return tt.einsum(",".join(subs) + "->" + out, *ops)

    @staticmethod
    def backward(ctx: Any, g: TensorLike) -> tuple[Any, ...]:
        ops = ctx.saved_tensors
        subs, out, shapes = ctx.info
        grads: list[Any] = [None]
        for i, need in enumerate(ctx.needs_input_grad[1:]):
            if not need:
                grads.append(None)
                continue
            sub = subs[i]
            shape = shapes[i]
            # NOTE: a repeated subscript ("ii", a diagonal) is differentiated as its distinct letters (first
            # occurrences), then placed back on the diagonal by ``_undiagonal``
            uniq = "".join(dict.fromkeys(sub))
            ushape = tuple(shape[sub.index(c)] for c in uniq)
            others = [s for j, s in enumerate(subs) if j != i]
            avail = set(out).union(*others) if others else set(out)
            kept = "".join(c for c in uniq if c in avail)
            eq = ",".join([out, *others]) + "->" + kept
            gi = tt.einsum(eq, g, *[o for j, o in enumerate(ops) if j != i])
            if len(kept) != len(uniq):
                gi = gi.reshape(tuple(gi.shape[kept.index(c)] if c in kept else 1 for c in uniq))
                gi = gi.expand(tuple(ushape[k] if c not in kept else -1 for k, c in enumerate(uniq)))
            if len(uniq) != len(sub):
                gi = _undiagonal(gi, sub, shape)
            grads.append(gi)
        return tuple(grads)
