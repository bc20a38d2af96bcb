"""Higher-level autograd on whole functions, as ``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``,
``hessian``, ``vhp`` and ``hvp``.

Everything is built on reverse mode (``taeda.autograd.grad``); ``jvp`` and ``hvp`` use the double-vjp trick (as
PyTorch's own implementations do), so ``func`` must be twice differentiable for them. ``inputs`` (and ``v``) are a
Variable or a tuple of Variables; the results follow PyTorch's nesting (a Variable when ``func`` takes and returns
a single Variable, tuples otherwise). Inputs are detached first: the results are not connected to the graph of the
inputs unless ``create_graph=True``.

Differences from PyTorch (documented, not hidden):

* ``vectorize`` and ``strategy="forward-mode"`` are not supported: ``vectorize=True`` is accepted (the results are
  the same; the Jacobian is computed row by row) but forward-mode strategies raise ``NotImplementedError``.
* ``strict=True`` raises ``RuntimeError`` when an output does not depend on some input (PyTorch's messages differ
  slightly); ``strict=True`` together with ``create_graph=True`` is refused for ``jvp``/``hvp`` as in PyTorch.

Example::

    >>> import taeda.autograd as ag
    >>> from taeda.autograd.functional import jacobian, hessian
    >>> x = ag.tensor([1.0, 2.0])
    >>> jacobian(lambda t: t * t, x).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    >>> hessian(lambda t: (t ** 3).sum(), x).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import taeda.tensor as tt
from taeda.autograd._api import grad as _grad
from taeda.autograd._grad_mode import enable_grad
from taeda.autograd._variable import Variable

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(x: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple[Variable, ...]]:
    """``(was_tuple, items)``; every item must be a Variable (a Tensor is wrapped)."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    out = []
    for i, el in enumerate(items):
        if isinstance(el, tt.Tensor) and not isinstance(el, Variable):
            el = Variable(el)
        if not isinstance(el, Variable):
            what = f"The {arg_name} given to {fn_name}"
            where = f" contains an element of type {type(el).__name__} at index {i}" if is_tuple else ""
            raise TypeError(
                f"{what} must be either a Tensor or a tuple of Tensors but the value{where} has type "
                f"{type(el).__name__}."
            )
        out.append(el)
    return is_tuple, tuple(out)


def _prepare(inputs: tuple[Variable, ...], create_graph: bool) -> tuple[Variable, ...]:
    """Inputs that require grad: graph-connected copies with ``create_graph`` (so higher-order results reach the
    caller's inputs), detached leaves otherwise."""
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(True))
    return tuple(res)


def _finish(xs: tuple[Variable | None, ...], create_graph: bool) -> tuple[Variable | None, ...]:
    return tuple(x if x is None or create_graph else x.detach() for x in xs)


