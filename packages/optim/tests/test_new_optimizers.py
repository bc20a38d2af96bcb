"""Rprop, ASGD, Adafactor, Muon and the optimizer hooks.

Parity with torch.optim (float64 trajectories, state dicts, error messages; skipped without torch), hand-written
NumPy references of each update formula, validation errors, and the step / state_dict hook machinery.
"""

from __future__ import annotations

import copy
import importlib
import math
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from taeda import optim
from taeda.autograd import Variable
from taeda.optim import optimizer as optimizer_module
from taeda.tensor import Tensor, as_tensor

MakeParam = Callable[..., Any]
SetGrad = Callable[[Any, Any], None]

RTOL = 1e-10
#: options PyTorch keeps in its param groups that taeda does not take (they select how its update runs)
TORCH_ONLY_OPTIONS = {"foreach", "fused", "capturable", "differentiable"}


# ---------------------------------------------------------------------------------------------------------------
# parity with PyTorch

# (optimizer, options, parameter shapes); the first parameter forms a group of its own with another lr
PARITY: list[tuple[str, dict[str, Any], list[tuple[int, ...]]]] = [
    ("Rprop", {}, [(3, 4), (5,), (), (0,)]),
    ("Rprop", {"lr": 0.05, "maximize": True}, [(3, 4), (5,), (), (0, 2)]),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}, [(2, 3), (4,), ()]),
    ("ASGD", {}, [(3, 4), (5,), (), (0,)]),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "t0": 3, "weight_decay": 0.1}, [(3, 4), (5,), (), (0, 2)]),
    ("ASGD", {"lr": 0.05, "alpha": 0.5, "t0": 2, "maximize": True, "weight_decay": 0.2}, [(3, 4), (5,), ()]),
    ("Adafactor", {}, [(3, 4), (5,), ()]),
    ("Adafactor", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}, [(3, 4), (2, 3, 4), (5,), ()]),
    ("Adafactor", {"lr": 0.2, "beta2_decay": -0.5, "eps": (1e-3, 1e-2), "d": 1.5}, [(4, 3), (6,), ()]),
    ("Muon", {}, [(3, 4), (5, 2), (4, 4)]),
    ("Muon", {"lr": 0.05, "nesterov": False, "weight_decay": 0.0, "adjust_lr_fn": "match_rms_adamw"}, [(3, 4), (2, 5)]),
    ("Muon", {"lr": 0.02, "momentum": 0.5, "adjust_lr_fn": "original"}, [(4, 2), (3, 3), (0, 3)]),
]


def _grad(rng: np.random.Generator, shape: tuple[int, ...], t: int) -> np.ndarray:
    g = np.asarray(rng.standard_normal(shape))
    if t % 3 == 1:
        g = np.abs(g)  # same signs as often as not, for Rprop's step-size growth
    if g.size > 2:
        g.reshape(-1)[0] = 0.0  # an exact zero: Rprop's "no sign" branch
    return g


def _groups(params: list[Any]) -> list[dict[str, Any]]:
    return [{"params": params[:1], "lr": 0.02}, {"params": params[1:]}]


def _assert_state_dicts_match(ours: dict[str, Any], theirs: dict[str, Any], torch: Any) -> None:
    assert len(ours["param_groups"]) == len(theirs["param_groups"])
    for g, tg in zip(ours["param_groups"], theirs["param_groups"]):
        assert set(g) == set(tg) - (TORCH_ONLY_OPTIONS - set(g))
        assert g == {k: v for k, v in tg.items() if k in g}
    assert set(ours["state"]) == set(theirs["state"])
    for index, state in ours["state"].items():
        tstate = theirs["state"][index]
        assert set(state) == set(tstate)
        for key, value in state.items():
            expected = tstate[key].numpy() if torch.is_tensor(tstate[key]) else tstate[key]
            actual = value.array if isinstance(value, Tensor) else value
            assert np.shape(actual) == np.shape(expected), key
            np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=1e-300, err_msg=key)


