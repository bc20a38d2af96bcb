"""``binary_cross_entropy_with_logits`` without ``pos_weight`` through the blocked two-thread kernels, against the
general whole-array formula: values and gradients over reductions, weights, extreme logits and dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional import _loss_binary

RNG = np.random.default_rng(51)


def _run(x: Any, t: Any, blocks: bool, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> list[Any]:
    with monkeypatch.context() as m:
        if not blocks:
            m.setattr(_loss_binary, "_bce_blocks_ok", lambda *a: False)
        xv = Variable(tt.from_numpy(x), requires_grad=True)
        loss = F.binary_cross_entropy_with_logits(xv, tt.from_numpy(t), **kw)
        g = np.random.default_rng(1).standard_normal(tuple(loss.shape)).astype(x.dtype)
        loss.backward(tt.from_numpy(g) if loss.ndim else None)
        assert xv.grad is not None
        return [loss.data.numpy(), xv.grad.numpy()]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_blocks_equal_the_general_formula(
    reduction: str, dtype: Any, weighted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = (RNG.standard_normal((700, 400)) * 8).astype(dtype)  # 280K elements: several blocks on two threads
    x.reshape(-1)[:4] = [1e4, -1e4, 0.0, -0.0]
    t = (RNG.random(x.shape) < 0.3).astype(dtype)
    t.reshape(-1)[:8] = [1.0, 0.0, 1.0, 0.0, 0.25, 0.5, 1.0, 0.0]  # soft targets too
    w = tt.from_numpy(RNG.random(400).astype(dtype)) if weighted else None
    ours = _run(x, t, True, monkeypatch, reduction=reduction, weight=w)
    ref = _run(x, t, False, monkeypatch, reduction=reduction, weight=w)
    rtol = 2e-6 if dtype == np.float32 else 1e-13
    for a, r in zip(ours, ref):
        assert a.dtype == dtype and a.shape == r.shape and np.isfinite(a).all()
        np.testing.assert_allclose(a, r, rtol=rtol, atol=rtol)
    if reduction == "none" and not weighted:  # logits of ±1e4 on their own side: a loss of exactly 0, no overflow
        assert ours[0].reshape(-1)[0] == 0 and ours[0].reshape(-1)[1] == 0
