"""Double backward (create_graph=True) through the recurrent layer kernel (RNN, LSTM with projection, GRU)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradgradcheck
from taeda.nn.functional._rnn import RNNLayer


def _grad(*args: Any, **kwargs: Any) -> list[Variable]:
    """``autograd.grad`` with every gradient present."""
    gs = grad(*args, **kwargs)
    assert all(g is not None for g in gs)
    return [g for g in gs if g is not None]


def _rand(*shape: int, seed: int = 0) -> Variable:
    rng = np.random.default_rng(seed)
    return Variable(tt.as_tensor(rng.standard_normal(shape) * 0.5), requires_grad=True)


def _layer_inputs(mode: str, proj: bool, bias: bool, steps: int = 3, batch: int = 2) -> list[Any]:
    i, h = 2, 3
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1) * h
    hout = 2 if proj else h
    x, h0 = _rand(steps, batch, i, seed=1), _rand(batch, hout, seed=2)
    c0 = _rand(batch, h, seed=3) if mode == "LSTM" else None
    w_ih, w_hh = _rand(gates, i, seed=4), _rand(gates, hout, seed=5)
    b_ih = _rand(gates, seed=6) if bias else None
    b_hh = _rand(gates, seed=7) if bias else None
    w_hr = _rand(hout, h, seed=8) if proj else None
    return [x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr]


CASES = [
    ("RNN_TANH", False, True, False, None),
    ("RNN_RELU", False, True, True, None),
    ("GRU", False, True, False, None),
    ("GRU", False, False, True, np.array([3, 1])),
    ("LSTM", False, True, False, None),
    ("LSTM", True, True, True, None),
    ("LSTM", False, False, False, np.array([1, 3])),
    ("RNN_TANH", False, True, True, np.array([2, 3])),
    ("LSTM", True, True, True, np.array([3, 2])),
]


@pytest.mark.parametrize(("mode", "proj", "bias", "reverse", "lengths"), CASES)
def test_rnn_layer_gradgrad(mode: str, proj: bool, bias: bool, reverse: bool, lengths: Any) -> None:
    ins = _layer_inputs(mode, proj, bias)
    where = [k for k, v in enumerate(ins) if v is not None]

    def f(*vs: Variable) -> Any:
        args: list[Any] = list(ins)
        for k, v in zip(where, vs):
            args[k] = v
        return RNNLayer.apply(*args, mode, reverse, lengths)

    assert gradgradcheck(f, tuple(ins[k] for k in where))


def test_ordinary_backward_unchanged() -> None:
    for mode in ("LSTM", "GRU", "RNN_TANH"):
        ins = _layer_inputs(mode, False, True)
        vs = [v for v in ins if v is not None]
        outs = RNNLayer.apply(*ins, mode, False, None)
        gos = [tt.as_tensor(np.random.default_rng(k).standard_normal(tuple(o.shape))) for k, o in enumerate(outs)]
        a = _grad(outs, vs, gos)
        outs2 = RNNLayer.apply(*ins, mode, False, None)
        b = _grad(outs2, vs, [Variable(g) for g in gos], create_graph=True)
        for u, v in zip(a, b):
            assert not u.requires_grad
            np.testing.assert_allclose(u.data.array, v.data.array, rtol=1e-10, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_torch_parity_second_order_rnn(kind: str) -> None:
    """_grad(|d loss/d x|^2, weights) through a 2-layer bidirectional recurrent module, against PyTorch."""
    torch = pytest.importorskip("torch")
    kw: dict[str, Any] = {"num_layers": 2, "bidirectional": True}
    if kind == "LSTM":
        kw["proj_size"] = 2
    ours_m = getattr(nn, kind)(3, 4, **kw).double()
    theirs_m = getattr(torch.nn, kind)(3, 4, **kw).double()
    with torch.no_grad():
        for name, p in theirs_m.named_parameters():
            p.copy_(torch.tensor(dict(ours_m.named_parameters())[name].data.array))
    xa = np.random.default_rng(0).standard_normal((4, 2, 3))

    x = Variable(tt.as_tensor(xa), requires_grad=True)
    y = ours_m(x)[0]
    (gx,) = _grad((y**3).sum(), x, create_graph=True)
    names = [n for n, _ in ours_m.named_parameters()]
    ours = _grad((gx * gx).sum(), [dict(ours_m.named_parameters())[n] for n in names])

    tx = torch.tensor(xa, requires_grad=True)
    ty = theirs_m(tx)[0]
    (tgx,) = torch.autograd.grad((ty**3).sum(), tx, create_graph=True)
    theirs = torch.autograd.grad((tgx * tgx).sum(), [dict(theirs_m.named_parameters())[n] for n in names])
    for n, a, b in zip(names, ours, theirs):
        np.testing.assert_allclose(a.data.array, b.numpy(), rtol=1e-8, atol=1e-10, err_msg=n)