@pytest.mark.torch
@pytest.mark.parametrize(("name", "kw", "shapes"), PARITY, ids=[f"{n}-{k}" for n, k, _ in PARITY])
def test_matches_pytorch_with_a_state_dict_round_trip(
    name: str, kw: dict[str, Any], shapes: list[tuple[int, ...]], make_param: MakeParam, set_grad: SetGrad
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    rng = np.random.default_rng(len(name) + len(kw))
    p0 = [np.asarray(rng.standard_normal(s)) for s in shapes]
    params = [make_param(a, np.float64) for a in p0]
    tparams = [torch.nn.Parameter(torch.tensor(a)) for a in p0]
    opt = getattr(optim, name)(_groups(params), **kw)
    topt = getattr(torch.optim, name)(_groups(tparams), **kw)
    for t in range(12):
        for i, (p, tp) in enumerate(zip(params, tparams)):
            if t == 2 and i == len(params) - 1:  # a parameter without a gradient is skipped
                p.grad = None
                tp.grad = None
                continue
            g = _grad(rng, p.data.array.shape, t)
            set_grad(p, g)
            tp.grad = torch.tensor(g)
        opt.step()
        topt.step()
        for p, tp in zip(params, tparams):
            np.testing.assert_allclose(p.data.array, tp.detach().numpy(), rtol=RTOL, atol=1e-13, err_msg=f"step {t}")
        if t == 5:  # mid-run: both continue from their state dicts in fresh optimizers and parameters
            sd, tsd = opt.state_dict(), topt.state_dict()
            _assert_state_dicts_match(sd, tsd, torch)
            params = [make_param(p.data.array, np.float64) for p in params]
            tparams = [torch.nn.Parameter(tp.detach().clone()) for tp in tparams]
            opt = getattr(optim, name)(_groups(params), **kw)
            topt = getattr(torch.optim, name)(_groups(tparams), **kw)
            opt.load_state_dict(copy.deepcopy(sd))
            topt.load_state_dict(tsd)
            _assert_state_dicts_match(opt.state_dict(), topt.state_dict(), torch)
    _assert_state_dicts_match(opt.state_dict(), topt.state_dict(), torch)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_complex_parameters_match_pytorch(name: str, make_param: MakeParam, set_grad: SetGrad) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    rng = np.random.default_rng(3)
    p0 = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    p = make_param(p0, np.complex128)
    tp = torch.nn.Parameter(torch.tensor(p0))
    kw: dict[str, Any] = {"lr": 0.05, "maximize": True}
    if name == "ASGD":
        kw.update(t0=2, lambd=0.01)
    opt, topt = getattr(optim, name)([p], **kw), getattr(torch.optim, name)([tp], **kw)
    for _ in range(6):
        g = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
        set_grad(p, g)
        tp.grad = torch.tensor(g)
        opt.step()
        topt.step()
        np.testing.assert_allclose(p.data.array, tp.detach().numpy(), rtol=RTOL, atol=1e-13)
    _assert_state_dicts_match(opt.state_dict(), topt.state_dict(), torch)


@pytest.mark.torch
def test_adafactor_eps1_comes_from_the_first_parameter_with_a_gradient(make_param: MakeParam) -> None:
    """PyTorch takes ε1 = finfo(dtype).eps of the group's first parameter with a gradient, for the whole group."""
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    a0, b0 = np.full((2, 3), 1e-3), np.full(3, 1e-3)
    a, b = make_param(a0, np.float32), make_param(b0, np.float64)
    ta = torch.nn.Parameter(torch.tensor(a0, dtype=torch.float32))
    tb = torch.nn.Parameter(torch.tensor(b0))
    opt, topt = optim.Adafactor([a, b], lr=0.1), torch.optim.Adafactor([ta, tb], lr=0.1)
    for step in range(3):
        ga, gb = np.full((2, 3), 1e-5 * (step + 1)), np.full(3, 1e-9)  # tiny second moments: ε1 matters
        a.grad = Variable(as_tensor(ga.astype(np.float32)))
        b.grad = Variable(as_tensor(gb))
        ta.grad, tb.grad = torch.tensor(ga, dtype=torch.float32), torch.tensor(gb)
        opt.step()
        topt.step()
    np.testing.assert_allclose(a.data.array, ta.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.data.array, tb.detach().numpy(), rtol=RTOL)


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_complex_parameters_are_refused_as_in_pytorch(name: str, make_param: MakeParam, set_grad: SetGrad) -> None:
    p = make_param([[1 + 1j, 2 - 1j]], np.complex128)
    opt = getattr(optim, name)([p])
    set_grad(p, [[1j, 1.0]])
    with pytest.raises(RuntimeError, match=f"{name} does not support complex parameters"):
        opt.step()


def _torch_error(torch: Any, name: str, shapes: list[tuple[int, ...]], kw: dict[str, Any]) -> BaseException:
    try:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(s)) for s in shapes], **kw)
    except (ValueError, TypeError) as err:
        return err
    raise AssertionError(f"torch.optim.{name} accepted {kw}")


