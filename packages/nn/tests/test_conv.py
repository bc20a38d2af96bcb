"""Convolutions: forward against direct loops and SciPy, gradients by gradcheck, modules, errors, PyTorch parity."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn
from taeda.autograd import Variable, gradcheck
from taeda.nn.functional import _kern_runtime

Array = np.ndarray[Any, Any]
rng = np.random.default_rng(1234)


def V(a: Array, grad: bool = True) -> Variable:
    return Variable(tt.from_numpy(np.ascontiguousarray(a)), requires_grad=grad)


def G(v: Variable) -> Array:
    """The gradient of ``v`` as an ndarray."""
    assert v.grad is not None
    out: np.ndarray[Any, Any] = v.grad.data.numpy()
    return out


def at(*parts: Any) -> Any:
    """An index tuple (typed loosely for mypy)."""
    return parts


def direct_conv(x: Array, w: Array, b: Array | None, stride: Any, pad: Any, dil: Any, groups: int) -> Array:
    """Cross-correlation by explicit loops over output positions and kernel offsets (any number of dims)."""
    n, c = x.shape[:2]
    d = x.ndim - 2
    o = w.shape[0]
    k = w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    out = [(xp.shape[2 + i] - dil[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(d)]
    y = np.zeros((n, o, *out))
    cg, og = c // groups, o // groups
    for pos in itertools.product(*(range(v) for v in out)):
        for off in itertools.product(*(range(v) for v in k)):
            idx = tuple(p * s + q * dl for p, s, q, dl in zip(pos, stride, off, dil))
            patch = xp[at(slice(None), slice(None), *idx)]  # (n, c)
            for g in range(groups):
                wg = w[at(slice(g * og, (g + 1) * og), slice(None), *off)]  # (og, cg)
                y[at(slice(None), slice(g * og, (g + 1) * og), *pos)] += patch[:, g * cg : (g + 1) * cg] @ wg.T
    if b is not None:
        y += b.reshape(1, -1, *([1] * d))
    return y


GRID_2D = [
    # stride, padding, dilation, groups
    ((1, 1), (0, 0), (1, 1), 1),
    ((2, 1), (1, 2), (1, 1), 1),
    ((1, 2), (1, 0), (2, 1), 2),
    ((3, 2), (2, 1), (1, 2), 4),
]


@pytest.mark.parametrize(("stride", "padding", "dilation", "groups"), GRID_2D)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_forward_matches_direct_loop(stride: Any, padding: Any, dilation: Any, groups: int, bias: bool) -> None:
    x = rng.standard_normal((3, 4, 9, 8))
    w = rng.standard_normal((8, 4 // groups, 3, 2))
    b = rng.standard_normal(8) if bias else None
    y = F.conv2d(V(x), V(w), None if b is None else V(b), stride, padding, dilation, groups)
    np.testing.assert_allclose(y.data.numpy(), direct_conv(x, w, b, stride, padding, dilation, groups), atol=1e-12)


def test_conv2d_matches_scipy_correlate() -> None:
    import scipy.signal as signal  # SciPy comes with taeda-tensor: no skip

    x = rng.standard_normal((1, 1, 12, 10))
    w = rng.standard_normal((1, 1, 4, 3))
    y = F.conv2d(V(x), V(w)).data.numpy()
    np.testing.assert_allclose(y[0, 0], signal.correlate(x[0, 0], w[0, 0], mode="valid"), atol=1e-12)


@pytest.mark.parametrize(("stride", "padding", "dilation", "groups"), [(1, 0, 1, 1), (2, 2, 2, 3), (3, 1, 1, 1)])
def test_conv1d_forward_matches_direct_loop(stride: int, padding: int, dilation: int, groups: int) -> None:
    x = rng.standard_normal((2, 6, 13))
    w = rng.standard_normal((3, 6 // groups, 3))
    b = rng.standard_normal(3)
    y = F.conv1d(V(x), V(w), V(b), stride, padding, dilation, groups)
    ref = direct_conv(x, w, b, (stride,), (padding,), (dilation,), groups)
    np.testing.assert_allclose(y.data.numpy(), ref, atol=1e-12)


def test_conv3d_forward_matches_direct_loop() -> None:
    x = rng.standard_normal((2, 4, 5, 6, 4))
    w = rng.standard_normal((6, 2, 2, 3, 2))
    b = rng.standard_normal(6)
    y = F.conv3d(V(x), V(w), V(b), stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1), groups=2)
    ref = direct_conv(x, w, b, (1, 2, 1), (1, 0, 1), (2, 1, 1), 2)
    np.testing.assert_allclose(y.data.numpy(), ref, atol=1e-12)


@pytest.mark.parametrize(("stride", "padding", "dilation", "groups"), GRID_2D)
def test_conv2d_gradcheck(stride: Any, padding: Any, dilation: Any, groups: int) -> None:
    x = V(rng.standard_normal((2, 4, 7, 6)))
    w = V(rng.standard_normal((4, 4 // groups, 2, 3)))
    b = V(rng.standard_normal(4))
    assert gradcheck(lambda a, c, e: F.conv2d(a, c, e, stride, padding, dilation, groups), (x, w, b))


def test_conv1d_and_conv3d_gradcheck() -> None:
    x = V(rng.standard_normal((2, 4, 9)))
    w = V(rng.standard_normal((2, 2, 3)))
    assert gradcheck(lambda a, c: F.conv1d(a, c, None, 2, 1, 2, 2), (x, w))
    x3 = V(rng.standard_normal((1, 2, 4, 3, 4)))
    w3 = V(rng.standard_normal((2, 2, 2, 2, 3)))
    assert gradcheck(lambda a, c: F.conv3d(a, c, None, (1, 2, 1), 1), (x3, w3))


@pytest.mark.parametrize("k", [(3, 3), (4, 2), (1, 5)])
def test_padding_same_and_valid(k: tuple[int, int]) -> None:
    x = rng.standard_normal((2, 3, 7, 8))
    w = rng.standard_normal((4, 3, *k))
    y = F.conv2d(V(x), V(w), padding="same", dilation=(1, 2)).data.numpy()
    assert y.shape == (2, 4, 7, 8)
    # PyTorch puts the odd extra padding on the right/bottom
    tot = [(k[0] - 1), 2 * (k[1] - 1)]
    xp = np.pad(x, [(0, 0), (0, 0), (tot[0] // 2, tot[0] - tot[0] // 2), (tot[1] // 2, tot[1] - tot[1] // 2)])
    np.testing.assert_allclose(y, direct_conv(xp, w, None, (1, 1), (0, 0), (1, 2), 1), atol=1e-12)
    valid = F.conv2d(V(x), V(w), padding="valid").data.numpy()
    np.testing.assert_allclose(valid, direct_conv(x, w, None, (1, 1), (0, 0), (1, 1), 1), atol=1e-12)
    assert gradcheck(lambda a, c: F.conv2d(a, c, padding="same"), (V(x[:1, :, :4, :5]), V(w)))


def direct_conv_transpose(x: Array, w: Array, stride: Any, pad: Any, out_pad: Any, dil: Any, groups: int) -> Array:
    """Transposed convolution by scattering each input value times the kernel (explicit loops)."""
    n, cin = x.shape[:2]
    d = x.ndim - 2
    k = w.shape[2:]
    cout = w.shape[1] * groups
    full = [(x.shape[2 + i] - 1) * stride[i] + dil[i] * (k[i] - 1) + 1 + out_pad[i] for i in range(d)]
    y = np.zeros((n, cout, *full))
    cg, og = cin // groups, cout // groups
    for pos in itertools.product(*(range(v) for v in x.shape[2:])):
        for off in itertools.product(*(range(v) for v in k)):
            idx = tuple(p * s + q * dl for p, s, q, dl in zip(pos, stride, off, dil))
            for g in range(groups):
                xv = x[at(slice(None), slice(g * cg, (g + 1) * cg), *pos)]  # (n, cg)
                wg = w[at(slice(g * cg, (g + 1) * cg), slice(None), *off)]  # (cg, og)
                y[at(slice(None), slice(g * og, (g + 1) * og), *idx)] += xv @ wg
    crop = tuple(slice(p, f - p) for p, f in zip(pad, full))
    out: Array = y[at(slice(None), slice(None), *crop)]
    return out


@pytest.mark.parametrize(
    ("stride", "padding", "output_padding", "dilation", "groups"),
    [((1, 1), (0, 0), (0, 0), (1, 1), 1), ((2, 3), (1, 0), (1, 2), (1, 1), 2), ((2, 2), (1, 2), (0, 1), (2, 2), 1)],
)
def test_conv_transpose2d_forward_and_gradcheck(
    stride: Any, padding: Any, output_padding: Any, dilation: Any, groups: int
) -> None:
    x = rng.standard_normal((2, 4, 4, 3))
    w = rng.standard_normal((4, 6 // groups, 3, 2))
    b = rng.standard_normal(6)
    y = F.conv_transpose2d(V(x), V(w), V(b), stride, padding, output_padding, groups, dilation)
    ref = direct_conv_transpose(x, w, stride, padding, output_padding, dilation, groups) + b.reshape(1, -1, 1, 1)
    np.testing.assert_allclose(y.data.numpy(), ref, atol=1e-12)
    assert gradcheck(
        lambda a, c, e: F.conv_transpose2d(a, c, e, stride, padding, output_padding, groups, dilation),
        (V(x[:1]), V(w), V(b)),
    )


def test_conv_transpose1d_is_adjoint_of_conv1d() -> None:
    x = rng.standard_normal((2, 3, 11))
    w = rng.standard_normal((4, 3, 3))
    u = rng.standard_normal((2, 4, 6))
    y = F.conv1d(V(x), V(w), stride=2, padding=1).data.numpy()
    z = F.conv_transpose1d(V(u), V(w), stride=2, padding=1, output_padding=0).data.numpy()
    assert z.shape == x.shape
    np.testing.assert_allclose((y * u).sum(), (z * x).sum(), rtol=1e-12)
    assert gradcheck(lambda a, c: F.conv_transpose1d(a, c, None, 2, 1, 1), (V(u[:1]), V(w)))


def test_unbatched_empty_noncontiguous_and_float32() -> None:
    x = rng.standard_normal((3, 8, 9)).astype(np.float32)
    w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    y = F.conv2d(V(x), V(w), padding=1)
    assert tuple(y.shape) == (5, 8, 9) and y.dtype == tt.float32
    ref = direct_conv(x[None].astype(np.float64), w.astype(np.float64), None, (1, 1), (1, 1), (1, 1), 1)[0]
    np.testing.assert_allclose(y.data.numpy(), ref, rtol=1e-4, atol=1e-4)
    empty = F.conv2d(V(np.zeros((0, 3, 8, 9))), V(w.astype(np.float64)), padding=1)
    assert tuple(empty.shape) == (0, 5, 8, 9)
    xt = rng.standard_normal((2, 9, 8, 3)).transpose(0, 3, 2, 1)  # non-contiguous (2, 3, 8, 9)
    xv = Variable(tt.from_numpy(xt), requires_grad=True)
    wv = V(w.astype(np.float64))
    out = F.conv2d(xv, wv, padding=1)
    ref = direct_conv(xt, w.astype(np.float64), None, (1, 1), (1, 1), (1, 1), 1)
    np.testing.assert_allclose(out.data.numpy(), ref, atol=1e-12)
    out.sum().backward()
    assert xv.grad is not None and tuple(xv.grad.shape) == (2, 3, 8, 9)


def test_two_thread_split_matches_single_thread_and_retain_graph() -> None:
    x = rng.standard_normal((8, 16, 20, 20)).astype(np.float32)
    w = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    results = []
    for enabled in (True, False):
        old = _kern_runtime.set_kernel_threads(enabled)
        min_work = _kern_runtime._MIN_WORK
        _kern_runtime._MIN_WORK = 0
        try:
            xv, wv = V(x), V(w)
            y = F.conv2d(xv, wv, padding=1)
            g = tt.from_numpy(np.ones(tuple(y.shape), np.float32))
            y.backward(g, retain_graph=True)
            first = (G(xv).copy(), G(wv).copy())
            y.backward(g)  # the column buffer went back to the pool: it is rebuilt from the saved input
            np.testing.assert_allclose(G(wv), 2 * first[1], rtol=1e-5)
            results.append((y.data.numpy(), *first))
        finally:
            _kern_runtime.set_kernel_threads(old)
            _kern_runtime._MIN_WORK = min_work
    for a, b in zip(results[0], results[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)


def test_errors() -> None:
    x = V(rng.standard_normal((1, 3, 8, 8)))
    with pytest.raises(RuntimeError, match="expected input\\[1, 3, 8, 8\\] to have 1 channels, but got 3 channels"):
        F.conv2d(x, V(rng.standard_normal((6, 1, 5, 5))))
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"):
        F.conv2d(V(rng.standard_normal((3, 8))), V(rng.standard_normal((6, 3, 5, 5))))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        F.conv2d(x, V(rng.standard_normal((6, 3, 9, 9))))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        F.conv2d(x, V(rng.standard_normal((6, 3, 3, 3))), stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string"):
        F.conv2d(x, V(rng.standard_normal((6, 3, 3, 3))), padding="full")
    with pytest.raises(RuntimeError, match="expected bias to be 1-dimensional with 6 elements"):
        F.conv2d(x, V(rng.standard_normal((6, 3, 3, 3))), V(rng.standard_normal(5)))
    with pytest.raises(RuntimeError, match="Input type \\(float64\\) and weight type \\(float32\\) should be the same"):
        F.conv2d(x, V(rng.standard_normal((6, 3, 3, 3)).astype(np.float32)))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 6, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(3, 6, 3, padding_mode="reflect")


def test_module_repr_init_and_state_dict() -> None:
    assert repr(nn.Conv2d(1, 6, 5)) == "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"
    assert repr(nn.Conv1d(16, 33, 3, stride=2)) == "Conv1d(16, 33, kernel_size=(3,), stride=(2,))"
    assert (
        repr(nn.Conv2d(16, 32, (3, 5), stride=2, padding=(4, 2), dilation=(3, 1), groups=2, bias=False))
        == "Conv2d(16, 32, kernel_size=(3, 5), stride=(2, 2), padding=(4, 2), dilation=(3, 1), groups=2, bias=False)"
    )
    assert (
        repr(nn.Conv2d(4, 4, 3, padding="same", padding_mode="reflect"))
        == "Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=reflect)"
    )
    assert (
        repr(nn.ConvTranspose2d(16, 33, 3, stride=2, output_padding=1))
        == "ConvTranspose2d(16, 33, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"
    )
    assert repr(nn.Conv3d(4, 8, 3)) == "Conv3d(4, 8, kernel_size=(3, 3, 3), stride=(1, 1, 1))"
    conv = nn.Conv2d(6, 16, 5)
    bound = 1 / math.sqrt(6 * 25)
    w, b = conv.weight.data.numpy(), conv.bias.data.numpy()
    assert w.shape == (16, 6, 5, 5) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound
    assert list(conv.state_dict()) == ["weight", "bias"]
    ct = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(ct.weight.shape) == (4, 3, 3, 3)
    assert np.abs(ct.weight.data.numpy()).max() <= 1 / math.sqrt(3 * 9)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv_module_padding_modes(mode: str) -> None:
    x = rng.standard_normal((2, 3, 6, 7))
    conv = nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode=mode).double()
    w, b = conv.weight.data.numpy(), conv.bias.data.numpy()
    np_mode: Any = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (2, 2)], mode=np_mode)
    y = conv(V(x)).data.numpy()
    np.testing.assert_allclose(y, direct_conv(xp, w, b, (1, 1), (0, 0), (1, 1), 1), atol=1e-12)


def test_conv_transpose_module_output_size() -> None:
    up = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1).double()
    x = V(rng.standard_normal((1, 4, 5, 5)))
    assert tuple(up(x).shape) == (1, 2, 9, 9)
    assert tuple(up(x, output_size=[10, 10]).shape) == (1, 2, 10, 10)
    assert tuple(up(x, output_size=(1, 2, 10, 9)).shape) == (1, 2, 10, 9)
    with pytest.raises(ValueError, match="requested an output size of \\[12, 12\\]"):
        up(x, output_size=[12, 12])


@pytest.mark.torch
def test_conv_parity_with_torch() -> None:
    torch = pytest.importorskip("torch")
    for mode in ("zeros", "reflect", "circular"):
        conv = nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), groups=2, padding_mode=mode)
        tconv = torch.nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), groups=2, padding_mode=mode)
        with torch.no_grad():
            tconv.weight.copy_(torch.from_numpy(conv.weight.data.numpy()))
            tconv.bias.copy_(torch.from_numpy(conv.bias.data.numpy()))
        x = rng.standard_normal((2, 4, 9, 8)).astype(np.float32)
        xv, xt = V(x), torch.tensor(x, requires_grad=True)
        y, yt = conv(xv), tconv(xt)
        np.testing.assert_allclose(y.data.numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(G(xv), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(G(conv.weight), tconv.weight.grad.numpy(), rtol=1e-4, atol=1e-3)
    ct = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    tct = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    with torch.no_grad():
        tct.weight.copy_(torch.from_numpy(ct.weight.data.numpy()))
        tct.bias.copy_(torch.from_numpy(ct.bias.data.numpy()))
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(ct(V(x)).data.numpy(), tct(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("padding", [0, 2])
def test_channels_first_and_channels_last_layouts_agree(padding: int) -> None:
    from taeda.nn.functional._kern_conv import ConvGeom, conv_backward, conv_forward

    x = rng.standard_normal((3, 5, 9, 10))
    w = rng.standard_normal((4, 5, 3, 2))
    gy = None
    results = []
    for channels_last in (True, False):
        g = ConvGeom(x.shape, w.shape, (2, 1), (padding, 1), (padding, 1), (1, 2), 1)
        g.channels_last = channels_last
        y, cols = conv_forward(x, w, None, g, keep_cols=True)
        if gy is None:
            gy = rng.standard_normal(y.shape)
        dx, dw = conv_backward(gy, x, w, cols, g, True, True)
        _, dw2 = conv_backward(gy, x, w, None, g, False, True)
        results.append((y, dx, dw, dw2))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, atol=1e-12)


def _conv_sum_in_child(x: Variable, w: Variable, q: Any) -> None:
    q.put(float(F.conv2d(x, w).sum().item()))


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_kernel_threads_work_in_a_forked_child() -> None:
    import multiprocessing

    min_work = _kern_runtime._MIN_WORK
    _kern_runtime._MIN_WORK = 0
    try:
        x = V(rng.standard_normal((4, 8, 10, 10)).astype(np.float32))
        w = V(rng.standard_normal((8, 8, 3, 3)).astype(np.float32))
        expected = float(F.conv2d(x, w).sum().item())  # starts the parent's worker thread
        ctx = multiprocessing.get_context("fork")
        q = ctx.Queue()
        p = ctx.Process(target=_conv_sum_in_child, args=(x, w, q))
        p.start()
        got = q.get(timeout=60)
        p.join(timeout=60)
        assert abs(got - expected) <= 1e-3 * max(1.0, abs(expected))
    finally:
        _kern_runtime._MIN_WORK = min_work
