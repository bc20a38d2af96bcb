"""Module: registration and its guard errors, hooks, iterators, modes, dtype moves, state_dict, repr."""

from __future__ import annotations

import copy
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.register_buffer("running", tt.zeros(2))
        self.register_buffer("scratch", tt.ones(1), persistent=False)

    def forward(self, x: Any) -> Any:
        return self.fc2(self.act(self.fc1(x)))


def test_parameter_is_a_variable_that_requires_grad() -> None:
    p = nn.Parameter(tt.ones(2))
    assert isinstance(p, Variable)
    assert p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor([1., 1.]")
    assert repr(p).endswith("requires_grad=True)")
    frozen = nn.Parameter(tt.ones(2), requires_grad=False)
    assert not frozen.requires_grad
    assert isinstance(nn.Parameter(Variable(tt.zeros(3))).data, tt.Tensor)
    assert tuple(nn.Parameter().shape) == (0,)


def test_registration_and_iterators() -> None:
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight"]
    assert [n for n, _ in net.named_buffers()] == ["running", "scratch"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert len(list(net.parameters(recurse=False))) == 0
    assert len(list(net.modules())) == 4
    assert net.get_submodule("fc1") is net.fc1
    assert net.get_submodule("") is net
    assert net.get_parameter("fc1.bias") is net.fc1.bias
    assert net.fc2.bias is None
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        net.get_submodule("nope")
    with pytest.raises(AttributeError, match="object has no attribute 'missing'"):
        _ = net.missing


def test_shared_parameters_are_listed_once() -> None:
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, a)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_setattr_guard_errors() -> None:
    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(tt.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()

    class EarlyModule(nn.Module):
        def __init__(self) -> None:
            self.m = nn.ReLU()

    with pytest.raises(AttributeError, match="cannot assign module before"):
        EarlyModule()
    net = Net()
    with pytest.raises(TypeError, match="cannot assign 'int' as parameter 'weight'"):
        net.fc1.weight = 3  # type: ignore[assignment]
    with pytest.raises(TypeError, match="as child module 'fc1'"):
        net.fc1 = 3  # type: ignore[assignment]
    with pytest.raises(TypeError, match="as buffer 'running'"):
        net.running = 3
    with pytest.raises(KeyError, match="attribute 'fc1' already exists"):
        net.register_buffer("fc1", tt.zeros(1))
    with pytest.raises(KeyError, match="contain"):
        net.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="Parameter or None required"):
        net.register_parameter("w", tt.ones(1))  # type: ignore[arg-type]
    net.fc1.bias = None  # type: ignore[assignment]
    assert net.fc1.bias is None
    assert "fc1.bias" not in net.state_dict()
    x = Variable(tt.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        net.register_parameter("bad", _non_leaf_param(x))


def _non_leaf_param(x: Variable) -> nn.Parameter:
    p = nn.Parameter(tt.ones(2))
    p.grad_fn = (x * 2).grad_fn
    return p


def test_reassignment_moves_between_registries() -> None:
    m = nn.Module()
    m.x = nn.Linear(1, 1)
    m.x = nn.Parameter(tt.ones(1))
    assert "x" in m._parameters and "x" not in m._modules
    with pytest.raises(TypeError, match="as parameter 'x'"):
        m.x = nn.Linear(1, 1)
    del m.x
    assert "x" not in m._parameters
    m.y = 5
    assert m.y == 5


def test_forward_hooks_and_pre_hooks() -> None:
    lin = nn.Linear(2, 2)
    calls: list[str] = []

    def pre(mod: nn.Module, args: tuple[Any, ...]) -> Any:
        calls.append("pre")
        return (args[0] * 2,)

    def post(mod: nn.Module, args: tuple[Any, ...], out: Any) -> Any:
        calls.append("post")
        return out * 0

    x = tt.ones(1, 2)
    h1 = lin.register_forward_pre_hook(pre)
    h2 = lin.register_forward_hook(post)
    out = lin(x)
    assert calls == ["pre", "post"]
    assert float(out.abs().sum().item()) == 0.0
    h1.remove()
    h2.remove()
    ref = lin(x)
    np.testing.assert_allclose(ref.data.numpy(), lin(x).data.numpy())
    seen = []
    with lin.register_forward_hook(lambda m, a, k, o: seen.append(k), with_kwargs=True):
        lin(input=x)
    assert seen == [{"input": x}]
    lin(x)
    assert len(seen) == 1


def test_train_eval_apply_requires_grad_zero_grad() -> None:
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert net.training and net[1].training
    net.eval()
    assert not net.training and not net[1].training
    net.train()
    assert net[1].training
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")
    visited: list[str] = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "Dropout", "Sequential"]
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    out = net(tt.ones(3, 2)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.data.abs().sum().item()) == 0.0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_dtype_moves_keep_parameter_identity() -> None:
    net = Net()
    w = net.fc1.weight
    net.double()
    assert net.fc1.weight is w
    assert w.dtype == tt.float64
    assert net.running.dtype == tt.float64
    net.to(tt.float32)
    assert w.dtype == tt.float32
    net.half()
    assert w.dtype == tt.float16
    net.float()
    net.to("cpu")
    net.cpu()
    assert w.device.type == "cpu"
    with pytest.raises(TypeError, match="floating point"):
        net.to(tt.int64)
    idx = nn.Module()
    idx.register_buffer("ids", tt.arange(3))
    idx.double()
    assert idx.ids.dtype == tt.int64


def test_state_dict_keys_values_and_round_trip(tmp_path: Path) -> None:
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["running", "fc1.weight", "fc1.bias", "fc2.weight"]  # own state first, as PyTorch
    assert all(isinstance(v, tt.Tensor) for v in sd.values())
    assert sd["fc1.weight"] is net.fc1.weight.data
    kept = net.state_dict(keep_vars=True)
    assert kept["fc1.weight"] is net.fc1.weight
    path = tmp_path / "net.tdz"
    tt.save(sd, str(path))
    other = Net()
    result = other.load_state_dict(tt.load(str(path)))
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k].numpy())
    x = tt.randn(5, 4)
    np.testing.assert_allclose(other(x).data.numpy(), net(x).data.numpy())


