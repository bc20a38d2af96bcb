"""``gradcheck`` / ``gradgradcheck``: compare analytical gradients with central finite differences (float64)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._api import grad
from taeda.autograd._variable import Variable


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck``/``gradgradcheck`` when analytical and numerical gradients disagree."""


def _tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _diff_outputs(outputs: tuple[Any, ...]) -> list[Variable]:
    return [o for o in outputs if isinstance(o, Variable) and o.data.array.dtype.kind in "fc"]


def _numerical(
    func: Callable[..., Any], inputs: tuple[Any, ...], x: Variable, n_outputs: list[int], eps: float
) -> list[np.ndarray[Any, Any]]:
    """Per output: the Jacobian d out / d x (rows: output elements, columns: x's elements)."""
    arr = x.data.array
    size = arr.size
    jac = [np.zeros((n, size)) for n in n_outputs]
    flat_index = np.arange(size).reshape(arr.shape) if arr.ndim else np.array(0)
    for k in range(size):
        idx = np.unravel_index(int(flat_index.reshape(-1)[k]), arr.shape) if arr.ndim else ()
        orig = arr[idx].item()
        try:
            arr[idx] = orig + eps
            plus = [np.array(o.data.array, dtype=np.float64).reshape(-1) for o in _diff_outputs(_tuple(func(*inputs)))]
            arr[idx] = orig - eps
            minus = [np.array(o.data.array, dtype=np.float64).reshape(-1) for o in _diff_outputs(_tuple(func(*inputs)))]
        finally:
            arr[idx] = orig
        for j, (p, m) in enumerate(zip(plus, minus)):
            jac[j][:, k] = (p - m) / (2 * eps)
    return jac


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
) -> bool:
    """Check the gradients of ``func`` at ``inputs`` (Variables; those requiring grad are checked) against
    finite differences. Returns True, or raises ``GradcheckError`` (False with ``raise_exception=False``).

    Example::

        >>> x = Variable(tt.randn(3, dtype=tt.float64), requires_grad=True)
        >>> gradcheck(lambda t: (t * t).sin(), (x,))
        True
    """
    ins = _tuple(inputs)
    checked = [x for x in ins if isinstance(x, Variable) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input Variable with requires_grad=True")
    for x in checked:
        if x.data.array.dtype != np.float64:
            warnings.warn(
                "Input #0 requires gradient and is not a double precision floating point. This check will likely "
                "fail if all the inputs are not of double precision floating point.",
                stacklevel=2,
            )
    outputs = _diff_outputs(_tuple(func(*ins)))
    sizes = [int(o.data.numel()) for o in outputs]
    # analytical: one backward per output element
    analytic = [[np.zeros((n, int(x.data.numel()))) for x in checked] for n in sizes]
    for j, o in enumerate(outputs):
        if not o.requires_grad:
            continue
        for r in range(sizes[j]):
            onehot = np.zeros(sizes[j], dtype=o.data.array.dtype)
            onehot[r] = 1
            go = tt.as_tensor(onehot.reshape(o.data.array.shape))
            gs = grad([o], checked, [go], retain_graph=True, allow_unused=True)
            for i, g in enumerate(gs):
                if g is not None:
                    analytic[j][i][r] = np.asarray(g.data.array, dtype=np.float64).reshape(-1)
    for i, x in enumerate(checked):
        numeric = _numerical(func, ins, x, sizes, eps)
        for j in range(len(outputs)):
            a, n = analytic[j][i], numeric[j]
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=False):
                pos = next(k for k, y in enumerate(ins) if y is x)  # NOTE: not ins.index(x): == is elementwise
                msg = f"Jacobian mismatch for output {j} with respect to input {pos},\nnumerical:{n}\nanalytical:{a}\n"
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Sequence[Any] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> vector-Jacobian product v^T J.

    Example::

        >>> x = Variable(tt.randn(3, dtype=tt.float64), requires_grad=True)
        >>> gradgradcheck(lambda t: t.exp() * t, (x,))
        True
    """
    ins = _tuple(inputs)
    n = len(ins)
    outputs = [o for o in _diff_outputs(_tuple(func(*ins))) if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        gos: list[Any] = [
            Variable(tt.as_tensor(rng.standard_normal(o.data.array.shape)).to(o.dtype), requires_grad=True)
            for o in outputs
        ]
    else:
        gos = [g if isinstance(g, Variable) else Variable(g, requires_grad=True) for g in grad_outputs]
    checked_idx = [i for i, x in enumerate(ins) if isinstance(x, Variable) and x.requires_grad]

    def vjp(*args: Any) -> tuple[Any, ...]:
        xs, vs = args[:n], args[n:]
        outs = [o for o in _diff_outputs(_tuple(func(*xs))) if o.requires_grad]
        gs = grad(outs, [xs[i] for i in checked_idx], list(vs), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(vjp, ins + tuple(gos), eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
