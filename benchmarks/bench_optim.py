"""taeda.optim: one optimizer step over the parameters of a 1M-parameter MLP (784-1024-256-10, 1.07M floats).

Each row times ``optimizer.step()`` (gradients fixed, state warmed up) against the same update written by hand in
NumPy: in place, one preallocated scratch buffer per parameter, no temporaries (in-place ufuncs with ``out=``); and
against ``torch.optim`` with its default CPU implementation, run on one intra-op thread (see ``_torch_step``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from _harness import Case, try_import_torch
from numpy.typing import NDArray

from taeda import optim
from taeda.autograd import Variable
from taeda.tensor import as_tensor

SHAPES = [(1024, 784), (1024,), (256, 1024), (256,), (10, 256), (10,)]
LR, MOMENTUM, BETAS, EPS, ALPHA, WD = 1e-3, 0.9, (0.9, 0.999), 1e-8, 0.99, 1e-2


def _arrays(seed: int, shapes: list[tuple[int, ...]]) -> list[NDArray[np.float32]]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) * 0.01 for s in shapes]


def _taeda_step(cls: type[optim.Optimizer], kw: dict[str, Any], shapes: list[tuple[int, ...]]) -> Callable[[], object]:
    params = [Variable(as_tensor(a), requires_grad=True) for a in _arrays(0, shapes)]
    for p, g in zip(params, _arrays(1, shapes)):
        p.grad = Variable(as_tensor(g))
    opt = cls(params, **kw)
    opt.step()
    return opt.step


class _NumpyState:
    def __init__(self, shapes: list[tuple[int, ...]], buffers: int) -> None:
        self.params = _arrays(0, shapes)
        self.grads = _arrays(1, shapes)
        self.bufs = [[np.zeros(s, np.float32) for s in shapes] for _ in range(buffers)]
        self.tmps = [np.empty(s, np.float32) for s in shapes]
        self.t = 0


def _numpy_sgd(shapes: list[tuple[int, ...]]) -> Callable[[], object]:
    st = _NumpyState(shapes, 1)

    def step() -> None:
        for p, g, b, tmp in zip(st.params, st.grads, st.bufs[0], st.tmps):
            b *= MOMENTUM
            b += g
            np.multiply(b, LR, out=tmp)
            p -= tmp

    step()
    return step


def _numpy_adam(shapes: list[tuple[int, ...]], decoupled: bool) -> Callable[[], object]:
    st = _NumpyState(shapes, 2)
    b1, b2 = BETAS

    def step() -> None:
        st.t += 1
        step_size = LR / (1 - b1**st.t)
        bc2_sqrt = math.sqrt(1 - b2**st.t)
        for p, g, m, v, tmp in zip(st.params, st.grads, st.bufs[0], st.bufs[1], st.tmps):
            if decoupled:
                p *= 1 - LR * WD
            m *= b1
            np.multiply(g, 1 - b1, out=tmp)
            m += tmp
            v *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp /= bc2_sqrt
            tmp += EPS
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p -= tmp

    step()
    return step


def _numpy_rmsprop(shapes: list[tuple[int, ...]]) -> Callable[[], object]:
    st = _NumpyState(shapes, 1)

    def step() -> None:
        for p, g, v, tmp in zip(st.params, st.grads, st.bufs[0], st.tmps):
            v *= ALPHA
            np.multiply(g, g, out=tmp)
            tmp *= 1 - ALPHA
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += EPS
            np.divide(g, tmp, out=tmp)
            tmp *= LR
            p -= tmp

    step()
    return step


def _torch_step(name: str, kw: dict[str, Any], shapes: list[tuple[int, ...]]) -> Callable[[], object] | None:
    torch: Any = try_import_torch()
    if torch is None:
        return None
    params = [torch.nn.Parameter(torch.from_numpy(a)) for a in _arrays(0, shapes)]
    for p, g in zip(params, _arrays(1, shapes)):
        p.grad = torch.from_numpy(g)
    opt = getattr(torch.optim, name)(params, **kw)

    def step() -> None:
        # One intra-op thread: on this 2-core machine PyTorch's idle OpenMP workers otherwise keep spinning on the
        # second core and slow down whichever variant the harness runs next (measured: up to 3x on taeda's row).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            opt.step()
        finally:
            torch.set_num_threads(threads)

    step()
    return step


def cases(quick: bool) -> list[Case]:
    shapes = SHAPES
    rows: list[tuple[str, type[optim.Optimizer], str, dict[str, Any], Callable[[], object]]] = [
        ("SGD momentum=0.9", optim.SGD, "SGD", {"lr": LR, "momentum": MOMENTUM}, _numpy_sgd(shapes)),
        ("Adam", optim.Adam, "Adam", {"lr": LR, "betas": BETAS, "eps": EPS}, _numpy_adam(shapes, False)),
        (
            "AdamW",
            optim.AdamW,
            "AdamW",
            {"lr": LR, "betas": BETAS, "eps": EPS, "weight_decay": WD},
            _numpy_adam(shapes, True),
        ),
        ("RMSprop", optim.RMSprop, "RMSprop", {"lr": LR, "alpha": ALPHA, "eps": EPS}, _numpy_rmsprop(shapes)),
    ]
    return [
        Case(
            group="optim",
            name=f"{label} step, 1.07M-param MLP",
            taeda=_taeda_step(cls, kw, shapes),
            numpy=numpy_fn,
            torch=_torch_step(torch_name, kw, shapes),
            target="<= 1.2x numpy",
            target_ratio=1.2,
            # ~60 ms rounds (not the harness's 20 ms): bursts of load from other processes on this shared 2-core
            # machine average out within a round instead of deciding a median of 7
            number=0 if quick else calls,
            unit="ms",
        )
        for (label, cls, torch_name, kw, numpy_fn), calls in zip(rows, (100, 30, 30, 50))
    ]
