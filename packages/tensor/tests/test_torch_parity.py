"""Parity with PyTorch (skipped when torch is not installed): promotion, integer division, reductions, printing-free."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt

torch: Any = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

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


SWEEP_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
BINARY_SWEEP: dict[str, Any] = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "floordiv": lambda m, a, b: a // b,
    "mod": lambda m, a, b: a % b,
    "pow": lambda m, a, b: a**b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b),
    "lt": lambda m, a, b: a < b,
    "where": lambda m, a, b: m.where(a > 1, a, b),
    "cat": lambda m, a, b: m.cat([a.reshape(-1), b.reshape(-1)]),
    "fmod": lambda m, a, b: m.fmod(a, b),
}
BASE = np.array([[1.5, -2.0, 3.0], [0.5, 5.0, -6.25]])


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # compared below: where PyTorch succeeds we must too
        return e


def _agree(theirs: Any, ours: Any, what: Any) -> None:
    if isinstance(theirs, Exception):
        return  # taeda may accept what PyTorch rejects (e.g. scalars for maximum)
    assert not isinstance(ours, Exception), (what, ours)
    if isinstance(theirs, tuple):
        theirs, ours = theirs[0], ours[0]
    assert str(theirs.dtype).removeprefix("torch.") == str(ours.dtype), (what, theirs.dtype, ours.dtype)
    assert tuple(theirs.shape) == tuple(ours.shape), what
    np.testing.assert_allclose(
        ours.numpy().astype(np.float64),
        theirs.double().numpy(),
        rtol=2e-3,
        atol=1e-3,
        equal_nan=True,
        err_msg=str(what),
    )


@pytest.mark.parametrize("name", list(BINARY_SWEEP))
def test_binary_sweep_matches_pytorch(name: str) -> None:
    op = BINARY_SWEEP[name]
    for da, db in itertools.product(SWEEP_DTYPES, SWEEP_DTYPES):
        for sb in ((3,), ()):
            b = np.abs(BASE[0]) if "u" in db else BASE[0]
            bb = b.reshape(sb) if sb else b[0]
            a = np.abs(BASE) if "u" in da else BASE
            theirs = _run(op, torch, torch.tensor(a.astype(da)), torch.tensor(np.asarray(bb).astype(db)))
            ours = _run(op, tt, tt.tensor(a.astype(da)), tt.tensor(np.asarray(bb).astype(db)))
            _agree(theirs, ours, (name, da, db, sb))
        for s in (2, 2.5, True):
            theirs = _run(op, torch, torch.tensor(BASE.astype(da)), s)
            ours = _run(op, tt, tt.tensor(BASE.astype(da)), s)
            _agree(theirs, ours, (name, da, s))


UNARY_SWEEP = [
    "neg",
    "abs",
    "sign",
    "exp",
    "log",
    "sqrt",
    "sigmoid",
    "floor",
    "ceil",
    "round",
    "trunc",
    "frac",
    "square",
    "reciprocal",
    "erf",
    "tanh",
    "isnan",
    "isfinite",
    "logical_not",
    "bitwise_not",
    "relu",
    "rsqrt",
    "lgamma",
    "expm1",
    "exp2",
    "log2",
    "nan_to_num",
]
REDUCTION_SWEEP: list[tuple[str, dict[str, Any]]] = [
    ("sum", {}),
    ("sum", {"dim": 1}),
    ("prod", {"dim": 0}),
    ("mean", {}),
    ("amax", {"dim": 1}),
    ("argmax", {"dim": 1}),
    ("cumsum", {"dim": 1}),
    ("cumprod", {"dim": 1}),
    ("all", {}),
    ("any", {"dim": 0}),
    ("count_nonzero", {}),
    ("std", {"dim": 1}),
    ("var", {}),
    ("norm", {}),
    ("logsumexp", {"dim": 1}),
    ("median", {}),
    ("max", {}),
    ("min", {"dim": 0}),
    ("sort", {"dim": 1}),
    ("argsort", {"dim": 1}),
    ("topk", {"k": 2}),
    ("kthvalue", {"k": 2}),
]


UNARY_CASES: list[tuple[str, dict[str, Any]]] = [(u, {}) for u in UNARY_SWEEP]


@pytest.mark.parametrize(("name", "kwargs"), UNARY_CASES + REDUCTION_SWEEP)
def test_unary_and_reduction_sweep_matches_pytorch(name: str, kwargs: dict[str, Any]) -> None:
    for dt in SWEEP_DTYPES:
        x = np.abs(BASE) if dt == "uint8" else BASE
        theirs = _run(getattr(torch, name), torch.tensor(x.astype(dt)), **kwargs)
        ours = _run(getattr(tt, name), tt.tensor(x.astype(dt)), **kwargs)
        _agree(theirs, ours, (name, dt, kwargs))
