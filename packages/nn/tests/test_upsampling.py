"""interpolate / Upsample: nearest and (bi/tri)linear against direct formulas, align_corners, gradcheck, parity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn
from taeda.autograd import Variable, gradcheck

Array = np.ndarray[Any, Any]
rng = np.random.default_rng(5)


def V(a: Array, grad: bool = True) -> Variable:
    return Variable(tt.from_numpy(np.ascontiguousarray(a)), requires_grad=grad)


def linear_1d(x: Array, out: int, align: bool) -> Array:
    """Linear interpolation along the last axis, one output position at a time."""
    n = x.shape[-1]
    y = np.zeros((*x.shape[:-1], out))
    for j in range(out):
        if align:
            src = j * (n - 1) / (out - 1) if out > 1 else 0.0
        else:
            src = max((j + 0.5) * n / out - 0.5, 0.0)
        i0 = min(int(np.floor(src)), n - 1)
        i1 = min(i0 + 1, n - 1)
        lam = src - i0
        y[..., j] = (1 - lam) * x[..., i0] + lam * x[..., i1]
    return y


def test_nearest_matches_index_formula() -> None:
    x = rng.standard_normal((2, 3, 4, 5))
    y = F.interpolate(V(x), size=(7, 3)).data.numpy()
    ih = np.minimum(np.floor(np.arange(7) * 4 / 7).astype(int), 3)
    iw = np.minimum(np.floor(np.arange(3) * 5 / 3).astype(int), 4)
    np.testing.assert_array_equal(y, x[:, :, ih][:, :, :, iw])
    y2 = F.interpolate(V(x), scale_factor=2).data.numpy()
    np.testing.assert_array_equal(y2, x.repeat(2, 2).repeat(2, 3))
    assert gradcheck(lambda a: F.interpolate(a, size=(7, 3)), (V(x[:1, :2]),))


@pytest.mark.parametrize("align", [False, True])
def test_bilinear_and_linear(align: bool) -> None:
    x = rng.standard_normal((2, 3, 4, 5))
    y = F.interpolate(V(x), size=(6, 9), mode="bilinear", align_corners=align).data.numpy()
    ref = np.swapaxes(linear_1d(np.swapaxes(linear_1d(x, 9, align), -1, -2), 6, align), -1, -2)
    np.testing.assert_allclose(y, ref, atol=1e-12)
    assert gradcheck(lambda a: F.interpolate(a, size=(3, 7), mode="bilinear", align_corners=align), (V(x[:1, :1]),))
    x1 = rng.standard_normal((2, 3, 5))
    y1 = F.interpolate(V(x1), scale_factor=1.7, mode="linear", align_corners=align).data.numpy()
    assert y1.shape == (2, 3, 8)
    if align:
        np.testing.assert_allclose(y1, linear_1d(x1, 8, True), atol=1e-12)
    x3 = rng.standard_normal((1, 1, 2, 3, 2))
    assert tuple(F.interpolate(V(x3), scale_factor=2, mode="trilinear").shape) == (1, 1, 4, 6, 4)


def test_upsample_modules_and_errors() -> None:
    assert repr(nn.Upsample(scale_factor=2, mode="nearest")) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(4, 4), mode="bilinear")) == "Upsample(size=(4, 4), mode='bilinear')"
    assert repr(nn.UpsamplingBilinear2d(scale_factor=2)) == "UpsamplingBilinear2d(scale_factor=2.0, mode='bilinear')"
    x = V(rng.standard_normal((1, 2, 3, 3)))
    assert tuple(nn.UpsamplingNearest2d(size=5)(x).shape) == (1, 2, 5, 5)
    assert tuple(F.interpolate(x, size=4, mode="area").shape) == (1, 2, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x, size=4, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x, size=4, align_corners=True)
    with pytest.raises(ValueError, match="bicubic"):
        F.interpolate(x, size=4, mode="bicubic")


@pytest.mark.torch
def test_interpolate_parity_with_torch() -> None:
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 5, 7)).astype(np.float32)
    xt = torch.tensor(x)
    kws: list[dict[str, Any]] = [
        {"scale_factor": 1.5, "mode": "nearest"},
        {"size": (8, 3), "mode": "nearest"},
        {"scale_factor": 2.3, "mode": "bilinear", "align_corners": False},
        {"size": (9, 4), "mode": "bilinear", "align_corners": True},
        {"size": (3, 5), "mode": "area"},
        {"size": (8, 9), "mode": "nearest-exact"},
    ]
    for kw in kws:
        ours = F.interpolate(V(x), **kw).data.numpy()
        np.testing.assert_allclose(ours, torch.nn.functional.interpolate(xt, **kw).numpy(), rtol=1e-5, atol=1e-6)
