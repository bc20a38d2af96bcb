"""Double backward (create_graph=True) through every activation, dropout, distance and attention function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradgradcheck


def _check(fn: Callable[..., Any], inputs: tuple[Any, ...]) -> None:
    """gradgradcheck, plus: the first derivative built under create_graph equals the ordinary (array) one."""
    assert gradgradcheck(fn, inputs)
    ins = [x for x in inputs if isinstance(x, Variable) and x.requires_grad]
    out = fn(*inputs)
    v = tt.as_tensor(np.random.default_rng(99).standard_normal(out.shape))
    plain = grad(fn(*inputs), ins, v)
    graph = grad(out, ins, Variable(v, requires_grad=True), create_graph=True)
    for p, q in zip(plain, graph):
        assert p is not None and q is not None
        assert q.requires_grad
        np.testing.assert_allclose(q.data.array, p.data.array, rtol=1e-12, atol=1e-14)


def _away(shape: tuple[int, ...], kinks: tuple[float, ...] = (), seed: int = 0, scale: float = 2.0) -> Variable:
    """float64 values at least 0.05 away from every kink of a piecewise function."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * scale
    for k in kinks:
        near = np.abs(a - k) < 0.05
        a = np.where(near, k + 0.1 * np.sign(a - k + 1e-9), a)
    return Variable(tt.as_tensor(a), requires_grad=True)


UNARY: list[tuple[str, Callable[[Variable], Variable], tuple[float, ...]]] = [
    ("relu", F.relu, (0.0,)),
    ("relu6", F.relu6, (0.0, 6.0)),
    ("threshold", lambda x: F.threshold(x, 0.3, -2.0), (0.3,)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), (0.0,)),
    ("hardtanh", lambda x: F.hardtanh(x, -1.5, 0.5), (-1.5, 0.5)),
    ("elu", lambda x: F.elu(x, 1.3), (0.0,)),
    ("selu", F.selu, (0.0,)),
    ("celu", lambda x: F.celu(x, 0.7), (0.0,)),
    ("gelu", F.gelu, ()),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), ()),
    ("silu", F.silu, ()),
    ("mish", F.mish, ()),
    ("sigmoid", F.sigmoid, ()),
    ("tanh", F.tanh, ()),
    ("hardsigmoid", F.hardsigmoid, (-3.0, 3.0)),
    ("hardswish", F.hardswish, (-3.0, 3.0)),
    ("softplus", F.softplus, ()),
    ("softplus_beta", lambda x: F.softplus(x, beta=2.0, threshold=3.0), (1.5,)),
    ("logsigmoid", F.logsigmoid, ()),
    ("softsign", F.softsign, (0.0,)),
    ("tanhshrink", F.tanhshrink, ()),
    ("softshrink", lambda x: F.softshrink(x, 0.4), (-0.4, 0.4)),
    ("hardshrink", lambda x: F.hardshrink(x, 0.4), (-0.4, 0.4)),
    ("softmax", lambda x: F.softmax(x, dim=1), ()),
    ("softmax0", lambda x: F.softmax(x, dim=0), ()),
    ("log_softmax", lambda x: F.log_softmax(x, dim=1), ()),
    ("log_softmax_last", lambda x: F.log_softmax(x, dim=-1), ()),
    ("softmin", lambda x: F.softmin(x, dim=1), ()),
    ("glu", lambda x: F.glu(x, dim=1), ()),
    ("glu_last", lambda x: F.glu(x, dim=-1), ()),
]


@pytest.mark.parametrize(("name", "fn", "kinks"), UNARY, ids=[u[0] for u in UNARY])
def test_activation_gradgrad(name: str, fn: Callable[[Variable], Variable], kinks: tuple[float, ...]) -> None:
    x = _away((3, 4, 2), kinks, seed=sum(map(ord, name)))
    _check(fn, (x,))


@pytest.mark.parametrize("shared", [False, True])
def test_prelu_gradgrad(shared: bool) -> None:
    x = _away((3, 4, 2), (0.0,), seed=1)
    w = Variable(tt.as_tensor(np.array([0.25]) if shared else np.array([0.1, -0.3, 0.5, 0.2])), requires_grad=True)
    _check(F.prelu, (x, w))


def test_relu_second_derivative_is_zero_and_connected() -> None:
    x = _away((5,), (0.0,), seed=2)
    (g,) = grad(F.relu(x).pow(2).sum(), [x], create_graph=True)
    assert g is not None
    (h,) = grad(g.sum(), [x])
    assert h is not None
    np.testing.assert_allclose(h.data.array, 2.0 * (x.data.array > 0))


