"""lp_pool1d/lp_pool2d, pdist and the LPPool / PairwiseDistance / CosineSimilarity modules: NumPy references,
PyTorch parity (skipped without torch), gradcheck/gradgradcheck, errors, reprs."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck


def _v(a: np.ndarray, rg: bool = False) -> Variable:
    return Variable(tt.as_tensor(np.ascontiguousarray(a)), requires_grad=rg)


def _np(v: Any) -> np.ndarray:
    return np.asarray(v.data.array if isinstance(v, Variable) else v.array)


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _ref_lp2d(a: np.ndarray, p: float, k: tuple[int, int], s: tuple[int, int]) -> np.ndarray:
    n, c, h, w = a.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = a[:, :, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1]]
            if p == float("inf"):
                out[:, :, i, j] = np.abs(win).max(axis=(2, 3))
            else:
                out[:, :, i, j] = (win**p).sum(axis=(2, 3)) ** (1.0 / p)
    return out


def _ref_pdist(a: np.ndarray, p: float) -> np.ndarray:
    rows = []
    for i, j in itertools.combinations(range(a.shape[0]), 2):
        d = np.abs(a[i] - a[j])
        if p == 0:
            rows.append(float((d != 0).sum()))
        elif p == float("inf"):
            rows.append(float(d.max()) if d.size else 0.0)
        else:
            rows.append(float((d**p).sum() ** (1.0 / p)))
    return np.array(rows)


# --------------------------------------------------------------------------------------------------- lp_pool
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, 1.5, float("inf")])
@pytest.mark.parametrize("k,s", [((2, 2), None), ((3, 2), (2, 1)), ((2, 3), (1, 2))])
def test_lp_pool2d_numpy(p: float, k: tuple[int, int], s: tuple[int, int] | None) -> None:
    a = np.abs(_rand(2, 3, 7, 8)) + 0.1
    y = F.lp_pool2d(_v(a), p, k, s)
    np.testing.assert_allclose(_np(y), _ref_lp2d(a, p, k, s or k), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("p", [1.0, 2.0, 2.5, float("inf")])
def test_lp_pool1d_numpy_and_module(p: float) -> None:
    a = np.abs(_rand(2, 3, 9)) + 0.1
    ref = _ref_lp2d(a[:, :, None, :], p, (1, 3), (1, 2))[:, :, 0, :]
    np.testing.assert_allclose(_np(F.lp_pool1d(_v(a), p, 3, 2)), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_np(nn.LPPool1d(p, 3, 2)(_v(a))), ref, rtol=1e-12, atol=1e-12)
    ref2 = _ref_lp2d(a[:, :, None, :], p, (1, 3), (1, 3))[:, :, 0, :]
    np.testing.assert_allclose(_np(F.lp_pool1d(_v(a), p, 3)), ref2, rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered in power:RuntimeWarning")
def test_lp_pool_signs_and_negative_inf() -> None:
    a = _rand(1, 2, 6, 6)
    # odd p on mixed signs: the window sum may be negative; (negative)**(1/3) is nan, as in PyTorch
    y = _np(F.lp_pool2d(_v(a), 3.0, 2))
    s = (a.reshape(1, 2, 3, 2, 3, 2) ** 3).sum(axis=(3, 5))
    np.testing.assert_allclose(y[s > 0], s[s > 0] ** (1 / 3), rtol=1e-12)
    assert np.isnan(y[s < 0]).all()
    np.testing.assert_allclose(_np(F.lp_pool2d(_v(a), 1.0, 2)), s * 0 + (a.reshape(1, 2, 3, 2, 3, 2)).sum(axis=(3, 5)))
    neg = _np(F.lp_pool2d(_v(a), -float("inf"), 2))
    np.testing.assert_allclose(neg, np.abs(a).reshape(1, 2, 3, 2, 3, 2).min(axis=(3, 5)))  # -max(-|x|)


def test_lp_pool_zero_window_has_zero_gradient() -> None:
    x = _v(np.array([[[0.0, 0.0, 1.0, 2.0]]]), True)
    y = F.lp_pool1d(x, 2, 2)
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(_np(x.grad), [[[0.0, 0.0, 1 / np.sqrt(5), 2 / np.sqrt(5)]]])


def test_lp_pool_grad_gradgrad() -> None:
    x = _v(np.abs(_rand(1, 2, 5, 4)) + 0.2, True)
    for p in (2.0, 1.5, 3.0):
        assert gradcheck(lambda t, p=p: F.lp_pool2d(t, p, 2, 1), (x,))
        assert gradgradcheck(lambda t, p=p: F.lp_pool2d(t, p, (2, 3), (1, 2), True), (x,))
    x1 = _v(np.abs(_rand(2, 2, 7)) + 0.2, True)
    assert gradcheck(lambda t: F.lp_pool1d(t, 2.0, 3, 2, True), (x1,))
    assert gradgradcheck(lambda t: F.lp_pool1d(t, 2.5, 2), (x1,))


def test_lp_pool_errors_and_reprs() -> None:
    with pytest.raises(ZeroDivisionError):
        F.lp_pool2d(_v(_rand(1, 1, 4, 4)), 0, 2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.lp_pool2d(_v(_rand(2, 8, 3, 3)), 2, 4)
    assert repr(nn.LPPool1d(2, 3)) == "LPPool1d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    assert repr(nn.LPPool2d(2, 3, stride=2)) == "LPPool2d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)"
    assert (
        repr(nn.LPPool2d(1.5, (2, 3), ceil_mode=True))
        == "LPPool2d(norm_type=1.5, kernel_size=(2, 3), stride=None, ceil_mode=True)"
    )
    a = np.abs(_rand(1, 2, 6, 6))
    np.testing.assert_allclose(_np(nn.LPPool2d(2, 3)(_v(a))), _ref_lp2d(a, 2.0, (3, 3), (3, 3)), rtol=1e-12)


# ----------------------------------------------------------------------------------------------------- pdist
@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, float("inf")])
def test_pdist_numpy(p: float) -> None:
    a = _rand(6, 4)
    a[3] = a[1]
    a[4, 2] = a[0, 2]
    np.testing.assert_allclose(_np(F.pdist(_v(a), p)), _ref_pdist(a, p), rtol=1e-12, atol=1e-12)
    assert tuple(F.pdist(_v(a[:1]), p).shape) == (0,)


def test_pdist_default_and_zero_distance_gradient() -> None:
    a = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0], [3.0, 4.0]])
    np.testing.assert_allclose(_np(F.pdist(_v(a))), [5.0, 10.0, 5.0, 5.0, 0.0, 5.0])
    for p in (0.5, 1.0, 1.5, 2.0, 3.0):
        x = _v(a, True)
        F.pdist(x, p).sum().backward()
        assert x.grad is not None and np.isfinite(_np(x.grad)).all()
    x = _v(a, True)
    F.pdist(x, 0).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), np.zeros_like(a))


def test_pdist_grad_gradgrad_and_errors() -> None:
    x = _v(_rand(4, 3), True)
    for p in (1.0, 1.5, 2.0, 3.0, 0.7, float("inf")):
        assert gradcheck(lambda t, p=p: F.pdist(t, p), (x,))
    for p in (2.0, 3.0, 1.5):
        assert gradgradcheck(lambda t, p=p: F.pdist(t, p), (x,))
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 4D"):
        F.pdist(_v(_rand(2, 3, 4, 5)))
    with pytest.raises(RuntimeError, match="pdist only supports non-negative p values"):
        F.pdist(_v(_rand(3, 4)), -1)
    with pytest.raises(RuntimeError, match="floating-point"):
        F.pdist(tt.as_tensor(np.ones((3, 2), dtype=np.int64)))


# ------------------------------------------------------------------------------------- distance modules
def test_distance_modules() -> None:
    a, b = _rand(5, 4), _rand(5, 4, seed=1)
    cs = nn.CosineSimilarity()
    assert repr(cs) == "CosineSimilarity()" and (cs.dim, cs.eps) == (1, 1e-8)
    ref = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(_np(cs(_v(a), _v(b))), ref, rtol=1e-12)
    np.testing.assert_allclose(
        _np(nn.CosineSimilarity(dim=0)(_v(a), _v(b))),
        (a * b).sum(0) / (np.linalg.norm(a, axis=0) * np.linalg.norm(b, axis=0)),
        rtol=1e-12,
    )
    pd = nn.PairwiseDistance()
    assert repr(pd) == "PairwiseDistance()" and (pd.norm, pd.eps, pd.keepdim) == (2.0, 1e-6, False)
    np.testing.assert_allclose(_np(pd(_v(a), _v(b))), np.linalg.norm(a - b + 1e-6, axis=1), rtol=1e-12)
    pk = nn.PairwiseDistance(p=1.0, eps=0.0, keepdim=True)
    np.testing.assert_allclose(_np(pk(_v(a), _v(b))), np.abs(a - b).sum(1, keepdims=True), rtol=1e-12)
    assert list(pd.state_dict()) == [] and list(cs.state_dict()) == []
    x, y = _v(a, True), _v(b, True)
    assert gradcheck(nn.CosineSimilarity(), (x, y))
    assert gradcheck(nn.PairwiseDistance(3.0), (x, y))


# -------------------------------------------------------------------------------------------------- PyTorch
@pytest.mark.filterwarnings("ignore:invalid value encountered in power:RuntimeWarning")
def test_torch_parity() -> None:
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    b = _rand(2, 3, 9, 7)
    for p in (1, 2, 3, 1.5, float("inf"), -float("inf")):
        cases: list[tuple[Any, Any, bool]] = [
            (3, None, False),
            (3, 2, True),
            ((2, 3), (2, 1), False),
            ((2, 3), 2, True),
        ]
        for ks, st, cm in cases:
            bb = np.abs(b) if p == 1.5 else b
            np.testing.assert_allclose(
                _np(F.lp_pool2d(_v(bb), p, ks, st, cm)),
                tf.lp_pool2d(torch.tensor(bb), p, ks, st, cm).numpy(),
                rtol=1e-12,
                atol=1e-12,
            )
        for ks1, st1, cm1 in [(3, None, False), (3, 2, True), (2, 1, False)]:
            b1 = np.abs(b[:, :, 0]) if p == 1.5 else b[:, :, 0]
            np.testing.assert_allclose(
                _np(F.lp_pool1d(_v(b1), p, ks1, st1, cm1)),
                tf.lp_pool1d(torch.tensor(b1), p, ks1, st1, cm1).numpy(),
                rtol=1e-12,
                atol=1e-12,
            )
    # gradients, including a window whose sum is zero and ceil_mode's partial window
    a = np.abs(b[:1, :1])
    a[0, 0, :2, :2] = 0.0
    for p in (2.0, 1.5, 3.0):
        x = _v(a, True)
        F.lp_pool2d(x, p, 2, 2, True).sum().backward()
        tx = torch.tensor(a, requires_grad=True)
        tf.lp_pool2d(tx, p, 2, 2, True).sum().backward()
        np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    c = _rand(6, 5)
    c[3] = c[1]
    c[4, 2] = c[0, 2]
    for p in (0, 0.5, 1, 1.5, 2, 3, float("inf")):
        x = _v(c, True)
        y = F.pdist(x, p)
        y.sum().backward()
        tx = torch.tensor(c, requires_grad=True)
        ty = tf.pdist(tx, p)
        ty.sum().backward()
        np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for mod in (nn.LPPool1d(2, 3), nn.LPPool2d(1.5, (2, 3), 2, True), nn.PairwiseDistance(), nn.CosineSimilarity()):
        assert repr(mod) == repr(getattr(torch.nn, type(mod).__name__)(*_ctor_args(mod)))


def _ctor_args(mod: Any) -> tuple[Any, ...]:
    if isinstance(mod, (nn.LPPool1d, nn.LPPool2d)):
        return (mod.norm_type, mod.kernel_size, mod.stride, mod.ceil_mode)
    return ()


def test_pdist_euclidean_kernel_matches_composite() -> None:
    from taeda.nn.functional._pdist import _pdist_composite

    a = _rand(37, 6, seed=4)
    a[5] = a[20]
    g = _rand(37 * 36 // 2, seed=6)
    x1, x2 = _v(a, True), _v(a, True)
    y1, y2 = F.pdist(x1), _pdist_composite(x2, 2.0)
    np.testing.assert_allclose(_np(y1), _np(y2), rtol=1e-13, atol=1e-14)
    (y1 * _v(g)).sum().backward()
    (y2 * _v(g)).sum().backward()
    assert x1.grad is not None and x2.grad is not None
    np.testing.assert_allclose(_np(x1.grad), _np(x2.grad), rtol=1e-11, atol=1e-12)
    y32 = F.pdist(_v(a.astype(np.float32)))
    assert y32.dtype == tt.float32
    np.testing.assert_allclose(_np(y32), _np(y2), rtol=1e-5)
