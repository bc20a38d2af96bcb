"""Reductions with dim (int or tuple) and keepdim against NumPy, over 0-d, empty and non-contiguous inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt

# NumPy warns where IEEE arithmetic gives inf/nan (log(0), 0/0 ...); PyTorch does not, and neither do we here.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

RNG = np.random.default_rng(1)


def inputs(dtype: Any) -> list[np.ndarray[Any, Any]]:
    x: np.ndarray[Any, Any] = RNG.standard_normal((3, 4, 5)) * 4
    if np.dtype(dtype).kind in "iu":
        x = np.round(x)
    if np.dtype(dtype).kind == "b":
        x = x > 0
    x = x.astype(dtype)
    return [x, x.transpose(2, 0, 1), x[:, ::2], np.asarray(x[0, 0, 0])]


DIMS: list[Any] = [None, 0, -1, 1, (0, 2), (-1,)]

REDUCTIONS: list[tuple[str, Any]] = [
    ("sum", lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims)),
    ("prod", lambda x, axis, keepdims: x.prod(axis=axis, keepdims=keepdims)),
    ("amax", lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims)),
    ("amin", lambda x, axis, keepdims: x.min(axis=axis, keepdims=keepdims)),
    ("all", lambda x, axis, keepdims: x.all(axis=axis, keepdims=keepdims)),
    ("any", lambda x, axis, keepdims: x.any(axis=axis, keepdims=keepdims)),
]


def _axis(d: Any, ndim: int) -> Any:
    if ndim == 0 and d is not None:
        return None
    return d


@pytest.mark.parametrize(("name", "ref"), REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.bool_])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_against_numpy(name: str, ref: Any, dtype: Any, keepdim: bool) -> None:
    for x in inputs(dtype):
        for d in DIMS:
            if x.ndim == 0 and d not in (None, 0, -1, (-1,)):
                continue
            if name in ("prod",) and isinstance(d, tuple):
                continue
            t = tt.as_tensor(x)
            got = getattr(tt, name)(t, d, keepdim) if d is not None else getattr(t, name)()
            if d is None and keepdim:
                got = getattr(tt, name)(t, () if name in ("amax", "amin") else None, keepdim) if name != "prod" else got
            want = np.asarray(
                ref(
                    x,
                    _axis(d, x.ndim),
                    keepdim if d is not None else (keepdim and name in ("amax", "amin", "sum", "all", "any")),
                )
            )
            if name in ("sum", "prod") and np.dtype(dtype).kind in "biu":
                assert got.dtype == tt.int64
                want = want.astype(np.int64)
            if name in ("all", "any"):
                assert got.dtype == tt.bool
            assert got.shape == want.shape, (name, x.shape, d, keepdim)
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mean_var_std(dtype: Any) -> None:
    for x in inputs(dtype):
        t = tt.as_tensor(x)
        for d in (None, 0, -1, (0, 1)):
            if x.ndim == 0 and d not in (None, 0, -1):
                continue
            ax = _axis(d, x.ndim)
            np.testing.assert_allclose(tt.mean(t, d).numpy(), x.mean(axis=ax), rtol=1e-5)
            np.testing.assert_allclose(
                t.mean(d, keepdim=True).numpy() if d is not None else t.mean().numpy(),
                x.mean(axis=ax, keepdims=d is not None),
                rtol=1e-5,
            )
            if x.size > 1:
                np.testing.assert_allclose(tt.var(t, d).numpy(), x.var(axis=ax, ddof=1), rtol=1e-4)
                np.testing.assert_allclose(
                    tt.std(t, d, keepdim=True).numpy(), x.std(axis=ax, ddof=1, keepdims=True), rtol=1e-4
                )
                np.testing.assert_allclose(t.var(d, unbiased=False).numpy(), x.var(axis=ax), rtol=1e-4)
                np.testing.assert_allclose(t.var(d, correction=0).numpy(), x.var(axis=ax), rtol=1e-4)
                np.testing.assert_allclose(t.std(d, correction=2).numpy(), x.std(axis=ax, ddof=2), rtol=1e-4)
                assert tt.var(t, d).dtype == dtype


def test_var_std_edge_cases() -> None:
    assert tt.var(tt.tensor([1.0, 2.0, 3.0, 4.0])).item() == pytest.approx(5 / 3)
    assert tt.var(tt.tensor([1.0, 2.0]), False).item() == pytest.approx(0.25)  # legacy positional unbiased
    assert np.isnan(tt.var(tt.tensor([1.0])).item())
    with pytest.raises(RuntimeError, match="floating point"):
        tt.std(tt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="both"):
        tt.var(tt.ones(3), unbiased=True, correction=0)
    v, m = tt.var_mean(tt.tensor([1.0, 3.0]))
    assert v.item() == 2.0 and m.item() == 2.0
    s, m = tt.std_mean(tt.tensor([[1.0, 3.0]]), 1)
    assert s.tolist() == [pytest.approx(2**0.5)] and m.tolist() == [2.0]


def test_mean_of_integers_raises_like_pytorch() -> None:
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype.*Got: Long"):
        tt.tensor([1, 2]).mean()
    with pytest.raises(RuntimeError, match="Got: Int"):
        tt.mean(tt.tensor([1, 2], dtype=tt.int32), 0)
    assert tt.tensor([1, 2]).mean(dtype=tt.float64).item() == 1.5


def test_empty_reductions() -> None:
    e = tt.zeros(0, 3)
    assert tt.sum(e).item() == 0.0 and tt.sum(e, 0).tolist() == [0.0, 0.0, 0.0] and tt.prod(e).item() == 1.0
    assert np.isnan(e.mean().item()) and tt.all(e).item() and not tt.any(e).item()
    assert tt.amax(e, 1).shape == (0,)
    with pytest.raises(IndexError):
        e.max()
    with pytest.raises(IndexError):
        tt.amax(e, 0)
    with pytest.raises(IndexError):
        tt.argmax(e)


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_max_min_with_dim_return_values_and_indices(dtype: Any) -> None:
    for x in inputs(dtype)[:3]:
        t = tt.as_tensor(x)
        for d in (0, 1, -1):
            for keepdim in (False, True):
                r = tt.max(t, d, keepdim)
                assert isinstance(r, tuple) and getattr(r, "_fields", None) == ("values", "indices")
                v, i = r
                np.testing.assert_array_equal(v.numpy(), x.max(axis=d, keepdims=keepdim))
                np.testing.assert_array_equal(i.numpy(), np.argmax(x, axis=d, keepdims=keepdim))
                assert i.dtype == tt.int64
                v2, i2 = t.min(dim=d, keepdim=keepdim)
                np.testing.assert_array_equal(v2.numpy(), x.min(axis=d, keepdims=keepdim))
                np.testing.assert_array_equal(i2.numpy(), np.argmin(x, axis=d, keepdims=keepdim))
        assert tt.max(t).item() == x.max() and t.min().item() == x.min()
        np.testing.assert_array_equal(tt.argmax(t).numpy(), np.argmax(x))
        np.testing.assert_array_equal(tt.argmin(t, 1, keepdim=True).numpy(), np.argmin(x, 1, keepdims=True))
        assert tt.argmax(t, keepdim=True).shape == (1, 1, 1)
    a, b = tt.tensor([1, 5]), tt.tensor([3, 2])
    assert tt.max(a, b).tolist() == [3, 5] and tt.min(a, b).tolist() == [1, 2]
    v, i = tt.max(tt.tensor(3.0), 0)
    assert v.item() == 3.0 and i.item() == 0


def test_cumulative() -> None:
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    t = tt.from_numpy(x)
    for d in (0, 1, -1):
        np.testing.assert_allclose(tt.cumsum(t, d).numpy(), np.cumsum(x, d), rtol=1e-5)
        np.testing.assert_allclose(t.cumprod(d).numpy(), np.cumprod(x, d), rtol=1e-5)
        v, i = tt.cummax(t, d)
        np.testing.assert_array_equal(v.numpy(), np.maximum.accumulate(x, d))
        np.testing.assert_array_equal(np.take_along_axis(x, i.numpy(), d), v.numpy())
        v, i = tt.cummin(t, d)
        np.testing.assert_array_equal(v.numpy(), np.minimum.accumulate(x, d))
    assert tt.cumsum(tt.tensor([1, 2], dtype=tt.int32), 0).dtype == tt.int64
    assert tt.cumsum(tt.tensor(2.0), 0).item() == 2.0


def test_norm_logsumexp_count_nonzero() -> None:
    x = RNG.standard_normal((3, 4))
    t = tt.from_numpy(x)
    np.testing.assert_allclose(tt.norm(t).numpy(), np.linalg.norm(x))
    np.testing.assert_allclose(t.norm(dim=1).numpy(), np.linalg.norm(x, axis=1))
    np.testing.assert_allclose(t.norm(p=1, dim=0, keepdim=True).numpy(), np.abs(x).sum(0, keepdims=True))
    np.testing.assert_allclose(t.norm(p=float("inf")).numpy(), np.abs(x).max())
    np.testing.assert_allclose(t.norm(p=3, dim=1).numpy(), (np.abs(x) ** 3).sum(1) ** (1 / 3))
    np.testing.assert_allclose(t.norm(p=0).numpy(), np.count_nonzero(x))
    np.testing.assert_allclose(t.norm(p="nuc").numpy(), np.linalg.norm(x, "nuc"))
    with pytest.raises(RuntimeError, match="floating point"):
        tt.norm(tt.tensor([1, 2]))
    from scipy.special import logsumexp

    np.testing.assert_allclose(tt.logsumexp(t, 1).numpy(), logsumexp(x, 1))
    np.testing.assert_allclose(tt.logsumexp(t, (0, 1), keepdim=True).numpy(), logsumexp(x, (0, 1), keepdims=True))
    big = tt.tensor([1000.0, 1000.0])
    assert tt.logsumexp(big, 0).item() == pytest.approx(1000 + np.log(2))
    assert tt.logsumexp(tt.tensor([-float("inf")] * 2), 0).item() == -float("inf")
    np.testing.assert_array_equal(tt.count_nonzero(tt.from_numpy(x > 0), 0).numpy(), np.count_nonzero(x > 0, 0))
    assert tt.count_nonzero(tt.tensor([0, 1, 2])).item() == 2
    assert tt.nansum(tt.tensor([1.0, float("nan")])).item() == 1.0
    assert tt.nanmean(tt.tensor([1.0, float("nan"), 3.0])).item() == 2.0


def test_median_and_mode() -> None:
    x = RNG.integers(0, 4, (5, 6)).astype(np.float64)
    t = tt.from_numpy(x)
    assert tt.median(tt.tensor([1.0, 4.0, 2.0, 3.0])).item() == 2.0  # lower median, no averaging
    flat = np.sort(x.reshape(-1))
    assert t.median().item() == flat[(flat.size - 1) // 2]
    for d in (0, 1):
        v, i = tt.median(t, d)
        want = np.sort(x, d).take((x.shape[d] - 1) // 2, axis=d)
        np.testing.assert_array_equal(v.numpy(), want)
        np.testing.assert_array_equal(np.take_along_axis(x, np.expand_dims(i.numpy(), d), d).squeeze(d), want)
        mv, mi = tt.mode(t, d, keepdim=True)
        for k in range(x.shape[1 - d]):
            row = x[:, k] if d == 0 else x[k]
            vals, counts = np.unique(row, return_counts=True)
            assert mv.numpy().reshape(-1)[k] == vals[np.argmax(counts)]
            assert row[mi.numpy().reshape(-1)[k]] == vals[np.argmax(counts)]
    assert tt.mode(tt.tensor([1, 2, 2, 3])).values.item() == 2


def test_bad_dim_names_the_valid_range() -> None:
    t = tt.zeros(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"):
        t.sum(3)
    with pytest.raises(IndexError, match=r"\[-2, 1\], but got -3"):
        tt.max(t, -3)
    with pytest.raises(IndexError, match=r"\[-1, 0\], but got 1"):
        tt.tensor(1.0).sum(1)
    with pytest.raises(IndexError, match="out of range"):
        t.unsqueeze(4)
    with pytest.raises(RuntimeError, match="multiple times"):
        t.sum((0, 0))


def test_reduction_out_argument() -> None:
    x = tt.tensor([[1.0, 2.0], [3.0, 4.0]])
    for fn, want in ((tt.sum, [4.0, 6.0]), (tt.mean, [2.0, 3.0]), (tt.amax, [3.0, 4.0]), (tt.prod, [3.0, 8.0])):
        out = tt.empty(2)
        assert fn(x, 0, out=out) is out and out.tolist() == want and out._version == 1
    out = tt.empty(())
    tt.sum(x, out=out)
    assert out.item() == 10.0
    flags = tt.empty(2, dtype=tt.bool)
    tt.any(x > 3, 1, out=flags)
    assert flags.tolist() == [False, True]