@pytest.mark.torch
@pytest.mark.parametrize(
    "name", ["gelu_tanh", "mish", "hardswish", "logsigmoid", "softsign", "tanhshrink", "softplus_beta", "softmin"]
)
def test_activation_hessian_vector_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    tfn = {
        "gelu_tanh": lambda x: torch.nn.functional.gelu(x, approximate="tanh"),
        "mish": torch.nn.functional.mish,
        "hardswish": torch.nn.functional.hardswish,
        "logsigmoid": torch.nn.functional.logsigmoid,
        "softsign": torch.nn.functional.softsign,
        "tanhshrink": torch.nn.functional.tanhshrink,
        "softplus_beta": lambda x: torch.nn.functional.softplus(x, beta=2.0, threshold=3.0),
        "softmin": lambda x: torch.nn.functional.softmin(x, dim=1),
    }[name]
    fn, kinks = next((f, k) for n, f, k in UNARY if n == name)
    x = _away((3, 4, 2), kinks, seed=5)
    (g,) = grad(fn(x).pow(3).sum(), [x], create_graph=True)
    assert g is not None
    (h,) = grad((g * g).sum(), [x])
    assert h is not None
    xt = torch.tensor(x.data.array, requires_grad=True)
    (gt,) = torch.autograd.grad(tfn(xt).pow(3).sum(), xt, create_graph=True)
    (ht,) = torch.autograd.grad((gt * gt).sum(), xt)
    np.testing.assert_allclose(h.data.array, ht.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.torch
def test_prelu_mixed_second_derivative_torch() -> None:
    torch = pytest.importorskip("torch")
    x = _away((3, 4, 2), (0.0,), seed=6)
    w = Variable(tt.as_tensor(np.array([0.1, -0.3, 0.5, 0.2])), requires_grad=True)
    (gx,) = grad(F.prelu(x, w).pow(2).sum(), [x], create_graph=True)
    assert gx is not None
    (hw,) = grad(gx.pow(2).sum(), [w])
    assert hw is not None
    xt = torch.tensor(x.data.array, requires_grad=True)
    wt = torch.tensor(w.data.array, requires_grad=True)
    (gxt,) = torch.autograd.grad(torch.nn.functional.prelu(xt, wt).pow(2).sum(), xt, create_graph=True)
    (hwt,) = torch.autograd.grad(gxt.pow(2).sum(), wt)
    np.testing.assert_allclose(hw.data.array, hwt.numpy(), rtol=1e-9, atol=1e-10)


# ------------------------------------------------------------------------------------ dropout, distances
def test_dropout_p0_and_eval_gradgrad() -> None:
    x = _away((3, 4), seed=7)
    for fn in (
        lambda v: F.dropout(v, 0.0),
        lambda v: F.dropout(v, 0.5, training=False),
        lambda v: F.alpha_dropout(v, 0.0, training=True),
        lambda v: F.dropout2d(v.reshape(1, 3, 2, 2), 0.0),
    ):
        _check(lambda v, fn=fn: fn(v).pow(3), (x,))


@pytest.mark.parametrize(
    "fn",
    [
        lambda v: F.dropout(v, 0.5),
        lambda v: F.dropout1d(v.reshape(3, 2, 2), 0.5),
        lambda v: F.dropout2d(v.reshape(1, 3, 2, 2), 0.4),
        lambda v: F.alpha_dropout(v, 0.3, training=True),
        lambda v: F.feature_alpha_dropout(v.reshape(3, 2, 2), 0.3, training=True),
    ],
)
def test_dropout_fixed_mask_gradgrad(fn: Callable[[Variable], Variable]) -> None:
    x = _away((3, 4), seed=8)

    def f(v: Variable) -> Variable:
        tt.manual_seed(123)  # the same mask at every evaluation
        out: Variable = fn(v).pow(3)
        return out

    _check(f, (x,))
    tt.manual_seed(123)
    out = fn(x)
    (g,) = grad(out.pow(2).sum(), [x], create_graph=True)
    assert g is not None
    (h,) = grad(g.sum(), [x])
    assert h is not None
    tt.manual_seed(123)
    one = fn(Variable(tt.ones_like(x.data))).data.array.reshape(x.shape)
    tt.manual_seed(123)
    zero = fn(Variable(tt.zeros_like(x.data))).data.array.reshape(x.shape)
    slope = one - zero  # the affine map's per-element factor (mask / (1 - p), or alpha dropout's a·keep)
    np.testing.assert_allclose(h.data.array, 2 * slope * slope)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_pairwise_distance_gradgrad(p: float) -> None:
    a, b = _away((3, 4), seed=9), _away((3, 4), seed=10)
    _check(lambda x, y: F.pairwise_distance(x, y, p=p), (a, b))


@pytest.mark.parametrize("dim", [1, -1, 0])
def test_cosine_similarity_gradgrad(dim: int) -> None:
    a, b = _away((3, 4), seed=11), _away((3, 4), seed=12)
    _check(lambda x, y: F.cosine_similarity(x, y, dim=dim), (a, b))


def test_normalize_gradgrad() -> None:
    a = _away((3, 4), seed=13)
    _check(lambda x: F.normalize(x, dim=1), (a,))


@pytest.mark.torch
def test_cosine_similarity_second_order_torch() -> None:
    torch = pytest.importorskip("torch")
    a, b = _away((3, 4), seed=14), _away((3, 4), seed=15)
    (ga,) = grad(F.cosine_similarity(a, b).pow(2).sum(), [a], create_graph=True)
    assert ga is not None
    (hb,) = grad(ga.pow(2).sum(), [b])
    assert hb is not None
    at = torch.tensor(a.data.array, requires_grad=True)
    bt = torch.tensor(b.data.array, requires_grad=True)
    (gat,) = torch.autograd.grad(torch.nn.functional.cosine_similarity(at, bt).pow(2).sum(), at, create_graph=True)
    (hbt,) = torch.autograd.grad(gat.pow(2).sum(), bt)
    np.testing.assert_allclose(hb.data.array, hbt.numpy(), rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------------------------------------ attention
@pytest.mark.parametrize(
    "kw",
    [{}, {"is_causal": True}, {"scale": 0.3}, {"mask": "bool"}, {"mask": "float"}],
)
def test_sdpa_gradgrad(kw: dict[str, Any]) -> None:
    q, k, v = _away((1, 2, 3, 4), seed=16), _away((1, 2, 5, 4), seed=17), _away((1, 2, 5, 3), seed=18)
    kw = dict(kw)
    mask = kw.pop("mask", None)
    if kw.get("is_causal"):
        k, v = _away((1, 2, 3, 4), seed=17), _away((1, 2, 3, 3), seed=18)
    if mask == "bool":
        kw["attn_mask"] = tt.as_tensor(np.array([[True, False, True, True, False]] * 3))
    elif mask == "float":
        kw["attn_mask"] = tt.as_tensor(np.random.default_rng(0).standard_normal((3, 5)))
    _check(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, **kw), (q, k, v))


@pytest.mark.parametrize("opts", ["plain", "masks", "bias_kv_zero_attn"])
def test_multi_head_attention_gradgrad(opts: str) -> None:
    e, h = 4, 2
    q = _away((3, 2, e), seed=20)
    w_in = _away((3 * e, e), seed=21, scale=0.5)
    b_in = _away((3 * e,), seed=22, scale=0.5)
    w_out = _away((e, e), seed=23, scale=0.5)
    b_out = _away((e,), seed=24, scale=0.5)

    kw: dict[str, Any] = {}
    bias_k = bias_v = None
    if opts == "masks":
        kw["key_padding_mask"] = tt.as_tensor(np.array([[False, False, True], [False, False, False]]))
        kw["attn_mask"] = tt.as_tensor(np.random.default_rng(1).standard_normal((3, 3)))
    elif opts == "bias_kv_zero_attn":
        bias_k, bias_v = _away((1, 1, e), seed=25), _away((1, 1, e), seed=26)

    def f(x: Variable, wi: Variable, bi: Variable, wo: Variable, bo: Variable) -> Variable:
        out, _ = F.multi_head_attention_forward(
            x,
            x,
            x,
            e,
            h,
            wi,
            bi,
            bias_k,
            bias_v,
            bias_k is not None,
            0.0,
            wo,
            bo,
            training=False,
            need_weights=False,
            **kw,
        )
        return out

    _check(f, (q, w_in, b_in, w_out, b_out))


@pytest.mark.torch
def test_sdpa_second_order_torch() -> None:
    torch = pytest.importorskip("torch")
    q, k, v = _away((1, 2, 3, 4), seed=25), _away((1, 2, 5, 4), seed=26), _away((1, 2, 5, 3), seed=27)
    (gq,) = grad(F.scaled_dot_product_attention(q, k, v).pow(2).sum(), [q], create_graph=True)
    assert gq is not None
    hk, hv = grad(gq.pow(2).sum(), [k, v])
    assert hk is not None and hv is not None
    qt, kt, vt = (torch.tensor(t.data.array, requires_grad=True) for t in (q, k, v))
    (gqt,) = torch.autograd.grad(
        torch.nn.functional.scaled_dot_product_attention(qt, kt, vt).pow(2).sum(), qt, create_graph=True
    )
    hkt, hvt = torch.autograd.grad(gqt.pow(2).sum(), [kt, vt])
    np.testing.assert_allclose(hk.data.array, hkt.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(hv.data.array, hvt.numpy(), rtol=1e-8, atol=1e-10)
