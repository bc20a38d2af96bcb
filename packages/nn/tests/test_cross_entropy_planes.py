"""Cross-entropy of (N, C, d1, ...) logits (segmentation) through the class-axis kernel, against the general
row-layout path: values, gradients, ignore_index, reductions, second derivatives and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradcheck, gradgradcheck
from taeda.nn.functional import _loss

RNG = np.random.default_rng(41)


def _both(x: Any, t: Any, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[list[Any], list[Any]]:
    """(loss, input gradient) through the planes kernel and through the general path."""
    out = []
    real = _loss._ce_planes
    for planes in (True, False):
        with monkeypatch.context() as m:
            calls: list[int] = []

            def spy(*a: Any, calls: list[int] = calls, planes: bool = planes) -> Any:
                calls.append(1)
                return real(*a) if planes else None

            m.setattr(_loss, "_ce_planes", spy)
            xv = Variable(tt.from_numpy(x), requires_grad=True)
            loss = F.cross_entropy(xv, tt.from_numpy(t), **kw)
            loss.backward()
            assert calls and xv.grad is not None
            out.append([loss.data.numpy(), xv.grad.numpy()])
    return out[0], out[1]


@pytest.mark.parametrize("shape", [(4, 5, 6), (3, 7, 4, 5), (2, 3, 2, 3, 4)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_planes_equal_the_general_path(
    shape: tuple[int, ...], reduction: str, ignore: bool, dtype: Any, weighted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = (RNG.standard_normal(shape) * 3).astype(dtype)
    t = RNG.integers(0, shape[1], (shape[0], *shape[2:]))
    if ignore:
        t.reshape(-1)[::3] = 255
    w = tt.from_numpy((RNG.random(shape[1]) + 0.5).astype(dtype)) if weighted else None
    ours, ref = _both(x, t, monkeypatch, reduction=reduction, ignore_index=255, weight=w)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for a, r in zip(ours, ref):
        assert a.dtype == dtype and a.shape == r.shape
        np.testing.assert_allclose(a, r, rtol=rtol, atol=rtol)


def test_all_ignored_mean_is_nan_and_out_of_range_raises() -> None:
    x = Variable(tt.from_numpy(RNG.standard_normal((2, 3, 4))), requires_grad=True)
    t = tt.full((2, 4), -100, dtype=tt.int64)
    assert np.isnan(F.cross_entropy(x, t).item())
    assert F.cross_entropy(x, t, reduction="sum").item() == 0
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(x, tt.full((2, 4), 3, dtype=tt.int64))


def test_gradcheck_and_second_derivatives_on_planes() -> None:
    x = Variable(tt.from_numpy(RNG.standard_normal((2, 4, 3, 2))), requires_grad=True)
    t = tt.from_numpy(np.array([[[0, 3], [1, 255], [2, 2]], [[3, 3], [0, 1], [255, 0]]]))
    assert gradcheck(lambda v: F.cross_entropy(v, t, ignore_index=255), (x,))
    assert gradgradcheck(lambda v: F.cross_entropy(v, t, ignore_index=255), (x,))
    w = tt.from_numpy(np.array([0.5, 2.0, 1.0, 3.0]))
    assert gradcheck(lambda v: F.cross_entropy(v, t, weight=w, ignore_index=255), (x,))
    assert gradgradcheck(lambda v: F.cross_entropy(v, t, weight=w, ignore_index=255), (x,))
    (g1,) = grad([F.cross_entropy(x, t, ignore_index=255)], [x], create_graph=True)
    (g0,) = grad([F.cross_entropy(x, t, ignore_index=255)], [x])
    assert g1 is not None and g0 is not None
    np.testing.assert_allclose(g1.data.numpy(), g0.numpy(), rtol=1e-12)


def test_non_contiguous_logits(monkeypatch: pytest.MonkeyPatch) -> None:
    base = RNG.standard_normal((3, 6, 5, 4))
    x = np.ascontiguousarray(base.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1)  # (3, 6, 5, 4) values, strided
    t = RNG.integers(0, 6, (3, 5, 4))
    ours, ref = _both(x, t, monkeypatch)
    for a, r in zip(ours, ref):
        np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)
