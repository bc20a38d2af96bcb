"""Double backward for nn's array-level kernels: the gradient of a gradient (``create_graph=True``).

nn's ``Function``s compute their backward on arrays, which is fast but leaves no graph. When the engine runs a
backward with ``create_graph=True`` the gradients arrive as Variables; such a backward calls ``composite_backward``
instead, which re-derives the gradients from ``composite``, the same math written with differentiable Variable
operations, so the result is itself differentiable (Hessian-vector products, gradient penalties), as in PyTorch.

How: every input that needs a gradient is passed to ``composite`` through ``_Alias`` (a fresh identity node), and
``autograd.grad`` stops at those aliases. The nested backward therefore only runs the composite's own new nodes and
never touches the nodes of the backward pass that called it; the gradients it returns are connected to the real
inputs through the aliases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from taeda.autograd import Function, Variable, grad


class _Alias(Function):
    """Identity (forward returns its input, backward its gradient): a fresh node in front of an input."""

    _builtin = True

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return g


def wants_graph(*grads: Any) -> bool:
    """True when a backward runs under ``create_graph=True`` (its gradients are Variables)."""
    return any(isinstance(g, Variable) for g in grads)


def composite_backward(
    needs: Sequence[bool],
    inputs: Sequence[Any],
    grads: Sequence[Any],
    composite: Callable[..., Any],
) -> tuple[Any, ...]:
    """Gradients of ``composite(*inputs)`` (one output or a tuple) for the inputs where ``needs`` is true, given
    the output gradients ``grads`` (None entries: no gradient for that output), built with a graph.

    ``inputs`` are the forward's inputs as Variables connected to the graph (``ctx.saved_tensors`` under
    ``create_graph`` gives them) or constants (anything else passes through unchanged). Returns one entry per input
    (None where not needed).

    Example::

        >>> return composite_backward(ctx.needs_input_grad[:2], (x, w), (g,), lambda x, w: conv_ref(x, w))
    """
    args = list(inputs)
    targets: list[Any] = []
    where: list[int] = []
    for i, (need, v) in enumerate(zip(needs, inputs)):
        if need and isinstance(v, Variable):
            a = _Alias.apply(v)
            args[i] = a
            targets.append(a)
            where.append(i)
    result: list[Any] = [None] * len(inputs)
    if not targets:
        return tuple(result)
    outs = composite(*args)
    if not isinstance(outs, tuple):
        outs = (outs,)
    pairs = [(o, g) for o, g in zip(outs, grads) if g is not None and isinstance(o, Variable) and o.requires_grad]
    if not pairs:
        return tuple(result)
    found = grad(
        [o for o, _ in pairs],
        targets,
        [g if isinstance(g, Variable) else Variable(g) for _, g in pairs],
        create_graph=True,
        allow_unused=True,
    )
    for i, gi, v in zip(where, found, targets):
        result[i] = gi if gi is not None else v.detach() * 0
    return tuple(result)
