"""Double backward (create_graph=True) through every loss of taeda.nn.functional."""

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


def _var(a: Any, req: bool = True) -> Variable:
    return Variable(tt.as_tensor(np.asarray(a, dtype=np.float64)), requires_grad=req)


def _randn(*shape: int, seed: int = 0, req: bool = True) -> Variable:
    return _var(np.random.default_rng(seed).standard_normal(shape), req)


def _probs(*shape: int, seed: int = 0, req: bool = True) -> Variable:
    a = np.random.default_rng(seed).random(shape) + 0.1
    return _var(a / a.sum(axis=1, keepdims=True), req)


def _labels(*shape: int, c: int, seed: int = 0) -> tt.Tensor:
    return tt.as_tensor(np.random.default_rng(seed).integers(0, c, shape))


REDUCTIONS = ["mean", "sum", "none"]
W4 = tt.as_tensor(np.array([0.5, 1.0, 2.0, 0.3]))


CE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("plain", {}),
    ("weight", {"weight": W4}),
    ("ignore", {"ignore_index": 1}),
    ("smooth", {"label_smoothing": 0.2}),
    ("weight_smooth_ignore", {"weight": W4, "label_smoothing": 0.1, "ignore_index": 2}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "kw"), CE_CASES, ids=[c[0] for c in CE_CASES])
def test_cross_entropy_indices_gradgrad(reduction: str, name: str, kw: dict[str, Any]) -> None:
    x = _randn(5, 4, seed=1)
    t = _labels(5, c=4, seed=2)
    _check(lambda v: F.cross_entropy(v, t, reduction=reduction, **kw), (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "kw"), CE_CASES, ids=[c[0] for c in CE_CASES])
def test_cross_entropy_kdim_gradgrad(reduction: str, name: str, kw: dict[str, Any]) -> None:
    x = _randn(2, 4, 3, 2, seed=3)
    t = _labels(2, 3, 2, c=4, seed=4)
    _check(lambda v: F.cross_entropy(v, t, reduction=reduction, **kw), (x,))


def test_cross_entropy_unbatched_gradgrad() -> None:
    x = _randn(4, seed=5)
    t = tt.as_tensor(np.array(2))
    _check(lambda v: F.cross_entropy(v, t), (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"weight": W4}, {"label_smoothing": 0.15}, {"weight": W4, "label_smoothing": 0.3}])
@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 3)])
def test_cross_entropy_probabilities_gradgrad(reduction: str, kw: dict[str, Any], shape: tuple[int, ...]) -> None:
    x = _randn(*shape, seed=6)
    q = _probs(*shape, seed=7)
    _check(lambda v, p: F.cross_entropy(v, p, reduction=reduction, **kw), (x, q))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"weight": W4}, {"ignore_index": 0}, {"weight": W4, "ignore_index": 3}])
@pytest.mark.parametrize("kdim", [False, True])
def test_nll_loss_gradgrad(reduction: str, kw: dict[str, Any], kdim: bool) -> None:
    x = _randn(2, 4, 3, seed=8) if kdim else _randn(5, 4, seed=8)
    t = _labels(2, 3, c=4, seed=9) if kdim else _labels(5, c=4, seed=9)
    # nll is linear in its input: compose with log_softmax so the second derivative is not trivially zero
    _check(lambda v: F.nll_loss(F.log_softmax(v, 1), t, reduction=reduction, **kw), (x,))
    _check(lambda v: F.nll_loss(v, t, reduction=reduction, **kw).pow(2).sum(), (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_gradgrad(reduction: str) -> None:
    x = _var(np.random.default_rng(10).random((3, 4)) * 0.8 + 0.1)
    t = _var(np.random.default_rng(11).random((3, 4)))
    w = tt.as_tensor(np.random.default_rng(12).random((3, 4)) + 0.5)
    _check(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), (x, t))
    _check(lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction), (x, t))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos", [False, True])
def test_bce_with_logits_gradgrad(reduction: str, pos: bool) -> None:
    x = _randn(3, 4, seed=13)
    t = _var(np.random.default_rng(14).random((3, 4)))
    if pos:
        pw = _var(np.array([0.5, 2.0, 1.0, 3.0]))
        _check(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c, reduction=reduction), (x, t, pw))
    else:
        _check(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction), (x, t))


