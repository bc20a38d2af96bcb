"""Learning-rate schedulers against their documented (closed-form) sequences."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import taeda.tensor as tt
from taeda import optim
from taeda.optim import lr_scheduler as sch

MakeParam = Callable[..., Any]


@pytest.fixture
def opt(make_param: MakeParam) -> optim.SGD:
    groups: list[dict[str, Any]] = [{"params": [make_param([1.0])]}, {"params": [make_param([2.0])], "lr": 0.5}]
    return optim.SGD(groups, lr=0.1, momentum=0.9)


def _run(opt: optim.Optimizer, sched: Any, epochs: int) -> list[list[float]]:
    lrs = [sched.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return lrs


def _check(
    actual: list[list[float]], expected: Callable[[float, int], float], bases: tuple[float, ...] = (0.1, 0.5)
) -> None:
    for epoch, lrs in enumerate(actual):
        assert lrs == pytest.approx([expected(b, epoch) for b in bases], rel=1e-12, abs=1e-15), f"epoch {epoch}"


def test_step_lr(opt: optim.SGD) -> None:
    _check(_run(opt, sch.StepLR(opt, step_size=3, gamma=0.5), 12), lambda b, e: b * 0.5 ** (e // 3))


def test_multi_step_lr(opt: optim.SGD) -> None:
    ms = [2, 5, 5, 9]
    _check(_run(opt, sch.MultiStepLR(opt, milestones=ms, gamma=0.1), 12), lambda b, e: b * 0.1 ** bisect_right(ms, e))


def test_constant_lr(opt: optim.SGD) -> None:
    _check(_run(opt, sch.ConstantLR(opt, factor=0.25, total_iters=4), 8), lambda b, e: b * (0.25 if e < 4 else 1.0))


def test_linear_lr(opt: optim.SGD) -> None:
    sched = sch.LinearLR(opt, start_factor=0.2, end_factor=0.9, total_iters=5)
    _check(_run(opt, sched, 9), lambda b, e: b * (0.2 + 0.7 * min(e, 5) / 5))


def test_exponential_lr(opt: optim.SGD) -> None:
    _check(_run(opt, sch.ExponentialLR(opt, gamma=0.9), 10), lambda b, e: b * 0.9**e)


def test_lambda_and_multiplicative_lr(make_param: MakeParam) -> None:
    opt = optim.SGD([make_param([1.0])], lr=0.1)
    _check(_run(opt, sch.LambdaLR(opt, lambda e: 1 / (e + 1)), 6), lambda b, e: b / (e + 1), (0.1,))
    opt = optim.SGD([make_param([1.0])], lr=0.1)
    sched = sch.MultiplicativeLR(opt, lambda e: 0.5 + 0.01 * e)
    _check(_run(opt, sched, 6), lambda b, e: b * math.prod(0.5 + 0.01 * i for i in range(1, e + 1)), (0.1,))
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        sch.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])


def test_cosine_annealing_lr_follows_the_cosine_and_beyond(opt: optim.SGD) -> None:
    sched = sch.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    _check(_run(opt, sched, 35), lambda b, e: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2)


def test_cosine_annealing_warm_restarts(opt: optim.SGD) -> None:
    sched = sch.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01)
    starts = [0, 3, 9, 21]

    def expected(b: float, e: int) -> float:
        i = bisect_right(starts, e) - 1
        t_cur, t_i = e - starts[i], 3 * 2**i
        return 0.01 + (b - 0.01) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

    _check(_run(opt, sched, 25), expected)
    sched.step(4.5)  # fractional epochs jump straight to a position
    assert sched.get_last_lr()[0] == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi * 1.5 / 6)) / 2)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        sch.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 0"):
        sch.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr(make_param: MakeParam, mode: str) -> None:
    opt = optim.SGD([make_param([1.0])], lr=0.1, momentum=0.9)
    sched = sch.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=2, mode=mode, gamma=0.9)

    def expected(_: float, e: int) -> float:
        cycle = math.floor(1 + e / 6)
        x = 1 + e / 6 - cycle
        height = x / (4 / 6) if x <= 4 / 6 else (x - 1) / (4 / 6 - 1)
        scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1), "exp_range": 0.9**e}[mode]
        return float(0.01 + 0.09 * height * scale)

    lrs = _run(opt, sched, 20)
    _check(lrs, expected, (0.0,))
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.9 - 0.1 * (lrs[-1][0] - 0.01) / 0.09)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        sch.CyclicLR(opt, 0.01, 0.1, mode="square")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        sch.CyclicLR(optim.Adagrad([make_param([1.0])]), 0.01, 0.1)


def test_cyclic_lr_cycles_adam_beta1(make_param: MakeParam) -> None:
    opt = optim.Adam([make_param([1.0])], lr=0.1)
    sched = sch.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2)
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)
    sched.step()
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.85) and opt.param_groups[0]["betas"][1] == 0.999


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_lr(make_param: MakeParam, three_phase: bool, anneal: str) -> None:
    opt = optim.SGD([make_param([1.0])], lr=0.1, momentum=0.9)
    sched = sch.OneCycleLR(opt, max_lr=1.0, total_steps=20, anneal_strategy=anneal, three_phase=three_phase)
    lrs = [lr for (lr,) in _run(opt, sched, 19)]
    assert lrs[0] == pytest.approx(1.0 / 25)
    assert max(lrs) == pytest.approx(1.0) and lrs.index(max(lrs)) == 5  # pct_start * total_steps - 1
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    if three_phase:
        assert lrs[10] == pytest.approx(1.0 / 25)
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        sched.step()
        sched.step()
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        sch.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start, but got 2"):
        sch.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=2)


def _plateau(opt: optim.Optimizer, metrics: list[float], **kw: Any) -> list[float]:
    sched = sch.ReduceLROnPlateau(opt, **kw)
    out = []
    for m in metrics:
        sched.step(m)
        out.append(sched.get_last_lr()[0])
    return out


def test_reduce_lr_on_plateau_patience_and_cooldown(make_param: MakeParam) -> None:
    opt = optim.SGD([make_param([1.0])], lr=1.0)
    # best 10 at epoch 1; epochs 2, 3 are bad (patience 2), the 3rd bad epoch (4) reduces
    lrs = _plateau(opt, [10, 10, 10, 10, 10, 10, 10, 10], factor=0.5, patience=2)
    assert lrs == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
    opt = optim.SGD([make_param([1.0])], lr=1.0)
    lrs = _plateau(opt, [10] * 10, factor=0.5, patience=1, cooldown=2)
    assert lrs == [1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]


@pytest.mark.parametrize(
    ("kw", "metrics", "expected"),
    [
        ({"mode": "min", "threshold_mode": "rel", "threshold": 0.1}, [10, 9.5, 9.2, 8.9], [1, 1, 0.1, 0.1]),
        ({"mode": "min", "threshold_mode": "abs", "threshold": 0.6}, [10, 9.5, 9.45, 9.3], [1, 1, 0.1, 0.1]),
        ({"mode": "max", "threshold_mode": "rel", "threshold": 0.1}, [10, 10.5, 10.9, 11.1], [1, 1, 0.1, 0.1]),
        ({"mode": "max", "threshold_mode": "abs", "threshold": 0.6}, [10, 10.5, 10.55, 10.7], [1, 1, 0.1, 0.1]),
    ],
)
def test_reduce_lr_on_plateau_threshold_modes(
    make_param: MakeParam, kw: dict[str, Any], metrics: list[float], expected: list[float]
) -> None:
    opt = optim.SGD([make_param([1.0])], lr=1.0)
    assert _plateau(opt, metrics, patience=1, **kw) == pytest.approx(expected)


def test_reduce_lr_on_plateau_min_lr_eps_and_errors(make_param: MakeParam) -> None:
    groups: list[dict[str, Any]] = [{"params": [make_param([1.0])]}, {"params": [make_param([1.0])], "lr": 0.1}]
    opt = optim.SGD(groups, lr=1.0)
    sched = sch.ReduceLROnPlateau(opt, factor=0.1, patience=0, min_lr=[0.05, 0.0], eps=1e-3)
    for m in [1.0, 1.0, 1.0, 1.0]:
        sched.step(m)
    # group 0 stops at min_lr; group 1 stops once a reduction would change lr by less than eps
    assert sched.get_last_lr() == pytest.approx([0.05, 0.001])
    assert isinstance(sched, sch.LRScheduler)
    with pytest.raises(ValueError, match=r"Factor should be < 1\.0\."):
        sch.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown!"):
        sch.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="threshold mode pct is unknown!"):
        sch.ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        sch.ReduceLROnPlateau(opt, min_lr=[0.1])


def test_sequential_lr(opt: optim.SGD) -> None:
    warmup = sch.LinearLR(opt, start_factor=0.1, total_iters=3)
    decay = sch.ExponentialLR(opt, gamma=0.5)
    sched = sch.SequentialLR(opt, [warmup, decay], milestones=[3])
    _check(_run(opt, sched, 8), lambda b, e: b * (0.1 + 0.9 * e / 3) if e < 3 else b * 0.5 ** (e - 3))
    with pytest.raises(ValueError, match="expects number of schedulers provided to be one more"):
        sch.SequentialLR(opt, [warmup, decay], milestones=[])


def test_chained_scheduler(opt: optim.SGD) -> None:
    sched = sch.ChainedScheduler([sch.ConstantLR(opt, factor=0.5, total_iters=2), sch.ExponentialLR(opt, gamma=0.9)])
    _check(_run(opt, sched, 6), lambda b, e: b * 0.9**e * (0.5 if e < 2 else 1.0))
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        sch.ChainedScheduler([sch.ReduceLROnPlateau(opt)])


def test_schedulers_need_an_optimizer(opt: optim.SGD) -> None:
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        sch.StepLR([], step_size=1)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        sch.StepLR(opt, step_size=1, last_epoch=3)


FACTORIES: list[Callable[[optim.Optimizer], Any]] = [
    lambda o: sch.StepLR(o, step_size=2),
    lambda o: sch.MultiStepLR(o, milestones=[2, 4, 4]),
    lambda o: sch.CosineAnnealingLR(o, T_max=5),
    lambda o: sch.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2),
    lambda o: sch.CyclicLR(o, 0.01, 0.1, step_size_up=3),
    lambda o: sch.OneCycleLR(o, max_lr=1.0, total_steps=20),
    lambda o: sch.LambdaLR(o, lambda e: 0.9**e),
    lambda o: sch.SequentialLR(o, [sch.ConstantLR(o, total_iters=2), sch.ExponentialLR(o, 0.8)], milestones=[3]),
    lambda o: sch.ChainedScheduler([sch.LinearLR(o, total_iters=4), sch.ExponentialLR(o, 0.8)]),
]


@pytest.mark.parametrize("factory", FACTORIES)
def test_scheduler_state_dict_round_trips_through_save(
    factory: Callable[[optim.Optimizer], Any], make_param: MakeParam, tmp_path: Path
) -> None:
    def fresh() -> tuple[optim.Optimizer, Any]:
        o = optim.SGD([make_param([1.0])], lr=0.1, momentum=0.9)
        return o, factory(o)

    o1, s1 = fresh()
    _run(o1, s1, 5)
    tt.save({"sched": s1.state_dict(), "optim": o1.state_dict()}, tmp_path / "s")
    rest = _run(o1, s1, 6)
    o2, s2 = fresh()
    loaded = tt.load(tmp_path / "s")
    o2.load_state_dict(loaded["optim"])
    s2.load_state_dict(loaded["sched"])
    assert _run(o2, s2, 6) == rest


def test_reduce_lr_on_plateau_state_dict_round_trips(make_param: MakeParam, tmp_path: Path) -> None:
    o1 = optim.SGD([make_param([1.0])], lr=1.0)
    s1 = sch.ReduceLROnPlateau(o1, patience=1, cooldown=1, factor=0.5)
    metrics = [5.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 2.0]
    for m in metrics[:4]:
        s1.step(m)
    tt.save({"sched": s1.state_dict(), "optim": o1.state_dict()}, tmp_path / "p")
    for m in metrics[4:]:
        s1.step(m)
    o2 = optim.SGD([make_param([1.0])], lr=1.0)
    s2 = sch.ReduceLROnPlateau(o2)
    loaded = tt.load(tmp_path / "p")
    o2.load_state_dict(loaded["optim"])
    s2.load_state_dict(loaded["sched"])
    for m in metrics[4:]:
        s2.step(m)
    assert s2.get_last_lr() == s1.get_last_lr() and s2.best == s1.best and s2.patience == 1
