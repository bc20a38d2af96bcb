"""Shape ops against NumPy: views, joins, splits, triangles and their PyTorch errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


@pytest.mark.parametrize(
    ("fn", "ref"),
    [
        (lambda t: t.view(6, 4), lambda x: x.reshape(6, 4)),
        (lambda t: t.view(-1), lambda x: x.reshape(-1)),
        (lambda t: t.view((4, -1)), lambda x: x.reshape(4, -1)),
        (lambda t: tt.view(t, 2, 12), lambda x: x.reshape(2, 12)),
        (lambda t: t.reshape(4, 6), lambda x: x.reshape(4, 6)),
        (lambda t: tt.reshape(t.transpose(0, 2), (-1,)), lambda x: x.transpose(2, 1, 0).reshape(-1)),
        (lambda t: t.flatten(), lambda x: x.reshape(-1)),
        (lambda t: t.flatten(1), lambda x: x.reshape(2, 12)),
        (lambda t: tt.flatten(t, 0, 1), lambda x: x.reshape(6, 4)),
        (lambda t: t.unflatten(2, (2, 2)), lambda x: x.reshape(2, 3, 2, 2)),
        (lambda t: t.ravel(), lambda x: x.ravel()),
        (lambda t: t.unsqueeze(1).squeeze(1), lambda x: x),
        (lambda t: t[:, :1].squeeze(), lambda x: x[:, 0]),
        (lambda t: t[:1, :1].squeeze((0, 1)), lambda x: x[0, 0]),
        (lambda t: t.squeeze(0), lambda x: x),
        (lambda t: t.unsqueeze(-1), lambda x: x[..., None]),
        (lambda t: t.transpose(0, 2), lambda x: x.transpose(2, 1, 0)),
        (lambda t: tt.swapaxes(t, 1, 2), lambda x: x.swapaxes(1, 2)),
        (lambda t: t.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1)),
        (lambda t: t.permute((1, 2, 0)), lambda x: x.transpose(1, 2, 0)),
        (lambda t: t.movedim(0, -1), lambda x: np.moveaxis(x, 0, -1)),
        (lambda t: t.mT, lambda x: x.swapaxes(-1, -2)),
        (lambda t: t[0].T, lambda x: x[0].T),
        (lambda t: t[0].t(), lambda x: x[0].T),
        (lambda t: t[:, :1].expand(2, 3, 4), lambda x: np.broadcast_to(x[:, :1], (2, 3, 4))),
        (lambda t: t[:, :1].expand(5, -1, 3, -1), lambda x: np.broadcast_to(x[:, :1], (5, 2, 3, 4))),
        (lambda t: t[0, 0].expand_as(t), lambda x: np.broadcast_to(x[0, 0], x.shape)),
        (lambda t: t.repeat(1, 2, 1), lambda x: np.tile(x, (1, 2, 1))),
        (lambda t: t.repeat(2, 1, 1, 1), lambda x: np.tile(x, (2, 1, 1, 1))),
        (lambda t: t.tile((2,)), lambda x: np.tile(x, 2)),
        (lambda t: t.flip(0, 2), lambda x: x[::-1, :, ::-1]),
        (lambda t: tt.fliplr(t[0]), lambda x: x[0][:, ::-1]),
        (lambda t: tt.flipud(t[0]), lambda x: x[0][::-1]),
        (lambda t: t.roll(1), lambda x: np.roll(x, 1)),
        (lambda t: t.roll((1, -1), (0, 2)), lambda x: np.roll(x, (1, -1), (0, 2))),
        (lambda t: t.narrow(2, 1, 2), lambda x: x[:, :, 1:3]),
        (lambda t: t.narrow(1, -2, 2), lambda x: x[:, 1:3]),
        (lambda t: t.select(1, -1), lambda x: x[:, -1]),
        (lambda t: t[0].tril(), lambda x: np.tril(x[0])),
        (lambda t: t.triu(1), lambda x: np.triu(x, 1)),
        (lambda t: tt.tril(t, -1), lambda x: np.tril(x, -1)),
        (lambda t: t[0].diag(), lambda x: np.diag(x[0])),
        (lambda t: tt.diag(t[0, 0], 1), lambda x: np.diag(x[0, 0], 1)),
        (lambda t: t.diagonal(), lambda x: x.diagonal()),
        (lambda t: t.diagonal(1, 1, 2), lambda x: x.diagonal(1, 1, 2)),
        (lambda t: tt.diag_embed(t[0]), lambda x: np.stack([np.diag(r) for r in x[0]])),
        (lambda t: tt.atleast_2d(t[0, 0, 0]), lambda x: np.atleast_2d(x[0, 0, 0])),
        (lambda t: tt.atleast_3d(t[0, 0]), lambda x: np.atleast_3d(x[0, 0])),
        (lambda t: tt.broadcast_to(t[0, 0], (3, 4)), lambda x: np.broadcast_to(x[0, 0], (3, 4))),
    ],
)
def test_shape_ops_against_numpy(fn: Any, ref: Any) -> None:
    for x in (X, X[:, ::-1]):  # contiguous and non-contiguous
        got = fn(tt.as_tensor(x) if x.flags.c_contiguous else tt.as_tensor(x).contiguous())
        want = ref(x)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got.numpy(), want)


def test_view_errors_point_to_reshape() -> None:
    t = tt.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"Use \.reshape\(\.\.\.\) instead"):
        t.t().view(6)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        t.view(-1, -1)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        t.view(4, 2)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        t.reshape(5)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        t.view(-1, 4)
    assert t.t().reshape(6).shape == (6,)
    assert t.view(tt.int32).shape == (2, 3)  # reinterpret the bytes, as PyTorch's view(dtype)


def test_shape_op_errors() -> None:
    t = tt.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the existing size \(3\)"):
        t.expand(2, 4)
    with pytest.raises(RuntimeError, match="number of dimensions"):
        t.permute(1, 0, 2)
    with pytest.raises(RuntimeError, match="t\\(\\) expects"):
        tt.zeros(2, 2, 2).t()
    with pytest.raises(IndexError, match="exceeds dimension size"):
        t.narrow(1, 2, 2)
    with pytest.raises(IndexError):
        t.select(0, 2)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        tt.tril(tt.zeros(3))
    with pytest.raises(RuntimeError, match="can not be smaller"):
        t.repeat(2)


def test_cat_stack_and_friends() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.ones((2, 2))
    ta, tb = tt.from_numpy(a), tt.from_numpy(b)
    np.testing.assert_array_equal(tt.cat([ta, tb], 1).numpy(), np.concatenate([a, b], 1))
    np.testing.assert_array_equal(tt.cat((ta, ta), dim=-2).numpy(), np.concatenate([a, a], 0))
    np.testing.assert_array_equal(tt.concat([ta, ta]).numpy(), np.concatenate([a, a]))
    assert tt.cat([tt.zeros(0), ta]).shape == (2, 3)  # legacy: 1-D empty tensors are skipped
    assert tt.cat([tt.ones(2, dtype=tt.int64), tt.ones(2)]).dtype == tt.float32
    np.testing.assert_array_equal(tt.stack([ta, ta], 1).numpy(), np.stack([a, a], 1))
    np.testing.assert_array_equal(tt.stack([ta, ta], -1).numpy(), np.stack([a, a], -1))
    np.testing.assert_array_equal(tt.hstack([ta, tb]).numpy(), np.hstack([a, b]))
    np.testing.assert_array_equal(tt.vstack([ta[0], ta[1]]).numpy(), np.vstack([a[0], a[1]]))
    np.testing.assert_array_equal(tt.dstack([ta, ta]).numpy(), np.dstack([a, a]))
    np.testing.assert_array_equal(tt.column_stack([ta[0], ta[1]]).numpy(), np.column_stack([a[0], a[1]]))
    out = tt.empty(4, 3, dtype=tt.float64)
    assert tt.cat([ta, ta], out=out) is out and out.sum().item() == 2 * a.sum()
    with pytest.raises(
        RuntimeError,
        match=r"Sizes of tensors must match except in dimension 0\. Expected size 3 but got size 2 for tensor number 1",
    ):
        tt.cat([ta, tb])
    with pytest.raises(
        RuntimeError,
        match=r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[2, 2\] at entry 1",
    ):
        tt.stack([ta, tb])
    with pytest.raises(RuntimeError, match="non-empty"):
        tt.cat([])
    with pytest.raises(TypeError):
        tt.cat(ta)
    with pytest.raises(RuntimeError, match="zero-dimensional"):
        tt.cat([tt.tensor(1.0), tt.tensor(2.0)])


def test_splits() -> None:
    t = tt.arange(10).view(2, 5)
    assert [p.shape[1] for p in t.split(2, 1)] == [2, 2, 1]
    assert [p.shape[1] for p in tt.split(t, [1, 4], dim=1)] == [1, 4]
    assert [p.shape[1] for p in t.chunk(3, 1)] == [2, 2, 1]
    assert [p.shape[0] for p in tt.chunk(tt.arange(6), 4)] == [2, 2, 2]
    assert [p.tolist() for p in tt.tensor_split(tt.arange(7), 3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [p.tolist() for p in tt.tensor_split(tt.arange(7), [1, 5])] == [[0], [1, 2, 3, 4], [5, 6]]
    assert t.unbind(1)[0].tolist() == [0, 5]
    with pytest.raises(RuntimeError, match="sum exactly to 5"):
        t.split([1, 2], 1)
    x = np.arange(7)
    for k in (1, 2, 3, 7):
        assert [p.tolist() for p in tt.tensor_split(tt.from_numpy(x), k)] == [p.tolist() for p in np.array_split(x, k)]


def test_broadcast_helpers_and_meshgrid() -> None:
    a, b = tt.broadcast_tensors(tt.zeros(2, 1), tt.ones(3))
    assert a.shape == b.shape == (2, 3)
    assert tt.broadcast_shapes((2, 1), (1, 3), (3,)) == (2, 3)
    with pytest.raises(RuntimeError, match="must match"):
        tt.broadcast_shapes((2,), (3,))
    gx, gy = tt.meshgrid(tt.arange(2), tt.arange(3))
    nx, ny = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    np.testing.assert_array_equal(gx.numpy(), nx)
    np.testing.assert_array_equal(gy.numpy(), ny)
    assert tt.meshgrid([tt.arange(2), tt.arange(3)], indexing="xy")[0].shape == (3, 2)


def test_zero_dim_and_empty_shapes() -> None:
    s = tt.tensor(5.0)
    assert s.view(1).shape == (1,) and s.reshape(1, 1).shape == (1, 1) and s.unsqueeze(0).shape == (1,)
    assert s.flatten().shape == (1,) and s.squeeze().shape == () and s.t().shape == ()
    e = tt.zeros(0, 3)
    assert e.view(3, 0).shape == (3, 0) and e.t().shape == (3, 0) and tt.cat([e, e]).shape == (0, 3)
    assert e.view(-1, 3).shape == (0, 3)
