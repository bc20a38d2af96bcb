"""Lazy modules and uninitialized parameters/buffers: shape inference on the first forward, PyTorch's default
initialisation, the class swap, state_dict of uninitialized modules, dtype moves before the dry run, and PyTorch
parity (reprs, shapes, init bounds, outputs with the same weights) when torch is installed."""

from __future__ import annotations

import contextlib
import copy
import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.autograd as ag
import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.modules.lazy import LazyModuleMixin
from taeda.nn.uninitialized import is_lazy

SHAPE_MSG = "Can't access the shape of an uninitialized parameter or buffer"

# --------------------------------------------------------------------------------- uninitialized placeholders


def test_uninitialized_parameter_basics() -> None:
    p = nn.UninitializedParameter()
    assert isinstance(p, nn.Parameter) and is_lazy(p) and p.requires_grad
    assert repr(p) == "<UninitializedParameter>"
    with pytest.raises(RuntimeError, match=SHAPE_MSG):
        p.shape
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter in exp"):
        tt.exp(p)
    assert not nn.UninitializedParameter(requires_grad=False).requires_grad
    q = nn.UninitializedParameter(dtype=tt.float64)
    q.materialize((2, 3))
    assert type(q) is nn.Parameter and not is_lazy(q)
    assert tuple(q.shape) == (2, 3) and q.dtype == tt.float64 and q.requires_grad
    r = nn.UninitializedParameter()
    r.materialize(4, dtype=tt.float16)
    assert tuple(r.shape) == (4,) and r.dtype == tt.float16


def test_uninitialized_parameter_copy_and_pickle() -> None:
    p = nn.UninitializedParameter(requires_grad=False, dtype=tt.float64)
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.UninitializedParameter and q is not p
        assert q.dtype == tt.float64 and not q.requires_grad


def test_uninitialized_buffer_basics() -> None:
    b = nn.UninitializedBuffer()
    assert isinstance(b, tt.Tensor) and is_lazy(b) and b.persistent and not b.requires_grad
    assert repr(b) == "<UninitializedBuffer>"
    with pytest.raises(RuntimeError, match=SHAPE_MSG):
        b.shape
    with pytest.raises(ValueError, match=r"explicitly manipulating `taeda\.nn\.UninitializedBuffer`"):
        tt.exp(b)
    with pytest.raises(RuntimeError, match="Can't share memory on an uninitialized"):
        b.share_memory_()
    with pytest.raises(ValueError, match="cannot require grad"):
        nn.UninitializedBuffer(requires_grad=True)
    np_ = nn.UninitializedBuffer(persistent=False)
    assert not np_.persistent and repr(np_) == "<UninitializedBuffer>"
    np_.materialize((3,))
    assert type(np_) is tt.Tensor and tuple(np_.shape) == (3,)


def test_uninitialized_buffer_moves_stay_uninitialized() -> None:
    b = nn.UninitializedBuffer(persistent=False)
    d = b.to(tt.float64)
    assert is_lazy(d) and d.dtype == tt.float64 and not d.persistent
    assert b.to(tt.float32) is b and b.cpu() is b
    assert b.double().dtype == tt.float64 and b.half().dtype == tt.float16 and is_lazy(b.half())
    c = copy.deepcopy(d)
    assert is_lazy(c) and c.dtype == tt.float64 and not c.persistent
    e = pickle.loads(pickle.dumps(d))
    assert is_lazy(e) and e.dtype == tt.float64 and not e.persistent


def test_uninitialized_buffer_assignment_registers_a_buffer() -> None:
    m = nn.Module()
    m.a = nn.UninitializedBuffer()
    m.b = nn.UninitializedBuffer(persistent=False)
    assert list(m._buffers) == ["a", "b"] and list(m.state_dict()) == ["a"]


# ------------------------------------------------------------------------------------------------ LazyLinear


def test_lazy_linear_infers_in_features_and_becomes_linear() -> None:
    fc = nn.LazyLinear(3)
    assert repr(fc) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert isinstance(fc, nn.Linear) and fc.has_uninitialized_params()
    y = fc(ag.randn(2, 5, 7))
    assert type(fc) is nn.Linear and repr(fc) == "Linear(in_features=7, out_features=3, bias=True)"
    assert tuple(y.shape) == (2, 5, 3)
    assert tuple(fc.weight.shape) == (3, 7) and tuple(fc.bias.shape) == (3,)
    assert type(fc.weight) is nn.Parameter and type(fc.bias) is nn.Parameter
    assert not fc._forward_pre_hooks and not fc._load_state_dict_pre_hooks
    assert "_initialize_hook" not in fc.__dict__ and "_load_hook" not in fc.__dict__
    y.sum().backward()
    assert fc.weight.grad is not None and tuple(fc.weight.grad.shape) == (3, 7)


