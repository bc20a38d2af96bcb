"""The attention kernel (NumPy, two threads, chunks of matrices) against the composed Variable formula: forward,
every gradient subset, masks, dropout, fully masked rows, chunk edges, non-contiguous inputs and double backward."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradcheck
from taeda.nn.functional import _kern_attention
from taeda.nn.functional._dropout import keep_mask
from taeda.nn.functional._kern_attention import Attention, composed_attention, kernel_applies

RNG = np.random.default_rng(11)


@pytest.fixture(params=[1 << 18, 40])
def chunk(request: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kern_attention, "_CHUNK_SCORES", request.param)  # 40: one matrix per chunk, ragged ends


def _vars(shapes: list[tuple[int, ...]], dtype: Any, needs: tuple[bool, ...]) -> list[Variable]:
    return [
        Variable(tt.from_numpy(RNG.standard_normal(s).astype(dtype)), requires_grad=n) for s, n in zip(shapes, needs)
    ]


def _masked(shape: tuple[int, ...], dtype: Any, dead_row: bool) -> tt.Tensor:
    m = np.where(RNG.random(shape) < 0.3, -np.inf, RNG.standard_normal(shape)).astype(dtype)
    m[..., 0] = 0.5  # every row keeps a key ...
    if dead_row:
        m[..., 1, :] = -np.inf  # ... except row 1: all keys masked
    return tt.from_numpy(m)


def _np(x: Any) -> Any:
    assert x is not None
    return x.numpy()


def _both(q: Variable, k: Variable, v: Variable, add: Any, scale: float, keep: Any) -> tuple[list[Any], list[Any]]:
    """Outputs and input gradients of the kernel and of the composed formula, for one random output gradient."""
    assert kernel_applies(q, k, v, add)
    results = []
    for fn in (Attention.apply, lambda *a: composed_attention(*a)[0]):
        out = fn(q, k, v, add, scale, keep)
        g = tt.from_numpy(np.random.default_rng(3).standard_normal(tuple(out.shape)).astype(out.dtype.name))
        wrt = [t for t in (q, k, v) if t.requires_grad]
        gs = grad([out], wrt, [g])
        results.append([out.data.numpy(), *[_np(x) for x in gs]])
    return results[0], results[1]


SHAPES = [
    ((5, 7), (6, 7), (6, 3)),  # no batch dimension
    ((3, 5, 4), (3, 6, 4), (3, 6, 2)),
    ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 5)),
    ((2, 1, 3, 4, 2), (2, 1, 3, 4, 2), (2, 1, 3, 4, 3)),
]
MASKS = ["none", "rows", "batch", "key_padding", "dead_row"]


@pytest.mark.usefixtures("kernel_threads", "chunk")
@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("shapes", SHAPES, ids=["2d", "3d", "4d", "5d"])
def test_kernel_equals_composed_formula(shapes: Any, mask: str) -> None:
    q, k, v = _vars(list(shapes), np.float64, (True, True, True))
    lq, s = shapes[0][-2], shapes[1][-2]
    batch = shapes[0][:-2]
    add = {
        "none": None,
        "rows": _masked((lq, s), np.float64, False),
        "batch": _masked((*batch, lq, s), np.float64, False),
        "key_padding": _masked((*batch[:1], *[1] * (len(batch) - 1), 1, s), np.float64, False) if batch else None,
        "dead_row": _masked((lq, s), np.float64, True),
    }[mask]
    ours, ref = _both(q, k, v, add, 0.37, None)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    if mask == "dead_row":
        assert np.all(ours[0][..., 1, :] == 0) and np.all(np.isfinite(ours[1]))


@pytest.mark.usefixtures("kernel_threads")
@pytest.mark.parametrize(
    "needs", [(True, False, False), (False, True, False), (False, False, True), (True, False, True)]
)
def test_kernel_gradient_subsets(needs: tuple[bool, ...]) -> None:
    q, k, v = _vars([(2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 5)], np.float64, needs)
    ours, ref = _both(q, k, v, None, 0.5, None)
    assert len(ours) == 1 + sum(needs)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.usefixtures("kernel_threads", "chunk")
def test_kernel_with_dropout_keep_mask() -> None:
    q, k, v = _vars([(2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 5)], np.float64, (True, True, True))
    keep = keep_mask(q.data, (2, 3, 5, 6), 0.4, scale=True)
    kept = keep.numpy()
    assert set(np.unique(kept)) == {0.0, 1 / 0.6} and 0.2 < (kept == 0).mean() < 0.6  # 180 draws at p = 0.4
    ours, ref = _both(q, k, v, _masked((5, 6), np.float64, True), 0.5, keep)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_sdpa_dropout_draws_as_dropout_does() -> None:
    """With the same seed the kernel's dropout keeps the same entries as ``F.dropout`` on the weights."""
    q, k, v = _vars([(2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3)], np.float32, (False, False, False))
    tt.manual_seed(7)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    tt.manual_seed(7)
    w = F.softmax((q * (1 / math.sqrt(3))) @ k.transpose(-2, -1), -1)
    ref = F.dropout(w, 0.5) @ v
    np.testing.assert_allclose(out.data.numpy(), ref.data.numpy(), rtol=1e-5, atol=1e-6)
    zero = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    assert not zero.data.numpy().any()


