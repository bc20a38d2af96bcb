"""Every optimizer against a NumPy transcription of PyTorch's documented algorithm, every option combination.

Each case drives a parameter with a fixed sequence of 50 gradients and compares every step to float32 rounding.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from taeda import optim

F32 = np.float32
Arr = NDArray[Any]
MakeParam = Callable[..., Any]
SetGrad = Callable[[Any, Any], None]
STEPS = 50
SHAPE = (3, 4)
TOL = 16 * float(np.finfo(np.float32).eps)  # 16 ulps of the parameters' scale


def _grads(seed: int = 0, steps: int = STEPS, shape: tuple[int, ...] = SHAPE) -> list[Arr]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(F32) for _ in range(steps)]


def _p0(seed: int = 1, shape: tuple[int, ...] = SHAPE) -> Arr:
    return (0.1 * np.random.default_rng(seed).standard_normal(shape)).astype(F32)


def _neg_wd(p: Arr, g: Arr, wd: float, maximize: bool) -> Arr:
    g = -g if maximize else g
    return g + wd * p if wd != 0 else g


# ---- NumPy transcriptions of PyTorch's pseudo-code (out of place, float32) -------------------------------------


def ref_sgd(
    p: Arr,
    grads: list[Arr],
    *,
    lr: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    weight_decay: float,
    maximize: bool,
) -> Iterator[Arr]:
    b = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = _neg_wd(p, g, weight_decay, maximize)
        if momentum != 0:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        yield p


def ref_adam(
    p: Arr,
    grads: list[Arr],
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    decoupled: bool = False,
) -> Iterator[Arr]:
    b1, b2 = betas
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        if decoupled:
            p = p - lr * weight_decay * p
            g = _neg_wd(p, g, 0.0, maximize)
        else:
            g = _neg_wd(p, g, weight_decay, maximize)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**t)
        if amsgrad:
            vmax = np.maximum(vmax, v)
            vhat = vmax / (1 - b2**t)
        else:
            vhat = v / (1 - b2**t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
        yield p


def ref_rmsprop(
    p: Arr,
    grads: list[Arr],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
) -> Iterator[Arr]:
    v, b, gave = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = _neg_wd(p, g, weight_decay, maximize)
        v = alpha * v + (1 - alpha) * g * g
        vt = v
        if centered:
            gave = alpha * gave + (1 - alpha) * g
            vt = vt - gave * gave
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(vt) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (np.sqrt(vt) + eps)
        yield p


def ref_adagrad(
    p: Arr,
    grads: list[Arr],
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    initial_accumulator_value: float,
    eps: float,
    maximize: bool,
) -> Iterator[Arr]:
    s = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, 1):
        g = _neg_wd(p, g, weight_decay, maximize)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
        yield p


def ref_adadelta(
    p: Arr, grads: list[Arr], *, lr: float, rho: float, eps: float, weight_decay: float, maximize: bool
) -> Iterator[Arr]:
    v, u = np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = _neg_wd(p, g, weight_decay, maximize)
        v = rho * v + (1 - rho) * g * g
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * dx * dx
        p = p - lr * dx
        yield p


def ref_adamax(
    p: Arr, grads: list[Arr], *, lr: float, betas: tuple[float, float], eps: float, weight_decay: float, maximize: bool
) -> Iterator[Arr]:
    b1, b2 = betas
    m, u = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = _neg_wd(p, g, weight_decay, maximize)
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr * m / ((1 - b1**t) * u)
        yield p


def ref_nadam(
    p: Arr,
    grads: list[Arr],
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    momentum_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> Iterator[Arr]:
    b1, b2 = betas
    m, v = np.zeros_like(p), np.zeros_like(p)
    mus = [b1 * (1 - 0.5 * 0.96 ** (i * momentum_decay)) for i in range(1, len(grads) + 2)]
    for t, g in enumerate(grads, 1):
        if decoupled_weight_decay:
            p = p - lr * weight_decay * p
            g = _neg_wd(p, g, 0.0, maximize)
        else:
            g = _neg_wd(p, g, weight_decay, maximize)
        mu_t, mu_next = mus[t - 1], mus[t]
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = mu_next * m / (1 - math.prod(mus[: t + 1])) + (1 - mu_t) * g / (1 - math.prod(mus[:t]))
        vhat = v / (1 - b2**t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
        yield p


def ref_radam(
    p: Arr,
    grads: list[Arr],
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> Iterator[Arr]:
    b1, b2 = betas
    m, v = np.zeros_like(p), np.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    for t, g in enumerate(grads, 1):
        if decoupled_weight_decay:
            p = p - lr * weight_decay * p
            g = _neg_wd(p, g, 0.0, maximize)
        else:
            g = _neg_wd(p, g, weight_decay, maximize)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            lt = math.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            rt = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * mhat * rt * lt
        else:
            p = p - lr * mhat
        yield p


def _assert_close(actual: Arr, expected: Arr, p0: Arr, msg: str = "") -> None:
    """Agreement to float32 rounding: the displacement from ``p0`` within a few ulps of the parameters' scale."""
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(actual - p0, expected - p0, rtol=1e-6, atol=TOL * scale, err_msg=msg)