def test_constant_targets_gradgrad() -> None:
    # targets and pos_weight as plain Tensors (no gradient wanted): only the input is differentiated
    x = _randn(3, 4, seed=40)
    y = tt.as_tensor(np.random.default_rng(41).random((3, 4)))
    pw = tt.as_tensor(np.array([0.5, 2.0, 1.0, 3.0]))
    _check(lambda a: F.binary_cross_entropy_with_logits(a, y, pos_weight=pw), (x,))
    _check(lambda a: F.binary_cross_entropy_with_logits(a, y), (x,))
    _check(lambda a: F.binary_cross_entropy(a.sigmoid(), y), (x,))
    q = _probs(3, 4, seed=42, req=False).data
    _check(lambda a: F.cross_entropy(a, q, label_smoothing=0.1), (x,))
    # only the target differentiated
    xt = _randn(3, 4, seed=43, req=False).data
    _check(lambda b: F.cross_entropy(xt, b, weight=W4), (_probs(3, 4, seed=44),))
    _check(lambda b: F.binary_cross_entropy_with_logits(xt, b, pos_weight=pw), (_var(y.array),))


def _away(shape: tuple[int, ...], seed: int, kinks: tuple[float, ...] = ()) -> Variable:
    a = np.random.default_rng(seed).standard_normal(shape) * 1.5
    for k in kinks:
        a = np.where(np.abs(a - k) < 0.05, k + 0.1, a)
    return _var(a)


T_PM = tt.as_tensor(np.array([1.0, -1.0, 1.0]))

PAIRWISE: list[tuple[str, Callable[..., Variable]]] = [
    ("mse", lambda a, b, r: F.mse_loss(a, b, reduction=r)),
    ("l1", lambda a, b, r: F.l1_loss(a, b, reduction=r)),
    ("smooth_l1", lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.7)),
    ("huber", lambda a, b, r: F.huber_loss(a, b, reduction=r, delta=0.8)),
    ("kl_div", lambda a, b, r: F.kl_div(a, b.abs() + 0.1, reduction=r)),
    ("kl_div_log_target", lambda a, b, r: F.kl_div(a, b, reduction=r, log_target=True)),
    ("poisson_log", lambda a, b, r: F.poisson_nll_loss(a, b.abs(), reduction=r)),
    ("poisson", lambda a, b, r: F.poisson_nll_loss(a.abs() + 0.5, b.abs(), log_input=False, reduction=r)),
    ("poisson_full", lambda a, b, r: F.poisson_nll_loss(a, b.abs() + 0.5, full=True, reduction=r)),
    ("gaussian_nll", lambda a, b, r: F.gaussian_nll_loss(a, b, a * a + 0.5, reduction=r)),
    ("gaussian_nll_full", lambda a, b, r: F.gaussian_nll_loss(a, b, b.abs() + 0.3, full=True, reduction=r)),
    ("soft_margin", lambda a, b, r: F.soft_margin_loss(a * b, T_PM.reshape(3, 1) * tt.ones(3, 4), reduction=r)),
    ("multilabel_soft_margin", lambda a, b, r: F.multilabel_soft_margin_loss(a, b.sigmoid(), reduction=r)),
    ("cosine_embedding", lambda a, b, r: F.cosine_embedding_loss(a, b, T_PM, margin=-0.5, reduction=r)),
    ("margin_ranking", lambda a, b, r: F.margin_ranking_loss(a[:, 0] * b[:, 1], b[:, 0], T_PM, 0.3, reduction=r)),
    ("hinge_embedding", lambda a, b, r: F.hinge_embedding_loss(a * b, T_PM.reshape(3, 1), margin=2.0, reduction=r)),
    ("triplet", lambda a, b, r: F.triplet_margin_loss(a, b, b * 0.3 + 1, margin=5.0, reduction=r)),
    ("triplet_swap_p1", lambda a, b, r: F.triplet_margin_loss(a, b, a * b, margin=9.0, p=1, swap=True, reduction=r)),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "fn"), PAIRWISE, ids=[p[0] for p in PAIRWISE])
def test_composite_losses_gradgrad(reduction: str, name: str, fn: Callable[..., Variable]) -> None:
    a, b = _away((3, 4), 15), _away((3, 4), 16)
    out = fn(a, b, reduction)  # keep away from the kinks of |d|, clamp and the smooth_l1 / huber switch
    assert out.requires_grad
    _check(lambda x, y: fn(x, y, reduction).pow(2) if reduction != "none" else fn(x, y, reduction), (a, b))