@pytest.mark.usefixtures("kernel_threads", "chunk")
def test_kernel_gradcheck() -> None:
    q, k, v = _vars([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 2)], np.float64, (True, True, True))
    add = _masked((3, 5), np.float64, True)
    assert gradcheck(lambda q, k, v: Attention.apply(q, k, v, add, 0.6, None), (q, k, v))


def test_non_contiguous_and_float32_inputs() -> None:
    base = [RNG.standard_normal((6, 3, 2, 4)).astype(np.float32) for _ in range(3)]
    q, k, v = (Variable(tt.from_numpy(b).permute(2, 1, 0, 3), requires_grad=True) for b in base)  # (2, 3, 6, 4)
    assert not q.data.is_contiguous()
    ours, ref = _both(q, k, v, None, 0.5, None)
    for a, b in zip(ours, ref):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def test_double_backward_goes_through_the_composed_formula() -> None:
    q, k, v = _vars([(2, 3, 4), (2, 5, 4), (2, 5, 3)], np.float64, (True, True, True))

    def gradient_norm(fn: Any) -> Any:
        out = fn(q, k, v, None, 0.5, None)
        gq, gk = grad([(out * out).sum()], [q, k], create_graph=True)
        assert gq is not None and gk is not None
        second = grad([(gq * gq).sum() + (gk * gk).sum()], [q, k, v])
        return [_np(t) for t in second]

    composed = gradient_norm(lambda *args: composed_attention(*args)[0])
    for ours, ref in zip(gradient_norm(Attention.apply), composed):
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_which_operands_take_the_kernel() -> None:
    q, k, v = _vars([(2, 3, 4), (2, 5, 4), (2, 5, 3)], np.float32, (False, False, False))
    assert kernel_applies(q, k, v, None)
    assert kernel_applies(q, k, v, tt.zeros(1, 3, 5))
    assert not kernel_applies(q, k, v, tt.zeros(3, 5, dtype=tt.float64))  # composed: it promotes
    assert not kernel_applies(q, k, v, tt.zeros(4, 3, 5))  # does not broadcast: composed raises PyTorch's error
    assert not kernel_applies(q, k[:1], v[:1], None)  # batch broadcasting between q and k: composed
    assert not kernel_applies(q.to(tt.float16), k.to(tt.float16), v.to(tt.float16), None)
    hq, hk, hv = (t.to(tt.float16) for t in (q, k, v))
    out = F.scaled_dot_product_attention(hq, hk, hv)  # the composed formula
    assert out.dtype == tt.float16 and tuple(out.shape) == (2, 3, 3)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the NaN rows of the weights path
