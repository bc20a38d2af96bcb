"""3-D pooling (max/avg/adaptive/unpool): NumPy references, PyTorch parity, gradients, errors and module reprs."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck


def _distinct(*shape: int, seed: int = 0) -> Variable:
    """float64 values without ties (max pooling's argmax is stable under finite differences)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    a = (rng.permutation(n).astype(np.float64) - n / 2) * 0.1
    return Variable(tt.as_tensor(a.reshape(shape)), requires_grad=True)


def _out(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    num = n + 2 * p - d * (k - 1) - 1
    o = (-(-num // s) if ceil else num // s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def _trip(v: Any) -> tuple[int, ...]:
    return (v, v, v) if isinstance(v, int) else tuple(v)


def np_pool3d(
    x: Any,
    k: Any,
    s: Any = None,
    p: Any = 0,
    d: Any = 1,
    ceil: bool = False,
    mode: str = "max",
    cip: bool = True,
    div: int | None = None,
) -> tuple[Any, Any]:
    """Brute-force 3-D pooling over the last three dims: ``(y, flat argmax)`` (argmax only for ``max``)."""
    k3, p3, d3 = _trip(k), _trip(p), _trip(d)
    s3 = k3 if s is None else _trip(s)
    sp = x.shape[-3:]
    outs = [_out(n, kk, ss, pp, dd, ceil) for n, kk, ss, pp, dd in zip(sp, k3, s3, p3, d3)]
    lead = x.shape[:-3]
    y: Any = np.zeros((*lead, *outs))
    idx: Any = np.zeros((*lead, *outs), dtype=np.int64)
    for o in itertools.product(*(range(v) for v in outs)):
        starts = [oi * ss - pp for oi, ss, pp in zip(o, s3, p3)]
        pos = [[st + j * dd for j in range(kk)] for st, kk, dd in zip(starts, k3, d3)]
        valid = [[q for q in ps if 0 <= q < n] for ps, n in zip(pos, sp)]
        cells = list(itertools.product(*valid))
        vals = np.stack([x[(..., *c)] for c in cells], axis=-1)
        if mode == "max":
            a = vals.argmax(axis=-1)
            y[(..., *o)] = vals.max(axis=-1)
            flat: Any = np.array([(c[0] * sp[1] + c[1]) * sp[2] + c[2] for c in cells])
            idx[(..., *o)] = flat[a]
        else:
            if div is not None:
                dv = float(div)
            elif cip:
                dv = float(np.prod([min(st + kk, n + pp) - st for st, kk, n, pp in zip(starts, k3, sp, p3)]))
            else:
                dv = float(len(cells))
            y[(..., *o)] = vals.sum(axis=-1) / dv
    return y, idx


def np_adaptive3d(x: Any, out: tuple[int, int, int], mode: str) -> tuple[Any, Any]:
    sp = x.shape[-3:]
    y: Any = np.zeros((*x.shape[:-3], *out))
    idx: Any = np.zeros(y.shape, dtype=np.int64)
    for o in itertools.product(*(range(v) for v in out)):
        rngs = [range((oi * n) // ov, -(-((oi + 1) * n) // ov)) for oi, n, ov in zip(o, sp, out)]
        cells = list(itertools.product(*rngs))
        vals = np.stack([x[(..., *c)] for c in cells], axis=-1)
        if mode == "max":
            flat: Any = np.array([(c[0] * sp[1] + c[1]) * sp[2] + c[2] for c in cells])
            y[(..., *o)] = vals.max(axis=-1)
            idx[(..., *o)] = flat[vals.argmax(axis=-1)]
        else:
            y[(..., *o)] = vals.mean(axis=-1)
    return y, idx


MAX3D: list[dict[str, Any]] = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (2, 3, 1), "stride": (1, 2, 1), "dilation": (2, 1, 1)},
    {"kernel_size": 2, "stride": 2, "ceil_mode": True},
    {"kernel_size": (3, 2, 2), "stride": 1, "padding": (1, 0, 1), "dilation": (1, 2, 1)},
]
AVG3D: list[dict[str, Any]] = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"kernel_size": (2, 3, 2), "stride": (2, 1, 2), "padding": (1, 1, 0), "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": 2, "divisor_override": 3},
]


def _np_kw(kw: dict[str, Any], mode: str) -> dict[str, Any]:
    m = {"kernel_size": "k", "stride": "s", "padding": "p", "dilation": "d", "ceil_mode": "ceil"}
    m.update({"count_include_pad": "cip", "divisor_override": "div"})
    return {m[key]: v for key, v in kw.items()} | {"mode": mode}


@pytest.mark.parametrize("kw", MAX3D)
def test_max_pool3d_numpy(kw: dict[str, Any]) -> None:
    x = _distinct(2, 2, 5, 6, 5)
    y, i = F.max_pool3d(x, return_indices=True, **kw)
    ry, ri = np_pool3d(x.data.numpy(), **_np_kw(kw, "max"))
    np.testing.assert_allclose(y.data.numpy(), ry)
    np.testing.assert_array_equal(i.numpy(), ri)
    unb = F.max_pool3d(x[0], **kw)  # unbatched (C, D, H, W)
    np.testing.assert_allclose(unb.data.numpy(), ry[0])


@pytest.mark.parametrize("kw", AVG3D)
def test_avg_pool3d_numpy(kw: dict[str, Any]) -> None:
    x = _distinct(2, 2, 5, 6, 5)
    y = F.avg_pool3d(x, **kw)
    ry, _ = np_pool3d(x.data.numpy(), **_np_kw(kw, "avg"))
    np.testing.assert_allclose(y.data.numpy(), ry, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("out", [(2, 3, 1), (3, 3, 3), (1, 1, 1), (5, 6, 4)])
def test_adaptive_pool3d_numpy(out: tuple[int, int, int]) -> None:
    x = _distinct(2, 3, 5, 6, 4)
    ra, _ = np_adaptive3d(x.data.numpy(), out, "avg")
    np.testing.assert_allclose(F.adaptive_avg_pool3d(x, out).data.numpy(), ra, rtol=1e-12, atol=1e-12)
    rm, ri = np_adaptive3d(x.data.numpy(), out, "max")
    y, i = F.adaptive_max_pool3d(x, out, return_indices=True)
    np.testing.assert_allclose(y.data.numpy(), rm)
    np.testing.assert_array_equal(i.numpy(), ri)
    assert tuple(F.adaptive_avg_pool3d(x[0], out).shape) == (3, *out)


def test_adaptive_pool3d_none_and_int() -> None:
    x = _distinct(1, 2, 5, 6, 4)
    assert tuple(F.adaptive_avg_pool3d(x, (None, 2, None)).shape) == (1, 2, 5, 2, 4)
    assert tuple(F.adaptive_max_pool3d(x, 3).shape) == (1, 2, 3, 3, 3)
    assert tuple(F.adaptive_max_pool3d(x, 0).shape) == (1, 2, 0, 0, 0)


def test_max_unpool3d_roundtrip() -> None:
    x = _distinct(2, 2, 4, 6, 4)
    y, i = F.max_pool3d(x, 2, return_indices=True)
    u = F.max_unpool3d(y, i, 2)
    ref = np.zeros(x.shape)
    xa = x.data.numpy()
    flat = ref.reshape(2, 2, -1)
    np.put_along_axis(flat, i.numpy().reshape(2, 2, -1), y.data.numpy().reshape(2, 2, -1), axis=-1)
    np.testing.assert_allclose(u.data.numpy(), ref)
    assert float((u.data.numpy() != 0).sum()) == y.numel()
    assert np.all(np.isin(u.data.numpy()[u.data.numpy() != 0], xa))
    big = F.max_unpool3d(y, i, 2, output_size=(5, 7, 5))
    assert tuple(big.shape) == (2, 2, 5, 7, 5)
    assert tuple(F.max_unpool3d(y, i, 2, output_size=(2, 2, 5, 7, 5)).shape) == (2, 2, 5, 7, 5)
    assert tuple(F.max_unpool3d(y[0], i[0], 2).shape) == (2, 4, 6, 4)


@pytest.mark.parametrize("kw", MAX3D[:3])
def test_max_pool3d_grads(kw: dict[str, Any]) -> None:
    x = _distinct(1, 2, 4, 5, 4)
    assert gradcheck(lambda v: F.max_pool3d(v, **kw), (x,))
    assert gradgradcheck(lambda v: F.max_pool3d(v, **kw), (x,))


@pytest.mark.parametrize("kw", [AVG3D[1], AVG3D[3], AVG3D[5]])
def test_avg_pool3d_grads(kw: dict[str, Any]) -> None:
    x = _distinct(1, 2, 4, 5, 4)
    assert gradcheck(lambda v: F.avg_pool3d(v, **kw), (x,))
    assert gradgradcheck(lambda v: F.avg_pool3d(v, **kw), (x,))


def test_adaptive_and_unpool3d_grads() -> None:
    x = _distinct(1, 2, 4, 5, 3)
    assert gradcheck(lambda v: F.adaptive_avg_pool3d(v, (2, 3, 2)), (x,))
    assert gradgradcheck(lambda v: F.adaptive_avg_pool3d(v, (2, 3, 2)), (x,))
    assert gradcheck(lambda v: F.adaptive_max_pool3d(v, (3, 2, 2)), (x,))
    assert gradgradcheck(lambda v: F.adaptive_max_pool3d(v, (3, 2, 2)), (x,))
    z = _distinct(1, 2, 4, 4, 4, seed=1)
    _, i = F.max_pool3d(z, 2, return_indices=True)
    y = _distinct(1, 2, 2, 2, 2, seed=2)
    assert gradcheck(lambda v: F.max_unpool3d(v, i, 2), (y,))
    assert gradgradcheck(lambda v: F.max_unpool3d(v, i, 2), (y,))


def test_max_pool3d_nan_propagates() -> None:
    a = np.arange(64, dtype=np.float64).reshape(1, 1, 4, 4, 4)
    a[0, 0, 1, 1, 1] = math.nan
    y = F.max_pool3d(tt.as_tensor(a), 2)
    assert math.isnan(float(y.numpy()[0, 0, 0, 0, 0]))
    assert float(y.numpy()[0, 0, 1, 1, 1]) == 63.0


def _err(f: Any) -> str:
    with pytest.raises((RuntimeError, ValueError)) as e:
        f()
    return str(e.value)


def test_pool3d_errors() -> None:
    x = tt.randn(2, 3, 4, 4, 4)
    assert (
        _err(lambda: F.max_pool3d(tt.randn(3, 4, 4), 2)) == "non-empty 4D or 5D (batch mode) tensor expected for input"
    )
    assert _err(lambda: F.avg_pool3d(tt.randn(1, 3, 4, 4, 4, 4), 2)).startswith("non-empty 4D or 5D")
    assert _err(lambda: F.max_pool3d(x, 2, padding=2)) == (
        "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"
    )
    assert _err(lambda: F.max_pool3d(x, 0)) == "stride should not be zero"
    assert _err(lambda: F.max_pool3d(x, 0, 1)) == "kernel size should be greater than zero, but got kT: 0 kH: 0 kW: 0"
    assert _err(lambda: F.max_pool3d(x, 2, -1)) == "stride should be greater than zero, but got dT: -1 dH: -1 dW: -1"
    assert _err(lambda: F.max_pool3d(x, 2, padding=-1)) == "pad must be non-negative, but got pad: -1"
    assert _err(lambda: F.max_pool3d(x, 2, dilation=0)) == (
        "dilation should be greater than zero, but got dilationT: 0 dilationH: 0 dilationW: 0"
    )
    assert _err(lambda: F.max_pool3d(x, 5)) == (
        "Given input size: (3x4x4x4). Calculated output size: (3x0x0x0). Output size is too small"
    )
    assert (
        _err(lambda: F.max_pool3d(x, (2, 2)))
        == "max_pool3d: kernel_size must either be a single int, or a tuple of three ints"
    )
    assert _err(lambda: F.avg_pool3d(x, 2, (1, 1))) == (
        "avg_pool3d: stride must be omitted, a single int, or a tuple of three ints"
    )
    assert (
        _err(lambda: F.avg_pool3d(x, 5)) == "input image (T: 4 H: 4 W: 4) smaller than kernel size (kT: 5 kH: 5 kW: 5)"
    )
    assert _err(lambda: F.avg_pool3d(x, 2, divisor_override=0)) == "divisor must be not zero"
    assert _err(lambda: F.avg_pool3d(tt.randn(2, 0, 4, 4, 4), 2)) == (
        "avg_pool3d(): Expected input's non-batch dimensions to have positive length, but input has a shape of "
        "[2, 0, 4, 4, 4] and non-batch dimension 0 has length zero!"
    )
    assert tuple(F.max_pool3d(tt.randn(0, 3, 4, 4, 4), 2).shape) == (0, 3, 2, 2, 2)
    assert _err(lambda: F.adaptive_avg_pool3d(tt.randn(3, 4, 4), 2)) == (
        "adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got [3, 4, 4]"
    )
    assert _err(lambda: F.adaptive_avg_pool3d(x, (2, 2))) == "adaptive_avg_pool3d: output_size must be 3"
    assert _err(lambda: F.adaptive_avg_pool3d(x, -1)) == (
        "adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but received {-1, -1,-1}"
    )
    assert _err(lambda: F.adaptive_max_pool3d(tt.randn(3, 4, 4), 2)) == (
        "adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: [3, 4, 4]"
    )
    assert _err(lambda: F.adaptive_max_pool3d(x, (2, 2))) == (
        "adaptive_max_pool3d(): internal error: output_size.size() must be 3"
    )
    assert _err(lambda: F.adaptive_max_pool3d(tt.randn(2, 0, 4, 4, 4), 2)) == (
        "adaptive_max_pool3d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
        "[2, 0, 4, 4, 4] with dimension 1 being empty"
    )


def test_unpool3d_errors() -> None:
    y, i = F.max_pool3d(tt.randn(2, 3, 4, 4, 4), 2, return_indices=True)
    assert _err(lambda: F.max_unpool3d(y[0, 0], i[0, 0], 2)) == (
        "Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with 3 dimensions."
    )
    assert _err(lambda: F.max_unpool3d(y, i, 2, output_size=(9, 5, 5))) == (
        'invalid output_size "(9, 5, 5)" (dim 0 must be between 2 and 6)'
    )
    assert _err(lambda: F.max_unpool3d(y, i, 2, output_size=(5, 5))) == (
        "output_size should be a sequence containing 3 or 5 elements, but it has a length of '2'"
    )
    assert _err(lambda: F.max_unpool3d(y, i[:, :, :1], 2)) == (
        "Expected shape of indices to be same as that of the input tensor ([2, 3, 2, 2, 2]) but got indices tensor "
        "with shape: [2, 3, 1, 2, 2]"
    )
    bad = tt.as_tensor(i.numpy() + 100)
    assert _err(lambda: F.max_unpool3d(y, bad, 2)).startswith("Found an invalid max index: ")
    assert _err(lambda: F.max_unpool3d(y, i.float(), 2)) == "elements in indices should be type int64"
    assert _err(lambda: F.max_unpool3d(y, i, 2, 0)) == "strides should be greater than zero, but got stride: [0, 0, 0]"


def test_pool3d_module_reprs_and_forward() -> None:
    assert repr(nn.MaxPool3d(2)) == "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxPool3d((2, 1, 2), stride=1, return_indices=True)) == (
        "MaxPool3d(kernel_size=(2, 1, 2), stride=1, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.AvgPool3d(3, 2, 1, divisor_override=2)) == "AvgPool3d(kernel_size=3, stride=2, padding=1)"
    assert repr(nn.AdaptiveAvgPool3d(2)) == "AdaptiveAvgPool3d(output_size=2)"
    assert repr(nn.AdaptiveMaxPool3d((1, None, 2))) == "AdaptiveMaxPool3d(output_size=(1, None, 2))"
    assert repr(nn.MaxUnpool3d((2, 1, 2), 1)) == (
        "MaxUnpool3d(kernel_size=(2, 1, 2), stride=(1, 1, 1), padding=(0, 0, 0))"
    )
    x = _distinct(1, 2, 4, 4, 4)
    y, i = nn.MaxPool3d(2, return_indices=True)(x)
    np.testing.assert_allclose(nn.MaxUnpool3d(2)(y, i).data.numpy(), F.max_unpool3d(y, i, 2).data.numpy())
    np.testing.assert_allclose(
        nn.AvgPool3d(2, count_include_pad=False)(x).data.numpy(), F.avg_pool3d(x, 2).data.numpy()
    )
    yi = nn.AdaptiveMaxPool3d(2, return_indices=True)(x)
    assert isinstance(yi, tuple) and len(yi) == 2
    assert tuple(nn.AdaptiveAvgPool3d((1, 2, 3))(x).shape) == (1, 2, 1, 2, 3)
    assert nn.MaxPool3d(2).state_dict() == {}


# ------------------------------------------------------------------------------------------------ torch parity
@pytest.mark.parametrize("kw", MAX3D)
def test_max_pool3d_torch(kw: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((2, 2, 5, 6, 5))
    x = Variable(tt.as_tensor(a), requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, i = F.max_pool3d(x, return_indices=True, **kw)
    ty, ti = torch.nn.functional.max_pool3d(tx, return_indices=True, **kw)
    np.testing.assert_allclose(y.data.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    g = np.random.default_rng(4).standard_normal(ty.shape)
    y.backward(tt.as_tensor(g))
    ty.backward(torch.tensor(g))
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", AVG3D)
def test_avg_pool3d_torch(kw: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((2, 2, 5, 6, 5))
    y = F.avg_pool3d(tt.as_tensor(a), **kw)
    ty = torch.nn.functional.avg_pool3d(torch.tensor(a), **kw)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("out", [(2, 3, 1), (3, None, 2), 4])
def test_adaptive_pool3d_torch(out: Any) -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(6).standard_normal((2, 3, 5, 6, 7))
    np.testing.assert_allclose(
        F.adaptive_avg_pool3d(tt.as_tensor(a), out).numpy(),
        torch.nn.functional.adaptive_avg_pool3d(torch.tensor(a), out).numpy(),
        rtol=1e-12,
        atol=1e-12,
    )
    y, i = F.adaptive_max_pool3d(tt.as_tensor(a), out, return_indices=True)
    ty, ti = torch.nn.functional.adaptive_max_pool3d(torch.tensor(a), out, return_indices=True)
    np.testing.assert_allclose(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


def test_max_unpool3d_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(7).standard_normal((2, 2, 5, 6, 5))
    ty, ti = torch.nn.functional.max_pool3d(torch.tensor(a), 3, 2, 1, return_indices=True)
    u = F.max_unpool3d(tt.as_tensor(ty.numpy()), tt.as_tensor(ti.numpy()), 3, 2, 1, output_size=(5, 6, 5))
    tu = torch.nn.functional.max_unpool3d(ty, ti, 3, 2, 1, output_size=(5, 6, 5))
    np.testing.assert_allclose(u.numpy(), tu.numpy())