INVALID: list[tuple[str, dict[str, Any]]] = [
    ("Rprop", {"lr": -0.1}),
    ("Rprop", {"etas": (1.0, 1.2)}),
    ("Rprop", {"etas": (0.5, 1.0)}),
    ("Rprop", {"etas": (0.0, 1.2)}),
    ("ASGD", {"lr": -1.0}),
    ("ASGD", {"weight_decay": -0.1}),
    ("Adafactor", {"lr": -1.0}),
    ("Adafactor", {"beta2_decay": 0.1}),
    ("Adafactor", {"eps": (-1e-3, 1e-3)}),
    ("Adafactor", {"eps": (None, -1e-3)}),
    ("Adafactor", {"d": 0.5}),
    ("Adafactor", {"weight_decay": -0.5}),
    ("Muon", {"lr": -1.0}),
    ("Muon", {"momentum": -0.5}),
    ("Muon", {"weight_decay": -0.1}),
    ("Muon", {"adjust_lr_fn": "sqrt"}),
]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "kw"), INVALID, ids=[f"{n}-{k}" for n, k in INVALID])
def test_invalid_options_raise_pytorchs_errors(name: str, kw: dict[str, Any], make_param: MakeParam) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    expected = _torch_error(torch, name, [(2, 2)], kw)
    with pytest.raises(type(expected)) as info:
        getattr(optim, name)([make_param(np.zeros((2, 2)))], **kw)
    assert str(info.value) == str(expected)


@pytest.mark.torch
def test_muon_refuses_non_matrices_as_pytorch(make_param: MakeParam) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    for shape in [(3,), (), (2, 3, 4)]:
        expected = str(_torch_error(torch, "Muon", [(2, 2), shape], {}))
        with pytest.raises(ValueError) as info:
            optim.Muon([make_param(np.zeros((2, 2))), make_param(np.zeros(shape))])
        assert str(info.value) == expected.replace("torch.Size", "taeda.Size")


@pytest.mark.torch
@pytest.mark.parametrize("name", ["Rprop", "ASGD", "Adafactor", "Muon"])
def test_defaults_match_pytorch(name: str, make_param: MakeParam) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    ours = getattr(optim, name)([make_param(np.zeros((2, 2)))]).defaults
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2, 2))]).defaults
    assert ours == {k: v for k, v in theirs.items() if k in ours}
    assert set(theirs) - set(ours) <= TORCH_ONLY_OPTIONS


@pytest.mark.torch
def test_muon_newton_schulz_is_pytorchs_bfloat16_iteration() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    from torch.optim._muon import _zeropower_via_newtonschulz

    from taeda.optim.muon import zeropower_via_newtonschulz

    rng = np.random.default_rng(0)
    coefficients = (3.4445, -4.7750, 2.0315)
    for _ in range(50):
        shape = tuple(int(n) for n in rng.integers(1, 9, size=2))
        g = rng.standard_normal(shape) * 10 ** rng.uniform(-3, 3)
        expected = _zeropower_via_newtonschulz(torch.tensor(g), coefficients, 5, 1e-7).float().numpy()
        np.testing.assert_array_equal(zeropower_via_newtonschulz(np, g, coefficients, 5, 1e-7), expected)


