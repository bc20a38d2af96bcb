"""Conv/Linear-BatchNorm fusion (values and gradients equal to the unfused eval-mode modules), skip_init and
clip_grads_with_norm_; PyTorch parity of the fused weights and the clipping when torch is installed."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.utils import (
    clip_grad_norm_,
    clip_grads_with_norm_,
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
    get_total_norm,
    skip_init,
)

RNG = np.random.default_rng(11)


def _randomize_bn(bn: Any) -> Any:
    n = bn.num_features
    bn.running_mean.copy_(tt.as_tensor(RNG.standard_normal(n)))
    bn.running_var.copy_(tt.as_tensor(RNG.uniform(0.5, 2.0, n)))
    if bn.affine:
        bn.weight.data.copy_(tt.as_tensor(RNG.standard_normal(n)))
        bn.bias.data.copy_(tt.as_tensor(RNG.standard_normal(n)))
    return bn.eval()


def _value_and_input_grad(f: Callable[[Any], Any], x: np.ndarray[Any, Any], g: np.ndarray[Any, Any]) -> Any:
    v = Variable(tt.as_tensor(x.copy()), requires_grad=True)
    out = f(v)
    (out * Variable(tt.as_tensor(g))).sum().backward()
    assert v.grad is not None
    return out.data.numpy(), v.grad.data.numpy()


CONV_CASES: list[tuple[str, Callable[[], nn.Module], Callable[[], nn.Module], tuple[int, ...], bool]] = [
    ("conv1d", lambda: nn.Conv1d(3, 4, 3), lambda: nn.BatchNorm1d(4), (2, 3, 9), False),
    ("conv2d", lambda: nn.Conv2d(3, 4, 3, padding=1, groups=1), lambda: nn.BatchNorm2d(4), (2, 3, 6, 6), False),
    ("conv2d-nobias", lambda: nn.Conv2d(4, 6, 3, groups=2, bias=False), lambda: nn.BatchNorm2d(6), (1, 4, 5, 5), False),
    ("conv3d", lambda: nn.Conv3d(2, 3, 2), lambda: nn.BatchNorm3d(3), (1, 2, 4, 4, 4), False),
    ("bn-no-affine", lambda: nn.Conv2d(3, 4, 3), lambda: nn.BatchNorm2d(4, affine=False), (2, 3, 5, 5), False),
    ("convT2d", lambda: nn.ConvTranspose2d(3, 4, 3, stride=2), lambda: nn.BatchNorm2d(4), (2, 3, 4, 4), True),
    ("convT1d", lambda: nn.ConvTranspose1d(4, 6, 3, dilation=2), lambda: nn.BatchNorm1d(6), (2, 4, 5), True),
]


@pytest.mark.parametrize(("name", "mk_conv", "mk_bn", "shape", "transpose"), CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_fuse_conv_bn_eval_values_and_gradients(
    name: str, mk_conv: Callable[[], nn.Module], mk_bn: Callable[[], nn.Module], shape: tuple[int, ...], transpose: bool
) -> None:
    conv, bn = mk_conv().double().eval(), _randomize_bn(mk_bn().double())
    before = conv.weight.data.numpy().copy()
    fused = fuse_conv_bn_eval(conv, bn, transpose=transpose)  # type: ignore[type-var]
    assert type(fused) is type(conv) and fused is not conv and fused.bias is not None
    np.testing.assert_array_equal(conv.weight.data.numpy(), before)  # the originals are untouched
    x = RNG.standard_normal(shape)
    ref_out = bn(conv(Variable(tt.as_tensor(x))))
    g = RNG.standard_normal(tuple(ref_out.shape))
    want, want_grad = _value_and_input_grad(lambda v: bn(conv(v)), x, g)
    got, got_grad = _value_and_input_grad(fused, x, g)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-10, atol=1e-10)
    assert fused.weight.requires_grad
    assert fused.bias.requires_grad == (conv.bias is not None)  # PyTorch: zeros stand in for a missing bias


def test_grouped_transposed_conv_is_not_fusable_as_in_pytorch() -> None:
    conv, bn = nn.ConvTranspose1d(4, 6, 3, groups=2).eval(), nn.BatchNorm1d(6).eval()
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        fuse_conv_bn_eval(conv, bn, transpose=True)


def test_fuse_conv_bn_errors_and_dtypes() -> None:
    conv, bn = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fuse_conv_bn_eval(conv, bn.eval())
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fuse_conv_bn_eval(conv.eval(), bn.train())
    no_stats = nn.BatchNorm2d(4, track_running_stats=False).eval()
    with pytest.raises(AssertionError, match=r"bn\.running_mean and bn\.running_var must not be None"):
        fuse_conv_bn_eval(conv.eval(), no_stats)
    bn64 = _randomize_bn(nn.BatchNorm2d(4).double())
    w, b = fuse_conv_bn_weights(conv.weight, None, bn64.running_mean, bn64.running_var, 1e-5, None, None)
    assert isinstance(w, nn.Parameter) and w.dtype == tt.float32 and b.dtype == tt.float32
    assert tuple(b.shape) == (4,) and not b.requires_grad
    expected = -bn64.running_mean.numpy() / np.sqrt(bn64.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(b.data.numpy(), expected, rtol=1e-6)


def test_fuse_linear_bn_eval_values_and_gradients() -> None:
    fc, bn = nn.Linear(5, 4).double().eval(), _randomize_bn(nn.BatchNorm1d(4).double())
    fused = fuse_linear_bn_eval(fc, bn)
    assert type(fused) is nn.Linear and fused is not fc
    x, g = RNG.standard_normal((3, 5)), RNG.standard_normal((3, 4))
    want, want_grad = _value_and_input_grad(lambda v: bn(fc(v)), x, g)
    got, got_grad = _value_and_input_grad(fused, x, g)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-10, atol=1e-10)


def test_fuse_linear_bn_single_feature_and_errors() -> None:
    fc, bn = nn.Linear(3, 4, bias=False).double().eval(), _randomize_bn(nn.BatchNorm1d(1).double())
    fused = fuse_linear_bn_eval(fc, bn)
    x = RNG.standard_normal((2, 3))
    ref = fc(Variable(tt.as_tensor(x))).data.numpy()
    scale = bn.weight.data.numpy() / np.sqrt(bn.running_var.numpy() + bn.eps)
    expected = (ref - bn.running_mean.numpy()) * scale + bn.bias.data.numpy()
    np.testing.assert_allclose(fused(Variable(tt.as_tensor(x))).data.numpy(), expected, rtol=1e-10)
    with pytest.raises(AssertionError, match=r"got linear\.out_features=4 and bn\.num_features=3"):
        fuse_linear_bn_eval(fc, nn.BatchNorm1d(3).eval())
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fuse_linear_bn_eval(fc.train(), bn)
    w, b = fuse_linear_bn_weights(fc.weight, None, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    assert w.requires_grad and not b.requires_grad and tuple(b.shape) == (1,)


def test_fusion_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity checks need torch installed")
    conv, bn = nn.Conv2d(3, 4, 3).double().eval(), _randomize_bn(nn.BatchNorm2d(4).double())
    tconv, tbn = torch.nn.Conv2d(3, 4, 3).double().eval(), torch.nn.BatchNorm2d(4).double().eval()
    tconv.load_state_dict({k: torch.tensor(v.numpy()) for k, v in conv.state_dict().items()})
    tbn.load_state_dict({k: torch.tensor(v.numpy()) for k, v in bn.state_dict().items()})
    ours, theirs = fuse_conv_bn_eval(conv, bn), torch.nn.utils.fuse_conv_bn_eval(tconv, tbn)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-12, atol=1e-12)
    fc, bn1 = nn.Linear(3, 4).double().eval(), _randomize_bn(nn.BatchNorm1d(4).double())
    tfc, tbn1 = torch.nn.Linear(3, 4).double().eval(), torch.nn.BatchNorm1d(4).double().eval()
    tfc.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fc.state_dict().items()})
    tbn1.load_state_dict({k: torch.tensor(v.numpy()) for k, v in bn1.state_dict().items()})
    ours_l, theirs_l = fuse_linear_bn_eval(fc, bn1), torch.nn.utils.fuse_linear_bn_eval(tfc, tbn1)
    for k, v in theirs_l.state_dict().items():
        np.testing.assert_allclose(ours_l.state_dict()[k].numpy(), v.numpy(), rtol=1e-12, atol=1e-12)
    w, b = torch.nn.utils.fuse_conv_bn_weights(
        tconv.weight, None, tbn.running_mean, tbn.running_var, 1e-5, tbn.weight, tbn.bias
    )
    ow, ob = fuse_conv_bn_weights(conv.weight, None, bn.running_mean, bn.running_var, 1e-5, bn.weight, bn.bias)
    assert (ow.requires_grad, ob.requires_grad) == (w.requires_grad, b.requires_grad)


# ------------------------------------------------------------------------------------------------ skip_init


def test_skip_init_builds_the_class_without_drawing_random_numbers() -> None:
    tt.manual_seed(5)
    expected = tt.rand(4).tolist()
    tt.manual_seed(5)
    m = skip_init(nn.Linear, 6, 3, bias=True)
    assert tt.rand(4).tolist() == expected  # no initialisation consumed the generator
    assert type(m) is nn.Linear and repr(m) == "Linear(in_features=6, out_features=3, bias=True)"
    assert tuple(m.weight.shape) == (3, 6) and isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    conv = skip_init(nn.Conv2d, in_channels=2, out_channels=4, kernel_size=3, device="cpu")
    assert type(conv) is nn.Conv2d and tuple(conv.weight.shape) == (4, 2, 3, 3)
    bn = skip_init(nn.BatchNorm2d, 3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    out = m(Variable(tt.ones(2, 6)))
    assert tuple(out.shape) == (2, 3)


def test_skip_init_errors() -> None:
    class NoDevice(nn.Module):
        def __init__(self, n: int) -> None:
            super().__init__()

    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        skip_init(NoDevice, 3)
    with pytest.raises(RuntimeError, match="Expected a Module; got <class 'int'>"):
        skip_init(int, 3)  # type: ignore[type-var]


# ------------------------------------------------------------------------------------- clip_grads_with_norm_


def _params_with_grads(values: list[list[float]]) -> list[nn.Parameter]:
    ps = []
    for v in values:
        p = nn.Parameter(tt.zeros(len(v), dtype=tt.float64))
        p.grad = Variable(tt.tensor(v, dtype=tt.float64))
        ps.append(p)
    return ps


def test_clip_grads_with_norm_scales_by_the_given_norm() -> None:
    ps = _params_with_grads([[3.0, 0.0], [0.0, 4.0]])
    norm = get_total_norm([p.grad.data for p in ps if p.grad is not None])
    assert norm.item() == pytest.approx(5.0)
    clip_grads_with_norm_(ps, 1.0, norm)
    coef = 1.0 / (5.0 + 1e-6)
    assert ps[0].grad is not None and ps[1].grad is not None
    np.testing.assert_allclose(ps[0].grad.data.numpy(), [3 * coef, 0.0], rtol=1e-12)
    np.testing.assert_allclose(ps[1].grad.data.numpy(), [0.0, 4 * coef], rtol=1e-12)
    same = _params_with_grads([[3.0, 0.0], [0.0, 4.0]])
    clip_grad_norm_(same, 1.0)
    assert same[1].grad is not None
    np.testing.assert_allclose(same[1].grad.data.numpy(), ps[1].grad.data.numpy(), rtol=1e-12)


def test_clip_grads_with_norm_never_scales_up_and_propagates_nan() -> None:
    (p,) = _params_with_grads([[0.3, 0.4]])
    clip_grads_with_norm_(p, 10.0, 0.5)  # a single parameter; a float norm
    assert p.grad is not None and p.grad.data.tolist() == [0.3, 0.4]
    clip_grads_with_norm_(p, 0.25, Variable(tt.tensor(0.5)))
    assert p.grad.data.numpy() == pytest.approx([0.15, 0.2], rel=1e-5)
    clip_grads_with_norm_(p, 1.0, tt.tensor(math.nan))
    assert np.isnan(p.grad.data.numpy()).all()
    clip_grads_with_norm_([nn.Parameter(tt.ones(2))], 1.0, 5.0)  # no gradients: nothing to do


def test_clip_grads_with_norm_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity checks need torch installed")
    grads = [RNG.standard_normal(5), RNG.standard_normal((2, 3))]
    ours = _params_with_grads([[0.0]])[:0]
    theirs = []
    for g in grads:
        p = nn.Parameter(tt.zeros(*g.shape, dtype=tt.float64))
        p.grad = Variable(tt.as_tensor(g.copy()))
        ours.append(p)
        tp = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        tp.grad = torch.tensor(g)
        theirs.append(tp)
    total = float(np.sqrt(sum((g**2).sum() for g in grads)))
    clip_grads_with_norm_(ours, 0.7, tt.tensor(total, dtype=tt.float64))
    torch.nn.utils.clip_grads_with_norm_(theirs, 0.7, torch.tensor(total, dtype=torch.float64))
    for p, tp in zip(ours, theirs):
        assert p.grad is not None
        np.testing.assert_allclose(p.grad.data.numpy(), tp.grad.numpy(), rtol=1e-12)