def _combos(**options: list[Any]) -> list[dict[str, Any]]:
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


B = [False, True]
CASES: list[tuple[type[optim.Optimizer], Callable[..., Iterator[Arr]], dict[str, Any]]] = []
for kw in _combos(momentum=[0.0, 0.9], dampening=[0.0, 0.3], nesterov=B, weight_decay=[0.0, 0.1], maximize=B):
    if not kw["nesterov"] or (kw["momentum"] > 0 and kw["dampening"] == 0):
        CASES.append((optim.SGD, ref_sgd, {"lr": 0.05, **kw}))
for kw in _combos(weight_decay=[0.0, 0.1], amsgrad=B, maximize=B, betas=[(0.9, 0.999), (0.8, 0.9)]):
    CASES.append((optim.Adam, ref_adam, {"lr": 0.01, "eps": 1e-8, **kw}))
    CASES.append((optim.AdamW, lambda p, g, **k: ref_adam(p, g, decoupled=True, **k), {"lr": 0.01, "eps": 1e-8, **kw}))
for kw in _combos(weight_decay=[0.0, 0.1], momentum=[0.0, 0.9], centered=B, maximize=B, alpha=[0.99, 0.5]):
    CASES.append((optim.RMSprop, ref_rmsprop, {"lr": 0.01, "eps": 1e-8, **kw}))
for kw in _combos(lr_decay=[0.0, 0.05], weight_decay=[0.0, 0.1], initial_accumulator_value=[0.0, 0.5], maximize=B):
    CASES.append((optim.Adagrad, ref_adagrad, {"lr": 0.05, "eps": 1e-10, **kw}))
for kw in _combos(rho=[0.9, 0.5], weight_decay=[0.0, 0.1], maximize=B):
    CASES.append((optim.Adadelta, ref_adadelta, {"lr": 1.0, "eps": 1e-6, **kw}))
for kw in _combos(weight_decay=[0.0, 0.1], maximize=B, betas=[(0.9, 0.999), (0.8, 0.9)]):
    CASES.append((optim.Adamax, ref_adamax, {"lr": 0.01, "eps": 1e-8, **kw}))
for kw in _combos(weight_decay=[0.0, 0.1], decoupled_weight_decay=B, maximize=B, momentum_decay=[4e-3, 0.1]):
    CASES.append((optim.NAdam, ref_nadam, {"lr": 0.01, "eps": 1e-8, "betas": (0.9, 0.999), **kw}))
for kw in _combos(weight_decay=[0.0, 0.1], decoupled_weight_decay=B, maximize=B, betas=[(0.9, 0.999), (0.9, 0.9)]):
    CASES.append((optim.RAdam, ref_radam, {"lr": 0.01, "eps": 1e-8, **kw}))


def _case_id(case: tuple[type[optim.Optimizer], Any, dict[str, Any]]) -> str:
    cls, _, kw = case
    return cls.__name__ + "-" + ",".join(f"{k}={v}" for k, v in kw.items() if k not in ("lr", "eps"))


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_matches_reference_every_step(
    case: tuple[type[optim.Optimizer], Callable[..., Iterator[Arr]], dict[str, Any]],
    make_param: MakeParam,
    set_grad: SetGrad,
) -> None:
    cls, ref, kw = case
    p0, grads = _p0(), _grads()
    p = make_param(p0)
    data, storage = p.data, p.data.array
    opt = cls([p], **kw)
    for t, (g, expected) in enumerate(zip(grads, ref(p0.copy(), grads, **kw)), 1):
        set_grad(p, g)
        opt.step()
        assert p.data is data and p.data.array is storage, "the update must be in place"
        _assert_close(p.data.array, expected, p0, f"step {t}")
    assert p.data.array.dtype == F32


