"""The Optimizer API: construction, validation, groups, zero_grad, closures, state_dict round trips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda import optim
from taeda.autograd import Variable
from taeda.tensor import as_tensor

MakeParam = Callable[..., Any]
SetGrad = Callable[[Any, Any], None]

ALL = [
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (optim.Adam, {"lr": 0.01, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.01}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.9, "centered": True}),
    (optim.Adagrad, {"lr": 0.05, "lr_decay": 0.01}),
    (optim.Adadelta, {}),
    (optim.Adamax, {}),
    (optim.NAdam, {}),
    (optim.RAdam, {}),
]
IDS = [cls.__name__ for cls, _ in ALL]


@pytest.mark.parametrize(
    ("cls", "kw", "message"),
    [
        (optim.SGD, {"lr": -1.0}, "Invalid learning rate: -1.0"),
        (optim.SGD, {"lr": 0.1, "momentum": -0.5}, "Invalid momentum value: -0.5"),
        (optim.SGD, {"lr": 0.1, "weight_decay": -1e-4}, "Invalid weight_decay value: -0.0001"),
        (optim.SGD, {"lr": 0.1, "nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
        (optim.SGD, {"lr": 0.1, "nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov momentum requires"),
        (optim.Adam, {"lr": -0.1}, "Invalid learning rate: -0.1"),
        (optim.Adam, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
        (optim.Adam, {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
        (optim.Adam, {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
        (optim.AdamW, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
        (optim.Adamax, {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
        (optim.NAdam, {"momentum_decay": -1.0}, "Invalid momentum_decay value: -1.0"),
        (optim.RAdam, {"betas": (-0.1, 0.9)}, "Invalid beta parameter at index 0: -0.1"),
        (optim.RMSprop, {"alpha": -0.5}, "Invalid alpha value: -0.5"),
        (optim.RMSprop, {"momentum": -0.5}, "Invalid momentum value: -0.5"),
        (optim.RMSprop, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
        (optim.Adagrad, {"lr_decay": -1.0}, "Invalid lr_decay value: -1.0"),
        (optim.Adagrad, {"initial_accumulator_value": -1.0}, "Invalid initial_accumulator_value value: -1.0"),
        (optim.Adadelta, {"rho": 1.5}, "Invalid rho value: 1.5"),
        (optim.LBFGS, {"lr": -1.0}, "Invalid learning rate: -1.0"),
        (optim.LBFGS, {"line_search_fn": "armijo"}, "only 'strong_wolfe' is supported"),
    ],
)
def test_invalid_hyperparameters_raise(
    cls: type[optim.Optimizer], kw: dict[str, Any], message: str, make_param: MakeParam
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cls([make_param([1.0])], **kw)


def test_hyperparameters_after_lr_are_keyword_only(make_param: MakeParam) -> None:
    with pytest.raises(TypeError):
        optim.SGD([make_param([1.0])], 0.1, 0.9)  # type: ignore[call-arg]


def test_bad_params_are_rejected(make_param: MakeParam) -> None:
    p = make_param([1.0])
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Variables or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Variables, but one of the params is ndarray"):
        optim.SGD([np.ones(2)], lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optim.SGD([p], lr=0.1).add_param_group([p])  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [make_param([2.0])]}])


def test_param_groups_and_defaults(make_param: MakeParam) -> None:
    a, b = make_param([1.0]), make_param([2.0])
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.defaults["lr"] == 0.1 and opt.defaults["momentum"] == 0.9
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
    assert "Parameter Group 1" in repr(opt) and "lr: 0.5" in repr(opt)


def test_add_param_group_takes_part_in_later_steps(make_param: MakeParam, set_grad: SetGrad) -> None:
    a, b = make_param([1.0]), make_param([1.0])
    opt = optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 1.0})
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    opt.step()
    np.testing.assert_allclose(a.data.array, [0.9])
    np.testing.assert_allclose(b.data.array, [0.0])


@pytest.mark.parametrize(("cls", "kw"), ALL, ids=IDS)
def test_params_without_grad_are_skipped(
    cls: type[optim.Optimizer], kw: dict[str, Any], make_param: MakeParam, set_grad: SetGrad
) -> None:
    a, b = make_param([1.0, 2.0]), make_param([3.0])
    opt = cls([a, b], **kw)
    set_grad(a, [0.5, -0.5])
    opt.step()
    assert b.data.array.tolist() == [3.0]
    assert b not in opt.state and a in opt.state
    assert a.data.array.tolist() != [1.0, 2.0]


def test_zero_grad(make_param: MakeParam, set_grad: SetGrad) -> None:
    a = make_param([1.0, 2.0])
    opt = optim.SGD([a], lr=0.1)
    set_grad(a, [3.0, 4.0])
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and a.grad.data.array.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert a.grad is None
    opt.zero_grad()  # no gradient at all: nothing to do
    assert a.grad is None


@pytest.mark.parametrize(("cls", "kw"), ALL, ids=IDS)
def test_step_returns_the_closure_loss(
    cls: type[optim.Optimizer], kw: dict[str, Any], make_param: MakeParam, set_grad: SetGrad
) -> None:
    a = make_param([1.0, -2.0])
    opt = cls([a], **kw)
    calls = []

    def closure() -> float:
        calls.append(1)
        set_grad(a, 2 * a.data.array)
        return float((a.data.array**2).sum())

    assert opt.step(closure) == 5.0
    assert len(calls) == 1
    assert opt.step() is None


@pytest.mark.parametrize(("cls", "kw"), ALL, ids=IDS)
def test_state_dict_round_trips_through_save_and_resumes_bit_for_bit(
    cls: type[optim.Optimizer], kw: dict[str, Any], make_param: MakeParam, set_grad: SetGrad, tmp_path: Path
) -> None:
    rng = np.random.default_rng(0)
    grads = [
        [rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(4).astype(np.float32)] for _ in range(8)
    ]
    a, b = make_param(rng.standard_normal((2, 3))), make_param(rng.standard_normal(4))
    groups: list[dict[str, Any]] = [{"params": [a]}, {"params": [b], "lr": 0.02}]
    opt = cls(groups, **kw)
    for ga, gb in grads[:4]:
        set_grad(a, ga)
        set_grad(b, gb)
        opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 1]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.02
    tt.save({"optim": sd, "a": a.data, "b": b.data}, tmp_path / "ckpt")
    loaded = tt.load(tmp_path / "ckpt")
    for ga, gb in grads[4:]:
        set_grad(a, ga)
        set_grad(b, gb)
        opt.step()

    a2, b2 = make_param(loaded["a"].array), make_param(loaded["b"].array)
    opt2 = cls([{"params": [a2]}, {"params": [b2]}], **kw)
    opt2.load_state_dict(loaded["optim"])
    assert opt2.param_groups[1]["lr"] == 0.02 and opt2.param_groups[1]["params"] == [b2]
    for ga, gb in grads[4:]:
        set_grad(a2, ga)
        set_grad(b2, gb)
        opt2.step()
    np.testing.assert_array_equal(a2.data.array, a.data.array)
    np.testing.assert_array_equal(b2.data.array, b.data.array)


def test_load_state_dict_casts_floating_state_to_the_parameter_dtype(make_param: MakeParam, set_grad: SetGrad) -> None:
    a = make_param([1.0, 2.0])
    opt = optim.Adam([a], lr=0.1)
    set_grad(a, [1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["exp_avg"] = as_tensor(sd["state"][0]["exp_avg"].array.astype(np.float64))
    b = make_param([1.0, 2.0], np.float64)
    opt2 = optim.Adam([b], lr=0.1)
    opt2.load_state_dict(sd)
    assert opt2.state[b]["exp_avg"].array.dtype == np.float64
    assert opt2.state[b]["exp_avg"].array is not sd["state"][0]["exp_avg"].array
    assert opt2.state[b]["step"] == 1


def test_load_state_dict_rejects_mismatched_groups(make_param: MakeParam) -> None:
    a, b = make_param([1.0]), make_param([2.0])
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)


def test_state_is_keyed_by_identity_and_lazy(make_param: MakeParam, set_grad: SetGrad) -> None:
    a = make_param([1.0])
    opt = optim.Adam([a], lr=0.1)
    assert len(opt.state) == 0
    set_grad(a, [1.0])
    opt.step()
    assert list(opt.state) == [a]
    assert set(opt.state[a]) == {"step", "exp_avg", "exp_avg_sq"}
    assert isinstance(opt.state[a]["exp_avg"], tt.Tensor)


def test_update_is_in_place_on_the_same_tensor(make_param: MakeParam, set_grad: SetGrad) -> None:
    a = make_param(np.ones((4, 5)))
    view = a.data.array[1:3]  # a view into the parameter's storage sees the update
    opt = optim.SGD([a], lr=0.5)
    set_grad(a, np.ones((4, 5)))
    opt.step()
    assert np.all(view == 0.5)


def test_custom_optimizer_subclass(make_param: MakeParam, set_grad: SetGrad) -> None:
    class SignSGD(optim.Optimizer):
        def __init__(self, params: Any, lr: float = 0.1) -> None:
            super().__init__(params, {"lr": lr})

        def step(self, closure: Any = None) -> Any:
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.data.array[...] -= group["lr"] * np.sign(p.grad.data.array)
            return None

    a = make_param([1.0, 1.0])
    opt = SignSGD([a])
    set_grad(a, [3.0, -2.0])
    opt.step()
    np.testing.assert_allclose(a.data.array, [0.9, 1.1])
    assert isinstance(a, Variable)


def test_named_parameters(make_param: MakeParam, set_grad: SetGrad) -> None:
    w, b = make_param([1.0, 2.0]), make_param([0.5])
    opt = optim.Adam([("weight", w), ("bias", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [w, b]
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    set_grad(w, [1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["param_names"] == ["weight", "bias"] and sd["param_groups"][0]["params"] == [0, 1]
    with pytest.raises(ValueError, match="Some param names are missing"):
        optim.SGD([("weight", w), b], lr=0.1)
    with pytest.raises(ValueError, match="cannot add param group without names to the optimizer"):
        opt.add_param_group({"params": [make_param([3.0])]})
