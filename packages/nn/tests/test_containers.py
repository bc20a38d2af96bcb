"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""

from __future__ import annotations

from collections import OrderedDict

import pytest

import taeda.nn as nn
import taeda.tensor as tt


def test_sequential_indexing_slicing_append() -> None:
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert list(sub._modules) == ["1", "2"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    out = seq(tt.ones(5, 2))
    assert tuple(out.shape) == (5, 1)
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"]
    seq.insert(1, nn.Tanh())
    assert isinstance(seq[1], nn.Tanh)
    seq[1] = nn.ReLU()
    assert isinstance(seq[1], nn.ReLU)
    popped = seq.pop(-1)
    assert isinstance(popped, nn.Sigmoid)
    assert len(seq + nn.Sequential(nn.ReLU())) == len(seq) + 1
    with pytest.raises(IndexError):
        seq[10]
    named = nn.Sequential(OrderedDict([("conv", nn.Identity()), ("act", nn.ReLU())]))
    assert list(named._modules) == ["conv", "act"]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        nn.Sequential(3)  # type: ignore[arg-type]


def test_module_list_repr_compresses_repeats() -> None:
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    assert repr(ml) == ("ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)")
    assert len(list(ml.parameters())) == 6
    ml.append(nn.Tanh())
    ml.extend([nn.ReLU()])
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and len(ml) == 7
    del ml[0]
    assert isinstance(ml[0], nn.Linear)
    assert isinstance(ml[1:3], nn.ModuleList)
    ml += [nn.ReLU()]
    assert len(ml) == 7
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_module_dict() -> None:
    md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    md["c"] = nn.Tanh()
    assert list(md) == ["a", "b", "c"]
    assert isinstance(md.pop("b"), nn.ReLU)
    md.update([("d", nn.Identity())])
    assert list(md.keys()) == ["a", "c", "d"]
    assert list(md.state_dict()) == ["a.weight", "a.bias"]
    md.clear()
    assert len(md) == 0


def test_parameter_list_and_dict() -> None:
    pl = nn.ParameterList([nn.Parameter(tt.ones(2, 3)), tt.zeros(1)])
    assert isinstance(pl[1], nn.Parameter)
    assert list(pl.state_dict()) == ["0", "1"]
    pl.append(tt.ones(4))
    assert len(pl) == 3 and len(list(pl.parameters())) == 3
    assert "Parameter containing: [float32 of size 2x3]" in repr(pl)
    pd = nn.ParameterDict({"w": nn.Parameter(tt.ones(2))})
    pd["b"] = tt.zeros(2)
    assert list(pd.keys()) == ["w", "b"] and isinstance(pd["b"], nn.Parameter)
    assert list(pd.state_dict()) == ["w", "b"]
    del pd["w"]
    assert list(pd) == ["b"] and "b" in pd
