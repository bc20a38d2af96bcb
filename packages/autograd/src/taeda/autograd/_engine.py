"""The backward engine: one pass over the recorded graph, newest node first.

Every node carries its creation number ``_seq`` (decreasing: a node's inputs always have larger numbers than the
node itself; leaves' nodes, which send nothing, come after all of them), so running the reached nodes in increasing
``_seq`` order (a heap) runs each one after every node that can send it a gradient, with no dependency-counting
pass and no recursion (a 100,000-op chain works). A node enters the heap when its first gradient arrives (a node
reached alone, as in a chain, skips the heap); gradients arriving at the same node output are summed (out of place
once, then in place into the engine's own buffer). After a node ran its saved tensors are released unless
``retain_graph``. Gradients are checked against the shape and dtype of the value they are the gradient of, except
those of nodes whose gradients have these by construction (``_exact``: the fast elementwise nodes).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from heapq import heapify, heappop, heappush, heapreplace
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd._function import AccumulateGrad, Node, check_hook_result
from taeda.autograd._grad_mode import _state
from taeda.autograd._util import sum_to

_Tensor = tt.Tensor
_ndarray = np.ndarray
_add = np.add

_generations = itertools.count(1)
_NO_RUNS: set[int] = set()  # never modified

Edge = tuple[Node, int]


def _enter(node: Node, gen: int) -> list[Any]:
    """First gradient for ``node`` in this run: (re)initialise its buffer (and a leaf's current shape/dtype)."""
    node._gen = gen
    node._owned = 0
    if node.__class__ is AccumulateGrad:
        node._refresh()
    buf: list[Any] = [None] * len(node._out_meta)
    node._buf = buf
    return buf


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
    heap: list[tuple[int, Node]] = []
    root_nodes: list[Node] = []
    for (node, idx), g in zip(roots, grads):
        if node._gen != gen:
            _enter(node, gen)
            heap.append((node._seq, node))
            root_nodes.append(node)
        buf = node._buf
        buf[idx] = g if buf[idx] is None else buf[idx] + g
    pending: Node | None = None  # the next node when it alone was reached (a chain): kept out of the heap
    if len(heap) == 1:
        pending = heap.pop()[1]
    else:
        heapify(heap)

    capture: dict[int, list[tuple[int, int]]] | None = None
    runs: set[int] = _NO_RUNS
    results: list[Any] = []
    if targets is not None:
        capture = {}
        for pos, (node, idx) in enumerate(targets):
            capture.setdefault(id(node), []).append((idx, pos))
        results = [None] * len(targets)
        runs = _needed(root_nodes, capture)

    wrap = _Variable._wrap
    prev_mode = _state.enabled
    _state.enabled = create_graph
    try:
        while True:
            if pending is not None:
                node = pending
                pending = None
                if heap and heap[0][0] < node._seq:
                    node = heapreplace(heap, (node._seq, node))[1]
            elif heap:
                node = heappop(heap)[1]
            else:
                break
            buf = node._buf
            node._buf = None
            if capture is not None:
                caps = capture.get(id(node))
                if caps is not None:
                    if node._hooks is not None and id(node) not in runs:
                        # a captured node that does not run: its tensor hooks still apply (as in PyTorch)
                        buf = _pre_hooks(node, node._hooks, buf, tensor_only=True)
                    for idx, pos in caps:
                        results[pos] = buf[idx]
                if id(node) not in runs:
                    continue
            if node.__class__ is AccumulateGrad:
                # NOTE: no gradient means the leaf was garbage-collected (nothing can read its .grad, as in
                # PyTorch) or its gradient was dropped; either way there is nothing to store.
                if buf[0] is not None:
                    node._accumulate(buf[0], node._owned & 1, create_graph)  # type: ignore[attr-defined]
                continue
            hooks = node._hooks
            if hooks is not None:
                buf = _pre_hooks(node, hooks, buf)
            outs = node._gbw(buf) if create_graph else node._fbw(buf)
            if outs is None:  # no output got a gradient: neither do the inputs
                continue
            if not keep_graph and node._saved is not None:
                node._saved = None
                node._saved_src = None
                node._freed = True
            if hooks is not None and "post" in hooks:
                for fn in list(hooks["post"].values()):
                    r = fn(outs, tuple(buf))
                    if r is not None:  # replacement grad_inputs, as in PyTorch
                        outs = tuple(r)
            if create_graph or hooks is not None or not node._exact:
                i = 0
                for e in node._next:
                    if e:
                        g = outs[i]
                        if g is not None:
                            m = e[0]
                            if m._gen != gen:
                                _enter(m, gen)
                                if pending is None:
                                    pending = m
                                else:
                                    heappush(heap, (m._seq, m))
                            _deliver(node, i, g, m, e[1], buf, outs, create_graph, wrap)
                    i += 1  # noqa: SIM113 - hot path: no enumerate object
                continue
            # the fast nodes' gradients need no check, except into leaves (whose .data may have been replaced)
            i = -1
            for e in node._next:
                i += 1
                if not e:
                    continue
                g = outs[i]
                if g is None:
                    continue
                m, idx = e
                if m.__class__ is AccumulateGrad:
                    if m._gen != gen:
                        _enter(m, gen)
                        if pending is None:
                            pending = m
                        else:
                            heappush(heap, (m._seq, m))
                    _deliver(node, i, g, m, idx, buf, outs, False, wrap)
                elif m._gen != gen:
                    m._gen = gen
                    m._owned = 0
                    n = len(m._out_meta)
                    if n == 1:
                        m._buf = [g]
                    else:
                        b = [None] * n
                        b[idx] = g
                        m._buf = b
                    if pending is None:
                        pending = m
                    else:
                        heappush(heap, (m._seq, m))
                else:
                    b = m._buf
                    prev = b[idx]
                    if prev is None:
                        b[idx] = g
                    elif m._owned >> idx & 1:
                        _iadd(prev, g)
                    else:
                        b[idx] = prev + g
                        m._owned |= 1 << idx
    finally:
        _state.enabled = prev_mode
    return results


def _deliver(
    node: Node,
    i: int,
    g: Any,
    m: Node,
    idx: int,
    buf: list[Any],
    outs: tuple[Any, ...],
    create_graph: bool,
    wrap: Any,
) -> None:
    """Check ``g`` (input ``i`` of ``node``) against output ``idx`` of ``m`` and add it into ``m``'s buffer; a leaf
    adopts a gradient it alone holds (made by a built-in node) as its ``.grad`` without a copy."""
    b = m._buf
    if create_graph:
        if not isinstance(g, _Variable):
            g = wrap(g)
        arr = g._data.array
    else:
        if g.__class__ is not _Tensor and isinstance(g, _Variable):
            g = g._data
        arr = g.array
    shape, dtype = m._out_meta[idx]
    fresh = False
    if arr.shape != shape or (arr.dtype is not dtype and arr.dtype != dtype):
        if shape is None:  # the leaf is gone: nothing to deliver
            return
        g = _validate(node, i, g, arr, shape, dtype)
        fresh = True
    prev = b[idx]
    if prev is None:
        b[idx] = g
        if (
            m.__class__ is AccumulateGrad
            and not create_graph
            and (fresh or (node._builtin and arr.base is None and _fresh(g, buf, outs, i)))
        ):
            m._owned |= 1 << idx
    elif create_graph:
        b[idx] = prev + g
    elif m._owned >> idx & 1:
        _iadd(prev, g)
    else:
        b[idx] = prev + g
        m._owned |= 1 << idx


def _iadd(buf: Any, g: Any) -> None:
    """``buf += g`` into a buffer the engine made (no one else holds it: no version to bump)."""
    ba = buf.array
    ga = g.array
    if ba.__class__ is _ndarray and ga.__class__ is _ndarray:
        _add(ba, ga, out=ba)
    else:
        buf.add_(g)


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


def _pre_hooks(node: Node, hooks: dict[Any, Any], buf: list[Any], tensor_only: bool = False) -> list[Any]:
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
                    check_hook_result(fn, g, r)
                    buf[idx] = r if _state.enabled else (r.data if isinstance(r, Variable) else r)
    for key, table in list(hooks.items()):
        if type(key) is tuple and key[0] == "retain":
            idx = key[1]
            for fn in list(table.values()):
                if buf[idx] is not None:
                    fn(buf[idx])
    if "pre" in hooks and not tensor_only:
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