def test_load_state_dict_reports_keys_by_name() -> None:
    net = Net()
    sd = dict(net.state_dict())
    del sd["fc1.bias"]
    sd["extra.weight"] = tt.zeros(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert msg.startswith("Error(s) in loading state_dict for Net:")
    assert 'Missing key(s) in state_dict: "fc1.bias".' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in msg
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"] and res.unexpected_keys == ["extra.weight"]
    bad = dict(net.state_dict())
    bad["fc2.weight"] = tt.zeros(3, 3)
    with pytest.raises(RuntimeError, match=r"size mismatch for fc2\.weight: copying a param with shape"):
        net.load_state_dict(bad, strict=False)


def test_always_call_hook_and_assign() -> None:
    lin = nn.Linear(2, 2)
    seen: list[Any] = []
    lin.register_forward_hook(lambda m, a, o: seen.append(o), always_call=True)
    with pytest.raises(RuntimeError):
        lin(tt.ones(3, 5))
    assert seen == [None]
    new = {"weight": tt.ones(2, 2), "bias": tt.zeros(2)}
    w = lin.weight
    lin.load_state_dict(new, assign=True)
    assert lin.weight is w and lin.weight.data is new["weight"]


def test_full_backward_hooks() -> None:
    lin = nn.Linear(4, 2).double()
    log: list[Any] = []

    def pre(m: nn.Module, grad_output: tuple[Any, ...]) -> None:
        log.append(("pre", tuple(grad_output[0].shape)))

    def hook(m: nn.Module, grad_input: tuple[Any, ...], grad_output: tuple[Any, ...]) -> Any:
        log.append(("post", None if grad_input[0] is None else tuple(grad_input[0].shape)))
        return None if grad_input[0] is None else (grad_input[0] * 2,)

    lin.register_full_backward_pre_hook(pre)
    handle = lin.register_full_backward_hook(hook)
    x = Variable(tt.randn(3, 4, dtype=tt.float64), requires_grad=True)
    lin(x).sum().backward()
    assert log == [("pre", (3, 2)), ("post", (3, 4))]
    assert x.grad is not None
    expected = 2 * lin.weight.data.numpy().sum(0)
    np.testing.assert_allclose(x.grad.data.numpy(), np.broadcast_to(expected, (3, 4)))
    log.clear()
    lin(tt.randn(3, 4, dtype=tt.float64)).sum().backward()
    assert log == [("pre", (3, 2)), ("post", None)]
    handle.remove()
    log.clear()
    x.grad = None
    lin(x).sum().backward()
    assert log == [("pre", (3, 2))]
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data.numpy(), np.broadcast_to(expected / 2, (3, 4)))


def test_load_copies_in_place() -> None:
    net = Net()
    w = net.fc1.weight
    data = w.data
    new = {k: v.clone() * 0 + 1 for k, v in net.state_dict().items()}
    net.load_state_dict(new)
    assert net.fc1.weight is w and w.data is data
    assert float(data.sum().item()) == 12.0


def test_repr_nested_like_pytorch() -> None:
    net = Net()
    assert repr(net) == (
        "Net(\n"
        "  (fc1): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (act): ReLU()\n"
        "  (fc2): Linear(in_features=3, out_features=2, bias=False)\n"
        ")"
    )
    outer = nn.Sequential(OrderedDict([("block", nn.Sequential(nn.Linear(1, 1)))]))
    assert repr(outer) == (
        "Sequential(\n  (block): Sequential(\n    (0): Linear(in_features=1, out_features=1, bias=True)\n  )\n)"
    )


def test_deepcopy_gives_independent_parameters() -> None:
    net = Net()
    twin = copy.deepcopy(net)
    assert twin.fc1.weight is not net.fc1.weight
    assert isinstance(twin.fc1.weight, nn.Parameter)
    np.testing.assert_array_equal(twin.fc1.weight.data.numpy(), net.fc1.weight.data.numpy())
    twin.fc1.weight.data.fill_(0.0)
    assert float(net.fc1.weight.data.abs().sum().item()) > 0


def test_pickle_round_trip() -> None:
    import pickle

    net = Net()
    twin = pickle.loads(pickle.dumps(net))
    assert isinstance(twin.fc1.weight, nn.Parameter) and twin.fc1.weight.requires_grad
    assert list(twin.state_dict()) == list(net.state_dict())
    x = tt.randn(2, 4)
    np.testing.assert_array_equal(twin(x).data.numpy(), net(x).data.numpy())


def test_missing_forward_raises() -> None:
    with pytest.raises(RuntimeError, match='missing the required "forward" function'):
        nn.Module()(1)
