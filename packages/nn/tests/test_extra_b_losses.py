"""multi_margin_loss, multilabel_margin_loss, triplet_margin_with_distance_loss and their modules: NumPy
references, PyTorch parity, gradients (first and second order), errors and reprs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck


def _rand(*shape: int, seed: int = 0, grad: bool = True) -> Variable:
    rng = np.random.default_rng(seed)
    return Variable(tt.as_tensor(rng.standard_normal(shape)), requires_grad=grad)


def _reduce(v: Any, reduction: str) -> Any:
    return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v


def np_multi_margin(x: Any, y: Any, p: int, margin: float, w: Any) -> Any:
    n, c = x.shape
    out = np.zeros(n)
    for i in range(n):
        for j in range(c):
            if j == y[i]:
                continue
            z = max(0.0, margin - x[i, y[i]] + x[i, j]) ** p
            out[i] += z * (1.0 if w is None else w[y[i]])
    return out / c


def np_multilabel_margin(x: Any, t: Any) -> Any:
    n, c = x.shape
    out = np.zeros(n)
    for i in range(n):
        targets = []
        for v in t[i]:
            if v < 0:
                break
            targets.append(int(v))
        for j in targets:
            for k in range(c):
                if k not in targets:
                    out[i] += max(0.0, 1.0 - (x[i, j] - x[i, k]))
    return out / c


TARGETS = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [4, 4, -1, 2, 2]])


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_numpy(p: int, reduction: str, weighted: bool) -> None:
    x = _rand(6, 5, grad=False)
    y = np.array([0, 1, 4, 2, 2, 3])
    w = np.array([0.5, 1.0, 2.0, 1.5, 0.1]) if weighted else None
    loss = F.multi_margin_loss(
        x, tt.as_tensor(y), p=p, margin=0.7, weight=None if w is None else tt.as_tensor(w), reduction=reduction
    )
    ref = _reduce(np_multi_margin(x.data.numpy(), y, p, 0.7, w), reduction)
    np.testing.assert_allclose(loss.data.numpy(), ref, rtol=1e-12, atol=1e-12)


def test_multi_margin_unbatched_and_legacy() -> None:
    x = _rand(5, grad=False)
    ref = np_multi_margin(x.data.numpy()[None], np.array([2]), 1, 1.0, None)[0]
    for t in (tt.tensor(2), tt.tensor([2])):
        out = F.multi_margin_loss(x, t, reduction="none")
        assert tuple(out.shape) == ()
        np.testing.assert_allclose(float(out.data.numpy()), ref, rtol=1e-12)
    assert float(F.multi_margin_loss(tt.tensor(1.0), tt.tensor(0)).numpy()) == 0.0
    xb = _rand(3, 4, grad=False)
    yb = tt.tensor([0, 3, 1])
    np.testing.assert_allclose(
        F.multi_margin_loss(xb, yb, size_average=False).numpy(), F.multi_margin_loss(xb, yb, reduction="sum").numpy()
    )


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_grads(p: int) -> None:
    x = _rand(3, 4)
    y = tt.tensor([0, 3, 1])
    w = tt.tensor([0.5, 1.0, 2.0, 1.5], dtype=tt.float64)
    assert gradcheck(lambda v: F.multi_margin_loss(v, y, p=p, weight=w), (x,))
    assert gradgradcheck(lambda v: F.multi_margin_loss(v, y, p=p, margin=0.5, reduction="none"), (x,))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multilabel_margin_numpy(reduction: str) -> None:
    x = _rand(4, 5, grad=False)
    loss = F.multilabel_margin_loss(x, tt.as_tensor(TARGETS), reduction=reduction)
    ref = _reduce(np_multilabel_margin(x.data.numpy(), TARGETS), reduction)
    np.testing.assert_allclose(loss.data.numpy(), ref, rtol=1e-12, atol=1e-12)


def test_multilabel_margin_unbatched_and_empty() -> None:
    x = _rand(5, grad=False)
    out = F.multilabel_margin_loss(x, tt.as_tensor(TARGETS[1]), reduction="none")
    assert tuple(out.shape) == ()
    np.testing.assert_allclose(
        float(out.data.numpy()), np_multilabel_margin(x.data.numpy()[None], TARGETS[1:2])[0], rtol=1e-12
    )
    none_valid = tt.as_tensor(np.full((2, 5), -1))
    np.testing.assert_array_equal(F.multilabel_margin_loss(_rand(2, 5), none_valid, reduction="none").data.numpy(), 0)


def test_multilabel_margin_grads() -> None:
    x = _rand(4, 5)
    t = tt.as_tensor(TARGETS)
    assert gradcheck(lambda v: F.multilabel_margin_loss(v, t), (x,))
    assert gradgradcheck(lambda v: F.multilabel_margin_loss(v, t, reduction="sum"), (x,))


def _l1(a: Any, b: Any) -> Any:
    return (a - b).abs().sum(-1)


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_triplet_with_distance_numpy(swap: bool, reduction: str) -> None:
    a, p, n = _rand(5, 4, grad=False), _rand(5, 4, seed=1, grad=False), _rand(5, 4, seed=2, grad=False)
    an, pn, nn_ = a.data.numpy(), p.data.numpy(), n.data.numpy()

    def d2(u: Any, v: Any) -> Any:
        return np.sqrt(((u - v + 1e-6) ** 2).sum(-1))

    dn = np.minimum(d2(an, nn_), d2(pn, nn_)) if swap else d2(an, nn_)
    ref = _reduce(np.maximum(d2(an, pn) - dn + 0.5, 0), reduction)
    out = F.triplet_margin_with_distance_loss(a, p, n, margin=0.5, swap=swap, reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), ref, rtol=1e-12)
    dl = np.abs(an - nn_).sum(-1)
    dn1 = np.minimum(dl, np.abs(pn - nn_).sum(-1)) if swap else dl
    ref1 = _reduce(np.maximum(np.abs(an - pn).sum(-1) - dn1 + 2.0, 0), reduction)
    out1 = F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=_l1, margin=2.0, swap=swap, reduction=reduction
    )
    np.testing.assert_allclose(out1.data.numpy(), ref1, rtol=1e-12)


def test_triplet_with_distance_grads_and_module() -> None:
    a, p, n = _rand(3, 4), _rand(3, 4, seed=1), _rand(3, 4, seed=2)

    def f(a: Variable, p: Variable, n: Variable) -> Variable:
        return F.triplet_margin_with_distance_loss(a, p, n, margin=3.0, swap=True)

    assert gradcheck(f, (a, p, n))
    assert gradgradcheck(f, (a, p, n))
    m = nn.TripletMarginWithDistanceLoss(margin=3.0, swap=True)
    np.testing.assert_allclose(m(a, p, n).data.numpy(), f(a, p, n).data.numpy())
    assert repr(m) == "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"
    custom = nn.TripletMarginWithDistanceLoss(distance_function=_l1, reduction="sum")
    assert repr(custom) == "TripletMarginWithDistanceLoss()"
    np.testing.assert_allclose(
        custom(a, p, n).data.numpy(),
        F.triplet_margin_with_distance_loss(a, p, n, distance_function=_l1, reduction="sum").data.numpy(),
    )
    assert m.state_dict() == {}
    with pytest.raises(TypeError):
        nn.TripletMarginWithDistanceLoss(_l1)  # type: ignore[call-arg]


def _err(f: Any) -> str:
    with pytest.raises((RuntimeError, ValueError)) as e:
        f()
    return str(e.value)


def test_margin_loss_errors() -> None:
    x = tt.randn(4, 5)
    y = tt.tensor([0, 1, 4, 2])
    assert _err(lambda: F.multi_margin_loss(x[None], y)) == (
        "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [1, 4, 5]"
    )
    assert _err(lambda: F.multi_margin_loss(x, y[:3])) == (
        "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples (batch size). "
        "Expected target size [4], but got [3]. Input has shape [4, 5]."
    )
    assert _err(lambda: F.multi_margin_loss(x, tt.tensor([0, 1, 5, 2]))) == "target out of range"
    assert _err(lambda: F.multi_margin_loss(x, tt.tensor([0, -1, 1, 2]))) == "target out of range"
    assert _err(lambda: F.multi_margin_loss(x, y, p=3)) == "only p == 1 and p == 2 supported"
    assert _err(lambda: F.multi_margin_loss(x, y, weight=tt.ones(5, 1))) == "weight must be one-dimensional"
    assert (
        _err(lambda: F.multi_margin_loss(x, y, weight=tt.ones(4))) == "inconsistent weight size, expected 5 but got [4]"
    )
    assert _err(lambda: F.multi_margin_loss(x, y, reduction="foo")) == "foo is not a valid value for reduction"
    assert _err(lambda: F.multi_margin_loss(x, y.float())) == "expected scalar type Long but found Float"
    t = tt.as_tensor(TARGETS)
    assert _err(lambda: F.multilabel_margin_loss(x, t[:3])) == (
        "inconsistent target size: [3, 5] for input of size: [4, 5]"
    )
    assert _err(lambda: F.multilabel_margin_loss(x[0], t[:1])) == (
        "inconsistent target size: [1, 5] for input of size: [5]"
    )
    assert _err(lambda: F.multilabel_margin_loss(x, tt.as_tensor(TARGETS + 2))) == (
        "argument #2 'target' is out of range"
    )
    assert _err(lambda: F.multilabel_margin_loss(x, tt.as_tensor(TARGETS - 3))) == (
        "argument #2 'target' is out of range"
    )
    assert _err(lambda: F.multilabel_margin_loss(x, t.float())) == "expected scalar type Long but found Float"
    a = tt.randn(3, 4)
    assert (
        _err(lambda: F.triplet_margin_with_distance_loss(a, a, a, margin=0)) == "margin must be greater than 0, got 0"
    )
    assert _err(lambda: F.triplet_margin_with_distance_loss(a, a, a, reduction="x")) == (
        "x is not a valid value for reduction"
    )
    assert _err(lambda: F.triplet_margin_with_distance_loss(a, a, a[0])) == (
        "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: "
        "anchor 2D, positive 2D, and negative 1D inputs"
    )
    assert _err(lambda: nn.TripletMarginWithDistanceLoss(margin=0)) == (
        "TripletMarginWithDistanceLoss: expected margin to be greater than 0, got 0 instead"
    )
    assert _err(lambda: nn.MultiMarginLoss(p=3)) == "only p == 1 and p == 2 supported"
    assert _err(lambda: nn.MultiMarginLoss(weight=tt.ones(2, 2))) == (
        "MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead"
    )


def test_margin_loss_modules() -> None:
    w = tt.tensor([0.5, 1.0, 2.0, 1.5, 0.1], dtype=tt.float64)
    m = nn.MultiMarginLoss(p=2, margin=0.5, weight=w)
    assert repr(m) == "MultiMarginLoss()"
    assert list(m.state_dict()) == ["weight"]
    x, y = _rand(4, 5, grad=False), tt.tensor([0, 1, 4, 2])
    np.testing.assert_allclose(
        m(x, y).data.numpy(), F.multi_margin_loss(x, y, p=2, margin=0.5, weight=w).data.numpy(), rtol=1e-12
    )
    assert nn.MultiMarginLoss(reduce=False).reduction == "none"
    ml = nn.MultiLabelMarginLoss(reduction="sum")
    assert repr(ml) == "MultiLabelMarginLoss()"
    assert ml.state_dict() == {}
    np.testing.assert_allclose(
        ml(x, tt.as_tensor(TARGETS)).data.numpy(), np_multilabel_margin(x.data.numpy(), TARGETS).sum(), rtol=1e-12
    )


# ------------------------------------------------------------------------------------------------ torch parity
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_multi_margin_torch(p: int, reduction: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    xa, ya, wa = rng.standard_normal((6, 5)), np.array([0, 1, 4, 2, 2, 3]), rng.random(5)
    x = Variable(tt.as_tensor(xa), requires_grad=True)
    tx = torch.tensor(xa, requires_grad=True)
    out = F.multi_margin_loss(x, tt.as_tensor(ya), p, 0.8, tt.as_tensor(wa), reduction=reduction)
    tout = torch.nn.functional.multi_margin_loss(tx, torch.tensor(ya), p, 0.8, torch.tensor(wa), reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multilabel_margin_torch(reduction: str) -> None:
    torch = pytest.importorskip("torch")
    xa = np.random.default_rng(13).standard_normal((4, 5))
    x = Variable(tt.as_tensor(xa), requires_grad=True)
    tx = torch.tensor(xa, requires_grad=True)
    out = F.multilabel_margin_loss(x, tt.as_tensor(TARGETS), reduction=reduction)
    tout = torch.nn.functional.multilabel_margin_loss(tx, torch.tensor(TARGETS), reduction=reduction)
    np.testing.assert_allclose(out.data.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    x1 = tt.as_tensor(xa[0])
    np.testing.assert_allclose(
        F.multilabel_margin_loss(x1, tt.as_tensor(TARGETS[0])).numpy(),
        torch.nn.functional.multilabel_margin_loss(torch.tensor(xa[0]), torch.tensor(TARGETS[0])).numpy(),
        rtol=1e-12,
    )


def test_triplet_with_distance_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    arrs = [rng.standard_normal((5, 4)) for _ in range(3)]
    out = F.triplet_margin_with_distance_loss(*(tt.as_tensor(a) for a in arrs), margin=2.0, swap=True)
    tout = torch.nn.functional.triplet_margin_with_distance_loss(
        *(torch.tensor(a) for a in arrs), margin=2.0, swap=True
    )
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-12)
    assert repr(nn.TripletMarginWithDistanceLoss()) == repr(torch.nn.TripletMarginWithDistanceLoss())


def test_margin_losses_empty_batch_mean_is_zero() -> None:
    e = tt.zeros(0, 5, dtype=tt.float64)
    assert float(F.multi_margin_loss(e, tt.zeros(0, dtype=tt.int64)).numpy()) == 0.0
    assert float(F.multilabel_margin_loss(e, tt.zeros(0, 5, dtype=tt.int64)).numpy()) == 0.0
    assert tuple(F.multilabel_margin_loss(e, tt.zeros(0, 5, dtype=tt.int64), reduction="none").shape) == (0,)
