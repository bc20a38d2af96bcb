"""Double backward (create_graph=True) through convolutions, linear/bilinear, fold/unfold, pad and grid sampling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradgradcheck


def _rand(*shape: int, seed: int = 0, scale: float = 1.0) -> Variable:
    rng = np.random.default_rng(seed)
    return Variable(tt.as_tensor(rng.standard_normal(shape) * scale), requires_grad=True)


def _grad(out: Variable, ins: tuple[Variable, ...], create_graph: bool = False) -> list[Variable]:
    """``grad`` with every input reached (asserted), so the results are Variables."""
    found = grad(out, ins, create_graph=create_graph)
    assert all(g is not None for g in found)
    return [g for g in found if g is not None]


def _np(v: Any) -> np.ndarray:
    return np.asarray(v.detach().data.array if isinstance(v, Variable) else v.data.array)


CONV2D = [
    {},
    {"stride": 2, "padding": 1},
    {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2},
    {"padding": "same", "dilation": 2},
    {"padding": "valid", "stride": (1, 3)},
    {"padding": "same", "groups": 4},
]


@pytest.mark.parametrize("kw", CONV2D)
@pytest.mark.parametrize("bias", [False, True])
def test_conv2d_gradgrad(kw: dict[str, Any], bias: bool) -> None:
    x, w = _rand(2, 4, 6, 7, seed=1), _rand(4, 4 // int(kw.get("groups", 1)), 3, 2, seed=2)
    ins: tuple[Variable, ...] = (x, w, _rand(4, seed=3)) if bias else (x, w)
    assert gradgradcheck(lambda *a: F.conv2d(*a, **kw), ins)


def test_conv2d_same_even_kernel_asymmetric_padding_gradgrad() -> None:
    # 'same' with an even kernel pads unequally (lo != hi): the transposed and weight kernels must follow
    x, w, b = _rand(1, 3, 5, 6, seed=4), _rand(2, 3, 2, 4, seed=5), _rand(2, seed=6)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, padding="same"), (x, w, b))


@pytest.mark.parametrize(
    "kw", [{}, {"stride": 2, "padding": 2, "dilation": 2}, {"groups": 3, "padding": "same"}, {"stride": 3}]
)
def test_conv1d_gradgrad(kw: dict[str, Any]) -> None:
    x, w, b = _rand(2, 3, 10, seed=7), _rand(6, 3 // int(kw.get("groups", 1)), 3, seed=8), _rand(6, seed=9)
    assert gradgradcheck(lambda x, w, b: F.conv1d(x, w, b, **kw), (x, w, b))


@pytest.mark.parametrize("kw", [{"padding": 1}, {"stride": (2, 1, 2), "dilation": (1, 2, 1), "groups": 2}])
def test_conv3d_gradgrad(kw: dict[str, Any]) -> None:
    x, w, b = _rand(1, 2, 4, 5, 4, seed=10), _rand(2, 2 // int(kw.get("groups", 1)), 2, 2, 2, seed=11), _rand(2)
    assert gradgradcheck(lambda x, w, b: F.conv3d(x, w, b, **kw), (x, w, b))


def test_conv2d_unbatched_gradgrad() -> None:
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1), (_rand(2, 4, 4, seed=12), _rand(3, 2, 3, 3)))


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"stride": 2, "padding": 1, "output_padding": 1},
        {"stride": (2, 3), "padding": (0, 1), "output_padding": (1, 2), "dilation": (1, 2)},
        {"stride": 2, "groups": 2, "dilation": 2, "output_padding": 1},
    ],
)
def test_conv_transpose2d_gradgrad(kw: dict[str, Any]) -> None:
    x, w, b = _rand(2, 4, 3, 4, seed=13), _rand(4, 3, 3, 2, seed=14), _rand(3 * int(kw.get("groups", 1)), seed=15)
    assert gradgradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw), (x, w, b))


@pytest.mark.parametrize("kw", [{"stride": 3, "padding": 1, "output_padding": 2}, {"groups": 2, "dilation": 3}])
def test_conv_transpose1d_gradgrad(kw: dict[str, Any]) -> None:
    x, w, b = _rand(2, 4, 5, seed=16), _rand(4, 2, 3, seed=17), _rand(2 * int(kw.get("groups", 1)), seed=18)
    assert gradgradcheck(lambda x, w, b: F.conv_transpose1d(x, w, b, **kw), (x, w, b))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv_layer_padding_modes_gradgrad(mode: str) -> None:
    layer = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode, dtype=tt.float64)
    assert layer.bias is not None
    w, b = (Variable(p.detach().data, requires_grad=True) for p in (layer.weight, layer.bias))
    assert gradgradcheck(layer._conv_forward, (_rand(1, 2, 4, 5, seed=19), w, b))


def test_conv_create_graph_then_plain_backward() -> None:
    # a gradient penalty: the first backward builds a graph, the second one is an ordinary backward through it
    x, w = _rand(2, 3, 6, 6, seed=20), _rand(4, 3, 3, 3, seed=21)
    y = F.conv2d(x, w, stride=2, padding=1)
    (gx,) = _grad((y**2).sum(), (x,), create_graph=True)
    assert gx.requires_grad
    (gx**2).sum().backward()
    assert w.grad is not None and x.grad is not None

    # d/dw of |d(sum y^2)/dx|^2 by central differences in one weight entry
    def penalty(wv: np.ndarray) -> float:
        wvar = Variable(tt.as_tensor(wv), requires_grad=True)
        xx = Variable(x.detach().data, requires_grad=True)
        (g,) = _grad((F.conv2d(xx, wvar, stride=2, padding=1) ** 2).sum(), (xx,))
        return float((_np(g) ** 2).sum())

    w0 = _np(w).copy()
    e = np.zeros_like(w0)
    e[1, 2, 0, 1] = 1e-6
    fd = (penalty(w0 + e) - penalty(w0 - e)) / 2e-6
    assert abs(fd - float(_np(w.grad)[1, 2, 0, 1])) < 1e-5 * max(1.0, abs(fd))


@pytest.mark.torch
@pytest.mark.parametrize("transposed", [False, True])
def test_conv_second_order_torch_parity(transposed: bool) -> None:
    torch = pytest.importorskip("torch")
    x, w, b = _rand(2, 4, 5, 6, seed=22), _rand(4, 2, 3, 2, seed=23), _rand(4, seed=24)
    kw: dict[str, Any] = {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "groups": 2}
    if transposed:
        kw["output_padding"] = (1, 0)
    tf = torch.nn.functional.conv_transpose2d if transposed else torch.nn.functional.conv2d
    ff: Callable[..., Variable] = F.conv_transpose2d if transposed else F.conv2d

    y = ff(x, w, b, **kw)
    gx, gw = _grad((y**3).sum(), (x, w), create_graph=True)
    hw, hb = _grad((gx**2).sum() + (gw * gw.detach()).sum(), (w, b))

    tx, tw, tb = (torch.tensor(_np(v), requires_grad=True) for v in (x, w, b))
    ty = tf(tx, tw, tb, **kw)
    tgx, tgw = torch.autograd.grad((ty**3).sum(), (tx, tw), create_graph=True)
    thw, thb = torch.autograd.grad((tgx**2).sum() + (tgw * tgw.detach()).sum(), (tw, tb))
    np.testing.assert_allclose(_np(gx), tgx.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(_np(hw), thw.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(_np(hb), thb.numpy(), rtol=1e-9, atol=1e-9)


def test_linear_gradgrad() -> None:
    x, w, b = _rand(3, 2, 4, seed=25), _rand(5, 4, seed=26), _rand(5, seed=27)
    assert gradgradcheck(lambda x, w, b: F.linear(x, w, b) ** 2, (x, w, b))
    assert gradgradcheck(lambda x, w: F.linear(x, w) ** 2, (_rand(4, seed=28), _rand(4, seed=29)))


def test_bilinear_gradgrad() -> None:
    x1, x2, w, b = _rand(2, 3, 4, seed=30), _rand(2, 3, 2, seed=31), _rand(5, 4, 2, seed=32), _rand(5, seed=33)
    assert gradgradcheck(F.bilinear, (x1, x2, w, b))
    assert gradgradcheck(lambda a, c, w: F.bilinear(a, c, w) ** 2, (_rand(4, seed=34), _rand(2, seed=35), w))


@pytest.mark.torch
def test_linear_bilinear_second_order_torch_parity() -> None:
    torch = pytest.importorskip("torch")
    x1, x2, w, b = _rand(3, 4, seed=36), _rand(3, 2, seed=37), _rand(5, 4, 2, seed=38), _rand(5, seed=39)
    wl = _rand(5, 4, seed=40)
    y = F.bilinear(x1, x2, w, b) * F.linear(x1, wl)
    g1, gw = _grad((y**2).sum(), (x1, w), create_graph=True)
    h = _grad((g1**2).sum() + (gw**2).sum(), (x1, x2, w, b, wl))
    tv = [torch.tensor(_np(v), requires_grad=True) for v in (x1, x2, w, b, wl)]
    ty = torch.nn.functional.bilinear(*tv[:4]) * torch.nn.functional.linear(tv[0], tv[4])
    tg1, tgw = torch.autograd.grad((ty**2).sum(), (tv[0], tv[2]), create_graph=True)
    th = torch.autograd.grad((tg1**2).sum() + (tgw**2).sum(), tv)
    for a, t in zip(h, th):
        np.testing.assert_allclose(_np(a), t.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "kw", [{"kernel_size": 2}, {"kernel_size": (2, 3), "dilation": (2, 1), "padding": 1, "stride": (1, 2)}]
)
def test_fold_unfold_gradgrad(kw: dict[str, Any]) -> None:
    x = _rand(2, 2, 5, 6, seed=41)
    assert gradgradcheck(lambda x: F.unfold(x, **kw) ** 2, (x,))
    cols = F.unfold(x, **kw).detach()
    c = Variable(cols.data, requires_grad=True)
    assert gradgradcheck(lambda c: F.fold(c, (5, 6), **kw) ** 2, (c,))


PADS = [
    ("constant", (1, 2)),
    ("constant", (2, -1, -1, 3)),
    ("reflect", (2, 1, 1, 2)),
    ("replicate", (3, 0, 1, 2)),
    ("circular", (2, 3, 1, 1)),
]


@pytest.mark.parametrize(("mode", "p"), PADS)
def test_pad_gradgrad(mode: str, p: tuple[int, ...]) -> None:
    x = _rand(1, 2, 4, 5, seed=42)
    kwargs: dict[str, Any] = {"value": 0.5} if mode == "constant" else {}
    assert gradgradcheck(lambda x: F.pad(x, p, mode=mode, **kwargs) ** 2, (x,))


def test_pad_3d_gradgrad() -> None:
    x = _rand(1, 1, 3, 3, 4, seed=43)
    for mode in ("reflect", "replicate", "circular"):
        assert gradgradcheck(lambda x, m=mode: F.pad(x, (1, 2, 2, 1, 1, 1), mode=m) ** 2, (x,))


@pytest.mark.torch
def test_pad_second_order_torch_parity() -> None:
    torch = pytest.importorskip("torch")
    x = _rand(1, 2, 4, 5, seed=44)
    tx = torch.tensor(_np(x), requires_grad=True)
    for mode, p in PADS:
        (g,) = _grad((F.pad(x, p, mode=mode) ** 3).sum(), (x,), create_graph=True)
        (h,) = _grad((g**2).sum(), (x,))
        (tg,) = torch.autograd.grad((torch.nn.functional.pad(tx, p, mode=mode) ** 3).sum(), (tx,), create_graph=True)
        (th,) = torch.autograd.grad((tg**2).sum(), (tx,))
        np.testing.assert_allclose(_np(h), th.numpy(), rtol=1e-10, atol=1e-10)


def _grid(n: int, ho: int, wo: int, seed: int, spread: float = 1.3) -> Variable:
    # values kept away from pixel centres (the sampling is only piecewise smooth in the grid)
    rng = np.random.default_rng(seed)
    g = rng.uniform(-spread, spread, size=(n, ho, wo, 2))
    return Variable(tt.as_tensor(g), requires_grad=True)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_bilinear_gradgrad(padding_mode: str, align_corners: bool) -> None:
    x, g = _rand(2, 2, 4, 5, seed=45), _grid(2, 3, 2, seed=46)

    def f(x: Variable, g: Variable) -> Variable:
        return F.grid_sample(x, g, padding_mode=padding_mode, align_corners=align_corners) ** 2

    assert gradgradcheck(f, (x, g), eps=1e-7)


def test_grid_sample_nearest_gradgrad() -> None:
    x, g = _rand(1, 2, 4, 4, seed=47), _grid(1, 3, 3, seed=48, spread=0.9)
    assert gradgradcheck(lambda x, g: F.grid_sample(x, g, mode="nearest", align_corners=False) ** 2, (x, g), eps=1e-7)


def test_affine_grid_gradgrad() -> None:
    th = _rand(2, 2, 3, seed=49)
    for ac in (False, True):
        assert gradgradcheck(lambda t, ac=ac: F.affine_grid(t, [2, 1, 3, 4], align_corners=ac) ** 2, (th,))


@pytest.mark.torch
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_second_order_torch_parity(padding_mode: str) -> None:
    torch = pytest.importorskip("torch")
    x, th = _rand(2, 2, 4, 5, seed=50), _rand(2, 2, 3, seed=51, scale=0.7)

    def run(lib: Any, fx: Any, xv: Any, tv: Any) -> tuple[Any, ...]:
        grid = fx.affine_grid(tv, [2, 2, 3, 4], align_corners=False)
        y = fx.grid_sample(xv, grid, padding_mode=padding_mode, align_corners=False)
        gx, gt = lib.grad((y**2).sum(), (xv, tv), create_graph=True)
        return (gx, gt, *lib.grad((gx**2).sum() + (gt**2).sum(), (xv, tv)))

    ours = run(_Taeda, F, x, th)
    tx, tth = (torch.tensor(_np(v), requires_grad=True) for v in (x, th))
    theirs = run(torch.autograd, torch.nn.functional, tx, tth)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), t.detach().numpy(), rtol=1e-9, atol=1e-9)


class _Taeda:
    @staticmethod
    def grad(out: Variable, ins: tuple[Variable, ...], create_graph: bool = False) -> list[Variable]:
        return _grad(out, ins, create_graph)