def _grads(
    outputs: tuple[Variable, ...],
    inputs: tuple[Variable, ...],
    grad_outputs: tuple[Variable, ...],
    create_graph: bool,
    retain_graph: bool | None = None,
) -> tuple[Variable | None, ...]:
    """``autograd.grad`` over the outputs that require grad; ``None`` for inputs that nothing reached."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _grad(
        [o for o, _ in pairs],
        list(inputs),
        [g for _, g in pairs],
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


def _fill(grads: tuple[Variable | None, ...], refs: tuple[Variable, ...], strict: bool, what: str) -> tuple[Any, ...]:
    out = []
    for i, (g, r) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"The {what} for input {i} is independent of the input: this is not allowed in strict mode."
                )
            g = Variable(tt.zeros_like(r.data))
        out.append(g)
    return tuple(out)


def _check_v(v: tuple[Variable, ...], refs: tuple[Variable, ...], name: str, fn_name: str) -> None:
    if len(v) != len(refs):
        raise RuntimeError(f"The given {name} for {fn_name} should have {len(refs)} elements but it has {len(v)}.")
    for i, (a, b) in enumerate(zip(v, refs)):
        if tuple(a.shape) != tuple(b.shape):
            where = f"Entry {i} in {name}" if len(refs) > 1 else name
            raise RuntimeError(f"{where} has invalid size: should be {b.shape} but got {a.shape}.")


def _outputs(func: Callable[..., Any], inputs: tuple[Variable, ...], fn_name: str) -> tuple[bool, tuple[Variable, ...]]:
    return _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)


def _pack(is_tuple: bool, xs: tuple[Any, ...]) -> Any:
    return xs if is_tuple else xs[0]


def _vectors(v: Any, like: tuple[Variable, ...], name: str, what: str) -> tuple[Variable, ...]:
    """``v`` checked against ``like`` (the outputs for vjp, the inputs otherwise), or ones when ``v`` is None and
    ``like`` is a single one-element Variable (``what`` completes PyTorch's message)."""
    if v is not None:
        _, vs = _as_tuple(v, "v", name)
        _check_v(vs, like, "v", name)
        return vs
    if len(like) != 1 or like[0].numel() != 1:
        raise RuntimeError(f"The vector v can only be None if the {what} a single Tensor with a single element.")
    return (Variable(tt.ones_like(like[0].data)),)


def _second_vjp(firsts: Sequence[Any], vs: Sequence[Any], targets: Sequence[Any], create_graph: bool) -> Any:
    """The vector-Jacobian product of the first-order gradients ``firsts`` (those with a graph) with ``vs``, with
    respect to ``targets``: the double-vjp trick behind ``jvp`` and ``hvp``."""
    pairs = [(g, v) for g, v in zip(firsts, vs) if g is not None and g.requires_grad]
    if not pairs:
        return (None,) * len(targets)
    return _grad(
        [p[0] for p in pairs],
        list(targets),
        [p[1] for p in pairs],
        retain_graph=create_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


def vjp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``: returns ``(func_output, vjp)``.

    ``v`` may be omitted when ``func`` returns a single-element Variable.

    Example::

        >>> x = ag.tensor([1.0, 2.0])
        >>> out, g = vjp(lambda t: t * t, x, ag.tensor([1.0, 1.0]))
        >>> g.tolist()
        [2.0, 4.0]
    """
    with enable_grad():
        in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
        ins = _prepare(ins, create_graph)
        out_tuple, outs = _outputs(func, ins, "vjp")
        vs = _vectors(v, outs, "vjp", "user-provided function returns")
        grads = _grads(outs, ins, vs, create_graph)
        res = _fill(grads, ins, strict, "output of the user-provided function")
    return _pack(out_tuple, _finish(outs, create_graph)), _pack(in_tuple, _finish(res, create_graph))


def jvp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs`` (by the double-vjp trick): returns
    ``(func_output, jvp)``. ``v`` may be omitted when the input is a single-element Variable.

    Example::

        >>> x = ag.tensor([1.0, 2.0])
        >>> out, jv = jvp(lambda t: t * t, x, ag.tensor([1.0, 0.0]))
        >>> jv.tolist()
        [2.0, 0.0]
    """
    if strict and create_graph:
        raise RuntimeError(
            "jvp is implemented with the double-backward trick, which cannot detect independence in strict mode "
            "when create_graph=True."
        )
    with enable_grad():
        _, ins = _as_tuple(inputs, "inputs", "jvp")
        ins = _prepare(ins, create_graph)
        vs = _vectors(v, ins, "jvp", "input to the user-provided function is")
        out_tuple, outs = _outputs(func, ins, "jvp")
        # dummy cotangents u: g(u) = u^T J is linear in u, and d/du (g(u) . v) = J v
        us = tuple(Variable(tt.zeros_like(o.data), requires_grad=True) for o in outs)
        g = _grads(outs, ins, us, create_graph=True)
        for i, x in enumerate(g):
            if strict and x is None:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. This is not allowed in "
                    "strict mode."
                )
        jv = _second_vjp(g, vs, us, create_graph)
        res = _fill(jv, outs, False, "jvp")
    return _pack(out_tuple, _finish(outs, create_graph)), _pack(out_tuple, _finish(res, create_graph))


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: entry ``[i][j]`` (flattened when ``func`` has one output or one
    input) has shape ``outputs[i].shape + inputs[j].shape``. Computed row by row in reverse mode; ``vectorize`` is
    accepted and does not change the result.

    Example::

        >>> jacobian(lambda a, b: a * b, (ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0])))[1].tolist()
        [[1.0, 0.0], [0.0, 2.0]]
    """
    if strategy != "reverse-mode":
        raise NotImplementedError(f"jacobian: strategy {strategy!r} is not supported (only 'reverse-mode')")
    with enable_grad():
        in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        ins = _prepare(ins, create_graph)
        out_tuple, outs = _outputs(func, ins, "jacobian")
        rows: list[tuple[Any, ...]] = []
        for i, out in enumerate(outs):
            flat = out.reshape(-1)
            per_in: list[list[Variable]] = [[] for _ in ins]
            for k in range(flat.numel()):
                if flat.requires_grad:
                    gs = _grad(flat[k], list(ins), retain_graph=True, create_graph=create_graph, allow_unused=True)
                else:
                    gs = (None,) * len(ins)
                for j, (g, inp) in enumerate(zip(gs, ins)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of input {j}. This is not "
                                "allowed in strict mode."
                            )
                        g = Variable(tt.zeros_like(inp.data))
                    per_in[j].append(g)
            blocks = []
            for j, inp in enumerate(ins):
                shape = tuple(out.shape) + tuple(inp.shape)
                block: Any
                if per_in[j]:
                    block = tt.stack(per_in[j]).reshape(shape)
                else:
                    block = Variable(tt.zeros(*shape, dtype=inp.dtype))
                blocks.append(block if create_graph else block.detach())
            rows.append(tuple(blocks))
    if out_tuple:
        return tuple(_pack(in_tuple, r) for r in rows)
    return _pack(in_tuple, rows[0])


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of the scalar function ``func`` at ``inputs`` (the Jacobian of its gradient); for a tuple of
    inputs, entry ``[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``.

    Example::

        >>> hessian(lambda t: (t ** 3).sum(), ag.tensor([1.0, 2.0])).tolist()
        [[6.0, 0.0], [0.0, 12.0]]
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")

    def jac_func(*inp: Variable) -> Any:
        _, outs = _outputs(func, inp, "hessian")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return jacobian(func, inp, create_graph=True, strict=strict)

    res = jacobian(jac_func, ins, create_graph=create_graph, strict=strict, strategy=outer_jacobian_strategy)
    if not in_tuple:
        return res[0][0] if isinstance(res, tuple) and isinstance(res[0], tuple) else res
    return res


def vhp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The vector-Hessian product ``v^T H`` of the scalar function ``func``: returns ``(func_output, vhp)``.

    Example::

        >>> out, r = vhp(lambda t: (t ** 3).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
        >>> r.tolist()
        [6.0, 12.0]
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The Hessian-vector product ``H v`` of the scalar function ``func``: returns ``(func_output, hvp)``. Equal
    to ``vhp`` (the Hessian of a twice continuously differentiable function is symmetric); computed, as in
    PyTorch, by the double-backward trick.

    Example::

        >>> out, r = hvp(lambda t: (t ** 3).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 0.0]))
        >>> r.tolist()
        [6.0, 0.0]
    """
    if strict and create_graph:
        raise RuntimeError(
            "hvp is implemented with the double-backward trick, which cannot detect independence in strict mode "
            "when create_graph=True."
        )
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(
    func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool, name: str
) -> tuple[Any, Any]:
    with enable_grad():
        in_tuple, ins = _as_tuple(inputs, "inputs", name)
        ins = _prepare(ins, create_graph)
        vs = _vectors(v, ins, name, "input to the user-provided function is")
        out_tuple, outs = _outputs(func, ins, name)
        if out_tuple or len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
        out = outs[0]
        if not out.requires_grad:
            jac: tuple[Variable | None, ...] = (None,) * len(ins)
        else:
            jac = _grad(out, list(ins), create_graph=True, allow_unused=True)
        if strict and any(j is None for j in jac):
            raise RuntimeError(f"The output of the user-provided function is independent of an input ({name}).")
        r = _second_vjp(jac, vs, ins, create_graph)
        res = _fill(r, ins, strict, "Hessian product")
    return _finish(outs, create_graph)[0], _pack(in_tuple, _finish(res, create_graph))
