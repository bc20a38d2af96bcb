"""Parity with PyTorch (skipped when torch is not installed): promotion, integer division, reductions, printing-free."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt

torch: Any = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _tdt(name: str) -> Any:
    return getattr(torch, name)


def test_promotion_table_matches_pytorch() -> None:
    for a, b in itertools.product(DTYPES, DTYPES):
        for sa, sb in (((2,), (2,)), ((2,), ()), ((), (2,))):
            x = torch.ones(sa, dtype=_tdt(a)) + torch.ones(sb, dtype=_tdt(b))
            y = tt.ones(*sa, dtype=a) + tt.ones(*sb, dtype=b)
            assert str(x.dtype).removeprefix("torch.") == str(y.dtype), (a, b, sa, sb)


@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_scalar_promotion_matches_pytorch(scalar: Any) -> None:
    for a in DTYPES:
        if a == "bool" and scalar is True:
            continue
        x = torch.ones(2, dtype=_tdt(a)) * scalar
        y = tt.ones(2, dtype=a) * scalar
        assert str(x.dtype).removeprefix("torch.") == str(y.dtype), (a, scalar)
        if a != "bool":
            xd = torch.ones(2, dtype=_tdt(a)) / 2
            yd = tt.ones(2, dtype=a) / 2
            assert str(xd.dtype).removeprefix("torch.") == str(yd.dtype), (a, "div")


def test_integer_division_matches_pytorch() -> None:
    a = np.array([-7, -6, -1, 0, 1, 6, 7])
    b = np.array([3, -3, 2, -2, -3, 4, -4])
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    xa, xb = tt.from_numpy(a), tt.from_numpy(b)
    assert (xa // xb).tolist() == (ta // tb).tolist()
    assert (xa % xb).tolist() == (ta % tb).tolist()
    assert tt.fmod(xa, xb).tolist() == torch.fmod(ta, tb).tolist()
    assert tt.div(xa, xb, rounding_mode="trunc").tolist() == torch.div(ta, tb, rounding_mode="trunc").tolist()
    np.testing.assert_allclose((xa / xb).numpy(), (ta / tb).numpy())
    f = np.array([-7.5, 7.5, -0.5, 3.0], np.float32)
    g = np.array([2.0, -2.0, 0.3, -1.5], np.float32)
    for fn in ("remainder", "fmod", "floor_divide"):
        np.testing.assert_allclose(
            getattr(tt, fn)(tt.from_numpy(f), tt.from_numpy(g)).numpy(),
            getattr(torch, fn)(torch.from_numpy(f), torch.from_numpy(g)).numpy(),
            rtol=1e-6,
        )


def test_reductions_match_pytorch() -> None:
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    t, q = tt.from_numpy(x), torch.from_numpy(x)
    np.testing.assert_allclose(t.var().numpy(), q.var().numpy(), rtol=1e-5)
    np.testing.assert_allclose(t.std(1).numpy(), q.std(1).numpy(), rtol=1e-5)
    np.testing.assert_allclose(t.var(0, correction=0).numpy(), q.var(0, correction=0).numpy(), rtol=1e-5)
    for d in (0, 1):
        v, i = t.max(d)
        qv, qi = q.max(d)
        np.testing.assert_array_equal(v.numpy(), qv.numpy())
        np.testing.assert_array_equal(i.numpy(), qi.numpy())
        mv, _ = t.median(d)
        np.testing.assert_array_equal(mv.numpy(), q.median(d).values.numpy())
        np.testing.assert_allclose(tt.logsumexp(t, d).numpy(), torch.logsumexp(q, d).numpy(), rtol=1e-5)
        np.testing.assert_allclose(t.norm(dim=d).numpy(), q.norm(dim=d).numpy(), rtol=1e-5)
    assert t.median().item() == q.median().item()
    with pytest.raises(RuntimeError) as theirs:
        torch.tensor([1, 2]).mean()
    with pytest.raises(RuntimeError) as ours:
        tt.tensor([1, 2]).mean()
    assert str(ours.value) == str(theirs.value)


def test_error_messages_match_pytorch() -> None:
    cases: list[tuple[Any, Any]] = [
        (lambda m: m.ones(2, 3) + m.ones(2, 4), RuntimeError),
        (lambda m: m.zeros(2, 3).sum(3), IndexError),
        (lambda m: m.zeros(2, 3).view(-1, -1), RuntimeError),
        (lambda m: m.zeros(2, 3).view(4, 2), RuntimeError),
        (lambda m: m.ones(2, 3) @ m.ones(4, 5), RuntimeError),
        (lambda m: m.cat([m.ones(2, 3), m.ones(2, 2)]), RuntimeError),
    ]
    for fn, exc in cases:
        with pytest.raises(exc) as theirs:
            fn(torch)
        with pytest.raises(exc) as ours:
            fn(tt)
        assert str(ours.value) == str(theirs.value)


def test_elementwise_values_match_pytorch() -> None:
    x = np.random.default_rng(1).standard_normal(50).astype(np.float32)
    for name in ("exp", "sigmoid", "tanh", "erf", "erfc", "lgamma", "digamma", "expm1", "log1p", "frac", "trunc"):
        np.testing.assert_allclose(
            getattr(tt, name)(tt.from_numpy(x)).numpy(),
            getattr(torch, name)(torch.from_numpy(x)).numpy(),
            rtol=1e-5,
            atol=1e-6,
            err_msg=name,
        )
    y = np.abs(x) + 0.1
    for name in ("sqrt", "rsqrt", "log", "log2", "log10", "reciprocal"):
        np.testing.assert_allclose(
            getattr(tt, name)(tt.from_numpy(y)).numpy(),
            getattr(torch, name)(torch.from_numpy(y)).numpy(),
            rtol=1e-5,
            err_msg=name,
        )
    z = np.clip(x, -0.9, 0.9)
    np.testing.assert_allclose(
        tt.erfinv(tt.from_numpy(z)).numpy(), torch.erfinv(torch.from_numpy(z)).numpy(), rtol=1e-5
    )
