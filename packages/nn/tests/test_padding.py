"""pad and the padding layers against numpy.pad, negative (cropping) pads, gradcheck, errors, parity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn
from taeda.autograd import Variable, gradcheck

Array = np.ndarray[Any, Any]
rng = np.random.default_rng(3)
NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def V(a: Array, grad: bool = True) -> Variable:
    return Variable(tt.from_numpy(np.ascontiguousarray(a)), requires_grad=grad)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pads", [(1, 2), (2, 0, 1, 3), (1, 1, 0, 2, 2, 1)])
def test_gather_modes_match_numpy(mode: str, pads: tuple[int, ...]) -> None:
    x = rng.standard_normal((2, 3, 4, 5, 4))
    y = F.pad(V(x), pads, mode=mode).data.numpy()
    width = [(0, 0)] * 5
    for i in range(len(pads) // 2):
        width[4 - i] = (pads[2 * i], pads[2 * i + 1])
    np.testing.assert_array_equal(y, np.pad(x, width, mode=NP_MODE[mode]))  # type: ignore[call-overload]
    assert gradcheck(lambda a: F.pad(a, pads, mode=mode), (V(x[:1, :1, :3]),))


def test_constant_pad_value_and_negative_crop() -> None:
    x = rng.standard_normal((2, 3, 4))
    y = F.pad(V(x), (1, 2, 0, 1), value=7.5).data.numpy()
    np.testing.assert_array_equal(y, np.pad(x, [(0, 0), (0, 1), (1, 2)], constant_values=7.5))
    c = F.pad(V(x), (-1, 2, 1, -2)).data.numpy()
    np.testing.assert_array_equal(c, np.pad(x[:, :1, 1:], [(0, 0), (1, 0), (0, 2)]))
    assert gradcheck(lambda a: F.pad(a, (-1, 2, 1, -2)), (V(x),))


def test_pad_errors() -> None:
    x = V(rng.standard_normal((1, 1, 4, 4)))
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(x, (4, 4), mode="reflect")
    with pytest.raises(ValueError, match="doesn't take in value argument"):
        F.pad(x, (1, 1), mode="reflect", value=2.0)
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times"):
        F.pad(x, (1,) * 10)


def test_padding_modules() -> None:
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ReflectionPad2d(2)) == "ReflectionPad2d((2, 2, 2, 2))"
    assert repr(nn.ReplicationPad2d((1, 1, 2, 0))) == "ReplicationPad2d((1, 1, 2, 0))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    x = V(rng.standard_normal((1, 2, 3, 3)))
    assert tuple(nn.ZeroPad2d((1, 0, 2, 1))(x).shape) == (1, 2, 6, 4)
    assert tuple(nn.ReflectionPad2d(2)(x).shape) == (1, 2, 7, 7)
    assert tuple(nn.CircularPad2d(1)(x).shape) == (1, 2, 5, 5)
    assert tuple(nn.ReplicationPad1d(3)(V(rng.standard_normal((2, 3)))).shape) == (2, 9)


@pytest.mark.torch
def test_pad_parity_with_torch() -> None:
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    for mode in ("constant", "reflect", "replicate", "circular"):
        ours = F.pad(V(x), (2, 1, 0, 3), mode=mode).data.numpy()
        theirs = torch.nn.functional.pad(torch.tensor(x), (2, 1, 0, 3), mode=mode).numpy()
        np.testing.assert_array_equal(ours, theirs)
