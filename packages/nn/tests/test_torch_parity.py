"""PyTorch parity: outputs, gradients, state_dict keys and reprs of the same modules with the same weights."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch
RNG = np.random.default_rng(7)


def copy_weights(ours: nn.Module, theirs: Any) -> None:
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: tt.as_tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def close(a: Any, b: Any, tol: float = 1e-9) -> None:
    np.testing.assert_allclose(a.data.numpy(), b.detach().numpy(), rtol=tol, atol=tol)


MODULES: list[tuple[str, Callable[[Any], Any], tuple[int, ...]]] = [
    ("Linear", lambda m: m.Linear(5, 3), (4, 5)),
    ("Bilinear-free Sequential", lambda m: m.Sequential(m.Linear(5, 4), m.Tanh(), m.Linear(4, 2)), (3, 5)),
    ("LSTM", lambda m: m.LSTM(5, 4, num_layers=2, bidirectional=True), (6, 3, 5)),
    ("LSTM-proj", lambda m: m.LSTM(5, 4, proj_size=2, batch_first=True), (3, 6, 5)),
    ("GRU", lambda m: m.GRU(5, 4, num_layers=2), (6, 3, 5)),
    ("RNN", lambda m: m.RNN(5, 4, nonlinearity="relu", bidirectional=True), (6, 3, 5)),
    ("Encoder", lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0), (5, 3, 8)),
    (
        "EncoderPreNorm",
        lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0, norm_first=True, batch_first=True),
        (3, 5, 8),
    ),
    ("PReLU", lambda m: m.PReLU(3), (2, 3, 4)),
]


@pytest.mark.parametrize(("name", "make", "shape"), MODULES, ids=[m[0] for m in MODULES])
def test_module_outputs_gradients_keys(name: str, make: Callable[[Any], Any], shape: tuple[int, ...]) -> None:
    theirs = make(torch.nn).double()
    ours = make(nn).double()
    copy_weights(ours, theirs)
    if not name.startswith("Encoder"):  # LayerNorm's repr belongs to the normalisation layers' own tests
        assert repr(ours) == repr(theirs)
    x = RNG.standard_normal(shape)
    tx = torch.tensor(x, requires_grad=True)
    vx = Variable(tt.as_tensor(x.copy()), requires_grad=True)
    t_out, o_out = theirs(tx), ours(vx)
    t_main = t_out[0] if isinstance(t_out, tuple) else t_out
    o_main = o_out[0] if isinstance(o_out, tuple) else o_out
    close(o_main, t_main)
    w = RNG.standard_normal(tuple(t_main.shape))
    (t_main * torch.tensor(w)).sum().backward()
    (o_main * tt.as_tensor(w)).sum().backward()
    assert vx.grad is not None
    close(vx.grad, tx.grad, 1e-8)
    for (n, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.grad is not None, n
        close(p.grad, tp.grad, 1e-8)


ACTS = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh"]
ACTS += ["Hardtanh", "Hardsigmoid", "Hardswish", "Softplus", "Softsign", "LogSigmoid", "Tanhshrink", "Softshrink"]
ACTS += ["Hardshrink"]


@pytest.mark.parametrize("name", ACTS)
def test_activations(name: str) -> None:
    x = RNG.standard_normal((3, 7)) * 4
    ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
    assert repr(ours) == repr(theirs)
    close(ours(tt.as_tensor(x)), theirs(torch.tensor(x)))
    close(nn.GELU("tanh")(tt.as_tensor(x)), torch.nn.GELU("tanh")(torch.tensor(x)))
    for dim in (0, 1):
        close(nn.Softmax(dim)(tt.as_tensor(x)), torch.nn.Softmax(dim)(torch.tensor(x)))
        close(nn.LogSoftmax(dim)(tt.as_tensor(x)), torch.nn.LogSoftmax(dim)(torch.tensor(x)))


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_losses(reduction: str) -> None:
    x = RNG.standard_normal((4, 5, 3))
    t = RNG.integers(0, 5, (4, 3))
    t[0, 0] = 2
    w = RNG.random(5)
    p = RNG.random((4, 5, 3))
    p /= p.sum(1, keepdims=True)
    T, Q = tt.as_tensor, torch.tensor
    options: list[dict[str, Any]] = [{}, {"label_smoothing": 0.15}, {"ignore_index": 2}]
    for kw in options:
        close(F.cross_entropy(T(x), T(t), T(w), reduction=reduction, **kw),
              torch.nn.functional.cross_entropy(Q(x), Q(t), Q(w), reduction=reduction, **kw))  # fmt: skip
    close(F.cross_entropy(T(x), T(p), T(w), reduction=reduction, label_smoothing=0.1),
          torch.nn.functional.cross_entropy(Q(x), Q(p), Q(w), reduction=reduction, label_smoothing=0.1))  # fmt: skip
    a, b = RNG.standard_normal((4, 6)), RNG.random((4, 6))
    pairs: list[tuple[str, dict[str, Any]]] = [
        ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.4}), ("huber_loss", {"delta": 0.4}),
        ("binary_cross_entropy_with_logits", {"pos_weight": 6}), ("kl_div", {}), ("kl_div", {"log_target": True}),
        ("poisson_nll_loss", {"full": True}), ("soft_margin_loss", {}), ("multilabel_soft_margin_loss", {}),
    ]  # fmt: skip
    for name, kw in pairs:
        if kw.get("pos_weight") is not None:
            pw = RNG.random(6) + 0.5
            kw = {"pos_weight": pw}
        ours = getattr(F, name)(
            T(a), T(b), reduction=reduction, **{k: T(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        )
        theirs = getattr(torch.nn.functional, name)(
            Q(a), Q(b), reduction=reduction, **{k: Q(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        )
        close(ours, theirs)
    s = 1 / (1 + np.exp(-a))
    close(
        F.binary_cross_entropy(T(s), T(b), reduction=reduction),
        torch.nn.functional.binary_cross_entropy(Q(s), Q(b), reduction=reduction),
    )
    var = RNG.random((4, 6)) + 0.1
    close(F.gaussian_nll_loss(T(a), T(b), T(var), full=True, reduction=reduction),
          torch.nn.functional.gaussian_nll_loss(Q(a), Q(b), Q(var), full=True, reduction=reduction))  # fmt: skip
    y = np.array([1, -1, 1, -1])
    c = RNG.standard_normal((4, 6))
    close(F.cosine_embedding_loss(T(a), T(c), T(y), margin=0.2, reduction=reduction),
          torch.nn.functional.cosine_embedding_loss(Q(a), Q(c), Q(y), margin=0.2, reduction=reduction))  # fmt: skip
    close(F.triplet_margin_loss(T(a), T(b), T(c), p=1.5, swap=True, reduction=reduction),
          torch.nn.functional.triplet_margin_loss(Q(a), Q(b), Q(c), p=1.5, swap=True, reduction=reduction))  # fmt: skip
    close(F.hinge_embedding_loss(T(a), T(np.sign(c)), margin=0.5, reduction=reduction),
          torch.nn.functional.hinge_embedding_loss(Q(a), Q(np.sign(c)), margin=0.5, reduction=reduction))  # fmt: skip
    yf, a0, c0 = y.astype(float), a[:, 0], c[:, 0]
    close(F.margin_ranking_loss(T(a0), T(c0), T(yf), margin=0.3, reduction=reduction),
          torch.nn.functional.margin_ranking_loss(Q(a0), Q(c0), Q(yf), margin=0.3, reduction=reduction))  # fmt: skip


def test_functional_utilities() -> None:
    a, b = RNG.standard_normal((4, 6)), RNG.standard_normal((4, 6))
    T, Q = tt.as_tensor, torch.tensor
    close(F.cosine_similarity(T(a), T(b)), torch.nn.functional.cosine_similarity(Q(a), Q(b)))
    close(F.pairwise_distance(T(a), T(b), p=3), torch.nn.functional.pairwise_distance(Q(a), Q(b), p=3))
    close(F.normalize(T(a), p=1, dim=0), torch.nn.functional.normalize(Q(a), p=1, dim=0))
    idx = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(T(idx), 5).numpy(), torch.nn.functional.one_hot(Q(idx), 5).numpy())
    w = RNG.standard_normal((10, 3))
    flat, off = np.array([1, 2, 4, 5, 4, 3]), np.array([0, 2, 2])
    for mode in ("sum", "mean", "max"):
        close(F.embedding_bag(T(flat), T(w), T(off), mode=mode),
              torch.nn.functional.embedding_bag(Q(flat), Q(w), Q(off), mode=mode))  # fmt: skip
    q, k, v = (RNG.standard_normal((2, 2, 4, 3)) for _ in range(3))
    close(F.scaled_dot_product_attention(T(q), T(k), T(v), is_causal=True),
          torch.nn.functional.scaled_dot_product_attention(Q(q), Q(k), Q(v), is_causal=True))  # fmt: skip


def test_multihead_attention_with_masks() -> None:
    theirs = torch.nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=5, vdim=6).double()
    ours = nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=5, vdim=6).double()
    copy_weights(ours, theirs)
    q, k, v = RNG.standard_normal((4, 3, 8)), RNG.standard_normal((7, 3, 5)), RNG.standard_normal((7, 3, 6))
    mask = RNG.random((4, 7)) > 0.7
    kpm = RNG.random((3, 7)) > 0.8
    T, Q = tt.as_tensor, torch.tensor
    to, tw = theirs(Q(q), Q(k), Q(v), attn_mask=Q(mask), key_padding_mask=Q(kpm))
    oo, ow = ours(T(q), T(k), T(v), attn_mask=T(mask), key_padding_mask=T(kpm))
    close(oo, to)
    close(ow, tw)


def test_packed_lstm_matches() -> None:
    theirs = torch.nn.LSTM(4, 5, bidirectional=True).double()
    ours = nn.LSTM(4, 5, bidirectional=True).double()
    copy_weights(ours, theirs)
    x, lengths = RNG.standard_normal((6, 3, 4)), [4, 6, 2]
    tp = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False)
    op = nn.utils.rnn.pack_padded_sequence(tt.as_tensor(x), lengths, enforce_sorted=False)
    close(op.data, tp.data)
    to, (th, tc) = theirs(tp)
    oo, (oh, oc) = ours(op)
    close(oo.data, to.data)
    close(oh, th)
    close(oc, tc)


def test_reprs_of_containers_and_layers() -> None:
    makers: list[Callable[[Any], Any]] = [
        lambda m: m.ModuleList([m.Linear(2, 2) for _ in range(3)] + [m.ReLU()]),
        lambda m: m.Sequential(m.Linear(2, 3), m.Dropout(0.1), m.Embedding(10, 3, padding_idx=0)),
        lambda m: m.EmbeddingBag(10, 3),
        lambda m: m.MultiheadAttention(8, 2),
        lambda m: m.GRUCell(3, 4),
        lambda m: m.RNN(3, 4, num_layers=2, batch_first=True, dropout=0.5),
        lambda m: m.Flatten(),
        lambda m: m.Unflatten(1, (2, 5)),
    ]
    for make in makers:
        assert repr(make(nn)) == repr(make(torch.nn))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_loss(reduction: str) -> None:
    x = RNG.standard_normal((9, 3, 6))
    targets, il, tl = RNG.integers(1, 6, (3, 4)), np.array([9, 7, 8]), np.array([4, 2, 3])
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.ctc_loss(torch.log_softmax(tx, 2), torch.tensor(targets), torch.tensor(il),
                                       torch.tensor(tl), reduction=reduction)  # fmt: skip
    vx = Variable(tt.as_tensor(x), requires_grad=True)
    out = F.ctc_loss(F.log_softmax(vx, 2), tt.as_tensor(targets), il, tl, reduction=reduction)
    close(out, ref)
    ref.sum().backward()
    out.sum().backward()
    assert vx.grad is not None
    close(vx.grad, tx.grad)


def test_gradient_penalty_matches() -> None:
    from taeda.autograd import grad

    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.SiLU(), torch.nn.Linear(8, 3), torch.nn.Softplus())
    theirs = theirs.double()
    ours = nn.Sequential(nn.Linear(4, 8), nn.SiLU(), nn.Linear(8, 3), nn.Softplus()).double()
    copy_weights(ours, theirs)
    x = RNG.standard_normal((5, 4))
    tx = torch.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad(log_softmax_sum(theirs(tx), torch), tx, create_graph=True)
    ((tg * tg).sum(1) - 1).pow(2).mean().backward()
    vx = Variable(tt.as_tensor(x), requires_grad=True)
    (g,) = grad(log_softmax_sum(ours(vx), None), vx, create_graph=True)
    assert g is not None
    (((g * g).sum(1) - 1) ** 2).mean().backward()
    close(g, tg)
    for (n, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        if tp.grad is None:
            assert p.grad is None, n
        else:
            assert p.grad is not None, n
            close(p.grad, tp.grad, 1e-8)


def log_softmax_sum(out: Any, lib: Any) -> Any:
    """log_softmax over classes, summed: exercises LogSoftmax's second derivative too."""
    if lib is None:
        return F.log_softmax(out, 1)[:, 0].sum()
    return torch.log_softmax(out, 1)[:, 0].sum()