def test_lazy_linear_uses_pytorch_default_init_bounds() -> None:
    tt.manual_seed(0)
    fc = nn.LazyLinear(200)
    fc(ag.randn(1, 50))
    bound = 1 / math.sqrt(50)
    w, b = fc.weight.data.numpy(), fc.bias.data.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.8 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01


def test_lazy_linear_without_bias_and_dtype() -> None:
    fc = nn.LazyLinear(2, bias=False, dtype=tt.float64)
    assert fc.bias is None and list(fc.state_dict()) == ["weight"]
    fc(ag.randn(4, 3, dtype=tt.float64))
    assert fc.weight.dtype == tt.float64 and repr(fc).endswith("bias=False)")


def test_module_to_before_the_dry_run_decides_the_dtype() -> None:
    net = nn.Sequential(nn.LazyLinear(4), nn.LazyBatchNorm1d())
    net.double()
    assert net[1].running_mean.dtype == tt.float64 and is_lazy(net[1].running_mean)
    net(ag.randn(5, 3, dtype=tt.float64))
    assert net[0].weight.dtype == tt.float64 and net[1].weight.dtype == tt.float64
    assert net[1].running_var.dtype == tt.float64 and type(net[1].running_var) is tt.Tensor


def test_state_dict_of_uninitialized_module_holds_placeholders() -> None:
    fc = nn.LazyLinear(3)
    sd = fc.state_dict()
    assert list(sd) == ["weight", "bias"]
    assert sd["weight"] is fc.weight and is_lazy(sd["bias"])
    assert fc.state_dict(keep_vars=True)["weight"] is fc.weight
    fc(ag.randn(1, 2))
    assert isinstance(fc.state_dict()["weight"], tt.Tensor)


def test_loading_initialized_state_materializes_and_keeps_values() -> None:
    src = nn.Linear(4, 3)
    fc = nn.LazyLinear(3)
    assert fc.load_state_dict(src.state_dict()).missing_keys == []
    assert type(fc) is nn.LazyLinear and not fc.has_uninitialized_params()
    np.testing.assert_array_equal(fc.weight.data.numpy(), src.weight.data.numpy())
    x = ag.randn(2, 4)
    np.testing.assert_allclose(fc(x).data.numpy(), src(x).data.numpy())  # the dry run keeps the loaded values
    assert type(fc) is nn.Linear and fc.in_features == 4
    other = nn.LazyLinear(3)
    other.load_state_dict(src.state_dict())
    with pytest.raises(AssertionError, match="The in_features inferred from input: 5 is not equal to in_features"):
        other(ag.randn(2, 5))


def test_loading_uninitialized_states() -> None:
    lazy = nn.LazyLinear(3)
    assert repr(lazy.load_state_dict(nn.LazyLinear(3).state_dict())) == "<All keys matched successfully>"
    assert lazy.has_uninitialized_params()
    with pytest.raises(RuntimeError, match=SHAPE_MSG):
        nn.Linear(4, 3).load_state_dict(nn.LazyLinear(3).state_dict())


def test_partial_load_leaves_the_rest_uninitialized() -> None:
    fc = nn.LazyLinear(3)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "bias"'):
        fc.load_state_dict({"weight": tt.ones(3, 4)})
    assert type(fc) is nn.LazyLinear and fc.has_uninitialized_params()
    assert not is_lazy(fc.weight) and is_lazy(fc.bias)


def test_deepcopy_before_the_dry_run() -> None:
    fc = nn.LazyLinear(2)
    twin = copy.deepcopy(fc)
    fc(ag.randn(1, 3))
    twin(ag.randn(1, 5))
    assert tuple(fc.weight.shape) == (2, 3) and tuple(twin.weight.shape) == (2, 5)


# ---------------------------------------------------------------------------------------------- convolutions

