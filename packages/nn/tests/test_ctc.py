"""CTC loss against a brute-force sum over all alignments, reductions, gradcheck, impossible alignments."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck

RNG = np.random.default_rng(9)


def brute_force_nll(lp: np.ndarray, target: list[int], blank: int = 0) -> float:
    """-log sum over every frame labelling that collapses (merge repeats, drop blanks) to ``target``."""
    steps, classes = lp.shape
    total = -np.inf
    for path in itertools.product(range(classes), repeat=steps):
        collapsed = [k for i, k in enumerate(path) if k != blank and (i == 0 or path[i - 1] != k)]
        if collapsed == target:
            total = np.logaddexp(total, sum(lp[t, k] for t, k in enumerate(path)))
    return float(-total)


def log_probs(steps: int, batch: int, classes: int) -> Any:
    x = RNG.standard_normal((steps, batch, classes))
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def test_matches_brute_force_and_reductions() -> None:
    lp = log_probs(5, 3, 3)
    targets = np.array([[1, 1], [2, 0], [1, 2]])
    tl, il = np.array([2, 1, 2]), np.array([5, 4, 3])
    ref = np.array([brute_force_nll(lp[: il[n], n], list(targets[n, : tl[n]])) for n in range(3)])
    none = F.ctc_loss(tt.as_tensor(lp), tt.as_tensor(targets), il, tl, reduction="none")
    np.testing.assert_allclose(none.data.numpy(), ref, rtol=1e-10)
    np.testing.assert_allclose(
        F.ctc_loss(tt.as_tensor(lp), tt.as_tensor(targets), il, tl, reduction="sum").item(), ref.sum()
    )
    mean = nn.CTCLoss()(tt.as_tensor(lp), tt.as_tensor(targets), tt.as_tensor(il), tt.as_tensor(tl))
    np.testing.assert_allclose(mean.item(), (ref / tl).mean())
    flat = np.array([1, 1, 2, 1, 2])
    concat = F.ctc_loss(tt.as_tensor(lp), tt.as_tensor(flat), il, tl, reduction="none")
    np.testing.assert_allclose(concat.data.numpy(), ref, rtol=1e-10)
    single = F.ctc_loss(tt.as_tensor(lp[:, 0]), tt.as_tensor(targets[0]), [5], [2], reduction="none")
    np.testing.assert_allclose(single.data.numpy(), ref[0], rtol=1e-10)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_gradcheck(reduction: str) -> None:
    lp = Variable(tt.as_tensor(log_probs(4, 2, 4)), requires_grad=True)
    targets, il, tl = tt.as_tensor(np.array([[1, 3], [2, 2]])), [4, 3], [2, 1]
    assert gradcheck(lambda a: F.ctc_loss(a, targets, il, tl, reduction=reduction), (lp,))


def test_impossible_alignment_and_zero_infinity() -> None:
    lp = log_probs(2, 1, 3)
    target = tt.as_tensor(np.array([[1, 1]]))  # needs 3 frames (1, blank, 1)
    assert np.isinf(F.ctc_loss(tt.as_tensor(lp), target, [2], [2], reduction="sum").item())
    v = Variable(tt.as_tensor(lp), requires_grad=True)
    out = F.ctc_loss(v, target, [2], [2], reduction="sum", zero_infinity=True)
    assert out.item() == 0.0
    out.backward()
    assert v.grad is not None and not np.any(v.grad.data.numpy())
    with pytest.raises(RuntimeError, match="input_lengths"):
        F.ctc_loss(tt.as_tensor(lp), target, [3], [2])
