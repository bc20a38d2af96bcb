"""The hook-based nn.utils.weight_norm / spectral_norm (and their remove_*) against NumPy formulas."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, no_grad
from taeda.nn.utils import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

RNG = np.random.default_rng(19)


def arr(x: Any) -> np.ndarray[Any, Any]:
    return np.asarray((x.data if isinstance(x, Variable) else x).numpy())


def linear(n_in: int = 3, n_out: int = 4) -> nn.Linear:
    m = nn.Linear(n_in, n_out).double()
    with no_grad():
        m.weight.data.copy_(tt.as_tensor(RNG.standard_normal((n_out, n_in))))
    return m


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_hook(dim: int | None) -> None:
    m = linear()
    w0 = arr(m.weight).copy()
    with pytest.warns(FutureWarning, match="deprecated in favor of `taeda.nn.utils.parametrizations.weight_norm`"):
        weight_norm(m, dim=dim)
    assert list(m.state_dict()) == ["bias", "weight_g", "weight_v"]
    norms = np.sqrt((w0**2).sum()) if dim is None else np.sqrt((w0**2).sum(axis=1 - dim, keepdims=True))
    np.testing.assert_allclose(arr(m.weight_g), norms)
    np.testing.assert_array_equal(arr(m.weight_v), w0)
    with no_grad():
        m.weight_g.data.mul_(3.0)
    np.testing.assert_allclose(arr(m.weight), w0, rtol=1e-12)  # recomputed only by the pre-hook
    x = Variable(tt.as_tensor(RNG.standard_normal((2, 3))), requires_grad=True)
    np.testing.assert_allclose(arr(m(x)), arr(x) @ (3.0 * w0).T + arr(m.bias), rtol=1e-12)
    assert gradcheck(lambda *a: m(x), (*m.parameters(), x))
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"):
        with pytest.warns(FutureWarning):
            weight_norm(m)
    remove_weight_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"] and isinstance(m.weight, nn.Parameter)
    assert not m._forward_pre_hooks
    np.testing.assert_allclose(arr(m.weight), 3.0 * w0, rtol=1e-12)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
        remove_weight_norm(m)


def test_spectral_norm_hook() -> None:
    tt.manual_seed(4)
    m = spectral_norm(linear(), n_power_iterations=2)
    assert list(m.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    W = arr(m.weight_orig)
    u, v = arr(m.weight_u).copy(), arr(m.weight_v).copy()
    u_buf = m.weight_u
    x = tt.as_tensor(RNG.standard_normal((2, 3)))
    for _ in range(3):
        for _ in range(2):  # v first, then u (the hook-based order)
            v = W.T @ u
            v /= np.linalg.norm(v)
            u = W @ v
            u /= np.linalg.norm(u)
        out = m(x)
        np.testing.assert_allclose(arr(m.weight), W / (u @ W @ v), rtol=1e-10)
        np.testing.assert_allclose(arr(out), arr(x) @ (W / (u @ W @ v)).T + arr(m.bias), rtol=1e-10)
        np.testing.assert_allclose(arr(m.weight_u), u, rtol=1e-10)
    assert m.weight_u is u_buf
    m.eval()
    before = arr(m.weight_u).copy()
    m(x)
    np.testing.assert_array_equal(arr(m.weight_u), before)
    xv = Variable(x, requires_grad=True)
    assert gradcheck(lambda *a: m(xv), (m.weight_orig, xv))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter weight"):
        spectral_norm(m)
    remove_spectral_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"] and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(arr(m.weight), W / (u @ W @ v), rtol=1e-10)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in"):
        remove_spectral_norm(m)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        spectral_norm(linear(), n_power_iterations=0)


def test_spectral_norm_hook_conv_transpose_uses_dim_1() -> None:
    m = spectral_norm(nn.ConvTranspose1d(2, 5, 3))
    assert tuple(m.weight_u.shape) == (5,) and tuple(m.weight_v.shape) == (6,)