@pytest.mark.torch
def test_hooks_are_called_as_pytorch_calls_them(make_param: MakeParam, set_grad: SetGrad) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")

    def run(opt: Any, register_pre: Any, register_post: Any) -> list[str]:
        log: list[str] = []
        handles = [
            register_pre(lambda o, args, kwargs: log.append(f"global pre {len(args)} {sorted(kwargs)}")),
            opt.register_step_pre_hook(lambda o, args, kwargs: log.append("pre 1")),
            opt.register_step_pre_hook(lambda o, args, kwargs: ((o,), {"closure": lambda: 2.0})),
            opt.register_step_pre_hook(lambda o, args, kwargs: log.append(f"pre 3 {len(args)} {sorted(kwargs)}")),
            opt.register_step_post_hook(lambda o, args, kwargs: log.append(f"post {sorted(kwargs)}")),
            register_post(lambda o, args, kwargs: log.append("global post")),
            opt.register_state_dict_pre_hook(lambda o: log.append("sd pre")),
            opt.register_state_dict_pre_hook(lambda o: log.append("sd pre first"), prepend=True),
            opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": len(sd["state"])}),
            opt.register_state_dict_post_hook(lambda o, sd: log.append(f"sd post {sorted(sd)}")),
            opt.register_load_state_dict_pre_hook(lambda o, sd: log.append(f"load pre {sorted(sd)}")),
            opt.register_load_state_dict_post_hook(lambda o: log.append("load post")),
        ]
        try:
            log.append(f"loss {float(opt.step(None))}")
            sd = opt.state_dict()
            opt.load_state_dict(sd)
            handles[1].remove()
            handles[4].remove()
            opt.step()
        finally:
            for handle in handles:
                handle.remove()
        opt.step()
        log.append("end")
        return log

    p = make_param([1.0, 2.0], np.float64)
    set_grad(p, [0.5, -0.5])
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.0], dtype=torch.float64))
    tp.grad = torch.tensor([0.5, -0.5], dtype=torch.float64)
    ours = run(
        optim.Rprop([p]),
        optim.register_optimizer_step_pre_hook,
        optim.register_optimizer_step_post_hook,
    )
    torch_optimizer = importlib.import_module("torch.optim.optimizer")
    theirs = run(
        torch.optim.Rprop([tp]),
        torch_optimizer.register_optimizer_step_pre_hook,
        torch_optimizer.register_optimizer_step_post_hook,
    )
    assert ours == theirs


# ---------------------------------------------------------------------------------------------------------------
# NumPy references of the formulas (no torch)


def _trajectory(opt: Any, params: list[Any], grads: list[list[np.ndarray]], set_grad: SetGrad) -> Iterator[None]:
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            set_grad(p, g)
        opt.step()
        yield


def test_rprop_matches_a_numpy_reference(make_param: MakeParam, set_grad: SetGrad) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(6)
    grads = [rng.standard_normal(6) for _ in range(8)]
    grads[3][:2] = 0.0
    lr, (etaminus, etaplus), (lo, hi) = 0.1, (0.4, 1.3), (0.02, 0.3)
    p = make_param(x, np.float64)
    opt = optim.Rprop([p], lr=lr, etas=(etaminus, etaplus), step_sizes=(lo, hi), maximize=True)
    prev, size = np.zeros(6), np.full(6, lr)
    for g, _ in zip(grads, _trajectory(opt, [p], [[g] for g in grads], set_grad)):
        g = -g
        for i in range(6):
            if prev[i] * g[i] > 0:
                size[i] = min(size[i] * etaplus, hi)
            elif prev[i] * g[i] < 0:
                size[i] = max(size[i] * etaminus, lo)
                g[i] = 0.0
            else:
                size[i] = min(max(size[i], lo), hi)
            x[i] -= size[i] * np.sign(g[i])
        prev = g
        np.testing.assert_allclose(p.data.array, x, rtol=1e-14)
    np.testing.assert_array_equal(opt.state[p]["step_size"].array, size)
    np.testing.assert_array_equal(opt.state[p]["prev"].array, prev)
    assert opt.state[p]["step"] == len(grads)