def test_ctc_loss_double_backward_raises_as_torch() -> None:
    # PyTorch's ctc_loss backward is not differentiable: its gradient has a grad_fn that raises when used
    x = _randn(5, 2, 4, seed=17)
    targets = tt.as_tensor(np.array([[1, 2], [3, 1]]))
    loss = F.ctc_loss(F.log_softmax(x, 2), targets, tt.as_tensor(np.array([5, 4])), tt.as_tensor(np.array([2, 2])))
    (g,) = grad(loss, [x], create_graph=True)
    assert g is not None and g.requires_grad
    (plain,) = grad(
        F.ctc_loss(F.log_softmax(x, 2), targets, tt.as_tensor(np.array([5, 4])), tt.as_tensor(np.array([2, 2]))),
        [x],
    )
    assert plain is not None
    np.testing.assert_allclose(g.data.array, plain.data.array, rtol=1e-12, atol=1e-14)
    with pytest.raises(RuntimeError, match="ctc_loss"):
        (g * g).sum().backward()


def _torch_case(name: str, torch: Any) -> tuple[Callable[..., Any], Callable[..., Any], list[np.ndarray]]:
    """(taeda loss, torch loss, input arrays) for the second-order parity test."""
    tf = torch.nn.functional
    rng = np.random.default_rng(30)
    x = rng.standard_normal((2, 4, 3))
    t = rng.integers(0, 4, (2, 3))
    w = np.array([0.5, 1.0, 2.0, 0.3])
    p = rng.random((2, 4, 3)) + 0.1
    p /= p.sum(axis=1, keepdims=True)
    y = rng.random((2, 4, 3))
    pw = np.array([0.5, 2.0, 1.0])
    if name == "ce_indices":
        kw: dict[str, Any] = {"ignore_index": 1, "label_smoothing": 0.2}
        return (
            lambda a: F.cross_entropy(a, tt.as_tensor(t), weight=tt.as_tensor(w), **kw),
            lambda a: tf.cross_entropy(a, torch.tensor(t), weight=torch.tensor(w), **kw),
            [x],
        )
    if name == "ce_probs":
        return (
            lambda a, b: F.cross_entropy(a, b, weight=tt.as_tensor(w), label_smoothing=0.1, reduction="sum"),
            lambda a, b: tf.cross_entropy(a, b, weight=torch.tensor(w), label_smoothing=0.1, reduction="sum"),
            [x, p],
        )
    if name == "nll":
        return (
            lambda a: F.nll_loss(F.log_softmax(a, 1), tt.as_tensor(t), weight=tt.as_tensor(w)),
            lambda a: tf.nll_loss(tf.log_softmax(a, 1), torch.tensor(t), weight=torch.tensor(w)),
            [x],
        )
    if name == "bce":
        return (
            lambda a, b: F.binary_cross_entropy(a.sigmoid(), b),
            lambda a, b: tf.binary_cross_entropy(a.sigmoid(), b),
            [x, y],
        )
    if name == "bce_logits":
        return (
            # PyTorch does not differentiate w.r.t. pos_weight (taeda does: see the gradgradcheck above)
            lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=tt.as_tensor(pw)),
            lambda a, b: tf.binary_cross_entropy_with_logits(a, b, pos_weight=torch.tensor(pw)),
            [x, y],
        )
    if name == "poisson_full":
        return (
            lambda a, b: F.poisson_nll_loss(a, b * 3, full=True),
            lambda a, b: tf.poisson_nll_loss(a, b * 3, full=True),
            [x, y],
        )
    return (
        lambda a, b: F.gaussian_nll_loss(a, b, a * a + 0.1, full=True),
        lambda a, b: tf.gaussian_nll_loss(a, b, a * a + 0.1, full=True),
        [x, y],
    )


@pytest.mark.torch
@pytest.mark.parametrize("name", ["ce_indices", "ce_probs", "nll", "bce", "bce_logits", "poisson_full", "gaussian_nll"])
def test_loss_second_order_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    fn, tfn, arrays = _torch_case(name, torch)
    ours = [_var(a) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    # first gradient w.r.t. the first input, then the gradient of its squared norm w.r.t. every input
    (g,) = grad(fn(*ours), [ours[0]], create_graph=True)
    assert g is not None
    hs = grad((g * g).sum(), ours, allow_unused=True)
    (gt,) = torch.autograd.grad(tfn(*theirs), [theirs[0]], create_graph=True)
    hts = torch.autograd.grad((gt * gt).sum(), theirs, allow_unused=True)
    np.testing.assert_allclose(g.data.array, gt.detach().numpy(), rtol=1e-10, atol=1e-12)
    for h, ht in zip(hs, hts):
        expected = np.zeros(1) if ht is None else ht.numpy()
        got = np.zeros(1) if h is None else h.data.array
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-11)
