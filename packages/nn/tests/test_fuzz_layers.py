"""Regressions found by differential fuzzing of the layers and the Module API against PyTorch."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable

torch = pytest.importorskip("torch", reason="the parity tests compare against PyTorch")
pytestmark = pytest.mark.torch
RNG = np.random.default_rng(11)


def copy_weights(ours: nn.Module, theirs: Any) -> None:
    ours.load_state_dict({k: tt.as_tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def close(a: Any, b: Any, tol: float = 1e-9) -> None:
    np.testing.assert_allclose(a.data.numpy(), b.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize(
    ("d", "shape"), [(1, (2, 2, 5)), (2, (1, 2, 4, 3)), (2, (2, 4, 3)), (3, (1, 2, 3, 4, 3))], ids=str
)
def test_conv_transpose_output_padding_at_least_stride(d: int, shape: tuple[int, ...]) -> None:
    # output_padding may reach the stride when it stays below the dilation
    def make(m: Any) -> Any:
        return getattr(m, f"ConvTranspose{d}d")(2, 4, 2, stride=1, padding=1, output_padding=1, dilation=2, groups=2)

    theirs, ours = make(torch.nn).double(), make(nn).double()
    copy_weights(ours, theirs)
    x = RNG.standard_normal(shape)
    tx, vx = torch.tensor(x, requires_grad=True), Variable(tt.as_tensor(x.copy()), requires_grad=True)
    t_out, o_out = theirs(tx), ours(vx)
    close(o_out, t_out)
    w = RNG.standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(w)).sum().backward()
    (o_out * tt.as_tensor(w)).sum().backward()
    assert vx.grad is not None and ours.weight.grad is not None
    close(vx.grad, tx.grad)
    close(ours.weight.grad, theirs.weight.grad)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_max_unpool_empty_batch(d: int) -> None:
    x = np.zeros((0, 2) + (4,) * d)
    y, i = getattr(torch.nn, f"MaxPool{d}d")(2, return_indices=True)(torch.tensor(x))
    theirs = getattr(torch.nn, f"MaxUnpool{d}d")(2)(y, i)
    vy = Variable(tt.as_tensor(y.numpy().copy()), requires_grad=True)
    ours = getattr(nn, f"MaxUnpool{d}d")(2)(vy, tt.as_tensor(i.numpy().copy()))
    assert tuple(ours.shape) == tuple(theirs.shape)
    ours.sum().backward()
    assert vy.grad is not None and tuple(vy.grad.shape) == tuple(y.shape)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"])
def test_recurrent_empty_batch(kind: str) -> None:
    shape = (0, 3) if kind.endswith("Cell") else (4, 0, 3)
    theirs = getattr(torch.nn, kind)(3, 2).double()(torch.zeros(shape, dtype=torch.float64))
    x = Variable(tt.as_tensor(np.zeros(shape)), requires_grad=True)
    ours = getattr(nn, kind)(3, 2).double()(x)
    t_main = theirs[0] if isinstance(theirs, tuple) else theirs
    o_main = ours[0] if isinstance(ours, tuple) else ours
    assert tuple(o_main.shape) == tuple(t_main.shape)
    o_main.sum().backward()
    assert x.grad is not None and tuple(x.grad.shape) == shape


def test_sdpa_learnt_float_mask_gets_gradient() -> None:
    q, k, v, m = (RNG.standard_normal(s) for s in [(2, 3, 4), (2, 5, 4), (2, 5, 4), (3, 5)])
    t = [torch.tensor(a, requires_grad=True) for a in (q, k, v, m)]
    o = [Variable(tt.as_tensor(a.copy()), requires_grad=True) for a in (q, k, v, m)]
    torch.nn.functional.scaled_dot_product_attention(t[0], t[1], t[2], attn_mask=t[3]).sum().backward()
    nn.functional.scaled_dot_product_attention(o[0], o[1], o[2], attn_mask=o[3]).sum().backward()
    for ours, theirs in zip(o, t):
        assert ours.grad is not None
        close(ours.grad, theirs.grad)


@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("need_weights", [False, True])
def test_multihead_attention_learnt_float_masks_get_gradients(unbatched: bool, need_weights: bool) -> None:
    theirs = torch.nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True).double()
    ours = nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True).double()
    copy_weights(ours, theirs)
    x = RNG.standard_normal((3, 4) if unbatched else (3, 2, 4))
    kpm, am = RNG.standard_normal((3,) if unbatched else (2, 3)), RNG.standard_normal((3, 3))
    t = [torch.tensor(a, requires_grad=True) for a in (x, kpm, am)]
    o = [Variable(tt.as_tensor(a.copy()), requires_grad=True) for a in (x, kpm, am)]
    t_out = theirs(t[0], t[0], t[0], key_padding_mask=t[1], attn_mask=t[2], need_weights=need_weights)[0]
    o_out = ours(o[0], o[0], o[0], key_padding_mask=o[1], attn_mask=o[2], need_weights=need_weights)[0]
    close(o_out, t_out)
    t_out.sum().backward()
    o_out.sum().backward()
    for a, b in zip(o, t):
        assert a.grad is not None
        close(a.grad, b.grad, 1e-8)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("Threshold", {"threshold": 1.0, "value": 5.0}),
        ("Hardshrink", {}),
        ("Softshrink", {}),
        ("Softshrink", {"lambd": 1.0}),
    ],
    ids=str,
)
def test_thresholding_activations_propagate_nan(name: str, kwargs: dict[str, float]) -> None:
    x = np.array([-6.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 3.0, np.nan])
    theirs = getattr(torch.nn, name)(**kwargs)(torch.tensor(x))
    ours = getattr(nn, name)(**kwargs)(tt.as_tensor(x.copy()))
    np.testing.assert_array_equal(ours.data.numpy(), theirs.numpy())
    assert np.isnan(ours.data.numpy()[-1])


def test_hardswish_gradient_at_the_kinks() -> None:
    x = np.array([-4.0, -3.0, -1.0, 0.0, 1.0, 3.0, 4.0])
    tx, vx = torch.tensor(x, requires_grad=True), Variable(tt.as_tensor(x.copy()), requires_grad=True)
    torch.nn.Hardswish()(tx).sum().backward()
    nn.Hardswish()(vx).sum().backward()
    assert vx.grad is not None
    close(vx.grad, tx.grad)


def test_sequential_multiplication() -> None:
    ours, theirs = nn.Sequential(nn.ReLU(), nn.Tanh()), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh())
    assert repr(ours * 2) == repr(theirs * 2)
    assert repr(3 * ours) == repr(3 * theirs)
    assert (ours * 2)[2] is ours[0]
    same = ours
    ours *= 2
    assert ours is same and len(ours) == 4 and repr(ours) == repr(theirs * 2)
    with pytest.raises(ValueError, match="Non-positive multiplication factor 0"):
        ours * 0
    with pytest.raises(TypeError, match="unsupported operand"):
        ours * 1.5  # type: ignore[operator]


def test_parameter_dict_sorts_a_plain_mapping() -> None:
    ours = nn.ParameterDict({"b": nn.Parameter(tt.zeros(2)), "a": nn.Parameter(tt.zeros(1))})
    theirs = torch.nn.ParameterDict({"b": torch.nn.Parameter(torch.zeros(2)), "a": torch.nn.Parameter(torch.zeros(1))})
    assert list(ours.keys()) == list(theirs.keys()) == ["a", "b"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    kept = nn.ParameterDict(OrderedDict([("b", nn.Parameter(tt.zeros(2))), ("a", nn.Parameter(tt.zeros(1)))]))
    assert list(kept.keys()) == ["b", "a"]
    assert list(nn.ParameterDict([("b", nn.Parameter(tt.zeros(2))), ("a", nn.Parameter(tt.zeros(1)))])) == ["b", "a"]


def _zeros(*shape: int) -> np.ndarray:
    return np.zeros(shape, dtype=np.float32)


MHA_MISUSE: list[tuple[str, tuple[np.ndarray, ...], dict[str, np.ndarray]]] = [
    ("4-D query", (_zeros(2, 1, 1, 4), _zeros(3, 1, 1, 4), _zeros(3, 1, 1, 4)), {}),
    ("2-D key", (_zeros(2, 1, 4), _zeros(3, 4), _zeros(3, 4)), {}),
    ("key/value lengths", (_zeros(2, 1, 4), _zeros(3, 1, 4), _zeros(4, 1, 4)), {}),
    ("1-D padding mask", (_zeros(2, 1, 4), _zeros(3, 1, 4), _zeros(3, 1, 4)), {"key_padding_mask": np.zeros(3, bool)}),
    (
        "padding mask length",
        (_zeros(2, 1, 4), _zeros(3, 1, 4), _zeros(3, 1, 4)),
        {"key_padding_mask": np.zeros((1, 2), bool)},
    ),
    (
        "padding mask batch",
        (_zeros(2, 1, 4), _zeros(3, 1, 4), _zeros(3, 1, 4)),
        {"key_padding_mask": np.zeros((2, 3), bool)},
    ),
    (
        "integer padding mask",
        (_zeros(2, 1, 4), _zeros(3, 1, 4), _zeros(3, 1, 4)),
        {"key_padding_mask": np.zeros((1, 3), int)},
    ),
    ("integer attn_mask", (_zeros(2, 1, 4), _zeros(3, 1, 4), _zeros(3, 1, 4)), {"attn_mask": np.zeros((2, 3), int)}),
    ("4-D attn_mask", (_zeros(2, 1, 4), _zeros(3, 1, 4), _zeros(3, 1, 4)), {"attn_mask": np.zeros((1, 2, 2, 3), bool)}),
    ("2-D attn_mask shape", (_zeros(2, 1, 4), _zeros(3, 1, 4), _zeros(3, 1, 4)), {"attn_mask": np.zeros((3, 3), bool)}),
    (
        "3-D attn_mask shape",
        (_zeros(2, 1, 4), _zeros(3, 1, 4), _zeros(3, 1, 4)),
        {"attn_mask": np.zeros((1, 2, 3), bool)},
    ),
    ("unbatched 3-D attn_mask", (_zeros(2, 4), _zeros(3, 4), _zeros(3, 4)), {"attn_mask": np.zeros((1, 2, 3), bool)}),
    (
        "unbatched 2-D padding mask",
        (_zeros(2, 4), _zeros(3, 4), _zeros(3, 4)),
        {"key_padding_mask": np.zeros((1, 3), bool)},
    ),
]


@pytest.mark.parametrize(("what", "qkv", "masks"), MHA_MISUSE, ids=[c[0] for c in MHA_MISUSE])
def test_multihead_attention_rejects_what_pytorch_rejects(
    what: str, qkv: tuple[np.ndarray, ...], masks: dict[str, np.ndarray]
) -> None:
    with pytest.raises((AssertionError, RuntimeError)) as theirs:
        torch.nn.MultiheadAttention(4, 2)(
            *(torch.tensor(a) for a in qkv), **{k: torch.tensor(v) for k, v in masks.items()}
        )
    with pytest.raises(theirs.type) as ours:
        nn.MultiheadAttention(4, 2)(*(tt.as_tensor(a) for a in qkv), **{k: tt.as_tensor(v) for k, v in masks.items()})
    assert str(ours.value).replace("taeda.", "torch.") == str(theirs.value)


def test_glu_rejects_a_scalar_as_pytorch() -> None:
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        torch.nn.GLU()(torch.tensor(1.0))
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        nn.GLU()(tt.as_tensor(np.array(1.0)))


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_recurrent_layer_rejects_input_of_another_dtype(kind: str) -> None:
    x = np.zeros((2, 1, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="does not match weight dtype"):
        getattr(torch.nn, kind)(3, 2).double()(torch.tensor(x))
    with pytest.raises(ValueError, match=r"RNN input dtype \(float32\) does not match weight dtype \(float64\)"):
        getattr(nn, kind)(3, 2).double()(tt.as_tensor(x))


@pytest.mark.parametrize("kind", ["RNNCell", "GRUCell", "LSTMCell"])
def test_recurrent_cell_rejects_input_of_another_dtype(kind: str) -> None:
    x = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype"):
        getattr(torch.nn, kind)(3, 2).double()(torch.tensor(x))
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got float32 and float64"):
        getattr(nn, kind)(3, 2).double()(tt.as_tensor(x))


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("return_indices", [False, True])
def test_max_pool_padding_bounded_by_half_the_undilated_kernel(d: int, return_indices: bool) -> None:
    # pad 2 fits the dilated extent 5 but not the kernel 3: PyTorch refuses it
    x = np.zeros((1, 1) + (9,) * d, dtype=np.float32)
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch.nn, f"MaxPool{d}d")(3, 1, 2, dilation=2, return_indices=return_indices)(torch.tensor(x))
    with pytest.raises(RuntimeError) as ours:
        getattr(nn, f"MaxPool{d}d")(3, 1, 2, dilation=2, return_indices=return_indices)(tt.as_tensor(x))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "kwargs", [{}, {"freeze": False, "mode": "max"}, {"mode": "sum", "padding_idx": 0}, {"include_last_offset": True}]
)
def test_embedding_bag_from_pretrained(kwargs: dict[str, Any]) -> None:
    w = RNG.standard_normal((5, 3))
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), **kwargs)
    ours = nn.EmbeddingBag.from_pretrained(tt.as_tensor(w.copy()), **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.weight.requires_grad == theirs.weight.requires_grad
    idx, offsets = np.array([0, 1, 4, 1, 0]), np.array([0, 2, 5] if kwargs.get("include_last_offset") else [0, 2])
    close(ours(tt.as_tensor(idx), tt.as_tensor(offsets)), theirs(torch.tensor(idx), torch.tensor(offsets)))


@pytest.mark.parametrize(("lo", "hi"), [(1, -1), (0.5, 0.5)])
def test_hardtanh_rejects_an_empty_range_as_pytorch(lo: float, hi: float) -> None:
    with pytest.raises(AssertionError) as theirs:
        torch.nn.Hardtanh(lo, hi)
    with pytest.raises(AssertionError) as ours:
        nn.Hardtanh(lo, hi)
    assert str(ours.value) == str(theirs.value)


RNN_MISUSE: list[tuple[str, Any]] = [
    ("RNN 4-D input", lambda m, z: m.RNN(3, 4)(z(1, 2, 3, 3))),
    ("LSTM 4-D input", lambda m, z: m.LSTM(3, 4)(z(2, 1, 3, 1))),
    ("GRU 1-D input", lambda m, z: m.GRU(3, 4)(z(3))),
    ("hidden batch", lambda m, z: m.GRU(3, 4)(z(2, 2, 3), z(1, 3, 4))),
    ("unbatched input, batched hx", lambda m, z: m.RNN(3, 4)(z(2, 3), z(1, 1, 4))),
    ("batched input, unbatched hx", lambda m, z: m.GRU(3, 4)(z(2, 1, 3), z(1, 4))),
    ("LSTM hx and cx ranks", lambda m, z: m.LSTM(3, 4)(z(2, 1, 3), (z(1, 1, 4), z(1, 4)))),
    ("cell hidden batch", lambda m, z: m.GRUCell(3, 4)(z(2, 3), z(3, 4))),
    ("cell hidden size", lambda m, z: m.RNNCell(3, 4)(z(2, 3), z(2, 5))),
    ("cell unbatched input, batched hidden", lambda m, z: m.GRUCell(3, 4)(z(3), z(1, 4))),
    ("cell 3-D hidden", lambda m, z: m.RNNCell(3, 4)(z(2, 3), z(1, 2, 4))),
    ("LSTMCell 3-D cx", lambda m, z: m.LSTMCell(3, 4)(z(2, 3), (z(2, 4), z(1, 2, 4)))),
    ("LSTMCell cx batch", lambda m, z: m.LSTMCell(3, 4)(z(2, 3), (z(2, 4), z(3, 4)))),
    ("float hidden_size", lambda m, z: m.LSTM(3, 4.0)),
    ("zero input_size", lambda m, z: m.GRU(0, 4)),
]


@pytest.mark.parametrize(("what", "call"), RNN_MISUSE, ids=[c[0] for c in RNN_MISUSE])
def test_recurrent_misuse_errors_match_pytorch(what: str, call: Any) -> None:
    with pytest.raises((RuntimeError, ValueError, TypeError)) as theirs:
        call(torch.nn, lambda *s: torch.zeros(s))
    with pytest.raises(theirs.type) as ours:
        call(nn, lambda *s: tt.as_tensor(np.zeros(s, dtype=np.float32)))
    assert str(ours.value) == str(theirs.value)


def test_module_dict_update_from_a_module_dict() -> None:
    for m in (nn, torch.nn):
        d = m.ModuleDict({"b": m.ReLU()})
        d.update(m.ModuleDict({"c": m.ELU(), "a": m.Tanh()}))
        assert list(d.keys()) == ["b", "c", "a"]
    with pytest.raises(ValueError, match=r"element #0 has length 3; 2 is required"):
        nn.ModuleDict().update([("x", nn.ReLU(), 3)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="should be called with an iterable of key/value pairs, but got int"):
        nn.ModuleDict().update(5)  # type: ignore[arg-type]


def test_parameter_list_slice() -> None:
    ours = nn.ParameterList([nn.Parameter(tt.zeros(n)) for n in (1, 2, 3, 4)])
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(n)) for n in (1, 2, 3, 4)])
    for idx in (slice(1, None), slice(None, None, -2), slice(0, 0)):
        o, t = ours[idx], theirs[idx]
        assert type(o).__name__ == type(t).__name__ == "ParameterList"
        assert [tuple(p.shape) for p in o] == [tuple(p.shape) for p in t]
        assert list(o.state_dict()) == list(t.state_dict())
    assert ours[1:][0] is ours[1]


def test_parameter_dict_mapping_methods() -> None:
    def run(m: Any, zeros: Any) -> list[Any]:
        d = m.ParameterDict({"a": m.Parameter(zeros(1))})
        out: list[Any] = [d.get("zz"), tuple(d.get("a").shape), tuple(d.setdefault("b", m.Parameter(zeros(2))).shape)]
        out.append(list(d.copy().keys()))
        out.append(list(reversed(d)))
        out.append(d.popitem()[0])
        out.append(list((d | m.ParameterDict({"z": m.Parameter(zeros(3))})).keys()))
        out.append(list(d.fromkeys(["x", "y"]).keys()))
        d |= m.ParameterDict({"q": m.Parameter(zeros(1))})
        out.append(list(d.state_dict()))
        return out

    assert run(nn, tt.zeros) == run(torch.nn, torch.zeros)


@pytest.mark.parametrize(("s", "zero_attn", "padding"), [(5, False, False), (4, True, True), (2, False, True)])
def test_multi_head_attention_forward_static_key_value(s: int, zero_attn: bool, padding: bool) -> None:
    e, h, n = 8, 2, 2
    theirs, ours = torch.nn.MultiheadAttention(e, h).double(), nn.MultiheadAttention(e, h).double()
    copy_weights(ours, theirs)
    arrays = [RNG.standard_normal(shape) for shape in ((3, n, e), (3, n, e), (n * h, s, e // h), (n * h, s, e // h))]
    kpm = np.zeros((n, s), bool)
    kpm[:, -1] = padding

    def run(f: Any, m: Any, args: list[Any], mask: Any) -> Any:
        return f.multi_head_attention_forward(
            args[0], args[1], args[1], e, h, m.in_proj_weight, m.in_proj_bias, None, None, zero_attn, 0.0,
            m.out_proj.weight, m.out_proj.bias, key_padding_mask=mask, static_k=args[2], static_v=args[3],
        )  # fmt: skip

    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    o = [Variable(tt.as_tensor(a.copy()), requires_grad=True) for a in arrays]
    t_out, t_w = run(torch.nn.functional, theirs, t, torch.tensor(kpm))
    o_out, o_w = run(nn.functional, ours, o, tt.as_tensor(kpm))
    close(o_out, t_out)
    close(o_w, t_w)
    t_out.sum().backward()
    o_out.sum().backward()
    assert o[1].grad is None and t[1].grad is None  # the static key and value stand in for the projections
    for a, b in zip(o[::2] + o[3:], t[::2] + t[3:]):
        assert a.grad is not None
        close(a.grad, b.grad, 1e-8)
    with pytest.raises(AssertionError, match=r"expecting static_k.size\(0\) of 4, but got 3"):
        run(nn.functional, ours, [o[0], o[1], o[2][:3], o[3]], None)


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU])
def test_rnn_and_gru_refuse_proj_size_with_pytorchs_value_error(cls: Any) -> None:
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM, not RNN or GRU"):
        cls(3, 4, proj_size=2)
    assert cls(3, 4, proj_size=0).proj_size == 0
