"""conv_transpose3d / ConvTranspose3d, InstanceNorm3d and rrelu / RReLU: NumPy references, PyTorch parity,
gradients (first and second order), errors and module reprs."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck


def _rand(*shape: int, seed: int = 0, grad: bool = True) -> Variable:
    rng = np.random.default_rng(seed)
    return Variable(tt.as_tensor(rng.standard_normal(shape)), requires_grad=grad)


def np_conv_transpose3d(x: Any, w: Any, b: Any, s: int, p: int, op: int, g: int, d: int) -> Any:
    """Brute-force scatter form of the transposed convolution (cubic stride/padding/dilation)."""
    n, cin = x.shape[:2]
    cout_g = w.shape[1]
    k = w.shape[2:]
    full = [(i - 1) * s + d * (kk - 1) + 1 + op for i, kk in zip(x.shape[2:], k)]
    y: Any = np.zeros((n, cout_g * g, *full))
    cin_g = cin // g
    for ci in range(cin):
        grp = ci // cin_g
        for i in itertools.product(*(range(v) for v in x.shape[2:])):
            for kk in itertools.product(*(range(v) for v in k)):
                pos = tuple(ii * s + kj * d for ii, kj in zip(i, kk))
                for co in range(cout_g):
                    y[(slice(None), grp * cout_g + co, *pos)] += x[(slice(None), ci, *i)] * w[(ci, co, *kk)]
    out = [f - 2 * p for f in full]
    y = y[(Ellipsis, *(slice(p, p + o) for o in out))]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1, 1)
    return y


CT3: list[dict[str, int]] = [
    {"s": 1, "p": 0, "op": 0, "g": 1, "d": 1},
    {"s": 2, "p": 1, "op": 1, "g": 1, "d": 1},
    {"s": 2, "p": 0, "op": 0, "g": 2, "d": 2},
    {"s": 1, "p": 1, "op": 0, "g": 1, "d": 2},
]


@pytest.mark.parametrize("cfg", CT3)
def test_conv_transpose3d_numpy(cfg: dict[str, int]) -> None:
    x = _rand(2, 4, 3, 2, 3, grad=False)
    w = _rand(4, 3, 2, 3, 2, seed=1, grad=False)
    b = _rand(3 * cfg["g"], seed=2, grad=False)
    y = F.conv_transpose3d(x, w, b, cfg["s"], cfg["p"], cfg["op"], cfg["g"], cfg["d"])
    ref = np_conv_transpose3d(x.data.numpy(), w.data.numpy(), b.data.numpy(), **cfg)
    np.testing.assert_allclose(y.data.numpy(), ref, rtol=1e-10, atol=1e-10)
    unb = F.conv_transpose3d(x[0], w, b, cfg["s"], cfg["p"], cfg["op"], cfg["g"], cfg["d"])
    np.testing.assert_allclose(unb.data.numpy(), ref[0], rtol=1e-10, atol=1e-10)


def test_conv_transpose3d_grads() -> None:
    x = _rand(1, 2, 2, 3, 2)
    w = _rand(2, 2, 2, 2, 2, seed=1)
    b = _rand(4, seed=2)

    def f(x: Variable, w: Variable, b: Variable) -> Variable:
        return F.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)

    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


def _err(f: Any) -> str:
    with pytest.raises((RuntimeError, ValueError)) as e:
        f()
    return str(e.value)


def test_conv_transpose3d_errors() -> None:
    x = tt.randn(2, 3, 4, 4, 4)
    w = tt.randn(3, 2, 3, 3, 3)
    assert _err(lambda: F.conv_transpose3d(x[0, 0], w)) == (
        "Expected 4D (unbatched) or 5D (batched) input to conv_transpose3d, but got input of size: [4, 4, 4]"
    )
    assert _err(lambda: F.conv_transpose3d(x, tt.randn(4, 2, 3, 3, 3))) == (
        "Given transposed=1, weight of size [4, 2, 3, 3, 3], expected input[2, 3, 4, 4, 4] to have 4 channels, "
        "but got 3 channels instead"
    )
    assert _err(lambda: F.conv_transpose3d(x, w, stride=(2, 1, 1), output_padding=(1, 1, 0))) == (
        "output padding must be smaller than either stride or dilation, but got output_padding_depth: 1 "
        "output_padding_height: 1 output_padding_width: 0 stride_depth: 2 stride_height: 1 stride_width: 1 "
        "dilation_depth: 1 dilation_height: 1 dilation_width: 1"
    )
    assert _err(lambda: F.conv_transpose3d(tt.randn(1, 3, 1, 1, 1), tt.randn(3, 2, 1, 1, 1), padding=1)) == (
        "Given input size per channel: (1 x 1 x 1). Calculated output size per channel: (-1 x -1 x -1). Output size "
        "is too small"
    )
    assert _err(lambda: F.conv_transpose3d(x, w, groups=2)) == (
        "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size "
        "[[3, 2, 3, 3, 3]] instead"
    )
    assert _err(lambda: F.conv_transpose3d(x, w, tt.randn(3))) == (
        "Given transposed=1, weight of size [3, 2, 3, 3, 3], expected bias to be 1-dimensional with 2 elements, "
        "but got bias of size [3] instead"
    )
    assert _err(lambda: F.conv_transpose3d(x, w, stride=(1, 1))) == (
        "expected stride to be a single integer value or a list of 3 values to match the convolution dimensions, "
        "but got stride=[1, 1]"
    )
    assert _err(lambda: F.conv_transpose3d(x, w, stride=0)) == "non-positive stride is not supported"
    assert _err(lambda: F.conv_transpose3d(x, w, padding=-1)) == "negative padding is not supported"


def test_conv_transpose3d_module() -> None:
    m = nn.ConvTranspose3d(4, 6, 3, stride=2, output_padding=1, groups=2, bias=False, dilation=2)
    assert repr(m) == (
        "ConvTranspose3d(4, 6, kernel_size=(3, 3, 3), stride=(2, 2, 2), dilation=(2, 2, 2), "
        "output_padding=(1, 1, 1), groups=2, bias=False)"
    )
    assert tuple(m.weight.shape) == (4, 3, 3, 3, 3)
    assert list(m.state_dict()) == ["weight"]
    m2 = nn.ConvTranspose3d(3, 2, 3, stride=2)
    assert list(m2.state_dict()) == ["weight", "bias"]
    x = tt.randn(2, 3, 4, 4, 4)
    assert tuple(m2(x, output_size=(10, 10, 10)).shape) == (2, 2, 10, 10, 10)
    assert tuple(m2(x, output_size=(2, 2, 9, 10, 9)).shape) == (2, 2, 9, 10, 9)
    assert tuple(m2(x[0]).shape) == (2, 9, 9, 9)
    with pytest.raises(ValueError, match=r"requested an output size of \(12, 10, 10\), but valid sizes range from "):
        m2(x, output_size=(12, 10, 10))
    assert _err(lambda: m2(x, output_size=(10, 10))) == (
        "ConvTranspose3D: for 5D input, output_size must have 3 or 5 elements (got 2)"
    )
    assert _err(lambda: nn.ConvTranspose3d(3, 2, 3, padding_mode="reflect")) == (
        'Only "zeros" padding mode is supported for ConvTranspose3d'
    )
    assert _err(lambda: nn.ConvTranspose3d(3, 2, 3, groups=2)) == "in_channels must be divisible by groups"


# --------------------------------------------------------------------------------------------- InstanceNorm3d
def _np_instance_norm(x: Any, eps: float = 1e-5) -> Any:
    axes = tuple(range(2, x.ndim))
    m = x.mean(axis=axes, keepdims=True)
    v = x.var(axis=axes, keepdims=True)
    return (x - m) / np.sqrt(v + eps)


def test_instance_norm3d_numpy() -> None:
    x = _rand(2, 3, 3, 4, 2, grad=False)
    ref = _np_instance_norm(x.data.numpy())
    np.testing.assert_allclose(F.instance_norm(x).data.numpy(), ref, rtol=1e-10, atol=1e-10)
    m = nn.InstanceNorm3d(3, affine=True, dtype=tt.float64)
    m.weight.data.copy_(tt.tensor([1.0, 2.0, -0.5], dtype=tt.float64))
    m.bias.data.copy_(tt.tensor([0.0, 1.0, 3.0], dtype=tt.float64))
    want = ref * np.array([1.0, 2.0, -0.5]).reshape(1, 3, 1, 1, 1) + np.array([0.0, 1.0, 3.0]).reshape(1, 3, 1, 1, 1)
    np.testing.assert_allclose(m(x).data.numpy(), want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(m(x[1]).data.numpy(), want[1], rtol=1e-10, atol=1e-10)
    nb = nn.InstanceNorm3d(3, affine=True, bias=False, dtype=tt.float64)
    assert nb.bias is None and list(nb.state_dict()) == ["weight"]
    np.testing.assert_allclose(nb(x).data.numpy(), ref, rtol=1e-10, atol=1e-10)


def test_instance_norm3d_running_stats_and_errors() -> None:
    m = nn.InstanceNorm3d(3, track_running_stats=True, dtype=tt.float64)
    assert list(m.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    x = _rand(2, 3, 2, 3, 2, grad=False)
    m(x)
    a = x.data.numpy()
    mean = a.mean(axis=(2, 3, 4)).mean(axis=0)
    var = a.var(axis=(2, 3, 4), ddof=1).mean(axis=0)
    np.testing.assert_allclose(m.running_mean.numpy(), 0.1 * mean, rtol=1e-10)
    np.testing.assert_allclose(m.running_var.numpy(), 0.9 + 0.1 * var, rtol=1e-10)
    m.eval()
    want = (a - m.running_mean.numpy().reshape(1, 3, 1, 1, 1)) / np.sqrt(
        m.running_var.numpy().reshape(1, 3, 1, 1, 1) + 1e-5
    )
    np.testing.assert_allclose(m(x).data.numpy(), want, rtol=1e-10)
    assert _err(lambda: nn.InstanceNorm3d(3)(tt.randn(4, 4, 4))) == "expected 4D or 5D input (got 3D input)"
    assert _err(lambda: nn.InstanceNorm3d(4, affine=True)(tt.randn(2, 3, 2, 2, 2))) == (
        "expected input's size at dim=1 to match num_features (4), but got: 3."
    )
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        nn.InstanceNorm3d(4)(tt.randn(2, 3, 2, 2, 2))
    assert any("does not match num_features" in str(r.message) for r in rec)


def test_instance_norm3d_repr_and_grads() -> None:
    assert repr(nn.InstanceNorm3d(3)) == (
        "InstanceNorm3d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    )
    assert repr(nn.InstanceNorm3d(3, affine=True)) == (
        "InstanceNorm3d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=False)"
    )
    x = _rand(2, 2, 2, 2, 3)
    w = _rand(2, seed=1)
    b = _rand(2, seed=2)

    def f(x: Variable, w: Variable, b: Variable) -> Variable:
        return F.instance_norm(x, weight=w, bias=b)

    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


# ------------------------------------------------------------------------------------------------------ rrelu
def test_rrelu_eval_is_leaky_relu_with_mean_slope() -> None:
    x = _rand(3, 7, grad=False)
    a = x.data.numpy()
    want = np.where(a >= 0, a, a * (0.1 + 0.3) / 2)
    np.testing.assert_allclose(F.rrelu(x, 0.1, 0.3).data.numpy(), want, rtol=1e-12)
    m = nn.RReLU(0.1, 0.3).eval()
    np.testing.assert_allclose(m(x).data.numpy(), want, rtol=1e-12)
    default = np.where(a >= 0, a, a * (1 / 8 + 1 / 3) / 2)
    np.testing.assert_allclose(F.rrelu(x).data.numpy(), default, rtol=1e-12)


def test_rrelu_training_slopes_and_gradient() -> None:
    x = _rand(200, 50)
    tt.manual_seed(123)
    y = F.rrelu(x, 0.2, 0.4, training=True)
    a, ya = x.data.numpy(), y.data.numpy()
    pos = a > 0
    np.testing.assert_array_equal(ya[pos], a[pos])
    slopes = ya[~pos] / a[~pos]
    assert slopes.min() >= 0.2 and slopes.max() <= 0.4
    assert abs(slopes.mean() - 0.3) < 0.01 and slopes.std() > 0.05  # U(0.2, 0.4): std 0.0577
    y.sum().backward()
    assert x.grad is not None
    g = x.grad.numpy()
    np.testing.assert_array_equal(g[pos], 1.0)
    np.testing.assert_allclose(g[~pos], slopes, rtol=1e-12)
    tt.manual_seed(123)
    np.testing.assert_array_equal(F.rrelu(x, 0.2, 0.4, training=True).data.numpy(), ya)
    m = nn.RReLU(0.2, 0.4)
    assert m.training
    tt.manual_seed(123)
    np.testing.assert_array_equal(m(x).data.numpy(), ya)


def test_rrelu_grads_errors_repr() -> None:
    x = _rand(3, 4)

    def f(v: Variable) -> Variable:
        tt.manual_seed(7)
        return F.rrelu(v, training=True)

    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))
    assert gradgradcheck(lambda v: F.rrelu(v, 0.1, 0.5), (x,))
    assert _err(lambda: F.rrelu(x, 0.5, 0.2)) == "Lower bound should be less than or equal to the upper bound"
    assert _err(lambda: F.rrelu(x, 0.5, 0.2, training=True)).startswith("Lower bound")
    with pytest.raises(TypeError, match="must be Tensor"):
        F.rrelu(np.ones(3))  # type: ignore[arg-type]
    assert repr(nn.RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)"
    assert repr(nn.RReLU(0.1, 0.3, inplace=True)) == "RReLU(lower=0.1, upper=0.3, inplace=True)"
    assert nn.RReLU().state_dict() == {}


# ------------------------------------------------------------------------------------------------ torch parity
@pytest.mark.parametrize("cfg", CT3)
def test_conv_transpose3d_torch(cfg: dict[str, int]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    xa, wa, ba = (
        rng.standard_normal((2, 4, 3, 2, 3)),
        rng.standard_normal((4, 3, 2, 3, 2)),
        rng.standard_normal(3 * cfg["g"]),
    )
    args = (cfg["s"], cfg["p"], cfg["op"], cfg["g"], cfg["d"])
    x, w, b = (Variable(tt.as_tensor(a), requires_grad=True) for a in (xa, wa, ba))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xa, wa, ba))
    y = F.conv_transpose3d(x, w, b, *args)
    ty = torch.nn.functional.conv_transpose3d(tx, tw, tb, *args)
    np.testing.assert_allclose(y.data.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(ty.shape)
    y.backward(tt.as_tensor(g))
    ty.backward(torch.tensor(g))
    for v, tv in ((x, tx), (w, tw), (b, tb)):
        assert v.grad is not None
        np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_instance_norm3d_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(10).standard_normal((2, 3, 3, 4, 2))
    m = nn.InstanceNorm3d(3, affine=True, track_running_stats=True, dtype=tt.float64)
    tm = torch.nn.InstanceNorm3d(3, affine=True, track_running_stats=True, dtype=torch.float64)
    np.testing.assert_allclose(m(tt.as_tensor(a)).data.numpy(), tm(torch.tensor(a)).detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(m.running_var.numpy(), tm.running_var.numpy(), rtol=1e-10)
    assert repr(m) == repr(tm)
    assert list(m.state_dict()) == list(tm.state_dict())


def test_rrelu_eval_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(11).standard_normal((4, 5))
    np.testing.assert_allclose(
        F.rrelu(tt.as_tensor(a), 0.05, 0.45).numpy(), torch.nn.functional.rrelu(torch.tensor(a), 0.05, 0.45).numpy()
    )
    assert repr(nn.RReLU(0.1, 0.3)) == repr(torch.nn.RReLU(0.1, 0.3))


def test_rrelu_inplace() -> None:
    """``F.rrelu_`` writes into its input: eval slope (lower+upper)/2; recorded in a graph; refused on a leaf."""
    a = np.array([-2.0, -1.0, 0.5, 3.0])
    x = Variable(tt.as_tensor(a.copy()), requires_grad=True)
    y = x * 1
    out = F.rrelu_(y, 0.1, 0.3)
    assert out is y
    np.testing.assert_allclose(y.detach().numpy(), np.where(a > 0, a, a * 0.2))
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), np.where(a > 0, 1.0, 0.2))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.rrelu_(x)
    t = tt.as_tensor(a.copy())
    F.rrelu_(t, 0.1, 0.3, training=True)
    got = t.numpy()
    assert np.all(got[2:] == a[2:])
    assert np.all((got[:2] <= a[:2] * 0.1 + 1e-12) & (got[:2] >= a[:2] * 0.3 - 1e-12))
