"""nn.init: bounds and statistics of every initialiser, gains, fans, in-place behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.nn import init


def test_calculate_gain() -> None:
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_uniform_normal_constant_family_in_place() -> None:
    tt.manual_seed(1)
    p = nn.Parameter(tt.empty(200, 100))
    data = p.data
    assert init.uniform_(p, -0.3, 0.2) is p and p.data is data
    a = p.data.numpy()
    assert a.min() >= -0.3 and a.max() < 0.2 and abs(a.mean() + 0.05) < 0.01
    init.normal_(p, 1.0, 0.5)
    assert abs(p.data.numpy().mean() - 1.0) < 0.01 and abs(p.data.numpy().std() - 0.5) < 0.01
    init.constant_(p, 0.7)
    assert np.all(p.data.numpy() == np.float32(0.7))
    init.zeros_(p)
    assert not p.data.numpy().any()
    init.ones_(p)
    assert np.all(p.data.numpy() == 1)
    assert p.grad_fn is None and p.requires_grad


def test_xavier_and_kaiming() -> None:
    tt.manual_seed(2)
    w = tt.empty(300, 200)
    init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.95 * bound
    init.xavier_normal_(w)
    assert abs(w.numpy().std() - math.sqrt(2 / 500)) < 0.002
    init.kaiming_uniform_(w, a=0, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.95 * bound
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 300)) < 0.002
    conv = tt.empty(16, 8, 3, 3)
    init.kaiming_uniform_(conv, a=math.sqrt(5))
    assert np.abs(conv.numpy()).max() <= 1 / math.sqrt(72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tt.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(w, mode="fan_avg")  # type: ignore[arg-type]


def test_trunc_normal_orthogonal_eye_dirac() -> None:
    tt.manual_seed(3)
    w = tt.empty(100, 100)
    init.trunc_normal_(w, mean=0.5, std=1.0, a=-0.5, b=1.0)
    a = w.numpy()
    assert a.min() >= -0.5 and a.max() <= 1.0 and a.std() > 0.2
    for shape in [(6, 4), (4, 6), (5, 2, 3)]:
        q = tt.empty(*shape)
        init.orthogonal_(q, gain=2.0)
        m = q.numpy().reshape(shape[0], -1).astype(np.float64)
        if m.shape[0] <= m.shape[1]:
            np.testing.assert_allclose(m @ m.T, 4 * np.eye(m.shape[0]), atol=1e-5)
        else:
            np.testing.assert_allclose(m.T @ m, 4 * np.eye(m.shape[1]), atol=1e-5)
    e = tt.empty(3, 4)
    init.eye_(e)
    np.testing.assert_array_equal(e.numpy(), np.eye(3, 4))
    d = tt.empty(4, 2, 3, 3)
    init.dirac_(d, groups=2)
    ref = np.zeros((4, 2, 3, 3))
    ref[0, 0, 1, 1] = ref[1, 1, 1, 1] = ref[2, 0, 1, 1] = ref[3, 1, 1, 1] = 1
    np.testing.assert_array_equal(d.numpy(), ref)
    s = tt.empty(10, 4)
    init.sparse_(s, 0.3)
    assert all((s.numpy()[:, c] == 0).sum() >= 3 for c in range(4))


def test_default_initialisations_follow_pytorch() -> None:
    tt.manual_seed(4)
    emb = nn.Embedding(1000, 20, padding_idx=3)
    a = emb.weight.data.numpy()
    assert np.all(a[3] == 0) and abs(a.std() - 1.0) < 0.02
    rnn = nn.GRU(10, 25)
    assert all(np.abs(p.data.numpy()).max() <= 0.2 for p in rnn.parameters())
    bil = nn.Bilinear(16, 4, 3)
    assert np.abs(bil.weight.data.numpy()).max() <= 0.25
    mha = nn.MultiheadAttention(12, 3)
    assert np.abs(mha.in_proj_weight.data.numpy()).max() <= math.sqrt(6 / (12 + 36))
    lin = nn.Linear(9, 4)
    before = lin.weight.data.numpy().copy()
    lin.reset_parameters()
    assert not np.array_equal(before, lin.weight.data.numpy())
