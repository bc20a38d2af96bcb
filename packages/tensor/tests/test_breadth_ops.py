"""Breadth gaps: inverse hyperbolics, polygamma, repeat_interleave, ``axis=`` alias, NumPy reduction functions,
flip() without dims, integer division by zero, writable diagonal views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.special

import taeda.tensor as tt


def _inputs(domain: str) -> list[np.ndarray[Any, Any]]:
    """0-d, empty, 1-D, 2-D, non-contiguous float64 arrays inside ``domain``."""
    rng = np.random.default_rng(0)
    base = [rng.standard_normal(()), np.zeros((0, 3)), rng.standard_normal(5), rng.standard_normal((3, 4))]
    base.append(rng.standard_normal((4, 6))[::2, ::3].T)  # non-contiguous
    out = []
    for a in base:
        if domain == "gt1":
            a = np.abs(a) + 1.25
        elif domain == "unit":
            a = np.tanh(a) * 0.9
        elif domain == "pos":
            a = np.abs(a) + 0.3
        out.append(np.asarray(a, dtype=np.float64))
    return out


@pytest.mark.parametrize(
    ("name", "ref", "domain"),
    [("asinh", np.arcsinh, "any"), ("acosh", np.arccosh, "gt1"), ("atanh", np.arctanh, "unit")],
)
def test_inverse_hyperbolic_match_numpy(name: str, ref: Callable[..., Any], domain: str) -> None:
    for a in _inputs(domain):
        for dt in (np.float32, np.float64):
            x = tt.as_tensor(a.astype(dt))
            r = getattr(tt, name)(x)
            assert r.dtype == x.dtype and r.shape == x.shape
            np.testing.assert_allclose(r.numpy(), ref(a.astype(dt)), rtol=1e-6)
            np.testing.assert_allclose(getattr(x, name)().numpy(), r.numpy())
    ints = tt.tensor([1, 2, 3])
    assert tt.asinh(ints).dtype == tt.float32  # integers compute in the default float dtype


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_matches_scipy(n: int) -> None:
    for a in _inputs("pos"):
        x = tt.as_tensor(a)
        r = tt.polygamma(n, x)
        assert r.dtype == tt.float64 and r.shape == x.shape
        np.testing.assert_allclose(r.numpy(), scipy.special.polygamma(n, a), rtol=1e-12)
        np.testing.assert_allclose(x.polygamma(n).numpy(), r.numpy())
        r32 = tt.polygamma(n, x.float())
        assert r32.dtype == tt.float32
        np.testing.assert_allclose(r32.numpy(), scipy.special.polygamma(n, a.astype(np.float32)), rtol=1e-5)
    np.testing.assert_allclose(
        tt.polygamma(0, tt.tensor([0.5, 2.0])).numpy(), tt.digamma(tt.tensor([0.5, 2.0])).numpy()
    )
    assert tt.polygamma(1, tt.tensor([1, 2])).dtype == tt.float32


def test_polygamma_out_and_errors() -> None:
    out = tt.empty(2, dtype=tt.float64)
    tt.polygamma(1, tt.tensor([1.0, 2.0], dtype=tt.float64), out=out)
    np.testing.assert_allclose(out.numpy(), scipy.special.polygamma(1, [1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"polygamma\(n, x\) does not support negative n\."):
        tt.polygamma(-1, tt.tensor([1.0]))
    with pytest.raises(TypeError, match="must be int"):
        tt.polygamma(1.5, tt.tensor([1.0]))  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- repeat_interleave
@pytest.mark.parametrize(
    ("shape", "repeats", "dim"),
    [
        ((2, 3), 2, None),
        ((2, 3), 0, 1),
        ((2, 3), [1, 0, 3], 1),
        ((2, 3), [2, 1], 0),
        ((2, 3), [2], -1),
        ((), 3, None),
        ((0, 3), 2, 0),
        ((0, 3), [1, 2, 0], 1),
        ((4, 2, 3), [0, 1, 2, 3], 0),
    ],
)
def test_repeat_interleave_matches_numpy(shape: tuple[int, ...], repeats: Any, dim: int | None) -> None:
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    for arr in (a, a.T if a.ndim == 2 and dim is None else a):
        x = tt.as_tensor(arr)
        reps = tt.tensor(repeats) if isinstance(repeats, list) else repeats
        r = x.repeat_interleave(reps, dim)
        np_reps = repeats[0] if isinstance(repeats, list) and len(repeats) == 1 else repeats
        expect = np.repeat(arr.reshape(-1) if dim is None else arr, np_reps, axis=0 if dim is None else dim)
        assert r.shape == expect.shape and r.dtype == x.dtype
        np.testing.assert_array_equal(r.numpy(), expect)
        np.testing.assert_array_equal(tt.repeat_interleave(x, reps, dim=dim).numpy(), expect)


def test_repeat_interleave_counts_form_and_errors() -> None:
    assert tt.repeat_interleave(tt.tensor([1, 0, 2])).tolist() == [0, 2, 2]
    assert tt.repeat_interleave(tt.tensor([], dtype=tt.int64)).tolist() == []
    x = tt.arange(6).reshape(2, 3)
    assert x.repeat_interleave(2, 0, output_size=4).shape == (4, 3)
    with pytest.raises(RuntimeError, match="allocated size does not match required size"):
        x.repeat_interleave(2, 0, output_size=5)
    with pytest.raises(
        RuntimeError,
        match=r"repeats must have the same size as input along dim, but got repeats.size\(0\) = 2 and "
        r"input.size\(1\) = 3",
    ):
        x.repeat_interleave(tt.tensor([1, 2]), dim=1)
    with pytest.raises(RuntimeError, match="Repeats must be non-negative"):
        x.repeat_interleave(-1)
    with pytest.raises(RuntimeError, match="repeats can not be negative"):
        x.repeat_interleave(tt.tensor([1, -1]), dim=0)
    with pytest.raises(RuntimeError, match="repeats must be 0-dim or 1-dim tensor"):
        x.repeat_interleave(tt.tensor([[1]]), dim=0)
    with pytest.raises(RuntimeError, match="repeats has to be Long or Int tensor"):
        x.repeat_interleave(tt.tensor([1.0, 2.0]), dim=0)
    with pytest.raises(TypeError, match="must be int or Tensor"):
        x.repeat_interleave(1.5)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.repeat_interleave(2, dim=2)


# ----------------------------------------------------------------------------- axis= alias and NumPy functions
_AXIS_CASES: list[tuple[str, dict[str, Any]]] = [
    ("prod", {}),
    ("amax", {}),
    ("amin", {}),
    ("argmax", {}),
    ("argmin", {}),
    ("var", {}),
    ("std", {}),
    ("logsumexp", {}),
    ("cumsum", {}),
    ("cumprod", {}),
    ("all", {}),
    ("any", {}),
    ("count_nonzero", {}),
    ("nansum", {}),
    ("nanmean", {}),
    ("median", {}),
    ("norm", {}),
]


@pytest.mark.parametrize(("name", "kw"), _AXIS_CASES)
def test_axis_is_an_alias_of_dim(name: str, kw: dict[str, Any]) -> None:
    x = tt.as_tensor(np.random.default_rng(1).standard_normal((3, 4)))
    for d in (0, 1, -1):
        by_axis = getattr(x, name)(axis=d, **kw)
        by_dim = getattr(x, name)(dim=d, **kw)
        by_fn = getattr(tt, name)(x, axis=d, **kw)
        for got in (by_axis, by_fn):
            if isinstance(by_dim, tuple):
                for g, e in zip(got, by_dim):
                    np.testing.assert_array_equal(g.numpy(), e.numpy())
            else:
                np.testing.assert_array_equal(got.numpy(), by_dim.numpy())
    with pytest.raises(TypeError, match="'axis'"):
        getattr(tt, name)(x, dim=0, axis=1, **kw)


def test_axis_on_max_min_cum_and_sum_functions() -> None:
    x = tt.tensor([[1.0, 5.0], [7.0, 2.0]])
    assert x.max(axis=1).values.tolist() == [5.0, 7.0]
    assert x.min(axis=0).indices.tolist() == [0, 1]
    assert x.cummax(axis=0).values.tolist() == [[1.0, 5.0], [7.0, 5.0]]
    assert x.cummin(axis=1).values.tolist() == [[1.0, 1.0], [7.0, 2.0]]
    assert tt.sum(x, axis=0).tolist() == [8.0, 7.0]
    assert tt.mean(x, axis=1).tolist() == [3.0, 4.5]
    assert x.amax(axis=(0, 1)).item() == 7.0
    _, m = tt.var_mean(x, axis=0)
    assert m.tolist() == [4.0, 3.5]
    with pytest.raises(TypeError, match='cumsum\\(\\) missing 1 required positional arguments: "dim"'):
        x.cumsum()
    with pytest.raises(TypeError, match="'axis'"):
        x.amax(0, axis=1)
    with pytest.raises(TypeError, match="out= argument is not supported"):
        x.max(out=tt.empty(()))  # type: ignore[call-overload]


def test_numpy_reduction_functions_on_tensors() -> None:
    a = np.array([[1.0, 5.0, 0.0], [7.0, 2.0, 3.0]])
    x = tt.as_tensor(a)
    assert np.max(x).item() == 7.0
    assert np.min(x).item() == 0.0
    assert np.argmax(x).item() == 3
    assert np.argmin(x).item() == 2
    np.testing.assert_array_equal(np.prod(x, axis=1).numpy(), a.prod(axis=1))
    np.testing.assert_array_equal(np.any(x, axis=0).numpy(), a.any(axis=0))
    np.testing.assert_array_equal(np.all(x, axis=1).numpy(), a.all(axis=1))
    np.testing.assert_array_equal(np.cumsum(x, axis=1).numpy(), a.cumsum(axis=1))  # type: ignore[attr-defined]
    np.testing.assert_array_equal(np.amax(x, axis=0).values.numpy(), a.max(axis=0))  # PyTorch's max(dim) tuple


def test_numpy_sum_mean_std_var_on_tensors() -> None:
    npa: Any = np  # NumPy's stubs do not know Tensors
    rng = np.random.default_rng(4)
    for a in (rng.standard_normal((3, 4)), rng.standard_normal((4, 6))[::2, ::3], np.asarray(2.5), np.zeros((0, 3))):
        x = tt.as_tensor(a)
        for axis in (None, 0, -1) if a.ndim else (None,):
            if a.size == 0 and axis is not None:
                continue
            np.testing.assert_allclose(npa.sum(x, axis=axis).numpy(), np.sum(a, axis=axis))
            if a.size:
                np.testing.assert_allclose(npa.mean(x, axis, keepdims=True).numpy(), np.mean(a, axis, keepdims=True))
            if a.size > 1:
                np.testing.assert_allclose(npa.std(x, axis=axis).numpy(), np.std(a, axis=axis))  # NumPy's ddof=0
                np.testing.assert_allclose(npa.var(x, axis=axis, ddof=1).numpy(), np.var(a, axis=axis, ddof=1))
    assert isinstance(npa.sum(tt.tensor([1, 2])), tt.Tensor) and npa.sum(tt.tensor([1, 2])).dtype == tt.int64
    out = tt.empty(2, dtype=tt.float64)
    npa.sum(tt.ones(2, 3, dtype=tt.float64), axis=1, out=out)
    assert out.tolist() == [3.0, 3.0]
    assert np.sum([1, 2]) == 3  # plain NumPy inputs are untouched
    with pytest.raises(TypeError, match="does not support"):
        npa.sum(tt.ones(2), where=True)
    # other NumPy functions still run NumPy's implementation on Tensors
    x = tt.tensor([[1.0, 2.0]])
    assert np.concatenate([x, x]).shape == (2, 2)
    assert np.allclose(x, np.array([[1.0, 2.0]]))


# ----------------------------------------------------------------------------- PyTorch behaviours
def test_flip_requires_dims() -> None:
    x = tt.tensor([[1, 2], [3, 4]])
    with pytest.raises(TypeError, match='flip\\(\\) missing 1 required positional arguments: "dims"'):
        x.flip()
    with pytest.raises(TypeError, match="dims"):
        tt.flip(x)
    assert x.flip(()).tolist() == [[1, 2], [3, 4]]
    assert x.flip(0, 1).tolist() == [[4, 3], [2, 1]]


@pytest.mark.parametrize(
    "op",
    [
        tt.floor_divide,
        tt.remainder,
        tt.fmod,
        lambda a, b: tt.div(a, b, rounding_mode="floor"),
        lambda a, b: tt.div(a, b, rounding_mode="trunc"),
        lambda a, b: a.floor_divide(b),
        lambda a, b: a.remainder(b),
    ],
)
def test_integer_division_by_zero_raises(op: Callable[[Any, Any], Any]) -> None:
    a = tt.tensor([[5, -7], [3, 2]])
    for zero in (0, tt.tensor([1, 0]), tt.tensor(0), tt.tensor([0, 0], dtype=tt.int32)):
        with pytest.raises(RuntimeError, match=r"^ZeroDivisionError$"):
            op(a, zero)
    with pytest.raises(RuntimeError, match=r"^ZeroDivisionError$"):
        op(tt.tensor(3), tt.tensor([1, 0]))
    assert op(a, tt.tensor([2, 3])).shape == (2, 2)  # non-zero divisors still work
    assert op(a, tt.tensor([], dtype=tt.int64).reshape(0, 1, 1)).shape == (0, 2, 2)
    with np.errstate(all="ignore"):
        assert op(a.double(), 0).dtype == tt.float64  # floating division by zero is IEEE (inf/nan), not an error


def test_diagonal_is_a_writable_view() -> None:
    base = tt.zeros(3, 4)
    v0 = base._version
    d = base.diagonal(1)
    d[0] = 5.0
    d.add_(1.0)
    assert base.tolist()[0][1] == 6.0 and base.tolist()[1][2] == 1.0
    assert base._version > v0
    t3 = tt.zeros(2, 3, 3)
    tt.diagonal(t3, 0, 1, 2).fill_(2.0)
    np.testing.assert_array_equal(t3.numpy(), np.broadcast_to(np.eye(3) * 2, (2, 3, 3)))
    expanded = tt.zeros(3).expand(3, 3)  # read-only broadcast memory stays read-only
    assert not expanded.diagonal().numpy().flags.writeable


# ----------------------------------------------------------------------------- PyTorch parity
@pytest.mark.torch
def test_torch_parity() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).uniform(1.1, 3.0, (3, 4))
    x, tx = tt.as_tensor(a), torch.from_numpy(a)
    for name in ("asinh", "acosh"):
        np.testing.assert_allclose(getattr(x, name)().numpy(), getattr(tx, name)().numpy(), rtol=1e-12)
    np.testing.assert_allclose((x / 4).atanh().numpy(), (tx / 4).atanh().numpy(), rtol=1e-12)
    for n in range(4):
        np.testing.assert_allclose(
            tt.polygamma(n, x).numpy(), torch.polygamma(n, tx).numpy(), rtol=1e-8
        )  # torch ~5e-10
    xi, ti = tt.arange(6).reshape(2, 3), torch.arange(6).reshape(2, 3)
    for reps, treps, dim in ((2, 2, None), (tt.tensor([1, 0, 2]), torch.tensor([1, 0, 2]), 1), (3, 3, 0)):
        np.testing.assert_array_equal(xi.repeat_interleave(reps, dim).numpy(), ti.repeat_interleave(treps, dim).numpy())
    np.testing.assert_array_equal(
        tt.repeat_interleave(tt.tensor([2, 1])).numpy(), torch.repeat_interleave(torch.tensor([2, 1])).numpy()
    )
    for name in ("prod", "amax", "argmin", "std", "cumsum", "any", "logsumexp"):
        np.testing.assert_allclose(getattr(x, name)(axis=1).numpy(), getattr(tx, name)(axis=1).numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError) as theirs:
        ti // 0
    with pytest.raises(RuntimeError) as ours:
        tt.floor_divide(xi, 0)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError) as theirs_t:
        ti.flip()
    with pytest.raises(TypeError) as ours_t:
        xi.flip()
    assert str(ours_t.value) == str(theirs_t.value)
    td = torch.zeros(3, 3)
    td.diagonal().fill_(1.0)
    xd = tt.zeros(3, 3)
    xd.diagonal().fill_(1.0)
    np.testing.assert_array_equal(xd.numpy(), td.numpy())


def test_integer_floordiv_and_mod_operators_by_zero_raise_like_pytorch() -> None:
    import pytest

    import taeda.tensor as tt

    a = tt.tensor([3, 4])
    ops: list[Callable[[], object]] = [
        lambda: a // 0,
        lambda: a % 0,
        lambda: a // tt.tensor([1, 0]),
        lambda: 7 // tt.tensor([0, 1]),
    ]
    for op in ops:
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op()
    assert (a // 2).tolist() == [1, 2] and (a % 3).tolist() == [0, 1]