CONVS: list[tuple[str, Callable[[Any], Any], tuple[int, ...], tuple[int, ...]]] = [
    ("LazyConv1d", lambda m: m.LazyConv1d(6, 3, stride=2), (2, 4, 9), (6, 4, 3)),
    ("LazyConv2d", lambda m: m.LazyConv2d(6, 3, groups=2, padding=1), (2, 4, 5, 5), (6, 2, 3, 3)),
    ("LazyConv3d", lambda m: m.LazyConv3d(4, 2, bias=False), (1, 3, 4, 4, 4), (4, 3, 2, 2, 2)),
    ("LazyConvTranspose1d", lambda m: m.LazyConvTranspose1d(4, 3, stride=2), (2, 6, 5), (6, 4, 3)),
    ("LazyConvTranspose2d", lambda m: m.LazyConvTranspose2d(4, 3, groups=2), (1, 6, 4, 4), (6, 2, 3, 3)),
    ("LazyConvTranspose3d", lambda m: m.LazyConvTranspose3d(2, 2, stride=2), (1, 3, 2, 2, 2), (3, 2, 2, 2, 2)),
]


@pytest.mark.parametrize(("name", "make", "shape", "wshape"), CONVS, ids=[c[0] for c in CONVS])
def test_lazy_convolutions(
    name: str, make: Callable[[Any], Any], shape: tuple[int, ...], wshape: tuple[int, ...]
) -> None:
    conv = make(nn)
    assert repr(conv).startswith(name + "(0, ")
    regular = conv.cls_to_become
    conv(ag.randn(*shape))
    assert type(conv) is regular and conv.in_channels == shape[1]
    assert tuple(conv.weight.shape) == wshape
    fan_in = wshape[1] * math.prod(wshape[2:])
    assert np.abs(conv.weight.data.numpy()).max() <= 1 / math.sqrt(fan_in)


def test_lazy_conv_unbatched_input_and_errors() -> None:
    conv = nn.LazyConv2d(4, 3)
    conv(ag.randn(5, 8, 8))
    assert conv.in_channels == 5
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        nn.LazyConv2d(4, 3)(ag.randn(8, 8))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv1d(4, 3, groups=2)(ag.randn(1, 3, 8))


# --------------------------------------------------------------------------------------------- normalisation

