"""Normalisation: forward against NumPy formulas, running statistics, eval mode, gradcheck, modules, PyTorch parity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn
from taeda.autograd import Variable, gradcheck

Array = np.ndarray[Any, Any]
rng = np.random.default_rng(7)


def V(a: Array, grad: bool = True) -> Variable:
    return Variable(tt.from_numpy(np.ascontiguousarray(a)), requires_grad=grad)


def G(v: Variable) -> Array:
    """The gradient of ``v`` as an ndarray."""
    assert v.grad is not None
    out: np.ndarray[Any, Any] = v.grad.data.numpy()
    return out


def normalize(x: Array, axes: tuple[int, ...], eps: float = 1e-5) -> Array:
    m = x.mean(axes, keepdims=True)
    v = x.var(axes, keepdims=True)
    out: Array = (x - m) / np.sqrt(v + eps)
    return out


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (4, 3, 5, 6)])
def test_batch_norm_training_running_stats_and_eval(shape: tuple[int, ...]) -> None:
    x = rng.standard_normal(shape) * 2 + 1
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = tt.from_numpy(np.zeros(3)), tt.from_numpy(np.ones(3))
    axes = (0, *range(2, len(shape)))
    pshape = (1, 3) + (1,) * (len(shape) - 2)
    y = F.batch_norm(V(x), rm, rv, V(w), V(b), training=True, momentum=0.2)
    np.testing.assert_allclose(y.data.numpy(), normalize(x, axes) * w.reshape(pshape) + b.reshape(pshape), atol=1e-12)
    n = x.size // 3
    np.testing.assert_allclose(rm.numpy(), 0.2 * x.mean(axes))
    np.testing.assert_allclose(rv.numpy(), 0.8 + 0.2 * x.var(axes) * n / (n - 1))  # PyTorch's unbiased running var
    ye = F.batch_norm(V(x), rm, rv, V(w), V(b), training=False)
    ref = (x - rm.numpy().reshape(pshape)) / np.sqrt(rv.numpy().reshape(pshape) + 1e-5) * w.reshape(pshape)
    np.testing.assert_allclose(ye.data.numpy(), ref + b.reshape(pshape), atol=1e-12)
    xs = x[:3] if len(shape) > 2 else x
    assert gradcheck(lambda a, c, e: F.batch_norm(a, None, None, c, e, training=True), (V(xs), V(w), V(b)))
    assert gradcheck(lambda a, c, e: F.batch_norm(a, rm, rv, c, e, training=False), (V(xs), V(w), V(b)))


def test_batch_norm_module_momentum_none_is_cumulative_average() -> None:
    bn = nn.BatchNorm2d(3, momentum=None).double()
    batches = [rng.standard_normal((4, 3, 2, 2)) + i for i in range(3)]
    for xb in batches:
        bn(V(xb))
    means = np.stack([xb.mean((0, 2, 3)) for xb in batches])
    np.testing.assert_allclose(bn.running_mean.numpy(), means.mean(0), atol=1e-12)
    assert int(bn.num_batches_tracked.item()) == 3
    bn.eval()
    y = bn(V(batches[0])).data.numpy()
    rm, rv = bn.running_mean.numpy().reshape(1, 3, 1, 1), bn.running_var.numpy().reshape(1, 3, 1, 1)
    np.testing.assert_allclose(y, (batches[0] - rm) / np.sqrt(rv + 1e-5), atol=1e-12)


def test_batch_norm_without_running_stats_and_errors() -> None:
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False).double()
    assert bn.running_mean is None and list(bn.state_dict()) == []
    x = rng.standard_normal((5, 3))
    bn.eval()
    np.testing.assert_allclose(bn(V(x)).data.numpy(), normalize(x, (0,)), atol=1e-12)
    with pytest.raises(ValueError, match="expected 4D input \\(got 3D input\\)"):
        nn.BatchNorm2d(3)(V(rng.standard_normal((2, 3, 4))))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(V(rng.standard_normal((1, 3))))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        F.batch_norm(V(rng.standard_normal((2, 4))), tt.zeros(3), tt.ones(3), training=True)


def test_layer_norm() -> None:
    x = rng.standard_normal((3, 4, 5))
    w, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    y = F.layer_norm(V(x), (4, 5), V(w), V(b))
    np.testing.assert_allclose(y.data.numpy(), normalize(x, (1, 2)) * w + b, atol=1e-12)
    assert gradcheck(lambda a, c, e: F.layer_norm(a, (4, 5), c, e), (V(x[:2]), V(w), V(b)))
    assert gradcheck(lambda a: F.layer_norm(a, 5), (V(x[:2]),))
    with pytest.raises(RuntimeError, match="expected input with shape \\[\\*, 4\\]"):
        F.layer_norm(V(x), (4,))


def test_group_norm() -> None:
    x = rng.standard_normal((2, 6, 3, 4))
    w, b = rng.standard_normal(6), rng.standard_normal(6)
    y = F.group_norm(V(x), 3, V(w), V(b))
    ref = normalize(x.reshape(2, 3, -1), (2,)).reshape(x.shape) * w.reshape(1, 6, 1, 1) + b.reshape(1, 6, 1, 1)
    np.testing.assert_allclose(y.data.numpy(), ref, atol=1e-12)
    assert gradcheck(lambda a, c, e: F.group_norm(a, 2, c, e), (V(x[:, :, :2]), V(w), V(b)))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(V(x), 4)


def test_instance_norm_and_running_stats() -> None:
    x = rng.standard_normal((2, 3, 4, 5))
    y = F.instance_norm(V(x))
    np.testing.assert_allclose(y.data.numpy(), normalize(x, (2, 3)), atol=1e-12)
    assert gradcheck(F.instance_norm, (V(x[:, :, :2, :3]),))
    m = nn.InstanceNorm2d(3, affine=True, track_running_stats=True).double()
    m(V(x))
    np.testing.assert_allclose(m.running_mean.numpy(), 0.1 * x.mean((2, 3)).mean(0), atol=1e-12)
    var = x.reshape(2, 3, -1).var(2, ddof=1).mean(0)
    np.testing.assert_allclose(m.running_var.numpy(), 0.9 + 0.1 * var, atol=1e-12)
    m.eval()
    rm, rv = m.running_mean.numpy().reshape(1, 3, 1, 1), m.running_var.numpy().reshape(1, 3, 1, 1)
    np.testing.assert_allclose(m(V(x)).data.numpy(), (x - rm) / np.sqrt(rv + 1e-5), atol=1e-12)
    assert tuple(nn.InstanceNorm2d(3)(V(x[0])).shape) == (3, 4, 5)


def test_module_reprs_and_state_dict() -> None:
    assert (
        repr(nn.BatchNorm2d(16))
        == "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
    assert (
        repr(nn.BatchNorm1d(4, momentum=None, affine=False))
        == "BatchNorm1d(4, eps=1e-05, momentum=None, affine=False, bias=False, track_running_stats=True)"
    )
    assert repr(nn.LayerNorm(10)) == "LayerNorm((10,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert repr(nn.GroupNorm(3, 6)) == "GroupNorm(3, 6, eps=1e-05, affine=True, bias=True)"
    assert (
        repr(nn.InstanceNorm2d(3))
        == "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    )
    assert list(nn.BatchNorm2d(3).state_dict()) == [
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    seq = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    assert "1.running_mean" in seq.state_dict()
    bn = nn.BatchNorm2d(3)
    np.testing.assert_array_equal(bn.weight.data.numpy(), np.ones(3, np.float32))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(3, np.float32))


@pytest.mark.torch
def test_norm_parity_with_torch() -> None:
    torch = pytest.importorskip("torch")
    bn, tbn = nn.BatchNorm2d(3, momentum=0.3), torch.nn.BatchNorm2d(3, momentum=0.3)
    xs = [rng.standard_normal((4, 3, 5, 5)).astype(np.float32) * (i + 1) for i in range(3)]
    for x in xs:
        xv, xt = V(x), torch.tensor(x, requires_grad=True)
        y, yt = bn(xv), tbn(xt)
        np.testing.assert_allclose(y.data.numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        (y * y).sum().backward()
        (yt * yt).sum().backward()
        np.testing.assert_allclose(G(xv), xt.grad.numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(bn.running_var.numpy(), tbn.running_var.numpy(), rtol=1e-5)
    np.testing.assert_allclose(G(bn.weight), tbn.weight.grad.numpy(), rtol=1e-3)
    bn.eval()
    tbn.eval()
    np.testing.assert_allclose(bn(V(xs[0])).data.numpy(), tbn(torch.tensor(xs[0])).detach().numpy(), rtol=1e-4,
                               atol=1e-5)  # fmt: skip
    x = rng.standard_normal((2, 6, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(nn.GroupNorm(3, 6)(V(x)).data.numpy(),
                               torch.nn.GroupNorm(3, 6)(torch.tensor(x)).detach().numpy(), atol=1e-5)  # fmt: skip
    np.testing.assert_allclose(nn.LayerNorm([4, 4])(V(x)).data.numpy(),
                               torch.nn.LayerNorm([4, 4])(torch.tensor(x)).detach().numpy(), atol=1e-5)  # fmt: skip


@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d", "InstanceNorm1d", "InstanceNorm2d", "GroupNorm"])
def test_affine_without_bias(name: str) -> None:
    """PyTorch 2.13's keyword-only ``bias=False``: a weight but no bias parameter, and the repr says so."""
    args = (2, 4) if name == "GroupNorm" else (4,)
    m = getattr(nn, name)(*args, affine=True, bias=False).double()
    assert m.bias is None and m.weight is not None
    assert "bias" not in dict(m.named_parameters())
    assert "bias=False" in repr(m)
    x = V(np.random.default_rng(0).standard_normal((3, 4, 5, 2) if name.endswith("2d") else (3, 4, 5)))
    y = m(x)
    y.sum().backward()
    assert m.weight.grad is not None
    ref = getattr(nn, name)(*args, affine=True).double()
    np.testing.assert_allclose(y.detach().numpy(), ref(x).detach().numpy())  # bias 0 either way


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 5, 2)])
@pytest.mark.parametrize(
    ("params", "needs"),
    [("affine", n) for n in ("all", "x", "w", "b")] + [("weight_only", n) for n in ("all", "x", "w")] + [("none", "x")],
)
def test_batch_norm_training_backward_every_parameter_combination(
    shape: tuple[int, ...], params: str, needs: str
) -> None:
    # the training backward shares the weight/bias sums with the input gradient: check each subset of gradients
    x = rng.standard_normal(shape) * 3 - 1
    w = V(rng.standard_normal(3), needs in ("all", "w")) if params != "none" else None
    b = V(rng.standard_normal(3), needs in ("all", "b")) if params == "affine" else None
    xv = V(x, needs in ("all", "x"))
    live = [t for t in (xv, w, b) if t is not None and t.requires_grad]

    def f(*args: Any) -> Any:
        it = iter(args)
        a, c, e = (next(it) if t is not None and t.requires_grad else t for t in (xv, w, b))
        assert a is not None
        return F.batch_norm(a, None, None, c, e, training=True)

    assert gradcheck(f, tuple(live))
    g = rng.standard_normal(shape)
    y = f(*live)
    y.backward(tt.from_numpy(g))
    axes = (0, *range(2, len(shape)))
    pshape = (1, 3) + (1,) * (len(shape) - 2)
    xhat = normalize(x, axes)
    if w is not None and w.requires_grad:
        np.testing.assert_allclose(G(w), (g * xhat).sum(axes), rtol=1e-10, atol=1e-12)
    if b is not None and b.requires_grad:
        np.testing.assert_allclose(G(b), g.sum(axes), rtol=1e-10, atol=1e-12)
    if xv.requires_grad:
        gw = g * (w.data.numpy().reshape(pshape) if w is not None else 1.0)
        rstd = 1 / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
        ref = rstd * (gw - gw.mean(axes, keepdims=True) - xhat * (gw * xhat).mean(axes, keepdims=True))
        np.testing.assert_allclose(G(xv), ref, rtol=1e-9, atol=1e-11)
