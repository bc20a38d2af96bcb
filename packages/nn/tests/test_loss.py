"""Losses: forward against NumPy references for every reduction, gradcheck, stability and bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck

RNG = np.random.default_rng(2)
REDUCTIONS = ["none", "mean", "sum"]


def T(a: Any) -> tt.Tensor:
    return tt.as_tensor(np.asarray(a))


def V(a: np.ndarray) -> Variable:
    return Variable(tt.as_tensor(a.copy()), requires_grad=True)


def red(x: np.ndarray, reduction: str) -> Any:
    return {"none": x, "mean": np.mean(x), "sum": np.sum(x)}[reduction]


def log_softmax(x: np.ndarray, axis: int = 1) -> Any:
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def ce_ref(x: np.ndarray, t: np.ndarray, w: np.ndarray | None, ignore: int, reduction: str, eps: float) -> Any:
    """Cross-entropy straight from PyTorch's documented formula (class indices, K-dim)."""
    c = x.shape[1]
    lp = np.moveaxis(log_softmax(x, 1), 1, -1).reshape(-1, c)
    tf = t.reshape(-1)
    wv = np.ones(c) if w is None else w
    valid = tf != ignore
    tc = np.where(valid, tf, 0)
    wt = wv[tc] * valid
    nll = -wt * lp[np.arange(len(tf)), tc]
    smooth = -(lp * wv).sum(1) * valid
    loss = (1 - eps) * nll + eps / c * smooth
    if reduction == "none":
        return loss.reshape(t.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wt.sum()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (2, 3, 2, 2)])
def test_cross_entropy_class_indices(reduction: str, weighted: bool, eps: float, shape: tuple[int, ...]) -> None:
    x = RNG.standard_normal(shape)
    t = RNG.integers(0, 3, (shape[0], *shape[2:]))
    t.reshape(-1)[0] = -100
    w = np.array([0.3, 1.0, 2.0]) if weighted else None
    out = F.cross_entropy(T(x), T(t), None if w is None else T(w), reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(out.data.numpy(), ce_ref(x, t, w, -100, reduction, eps), rtol=1e-10)
    wt = None if w is None else T(w)
    assert gradcheck(lambda a: F.cross_entropy(a, T(t), wt, reduction=reduction, label_smoothing=eps), (V(x),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(reduction: str) -> None:
    x = RNG.standard_normal((4, 3, 2))
    p = RNG.random((4, 3, 2))
    p /= p.sum(1, keepdims=True)
    w = np.array([0.5, 1.0, 1.5])
    q = (p * 0.9 + 0.1 / 3) * w[None, :, None]
    loss = -(log_softmax(x) * q).sum(1)
    ref = {"none": loss, "sum": loss.sum(), "mean": loss.sum() / 8}[reduction]
    out = F.cross_entropy(T(x), T(p), T(w), reduction=reduction, label_smoothing=0.1)
    np.testing.assert_allclose(out.data.numpy(), ref, rtol=1e-10)
    fn = lambda a, b: F.cross_entropy(a, b, T(w), reduction=reduction, label_smoothing=0.1)  # noqa: E731
    assert gradcheck(fn, (V(x), V(p)))


def test_cross_entropy_unbatched_and_stability() -> None:
    x = RNG.standard_normal(5)
    out = F.cross_entropy(T(x), T(np.int64(2)))
    np.testing.assert_allclose(out.data.numpy(), -log_softmax(x[None])[0, 2])
    big = Variable(tt.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]]), requires_grad=True)
    loss = F.cross_entropy(big, T(np.array([1, 0])))
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx((2e4 + 2e4) / 2, rel=1e-4)
    loss.backward()
    assert big.grad is not None and np.all(np.isfinite(big.grad.data.numpy()))
    bce = F.binary_cross_entropy_with_logits(big, tt.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]))
    assert np.isfinite(bce.item())


