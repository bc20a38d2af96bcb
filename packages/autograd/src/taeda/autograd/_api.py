"""``backward`` and ``grad``: the public entry points into the engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import taeda.tensor as tt
from taeda.autograd._engine import run_backward
from taeda.autograd._variable import Variable


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    if isinstance(x, (Variable, tt.Tensor)):
        return [x]
    return list(x)


def _root_grads(outputs: list[Variable], grads: list[Any], create_graph: bool) -> list[Any]:
    out = []
    for i, (o, g) in enumerate(zip(outputs, grads)):
        if not isinstance(o, Variable) or not o._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if o.data.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            arr = o.data.array
            g = tt.as_tensor(o.data.device.xp.ones(arr.shape, dtype=arr.dtype))
        else:
            if tuple(g.shape) != tuple(o.data.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a shape of "
                    f"{o.data.shape}."
                )
            if isinstance(g, Variable) and not create_graph:
                g = g.data
            if g.dtype != o.data.dtype:
                g = g.to(o.data.dtype)
        if create_graph and not isinstance(g, Variable):
            g = Variable._wrap(g)
        out.append(g)
    return out


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Variable] | None = None,
) -> None:
    """Accumulate into the leaves' ``.grad`` the gradients of ``tensors`` (weighted by ``grad_tensors``).

    Example::

        >>> x = Variable(tt.ones(3), requires_grad=True)
        >>> backward([(x * 2).sum()])
        >>> x.grad.tolist()
        [2.0, 2.0, 2.0]
    """
    outs = _as_list(tensors)
    grads = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(outs)
    if len(grads) != len(outs):
        raise RuntimeError(f"got {len(grads)} gradients for {len(outs)} tensors")
    roots_g = _root_grads(outs, grads, create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        ins = _as_list(inputs)
        found = run_backward([o._edge() for o in outs], roots_g, keep, create_graph, [v._edge() for v in ins])
        for v, g in zip(ins, found):
            if g is None:
                continue
            gv = g if isinstance(g, Variable) else Variable._wrap(g if v.grad is not None else g.clone())
            v.grad = gv if v.grad is None else v.grad + gv
        return
    run_backward([o._edge() for o in outs], roots_g, keep, create_graph)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Variable | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs`` (leaves' ``.grad`` are left untouched).

    Example::

        >>> x = Variable(tt.tensor([3.0]), requires_grad=True)
        >>> (g,) = grad((x ** 3).sum(), x, create_graph=True)   # 3 x^2 = 27
        >>> grad(g.sum(), x)[0].tolist()                        # 6 x = 18
        [18.0]
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    if len(grads) != len(outs):
        raise RuntimeError(f"got {len(grads)} grad_outputs for {len(outs)} outputs")
    for v in ins:
        if not isinstance(v, Variable) or not v._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots_g = _root_grads(outs, grads, create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    found = run_backward([o._edge() for o in outs], roots_g, keep, create_graph, [v._edge() for v in ins])
    result: list[Variable | None] = []
    for v, g in zip(ins, found):
        if g is None:
            if materialize_grads:
                result.append(Variable._wrap(tt.zeros_like(v.data)))
                continue
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. Set "
                    "allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(g if isinstance(g, Variable) else Variable._wrap(g))
    return tuple(result)
