"""RNN, LSTM, GRU and cells: NumPy reference recurrences, gradcheck over the option grid, packed sequences,
parameter names, and an LSTM language-model training step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck
from taeda.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

RNG = np.random.default_rng(3)


def sig(x: np.ndarray) -> Any:
    return 1 / (1 + np.exp(-x))


def np_params(m: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in m.state_dict().items()}


def ref_layer(mode: str, x: np.ndarray, h: np.ndarray, c: np.ndarray | None, p: dict[str, np.ndarray], sfx: str,
              reverse: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:  # fmt: skip
    wih, whh = p[f"weight_ih_{sfx}"], p[f"weight_hh_{sfx}"]
    bih = p.get(f"bias_ih_{sfx}", np.zeros(wih.shape[0]))
    bhh = p.get(f"bias_hh_{sfx}", np.zeros(wih.shape[0]))
    outs: list[Any] = [None] * x.shape[0]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        gi = x[t] @ wih.T + bih
        gh = h @ whh.T + bhh
        if mode == "LSTM":
            assert c is not None
            i, f, g, o = np.split(gi + gh, 4, axis=1)
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
        elif mode == "GRU":
            ir, iz, inn = np.split(gi, 3, axis=1)
            hr, hz, hn = np.split(gh, 3, axis=1)
            r, z = sig(ir + hr), sig(iz + hz)
            n = np.tanh(inn + r * hn)
            h = (1 - z) * n + z * h
        else:
            h = np.tanh(gi + gh)
        outs[t] = h
    return np.stack(outs), h, c


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("wide", [False, True])  # wide: 9 rows into 128+ gates, the transposed step GEMM (W hᵀ)
def test_forward_matches_numpy_reference(mode: str, bidirectional: bool, wide: bool) -> None:
    cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[mode]
    batch, hid = (9, {"RNN": 128, "LSTM": 32, "GRU": 43}[mode]) if wide else (2, 4)
    bias = not (wide and mode == "GRU")  # the wide GRU also covers a step GEMM with nothing to add
    m = cls(3, hid, num_layers=2, bidirectional=bidirectional, bias=bias).double()
    p = np_params(m)
    x = RNG.standard_normal((5, batch, 3))
    out, state = m(tt.as_tensor(x))
    d = 2 if bidirectional else 1
    layer_in = x
    hs: list[Any] = []
    cs: list[Any] = []
    for layer in range(2):
        outs = []
        for direction in range(d):
            sfx = f"l{layer}" + ("_reverse" if direction else "")
            c0 = np.zeros((batch, hid)) if mode == "LSTM" else None
            o, h, c = ref_layer(mode, layer_in, np.zeros((batch, hid)), c0, p, sfx, reverse=bool(direction))
            outs.append(o)
            hs.append(h)
            cs.append(c)
        layer_in = np.concatenate(outs, axis=2)
    h_n = state[0] if mode == "LSTM" else state
    np.testing.assert_allclose(out.data.numpy(), layer_in, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_n.data.numpy(), np.stack(hs), rtol=1e-10, atol=1e-12)
    if mode == "LSTM":
        np.testing.assert_allclose(state[1].data.numpy(), np.stack(cs), rtol=1e-10, atol=1e-12)


def test_parameter_names_shapes_and_init() -> None:
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    keys = list(m.state_dict())
    assert keys[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse"]
    assert tuple(m.weight_ih_l1.shape) == (16, 8) and len(keys) == 16
    assert all(np.abs(v.numpy()).max() <= 0.5 for v in m.state_dict().values())
    assert repr(m) == "LSTM(3, 4, num_layers=2, bidirectional=True)"
    proj = nn.LSTM(3, 4, proj_size=2)
    assert tuple(proj.weight_hr_l0.shape) == (2, 4) and tuple(proj.weight_hh_l0.shape) == (16, 2)
    assert list(nn.GRU(3, 4, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="gelu")


OPTIONS = [
    {"mode": "LSTM"},
    {"mode": "LSTM", "bidirectional": True, "batch_first": True},
    {"mode": "LSTM", "proj_size": 2},
    {"mode": "GRU", "num_layers": 2},
    {"mode": "GRU", "bidirectional": True, "bias": False},
    {"mode": "RNN", "nonlinearity": "relu"},
    {"mode": "RNN", "num_layers": 2, "bidirectional": True},
]


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_gradcheck_option_grid(opts: dict[str, Any]) -> None:
    opts = dict(opts)
    mode = opts.pop("mode")
    cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[mode]
    m = cls(2, 3, **opts).double()
    params = list(m.parameters())
    shape = (2, 3, 2) if opts.get("batch_first") else (3, 2, 2)
    x = Variable(tt.as_tensor(RNG.standard_normal(shape)), requires_grad=True)
    layers = opts.get("num_layers", 1) * (2 if opts.get("bidirectional") else 1)
    hdim = opts.get("proj_size", 0) or 3
    h0 = Variable(tt.as_tensor(RNG.standard_normal((layers, 2, hdim))), requires_grad=True)
    c0 = Variable(tt.as_tensor(RNG.standard_normal((layers, 2, 3))), requires_grad=True)

    def run(xv: Any, hv: Any, cv: Any, *ps: Any) -> Any:
        for (name, _), p in zip(m.named_parameters(), ps):
            m._parameters[name] = p
        hx = (hv, cv) if mode == "LSTM" else hv
        out, st = m(xv, hx)
        return (out, *st) if mode == "LSTM" else (out, st)

    inputs = (x, h0, c0, *params)
    assert gradcheck(run, inputs)


def test_cells_match_one_step_of_the_layer() -> None:
    for cell_cls, layer_cls in [(nn.LSTMCell, nn.LSTM), (nn.GRUCell, nn.GRU), (nn.RNNCell, nn.RNN)]:
        cell = cell_cls(3, 4).double()
        layer = layer_cls(3, 4).double()
        layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
        x = tt.as_tensor(RNG.standard_normal((2, 3)))
        out, _ = layer(x.unsqueeze(0))
        res = cell(x)
        h = res[0] if isinstance(res, tuple) else res
        np.testing.assert_allclose(h.data.numpy(), out.data.numpy()[0], rtol=1e-12)
        unb = cell(tt.as_tensor(RNG.standard_normal(3)))
        assert tuple((unb[0] if isinstance(unb, tuple) else unb).shape) == (4,)
    cell = nn.LSTMCell(2, 3).double()
    xs = (Variable(tt.as_tensor(RNG.standard_normal((2, 2))), True),)
    hc = (
        Variable(tt.as_tensor(RNG.standard_normal((2, 3))), True),
        Variable(tt.as_tensor(RNG.standard_normal((2, 3))), True),
    )
    assert gradcheck(lambda a, h, c: cell(a, (h, c)), (*xs, *hc))


def test_unbatched_initial_states_and_errors() -> None:
    m = nn.GRU(3, 4, num_layers=2)
    out, h = m(tt.randn(5, 3))
    assert tuple(out.shape) == (5, 4) and tuple(h.shape) == (2, 4)
    out, h = m(tt.randn(5, 2, 3), tt.zeros(2, 2, 4))
    assert tuple(h.shape) == (2, 2, 4)
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        m(tt.randn(5, 2, 3), tt.zeros(1, 2, 4))
    with pytest.raises(RuntimeError, match=r"input\.size"):
        m(tt.randn(5, 2, 7))
    with pytest.warns(UserWarning, match="dropout"):
        nn.LSTM(2, 3, dropout=0.5)


def test_packed_sequence_equals_running_each_sequence_alone() -> None:
    m = nn.LSTM(3, 4, bidirectional=True).double()
    lengths = [2, 5, 3]
    x = RNG.standard_normal((5, 3, 3))
    packed = pack_padded_sequence(tt.as_tensor(x), lengths, enforce_sorted=False)
    out, (h, c) = m(packed)
    padded, lens = pad_packed_sequence(out)
    assert lens.tolist() == lengths
    for b, n in enumerate(lengths):
        alone, (hb, cb) = m(tt.as_tensor(x[:n, b : b + 1]))
        np.testing.assert_allclose(padded.data.numpy()[:n, b], alone.data.numpy()[:, 0], rtol=1e-10)
        assert np.all(padded.data.numpy()[n:, b] == 0)
        np.testing.assert_allclose(h.data.numpy()[:, b], hb.data.numpy()[:, 0], rtol=1e-10)
        np.testing.assert_allclose(c.data.numpy()[:, b], cb.data.numpy()[:, 0], rtol=1e-10)
    xv = Variable(tt.as_tensor(x), requires_grad=True)
    gru = nn.GRU(3, 2).double()
    out, _ = gru(pack_padded_sequence(xv, lengths, enforce_sorted=False))
    pad_packed_sequence(out)[0].sum().backward()
    assert xv.grad is not None
    g = xv.grad.data.numpy()
    assert np.all(g[2:, 0] == 0) and np.all(g[3:, 2] == 0) and np.any(g[:2, 0] != 0)


def test_lstm_language_model_step() -> None:
    tt.manual_seed(0)

    class LM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(50, 16)
            self.rnn = nn.LSTM(16, 32, num_layers=2, dropout=0.2, batch_first=True)
            self.head = nn.Linear(32, 50)

        def forward(self, tokens: Any, state: Any = None) -> Any:
            out, state = self.rnn(self.emb(tokens), state)
            return self.head(out), state

    model = LM()
    tokens = tt.as_tensor(RNG.integers(0, 50, (4, 12)))
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    state = None
    for _ in range(8):
        model.zero_grad()
        logits, state = model(tokens[:, :-1], state)
        state = tuple(s.detach() for s in state)
        loss = loss_fn(logits.reshape(-1, 50), tokens[:, 1:].reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        for p in model.parameters():
            assert p.grad is not None
            p.data.sub_(p.grad.data * 0.5)
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_in_place_edit_of_the_output_is_detected() -> None:
    m = nn.LSTM(2, 3)
    x = Variable(tt.randn(4, 1, 2), requires_grad=True)
    out, _ = m(x)
    out.data.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()