def test_maml_style_second_order_cross_entropy() -> None:
    from taeda.autograd import grad

    theirs = torch.nn.Linear(5, 3).double()
    ours = nn.Linear(5, 3).double()
    copy_weights(ours, theirs)
    x, y = RNG.standard_normal((6, 5)), RNG.integers(0, 3, 6)
    tw, tb = theirs.weight, theirs.bias
    t_loss = torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y), label_smoothing=0.1)
    tg = torch.autograd.grad(t_loss, (tw, tb), create_graph=True)
    t_adapted = torch.nn.functional.linear(torch.tensor(x), tw - 0.5 * tg[0], tb - 0.5 * tg[1])
    torch.nn.functional.cross_entropy(t_adapted, torch.tensor(y)).backward()
    loss = F.cross_entropy(ours(tt.as_tensor(x)), tt.as_tensor(y), label_smoothing=0.1)
    gw, gb = grad(loss, (ours.weight, ours.bias), create_graph=True)
    assert gw is not None and gb is not None
    adapted = F.linear(tt.as_tensor(x), ours.weight - gw * 0.5, ours.bias - gb * 0.5)
    F.cross_entropy(adapted, tt.as_tensor(y)).backward()
    assert ours.weight.grad is not None and ours.bias.grad is not None
    close(ours.weight.grad, tw.grad, 1e-8)
    close(ours.bias.grad, tb.grad, 1e-8)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches(norm_first: bool) -> None:
    kw: dict[str, Any] = {"d_model": 8, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 2,
                          "dim_feedforward": 16, "dropout": 0.0, "norm_first": norm_first}  # fmt: skip
    theirs = torch.nn.Transformer(**kw).double()
    ours = nn.Transformer(**kw).double()
    copy_weights(ours, theirs)
    src, tgt = RNG.standard_normal((5, 2, 8)), RNG.standard_normal((4, 2, 8))
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=tt.float64)
    np.testing.assert_array_equal(mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    kpm = np.zeros((2, 5), bool)
    kpm[1, -1] = True
    out = ours(tt.as_tensor(src), tt.as_tensor(tgt), tgt_mask=mask, src_key_padding_mask=tt.as_tensor(kpm),
               memory_key_padding_mask=tt.as_tensor(kpm))  # fmt: skip
    ref = theirs(torch.tensor(src), torch.tensor(tgt), tgt_mask=torch.tensor(mask.numpy()),
                 src_key_padding_mask=torch.tensor(kpm), memory_key_padding_mask=torch.tensor(kpm))  # fmt: skip
    close(out, ref)