NORMS: list[tuple[str, Callable[[Any], Any], tuple[int, ...]]] = [
    ("LazyBatchNorm1d", lambda m: m.LazyBatchNorm1d(), (8, 3)),
    ("LazyBatchNorm2d", lambda m: m.LazyBatchNorm2d(momentum=0.2), (4, 3, 5, 5)),
    ("LazyBatchNorm3d", lambda m: m.LazyBatchNorm3d(eps=1e-3), (2, 3, 2, 3, 3)),
    ("LazyInstanceNorm1d", lambda m: m.LazyInstanceNorm1d(), (2, 3, 6)),
    ("LazyInstanceNorm2d", lambda m: m.LazyInstanceNorm2d(affine=False), (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", lambda m: m.LazyInstanceNorm3d(track_running_stats=False), (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize(("name", "make", "shape"), NORMS, ids=[n[0] for n in NORMS])
def test_lazy_norms(name: str, make: Callable[[Any], Any], shape: tuple[int, ...]) -> None:
    norm = make(nn)
    assert repr(norm).startswith(name + "(0, eps=")
    regular = norm.cls_to_become
    assert not isinstance(norm, regular)  # as in PyTorch: a lazy norm is a _BatchNorm/_InstanceNorm, not the class
    norm(ag.randn(*shape))
    assert type(norm) is regular and norm.num_features == 3
    if norm.affine:
        assert norm.weight.data.tolist() == [1.0, 1.0, 1.0] and norm.bias.data.tolist() == [0.0, 0.0, 0.0]
    else:
        assert norm.weight is None
    if norm.track_running_stats:
        assert type(norm.running_mean) is tt.Tensor and tuple(norm.running_var.shape) == (3,)
        assert int(norm.num_batches_tracked.item()) == (1 if "Batch" in name else 0)
    else:
        assert norm.running_mean is None


def test_lazy_batch_norm_state_dict_and_defaults() -> None:
    bn = nn.LazyBatchNorm1d()
    sd = bn.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert is_lazy(sd["running_mean"]) and int(sd["num_batches_tracked"].item()) == 0
    assert nn.LazyInstanceNorm1d().affine and nn.LazyInstanceNorm1d().track_running_stats
    no_bias = nn.LazyBatchNorm2d(bias=False)
    assert no_bias.bias is None and list(no_bias.state_dict())[:1] == ["weight"]
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.LazyBatchNorm1d()(ag.randn(2, 3, 4, 4))
    loaded = nn.LazyBatchNorm2d()
    real = nn.BatchNorm2d(5)
    real.running_mean.fill_(2.0)
    loaded.load_state_dict(real.state_dict())
    assert loaded.running_mean.tolist() == [2.0] * 5 and type(loaded.running_mean) is tt.Tensor


# ----------------------------------------------------------------------------------------- custom lazy modules


class Incomplete(LazyModuleMixin, nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.UninitializedParameter()
        self.v = nn.UninitializedParameter()
        self.seen: dict[str, Any] = {}

    def initialize_parameters(self, x: Any, *args: Any, **kwargs: Any) -> None:
        self.seen = dict(kwargs)
        self.w.materialize((int(x.shape[-1]),))

    def forward(self, x: Any, scale: float = 1.0) -> Any:
        return x


def test_custom_lazy_module_errors() -> None:
    class NoInit(LazyModuleMixin, nn.Module):
        def forward(self, x: Any) -> Any:
            return x

    with pytest.raises(NotImplementedError, match="initialize_parameters is not implemented for NoInit"):
        NoInit()(ag.randn(2))
    m = Incomplete()
    with pytest.raises(RuntimeError, match="module Incomplete has not been fully initialized"):
        m(ag.randn(3), scale=2.0)
    assert m.seen == {"scale": 2.0}  # the pre-hook receives the keyword arguments


def test_lazy_module_inside_a_model_trains() -> None:
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    x = Variable(tt.randn(2, 1, 5, 5))
    model(x)
    assert [tuple(p.shape) for p in model.parameters()] == [(4, 1, 3, 3), (4,), (2, 36), (2,)]
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


# ------------------------------------------------------------------------------------------ PyTorch parity

PARITY: list[tuple[str, Callable[[Any], Any], tuple[int, ...]]] = [
    ("LazyLinear", lambda m: m.LazyLinear(4), (3, 5)),
    *[(n, mk, s) for n, mk, s, _ in CONVS],
    *NORMS,
]


@pytest.mark.parametrize(("name", "make", "shape"), PARITY, ids=[p[0] for p in PARITY])
def test_lazy_modules_match_pytorch(name: str, make: Callable[[Any], Any], shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity checks need torch installed")
    ours, theirs = make(nn).double(), make(torch.nn).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [is_lazy(v) for v in ours.state_dict().values()] == [
        torch.nn.parameter.is_lazy(v) for v in theirs.state_dict().values()
    ]
    x = np.random.default_rng(3).standard_normal(shape)
    theirs(torch.tensor(x))
    ours(Variable(tt.as_tensor(x.copy())))
    assert repr(ours) == repr(theirs) and type(ours).__name__ == type(theirs).__name__
    random_init = "Linear" in name or "Conv" in name
    for (k, a), (k2, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == k2 and tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype).replace("torch.", "")
        if random_init:  # U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias in both
            w = ours.weight
            bound = 1 / math.sqrt(w.shape[1] * math.prod(w.shape[2:]))
            assert float(np.abs(a.numpy()).max()) <= bound and float(b.abs().max()) <= bound
        else:  # ones/zeros and the running statistics of the same first batch
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)
    # same weights, same outputs: load torch's initialized state into fresh lazy modules of both libraries
    fresh, fresh_t = make(nn).double().eval(), make(torch.nn).double().eval()
    state = theirs.state_dict()
    fresh.load_state_dict({k: tt.as_tensor(v.detach().numpy().copy()) for k, v in state.items()})
    fresh_t.load_state_dict(state)
    if "InstanceNorm" in name and fresh_t.affine:  # num_features stays 0 after a load, in PyTorch too
        with pytest.raises(ValueError) as ours_err:
            fresh(Variable(tt.as_tensor(x.copy())))
        with pytest.raises(ValueError) as theirs_err:
            fresh_t(torch.tensor(x))
        assert str(ours_err.value) == str(theirs_err.value)
        return
    warns = "InstanceNorm" in name  # num_features stays 0: both warn that it is unused without affine
    with pytest.warns(UserWarning, match="does not match num_features") if warns else contextlib.nullcontext():
        expected = fresh_t(torch.tensor(x)).detach().numpy()
    with pytest.warns(UserWarning, match="does not match num_features") if warns else contextlib.nullcontext():
        got = fresh(Variable(tt.as_tensor(x.copy()))).data.numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    assert repr(fresh) == repr(fresh_t)
