"""grid_sample and affine_grid: identity grids, direct bilinear formula, padding modes, gradcheck, parity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck

Array = np.ndarray[Any, Any]
rng = np.random.default_rng(21)


def V(a: Array, grad: bool = True) -> Variable:
    return Variable(tt.from_numpy(np.ascontiguousarray(a)), requires_grad=grad)


def G(v: Variable) -> Array:
    """The gradient of ``v`` as an ndarray."""
    assert v.grad is not None
    out: np.ndarray[Any, Any] = v.grad.data.numpy()
    return out


def bilinear_zeros(x: Array, gx: float, gy: float, align: bool) -> Array:
    """One bilinear sample of every (n=0, c) plane with zero padding."""
    _, _, h, w = x.shape
    px = (gx + 1) / 2 * (w - 1) if align else ((gx + 1) * w - 1) / 2
    py = (gy + 1) / 2 * (h - 1) if align else ((gy + 1) * h - 1) / 2
    x0, y0 = int(np.floor(px)), int(np.floor(py))
    out = np.zeros(x.shape[1])
    for yy, xx in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
        wt = (1 - abs(px - xx)) * (1 - abs(py - yy))
        if 0 <= yy < h and 0 <= xx < w:
            out += wt * x[0, :, yy, xx]
    return out


@pytest.mark.parametrize("align", [False, True])
def test_identity_grid_reproduces_input(align: bool) -> None:
    x = rng.standard_normal((2, 3, 4, 5))
    theta = np.tile(np.array([[1.0, 0, 0], [0, 1, 0]]), (2, 1, 1))
    grid = F.affine_grid(V(theta), [2, 3, 4, 5], align_corners=align)
    for mode in ("bilinear", "nearest"):
        y = F.grid_sample(V(x), grid, mode=mode, align_corners=align)
        np.testing.assert_allclose(y.data.numpy(), x, atol=1e-12)


@pytest.mark.parametrize("align", [False, True])
def test_bilinear_matches_formula_and_gradcheck(align: bool) -> None:
    x = rng.standard_normal((1, 2, 4, 5))
    g = rng.uniform(-1.2, 1.2, (1, 3, 2, 2))
    y = F.grid_sample(V(x), V(g), align_corners=align).data.numpy()
    for i in range(3):
        for j in range(2):
            np.testing.assert_allclose(y[0, :, i, j], bilinear_zeros(x, g[0, i, j, 0], g[0, i, j, 1], align))
    for pm in ("zeros", "border", "reflection"):
        assert gradcheck(
            lambda a, b, pm=pm: F.grid_sample(a, b, padding_mode=pm, align_corners=align), (V(x), V(g)), atol=1e-4
        )
    theta = V(rng.standard_normal((1, 2, 3)))
    assert gradcheck(lambda t: F.affine_grid(t, [1, 1, 3, 4], align_corners=align), (theta,))


def test_grid_sample_errors() -> None:
    x = V(rng.standard_normal((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="expected mode to be 'bilinear' or 'nearest'"):
        F.grid_sample(x, V(np.zeros((1, 2, 2, 2))), mode="bicubic")
    with pytest.raises(RuntimeError, match="grid of shape \\(N, H, W, 2\\)"):
        F.grid_sample(x, V(np.zeros((1, 2, 2, 3))))


@pytest.mark.torch
def test_grid_sample_parity_with_torch() -> None:
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    g = rng.uniform(-1.3, 1.3, (2, 4, 3, 2)).astype(np.float32)
    for mode in ("bilinear", "nearest"):
        for pm in ("zeros", "border", "reflection"):
            for align in (False, True):
                xv, gv = V(x), V(g)
                xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
                y = F.grid_sample(xv, gv, mode=mode, padding_mode=pm, align_corners=align)
                yt = torch.nn.functional.grid_sample(xt, gt, mode=mode, padding_mode=pm, align_corners=align)
                np.testing.assert_allclose(y.data.numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
                (y * y).sum().backward()
                (yt * yt).sum().backward()
                np.testing.assert_allclose(G(xv), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
                np.testing.assert_allclose(G(gv), gt.grad.numpy(), rtol=1e-3, atol=1e-3)
