"""gumbel_softmax (statistics, straight-through gradient) and the in-place activations relu_ elu_ selu_ celu_
leaky_relu_ hardtanh_ threshold_ (values, recorded gradients, no_grad, leaf errors, PyTorch parity)."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradcheck, gradgradcheck, no_grad


def _v(a: np.ndarray, rg: bool = False) -> Variable:
    return Variable(tt.as_tensor(np.ascontiguousarray(a)), requires_grad=rg)


def _np(v: Any) -> np.ndarray:
    return np.asarray(v.data.array if isinstance(v, Variable) else v.array)


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------------------------------------- gumbel_softmax
def _softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    out: np.ndarray = e / e.sum(axis=axis, keepdims=True)
    return out


def test_gumbel_soft_rows_are_distributions() -> None:
    tt.manual_seed(0)
    y = _np(F.gumbel_softmax(_v(_rand(50, 6)), tau=0.7))
    assert (y > 0).all()
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-12)
    y1 = _np(F.gumbel_softmax(_v(_rand(6, 50)), dim=0))
    np.testing.assert_allclose(y1.sum(0), 1.0, rtol=1e-12)
    y32 = F.gumbel_softmax(_v(_rand(4, 3).astype(np.float32)))
    assert y32.dtype == tt.float32


def test_gumbel_is_seeded_by_the_global_generator() -> None:
    logits = _v(_rand(5, 4))
    tt.manual_seed(123)
    a = _np(F.gumbel_softmax(logits))
    tt.manual_seed(123)
    b = _np(F.gumbel_softmax(logits))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, _np(F.gumbel_softmax(logits)))


def test_gumbel_hard_frequencies_match_softmax() -> None:
    tt.manual_seed(1)
    base = np.array([1.0, 0.0, -0.5, 2.0])
    n = 40000
    y = _np(F.gumbel_softmax(_v(np.tile(base, (n, 1))), tau=0.3, hard=True))
    assert set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_array_equal(y.sum(-1), 1.0)
    # argmax of (logits + Gumbel) is exactly a draw from softmax(logits) whatever tau is
    np.testing.assert_allclose(y.mean(0), _softmax(base), atol=0.015)


def test_gumbel_noise_is_standard_gumbel() -> None:
    # With two classes and zero logits, logit(y0) = g0 - g1 is Logistic(0, 1): mean 0, variance pi^2 / 3.
    tt.manual_seed(2)
    n = 40000
    y = _np(F.gumbel_softmax(_v(np.zeros((n, 2)))))
    d = np.log(y[:, 0]) - np.log(y[:, 1])
    assert abs(d.mean()) < 0.05
    assert abs(d.var() - math.pi**2 / 3) < 0.2
    # tau divides the noisy logits
    tt.manual_seed(2)
    y2 = _np(F.gumbel_softmax(_v(np.zeros((n, 2))), tau=0.5))
    np.testing.assert_allclose(np.log(y2[:, 0]) - np.log(y2[:, 1]), 2 * d, rtol=1e-9, atol=1e-9)


def test_gumbel_straight_through_gradient() -> None:
    logits = _v(_rand(6, 5), True)
    w = _v(_rand(6, 5, seed=1))
    tt.manual_seed(7)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    (gh,) = grad((hard * w).sum(), [logits])
    tt.manual_seed(7)
    soft = F.gumbel_softmax(logits, tau=0.5)
    (gs,) = grad((soft * w).sum(), [logits])
    ys = _np(soft)
    onehot = (ys == ys.max(-1, keepdims=True)).astype(np.float64)
    np.testing.assert_array_equal(_np(hard), onehot)
    np.testing.assert_allclose(_np(gh), _np(gs), rtol=1e-12, atol=1e-14)
    # d/dlogits of sum(w * softmax(z / tau)) = y * (w - sum(y * w)) / tau
    wa = _np(w)
    np.testing.assert_allclose(_np(gs), ys * (wa - (ys * wa).sum(-1, keepdims=True)) / 0.5, rtol=1e-10, atol=1e-12)


def test_gumbel_gradcheck_with_fixed_noise() -> None:
    logits = _v(_rand(3, 4), True)

    def f(t: Variable) -> Variable:
        tt.manual_seed(11)
        return F.gumbel_softmax(t, tau=0.8)

    assert gradcheck(f, (logits,))
    assert gradgradcheck(f, (logits,))


def test_gumbel_eps_is_deprecated() -> None:
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect."):
        F.gumbel_softmax(_v(_rand(2, 3)), eps=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.gumbel_softmax(_v(_rand(2, 3)))


# --------------------------------------------------------------------------------------- in-place activations
_SA, _SS = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    ("relu_", (), lambda a: np.maximum(a, 0)),
    ("elu_", (0.7,), lambda a: np.where(a > 0, a, 0.7 * np.expm1(a))),
    ("selu_", (), lambda a: _SS * np.where(a > 0, a, _SA * np.expm1(a))),
    ("celu_", (1.3,), lambda a: np.where(a > 0, a, 1.3 * np.expm1(a / 1.3))),
    ("leaky_relu_", (0.2,), lambda a: np.where(a > 0, a, 0.2 * a)),
    ("hardtanh_", (-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7)),
    ("threshold_", (0.1, 3.0), lambda a: np.where(a > 0.1, a, 3.0)),
]


@pytest.mark.parametrize("name,args,ref", CASES)
def test_inplace_on_tensor_and_no_grad(name: str, args: tuple[Any, ...], ref: Any) -> None:
    fn = getattr(F, name)
    a = _rand(4, 5)
    t = tt.as_tensor(a.copy())
    assert fn(t, *args) is t
    np.testing.assert_allclose(_np(t), ref(a), rtol=1e-12)
    v = _v(a.copy())
    assert fn(v, *args) is v and v.grad_fn is None
    np.testing.assert_allclose(_np(v), ref(a), rtol=1e-12)
    leaf = _v(a.copy(), True)
    with no_grad():
        assert fn(leaf, *args) is leaf
    np.testing.assert_allclose(_np(leaf), ref(a), rtol=1e-12)
    assert leaf.requires_grad and leaf.grad_fn is None
    out_of_place = getattr(F, name[:-1])(_v(a), *args)
    np.testing.assert_allclose(_np(out_of_place), ref(a), rtol=1e-12)


@pytest.mark.parametrize("name,args,ref", CASES)
def test_inplace_recorded_gradient(name: str, args: tuple[Any, ...], ref: Any) -> None:
    fn = getattr(F, name)
    a = _rand(4, 5, seed=3)
    x = _v(a, True)
    h = x * 2
    assert fn(h, *args) is h
    assert h.grad_fn is not None
    np.testing.assert_allclose(_np(h), ref(2 * a), rtol=1e-12)
    (h * h).sum().backward()
    # compare with the out-of-place activation
    x2 = _v(a, True)
    y2 = getattr(F, name[:-1])(x2 * 2, *args)
    (y2 * y2).sum().backward()
    assert x.grad is not None and x2.grad is not None
    np.testing.assert_allclose(_np(x.grad), _np(x2.grad), rtol=1e-12)

    def f(t: Variable) -> Variable:
        u = t * 1.5
        fn(u, *args)
        return u * u

    y = _v(a + 0.05, True)
    assert gradcheck(f, (y,))
    assert gradgradcheck(f, (y,))


@pytest.mark.parametrize("name,args,ref", CASES)
def test_inplace_on_leaf_raises(name: str, args: tuple[Any, ...], ref: Any) -> None:
    x = _v(_rand(3), True)
    before = _np(x).copy()
    with pytest.raises(
        RuntimeError, match=r"a leaf Variable that requires grad is being used in an in-place operation\."
    ):
        getattr(F, name)(x, *args)
    np.testing.assert_array_equal(_np(x), before)


def test_inplace_negative_slope_backward_raises() -> None:
    x = _v(_rand(5), True)
    h = x * 1
    F.leaky_relu_(h, -0.1)
    np.testing.assert_allclose(_np(h), np.where(_np(x) > 0, _np(x), -0.1 * _np(x)))
    with pytest.raises(RuntimeError, match="In-place leakyReLu backward calculation is triggered with a negative"):
        h.sum().backward()
    for fn in (F.elu_, F.celu_):
        h = x * 1
        fn(h, -0.5)
        with pytest.raises(RuntimeError, match="In-place elu backward calculation is triggered with a negative slope"):
            h.sum().backward()
    with pytest.raises(RuntimeError, match="ZeroDivisionError: alpha cannot be 0 for CELU"):
        F.celu_(_v(_rand(3)), 0.0)
    with pytest.raises(TypeError, match=r"relu_\(\): argument 'input' \(position 1\) must be Tensor"):
        F.relu_(np.ones(3))  # type: ignore[type-var]


def test_inplace_on_view_writes_through() -> None:
    base = _v(_rand(4, 3))
    row = base[1]
    F.relu_(row)
    np.testing.assert_array_equal(_np(base)[1], np.maximum(_rand(4, 3)[1], 0))
    x = _v(_rand(4, 3), True)
    b2 = x * 1
    F.hardtanh_(b2[0], -0.1, 0.1)
    b2.sum().backward()
    assert x.grad is not None
    g = np.ones((4, 3))
    g[0] = (np.abs(_rand(4, 3)[0]) < 0.1).astype(np.float64)
    np.testing.assert_array_equal(_np(x.grad), g)


def test_inplace_torch_parity() -> None:
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    a = _rand(6, 5, seed=9)
    w = _rand(6, 5, seed=10)
    for name, args, _ in CASES:
        x = _v(a, True)
        h = x * 2
        getattr(F, name)(h, *args)
        (h * _v(w)).sum().backward()
        tx = torch.tensor(a, requires_grad=True)
        th = tx * 2
        getattr(tf, name)(th, *args)
        (th * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(_np(h), th.detach().numpy(), rtol=1e-12, atol=1e-14)
        # PyTorch's celu_ derives its gradient from the result with a float32 1/alpha: agree to 1e-6 there
        np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-6 if name == "celu_" else 1e-12)


def test_inplace_on_view_of_leaf_raises_and_hard_gumbel_along_dim0() -> None:
    x = _v(_rand(3, 2), True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable that requires grad"):
        F.relu_(x[0])
    tt.manual_seed(3)
    logits = _v(_rand(4, 6), True)
    y = F.gumbel_softmax(logits, tau=2.0, hard=True, dim=0)
    ya = _np(y)
    np.testing.assert_array_equal(ya.sum(0), np.ones(6))
    assert set(np.unique(ya)) == {0.0, 1.0}
    (y * _v(_rand(4, 6, seed=8))).sum().backward()
    assert logits.grad is not None and np.isfinite(_np(logits.grad)).all()
    np.testing.assert_allclose(_np(logits.grad).sum(0), 0.0, atol=1e-12)  # softmax along dim 0: columns sum to 0
