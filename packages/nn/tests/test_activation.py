"""Activations: forward against NumPy formulas (incl. extreme values), gradcheck, module reprs."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck

RNG = np.random.default_rng(1)
_erf = np.vectorize(math.erf)


def _sig(x: np.ndarray) -> Any:
    return np.exp(-np.logaddexp(0, -x))


def _softplus(x: np.ndarray) -> Any:
    return np.logaddexp(0, x)


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805

CASES: list[tuple[str, Callable[..., Any], Callable[[np.ndarray], np.ndarray]]] = [
    ("relu", F.relu, lambda x: np.maximum(x, 0)),
    ("relu6", F.relu6, lambda x: np.clip(x, 0, 6)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    ("elu", lambda x: F.elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    ("selu", F.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x))),
    ("celu", lambda x: F.celu(x, 2.0), lambda x: np.maximum(x, 0) + np.minimum(0, 2 * np.expm1(x / 2))),
    ("gelu", F.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    (
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    ),
    ("silu", F.silu, lambda x: x * _sig(x)),
    ("mish", F.mish, lambda x: x * np.tanh(_softplus(x))),
    ("sigmoid", F.sigmoid, _sig),
    ("tanh", F.tanh, np.tanh),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0)),
    ("hardsigmoid", F.hardsigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("hardswish", F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("softplus", lambda x: F.softplus(x, 2.0, 5.0), lambda x: np.where(2 * x > 5, x, _softplus(2 * x) / 2)),
    ("softsign", F.softsign, lambda x: x / (1 + np.abs(x))),
    ("threshold", lambda x: F.threshold(x, 0.3, -2.0), lambda x: np.where(x > 0.3, x, -2.0)),
    ("logsigmoid", F.logsigmoid, lambda x: -_softplus(-x)),
    ("hardshrink", F.hardshrink, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    ("softshrink", F.softshrink, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    ("tanhshrink", F.tanhshrink, lambda x: x - np.tanh(x)),
]


@pytest.mark.parametrize(("name", "fn", "ref"), CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name: str, fn: Callable[..., Any], ref: Callable[[np.ndarray], np.ndarray]) -> None:
    x = RNG.standard_normal((3, 5)) * 4
    np.testing.assert_allclose(fn(tt.as_tensor(x)).data.numpy(), ref(x), rtol=1e-7, atol=1e-10)
    x32 = x.astype(np.float32)
    out = fn(tt.as_tensor(x32))
    assert out.dtype == tt.float32
    np.testing.assert_allclose(out.data.numpy(), ref(x), rtol=1e-4, atol=1e-5)
    # 0-d, empty, non-contiguous, extreme values
    assert tuple(fn(tt.tensor(0.7, dtype=tt.float64)).shape) == ()
    assert tuple(fn(tt.zeros(0, 3)).shape) == (0, 3)
    nc = tt.as_tensor(x).t()
    np.testing.assert_allclose(fn(nc).data.numpy(), ref(x.T), rtol=1e-7, atol=1e-10)
    big = np.array([-1e4, -50.0, 50.0, 1e4])
    with np.errstate(over="ignore", invalid="ignore"):
        got = fn(tt.as_tensor(big)).data.numpy()
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize(("name", "fn", "ref"), CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name: str, fn: Callable[..., Any], ref: Callable[[np.ndarray], np.ndarray]) -> None:
    x = RNG.standard_normal((2, 4)) * 3
    # keep away from kinks, where finite differences are meaningless
    x = np.where(np.abs(x) < 0.05, 0.3, x)
    for kink in (-3.0, 3.0, 0.5, -0.5, 0.3, -1.0, 2.0):
        x = np.where(np.abs(x - kink) < 0.05, kink + 0.2, x)
    v = Variable(tt.as_tensor(x), requires_grad=True)
    assert gradcheck(fn, (v,))


def test_relu_gradient_at_zero_is_zero() -> None:
    v = Variable(tt.tensor([-1.0, 0.0, 2.0]), requires_grad=True)
    F.relu(v).sum().backward()
    assert v.grad is not None
    np.testing.assert_array_equal(v.grad.data.numpy(), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family(dim: int) -> None:
    x = RNG.standard_normal((3, 4)) * 10
    e = np.exp(x - x.max(dim, keepdims=True))
    sm = e / e.sum(dim, keepdims=True)
    np.testing.assert_allclose(F.softmax(tt.as_tensor(x), dim).data.numpy(), sm, rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(tt.as_tensor(x), dim).data.numpy(), np.log(sm), rtol=1e-10)
    en = np.exp(-x - (-x).max(dim, keepdims=True))
    np.testing.assert_allclose(F.softmin(tt.as_tensor(x), dim).data.numpy(), en / en.sum(dim, keepdims=True))
    v = Variable(tt.as_tensor(x / 10), requires_grad=True)
    for fn in (F.softmax, F.log_softmax, F.softmin):
        assert gradcheck(lambda a, f=fn: f(a, dim), (v,))


def test_log_softmax_finite_for_huge_logits() -> None:
    x = tt.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    out = F.log_softmax(x, 1).data.numpy()
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[0], [0.0, -2e4, -1e4], rtol=1e-6)
    np.testing.assert_allclose(out[1], [-math.log(3)] * 3, rtol=1e-5)


def test_softmax_implicit_dim_warns() -> None:
    with pytest.warns(UserWarning, match="Implicit dimension"):
        F.softmax(tt.ones(2, 3))


def test_prelu_and_glu() -> None:
    x = RNG.standard_normal((2, 3, 4))
    w = np.array([0.1, 0.2, 0.3])
    out = F.prelu(tt.as_tensor(x), tt.as_tensor(w)).data.numpy()
    np.testing.assert_allclose(out, np.where(x > 0, x, x * w[None, :, None]))
    assert gradcheck(F.prelu, (Variable(tt.as_tensor(x), True), Variable(tt.as_tensor(w), True)))
    assert gradcheck(F.prelu, (Variable(tt.as_tensor(x), True), Variable(tt.tensor([0.25], dtype=tt.float64), True)))
    m = nn.PReLU(3)
    assert float(m.weight.data.numpy()[0]) == pytest.approx(0.25) and repr(m) == "PReLU(num_parameters=3)"
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers"):
        F.prelu(tt.ones(2, 4), tt.ones(3))
    a, b = x[..., :2], x[..., 2:]
    np.testing.assert_allclose(F.glu(tt.as_tensor(x)).data.numpy(), a * _sig(b))


def test_module_reprs_match_pytorch() -> None:
    expected = {
        nn.ReLU(): "ReLU()",
        nn.ReLU(inplace=True): "ReLU(inplace=True)",
        nn.ReLU6(): "ReLU6()",
        nn.LeakyReLU(): "LeakyReLU(negative_slope=0.01)",
        nn.ELU(): "ELU(alpha=1.0)",
        nn.CELU(): "CELU(alpha=1.0)",
        nn.SELU(): "SELU()",
        nn.GELU("tanh"): "GELU(approximate='tanh')",
        nn.SiLU(): "SiLU()",
        nn.Mish(): "Mish()",
        nn.Sigmoid(): "Sigmoid()",
        nn.Tanh(): "Tanh()",
        nn.Hardtanh(): "Hardtanh(min_val=-1.0, max_val=1.0)",
        nn.Hardsigmoid(): "Hardsigmoid()",
        nn.Hardswish(): "Hardswish()",
        nn.Softplus(): "Softplus(beta=1.0, threshold=20.0)",
        nn.Softsign(): "Softsign()",
        nn.Softmax(1): "Softmax(dim=1)",
        nn.LogSoftmax(dim=-1): "LogSoftmax(dim=-1)",
        nn.Softmin(): "Softmin(dim=None)",
        nn.Threshold(0.1, 20): "Threshold(threshold=0.1, value=20)",
        nn.Hardshrink(): "Hardshrink(0.5)",
    }
    for m, r in expected.items():
        assert repr(m) == r
    x = tt.randn(2, 5)
    for m in expected:
        if isinstance(m, nn.Softmin):
            continue
        out = m(x)
        assert tuple(out.shape) == (2, 5)
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


SECOND_ORDER = ["relu", "relu6", "leaky_relu", "threshold", "hardtanh", "elu", "selu", "celu", "gelu", "silu",
                "sigmoid", "tanh", "softplus"]  # fmt: skip


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_gradgradcheck(name: str) -> None:
    fn = {c[0]: c[1] for c in CASES}[name]
    x = RNG.standard_normal((2, 3)) * 2
    x = np.where(np.abs(x) < 0.1, 0.4, x)
    for kink in (0.3, 6.0, 2.0, -0.5, -1.0):
        x = np.where(np.abs(x - kink) < 0.1, kink + 0.25, x)
    assert gradgradcheck(fn, (Variable(tt.as_tensor(x), requires_grad=True),))


def test_softmax_gradgradcheck_and_gradient_penalty() -> None:
    v = Variable(tt.as_tensor(RNG.standard_normal((2, 4))), requires_grad=True)
    assert gradgradcheck(lambda a: F.softmax(a, 1), (v,))
    assert gradgradcheck(lambda a: F.log_softmax(a, 0), (v,))
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    x = Variable(tt.as_tensor(RNG.standard_normal((5, 4))), requires_grad=True)
    from taeda.autograd import grad

    (gx,) = grad(net(x).sum(), x, create_graph=True)
    assert gx is not None
    penalty = ((gx * gx).sum(1) - 1) ** 2
    penalty.mean().backward()
    grads = {n: p.grad for n, p in net.named_parameters()}
    assert grads["2.bias"] is None  # the input gradient does not depend on the last bias
    assert all(grads[n] is not None for n in ("0.weight", "0.bias", "2.weight"))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relu_on_large_arrays_keeps_nan_inf_and_fresh_output(dtype: Any) -> None:
    # from 4096 elements relu compares against a shared read-only zero buffer (faster than a scalar in NumPy)
    for shape in [(5000,), (3, 64, 70), (2, 9000)]:  # sizes grow and shrink: the buffer grows once and is reused
        a = RNG.standard_normal(shape).astype(dtype)
        a.reshape(-1)[:4] = [np.nan, np.inf, -np.inf, -0.0]
        y = F.relu(Variable(tt.from_numpy(a))).data.numpy()
        ref = np.maximum(a, 0)
        np.testing.assert_array_equal(y, ref)
        assert np.isnan(y.reshape(-1)[0]) and y.reshape(-1)[1] == np.inf and y.reshape(-1)[2] == 0
        assert y.flags.writeable and y.dtype == dtype and y.shape == shape
        y[...] = 1  # the output is the caller's own memory: the zero buffer stays zero
    b = RNG.standard_normal((70, 80))
    np.testing.assert_array_equal(F.relu(Variable(tt.from_numpy(b))).data.numpy(), np.maximum(b, 0))
    t = np.asfortranarray(RNG.standard_normal((90, 70)))  # non-contiguous input: the scalar path
    np.testing.assert_array_equal(F.relu(Variable(tt.from_numpy(t))).data.numpy(), np.maximum(t, 0))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize(("shape", "dim"), [((3, 0), -1), ((2, 0, 4), 1), ((0, 3), -1)])
def test_softmaxes_over_an_empty_axis(name: str, shape: tuple[int, ...], dim: int) -> None:
    """An empty result (and gradient), as PyTorch, not NumPy's 'zero-size array to reduction' error."""
    x = Variable(tt.ones(*shape), requires_grad=True)
    y = getattr(F, name)(x, dim)
    y.sum().backward()
    assert tuple(y.shape) == shape and x.grad is not None and tuple(x.grad.shape) == shape
