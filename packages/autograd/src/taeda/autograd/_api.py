"""``backward`` and ``grad``: the public entry points into the engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import taeda.tensor as tt
from taeda.autograd._engine import run_backward
from taeda.autograd._grad_mode import _state
from taeda.autograd._variable import Variable, _leaf_hooks


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
        raise RuntimeError(f"got {len(outs)} tensors and {len(grads)} gradients")
    roots_g = _root_grads(outs, grads, create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        ins = _as_list(inputs)
        if not ins:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        found = run_backward([o._edge() for o in outs], roots_g, keep, create_graph, [v._edge() for v in ins])
        prev = _state.enabled
        _state.enabled = create_graph
        try:
            for v, g in zip(ins, found):
                if g is None:
                    continue
                if v.grad_fn is None:  # a leaf: its hooks, in-place accumulation and post-accumulate hooks
                    v._accumulator()._accumulate(g, 0, create_graph)
                    continue
                cur = v._grad
                gv = g if isinstance(g, Variable) else Variable._wrap(g if cur is not None else g.clone())
                v.grad = gv if cur is None else cur + gv
        finally:
            _state.enabled = prev
        return
    run_backward([o._edge() for o in outs], roots_g, keep, create_graph)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Variable | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs`` (leaves' ``.grad`` are left untouched).

    Example::

        >>> x = Variable(tt.tensor([3.0]), requires_grad=True)
        >>> (g,) = grad((x ** 3).sum(), x, create_graph=True)   # 3 x^2 = 27
        >>> grad(g.sum(), x)[0].tolist()                        # 6 x = 18
        [18.0]
    """
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    if len(grads) != len(outs):
        raise RuntimeError(f"got {len(outs)} tensors and {len(grads)} gradients")
    if is_grads_batched:
        return _batched_grad(outs, ins, grads, retain_graph, create_graph, allow_unused, materialize_grads)
    for v in ins:
        if not isinstance(v, Variable) or not v._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots_g = _root_grads(outs, grads, create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    found = run_backward([o._edge() for o in outs], roots_g, keep, create_graph, [v._edge() for v in ins])
    result: list[Variable | None] = []
    for i, (v, g) in enumerate(zip(ins, found)):
        if g is not None and v.grad_fn is None and v._extra is not None and v._extra.hooks:
            prev = _state.enabled
            _state.enabled = create_graph
            try:
                g = _leaf_hooks(v, g, create_graph)  # a leaf's tensor hooks apply to its captured gradient
            finally:
                _state.enabled = prev
        if g is None:
            if materialize_grads:
                result.append(Variable._wrap(tt.zeros_like(v.data)))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. Set "
                    "allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(g if isinstance(g, Variable) else Variable._wrap(g))
    return tuple(result)


def _batched_grad(
    outs: list[Any],
    ins: list[Any],
    grads: list[Any],
    retain_graph: bool | None,
    create_graph: bool,
    allow_unused: bool | None,
    materialize_grads: bool,
) -> tuple[Variable | None, ...]:
    """``grad(..., is_grads_batched=True)``: one backward pass per entry of the grad_outputs' first dimension
    (PyTorch vectorizes with vmap; the results are the same), the results stacked along a new first dimension."""
    n = None
    for o, g in zip(outs, grads):
        if g is None:
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each grad_output as "
                "the batch dimension, so grad_outputs cannot be None."
            )
        if tuple(g.shape[1:]) != tuple(o.shape):
            raise RuntimeError(
                f"If `is_grads_batched=True`, we interpret the first dimension of each grad_output as the batch "
                f"dimension. The sizes of the remaining dimensions are expected to match the shape of corresponding "
                f"output, but a mismatch was detected: grad_output has a shape of {g.shape} and output has a shape "
                f"of {o.shape}. If you only want some tensors in `grad_output` to be considered batched, consider "
                f"using vmap."
            )
        n = g.shape[0] if n is None else n
    count = int(n or 0)
    keep = create_graph if retain_graph is None else retain_graph
    per: list[tuple[Variable | None, ...]] = []
    for b in range(count):
        per.append(
            grad(
                outs,
                ins,
                [g[b] for g in grads],
                retain_graph=True if b < count - 1 else keep,
                create_graph=create_graph,
                allow_unused=allow_unused,
                materialize_grads=materialize_grads,
            )
        )
    result: list[Variable | None] = []
    for j in range(len(ins)):
        col = [p[j] for p in per]
        if not col or any(c is None for c in col):
            result.append(None)
        else:
            result.append(tt.stack(col))  # type: ignore[arg-type]
    return tuple(result)