def test_asgd_matches_a_numpy_reference(make_param: MakeParam, set_grad: SetGrad) -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal(5)
    grads = [rng.standard_normal(5) for _ in range(8)]
    lr, lambd, alpha, t0, wd = 0.05, 0.02, 0.6, 3.0, 0.1
    p = make_param(x, np.float64)
    opt = optim.ASGD([p], lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=wd)

    def f32(v: float) -> float:  # PyTorch keeps eta and mu in float32 0-d tensors
        return float(np.float32(v))

    eta, mu, ax = f32(lr), 1.0, np.zeros(5)
    for t, _ in enumerate(_trajectory(opt, [p], [[g] for g in grads], set_grad), 1):
        g = grads[t - 1] + wd * x
        x = x * (1 - lambd * eta) - eta * g
        ax = x.copy() if mu == 1 else ax + mu * (x - ax)
        eta = f32(lr / (1 + lambd * lr * t) ** alpha)
        mu = f32(1 / max(1, t - t0))
        np.testing.assert_allclose(p.data.array, x, rtol=1e-13)
        np.testing.assert_allclose(opt.state[p]["ax"].array, ax, rtol=1e-13)
        assert (opt.state[p]["eta"], opt.state[p]["mu"], opt.state[p]["step"]) == (eta, mu, t)
    assert mu < 1  # averaging has started


def test_adafactor_matches_a_numpy_reference(make_param: MakeParam, set_grad: SetGrad) -> None:
    rng = np.random.default_rng(3)
    w, v = rng.standard_normal((3, 4)), rng.standard_normal(4)
    grads = [[rng.standard_normal((3, 4)), rng.standard_normal(4)] for _ in range(6)]
    lr, decay, eps1, eps2, d, wd = 0.3, -0.8, 1e-30, 1e-3, 1.0, 0.1
    pw, pv = make_param(w, np.float64), make_param(v, np.float64)
    opt = optim.Adafactor([pw, pv], lr=lr, beta2_decay=decay, d=d, weight_decay=wd)

    def rms(a: Any) -> float:
        return math.sqrt(float(np.mean(a * a)))

    row, col, var = np.zeros((3, 1)), np.zeros((1, 4)), np.zeros(4)
    for t, _ in enumerate(_trajectory(opt, [pw, pv], grads, set_grad), 1):
        gw, gv = grads[t - 1]
        beta2 = 1 - t**decay
        rho = min(lr, 1 / math.sqrt(t))
        alpha_w, alpha_v = max(eps2, rms(w)) * rho, max(eps2, rms(v)) * rho
        w, v = w * (1 - lr * wd), v * (1 - lr * wd)
        row = beta2 * row + (1 - beta2) * (gw**2).mean(axis=1, keepdims=True)
        col = beta2 * col + (1 - beta2) * (gw**2).mean(axis=0, keepdims=True)
        v_hat = row * col / max(row.mean(), eps1)
        var = beta2 * var + (1 - beta2) * gv**2
        uw, uv = gw / np.sqrt(v_hat), gv / np.sqrt(var)
        w = w - alpha_w * uw / max(1.0, rms(uw) / d)
        v = v - alpha_v * uv / max(1.0, rms(uv) / d)
        np.testing.assert_allclose(pw.data.array, w, rtol=1e-12)
        np.testing.assert_allclose(pv.data.array, v, rtol=1e-12)
    np.testing.assert_allclose(opt.state[pw]["row_var"].array, row, rtol=1e-12)
    np.testing.assert_allclose(opt.state[pw]["col_var"].array, col, rtol=1e-12)
    np.testing.assert_allclose(opt.state[pv]["variance"].array, var, rtol=1e-12)
    assert set(opt.state[pw]) == {"step", "row_var", "col_var"} and set(opt.state[pv]) == {"step", "variance"}


def _bf16(x: Any) -> Any:
    """bfloat16 rounding by frexp (independent of the bit trick the optimizer uses): 8 significant bits."""
    x = np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64)
    mantissa, exponent = np.frexp(x)
    return np.ldexp(np.round(mantissa * 256) / 256, exponent)


def _newton_schulz(g: np.ndarray, a: float, b: float, c: float, steps: int, eps: float) -> Any:
    x = _bf16(g)
    transposed = x.shape[0] > x.shape[1]
    if transposed:
        x = x.T
    x = _bf16(x / max(_bf16(np.linalg.norm(x)), _bf16(np.array(eps))))
    for _ in range(steps):
        gram = _bf16(x @ x.T)
        x = _bf16(a * x + _bf16(b * gram + c * gram @ gram) @ x)
    return x.T if transposed else x


