"""Regressions found by differential fuzzing of taeda.optim against torch.optim."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from taeda import optim
from taeda.autograd import Variable
from taeda.optim import lr_scheduler as sch
from taeda.tensor import as_tensor

MakeParam = Callable[..., Any]
SetGrad = Callable[[Any, Any], None]


def test_adam_decoupled_weight_decay_is_adamw(make_param: MakeParam, set_grad: SetGrad) -> None:
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(5)
    grads = [rng.standard_normal(5) for _ in range(5)]
    kw: dict[str, Any] = {"lr": 0.1, "weight_decay": 0.3, "amsgrad": True}
    a, w = make_param(p0, np.float64), make_param(p0, np.float64)
    adam = optim.Adam([a], decoupled_weight_decay=True, **kw)
    adamw = optim.AdamW([w], **kw)
    assert adam.param_groups[0]["decoupled_weight_decay"] is True
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True
    assert optim.Adam([make_param([1.0])]).param_groups[0]["decoupled_weight_decay"] is False
    for g in grads:
        set_grad(a, g)
        set_grad(w, g)
        adam.step()
        adamw.step()
    np.testing.assert_array_equal(a.data.array, w.data.array)


def test_adam_decoupled_weight_decay_per_group(make_param: MakeParam, set_grad: SetGrad) -> None:
    a, b = make_param([1.0], np.float64), make_param([1.0], np.float64)
    groups: list[dict[str, Any]] = [{"params": [a]}, {"params": [b], "decoupled_weight_decay": True}]
    opt = optim.Adam(groups, lr=0.1, weight_decay=0.5)
    set_grad(a, [0.0])
    set_grad(b, [0.0])
    opt.step()
    # L2: the decay term 0.5 becomes the whole gradient, so Adam's first step moves by lr; decoupled: 1 - lr * wd
    np.testing.assert_allclose(a.data.array, [0.9], rtol=1e-6)
    np.testing.assert_allclose(b.data.array, [0.95], rtol=1e-12)


def test_adamw_state_dict_without_the_decoupled_option_still_loads(make_param: MakeParam, set_grad: SetGrad) -> None:
    """A dict saved before ``decoupled_weight_decay`` existed gets the optimizer's default for it."""
    a = make_param([1.0, 2.0], np.float64)
    opt = optim.AdamW([a], lr=0.1, weight_decay=0.5)
    set_grad(a, [1.0, -1.0])
    opt.step()
    sd = opt.state_dict()
    for group in sd["param_groups"]:
        del group["decoupled_weight_decay"]
    b = make_param(a.data.array, np.float64)
    opt2 = optim.AdamW([b], lr=0.1, weight_decay=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["decoupled_weight_decay"] is True
    set_grad(a, [0.5, 0.5])
    set_grad(b, [0.5, 0.5])
    opt.step()
    opt2.step()
    np.testing.assert_array_equal(b.data.array, a.data.array)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_decoupled_weight_decay_matches_pytorch(
    name: str, decoupled: bool, make_param: MakeParam, set_grad: SetGrad
) -> None:
    torch = pytest.importorskip("torch", reason="parity with PyTorch needs torch")
    rng = np.random.default_rng(1)
    p0 = rng.standard_normal((3, 2))
    kw: dict[str, Any] = {"lr": 0.05, "weight_decay": 0.2, "amsgrad": True, "maximize": True}
    p = make_param(p0, np.float64)
    tp = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    groups: list[dict[str, Any]] = [{"params": [p], "decoupled_weight_decay": decoupled}]
    opt = getattr(optim, name)(groups, **kw)
    topt = getattr(torch.optim, name)([{"params": [tp], "decoupled_weight_decay": decoupled}], **kw)
    assert opt.param_groups[0]["decoupled_weight_decay"] == topt.param_groups[0]["decoupled_weight_decay"]
    for _ in range(6):
        g = rng.standard_normal((3, 2))
        set_grad(p, g)
        tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
        np.testing.assert_allclose(p.data.array, tp.detach().numpy(), rtol=1e-12, atol=1e-14)
    ours = {k for k in opt.state_dict()["param_groups"][0] if k != "params"}
    theirs = set(topt.state_dict()["param_groups"][0]) - {"params", "foreach", "fused", "capturable", "differentiable"}
    assert ours == theirs


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copied_optimizer_keeps_the_state_of_its_copied_parameters(
    how: str, make_param: MakeParam, set_grad: SetGrad
) -> None:
    """State is keyed by parameter identity; a copy must re-key it by the copied parameters (as PyTorch's does)."""
    p = make_param([1.0, 1.0], np.float64)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    set_grad(p, [1.0, 1.0])
    opt.step()  # momentum_buffer = [1, 1], p = [0.9, 0.9]
    empty = optim.Adam([make_param([1.0])])
    if how == "deepcopy":
        opt2, empty2 = copy.deepcopy(opt), copy.deepcopy(empty)
    else:
        opt2, empty2 = pickle.loads(pickle.dumps(opt)), pickle.loads(pickle.dumps(empty))
    p2 = opt2.param_groups[0]["params"][0]
    assert p2 is not p and p2 in opt2.state and p not in opt2.state and len(opt2.state) == 1
    assert len(empty2.state) == 0
    set_grad(p2, [1.0, 1.0])
    opt2.step()  # buffer 0.9 * 1 + 1 = 1.9: the copied momentum is used, not restarted
    np.testing.assert_allclose(p2.data.array, [0.71, 0.71], rtol=1e-12)
    np.testing.assert_allclose(opt2.state_dict()["state"][0]["momentum_buffer"].array, [1.9, 1.9], rtol=1e-12)
    np.testing.assert_allclose(p.data.array, [0.9, 0.9], rtol=1e-12)  # the original is untouched


def test_state_get_and_pop_do_not_create_entries(make_param: MakeParam, set_grad: SetGrad) -> None:
    """``optimizer.state`` behaves like PyTorch's ``defaultdict``: only ``state[p]`` creates an entry."""
    p, q = make_param([1.0]), make_param([2.0])
    opt = optim.Adam([p, q], lr=0.1)
    assert opt.state.get(p) is None and opt.state.get(p, "missing") == "missing"
    assert opt.state.pop(p, "missing") == "missing"
    with pytest.raises(KeyError):
        opt.state.pop(p)
    assert len(opt.state) == 0 and opt.state_dict()["state"] == {}
    set_grad(p, [1.0])
    opt.step()
    assert opt.state.get(p) is opt.state[p] and set(opt.state[p]) == {"step", "exp_avg", "exp_avg_sq"}
    assert opt.state.get(q) is None and len(opt.state) == 1
    saved = opt.state.pop(p)
    assert saved["step"] == 1 and p not in opt.state
    assert opt.state[q] == {} and len(opt.state) == 1  # indexing still creates, as a defaultdict does


@pytest.mark.parametrize(
    "factory",
    [
        lambda o: sch.LambdaLR(o, lambda e: 0.9**e),
        lambda o: sch.MultiplicativeLR(o, lambda e: 0.9),
        lambda o: sch.CyclicLR(o, 0.01, 0.1, step_size_up=2),
        lambda o: sch.CosineAnnealingWarmRestarts(o, T_0=3),
    ],
    ids=["LambdaLR", "MultiplicativeLR", "CyclicLR", "CosineAnnealingWarmRestarts"],
)
def test_scheduler_refuses_groups_added_after_it(factory: Callable[[Any], Any], make_param: MakeParam) -> None:
    """Schedulers computing one lr per group they were built with must not leave a later group unscheduled."""
    opt = optim.SGD([make_param([1.0])], lr=0.1, momentum=0.9)
    sched = factory(opt)
    sched.step()
    opt.add_param_group({"params": [make_param([2.0])], "lr": 0.5})
    with pytest.raises(ValueError, match="computed 1 learning rates for 2 parameter groups"):
        sched.step()


def test_recursive_scheduler_still_covers_groups_added_after_it(make_param: MakeParam) -> None:
    opt = optim.SGD([make_param([1.0])], lr=0.1)
    sched = sch.ExponentialLR(opt, gamma=0.5)
    opt.add_param_group({"params": [make_param([2.0])], "lr": 0.8})
    sched.step()
    assert sched.get_last_lr() == [0.05, 0.4]


COMPLEX_CASES: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.3}),
    ("Adadelta", {"weight_decay": 0.1}),
    ("Adamax", {"lr": 0.1}),
    ("NAdam", {"lr": 0.1}),
    ("RAdam", {"lr": 0.1}),
]


