"""``*_with_indices`` pooling functions (always a pair, equal to ``return_indices=True``), ``lp_pool3d`` and
``LPPool3d`` (NumPy reference, gradcheck, PyTorch parity when torch is installed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck

RNG = np.random.default_rng(5)


def _var(shape: tuple[int, ...], requires_grad: bool = False) -> Variable:
    return Variable(tt.as_tensor(RNG.standard_normal(shape)), requires_grad=requires_grad)


ALIASES: list[tuple[Callable[..., Any], Callable[..., Any], tuple[int, ...], tuple[Any, ...]]] = [
    (F.max_pool1d_with_indices, F.max_pool1d, (2, 3, 9), (3, 2, 1)),
    (F.max_pool2d_with_indices, F.max_pool2d, (2, 3, 7, 6), (3, 2, 1, 1, True)),
    (F.max_pool3d_with_indices, F.max_pool3d, (1, 2, 5, 5, 5), (2,)),
    (F.adaptive_max_pool1d_with_indices, F.adaptive_max_pool1d, (2, 3, 10), (4,)),
    (F.adaptive_max_pool2d_with_indices, F.adaptive_max_pool2d, (2, 3, 7, 9), ((3, 2),)),
    (F.adaptive_max_pool3d_with_indices, F.adaptive_max_pool3d, (1, 2, 5, 6, 7), (2,)),
]


@pytest.mark.parametrize(("alias", "plain", "shape", "args"), ALIASES, ids=[a[0].__name__ for a in ALIASES])
def test_with_indices_equals_return_indices(
    alias: Callable[..., Any], plain: Callable[..., Any], shape: tuple[int, ...], args: tuple[Any, ...]
) -> None:
    x = _var(shape, requires_grad=True)
    out, idx = alias(x, *args)
    ref_out, ref_idx = plain(x, *args, return_indices=True)
    np.testing.assert_array_equal(out.data.numpy(), ref_out.data.numpy())
    np.testing.assert_array_equal(idx.data.numpy(), ref_idx.data.numpy())
    assert idx.dtype == tt.int64 and out.requires_grad
    again = alias(x, *args, return_indices=False)  # ignored, as in PyTorch
    assert isinstance(again, tuple) and len(again) == 2
    out.sum().backward()
    assert x.grad is not None and float(x.grad.data.sum().item()) == pytest.approx(out.numel())


def _lp_reference(x: np.ndarray[Any, Any], p: float, k: tuple[int, int, int], s: tuple[int, int, int]) -> Any:
    n, c, d, h, w = x.shape
    od, oh, ow = ((d - k[0]) // s[0] + 1, (h - k[1]) // s[1] + 1, (w - k[2]) // s[2] + 1)
    out = np.empty((n, c, od, oh, ow))
    for i in range(od):
        for j in range(oh):
            for l in range(ow):
                win = x[:, :, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1], l * s[2] : l * s[2] + k[2]]
                out[:, :, i, j, l] = (win**p).sum(axis=(2, 3, 4)) ** (1 / p)
    return out


def test_lp_pool3d_against_numpy_and_gradcheck() -> None:
    x = np.abs(RNG.standard_normal((2, 2, 5, 4, 6))) + 0.1
    got = F.lp_pool3d(Variable(tt.as_tensor(x)), 2.0, (2, 2, 3), (1, 2, 3))
    np.testing.assert_allclose(got.data.numpy(), _lp_reference(x, 2.0, (2, 2, 3), (1, 2, 3)), rtol=1e-12)
    default_stride = F.lp_pool3d(Variable(tt.as_tensor(x)), 3.0, 2)
    np.testing.assert_allclose(default_stride.data.numpy(), _lp_reference(x, 3.0, (2, 2, 2), (2, 2, 2)), rtol=1e-12)
    inf = F.lp_pool3d(Variable(tt.as_tensor(-x)), float("inf"), 2)
    np.testing.assert_allclose(inf.data.numpy(), F.max_pool3d(Variable(tt.as_tensor(x)), 2).data.numpy())
    v = Variable(tt.as_tensor(x[:1, :1, :3, :3, :3].copy()), requires_grad=True)
    assert gradcheck(lambda t: F.lp_pool3d(t, 2.0, 2, 1), (v,))


def test_lp_pool3d_zero_window_has_zero_gradient() -> None:
    x = Variable(tt.zeros(1, 1, 2, 2, 2, dtype=tt.float64), requires_grad=True)
    y = F.lp_pool3d(x, 2.0, 2)
    y.sum().backward()
    assert y.item() == 0.0 and x.grad is not None and np.all(x.grad.data.numpy() == 0.0)


def test_lppool3d_module() -> None:
    m = nn.LPPool3d(1.2, (3, 2, 2), stride=(2, 1, 2))
    assert repr(m) == "LPPool3d(norm_type=1.2, kernel_size=(3, 2, 2), stride=(2, 1, 2), ceil_mode=False)"
    x = Variable(tt.as_tensor(np.abs(RNG.standard_normal((2, 3, 9, 8, 7)))))
    assert tuple(m(x).shape) == (2, 3, 4, 7, 3)
    np.testing.assert_allclose(m(x).data.numpy(), F.lp_pool3d(x, 1.2, (3, 2, 2), (2, 1, 2)).data.numpy(), rtol=1e-12)
    assert tuple(nn.LPPool3d(2, 2, ceil_mode=True)(x).shape) == (2, 3, 5, 4, 4)
    assert tuple(nn.LPPool3d(2, 2)(x[0]).shape) == (3, 4, 4, 3)  # unbatched


def test_pool_aliases_and_lppool3d_match_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity checks need torch installed")
    TF = torch.nn.functional
    x = RNG.standard_normal((2, 3, 6, 5, 7))
    for name, args in [
        ("max_pool1d_with_indices", (x[:, :, 0, 0], 3, 2)),
        ("max_pool2d_with_indices", (x[:, :, 0], 2, 1, 1, 1, True)),
        ("max_pool3d_with_indices", (x, 2)),
        ("adaptive_max_pool1d_with_indices", (x[:, :, 0, 0], 3)),
        ("adaptive_max_pool2d_with_indices", (x[:, :, 0], (4, 3))),
        ("adaptive_max_pool3d_with_indices", (x, (3, 2, 2))),
    ]:
        (a, *rest) = args
        ours = getattr(F, name)(Variable(tt.as_tensor(np.ascontiguousarray(a))), *rest)
        theirs = getattr(TF, name)(torch.tensor(np.ascontiguousarray(a)), *rest)
        np.testing.assert_array_equal(ours[0].data.numpy(), theirs[0].numpy())
        np.testing.assert_array_equal(ours[1].data.numpy(), theirs[1].numpy())
    xt = torch.tensor(x, requires_grad=True)
    xv = Variable(tt.as_tensor(x.copy()), requires_grad=True)
    cases: list[tuple[float, Any, Any, bool]] = [(2.0, 2, None, False), (1.5, (3, 2, 2), (2, 1, 2), True)]
    cases.append((3.0, 2, 1, False))
    for p, k, s, ceil in cases:
        t_out = torch.nn.LPPool3d(p, k, s, ceil)(xt.abs() + 0.1)
        o_out = nn.LPPool3d(p, k, s, ceil)(xv.abs() + 0.1)
        np.testing.assert_allclose(o_out.data.numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = RNG.standard_normal(tuple(t_out.shape))
        (tg,) = torch.autograd.grad((t_out * torch.tensor(g)).sum(), xt)
        xv.grad = None
        (o_out * Variable(tt.as_tensor(g))).sum().backward()
        assert xv.grad is not None
        np.testing.assert_allclose(xv.grad.data.numpy(), tg.numpy(), rtol=1e-9, atol=1e-12)
        assert repr(nn.LPPool3d(p, k, s, ceil)) == repr(torch.nn.LPPool3d(p, k, s, ceil))
