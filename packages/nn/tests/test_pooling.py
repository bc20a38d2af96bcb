"""Pooling: forward against direct loops, gradients by gradcheck, indices, unpooling, modules, PyTorch parity."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn
from taeda.autograd import Variable, grad, gradcheck, gradgradcheck

Array = np.ndarray[Any, Any]
rng = np.random.default_rng(99)


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


def out_len(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    num = n + 2 * p - d * (k - 1) - 1
    o = (math.ceil(num / s) if ceil else num // s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def direct_pool(x: Array, k: Any, s: Any, p: Any, d: Any, ceil: bool, kind: str, count_include_pad: bool = True) -> Any:
    """Max or average pooling by explicit loops over output positions (any number of trailing dims)."""
    nd = len(k)
    lead = x.shape[:-nd]
    sp = x.shape[-nd:]
    out = [out_len(sp[i], k[i], s[i], p[i], d[i], ceil) for i in range(nd)]
    y = np.zeros((*lead, *out))
    idx = np.zeros((*lead, *out), dtype=np.int64)
    for pos in itertools.product(*(range(o) for o in out)):
        vals, flats, inside_pad = [], [], 0
        for off in itertools.product(*(range(v) for v in k)):
            q = [pos[i] * s[i] - p[i] + off[i] * d[i] for i in range(nd)]
            if all(0 <= q[i] < sp[i] for i in range(nd)):
                vals.append(x[at(Ellipsis, *q)])
                flats.append(int(np.ravel_multi_index(q, sp)))
            if all(q[i] < sp[i] + p[i] for i in range(nd)):
                inside_pad += 1
        stack = np.stack(vals, -1)
        if kind == "max":
            am = stack.argmax(-1)
            y[at(Ellipsis, *pos)] = stack.max(-1)
            idx[at(Ellipsis, *pos)] = np.asarray(flats)[am]
        else:
            y[at(Ellipsis, *pos)] = stack.sum(-1) / (inside_pad if count_include_pad else len(vals))
    return y, idx


MAX_GRID = [
    # kernel, stride, padding, dilation, ceil_mode
    ((2, 2), (2, 2), (0, 0), (1, 1), False),
    ((3, 3), (2, 2), (1, 1), (1, 1), True),
    ((3, 2), (2, 1), (1, 0), (2, 1), False),
    ((2, 3), (3, 2), (1, 1), (1, 2), True),
]


@pytest.mark.parametrize(("k", "s", "p", "d", "ceil"), MAX_GRID)
def test_max_pool2d_forward_indices_and_gradcheck(k: Any, s: Any, p: Any, d: Any, ceil: bool) -> None:
    x = rng.standard_normal((2, 3, 9, 8))
    y, idx = F.max_pool2d(V(x), k, s, p, d, ceil, return_indices=True)
    ref, ref_idx = direct_pool(x, k, s, p, d, ceil, "max")
    np.testing.assert_array_equal(y.data.numpy(), ref)
    np.testing.assert_array_equal(idx.data.numpy(), ref_idx)
    assert not idx.requires_grad
    assert gradcheck(lambda a: F.max_pool2d(a, k, s, p, d, ceil), (V(x[:1, :2]),))


@pytest.mark.parametrize(("k", "s", "p", "d", "ceil"), [(2, 2, 0, 1, False), (3, 2, 1, 2, True), (4, 3, 2, 1, True)])
def test_max_pool1d(k: int, s: int, p: int, d: int, ceil: bool) -> None:
    x = rng.standard_normal((2, 3, 13))
    y = F.max_pool1d(V(x), k, s, p, d, ceil)
    np.testing.assert_array_equal(y.data.numpy(), direct_pool(x, (k,), (s,), (p,), (d,), ceil, "max")[0])
    assert gradcheck(lambda a: F.max_pool1d(a, k, s, p, d, ceil), (V(x[:1]),))


def test_max_pool_ties_nan_and_int() -> None:
    x = np.zeros((1, 1, 2, 2))
    v = V(x)
    F.max_pool2d(v, 2).sum().backward()
    np.testing.assert_array_equal(G(v), [[[[1.0, 0.0], [0.0, 0.0]]]])  # the first maximum wins
    xn = np.array([[[[1.0, np.nan], [3.0, 2.0]]]])
    assert np.isnan(F.max_pool2d(V(xn), 2).data.numpy()).all()
    xi = tt.from_numpy(np.arange(16, dtype=np.int64).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(Variable(xi), 2).data.numpy(), [[[[5, 7], [13, 15]]]])


@pytest.mark.parametrize(
    ("k", "s", "shape"),
    [((2, 2), (2, 2), (2, 3, 8, 6)), ((3, 3), (1, 2), (2, 2, 7, 9)), ((12, 11), (3, 2), (1, 2, 15, 14))],
)
def test_max_pool_many_ties_pick_the_first_maximum(k: Any, s: Any, shape: Any) -> None:
    # small integers: most windows hold several equal maxima; 12x11 = 132 offsets takes the int32 winner index
    x = rng.integers(0, 3, shape).astype(np.float64)
    y, idx = F.max_pool2d(V(x), k, s, return_indices=True)
    ref, ref_idx = direct_pool(x, k, s, (0, 0), (1, 1), False, "max")
    np.testing.assert_array_equal(y.data.numpy(), ref)
    np.testing.assert_array_equal(idx.data.numpy(), ref_idx)


AVG_GRID = [
    ((2, 2), (2, 2), (0, 0), False, True),
    ((3, 3), (2, 2), (1, 1), True, True),
    ((3, 3), (2, 2), (1, 1), True, False),
    ((3, 2), (2, 3), (1, 1), False, False),
]


@pytest.mark.parametrize(("k", "s", "p", "ceil", "cip"), AVG_GRID)
def test_avg_pool2d_forward_and_gradcheck(k: Any, s: Any, p: Any, ceil: bool, cip: bool) -> None:
    x = rng.standard_normal((2, 3, 9, 8))
    y = F.avg_pool2d(V(x), k, s, p, ceil, cip)
    np.testing.assert_allclose(y.data.numpy(), direct_pool(x, k, s, p, (1, 1), ceil, "avg", cip)[0], atol=1e-12)
    assert gradcheck(lambda a: F.avg_pool2d(a, k, s, p, ceil, cip), (V(x[:1, :2]),))


def test_avg_pool1d_and_divisor_override() -> None:
    x = rng.standard_normal((2, 3, 11))
    y = F.avg_pool1d(V(x), 3, 2, 1, True, False)
    np.testing.assert_allclose(y.data.numpy(), direct_pool(x, (3,), (2,), (1,), (1,), True, "avg", False)[0])
    x2 = rng.standard_normal((1, 2, 4, 4))
    y2 = F.avg_pool2d(V(x2), 2, divisor_override=3).data.numpy()
    np.testing.assert_allclose(y2, x2.reshape(1, 2, 2, 2, 2, 2).sum((3, 5)) / 3)
    assert gradcheck(lambda a: F.avg_pool2d(a, 3, 1, 1, divisor_override=2), (V(x2),))


def adaptive_ref(x: Array, out: tuple[int, ...], kind: str) -> Array:
    nd = len(out)
    sp = x.shape[-nd:]
    y = np.zeros((*x.shape[:-nd], *out))
    for pos in itertools.product(*(range(o) for o in out)):
        sl = tuple(slice((pos[i] * sp[i]) // out[i], -(-((pos[i] + 1) * sp[i]) // out[i])) for i in range(nd))
        win = x[at(Ellipsis, *sl)]
        axes = tuple(range(-nd, 0))
        y[at(Ellipsis, *pos)] = win.max(axes) if kind == "max" else win.mean(axes)
    return y


@pytest.mark.parametrize("out", [(1, 1), (3, 2), (5, 7), (4, 4)])
def test_adaptive_pool2d(out: tuple[int, int]) -> None:
    x = rng.standard_normal((2, 3, 7, 9))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(V(x), out).data.numpy(), adaptive_ref(x, out, "avg"))
    y, idx = F.adaptive_max_pool2d(V(x), out, return_indices=True)
    np.testing.assert_array_equal(y.data.numpy(), adaptive_ref(x, out, "max"))
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, 3, -1), idx.data.numpy().reshape(2, 3, -1), 2),
                                  y.data.numpy().reshape(2, 3, -1))  # fmt: skip
    xs = V(x[:1, :2])
    assert gradcheck(lambda a: F.adaptive_avg_pool2d(a, out), (xs,))
    assert gradcheck(lambda a: F.adaptive_max_pool2d(a, out), (xs,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adaptive_max_pool2d_large_batch_values_and_indices(dtype: Any) -> None:
    # 16x32 planes: the running maximum's selects are large enough for the branch-free path
    x = rng.standard_normal((16, 32, 7, 9)).astype(dtype)
    x[0, 0, 0, :3] = [np.nan, np.inf, -np.inf]
    y, idx = F.adaptive_max_pool2d(V(x), (5, 7), return_indices=True)
    ref = adaptive_ref(x, (5, 7), "max").astype(dtype)
    np.testing.assert_array_equal(y.data.numpy(), ref)
    picked = np.take_along_axis(x.reshape(16, 32, -1), idx.data.numpy().reshape(16, 32, -1), 2)
    np.testing.assert_array_equal(picked, y.data.numpy().reshape(16, 32, -1))


def test_adaptive_pool1d_and_none_size() -> None:
    x = rng.standard_normal((2, 3, 10))
    np.testing.assert_allclose(F.adaptive_avg_pool1d(V(x), 4).data.numpy(), adaptive_ref(x, (4,), "avg"))
    np.testing.assert_array_equal(F.adaptive_max_pool1d(V(x), 3).data.numpy(), adaptive_ref(x, (3,), "max"))
    assert tuple(F.adaptive_avg_pool2d(V(rng.standard_normal((1, 2, 5, 6))), (None, 3)).shape) == (1, 2, 5, 3)
    assert gradcheck(lambda a: F.adaptive_max_pool1d(a, 4), (V(x[:1]),))


def test_max_unpool2d_roundtrip_and_gradcheck() -> None:
    x = rng.standard_normal((2, 3, 6, 6))
    y, idx = F.max_pool2d(V(x), 2, return_indices=True)
    up = F.max_unpool2d(y, idx, 2).data.numpy()
    mask = up != 0
    np.testing.assert_array_equal(up[mask], x[mask])
    assert mask.sum() == y.data.numpy().size
    assert tuple(F.max_unpool2d(y, idx, 2, output_size=[7, 7]).shape) == (2, 3, 7, 7)
    yv = V(y.data.numpy())
    assert gradcheck(lambda a: F.max_unpool2d(a, idx, 2), (yv,))
    y1, i1 = F.max_pool1d(V(x[0, 0]), 2, return_indices=True)
    assert tuple(F.max_unpool1d(y1, i1, 2).shape) == (6, 6)


def test_pool_errors() -> None:
    x = V(rng.standard_normal((1, 1, 4, 4)))
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match="pad should be at most half of kernel size"):
        F.avg_pool2d(x, 3, padding=2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(x, 5)
    with pytest.raises(RuntimeError, match="max_pool2d: Expected 3D or 4D"):
        F.max_pool2d(V(rng.standard_normal((4, 4))), 2)


def test_pool_modules() -> None:
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxPool1d(3, 2)) == "MaxPool1d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AvgPool1d(3, 2)) == "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(0,))"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    assert repr(nn.AdaptiveAvgPool1d(5)) == "AdaptiveAvgPool1d(output_size=5)"
    assert repr(nn.AdaptiveMaxPool2d(3)) == "AdaptiveMaxPool2d(output_size=3)"
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    x = V(rng.standard_normal((2, 3, 8, 8)))
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    y, idx = pool(x)
    assert tuple(unpool(y, idx).shape) == (2, 3, 8, 8)
    assert tuple(nn.AvgPool2d(3, 1, 1)(x).shape) == (2, 3, 8, 8)
    assert tuple(nn.AdaptiveMaxPool2d(3)(x).shape) == (2, 3, 3, 3)
    assert tuple(nn.AvgPool1d(2)(V(rng.standard_normal((2, 3, 8)))).shape) == (2, 3, 4)
    assert tuple(nn.AdaptiveAvgPool1d(2)(V(rng.standard_normal((2, 3, 8)))).shape) == (2, 3, 2)
    assert tuple(nn.MaxPool1d(2)(V(rng.standard_normal((2, 3, 8)))).shape) == (2, 3, 4)
    assert tuple(nn.AdaptiveMaxPool1d(2)(V(rng.standard_normal((2, 3, 8)))).shape) == (2, 3, 2)


@pytest.mark.torch
def test_pool_parity_with_torch() -> None:
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = rng.standard_normal((2, 3, 11, 10)).astype(np.float32)
    xt = torch.tensor(x)
    cases: list[tuple[Any, Any]] = [
        (lambda a: F.max_pool2d(a, 3, 2, 1, 1, True), lambda a: tf.max_pool2d(a, 3, 2, 1, 1, True)),
        (lambda a: F.avg_pool2d(a, 3, 2, 1, True, False), lambda a: tf.avg_pool2d(a, 3, 2, 1, True, False)),
        (lambda a: F.adaptive_avg_pool2d(a, (4, 3)), lambda a: tf.adaptive_avg_pool2d(a, (4, 3))),
        (lambda a: F.adaptive_max_pool2d(a, (4, 3)), lambda a: tf.adaptive_max_pool2d(a, (4, 3))),
    ]
    for ours, theirs in cases:
        np.testing.assert_allclose(ours(V(x)).data.numpy(), theirs(xt).numpy(), rtol=1e-5, atol=1e-6)
    _, i = F.max_pool2d(V(x), 3, 2, 1, return_indices=True)
    _, it = tf.max_pool2d(xt, 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(i.data.numpy(), it.numpy())


def test_max_pool_two_thread_split_matches() -> None:
    from taeda.nn.functional import _kern_runtime

    x = rng.standard_normal((4, 3, 8, 9))
    old_work, old = _kern_runtime._MIN_WORK, _kern_runtime.set_kernel_threads(True)
    _kern_runtime._MIN_WORK = 0
    try:
        for args in ((2, 2, 0, 1, False), (3, 2, 1, 1, True)):
            v = V(x)
            y = F.max_pool2d(v, *args)
            k, s, p, d, c = args
            ref = direct_pool(x, (k, k), (s, s), (p, p), (d, d), c, "max")[0]
            np.testing.assert_array_equal(y.data.numpy(), ref)
            y.sum().backward()
            assert G(v).sum() == ref.size
    finally:
        _kern_runtime._MIN_WORK = old_work
        _kern_runtime.set_kernel_threads(old)


def test_adaptive_max_pool_empty_output() -> None:
    """An output size of 0 gives an empty result (and gradient), as in PyTorch, not a crash."""
    x = Variable(tt.as_tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 5))), requires_grad=True)
    y, idx = F.adaptive_max_pool2d(x, (0, 3), return_indices=True)
    assert tuple(y.shape) == (2, 3, 0, 3) and tuple(idx.shape) == (2, 3, 0, 3)
    y.sum().backward()
    assert x.grad is not None and not x.grad.abs().sum().item()
    assert tuple(F.adaptive_max_pool1d(x[:, :, 0], 0).shape) == (2, 3, 0)


@pytest.mark.parametrize(
    ("fn", "shape", "size"),
    [
        (F.adaptive_avg_pool2d, (3, 4, 5, 6), 1),
        (F.adaptive_avg_pool2d, (3, 4, 5, 6), (1, 1)),
        (F.adaptive_avg_pool2d, (4, 7, 7), 1),  # unbatched
        (F.adaptive_avg_pool2d, (0, 4, 5, 6), 1),  # empty batch
        (F.adaptive_avg_pool1d, (3, 4, 9), 1),
    ],
)
def test_global_average_pooling(fn: Any, shape: tuple[int, ...], size: Any) -> None:
    """Output size 1 everywhere: the mean over the pooled axes, its gradient spread evenly (and differentiable
    again), as the general adaptive pooling gives."""
    d = 2 if fn is F.adaptive_avg_pool2d else 1
    x = Variable(tt.from_numpy(np.random.default_rng(3).standard_normal(shape)), requires_grad=True)
    y = fn(x, size)
    axes = tuple(range(len(shape) - d, len(shape)))
    np.testing.assert_allclose(y.data.numpy(), x.data.numpy().mean(axis=axes, keepdims=True), rtol=1e-12, atol=1e-15)
    g = np.random.default_rng(4).standard_normal(tuple(y.shape))
    y.backward(tt.from_numpy(g))
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(g / np.prod(shape[-d:]), shape), rtol=1e-12)
    if shape[0]:
        (graph_grad,) = grad([fn(x, size)], [x], [tt.from_numpy(g)], create_graph=True)
        assert graph_grad is not None
        np.testing.assert_allclose(graph_grad.data.numpy(), x.grad.numpy(), rtol=1e-12)  # the same with a graph
        assert gradcheck(lambda v: fn(v, size), (x,))
        assert gradgradcheck(lambda v: fn(v, size) ** 2, (x,))


@pytest.mark.parametrize("fn", [F.avg_pool2d, F.max_pool2d])
def test_pooling_with_gaps_leaves_uncovered_gradients_zero(fn: Any) -> None:
    """stride > kernel: positions no window reads get exactly 0 (not whatever the allocator hands back)."""
    x = Variable(tt.from_numpy(np.random.default_rng(5).standard_normal((4, 3, 9, 9))), requires_grad=True)
    y = fn(x, 2, stride=3)
    for _ in range(3):  # leave freed buffers of the gradient's size full of NaN for the allocator to reuse
        junk = np.full((4, 3, 9, 9), np.nan)
        del junk
    y.backward(tt.ones(*y.shape, dtype=tt.float64))
    assert x.grad is not None
    gx = x.grad.numpy()
    covered = np.zeros((9, 9), bool)
    for i in range(0, 7, 3):
        for j in range(0, 7, 3):
            covered[i : i + 2, j : j + 2] = True
    assert np.all(gx[..., ~covered] == 0) and np.isfinite(gx).all()
    assert gx.sum() == pytest.approx(y.numel())  # every output passes a gradient of 1 back in full
