"""Group and instance norm on the blocked row kernels (rows of (sample, group), per-channel weights expanded over
each group's positions): forward and every gradient subset against NumPy formulas, the general path, PyTorch when
installed, block edges, both halves of the thread split and with the split off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck
from taeda.nn.functional import _kern_rownorm, _kern_runtime, _normalization

RNG = np.random.default_rng(11)


@pytest.fixture(autouse=True)
def any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernels take every size here (in use only from ``_GROUPED_MIN`` elements)."""
    monkeypatch.setattr(_normalization, "_GROUPED_MIN", 0)


@pytest.fixture(params=[True, False], ids=["threads", "one-thread"])
def threads(request: pytest.FixtureRequest) -> Iterator[bool]:
    old = _kern_runtime.set_kernel_threads(bool(request.param))
    yield bool(request.param)
    _kern_runtime.set_kernel_threads(old)


def _reference(x: Any, groups: int, w: Any, b: Any, g: Any, eps: float) -> tuple[Any, Any, Any, Any]:
    """Group norm and its gradients in float64 NumPy, written from the definition."""
    n, c = x.shape[:2]
    pshape = (1, c) + (1,) * (x.ndim - 2)
    xg = x.reshape(n, groups, -1)
    mean = xg.mean(2, keepdims=True)
    rstd = 1 / np.sqrt(((xg - mean) ** 2).mean(2, keepdims=True) + eps)
    xhat = ((xg - mean) * rstd).reshape(x.shape)
    y = xhat * (1 if w is None else w.reshape(pshape)) + (0 if b is None else b.reshape(pshape))
    axes = (0, *range(2, x.ndim))
    gw, gb = (g * xhat).sum(axes), g.sum(axes)
    t = (g * (1 if w is None else w.reshape(pshape))).reshape(n, groups, -1)
    xh = xhat.reshape(n, groups, -1)
    gx = rstd * (t - t.mean(2, keepdims=True) - xh * (t * xh).mean(2, keepdims=True))
    return y, gx.reshape(x.shape), gw, gb


SHAPES = [
    ((12, 64, 40, 40), 16),  # 1.2M elements: 1 sample per block (102K), both threads
    ((40, 12, 9, 11), 4),  # several samples per block, ragged last block in each half
    ((5, 6, 7), 6),  # instance-norm grouping (one channel per group), 1-D positions
    ((7, 8), 2),  # no positions: (N, C) input
    ((3, 4, 2, 3, 5), 1),  # one group (a layer norm over C and positions, per-channel affine)
    ((9, 10, 1, 1), 5),  # one position per channel
]


def _vars(x: Any, w: Any, b: Any) -> tuple[Variable, Variable | None, Variable | None]:
    xv = Variable(tt.from_numpy(x), requires_grad=True)
    wv = None if w is None else Variable(tt.from_numpy(w), requires_grad=True)
    bv = None if b is None else Variable(tt.from_numpy(b), requires_grad=True)
    return xv, wv, bv


@pytest.mark.parametrize(("shape", "groups"), SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", ["affine", "weight", "bias", "none"])
def test_forward_and_gradients_match_the_formulas(
    shape: tuple[int, ...], groups: int, dtype: Any, params: str, threads: bool
) -> None:
    x = (RNG.standard_normal(shape) * 3 + 5).astype(dtype)  # groups far from 0: the variance is two-pass
    g = RNG.standard_normal(shape).astype(dtype)
    c = shape[1]
    w = RNG.standard_normal(c).astype(dtype) if params in ("affine", "weight") else None
    b = RNG.standard_normal(c).astype(dtype) if params in ("affine", "bias") else None
    xv, wv, bv = _vars(x, w, b)
    y = F.group_norm(xv, groups, wv, bv, eps=1e-5)
    y.backward(tt.from_numpy(g))
    ry, rgx, rgw, rgb = _reference(x.astype(np.float64), groups, w, b, g.astype(np.float64), 1e-5)
    rtol = atol = 2e-4 if dtype == np.float32 else 1e-10
    assert y.dtype == xv.dtype and y.shape == xv.shape
    np.testing.assert_allclose(y.data.numpy(), ry, rtol=rtol, atol=atol)
    assert xv.grad is not None and xv.grad.dtype == xv.dtype
    np.testing.assert_allclose(xv.grad.numpy(), rgx, rtol=rtol, atol=atol)
    if wv is not None:
        assert wv.grad is not None and wv.grad.shape == wv.shape and wv.grad.dtype == wv.dtype
        np.testing.assert_allclose(wv.grad.numpy(), rgw, rtol=rtol, atol=atol * np.sqrt(x.size))
    if bv is not None:
        assert bv.grad is not None and bv.grad.shape == bv.shape
        np.testing.assert_allclose(bv.grad.numpy(), rgb, rtol=rtol, atol=atol * np.sqrt(x.size))


def test_the_kernels_take_group_and_instance_norm() -> None:
    seen: list[int] = []
    orig = _kern_rownorm.rownorm_forward

    def spy(*args: Any) -> Any:
        seen.append(args[-1])
        return orig(*args)

    x = Variable(tt.from_numpy(RNG.standard_normal((4, 6, 5, 5))))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_normalization, "rownorm_forward", spy)
        F.group_norm(x, 3)
        F.instance_norm(x)
        F.layer_norm(x, (5, 5))
    assert seen == [3, 6, 1]
    # below _GROUPED_MIN elements group and instance norm keep the whole-array passes (layer norm does not)
    seen.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_normalization, "rownorm_forward", spy)
        mp.setattr(_normalization, "_GROUPED_MIN", x.numel() + 1)
        F.group_norm(x, 3)
        F.instance_norm(x)
        F.layer_norm(x, (5, 5))
    assert seen == [1]