@pytest.mark.parametrize(("name", "kw"), COMPLEX_CASES, ids=[n for n, _ in COMPLEX_CASES])
def test_complex_parameter_is_updated_as_real_pairs(
    name: str, kw: dict[str, Any], make_param: MakeParam, set_grad: SetGrad
) -> None:
    """PyTorch updates a complex parameter as its ``view_as_real``: real and imaginary parts are independent."""
    rng = np.random.default_rng(2)
    z0 = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    z = make_param(z0, np.complex128)
    pairs = make_param(np.stack([z0.real, z0.imag], axis=-1), np.float64)
    opt_z, opt_pairs = getattr(optim, name)([z], **kw), getattr(optim, name)([pairs], **kw)
    for _ in range(8):
        g = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
        set_grad(z, g)
        set_grad(pairs, np.stack([g.real, g.imag], axis=-1))
        opt_z.step()
        opt_pairs.step()
    assert z.data.array.dtype == np.complex128
    np.testing.assert_allclose(z.data.array.real, pairs.data.array[..., 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(z.data.array.imag, pairs.data.array[..., 1], rtol=1e-12, atol=1e-15)
    for key, value in opt_z.state[z].items():  # state stays complex, shaped like the parameter
        if hasattr(value, "array"):
            assert value.array.shape == (2, 3) and value.array.dtype == np.complex128, key


@pytest.mark.parametrize(("name", "kw"), COMPLEX_CASES, ids=[n for n, _ in COMPLEX_CASES])
def test_complex_parameter_matches_pytorch(
    name: str, kw: dict[str, Any], make_param: MakeParam, set_grad: SetGrad
) -> None:
    torch = pytest.importorskip("torch", reason="parity with PyTorch needs torch")
    rng = np.random.default_rng(3)
    z0 = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    z = make_param(z0, np.complex128)
    tz = torch.nn.Parameter(torch.from_numpy(z0.copy()))
    opt, topt = getattr(optim, name)([z], **kw), getattr(torch.optim, name)([tz], **kw)
    for _ in range(8):
        g = rng.standard_normal(4) + 1j * rng.standard_normal(4)
        set_grad(z, g)
        tz.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    # NAdam: PyTorch keeps mu_product in float32, hence the looser tolerance
    np.testing.assert_allclose(z.data.array, tz.detach().numpy(), rtol=1e-7 if name == "NAdam" else 1e-12)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_complex_parameter_matches_real_pairs(line_search_fn: str | None, make_param: MakeParam) -> None:
    """L-BFGS sees a complex parameter as (real, imaginary) pairs, as PyTorch does (it used to stall)."""
    c = np.array([1.0 + 2.0j, -0.5 + 0.3j])
    z0 = np.array([0.3 - 0.1j, 1.0 + 1.0j])
    z = make_param(z0, np.complex128)
    pairs = make_param(np.stack([z0.real, z0.imag], axis=-1), np.float64)
    kw: dict[str, Any] = {"max_iter": 6, "history_size": 3, "line_search_fn": line_search_fn}
    opt_z, opt_pairs = optim.LBFGS([z], **kw), optim.LBFGS([pairs], **kw)
    cp = np.stack([c.real, c.imag], axis=-1)

    def closure_z() -> float:
        d = z.data.array - c
        a = np.abs(d) ** 2
        z.grad = Variable(as_tensor(2 * d + 2 * a * d))
        return float(np.sum(a + a**2 / 2))

    def closure_pairs() -> float:
        d = pairs.data.array - cp
        a = np.sum(d**2, axis=-1, keepdims=True)
        pairs.grad = Variable(as_tensor(2 * d + 2 * a * d))
        return float(np.sum(a + a**2 / 2))

    for _ in range(3):
        assert opt_z.step(closure_z) == pytest.approx(opt_pairs.step(closure_pairs), rel=1e-12)
        np.testing.assert_allclose(z.data.array.real, pairs.data.array[..., 0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(z.data.array.imag, pairs.data.array[..., 1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(z.data.array, c, atol=1e-4)  # converged (it used not to move at all)
