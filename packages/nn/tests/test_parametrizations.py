"""nn.utils.parametrizations: weight_norm, spectral_norm and orthogonal against NumPy formulas, with gradcheck."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.linalg

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, no_grad
from taeda.nn.utils import parametrize as P
from taeda.nn.utils.parametrizations import orthogonal, spectral_norm, weight_norm

RNG = np.random.default_rng(3)


def arr(x: Any) -> np.ndarray[Any, Any]:
    return np.asarray((x.data if isinstance(x, Variable) else x).numpy())


def assign(m: nn.Module, name: str, value: Any) -> None:
    """``m.<name> = value`` (a parametrized tensor accepts Tensors, which the static type of the layer does not)."""
    setattr(m, name, value)


def with_weight(m: nn.Module, shape: tuple[int, ...]) -> nn.Module:
    m = m.double()
    with no_grad():
        m.weight.data.copy_(tt.as_tensor(RNG.standard_normal(shape)))
    return m


def np_norm_except(v: np.ndarray[Any, Any], dim: int | None) -> np.ndarray[Any, Any]:
    if dim is None:
        return np.asarray(np.sqrt((v**2).sum()))
    axes = tuple(a for a in range(v.ndim) if a != dim % v.ndim)
    out: np.ndarray[Any, Any] = np.sqrt((v**2).sum(axis=axes, keepdims=True))
    return out


# ------------------------------------------------------------------------------------------------- weight_norm
@pytest.mark.parametrize("dim", [0, 1, None, -2])
def test_weight_norm_values_and_keys(dim: int | None) -> None:
    m = with_weight(nn.Conv2d(3, 4, 2), (4, 3, 2, 2))
    w0 = arr(m.weight).copy()
    weight_norm(m, dim=dim)
    plist = m.parametrizations.weight
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    g, v = arr(plist.original0), arr(plist.original1)
    np.testing.assert_allclose(g, np_norm_except(w0, dim))
    assert g.shape == np_norm_except(w0, dim).shape
    np.testing.assert_array_equal(v, w0)
    np.testing.assert_allclose(arr(m.weight), w0, rtol=1e-12)  # w = g v / |v| reproduces the weight
    with no_grad():
        plist.original0.data.mul_(2.0)
    np.testing.assert_allclose(arr(m.weight), 2.0 * w0, rtol=1e-12)
    v2 = RNG.standard_normal(w0.shape)
    with no_grad():
        plist.original1.data.copy_(tt.as_tensor(v2))
    np.testing.assert_allclose(arr(m.weight), 2.0 * np_norm_except(w0, dim) * v2 / np_norm_except(v2, dim))


def test_weight_norm_gradcheck_and_round_trip() -> None:
    m = weight_norm(with_weight(nn.Linear(3, 2), (2, 3)))
    x = Variable(tt.as_tensor(RNG.standard_normal((4, 3))), requires_grad=True)
    assert gradcheck(lambda *a: m(x), (*m.parameters(), x))
    other = weight_norm(nn.Linear(3, 2).double())
    other.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(arr(other(x)), arr(m(x)))
    P.remove_parametrizations(m, "weight")
    assert list(m.state_dict()) == ["bias", "weight"] and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(arr(m(x)), arr(other(x)), rtol=1e-12)


# ----------------------------------------------------------------------------------------------- spectral_norm
def np_power_step(W: np.ndarray[Any, Any], u: np.ndarray[Any, Any], v: np.ndarray[Any, Any]) -> tuple[Any, Any]:
    u = W @ v
    u = u / max(np.linalg.norm(u), 1e-12)
    v = W.T @ u
    v = v / max(np.linalg.norm(v), 1e-12)
    return u, v


def test_spectral_norm_power_iteration_matches_numpy() -> None:
    tt.manual_seed(0)
    m = spectral_norm(with_weight(nn.Linear(5, 4), (4, 5)), n_power_iterations=2)
    keys = list(m.state_dict())
    assert keys == [
        "bias",
        "parametrizations.weight.original",
        "parametrizations.weight.0._u",
        "parametrizations.weight.0._v",
    ]
    sn = m.parametrizations.weight[0]
    W = arr(m.parametrizations.weight.original)
    u_buf, v_buf = sn._u, sn._v
    u, v = arr(u_buf).copy(), arr(v_buf).copy()
    np.testing.assert_allclose(np.linalg.norm(u), 1.0)
    for _ in range(3):  # each training-mode read runs n_power_iterations steps, in place on the buffers
        for _ in range(2):
            u, v = np_power_step(W, u, v)
        w = arr(m.weight)
        np.testing.assert_allclose(w, W / (u @ W @ v), rtol=1e-10)
        np.testing.assert_allclose(arr(sn._u), u, rtol=1e-10)
        assert sn._u is u_buf and sn._v is v_buf
    # after the 15 initial iterations and a few more, sigma is the top singular value
    np.testing.assert_allclose(np.linalg.svd(arr(m.weight), compute_uv=False)[0], 1.0, rtol=1e-3)
    m.eval()
    before = arr(sn._u).copy()
    m.weight
    np.testing.assert_array_equal(arr(sn._u), before)


def test_spectral_norm_conv_transpose_dim_and_1d() -> None:
    m = spectral_norm(with_weight(nn.ConvTranspose2d(3, 5, 2), (3, 5, 2, 2)))
    sn = m.parametrizations.weight[0]
    assert sn.dim == 1 and tuple(sn._u.shape) == (5,) and tuple(sn._v.shape) == (12,)
    W = arr(m.parametrizations.weight.original).transpose(1, 0, 2, 3).reshape(5, -1)
    m.eval()
    np.testing.assert_allclose(
        arr(m.weight), arr(m.parametrizations.weight.original) / (arr(sn._u) @ W @ arr(sn._v)), rtol=1e-12
    )
    mod = nn.Module()
    mod.register_parameter("w", nn.Parameter(tt.as_tensor(RNG.standard_normal(6))))
    spectral_norm(mod, "w")
    w = arr(mod.parametrizations.w.original)
    np.testing.assert_allclose(arr(mod.w), w / np.linalg.norm(w))
    assert list(mod.state_dict()) == ["parametrizations.w.original"]


def test_spectral_norm_gradcheck_in_eval() -> None:
    m = spectral_norm(with_weight(nn.Linear(3, 4), (4, 3))).eval()
    x = Variable(tt.as_tensor(RNG.standard_normal((2, 3))), requires_grad=True)
    assert gradcheck(lambda *a: m(x), (*m.parameters(), x))
    m.train()
    m(x).sum().backward()  # two reads in one graph are fine: u and v are cloned
    (m(x).sum() + m(x).sum()).backward()


def test_spectral_norm_errors() -> None:
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\] but got 2\)"):
        spectral_norm(nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        spectral_norm(nn.Linear(2, 2), "nope")


# ------------------------------------------------------------------------------------------------- orthogonal
SHAPES = [(4, 4), (5, 3), (3, 5)]


def gram(Q: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    out: np.ndarray[Any, Any] = Q.T @ Q if Q.shape[0] >= Q.shape[1] else Q @ Q.T
    return out


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("triv", [True, False])
def test_orthogonal(shape: tuple[int, int], orthogonal_map: str, triv: bool) -> None:
    tt.manual_seed(1)
    m = with_weight(nn.Linear(shape[1], shape[0]), shape)
    w0 = arr(m.weight).copy()
    orthogonal(m, orthogonal_map=orthogonal_map, use_trivialization=triv)
    Q = arr(m.weight)
    np.testing.assert_allclose(gram(Q), np.eye(min(shape)), atol=1e-12)
    keys = ["bias", "parametrizations.weight.original"] + (["parametrizations.weight.0.base"] if triv else [])
    assert list(m.state_dict()) == keys
    if triv or orthogonal_map == "householder":
        # the initial value is the QR-orthogonalised weight (Q factor with diag(R) > 0)
        tall = w0 if shape[0] >= shape[1] else w0.T
        q, r = np.linalg.qr(tall)
        q = q * np.sign(np.diag(r))
        np.testing.assert_allclose(Q if shape[0] >= shape[1] else Q.T, q, atol=1e-12)
    x = Variable(tt.as_tensor(RNG.standard_normal((2, shape[1]))), requires_grad=True)
    # move away from the initial point; householder reads int(diagonal) (its signs, +-1), so push the diagonal
    # from +-1 to +-1.5 where finite differences do not cross an integer
    original = m.parametrizations.weight.original
    eye = np.eye(*shape)
    step = 0.3 * RNG.standard_normal(shape) * (1.0 - eye) + 0.5 * eye * np.sign(arr(original))
    with no_grad():
        original.data.add_(tt.as_tensor(step))
    np.testing.assert_allclose(gram(arr(m.weight)), np.eye(min(shape)), atol=1e-12)
    assert gradcheck(lambda *a: m(x), (m.parametrizations.weight.original, x))


def test_orthogonal_matrix_exp_formula_and_assignment() -> None:
    m = orthogonal(with_weight(nn.Linear(4, 4), (4, 4)), use_trivialization=False)
    X = arr(m.parametrizations.weight.original)
    L = np.tril(X)
    np.testing.assert_allclose(arr(m.weight), scipy.linalg.expm(L - L.T), rtol=1e-10, atol=1e-12)
    with pytest.raises(NotImplementedError, match="not possible to assign to the matrix exponential"):
        assign(m, "weight", tt.eye(4, dtype=tt.float64))
    m = orthogonal(with_weight(nn.Linear(3, 5), (5, 3)), orthogonal_map="cayley")
    Q, _ = np.linalg.qr(RNG.standard_normal((5, 3)))
    assign(m, "weight", tt.as_tensor(Q))
    np.testing.assert_allclose(arr(m.weight), Q, atol=1e-12)
    m = orthogonal(with_weight(nn.Linear(3, 5), (5, 3)), orthogonal_map="householder", use_trivialization=False)
    assign(m, "weight", tt.as_tensor(Q))
    np.testing.assert_allclose(arr(m.weight), Q, atol=1e-12)


def test_orthogonal_errors() -> None:
    mod = nn.Module()
    mod.register_parameter("w", nn.Parameter(tt.zeros(3)))
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices\. Got a tensor of 1 dimensions\."):
        orthogonal(mod, "w")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        orthogonal(nn.Linear(2, 2), orthogonal_map="qr")
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        orthogonal(nn.Linear(2, 2), "nope")
    m = orthogonal(nn.Linear(2, 3))
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices of shape"):
        assign(m, "weight", tt.zeros(2, 2))


@pytest.mark.filterwarnings("ignore:`taeda.nn.utils.weight_norm` is deprecated:FutureWarning")
def test_weight_norm_loads_checkpoints_of_the_hook_based_version() -> None:
    """As PyTorch: ``weight_g``/``weight_v`` from ``nn.utils.weight_norm`` load into the parametrized module."""
    from taeda.nn.utils import weight_norm as old_weight_norm

    old = old_weight_norm(nn.Linear(4, 3))
    new = weight_norm(nn.Linear(4, 3))
    sd = old.state_dict()
    assert {"weight_g", "weight_v", "bias"} <= set(sd)
    result = new.load_state_dict(sd)
    assert not result.missing_keys and not result.unexpected_keys
    x = tt.randn(2, 4)
    np.testing.assert_allclose(new(x).data.numpy(), old(x).data.numpy(), rtol=1e-6, atol=1e-7)
    assert "weight_g" in sd  # the caller's dict is left as it was