@pytest.mark.parametrize("wants", ["x", "w", "b", "wb", "xb"])
def test_each_subset_of_gradients(wants: str) -> None:
    x = RNG.standard_normal((6, 20, 30, 30))
    g = RNG.standard_normal(x.shape)
    w, b = RNG.standard_normal(20), RNG.standard_normal(20)
    xv = Variable(tt.from_numpy(x), requires_grad="x" in wants)
    wv = Variable(tt.from_numpy(w), requires_grad="w" in wants)
    bv = Variable(tt.from_numpy(b), requires_grad="b" in wants)
    F.group_norm(xv, 5, wv, bv).backward(tt.from_numpy(g))
    _, rgx, rgw, rgb = _reference(x, 5, w, b, g, 1e-5)
    for v, ref, name in ((xv, rgx, "x"), (wv, rgw, "w"), (bv, rgb, "b")):
        if name in wants:
            assert v.grad is not None
            np.testing.assert_allclose(v.grad.numpy(), ref, rtol=1e-9, atol=1e-9)
        else:
            assert v.grad is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_the_general_path(dtype: Any, threads: bool) -> None:
    x = RNG.standard_normal((10, 32, 16, 16)).astype(dtype)
    g = tt.from_numpy(RNG.standard_normal(x.shape).astype(dtype))
    w, b = RNG.standard_normal(32).astype(dtype), RNG.standard_normal(32).astype(dtype)
    results = []
    for kernels in (True, False):
        xv, wv, bv = _vars(x, w, b)
        with pytest.MonkeyPatch.context() as mp:
            if not kernels:
                mp.setattr(_normalization, "_rownorm_groups", lambda *a: 0)
            y = F.group_norm(xv, 8, wv, bv)
            y.backward(g)
        assert xv.grad is not None and wv is not None and wv.grad is not None and bv is not None
        assert bv.grad is not None
        results.append([y.data.numpy(), xv.grad.numpy(), wv.grad.numpy(), bv.grad.numpy()])
    tol = 1e-4 if dtype == np.float32 else 1e-11
    for new, old in zip(*results):
        np.testing.assert_allclose(new, old, rtol=tol, atol=tol * 30)


def test_non_contiguous_input_instance_norm_running_stats_and_second_derivatives() -> None:
    base = RNG.standard_normal((6, 5, 4, 8))
    x = Variable(tt.from_numpy(base).transpose(0, 1), requires_grad=True)  # (5, 6, 4, 8), not contiguous
    w = Variable(tt.from_numpy(RNG.standard_normal(6)), requires_grad=True)
    y = F.group_norm(x, 2, w, None)
    ref, _, _, _ = _reference(base.transpose(1, 0, 2, 3), 2, w.data.numpy(), None, np.zeros((5, 6, 4, 8)), 1e-5)
    np.testing.assert_allclose(y.data.numpy(), ref, rtol=1e-12, atol=1e-12)
    rm, rv = tt.zeros(6, dtype=tt.float64), tt.ones(6, dtype=tt.float64)
    yi = F.instance_norm(x, rm, rv, w, None, use_input_stats=True, momentum=0.5)
    refi, _, _, _ = _reference(base.transpose(1, 0, 2, 3), 6, w.data.numpy(), None, np.zeros((5, 6, 4, 8)), 1e-5)
    np.testing.assert_allclose(yi.data.numpy(), refi, rtol=1e-12, atol=1e-12)
    planes = base.transpose(1, 0, 2, 3).reshape(5, 6, -1)
    np.testing.assert_allclose(rm.numpy(), 0.5 * planes.mean(2).mean(0), rtol=1e-12)
    small = Variable(tt.from_numpy(RNG.standard_normal((3, 4, 5))).transpose(0, 1), requires_grad=True)
    ws = Variable(tt.from_numpy(RNG.standard_normal(3)), requires_grad=True)
    bs = Variable(tt.from_numpy(RNG.standard_normal(3)), requires_grad=True)
    assert gradcheck(lambda a, c, e: F.group_norm(a, 3, c, e), (small, ws, bs))
    assert gradgradcheck(lambda a, c, e: F.group_norm(a, 1, c, e), (small, ws, bs))


def test_parity_with_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch installed")
    for shape, groups in ((16, 32, 12, 12), 8), ((4, 6, 10), 6):
        x = RNG.standard_normal(shape).astype(np.float32)
        g = RNG.standard_normal(shape).astype(np.float32)
        w, b = RNG.standard_normal(shape[1]).astype(np.float32), RNG.standard_normal(shape[1]).astype(np.float32)
        xv, wv, bv = _vars(x, w, b)
        F.group_norm(xv, groups, wv, bv).backward(tt.from_numpy(g))
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        torch.nn.functional.group_norm(tx, groups, tw, tb).backward(torch.tensor(g))
        assert xv.grad is not None and wv is not None and wv.grad is not None and bv is not None
        assert bv.grad is not None
        np.testing.assert_allclose(xv.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(wv.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(bv.grad.numpy(), tb.grad.numpy(), rtol=1e-4, atol=1e-3)