def test_param_groups_use_their_own_options(make_param: MakeParam, set_grad: SetGrad) -> None:
    a0, b0 = _p0(1), _p0(2, (5,))
    ga, gb = _grads(3), _grads(4, shape=(5,))
    a, b = make_param(a0), make_param(b0)
    opt = optim.Adam([{"params": [a]}, {"params": b, "lr": 0.1, "amsgrad": True}], lr=0.01)
    ref_a = ref_adam(a0, ga, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False)
    ref_b = ref_adam(b0, gb, lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=True, maximize=False)
    for g1, g2, e1, e2 in zip(ga, gb, ref_a, ref_b):
        set_grad(a, g1)
        set_grad(b, g2)
        opt.step()
        _assert_close(a.data.array, e1, a0)
        _assert_close(b.data.array, e2, b0)


@pytest.mark.parametrize(
    ("cls", "kw"),
    [
        (optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
        (optim.Adam, {"lr": 0.01}),
        (optim.AdamW, {"lr": 0.01, "amsgrad": True}),
        (optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5}),
        (optim.Adagrad, {"lr": 0.05}),
        (optim.Adadelta, {}),
        (optim.Adamax, {}),
        (optim.NAdam, {}),
        (optim.RAdam, {}),
    ],
)
def test_float16_parameters_are_updated_in_float32(
    cls: type[optim.Optimizer], kw: dict[str, Any], make_param: MakeParam, set_grad: SetGrad
) -> None:
    p0, grads = _p0(), _grads(steps=20)
    half = make_param(p0, np.float16)
    storage = half.data.array
    opt16 = cls([half], **kw)
    master = make_param(p0.astype(np.float16).astype(F32))
    opt32 = cls([master], **kw)
    for g in grads:
        set_grad(half, g)
        opt16.step()
        # the float32 run restarts each step from the parameter rounded to half, with float32 state
        set_grad(master, g.astype(np.float16).astype(F32))
        opt32.step()
        master.data.array[...] = master.data.array.astype(np.float16).astype(F32)
    assert half.data.array is storage and storage.dtype == np.float16
    state = opt16.state[half]
    assert all(v.array.dtype == F32 for v in state.values() if hasattr(v, "array"))
    np.testing.assert_array_equal(half.data.array.astype(F32), master.data.array)
    assert not np.array_equal(half.data.array, p0.astype(np.float16))


ONE_PER_OPTIMIZER = {cls: (ref, kw) for cls, ref, kw in reversed(CASES)}  # the richest option set of each


@pytest.mark.parametrize("layout", ["0-d", "empty", "non-contiguous", "float64"])
@pytest.mark.parametrize("cls", list(ONE_PER_OPTIMIZER), ids=lambda c: c.__name__)
def test_shapes_layouts_and_dtypes(
    cls: type[optim.Optimizer], layout: str, make_param: MakeParam, set_grad: SetGrad
) -> None:
    ref, kw = ONE_PER_OPTIMIZER[cls]
    shape = {"0-d": (), "empty": (0, 3), "non-contiguous": (4, 3), "float64": (2, 3)}[layout]
    dtype = np.float64 if layout == "float64" else F32
    p0, grads = _p0(5, shape).astype(dtype), [g.astype(dtype) for g in _grads(6, 10, shape)]
    if layout == "non-contiguous":
        p = make_param(np.zeros((3, 8)), dtype)
        base = p.data.array
        p.data = p.data[:, ::2].t()  # a transposed, strided view of a larger storage
        p.data.array[...] = p0
        assert not p.data.array.flags.c_contiguous
    else:
        p = make_param(p0, dtype)
    opt = cls([p], **kw)
    for g, expected in zip(grads, ref(p0.copy(), grads, **kw)):
        set_grad(p, g)
        opt.step()
        assert p.data.array.dtype == dtype and p.data.array.shape == shape
        np.testing.assert_allclose(p.data.array, expected, rtol=1e-5, atol=1e-6)
    if layout == "non-contiguous":
        np.testing.assert_array_equal(base[:, ::2].T, p.data.array)