def test_cross_entropy_errors() -> None:
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.cross_entropy(tt.randn(2, 3), T(np.array([0, 5])))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target batch_size \(3\)"):
        F.cross_entropy(tt.randn(2, 3), T(np.array([0, 1, 2])))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.cross_entropy(tt.randn(2, 3), T(np.array([0, 1])), reduction="avg")
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(tt.randn(2, 3), T(np.array([0, 1])), weight=tt.ones(4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction: str) -> None:
    x = log_softmax(RNG.standard_normal((5, 4)))
    t = np.array([0, 3, -100, 1, 3])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    tc = np.where(t == -100, 0, t)
    wt = w[tc] * (t != -100)
    loss = -wt * x[np.arange(5), tc]
    ref = {"none": loss, "sum": loss.sum(), "mean": loss.sum() / wt.sum()}[reduction]
    np.testing.assert_allclose(F.nll_loss(T(x), T(t), T(w), reduction=reduction).data.numpy(), ref)
    assert gradcheck(lambda a: F.nll_loss(a, T(t), T(w), reduction=reduction), (V(x),))


def _pair() -> tuple[np.ndarray, np.ndarray]:
    return RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))


POINTWISE: list[tuple[str, Callable[..., Any], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = [
    ("mse", F.mse_loss, lambda x, y: (x - y) ** 2),
    ("l1", F.l1_loss, lambda x, y: np.abs(x - y)),
    (
        "smooth_l1",
        lambda x, y, reduction: F.smooth_l1_loss(x, y, reduction=reduction, beta=0.5),
        lambda x, y: np.where(np.abs(x - y) < 0.5, 0.5 * (x - y) ** 2 / 0.5, np.abs(x - y) - 0.25),
    ),
    (
        "huber",
        lambda x, y, reduction: F.huber_loss(x, y, reduction=reduction, delta=0.7),
        lambda x, y: np.where(np.abs(x - y) < 0.7, 0.5 * (x - y) ** 2, 0.7 * (np.abs(x - y) - 0.35)),
    ),
    (
        "kl_div",
        lambda x, y, reduction: F.kl_div(x, y.abs(), reduction=reduction),
        lambda x, y: np.abs(y) * (np.log(np.abs(y)) - x),
    ),
    (
        "kl_div_log_target",
        lambda x, y, reduction: F.kl_div(x, y, reduction=reduction, log_target=True),
        lambda x, y: np.exp(y) * (y - x),
    ),
    (
        "bce_with_logits",
        lambda x, y, reduction: F.binary_cross_entropy_with_logits(x, y.abs() / 3, reduction=reduction),
        lambda x, y: (
            -(np.abs(y) / 3 * np.log(1 / (1 + np.exp(-x))) + (1 - np.abs(y) / 3) * np.log(1 - 1 / (1 + np.exp(-x))))
        ),
    ),
    (
        "soft_margin",
        lambda x, y, reduction: F.soft_margin_loss(x, y.sign(), reduction=reduction),
        lambda x, y: np.log1p(np.exp(-np.sign(y) * x)),
    ),
    (
        "poisson_nll",
        lambda x, y, reduction: F.poisson_nll_loss(x, y.abs(), reduction=reduction),
        lambda x, y: np.exp(x) - np.abs(y) * x,
    ),
    (
        "poisson_nll_linear",
        lambda x, y, reduction: F.poisson_nll_loss(x.abs() + 0.5, y.abs(), log_input=False, reduction=reduction),
        lambda x, y: np.abs(x) + 0.5 - np.abs(y) * np.log(np.abs(x) + 0.5 + 1e-8),
    ),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "fn", "ref"), POINTWISE, ids=[p[0] for p in POINTWISE])
def test_pointwise_losses(name: str, fn: Callable[..., Any], ref: Callable[..., np.ndarray], reduction: str) -> None:
    x, y = _pair()
    out = fn(T(x), T(y), reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), red(ref(x, y), reduction), rtol=1e-9, atol=1e-12)
    assert gradcheck(lambda a, b: fn(a, b, reduction=reduction), (V(x), V(y)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_and_pos_weight(reduction: str) -> None:
    p = RNG.uniform(0.05, 0.95, (3, 4))
    y = RNG.random((3, 4))
    w = RNG.random((3, 4))
    ref = -w * (y * np.log(p) + (1 - y) * np.log(1 - p))
    out = F.binary_cross_entropy(T(p), T(y), T(w), reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), red(ref, reduction), rtol=1e-10)
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, T(w), reduction=reduction), (V(p), V(y)))
    x = RNG.standard_normal((3, 4))
    pw = np.array([1.0, 2.0, 0.5, 3.0])
    s = 1 / (1 + np.exp(-x))
    ref2 = -(pw * y * np.log(s) + (1 - y) * np.log(1 - s))
    out2 = F.binary_cross_entropy_with_logits(T(x), T(y), pos_weight=T(pw), reduction=reduction)
    np.testing.assert_allclose(out2.data.numpy(), red(ref2, reduction), rtol=1e-9)
    fn = lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c, reduction=reduction)  # noqa: E731
    assert gradcheck(fn, (V(x), V(y), V(pw)))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(tt.tensor([1.5]), tt.tensor([1.0]))
    edge = F.binary_cross_entropy(tt.tensor([0.0, 1.0]), tt.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(edge.data.numpy(), [100.0, 100.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_and_embedding_losses(reduction: str) -> None:
    x1, x2 = _pair()
    y = np.array([1, -1, 1])
    cos = (x1 * x2).sum(1) / np.sqrt(((x1**2).sum(1) + 1e-12) * ((x2**2).sum(1) + 1e-12))
    ref = np.where(y == 1, 1 - cos, np.maximum(cos - 0.1, 0))
    out = F.cosine_embedding_loss(T(x1), T(x2), T(y), margin=0.1, reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), red(ref, reduction), rtol=1e-10)
    yy = np.array([1.0, -1.0, 1.0])
    a, b = x1[:, 0].copy(), x2[:, 0].copy()
    ref = np.maximum(-yy * (a - b) + 0.2, 0)
    out = F.margin_ranking_loss(T(a), T(b), T(yy), margin=0.2, reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), red(ref, reduction))
    yh = np.where(RNG.random((3, 4)) > 0.5, 1, -1)
    ref = np.where(yh == 1, x1, np.maximum(0, 1.0 - x1))
    out = F.hinge_embedding_loss(T(x1), T(yh), reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), red(ref, reduction))
    n = RNG.standard_normal((3, 4))
    dp = np.linalg.norm(x1 - x2 + 1e-6, axis=1)
    dn = np.linalg.norm(x1 - n + 1e-6, axis=1)
    ref = np.maximum(dp - dn + 1.0, 0)
    out = F.triplet_margin_loss(T(x1), T(x2), T(n), reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), red(ref, reduction), rtol=1e-10)
    t = (RNG.random((3, 4)) > 0.5).astype(float)
    ls = -np.logaddexp(0, -x1)
    lsn = -np.logaddexp(0, x1)
    ref = (-(t * ls + (1 - t) * lsn)).mean(1)
    out = F.multilabel_soft_margin_loss(T(x1), T(t), reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), red(ref, reduction), rtol=1e-10)
    assert gradcheck(lambda p, q: F.cosine_embedding_loss(p, q, T(y), reduction=reduction), (V(x1), V(x2)))
    assert gradcheck(
        lambda p, q, r: F.triplet_margin_loss(p, q, r, swap=True, reduction=reduction), (V(x1), V(x2), V(n))
    )
    assert gradcheck(lambda p: F.hinge_embedding_loss(p, T(yh), reduction=reduction), (V(x1),))
    assert gradcheck(lambda p: F.multilabel_soft_margin_loss(p, T(t), reduction=reduction), (V(x1),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll(reduction: str) -> None:
    x, y = _pair()
    var = RNG.random((3, 4)) + 0.1
    ref = 0.5 * (np.log(var) + (x - y) ** 2 / var)
    out = F.gaussian_nll_loss(T(x), T(y), T(var), reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), red(ref, reduction), rtol=1e-10)
    assert gradcheck(lambda a, v: F.gaussian_nll_loss(a, T(y), v, reduction=reduction), (V(x), V(var)))
    full = F.gaussian_nll_loss(T(x), T(y), T(var[:, :1]), full=True, reduction="none")
    ref_full = 0.5 * (np.log(var[:, :1]) + (x - y) ** 2 / var[:, :1]) + 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(full.data.numpy(), ref_full, rtol=1e-10)
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(T(x), T(y), T(-var))


def test_kl_div_batchmean_and_modules() -> None:
    x = log_softmax(RNG.standard_normal((4, 3)))
    p = np.exp(log_softmax(RNG.standard_normal((4, 3))))
    out = nn.KLDivLoss(reduction="batchmean")(T(x), T(p))
    np.testing.assert_allclose(out.data.numpy(), (p * (np.log(p) - x)).sum() / 4)
    ce = nn.CrossEntropyLoss(weight=tt.ones(3), ignore_index=1, label_smoothing=0.05)
    assert list(ce.state_dict()) == ["weight"] and repr(ce) == "CrossEntropyLoss()"
    assert ce.reduction == "mean"
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.L1Loss(reduce=False).reduction == "none"
    y = T(np.array([0, 1, 2, 0]))
    np.testing.assert_allclose(ce(T(x), y).data.numpy(), ce_ref(x, y.numpy(), np.ones(3), 1, "mean", 0.05))
    bce = nn.BCEWithLogitsLoss(pos_weight=tt.ones(3))
    assert list(bce.state_dict()) == ["pos_weight"]
    for m, args in [
        (nn.MSELoss(), (T(x), T(p))),
        (nn.L1Loss(), (T(x), T(p))),
        (nn.SmoothL1Loss(beta=0.3), (T(x), T(p))),
        (nn.HuberLoss(delta=0.3), (T(x), T(p))),
        (nn.NLLLoss(), (T(x), y)),
        (nn.BCELoss(), (T(p), T(p))),
        (bce, (T(x), T(p))),
        (nn.PoissonNLLLoss(), (T(x), T(p))),
        (nn.GaussianNLLLoss(), (T(x), T(p), T(p))),
        (nn.CosineEmbeddingLoss(), (T(x), T(p), T(np.array([1, -1, 1, 1])))),
        (nn.MarginRankingLoss(), (T(x[:, 0]), T(p[:, 0]), T(np.array([1.0, -1.0, 1.0, 1.0])))),
        (nn.HingeEmbeddingLoss(), (T(x), T(np.ones((4, 3))))),
        (nn.SoftMarginLoss(), (T(x), T(np.ones((4, 3))))),
        (nn.TripletMarginLoss(), (T(x), T(p), T(p))),
        (nn.MultiLabelSoftMarginLoss(), (T(x), T(p))),
    ]:
        assert tuple(m(*args).shape) == ()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_and_nll_second_derivatives(reduction: str) -> None:
    from taeda.autograd import gradgradcheck

    x = RNG.standard_normal((3, 4, 2))
    t = RNG.integers(0, 4, (3, 2))
    t[0, 0] = -100
    w = T(np.array([0.5, 1.0, 2.0, 1.5]))
    fn = lambda a: F.cross_entropy(a, T(t), w, reduction=reduction, label_smoothing=0.1)  # noqa: E731
    assert gradgradcheck(fn, (V(x),))
    p = RNG.random((3, 4))
    p /= p.sum(1, keepdims=True)
    assert gradgradcheck(lambda a, b: F.cross_entropy(a, b, reduction=reduction), (V(x[..., 0]), V(p)))
    lp = log_softmax(x)
    assert gradgradcheck(lambda a: F.nll_loss(a, T(t), w, reduction=reduction), (V(lp),))
