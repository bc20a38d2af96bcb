"""Indexing and assignment, gather/scatter, index_select, masks, nonzero, take, sorting and selection."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt

RNG = np.random.default_rng(2)
X = RNG.standard_normal((4, 5, 3)).astype(np.float32)


@pytest.mark.parametrize(
    "idx",
    [
        1,
        -1,
        slice(1, 3),
        (1, 2),
        (slice(None), 0),
        (Ellipsis, 1),
        (None, 1),
        (slice(None, None, 2), slice(1, None)),
        ([0, 2],),
        (np.array([0, 3]), slice(None), np.array([1, 2])),
        (X[:, 0, 0] > 0,),
        (slice(None), [1, 1, 4]),
        (1, 2, 0),
        (X > 0,),
    ],
)
def test_getitem_matches_numpy(idx: Any) -> None:
    t = tt.from_numpy(X)
    tidx = tuple(tt.from_numpy(i) if isinstance(i, np.ndarray) else i for i in idx) if isinstance(idx, tuple) else idx
    got = t[tidx]
    want = X[idx]
    assert got.shape == np.shape(want)
    np.testing.assert_array_equal(got.numpy(), want)


def test_getitem_with_tensor_indices() -> None:
    t = tt.arange(12).view(3, 4)
    assert t[tt.tensor([0, 2])].tolist() == [[0, 1, 2, 3], [8, 9, 10, 11]]
    assert t[t > 9].tolist() == [10, 11]
    assert t[tt.tensor(1)].tolist() == [4, 5, 6, 7]
    assert t[1, 2].shape == () and t[1, 2].item() == 6
    assert t[[0, 1], [1, 2]].tolist() == [1, 6]


@pytest.mark.parametrize(
    ("idx", "value"),
    [
        (0, 1.5),
        ((slice(None), 1), np.arange(3.0)),
        (np.array([0, 2]), 7.0),
        ("mask", -1.0),
        ((1, slice(0, 2)), np.array([[9.0, 8.0, 7.0]] * 2)),
        ((Ellipsis, 0), 3),
    ],
)
def test_setitem_matches_numpy(idx: Any, value: Any) -> None:
    x = X.copy()
    t = tt.from_numpy(X.copy())
    if isinstance(idx, str):
        idx = X > 0.5
    want = x.copy()
    want[idx] = value
    tidx = tt.from_numpy(idx) if isinstance(idx, np.ndarray) else idx
    tval = tt.from_numpy(np.asarray(value)) if isinstance(value, np.ndarray) else value
    before = t._version
    t[tidx] = tval
    assert t._version == before + 1
    np.testing.assert_array_equal(t.numpy(), want)


def test_setitem_errors_and_casts() -> None:
    t = tt.zeros(2, 3, dtype=tt.int64)
    t[0] = 2.7  # cast to the tensor's dtype
    assert t[0].tolist() == [2, 2, 2]
    with pytest.raises(RuntimeError, match="shape mismatch"):
        t[0] = tt.ones(4)
    with pytest.raises(RuntimeError, match="clone"):
        tt.zeros(3).expand(2, 3)[0, 0] = 1.0


def test_gather_scatter_against_loops() -> None:
    a = RNG.standard_normal((3, 4))
    idx = RNG.integers(0, 3, (2, 4))
    got = tt.gather(tt.from_numpy(a), 0, tt.from_numpy(idx)).numpy()
    want = np.array([[a[idx[i, j], j] for j in range(4)] for i in range(2)])
    np.testing.assert_array_equal(got, want)
    idx1 = RNG.integers(0, 4, (3, 2))
    got = tt.from_numpy(a).gather(1, tt.from_numpy(idx1)).numpy()
    np.testing.assert_array_equal(got, np.take_along_axis(a, idx1, 1))
    src = RNG.standard_normal((2, 4))
    sidx = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
    out = np.zeros((3, 4))
    out2 = np.zeros((3, 4))
    for i in range(2):
        for j in range(4):
            out[sidx[i, j], j] = src[i, j]
            out2[sidx[i, j], j] += src[i, j]
    np.testing.assert_array_equal(
        tt.scatter(tt.zeros(3, 4, dtype=tt.float64), 0, tt.from_numpy(sidx), tt.from_numpy(src)).numpy(), out
    )
    np.testing.assert_allclose(
        tt.scatter_add(tt.zeros(3, 4, dtype=tt.float64), 0, tt.from_numpy(sidx), tt.from_numpy(src)).numpy(), out2
    )
    np.testing.assert_allclose(
        tt.zeros(3, 4, dtype=tt.float64).scatter(0, tt.from_numpy(sidx), tt.from_numpy(src), reduce="add").numpy(), out2
    )
    z = tt.zeros(3, 4, dtype=tt.float64)
    z.scatter_add_(0, tt.from_numpy(sidx), tt.from_numpy(src))
    np.testing.assert_allclose(z.numpy(), out2)
    assert tt.scatter(tt.zeros(3), 0, tt.tensor([2]), 5.0).tolist() == [0.0, 0.0, 5.0]
    assert tt.scatter_reduce(tt.ones(2), 0, tt.tensor([0, 0, 1]), tt.tensor([2.0, 4.0, 6.0]), "amax").tolist() == [
        4.0,
        6.0,
    ]
    assert tt.scatter_reduce(
        tt.ones(2), 0, tt.tensor([0, 0, 1]), tt.tensor([2.0, 4.0, 6.0]), "mean", include_self=False
    ).tolist() == [3.0, 6.0]
    with pytest.raises(RuntimeError, match="int64"):
        tt.gather(tt.ones(3), 0, tt.tensor([0.0]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        tt.gather(tt.ones(3, 3), 0, tt.tensor([0]))


def test_index_select_masked_take_nonzero() -> None:
    t = tt.from_numpy(X)
    i = tt.tensor([2, 0, 2])
    for d in (0, 1, 2):
        np.testing.assert_array_equal(tt.index_select(t, d, i).numpy(), np.take(X, [2, 0, 2], axis=d))
    m = X > 0
    np.testing.assert_array_equal(t.masked_select(tt.from_numpy(m)).numpy(), X[m])
    np.testing.assert_array_equal(tt.masked_fill(t, tt.from_numpy(m), 0.0).numpy(), np.where(m, 0, X))
    row_mask = tt.from_numpy(m[0, :, 0])  # broadcast over the leading dims
    np.testing.assert_array_equal(t.masked_fill(row_mask[:, None], -1).numpy(), np.where(m[0, :, 0][:, None], -1, X))
    with pytest.raises(RuntimeError, match="boolean masks"):
        t.masked_fill(tt.ones(3), 0.0)
    np.testing.assert_array_equal(tt.take(t, tt.tensor([[0, 5], [7, 59]])).numpy(), np.take(X, [[0, 5], [7, 59]]))
    with pytest.raises(IndexError):
        tt.take(t, tt.tensor([60]))
    np.testing.assert_array_equal(tt.nonzero(tt.from_numpy(m)).numpy(), np.argwhere(m))
    assert tt.nonzero(tt.from_numpy(m)).dtype == tt.int64
    for got, want in zip(tt.nonzero(tt.from_numpy(m), as_tuple=True), np.nonzero(m)):
        np.testing.assert_array_equal(got.numpy(), want)
    assert tt.argwhere(tt.tensor([0, 3])).tolist() == [[1]]
    assert tt.index_add(tt.zeros(3), 0, tt.tensor([0, 0, 2]), tt.tensor([1.0, 2.0, 3.0])).tolist() == [3.0, 0.0, 3.0]
    assert tt.index_fill(tt.zeros(3), 0, tt.tensor([1]), 5.0).tolist() == [0.0, 5.0, 0.0]
    assert tt.take_along_dim(tt.tensor([[1, 2], [3, 4]]), tt.tensor([[1], [0]]), 1).tolist() == [[2], [3]]
    assert tt.searchsorted(tt.tensor([1, 3, 5]), tt.tensor([3, 6])).tolist() == [1, 3]
    assert tt.searchsorted(tt.tensor([1, 3, 5]), tt.tensor([3]), right=True).tolist() == [2]
    assert tt.bucketize(tt.tensor([0, 4]), tt.tensor([1, 3, 5])).tolist() == [0, 2]
    rows = np.sort(RNG.standard_normal((3, 6)), 1)
    vals = RNG.standard_normal((3, 4))
    for side in ("left", "right"):
        got = tt.searchsorted(tt.from_numpy(rows), tt.from_numpy(vals), side=side).numpy()
        np.testing.assert_array_equal(got, [np.searchsorted(r, x, side=side) for r, x in zip(rows, vals)])
    with pytest.raises(RuntimeError, match="boundaries"):
        tt.searchsorted(tt.from_numpy(rows), tt.ones(2, 4))


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_sort_argsort_topk_kthvalue(dtype: Any) -> None:
    x = (RNG.standard_normal((4, 6)) * 5).astype(dtype)
    t = tt.from_numpy(x)
    for d in (0, 1, -1):
        v, i = tt.sort(t, d)
        np.testing.assert_array_equal(v.numpy(), np.sort(x, d))
        np.testing.assert_array_equal(np.take_along_axis(x, i.numpy(), d), v.numpy())
        v, i = t.sort(d, descending=True)
        np.testing.assert_array_equal(v.numpy(), -np.sort(-x, d))
        np.testing.assert_array_equal(tt.argsort(t, d, stable=True).numpy(), np.argsort(x, d, kind="stable"))
        for k in (1, 3):
            v, i = tt.topk(t, k, d)
            np.testing.assert_array_equal(v.numpy(), np.take(-np.sort(-x, d), range(k), axis=d))
            np.testing.assert_array_equal(np.take_along_axis(x, i.numpy(), d), v.numpy())
            v, i = t.topk(k, d, largest=False)
            np.testing.assert_array_equal(v.numpy(), np.take(np.sort(x, d), range(k), axis=d))
            v, i = tt.kthvalue(t, k, d)
            np.testing.assert_array_equal(v.numpy(), np.take(np.sort(x, d), k - 1, axis=d))
            np.testing.assert_array_equal(np.take_along_axis(x, np.expand_dims(i.numpy(), d), d).squeeze(d), v.numpy())
    big = tt.from_numpy(RNG.standard_normal(500).astype(dtype))
    np.testing.assert_array_equal(big.topk(7).values.numpy(), -np.sort(-big.numpy())[:7])
    assert tt.sort(tt.tensor([1, 2, 1, 2]), descending=True, stable=True).indices.tolist() == [1, 3, 0, 2]
    with pytest.raises(RuntimeError, match="out of range"):
        tt.topk(t, 7)
    with pytest.raises(RuntimeError, match="out of range"):
        tt.kthvalue(t, 0)


def test_unique() -> None:
    x = np.array([[3, 1, 3], [2, 1, 1]])
    t = tt.from_numpy(x)
    u, inv, cnt = tt.unique(t, return_inverse=True, return_counts=True)
    nu, ninv, ncnt = np.unique(x, return_inverse=True, return_counts=True)
    assert u.tolist() == nu.tolist() and inv.numpy().tolist() == ninv.reshape(x.shape).tolist()
    assert cnt.tolist() == ncnt.tolist() and inv.dtype == tt.int64
    assert t.unique().tolist() == [1, 2, 3]
    assert tt.unique(tt.tensor([[1, 2], [1, 2], [0, 1]]), dim=0).tolist() == [[0, 1], [1, 2]]
    v, inv2, c = tt.unique_consecutive(tt.tensor([1, 1, 2, 1]), return_inverse=True, return_counts=True)
    assert v.tolist() == [1, 2, 1] and inv2.tolist() == [0, 0, 1, 2] and c.tolist() == [2, 1, 1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_products_against_numpy(dtype: Any) -> None:
    a, b = RNG.standard_normal((3, 4)).astype(dtype), RNG.standard_normal((4, 5)).astype(dtype)
    v, w = RNG.standard_normal(4).astype(dtype), RNG.standard_normal(4).astype(dtype)
    ba, bb = RNG.standard_normal((2, 3, 4)).astype(dtype), RNG.standard_normal((2, 4, 5)).astype(dtype)
    T = tt.from_numpy
    tol: dict[str, Any] = {"rtol": 1e-5, "atol": 1e-5}
    np.testing.assert_allclose(tt.matmul(T(a), T(b)).numpy(), a @ b, **tol)
    np.testing.assert_allclose(tt.matmul(T(ba), T(b)).numpy(), ba @ b, **tol)
    np.testing.assert_allclose(tt.matmul(T(v), T(b)).numpy(), v @ b, **tol)
    np.testing.assert_allclose(tt.matmul(T(a), T(v)).numpy(), a @ v, **tol)
    np.testing.assert_allclose(tt.matmul(T(v), T(w)).numpy(), v @ w, **tol)
    np.testing.assert_allclose(tt.mm(T(a), T(b)).numpy(), a @ b, **tol)
    np.testing.assert_allclose(T(a).t().contiguous().t().mm(T(b)).numpy(), a @ b, **tol)  # non-contiguous operand
    np.testing.assert_allclose(tt.bmm(T(ba), T(bb)).numpy(), ba @ bb, **tol)
    np.testing.assert_allclose(tt.mv(T(a), T(v)).numpy(), a @ v, **tol)
    np.testing.assert_allclose(tt.dot(T(v), T(w)).numpy(), v @ w, **tol)
    np.testing.assert_allclose(tt.outer(T(v), T(w)).numpy(), np.outer(v, w), **tol)
    np.testing.assert_allclose(tt.einsum("bij,bjk->bik", T(ba), T(bb)).numpy(), ba @ bb, **tol)
    np.testing.assert_allclose(
        tt.einsum("ij,jk,k->i", [T(a), T(b), T(RNG.standard_normal(5).astype(dtype))]).shape, (3,)
    )
    np.testing.assert_allclose(
        tt.tensordot(T(ba), T(bb), dims=([0, 2], [0, 1])).numpy(), np.tensordot(ba, bb, ([0, 2], [0, 1])), **tol
    )
    np.testing.assert_allclose(tt.tensordot(T(a), T(b), 1).numpy(), a @ b, **tol)
    np.testing.assert_allclose(tt.addmm(T(b[0]), T(a), T(b), beta=2, alpha=0.5).numpy(), 2 * b[0] + 0.5 * a @ b, **tol)
    np.testing.assert_allclose(tt.trace(T(a[:, :3])).numpy(), np.trace(a[:, :3]), **tol)
    np.testing.assert_allclose(tt.kron(T(a), T(a)).numpy(), np.kron(a, a), **tol)
    np.testing.assert_allclose(tt.cross(T(a[:, :3]), T(a[:, 1:4]), dim=1).numpy(), np.cross(a[:, :3], a[:, 1:4]), **tol)
    np.testing.assert_allclose(tt.inner(T(v), T(w)).numpy(), np.inner(v, w), **tol)
    assert tt.matmul(T(a), T(b).double()).dtype == tt.float64
    assert tt.dot(tt.tensor([1, 2]), tt.tensor([3, 4])).item() == 11
    empty = tt.matmul(tt.zeros(0, 4, dtype=tt.float64), T(b.astype(np.float64)))
    assert empty.shape == (0, 5)


def test_product_errors() -> None:
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        tt.ones(2, 3) @ tt.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        tt.mm(tt.ones(2, 3), tt.ones(4, 5))
    with pytest.raises(RuntimeError, match="1D"):
        tt.matmul(tt.tensor(1.0), tt.ones(2))
    with pytest.raises(RuntimeError, match="3D"):
        tt.bmm(tt.ones(2, 3), tt.ones(3, 2))
    with pytest.raises(RuntimeError, match="inconsistent tensor size"):
        tt.dot(tt.ones(2), tt.ones(3))
    with pytest.raises(RuntimeError, match="same dtype"):
        tt.mm(tt.ones(2, 2), tt.ones(2, 2, dtype=tt.int64))
    with pytest.raises(RuntimeError, match="broadcastable"):
        tt.matmul(tt.ones(2, 2, 3), tt.ones(3, 3, 4))


@pytest.mark.parametrize("dtype", [tt.uint8, tt.int8, tt.bool])
def test_topk_on_integer_extremes(dtype: Any) -> None:
    info = np.iinfo(dtype) if dtype != tt.bool else None
    values = [0, 1] if info is None else [int(info.min), 0, int(info.max), 1]
    t = tt.tensor(values, dtype=dtype)
    want = sorted(values, reverse=True)[:2]
    assert t.topk(2).values.tolist() == ([bool(v) for v in want] if dtype == tt.bool else want)
    assert t.topk(1, largest=False).values.tolist() == ([bool(min(values))] if dtype == tt.bool else [min(values)])


def test_in_place_index_ops() -> None:
    t = tt.zeros(2, 3)
    assert t.index_fill_(1, tt.tensor([0, 2]), 5.0).tolist() == [[5.0, 0.0, 5.0], [5.0, 0.0, 5.0]]
    z = tt.zeros(3, 2)
    z.index_add_(0, tt.tensor([0, 0, 2]), tt.ones(3, 2), alpha=2)
    assert z.tolist() == [[4.0, 4.0], [0.0, 0.0], [2.0, 2.0]] and z._version == 1
    s = tt.zeros(3)
    assert s.scatter_(0, tt.tensor([1]), tt.tensor([7.0])).tolist() == [0.0, 7.0, 0.0]
    m = tt.ones(3, 3)
    assert m.clone().tril_().tolist() == np.tril(np.ones((3, 3))).tolist()
    assert m.triu_(1).tolist() == np.triu(np.ones((3, 3)), 1).tolist() and m._version == 1
