"""Parity with PyTorch itself: optimizer trajectories, LBFGS, and scheduler learning-rate sequences."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from taeda import optim
from taeda.optim import lr_scheduler as sch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

MakeParam = Callable[..., Any]
SetGrad = Callable[[Any, Any], None]
TOL = 32 * float(np.finfo(np.float32).eps)


def _combos(**options: list[Any]) -> list[dict[str, Any]]:
    return [dict(zip(options, v)) for v in itertools.product(*options.values())]


B = [False, True]
CASES: list[tuple[str, dict[str, Any]]] = []
CASES += [
    ("SGD", {"lr": 0.05, **k})
    for k in _combos(momentum=[0.0, 0.9], dampening=[0.0, 0.3], weight_decay=[0.0, 0.1], maximize=B)
]
CASES += [("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": wd}) for wd in (0.0, 0.1)]
for name in ("Adam", "AdamW"):
    CASES += [(name, {"lr": 0.01, **k}) for k in _combos(weight_decay=[0.0, 0.1], amsgrad=B, maximize=B)]
CASES += [
    ("RMSprop", {"lr": 0.01, **k})
    for k in _combos(weight_decay=[0.0, 0.1], momentum=[0.0, 0.9], centered=B, maximize=B)
]
CASES += [
    ("Adagrad", {"lr": 0.05, **k})
    for k in _combos(lr_decay=[0.0, 0.05], weight_decay=[0.0, 0.1], initial_accumulator_value=[0.0, 0.5], maximize=B)
]
CASES += [("Adadelta", k) for k in _combos(rho=[0.9, 0.5], weight_decay=[0.0, 0.1], maximize=B)]
CASES += [("Adamax", {"lr": 0.01, **k}) for k in _combos(weight_decay=[0.0, 0.1], maximize=B)]
CASES += [
    ("NAdam", {"lr": 0.01, **k})
    for k in _combos(weight_decay=[0.0, 0.1], decoupled_weight_decay=B, maximize=B, momentum_decay=[4e-3, 0.1])
]
CASES += [("RAdam", {"lr": 0.01, **k}) for k in _combos(weight_decay=[0.0, 0.1], decoupled_weight_decay=B, maximize=B)]


@pytest.mark.parametrize(("name", "kw"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_optimizer_matches_pytorch(name: str, kw: dict[str, Any], make_param: MakeParam, set_grad: SetGrad) -> None:
    rng = np.random.default_rng(0)
    p0 = (0.1 * rng.standard_normal((3, 4))).astype(np.float32)
    grads = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(50)]
    p = make_param(p0)
    opt = getattr(optim, name)([p], **kw)
    tp = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    topt = getattr(torch.optim, name)([tp], **kw)
    for t, g in enumerate(grads, 1):
        set_grad(p, g)
        opt.step()
        tp.grad = torch.from_numpy(g)
        topt.step()
        expected = tp.detach().numpy()
        scale = float(np.abs(expected).max())
        np.testing.assert_allclose(p.data.array - p0, expected - p0, rtol=1e-6, atol=TOL * scale, err_msg=f"step {t}")


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_matches_pytorch(line_search_fn: str | None, make_param: MakeParam, set_grad: SetGrad) -> None:
    kw: dict[str, Any] = {"lr": 1, "max_iter": 15, "history_size": 5, "line_search_fn": line_search_fn}
    p = make_param([-1.5, 2.0], np.float64)
    opt = optim.LBFGS([p], **kw)
    tp = torch.nn.Parameter(torch.tensor([-1.5, 2.0], dtype=torch.float64))
    topt = torch.optim.LBFGS([tp], **kw)

    def closure() -> float:
        x, y = p.data.array
        set_grad(p, [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
        return float((1 - x) ** 2 + 100 * (y - x * x) ** 2)

    def tclosure() -> Any:
        topt.zero_grad()
        x, y = tp[0], tp[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss

    for _ in range(3):
        loss = opt.step(closure)
        tloss = topt.step(tclosure)
        # PyTorch fuses some multiply-adds, so trajectories agree to ~1e-8 rather than bit for bit
        assert loss == pytest.approx(float(tloss.detach()), rel=1e-6, abs=1e-12)
        np.testing.assert_allclose(p.data.array, tp.detach().numpy(), rtol=1e-6, atol=1e-9)
        assert opt.state[p]["func_evals"] == topt.state[tp]["func_evals"]
        assert opt.state[p]["n_iter"] == topt.state[tp]["n_iter"]


SCHEDULERS: list[tuple[str, Callable[[Any, Any], Any], int]] = [
    ("LambdaLR", lambda m, o: m.LambdaLR(o, lambda e: 1 / (1 + e)), 10),
    ("MultiplicativeLR", lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9), 10),
    ("StepLR", lambda m, o: m.StepLR(o, step_size=3, gamma=0.5), 12),
    ("MultiStepLR", lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), 12),
    ("ConstantLR", lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=4), 8),
    ("LinearLR", lambda m, o: m.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=5), 9),
    ("ExponentialLR", lambda m, o: m.ExponentialLR(o, gamma=0.9), 10),
    ("PolynomialLR", lambda m, o: m.PolynomialLR(o, total_iters=6, power=2.0), 9),
    ("CosineAnnealingLR", lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.001), 30),
    ("CosineAnnealingWarmRestarts", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01), 30),
    (
        "CyclicLR-triangular2",
        lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, step_size_down=2, mode="triangular2"),
        25,
    ),
    (
        "CyclicLR-exp_range",
        lambda m, o: m.CyclicLR(o, [0.01, 0.02], 0.1, step_size_up=3, mode="exp_range", gamma=0.95),
        25,
    ),
    ("OneCycleLR", lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=30), 29),
    (
        "OneCycleLR-3phase-linear",
        lambda m, o: m.OneCycleLR(
            o, max_lr=1.0, epochs=3, steps_per_epoch=10, three_phase=True, anneal_strategy="linear"
        ),
        29,
    ),
    (
        "SequentialLR",
        lambda m, o: m.SequentialLR(
            o, [m.LinearLR(o, start_factor=0.1, total_iters=3), m.CosineAnnealingLR(o, T_max=6)], milestones=[4]
        ),
        15,
    ),
    (
        "ChainedScheduler",
        lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9)]),
        10,
    ),
]


@pytest.mark.parametrize(("name", "factory", "epochs"), SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_scheduler_matches_pytorch(
    name: str, factory: Callable[[Any, Any], Any], epochs: int, make_param: MakeParam
) -> None:
    groups: list[dict[str, Any]] = [{"params": [make_param([1.0])]}, {"params": [make_param([2.0])], "lr": 0.5}]
    opt = optim.SGD(groups, lr=0.1, momentum=0.9)
    tgroups = [
        {"params": [torch.nn.Parameter(torch.ones(1))]},
        {"params": [torch.nn.Parameter(torch.ones(1))], "lr": 0.5},
    ]
    topt = torch.optim.SGD(tgroups, lr=0.1, momentum=0.9)
    sched, tsched = factory(sch, opt), factory(torch.optim.lr_scheduler, topt)
    for epoch in range(epochs + 1):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13, abs=1e-16), f"epoch {epoch}"
        assert [g["momentum"] for g in opt.param_groups] == pytest.approx([g["momentum"] for g in topt.param_groups])
        opt.step()
        topt.step()
        sched.step()
        tsched.step()


@pytest.mark.parametrize(
    "kw",
    [
        {"mode": m, "threshold_mode": tm, "threshold": th, "patience": pa, "cooldown": cd, "factor": 0.5}
        for m, tm, th, pa, cd in itertools.product(["min", "max"], ["rel", "abs"], [1e-4, 0.05], [0, 2], [0, 3])
    ]
    + [{"min_lr": [0.02, 0.0], "eps": 1e-3, "patience": 1}],
)
def test_reduce_lr_on_plateau_matches_pytorch(kw: dict[str, Any], make_param: MakeParam) -> None:
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.standard_normal(60) * 0.05) + np.linspace(1.0, 0.0, 60) * (
        1 if kw.get("mode") != "max" else -1
    )
    metrics = np.round(walk, 2).tolist()
    groups: list[dict[str, Any]] = [{"params": [make_param([1.0])]}, {"params": [make_param([2.0])], "lr": 0.5}]
    opt = optim.SGD(groups, lr=0.1)
    tgroups = [
        {"params": [torch.nn.Parameter(torch.ones(1))]},
        {"params": [torch.nn.Parameter(torch.ones(1))], "lr": 0.5},
    ]
    topt = torch.optim.SGD(tgroups, lr=0.1)
    sched = sch.ReduceLROnPlateau(opt, **kw)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    for m in metrics:
        sched.step(m)
        tsched.step(m)
        assert sched.get_last_lr() == tsched.get_last_lr()
        assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter) == (
            tsched.best,
            tsched.num_bad_epochs,
            tsched.cooldown_counter,
        )
    assert len(set(sched.get_last_lr())) > 0
