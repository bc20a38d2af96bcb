"""Dropout family: statistics, scaling, channel structure, eval mode, gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable


def test_dropout_statistics_and_gradient() -> None:
    tt.manual_seed(0)
    x = Variable(tt.ones(200, 100), requires_grad=True)
    y = F.dropout(x, 0.3)
    a = y.data.numpy()
    kept = a != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(a[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data.numpy(), a)
    assert np.all(F.dropout(x, 1.0).data.numpy() == 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 1.5)


def test_dropout_modules_eval_is_identity() -> None:
    x = tt.randn(4, 3, 5, 5)
    for m in [nn.Dropout(0.5), nn.Dropout2d(0.5), nn.AlphaDropout(0.5), nn.Dropout1d(), nn.FeatureAlphaDropout()]:
        m.eval()
        inp = x if not isinstance(m, nn.Dropout1d) else x[:, :, 0]
        np.testing.assert_array_equal(m(inp).data.numpy(), inp.numpy())
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"


def test_dropout2d_zeroes_whole_channels() -> None:
    tt.manual_seed(1)
    y = F.dropout2d(tt.ones(8, 16, 4, 4), 0.5).data.numpy()
    per_channel = y.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0.3 < (per_channel == 0).all(-1).mean() < 0.7
    unb = F.dropout2d(tt.ones(16, 4, 4), 0.5).data.numpy().reshape(16, -1)
    assert np.all((unb == 0).all(-1) | (unb == 2).all(-1))
    with pytest.raises(RuntimeError, match="Expected 3D or 4D"):
        F.dropout2d(tt.ones(2, 2), 0.5)


def test_alpha_dropout_keeps_mean_and_variance() -> None:
    tt.manual_seed(2)
    x = tt.randn(400, 500)
    y = F.alpha_dropout(x, 0.2, training=True).data.numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64, tt.float16])
def test_large_masks_two_streams_are_fair_and_fixed_by_the_seed(dtype: Any) -> None:
    """From 2^18 entries float32/64 masks are drawn as two halves from two streams (two threads when the kernel
    threads are on): the same values with threads on or off, fixed by ``manual_seed``, each half fair."""
    from taeda.nn.functional import _kern_runtime

    x = Variable(tt.ones(600, 700, dtype=dtype), requires_grad=True)
    masks = []
    for threads in (True, False, True):
        old = _kern_runtime.set_kernel_threads(threads)
        try:
            tt.manual_seed(5)
            masks.append(F.dropout(x, 0.3).data.numpy().astype(np.float64))
        finally:
            _kern_runtime.set_kernel_threads(old)
    np.testing.assert_array_equal(masks[0], masks[1])
    np.testing.assert_array_equal(masks[0], masks[2])
    a = masks[0].reshape(-1)
    assert set(np.unique(a)) == {0.0, float(np.asarray(1 / 0.7, dtype=x.data.numpy().dtype))}
    half = a.size // 2
    for part in (a[:half], a[half:]):  # 210K draws each: the kept fraction within 5 standard deviations of 0.7
        assert abs((part != 0).mean() - 0.7) < 5 * np.sqrt(0.21 / part.size)
    assert (a[:half] != a[half:]).mean() > 0.3  # two different streams, not one repeated
    tt.manual_seed(6)
    assert (F.dropout(x, 0.3).data.numpy() != masks[0]).any()
    if dtype != tt.float16:  # the documented streams: two PCG64 seeded by two draws from the global generator
        tt.manual_seed(5)
        seeds = [int(v) for v in tt.randint(0, 1 << 62, (2,)).tolist()]
        dt = x.data.numpy().dtype
        u = [np.random.Generator(np.random.PCG64(sd)).random(half, dtype=dt) for sd in seeds]
        ref = (np.concatenate(u) >= dt.type(0.3)) * dt.type(1 / 0.7)
        np.testing.assert_array_equal(a, ref.astype(np.float64))