def test_muon_matches_a_numpy_reference(make_param: MakeParam, set_grad: SetGrad) -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 3))
    grads = [rng.standard_normal((4, 3)) for _ in range(5)]
    lr, wd, mom = 0.02, 0.1, 0.9
    p = make_param(x, np.float64)
    opt = optim.Muon([p], lr=lr, weight_decay=wd, momentum=mom)
    buf = np.zeros((4, 3))
    for t, _ in enumerate(_trajectory(opt, [p], [[g] for g in grads], set_grad), 1):
        g = grads[t - 1]
        buf = mom * buf + (1 - mom) * g
        update = (1 - mom) * g + mom * buf  # nesterov
        o = _newton_schulz(update, 3.4445, -4.7750, 2.0315, 5, 1e-7)
        x = x * (1 - lr * wd) - lr * math.sqrt(max(1, 4 / 3)) * o
        np.testing.assert_allclose(opt.state[p]["momentum_buffer"].array, buf, rtol=1e-13)
        # the float32 sums of the bfloat16 products may round one bfloat16 unit differently from float64 ones
        np.testing.assert_allclose(p.data.array, x, rtol=0, atol=2 * lr * 2**-7)
    assert set(opt.state[p]) == {"momentum_buffer"}


def test_muon_newton_schulz_orthogonalizes() -> None:
    from taeda.optim.muon import zeropower_via_newtonschulz

    rng = np.random.default_rng(5)
    g = rng.standard_normal((6, 4))
    o = zeropower_via_newtonschulz(np, g, (3.4445, -4.7750, 2.0315), 5, 1e-7)
    singular = np.linalg.svd(o.astype(np.float64), compute_uv=False)
    assert o.shape == (6, 4) and o.dtype == np.float32
    assert np.all((singular > 0.5) & (singular < 1.5))  # Keller Jordan's "US'V^T with S' ~ U(0.5, 1.5)"
    assert np.array_equal(o, _bf16(o))  # bfloat16 values
    with pytest.raises(ValueError, match="Number of steps must be less than 100"):
        zeropower_via_newtonschulz(np, g, (3.4445, -4.7750, 2.0315), 100, 1e-7)
    with pytest.raises(ValueError, match="Coefficients must be a tuple of exactly 3 values"):
        zeropower_via_newtonschulz(np, g, (3.4445, -4.7750), 5, 1e-7)  # type: ignore[arg-type]


def test_muon_adjusts_the_learning_rate_by_shape(make_param: MakeParam, set_grad: SetGrad) -> None:
    """With momentum 0 the step is exactly ``lr * ratio * NS(g)``: compare the two adjustments on a 2x8 matrix."""
    g = np.eye(2, 8) * 3.0
    steps = {}
    for fn in ("original", "match_rms_adamw"):
        p = make_param(np.zeros((2, 8)), np.float64)
        opt = optim.Muon([p], lr=0.1, weight_decay=0.0, momentum=0.0, nesterov=False, adjust_lr_fn=fn)
        set_grad(p, g)
        opt.step()
        steps[fn] = -p.data.array
    np.testing.assert_allclose(steps["match_rms_adamw"], steps["original"] * 0.2 * math.sqrt(8), rtol=1e-15)


