"""The backward engine: dependency counting over the recorded graph, then one pass in topological order.

No recursion anywhere (a 100,000-op chain works): a first iterative walk counts, for every node reachable from the
roots, how many edges point at it; a node runs once all of them delivered their gradient (``_deps`` drops to 0).
Gradients arriving at the same node output are summed (out of place once, then in place into the engine's own
buffer). After a node ran its saved tensors are released unless ``retain_graph``. Every gradient is checked against
the shape and dtype of the value it is the gradient of.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import taeda.tensor as tt
from taeda.autograd._function import AccumulateGrad, Node
from taeda.autograd._grad_mode import _state
from taeda.autograd._util import sum_to

_Tensor = tt.Tensor

_generations = itertools.count(1)

Edge = tuple[Node, int]


def run_backward(
    roots: Sequence[Edge],
    grads: Sequence[Any],
    keep_graph: bool,
    create_graph: bool,
    targets: Sequence[Edge] | None = None,
) -> list[Any]:
    """Back-propagate ``grads`` (Tensors, or Variables when ``create_graph``) from the ``roots`` edges.

    Without ``targets`` gradients accumulate into leaves' ``.grad``; with them (``autograd.grad``) the gradients
    reaching each target edge are returned instead, leaves are left alone and only the needed nodes run.
    """
    gen = next(_generations)
    root_nodes: list[Node] = []
    stack: list[Node] = []
    for node, _ in roots:
        if node._gen != gen:
            node._gen = gen
            node._deps = 0
            node._buf = None
            node._owned = 0
            if node.__class__ is AccumulateGrad:
                node._refresh()
            root_nodes.append(node)
            stack.append(node)
    while stack:
        n = stack.pop()
        for e in n._next:
            if e:
                m = e[0]
                if m._gen != gen:
                    m._gen = gen
                    m._deps = 1
                    m._buf = None
                    m._owned = 0
                    if m.__class__ is AccumulateGrad:
                        m._refresh()
                    stack.append(m)
                else:
                    m._deps += 1
    for (node, idx), g in zip(roots, grads):
        buf = node._buf
        if buf is None:
            buf = node._buf = [None] * len(node._out_meta)
        buf[idx] = g if buf[idx] is None else buf[idx] + g

    capture: dict[int, list[tuple[int, int]]] | None = None
    runs: set[int] | None = None
    results: list[Any] = []
    if targets is not None:
        capture = {}
        for pos, (node, idx) in enumerate(targets):
            capture.setdefault(id(node), []).append((idx, pos))
        results = [None] * len(targets)
        runs = _needed(root_nodes, capture)

    wrap = _Variable._wrap
    ready = []
    for n in root_nodes:
        if not n._deps:
            ready.append(n)
    prev_mode = _state.enabled
    _state.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            buf = node._buf
            node._buf = None
            if capture is not None:
                caps = capture.get(id(node))
                if caps is not None:
                    for idx, pos in caps:
                        results[pos] = buf[idx]
                if id(node) not in runs:  # type: ignore[operator]
                    _skip(node, ready)
                    continue
            if node.__class__ is AccumulateGrad:
                # NOTE: no buffer means no gradient arrived: the leaf was garbage-collected (nothing can read its
                # .grad, as in PyTorch) or every contribution was None; either way there is nothing to store.
                if buf is not None:
                    node._accumulate(buf[0], node._owned & 1, create_graph)  # type: ignore[attr-defined]
                continue
            hooks = node._hooks
            if hooks is not None:
                buf = _pre_hooks(node, hooks, buf)
            if len(buf) == 1:
                g0 = buf[0]
                if g0 is None:
                    _skip(node, ready)
                    continue
                outs = node._forward_cls.backward(node, g0)  # type: ignore[attr-defined]
            elif not _materialize(node, buf):
                _skip(node, ready)
                continue
            else:
                outs = node._forward_cls.backward(node, *buf)  # type: ignore[attr-defined]
            nxt = node._next
            if outs.__class__ is not tuple:
                outs = (outs,)
            if len(outs) != len(nxt):
                outs = _fix_count(node, outs)
            if not keep_graph and node._saved is not None:
                node._saved = None
                node._saved_src = None
                node._freed = True
            if hooks is not None and "post" in hooks:
                for fn in list(hooks["post"].values()):
                    fn(outs, tuple(buf))
            i = 0
            for e in nxt:
                if e:
                    m = e[0]
                    g = outs[i]
                    if g is not None:
                        idx = e[1]
                        if create_graph:
                            if not isinstance(g, _Variable):
                                g = wrap(g)
                            arr = g.data.array
                        else:
                            if g.__class__ is not _Tensor and isinstance(g, _Variable):
                                g = g.data
                            arr = g.array
                        shape, dtype = m._out_meta[idx]
                        fresh = False
                        if arr.shape != shape or (arr.dtype is not dtype and arr.dtype != dtype):
                            if shape is None:  # the leaf is gone: nothing to deliver
                                g = None
                            else:
                                g = _validate(node, i, g, arr, shape, dtype)
                                fresh = True
                        if g is not None:
                            b = m._buf
                            if b is None:
                                m._buf = [g] if len(m._out_meta) == 1 else _slots(len(m._out_meta), idx, g)
                                if (
                                    m.__class__ is AccumulateGrad
                                    and not create_graph
                                    and (fresh or (node._builtin and arr.base is None and _fresh(g, buf, outs, i)))
                                ):
                                    m._owned = 1
                            else:
                                prev = b[idx]
                                if prev is None:
                                    b[idx] = g
                                elif create_graph:
                                    b[idx] = prev + g
                                elif m._owned >> idx & 1:
                                    prev.add_(g)
                                else:
                                    b[idx] = prev + g
                                    m._owned |= 1 << idx
                    m._deps -= 1
                    if not m._deps:
                        ready.append(m)
                i += 1  # noqa: SIM113 - hot path: no enumerate object
    finally:
        _state.enabled = prev_mode
    return results


def _slots(n: int, idx: int, g: Any) -> list[Any]:
    buf: list[Any] = [None] * n
    buf[idx] = g
    return buf


def _validate(node: Node, i: int, g: Any, arr: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """Undo broadcasting with ``sum_to`` and cast to the input's dtype (PyTorch's engine does the same); a
    gradient that cannot be summed to the input's shape is an error naming the node."""
    if arr.shape != shape:
        gshape = arr.shape
        lead = len(gshape) - len(shape)
        if lead < 0 or any(s not in (1, gs) for s, gs in zip(shape, gshape[lead:])):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got {list(gshape)} but "
                f"expected shape compatible with {list(shape)}"
            )
        g = sum_to(g, shape)
    if g.dtype != dtype:
        if dtype.kind not in "fc":
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - expected dtype {dtype} but got "
                f"{g.dtype}"
            )
        g = g.to(dtype)
    return g