def test_fully_masked_rows_are_zero_in_sdpa_and_nan_in_mha_weights() -> None:
    """PyTorch 2.13: SDPA (and MultiheadAttention without weights) give 0 for a query whose keys are all masked;
    MultiheadAttention with ``need_weights=True`` runs a plain softmax and gives NaN."""
    q, k, v = _vars([(1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 4)], np.float32, (False, False, False))
    mask = tt.tensor([[True, True, False], [False, False, False], [True, False, False]])
    for x in (q, q.to(tt.float16)):  # the kernel and the composed formula
        out = F.scaled_dot_product_attention(x, k.to(x.dtype), v.to(x.dtype), attn_mask=mask).data.numpy()
        assert np.all(out[..., 1, :] == 0) and np.all(np.isfinite(out))
    mha = nn.MultiheadAttention(4, 2, batch_first=True).eval()
    x = Variable(tt.from_numpy(RNG.standard_normal((2, 3, 4)).astype(np.float32)))
    no_w, _ = mha(x, x, x, attn_mask=~mask, need_weights=False)
    with_w, w = mha(x, x, x, attn_mask=~mask, need_weights=True)
    assert w is not None and np.isnan(w.data.numpy()[:, 1]).all() and np.isnan(with_w.data.numpy()[:, 1]).all()
    np.testing.assert_allclose(no_w.data.numpy()[:, [0, 2]], with_w.data.numpy()[:, [0, 2]], rtol=1e-5, atol=1e-6)
    assert np.isfinite(no_w.data.numpy()).all()


def test_mha_kernel_equals_weights_path_with_key_padding_and_dropout() -> None:
    """MultiheadAttention without weights (the kernel) and with them (composed) agree, masks and dropout included."""
    mha = nn.MultiheadAttention(8, 2, dropout=0.3).double()
    x = Variable(tt.from_numpy(RNG.standard_normal((5, 3, 8))), requires_grad=True)
    kpm = tt.tensor([[False] * 5, [False, False, False, True, True], [False] * 4 + [True]])
    causal = nn.Transformer.generate_square_subsequent_mask(5).to(tt.float64)
    outs = []
    for need in (False, True):
        tt.manual_seed(3)
        out, _ = mha(x, x, x, key_padding_mask=kpm, attn_mask=causal, need_weights=need)
        (g,) = grad([out.sum()], [x])
        outs.append((out.data.numpy(), _np(g)))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_sdpa_torch_parity_with_masks() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity checks need torch installed")
    q, k, v = (RNG.standard_normal(s) for s in [(2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 5)])
    tq_, tk_, tv_ = (tt.from_numpy(a) for a in (q, k, v))
    mask = RNG.random((5, 6)) < 0.7
    mask[2] = False
    for kwargs in ({}, {"is_causal": True}, {"scale": 0.3}):
        ours = F.scaled_dot_product_attention(tq_, tk_, tv_, **kwargs)
        theirs = torch.nn.functional.scaled_dot_product_attention(*(torch.from_numpy(a) for a in (q, k, v)), **kwargs)
        np.testing.assert_allclose(ours.data.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)
    tq = [torch.from_numpy(a).requires_grad_() for a in (q, k, v)]
    oq = [Variable(tt.from_numpy(a), requires_grad=True) for a in (q, k, v)]
    theirs = torch.nn.functional.scaled_dot_product_attention(*tq, attn_mask=torch.from_numpy(mask))
    ours = F.scaled_dot_product_attention(oq[0], oq[1], oq[2], attn_mask=tt.from_numpy(mask))
    np.testing.assert_allclose(ours.data.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    theirs.sum().backward()
    ours.sum().backward()
    for a, b in zip(oq, tq):
        assert a.grad is not None and b.grad is not None
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("lq", "s", "e"), [(0, 3, 4), (3, 0, 4), (3, 3, 0), (0, 0, 4)])
@pytest.mark.parametrize("dtype", [tt.float32, tt.float16])  # the kernel and the composed formula
def test_empty_queries_keys_and_widths(lq: int, s: int, e: int, dtype: Any) -> None:
    """As PyTorch: no queries, an empty output; no keys, a zero output; zero width, uniform weights."""
    q = Variable(tt.ones(2, lq, e, dtype=dtype), requires_grad=True)
    k = Variable(tt.ones(2, s, e, dtype=dtype), requires_grad=True)
    v = Variable(tt.arange(2 * s * 5, dtype=dtype).reshape(2, s, 5), requires_grad=True)
    out = F.scaled_dot_product_attention(q, k, v)
    assert tuple(out.shape) == (2, lq, 5) and out.dtype == dtype
    ref = np.zeros((2, lq, 5)) if s == 0 else np.broadcast_to(v.data.numpy().mean(1, keepdims=True), (2, lq, 5))
    np.testing.assert_allclose(out.data.numpy().astype(np.float64), ref, rtol=1e-3)
    out.sum().backward()
    for t in (q, k, v):
        assert t.grad is not None and tuple(t.grad.shape) == tuple(t.shape)
        assert np.isfinite(t.grad.numpy()).all()
