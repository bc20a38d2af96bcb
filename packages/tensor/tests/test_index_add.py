"""``index_add_`` on NumPy data: the sparse-product path for many row indices against ``np.add.at``, and the cases
that keep ``add.at`` (its errors included)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.tensor import _ops_index

RNG = np.random.default_rng(8)


@pytest.fixture
def sparse_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    calls: list[bool] = []
    real = _ops_index._index_add_rows

    def spy(*args: Any) -> bool:
        took = real(*args)
        calls.append(took)
        return took

    monkeypatch.setattr(_ops_index, "_index_add_rows", spy)
    return calls


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("shape", "dim", "k"),
    [((300, 7), 0, 1000), ((50, 4, 3), 0, 500), ((6, 200, 5), 1, 400), ((9, 5, 120), -1, 300)],
)
def test_many_indices_match_add_at(
    shape: tuple[int, ...], dim: int, k: int, dtype: Any, sparse_calls: list[bool]
) -> None:
    a = RNG.standard_normal(shape).astype(dtype)
    d = dim % len(shape)
    idx = RNG.integers(-shape[d], shape[d], k)  # repeats and negative indices
    src_shape = list(shape)
    src_shape[d] = k
    src = RNG.standard_normal(src_shape).astype(dtype)
    t = tt.from_numpy(a.copy())
    v0 = t._version
    t.index_add_(dim, tt.from_numpy(idx), tt.from_numpy(src), alpha=2)
    assert sparse_calls == [True] and t._version > v0
    ref = a.copy()
    np.add.at(np.moveaxis(ref, d, 0), idx, np.moveaxis(src * 2, d, 0))
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(t.numpy(), ref, rtol=tol, atol=tol)


@pytest.mark.parametrize(
    ("a", "idx", "src"),
    [
        (np.zeros((10, 3), np.float32), np.arange(10), np.ones((10, 3), np.float32)),  # few indices
        (np.zeros((100, 3), np.int64), RNG.integers(0, 100, 200), np.ones((200, 3), np.int64)),  # integers
        (np.zeros((100, 3), np.float32), RNG.integers(0, 100, 200), np.ones((200, 3), np.float64)),  # two dtypes
        (np.zeros(100, np.float32), RNG.integers(0, 100, 200), np.ones(200, np.float32)),  # 1-D target
        (np.zeros((100, 3), np.float32), RNG.integers(0, 100, 200), np.ones((1, 3), np.float32)),  # broadcast
    ],
)
def test_other_cases_keep_add_at(a: Any, idx: Any, src: Any, sparse_calls: list[bool]) -> None:
    t = tt.from_numpy(a.copy())
    t.index_add_(0, tt.from_numpy(idx), tt.from_numpy(src))
    ref = a.copy()
    np.add.at(ref, idx, src.astype(a.dtype) if src.dtype != a.dtype else src)
    np.testing.assert_allclose(t.numpy(), ref)
    assert sparse_calls == [False]


def test_out_of_range_index_raises_as_before() -> None:
    t = tt.zeros(100, 3)
    with pytest.raises(IndexError):
        t.index_add_(0, tt.tensor(np.r_[np.arange(99), 100]), tt.ones(100, 3))
    with pytest.raises(IndexError):
        t.index_add_(0, tt.tensor(np.r_[np.arange(99), -101]), tt.ones(100, 3))
