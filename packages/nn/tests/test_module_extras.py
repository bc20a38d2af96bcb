"""Module extras: extra state, state-dict hooks (arguments, order, handles), set_submodule, nn.Buffer, to_empty,
share_memory and the state_dict metadata; PyTorch parity of hook traces and key errors when torch is installed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable

# ---------------------------------------------------------------------------------------------- extra state


class Counted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.register_buffer("steps", tt.zeros(1))
        self.calls = 3

    def get_extra_state(self) -> Any:
        return {"calls": self.calls}

    def set_extra_state(self, state: Any) -> None:
        self.calls = state["calls"]


class GetOnly(nn.Module):
    def get_extra_state(self) -> Any:
        return 5


class SetOnly(nn.Module):
    def set_extra_state(self, state: Any) -> None:
        self.state = state


def test_extra_state_key_position_and_round_trip() -> None:
    m = Counted()
    sd = m.state_dict()
    assert list(sd) == ["steps", "_extra_state", "fc.weight", "fc.bias"]
    assert sd["_extra_state"] == {"calls": 3}
    nested = nn.Sequential(Counted())
    assert "0._extra_state" in nested.state_dict()
    other = Counted()
    other.calls = 0
    assert other.load_state_dict(sd).missing_keys == []
    assert other.calls == 3


def test_extra_state_only_for_overriding_modules() -> None:
    assert "_extra_state" not in nn.Linear(2, 2).state_dict()
    with pytest.raises(RuntimeError, match="should never be called"):
        nn.Module().get_extra_state()
    with pytest.raises(RuntimeError, match="should never be called"):
        nn.Module().set_extra_state(1)


def test_extra_state_missing_and_unexpected_keys() -> None:
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "0._extra_state"'):
        nn.Sequential(SetOnly()).load_state_dict({})
    keys = nn.Sequential(SetOnly()).load_state_dict({}, strict=False)
    assert keys.missing_keys == ["0._extra_state"]
    g = nn.Sequential(GetOnly())
    assert g.state_dict() == OrderedDict([("0._extra_state", 5)])
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "0._extra_state"'):
        g.load_state_dict(g.state_dict())
    s = nn.Sequential(SetOnly())
    s.load_state_dict({"0._extra_state": [1, 2]})
    assert s[0].state == [1, 2]


def test_unexpected_keys_follow_pytorch() -> None:
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "bias.x", "foo"\.'):
        nn.Linear(2, 2).load_state_dict(
            {"weight": tt.ones(2, 2), "bias": tt.ones(2), "bias.x": tt.ones(1), "foo": tt.ones(1)}
        )
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "0"\.'):
        nn.Sequential(nn.Linear(2, 2)).load_state_dict({"0.weight": tt.ones(2, 2), "0.bias": tt.ones(2), "0": 1})


def test_one_element_tensor_loads_into_a_scalar_buffer() -> None:
    m = nn.Module()
    m.register_buffer("z", tt.tensor(1.0))
    m.load_state_dict({"z": tt.tensor([5.0])})
    assert m.z.shape == () and m.z.item() == 5.0


# ------------------------------------------------------------------------------------------ state-dict hooks


class Tree(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.register_buffer("b", tt.zeros(2))


def _trace_hooks(tree: Any, events: list[tuple[Any, ...]]) -> list[Any]:
    """Register every public state-dict hook on a ``Tree`` (root and child) recording what each receives."""
    handles = []
    for label, mod in (("root", tree), ("fc", tree.fc)):

        def pre(m: Any, prefix: str, keep_vars: bool, label: str = label) -> None:
            events.append(("save-pre", label, prefix, keep_vars))

        def post(m: Any, sd: Any, prefix: str, meta: Any, label: str = label) -> None:
            events.append(("save-post", label, prefix, sorted(sd), dict(meta)))

        def lpre(
            m: Any,
            sd: Any,
            prefix: str,
            meta: Any,
            strict: bool,
            missing: list[str],
            unexpected: list[str],
            errors: list[str],
            label: str = label,
        ) -> None:
            events.append(("load-pre", label, prefix, sorted(sd), dict(meta), strict, list(missing)))

        def lpost(m: Any, keys: Any, label: str = label) -> None:
            events.append(("load-post", label, list(keys.missing_keys), list(keys.unexpected_keys)))

        handles += [
            mod.register_state_dict_pre_hook(pre),
            mod.register_state_dict_post_hook(post),
            mod.register_load_state_dict_pre_hook(lpre),
            mod.register_load_state_dict_post_hook(lpost),
        ]
    return handles


EXPECTED_TRACE: list[tuple[Any, ...]] = [
    ("save-pre", "root", "", False),
    ("save-pre", "fc", "fc.", False),
    ("save-post", "fc", "fc.", ["b", "fc.bias", "fc.weight"], {"version": 1}),
    ("save-post", "root", "", ["b", "fc.bias", "fc.weight"], {"version": 1}),
    ("load-pre", "root", "", ["b", "fc.bias", "fc.weight"], {"version": 1}, True, []),
    ("load-pre", "fc", "fc.", ["fc.bias", "fc.weight"], {"version": 1}, True, []),
    ("load-post", "fc", [], []),
    ("load-post", "root", [], []),
]


def test_state_dict_hooks_order_and_arguments() -> None:
    events: list[tuple[Any, ...]] = []
    tree = Tree()
    handles = _trace_hooks(tree, events)
    tree.load_state_dict(tree.state_dict())
    assert events == EXPECTED_TRACE
    for h in handles:
        h.remove()
    events.clear()
    tree.load_state_dict(tree.state_dict())
    assert events == []


def test_state_dict_metadata_and_local_metadata() -> None:
    sd = Tree().state_dict()
    assert sd._metadata == OrderedDict([("", {"version": 1}), ("fc", {"version": 1})])  # type: ignore[attr-defined]
    seen: list[dict[str, Any]] = []
    tree = Tree()
    tree.fc.register_load_state_dict_pre_hook(lambda m, sd, prefix, meta, *rest: seen.append(dict(meta)))
    tree.load_state_dict(dict(sd))  # a plain dict has no metadata
    tree.load_state_dict(sd, assign=True)
    assert seen == [{}, {"version": 1, "assign_to_params_buffers": True}]


def test_state_dict_post_hook_edits_in_place_and_must_return_none() -> None:
    fc = nn.Linear(2, 2)

    def drop_bias(m: Any, sd: Any, prefix: str, meta: Any) -> None:
        del sd[prefix + "bias"]

    fc.register_state_dict_post_hook(drop_bias)
    assert list(fc.state_dict()) == ["weight"]
    bad = nn.Linear(2, 2)
    bad.register_state_dict_post_hook(lambda m, sd, prefix, meta: {})
    with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
        bad.state_dict()


def test_bound_method_state_dict_post_hook() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.prefixes: list[str] = []

        def hook(self, m: Any, sd: Any, prefix: str, meta: Any) -> None:
            self.prefixes.append(prefix)

    rec = Recorder()
    seq = nn.Sequential(nn.Linear(1, 1))
    seq[0].register_state_dict_post_hook(rec.hook)
    seq.state_dict()
    assert rec.prefixes == ["0."]


def test_private_state_dict_hook_may_replace_the_result() -> None:
    fc = nn.Linear(2, 2)
    fc._register_state_dict_hook(lambda m, sd, prefix, meta: OrderedDict(only=1))
    assert fc.state_dict() == OrderedDict(only=1)
    public: Callable[..., None] = lambda m, sd, prefix, meta: None  # noqa: E731
    fc.register_state_dict_post_hook(public)
    with pytest.raises(RuntimeError, match="Cannot register the same function"):
        fc._register_state_dict_hook(public)


def test_load_pre_hook_can_rename_keys_and_post_hook_can_forgive_missing() -> None:
    fc = nn.Linear(2, 2)

    def rename(m: Any, sd: Any, prefix: str, *rest: Any) -> None:
        if prefix + "w" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "w")

    fc.register_load_state_dict_pre_hook(rename)
    fc.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
    source = {"w": tt.full((2, 2), 7.0)}
    result = fc.load_state_dict(source)  # "bias" is missing: forgiven by the post hook
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert np.all(fc.weight.data.numpy() == 7.0)
    assert list(source) == ["w"]  # the caller's dict is not modified


def test_load_post_hook_must_return_none() -> None:
    fc = nn.Linear(2, 2)
    fc.register_load_state_dict_post_hook(lambda m, keys: 1)
    with pytest.raises(AssertionError, match="not expected to return new values"):
        fc.load_state_dict(fc.state_dict())


def test_private_load_pre_hook_without_module() -> None:
    fc = nn.Linear(2, 2)
    calls: list[str] = []
    fc._register_load_state_dict_pre_hook(lambda sd, prefix, *rest: calls.append(prefix))
    fc.load_state_dict(fc.state_dict())
    assert calls == [""]


# ------------------------------------------------------------------------------------------ set_submodule


def test_set_submodule_replaces_and_adds() -> None:
    net = nn.Sequential(nn.Sequential(nn.Linear(2, 2)), nn.ReLU())
    new = nn.Linear(2, 5)
    net.set_submodule("0.0", new, strict=True)
    assert net.get_submodule("0.0") is new
    net.set_submodule("0.extra", nn.Tanh())
    assert isinstance(net.get_submodule("0.extra"), nn.Tanh)
    net.set_submodule("top", nn.Identity())
    assert isinstance(net.top, nn.Identity)


def test_set_submodule_errors() -> None:
    net = nn.Sequential(nn.Linear(2, 2))
    net.foo = 3
    with pytest.raises(ValueError, match="Cannot set the submodule without a target name!"):
        net.set_submodule("", nn.ReLU())
    with pytest.raises(ValueError, match=r"`module` is not an nn.Module, found <class 'int'>"):
        net.set_submodule("a", 3)  # type: ignore[arg-type]
    with pytest.raises(AttributeError, match=r"Linear has no attribute `x`"):
        net.set_submodule("0.x", nn.ReLU(), strict=True)
    with pytest.raises(AttributeError, match=r"Sequential has no attribute `1`"):
        net.set_submodule("1.x", nn.ReLU())
    with pytest.raises(AttributeError, match=r"`foo` is not an nn.Module"):
        net.set_submodule("foo", nn.ReLU())
    with pytest.raises(AttributeError, match=r"`weight` is not an nn.Module"):
        net.set_submodule("0.weight", nn.ReLU())


# ------------------------------------------------------------------------------------------------ nn.Buffer


class WithBuffers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.kept = nn.Buffer(tt.arange(3.0))
        self.scratch = nn.Buffer(tt.ones(2), persistent=False)


def test_buffer_assignment_registers_with_its_persistence() -> None:
    m = WithBuffers()
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    assert list(m.state_dict()) == ["kept"]
    assert isinstance(m.kept, nn.Buffer) and isinstance(m.kept, tt.Tensor)
    assert m.kept.persistent and not m.scratch.persistent
    m.double()
    assert m.kept.dtype == tt.float64


def test_buffer_shares_memory_and_version_with_its_data() -> None:
    t = tt.zeros(3)
    b = nn.Buffer(t)
    b.add_(1)
    assert t.tolist() == [1.0, 1.0, 1.0]
    assert t._version == b._version == 1
    v = Variable(tt.ones(2), requires_grad=True)
    assert nn.Buffer(v).tolist() == [1.0, 1.0]
    assert tuple(nn.Buffer().shape) == (0,)
    with pytest.raises(TypeError, match="Buffer data must be a Tensor"):
        nn.Buffer([1.0])  # type: ignore[arg-type]


def test_buffer_overrides_persistence_of_an_existing_buffer() -> None:
    m = nn.Module()
    m.register_buffer("b", tt.ones(1), persistent=False)
    m.b = nn.Buffer(tt.zeros(1))
    assert list(m.state_dict()) == ["b"]
    m.b = tt.ones(1)  # a plain tensor keeps the current persistence
    assert list(m.state_dict()) == ["b"]
    with pytest.raises(TypeError, match=r"cannot assign 'int' as buffer 'b' \(taeda.nn.Buffer, Tensor or None"):
        m.b = 3


def test_buffer_assignment_errors() -> None:
    class Plain(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.plain = 3

    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        setattr(Plain(), "plain", nn.Buffer(tt.ones(1)))  # noqa: B010

    class Early(nn.Module):
        def __init__(self) -> None:
            self.b = nn.Buffer(tt.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign buffer before Module.__init__\(\) call"):
        Early()
    fc = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'taeda\.nn\.buffer\.Buffer' as parameter 'bias'"):
        fc.bias = nn.Buffer(tt.ones(2))  # type: ignore[assignment]


# ------------------------------------------------------------------------------------- to_empty, share_memory


def test_to_empty_gives_new_memory_of_the_same_shapes() -> None:
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    before = dict(net.state_dict())
    assert net.to_empty(device="cpu") is net
    after = net.state_dict()
    for k, v in before.items():
        assert tuple(after[k].shape) == tuple(v.shape) and after[k].dtype == v.dtype
        assert not np.shares_memory(after[k].numpy(), v.numpy())
    assert isinstance(net[0].weight, nn.Parameter)


def test_to_empty_recurse_false_keeps_children() -> None:
    class Holder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.own = nn.Parameter(tt.ones(2))
            self.child = nn.Linear(2, 2)

    h = Holder()
    own, child_w = h.own.data, h.child.weight.data
    h.to_empty(device="cpu", recurse=False)
    assert h.own.data is not own
    assert h.child.weight.data is child_w


def test_share_memory_moves_parameters_buffers_and_grads() -> None:
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    net[0].weight.grad = Variable(tt.ones(2, 3))
    values = net[0].weight.data.tolist()
    assert net.share_memory() is net
    assert net[0].weight.data.is_shared() and net[1].running_mean.is_shared()
    assert net[0].weight.grad.data.is_shared()
    assert net[0].weight.data.tolist() == values
    with pytest.raises(RuntimeError, match="Can't share memory on an uninitialized parameter"):
        nn.LazyLinear(2).share_memory()


# ----------------------------------------------------------------------------------------- PyTorch parity


def test_hook_trace_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity checks need torch installed")

    TorchModule: Any = torch.nn.Module

    class TorchTree(TorchModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(2, 3)
            self.register_buffer("b", torch.zeros(2))

    theirs: list[tuple[Any, ...]] = []
    tree = TorchTree()
    _trace_hooks(tree, theirs)
    tree.load_state_dict(tree.state_dict())
    assert theirs == EXPECTED_TRACE


def test_extra_state_and_key_errors_match_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity checks need torch installed")

    TorchModule: Any = torch.nn.Module

    class TorchCounted(TorchModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(2, 2)
            self.register_buffer("steps", torch.zeros(1))

        def get_extra_state(self) -> Any:
            return {"calls": 3}

        def set_extra_state(self, state: Any) -> None:
            self.calls = state["calls"]

    assert list(TorchCounted().state_dict()) == list(Counted().state_dict())

    def message(fn: Callable[[], Any]) -> str:
        with pytest.raises(RuntimeError) as info:
            fn()
        return str(info.value)

    bad = {"weight": np.ones((2, 2)), "bias": np.ones(2), "bias.x": np.ones(1), "foo": np.ones(1)}
    ours = message(lambda: nn.Linear(2, 2).load_state_dict({k: tt.as_tensor(v) for k, v in bad.items()}))
    theirs = message(lambda: torch.nn.Linear(2, 2).load_state_dict({k: torch.as_tensor(v) for k, v in bad.items()}))
    assert ours == theirs
    ours = message(lambda: nn.Sequential(SetOnly()).load_state_dict({}))

    class TorchSetOnly(TorchModule):  # type: ignore[misc]
        def set_extra_state(self, state: Any) -> None:
            self.state = state

    assert ours == message(lambda: torch.nn.Sequential(TorchSetOnly()).load_state_dict({}))