def _fresh(g: Any, grads_in: list[Any], outs: tuple[Any, ...], i: int) -> bool:
    """True when ``g`` is a new array made by the node (not a pass-through of its input nor returned twice)."""
    for x in grads_in:
        if g is x:
            return False
    j = 0
    for o in outs:
        if o is g and j != i:
            return False
        j += 1  # noqa: SIM113
    return True


def _skip(node: Node, ready: list[Node]) -> None:
    """A node that received no gradient at all: its inputs get none either (their counts still drop)."""
    for e in node._next:
        if e:
            m = e[0]
            m._deps -= 1
            if m._deps == 0:
                ready.append(m)


def _materialize(node: Node, buf: list[Any]) -> bool:
    """Replace missing gradients of a multi-output node by zeros; False when there is no gradient at all."""
    present = [g for g in buf if g is not None]
    if not present:
        return False
    if len(present) != len(buf) and getattr(node, "_materialize", True):
        ref = present[0]
        for k, g in enumerate(buf):
            if g is None:
                shape, dtype = node._out_meta[k]
                if shape is not None:
                    buf[k] = ref.new_zeros(shape, dtype=dtype)
    return True


def _fix_count(node: Node, outs: tuple[Any, ...]) -> tuple[Any, ...]:
    n = len(node._next)
    if len(outs) > n and all(o is None for o in outs[n:]):
        return outs[:n]
    raise RuntimeError(
        f"function {node.name()} returned an incorrect number of gradients (expected {n}, got {len(outs)})"
    )


def _pre_hooks(node: Node, hooks: dict[Any, Any], buf: list[Any]) -> list[Any]:
    from taeda.autograd._variable import Variable

    for key, table in list(hooks.items()):
        if type(key) is tuple and key[0] == "var":
            idx = key[1]
            for fn in list(table.values()):
                if buf[idx] is None:
                    break
                g = buf[idx]
                r = fn(g if isinstance(g, Variable) else Variable._wrap(g))
                if r is not None:
                    buf[idx] = r if _state.enabled else (r.data if isinstance(r, Variable) else r)
    for key, table in list(hooks.items()):
        if type(key) is tuple and key[0] == "retain":
            idx = key[1]
            for fn in list(table.values()):
                if buf[idx] is not None:
                    fn(buf[idx])
    if "pre" in hooks:
        for fn in list(hooks["pre"].values()):
            r = fn(tuple(buf))
            if r is not None:
                buf = list(r)
    return buf


def _needed(root_nodes: list[Node], capture: dict[int, list[tuple[int, int]]]) -> set[int]:
    """Ids of the nodes whose backward must run for ``autograd.grad``: those with a target below them."""
    needed: dict[int, bool] = {}
    runs: set[int] = set()
    stack: list[tuple[Node, bool]] = [(n, False) for n in root_nodes]
    while stack:
        n, expanded = stack.pop()
        key = id(n)
        if expanded:
            below = False
            for e in n._next:
                if e and needed.get(id(e[0]), False):
                    below = True
            if below:
                runs.add(key)
            needed[key] = below or key in capture
            continue
        if key in needed:
            continue
        needed[key] = False  # provisional, marks "visited"
        stack.append((n, True))
        for e in n._next:
            if e and id(e[0]) not in needed:
                stack.append((e[0], False))
    return runs


from taeda.autograd._variable import Variable as _Variable  # noqa: E402  (loaded after _variable)