@pytest.mark.parametrize(
    ("name", "kw", "message"),
    [
        ("Rprop", {"lr": -0.1}, "Invalid learning rate: -0.1"),
        ("Rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
        ("ASGD", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
        ("Adafactor", {"beta2_decay": 0.5}, "beta2_decay should be <= 0 but is: 0.5"),
        ("Adafactor", {"d": 0.9}, "Clipping threshold d should be >= 1 but is: 0.9"),
        ("Adafactor", {"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0 but is: -1.0"),
        ("Muon", {"momentum": -1.0}, "momentum should be >= 0 but is: -1.0"),
        ("Muon", {"adjust_lr_fn": "x"}, "Adjust learning rate function x is not supported"),
    ],
)
def test_validation_messages(name: str, kw: dict[str, Any], message: str, make_param: MakeParam) -> None:
    with pytest.raises(ValueError) as info:
        getattr(optim, name)([make_param(np.zeros((2, 2)))], **kw)
    assert str(info.value) == message


def test_muon_refuses_a_vector(make_param: MakeParam) -> None:
    with pytest.raises(ValueError, match=r"Muon only supports 2D parameters whereas we found a parameter with size"):
        optim.Muon([make_param(np.zeros(3))])


def test_adafactor_and_muon_refuse_what_pytorch_cannot_divide(make_param: MakeParam, set_grad: SetGrad) -> None:
    """PyTorch divides by the element count (Adafactor) and by the column count (Muon): empty ones raise there."""
    p = make_param(np.zeros(0), np.float64)
    opt = optim.Adafactor([p])
    set_grad(p, np.zeros(0))
    with pytest.raises(ZeroDivisionError):
        opt.step()
    q = make_param(np.zeros((3, 0)), np.float64)
    muon = optim.Muon([q])
    set_grad(q, np.zeros((3, 0)))
    with pytest.raises(ZeroDivisionError):
        muon.step()


@pytest.mark.parametrize("name", ["Rprop", "ASGD", "Adafactor", "Muon"])
def test_half_precision_parameters_are_updated_in_float32(name: str, set_grad: SetGrad) -> None:
    p = Variable(as_tensor(np.ones((2, 3), dtype=np.float16)), requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.01)
    for _ in range(3):
        set_grad(p, np.full((2, 3), 0.5))
        opt.step()
    assert p.data.array.dtype == np.float16
    assert np.all(p.data.array < 1)
    assert all(v.array.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, Tensor))


@pytest.mark.parametrize("name", ["Rprop", "ASGD", "Adafactor", "Muon"])
def test_state_dict_goes_through_taeda_save(name: str, tmp_path: Any, make_param: MakeParam, set_grad: SetGrad) -> None:
    import taeda.tensor as tt

    rng = np.random.default_rng(6)
    p0 = rng.standard_normal((3, 2))
    grads = [rng.standard_normal((3, 2)) for _ in range(6)]
    a, b = make_param(p0, np.float64), make_param(p0, np.float64)
    opt_a, opt_b = getattr(optim, name)([a], lr=0.05), getattr(optim, name)([b], lr=0.05)
    for g in grads[:3]:
        set_grad(a, g)
        opt_a.step()
    tt.save(opt_a.state_dict(), tmp_path / "opt.tdz")
    b.data[...] = a.data.array
    opt_b.load_state_dict(tt.load(tmp_path / "opt.tdz"))
    for g in grads[3:]:
        set_grad(a, g)
        set_grad(b, g)
        opt_a.step()
        opt_b.step()
    np.testing.assert_array_equal(b.data.array, a.data.array)


# ---------------------------------------------------------------------------------------------------------------
# hooks (no torch)


@pytest.fixture
def opt_and_param(make_param: MakeParam, set_grad: SetGrad) -> tuple[Any, Any]:
    p = make_param([1.0, -1.0], np.float64)
    set_grad(p, [1.0, 1.0])
    return optim.SGD([p], lr=0.1), p


def test_step_hooks_run_in_order_and_handles_remove_them(opt_and_param: tuple[Any, Any]) -> None:
    opt, p = opt_and_param
    log: list[str] = []
    h1 = optim.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global pre"))
    h2 = optim.register_optimizer_step_post_hook(lambda o, a, k: log.append("global post"))
    try:
        h3 = opt.register_step_pre_hook(lambda o, a, k: log.append(f"pre {p.data.array[0]:.2f}"))
        h4 = opt.register_step_post_hook(lambda o, a, k: log.append(f"post {p.data.array[0]:.2f}"))
        opt.register_step_pre_hook(lambda o, a, k: log.append(f"pre 2 {o is opt} {a[0] is opt}"))
        opt.step()
        assert log == ["global pre", "pre 1.00", "pre 2 True True", "post 0.90", "global post"]
        log.clear()
        h3.remove()
        h4.remove()
        h3.remove()  # removing twice is harmless
        opt.step()
        assert log == ["global pre", "pre 2 True True", "global post"]
    finally:
        h1.remove()
        h2.remove()
    log.clear()
    opt.step()
    assert log == ["pre 2 True True"]
    other = optim.Adam([Variable(as_tensor(np.zeros(1)), requires_grad=True)])
    other.step()  # instance hooks belong to their optimizer only
    assert log == ["pre 2 True True"]


def test_a_pre_hook_can_replace_the_arguments(opt_and_param: tuple[Any, Any]) -> None:
    opt, _ = opt_and_param
    seen: list[Any] = []
    opt.register_step_pre_hook(lambda o, args, kwargs: ((o,), {"closure": lambda: 7.0}))
    opt.register_step_post_hook(lambda o, args, kwargs: seen.append((len(args), sorted(kwargs))))
    assert opt.step() == 7.0
    assert seen == [(1, ["closure"])]
    opt.register_step_pre_hook(lambda o, args, kwargs: "bad")
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\), but got bad"):
        opt.step()


def test_global_hooks_see_every_optimizer(make_param: MakeParam, set_grad: SetGrad) -> None:
    seen: list[str] = []
    handle = optimizer_module.register_optimizer_step_pre_hook(lambda o, a, k: seen.append(type(o).__name__))
    try:
        for cls in (optim.Rprop, optim.ASGD, optim.Adafactor, optim.Muon, optim.LBFGS):
            p = make_param(np.ones((2, 2)), np.float64)
            set_grad(p, np.ones((2, 2)))
            opt = cls([p])
            opt.step(lambda: 0.0) if cls is optim.LBFGS else opt.step()
    finally:
        handle.remove()
    assert seen == ["Rprop", "ASGD", "Adafactor", "Muon", "LBFGS"]


def test_state_dict_hooks(opt_and_param: tuple[Any, Any], make_param: MakeParam) -> None:
    opt, _ = opt_and_param
    opt = optim.SGD(opt.param_groups[0]["params"], lr=0.1, momentum=0.9)
    opt.step()
    log: list[str] = []
    opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
    opt.register_state_dict_pre_hook(lambda o: log.append("pre first"), prepend=True)
    replace = opt.register_state_dict_post_hook(lambda o, sd: {**sd, "note": "replaced"})
    opt.register_state_dict_post_hook(lambda o, sd: log.append(f"post {sd.get('note')}"))
    sd = opt.state_dict()
    assert log == ["pre first", "pre", "post replaced"] and sd["note"] == "replaced"
    replace.remove()
    assert "note" not in opt.state_dict()

    fresh = optim.SGD([make_param([0.0, 0.0], np.float64)], lr=0.1, momentum=0.9)
    calls: list[str] = []

    def change_lr(o: Any, state_dict: dict[str, Any]) -> dict[str, Any]:
        calls.append("pre")
        assert state_dict is not sd  # a shallow copy
        return {**state_dict, "param_groups": [{**g, "lr": 0.5} for g in state_dict["param_groups"]]}

    fresh.register_load_state_dict_pre_hook(lambda o, s: calls.append("pre first"), prepend=True)
    fresh.register_load_state_dict_pre_hook(change_lr)
    fresh.register_load_state_dict_post_hook(lambda o: calls.append(f"post {o.param_groups[0]['lr']}"))
    fresh.load_state_dict(sd)
    assert calls == ["pre first", "pre", "post 0.5"]
    assert sd["param_groups"][0]["lr"] == 0.1
    np.testing.assert_array_equal(fresh.state_dict()["state"][0]["momentum_buffer"].array, [1.0, 1.0])


def test_copies_keep_no_hooks(opt_and_param: tuple[Any, Any]) -> None:
    opt, _ = opt_and_param
    log: list[str] = []
    opt.register_step_pre_hook(lambda o, a, k: log.append("pre"))
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(copy.deepcopy(opt)))):
        clone.step()
        assert log == []
        clone.register_step_post_hook(lambda o, a, k: log.append("post"))
        clone.step()
        assert log == ["post"]
        log.clear()
    opt.step()
    assert log == ["pre"]
