"""unfold/fold against direct loops, fold(unfold(x)) counting identity, gradcheck, modules, parity."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn
from taeda.autograd import Variable, gradcheck

Array = np.ndarray[Any, Any]
rng = np.random.default_rng(11)


def V(a: Array, grad: bool = True) -> Variable:
    return Variable(tt.from_numpy(np.ascontiguousarray(a)), requires_grad=grad)


def direct_unfold(x: Array, k: Any, d: Any, p: Any, s: Any) -> Array:
    n, c, h, w = x.shape
    xp = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c, k[0], k[1], oh, ow))
    for i, j, a, b in itertools.product(range(k[0]), range(k[1]), range(oh), range(ow)):
        out[:, :, i, j, a, b] = xp[:, :, a * s[0] + i * d[0], b * s[1] + j * d[1]]
    return out.reshape(n, c * k[0] * k[1], oh * ow)


@pytest.mark.parametrize(("k", "d", "p", "s"), [((2, 2), (1, 1), (0, 0), (1, 1)), ((3, 2), (2, 1), (1, 2), (2, 3))])
def test_unfold_fold(k: Any, d: Any, p: Any, s: Any) -> None:
    x = rng.standard_normal((2, 3, 7, 8))
    cols = F.unfold(V(x), k, d, p, s)
    np.testing.assert_array_equal(cols.data.numpy(), direct_unfold(x, k, d, p, s))
    back = F.fold(cols, (7, 8), k, d, p, s).data.numpy()
    counts = F.fold(F.unfold(V(np.ones_like(x)), k, d, p, s), (7, 8), k, d, p, s).data.numpy()
    np.testing.assert_allclose(back, x * counts, atol=1e-12)
    assert gradcheck(lambda a: F.unfold(a, k, d, p, s), (V(x[:1, :2]),))
    c = V(cols.data.numpy()[:1])
    assert gradcheck(lambda a: F.fold(a, (7, 8), k, d, p, s), (c,))


def test_fold_modules_and_errors() -> None:
    assert repr(nn.Fold(output_size=(4, 5), kernel_size=(2, 2))) == (
        "Fold(output_size=(4, 5), kernel_size=(2, 2), dilation=1, padding=0, stride=1)"
    )
    assert repr(nn.Unfold(kernel_size=(2, 3))) == "Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)"
    x = V(rng.standard_normal((3, 5, 5)))
    assert tuple(nn.Unfold(3)(x).shape) == (27, 9)
    assert tuple(nn.Fold((5, 5), 3)(nn.Unfold(3)(x)).shape) == (3, 5, 5)
    with pytest.raises(RuntimeError, match="expected size of input's dimension 2 to match"):
        F.fold(V(rng.standard_normal((1, 27, 8))), (5, 5), 3)
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(V(rng.standard_normal((1, 26, 9))), (5, 5), 3)


@pytest.mark.torch
def test_fold_parity_with_torch() -> None:
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 6, 7)).astype(np.float32)
    ours = F.unfold(V(x), (2, 3), 1, 1, 2).data.numpy()
    theirs = torch.nn.functional.unfold(torch.tensor(x), (2, 3), 1, 1, 2).numpy()
    np.testing.assert_array_equal(ours, theirs)
    f = F.fold(V(ours), (6, 7), (2, 3), 1, 1, 2).data.numpy()
    ft = torch.nn.functional.fold(torch.tensor(theirs), (6, 7), (2, 3), 1, 1, 2).numpy()
    np.testing.assert_allclose(f, ft, rtol=1e-6)
