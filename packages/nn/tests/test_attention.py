"""scaled_dot_product_attention, MultiheadAttention, TransformerEncoder(Layer)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck

RNG = np.random.default_rng(4)


def softmax(x: np.ndarray) -> Any:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def sdpa_ref(q: np.ndarray, k: np.ndarray, v: np.ndarray, add: np.ndarray | None = None) -> Any:
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if add is not None:
        s = s + add
    return softmax(s) @ v


def test_sdpa_matches_numpy_with_masks() -> None:
    q, k, v = RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal((2, 3, 6, 5)), RNG.standard_normal((2, 3, 6, 2))
    out = F.scaled_dot_product_attention(tt.as_tensor(q), tt.as_tensor(k), tt.as_tensor(v))
    np.testing.assert_allclose(out.data.numpy(), sdpa_ref(q, k, v), rtol=1e-10)
    keep = RNG.random((4, 6)) > 0.4
    keep[:, 0] = True
    out = F.scaled_dot_product_attention(
        tt.as_tensor(q), tt.as_tensor(k), tt.as_tensor(v), attn_mask=tt.as_tensor(keep)
    )
    np.testing.assert_allclose(out.data.numpy(), sdpa_ref(q, k, v, np.where(keep, 0, -np.inf)), rtol=1e-10)
    add = RNG.standard_normal((4, 6))
    out = F.scaled_dot_product_attention(tt.as_tensor(q), tt.as_tensor(k), tt.as_tensor(v), attn_mask=tt.as_tensor(add))
    np.testing.assert_allclose(out.data.numpy(), sdpa_ref(q, k, v, add), rtol=1e-10)
    qs = q[:, :, :4]
    ks, vs = k[:, :, :4], v[:, :, :4]
    causal = np.where(np.tril(np.ones((4, 4), bool)), 0, -np.inf)
    out = F.scaled_dot_product_attention(tt.as_tensor(qs), tt.as_tensor(ks), tt.as_tensor(vs), is_causal=True)
    np.testing.assert_allclose(out.data.numpy(), sdpa_ref(qs, ks, vs, causal), rtol=1e-10)
    out = F.scaled_dot_product_attention(tt.as_tensor(q), tt.as_tensor(k), tt.as_tensor(v), scale=0.3)
    np.testing.assert_allclose(out.data.numpy(), sdpa_ref(q * 0.3 * math.sqrt(5), k, v), rtol=1e-10)
    with pytest.raises(RuntimeError, match="attn_mask"):
        F.scaled_dot_product_attention(
            tt.as_tensor(qs), tt.as_tensor(ks), tt.as_tensor(vs), attn_mask=tt.ones(4, 4), is_causal=True
        )


def test_sdpa_gradcheck() -> None:
    q, k, v = (Variable(tt.as_tensor(RNG.standard_normal((2, 3, 4))), requires_grad=True) for _ in range(3))
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True), (q, k, v))


def split(a: Any) -> Any:
    return a.reshape(5, 3, 2, 4).transpose(1, 2, 0, 3)


def test_multihead_attention_against_manual_computation() -> None:
    mha = nn.MultiheadAttention(8, 2).double()
    assert list(mha.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    proj = "NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)"
    assert repr(mha) == f"MultiheadAttention(\n  (out_proj): {proj}\n)"
    p = {k: v.numpy() for k, v in mha.state_dict().items()}
    assert np.all(p["in_proj_bias"] == 0) and np.all(p["out_proj.bias"] == 0)
    x = RNG.standard_normal((5, 3, 8))  # (L, N, E)
    pad = np.zeros((3, 5), bool)
    pad[1, -2:] = True
    out, w = mha(tt.as_tensor(x), tt.as_tensor(x), tt.as_tensor(x), key_padding_mask=tt.as_tensor(pad))
    wq, wk, wv = np.split(p["in_proj_weight"], 3)
    q, k, v = x @ wq.T, x @ wk.T, x @ wv.T
    add = np.where(pad, -np.inf, 0)[:, None, None, :]
    att = softmax(split(q) @ np.swapaxes(split(k), -1, -2) / 2 + add)
    o = (att @ split(v)).transpose(2, 0, 1, 3).reshape(5, 3, 8) @ p["out_proj.weight"].T
    np.testing.assert_allclose(out.data.numpy(), o, rtol=1e-10, atol=1e-12)
    assert w is not None
    np.testing.assert_allclose(w.data.numpy(), att.mean(1), rtol=1e-10)
    bf = nn.MultiheadAttention(8, 2, batch_first=True).double()
    bf.load_state_dict(mha.state_dict())
    out_bf, _ = bf(*(tt.as_tensor(x.transpose(1, 0, 2).copy()),) * 3, key_padding_mask=tt.as_tensor(pad))
    np.testing.assert_allclose(out_bf.data.numpy(), o.transpose(1, 0, 2), rtol=1e-10, atol=1e-12)


def test_multihead_attention_variants_and_gradients() -> None:
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True).double()
    assert list(mha.state_dict()) == [
        "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v",
        "out_proj.weight", "out_proj.bias",
    ]  # fmt: skip
    q = Variable(tt.as_tensor(RNG.standard_normal((2, 1, 4))), requires_grad=True)
    k = Variable(tt.as_tensor(RNG.standard_normal((3, 1, 3))), requires_grad=True)
    v = Variable(tt.as_tensor(RNG.standard_normal((3, 1, 5))), requires_grad=True)
    out, w = mha(q, k, v, average_attn_weights=False)
    assert tuple(out.shape) == (2, 1, 4) and w is not None and tuple(w.shape) == (1, 2, 2, 5)
    assert gradcheck(lambda a, b, c: mha(a, b, c)[0], (q, k, v))
    unb, wu = nn.MultiheadAttention(4, 1)(tt.randn(3, 4), tt.randn(3, 4), tt.randn(3, 4))
    assert tuple(unb.shape) == (3, 4) and wu is not None and tuple(wu.shape) == (3, 3)


def test_transformer_encoder_trains() -> None:
    tt.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8))
    keys = list(enc.state_dict())
    assert keys[0] == "layers.0.self_attn.in_proj_weight" and keys[-1] == "norm.bias"
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    x = tt.randn(2, 5, 8)
    mask = tt.as_tensor(np.triu(np.ones((5, 5), bool), 1))
    head = nn.Linear(8, 1)
    params = list(enc.parameters()) + list(head.parameters())
    losses = []
    for _ in range(10):
        for prm in params:
            prm.grad = None
        loss = (head(enc(x, mask=mask)) ** 2).mean()
        loss.backward()
        for prm in params:
            assert prm.grad is not None
            prm.data.sub_(prm.grad.data * 0.05)
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    enc.eval()
    pre = nn.TransformerEncoderLayer(8, 2, 16, norm_first=True, activation="gelu").eval()
    assert tuple(pre(tt.randn(5, 2, 8)).shape) == (5, 2, 8)


def test_transformer_decoder_and_full_model() -> None:
    tt.manual_seed(5)
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=16)
    keys = list(model.state_dict())
    assert keys[0] == "encoder.layers.0.self_attn.in_proj_weight"
    assert "decoder.layers.1.multihead_attn.out_proj.weight" in keys and keys[-1] == "decoder.norm.bias"
    src, tgt = tt.randn(6, 3, 8), tt.randn(4, 3, 8)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    out = model(src, tgt, tgt_mask=mask)
    assert tuple(out.shape) == (4, 3, 8)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    # causality: the first target position does not depend on later ones
    model.eval()
    a = model(src, tgt, tgt_mask=mask).data.numpy()
    tgt2 = tgt.clone()
    tgt2[3] = 0.0
    b = model(src, tgt2, tgt_mask=mask).data.numpy()
    np.testing.assert_allclose(a[:3], b[:3], rtol=1e-5, atol=1e-6)
    assert not np.allclose(a[3], b[3])
    layer = nn.TransformerDecoderLayer(8, 2, 16, batch_first=True, norm_first=True)
    assert tuple(nn.TransformerDecoder(layer, 2)(tt.randn(3, 4, 8), tt.randn(3, 6, 8)).shape) == (3, 4, 8)
