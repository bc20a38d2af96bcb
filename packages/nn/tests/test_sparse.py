"""Embedding and EmbeddingBag: lookups, padding_idx, max_norm, bags against NumPy, gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck

RNG = np.random.default_rng(6)


def test_embedding_lookup_and_gradients() -> None:
    emb = nn.Embedding(6, 3, padding_idx=0).double()
    idx = np.array([[1, 0, 4], [4, 4, 2]])
    out = emb(tt.as_tensor(idx))
    np.testing.assert_array_equal(out.data.numpy(), emb.weight.data.numpy()[idx])
    (out * tt.as_tensor(RNG.standard_normal((2, 3, 3)))).sum().backward()
    g = emb.weight.grad
    assert g is not None
    assert np.all(g.data.numpy()[0] == 0) and np.all(g.data.numpy()[[3, 5]] == 0)
    w = Variable(tt.as_tensor(RNG.standard_normal((6, 3))), requires_grad=True)
    assert gradcheck(lambda a: F.embedding(tt.as_tensor(idx), a), (w,))
    w.grad = None
    F.embedding(tt.as_tensor(idx), w, scale_grad_by_freq=True).sum().backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data.numpy()[4], np.ones(3))  # 3 occurrences / frequency 3
    assert repr(emb) == "Embedding(6, 3, padding_idx=0)"
    with pytest.raises(IndexError, match="index out of range"):
        emb(tt.as_tensor(np.array([6])))
    with pytest.raises(IndexError, match="index out of range"):
        emb(tt.as_tensor(np.array([-1])))
    with pytest.raises(RuntimeError, match="integer type"):
        emb(tt.ones(2))


@pytest.mark.parametrize("padding_idx", [None, 3])
@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_gradient_with_many_lookups(padding_idx: int | None, scale: bool, dtype: Any) -> None:
    # 600 lookups (repeats in every row): the weight gradient goes through the sparse row-sum path
    idx = RNG.integers(0, 40, (20, 30))
    w = Variable(tt.as_tensor(RNG.standard_normal((40, 7)).astype(dtype)), requires_grad=True)
    g = RNG.standard_normal((20, 30, 7)).astype(dtype)
    F.embedding(tt.as_tensor(idx), w, padding_idx=padding_idx, scale_grad_by_freq=scale).backward(tt.as_tensor(g))
    ref = np.zeros((40, 7))
    counts = np.bincount(idx.reshape(-1), minlength=40)
    for i, row in zip(idx.reshape(-1), g.reshape(-1, 7).astype(np.float64)):
        ref[i] += row / counts[i] if scale else row
    if padding_idx is not None:
        ref[padding_idx] = 0
    assert w.grad is not None and w.grad.dtype == w.dtype
    np.testing.assert_allclose(w.grad.data.numpy(), ref, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


def test_embedding_max_norm_renormalises_in_place() -> None:
    emb = nn.Embedding(4, 5, max_norm=1.0)
    emb.weight.data.mul_(10.0)
    out = emb(tt.as_tensor(np.array([1, 2])))
    norms = np.linalg.norm(emb.weight.data.numpy(), axis=1)
    assert np.all(norms[[1, 2]] <= 1.0 + 1e-5) and np.all(norms[[0, 3]] > 1.0)
    np.testing.assert_allclose(np.linalg.norm(out.data.numpy(), axis=1), 1.0, rtol=1e-5)


def test_from_pretrained() -> None:
    w = tt.as_tensor(RNG.standard_normal((3, 2)).astype(np.float32))
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(tt.as_tensor(np.array([2]))).data.numpy(), w.numpy()[[2]])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_matches_numpy(mode: str) -> None:
    w = RNG.standard_normal((10, 3))
    flat = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    offsets = np.array([0, 4, 4])  # the middle bag is empty
    bags = [flat[0:4], flat[4:4], flat[4:]]
    red: Any = {"sum": np.sum, "mean": np.mean, "max": np.max}[mode]
    ref = np.stack([red(w[b], axis=0) if len(b) else np.zeros(3) for b in bags])
    out = F.embedding_bag(tt.as_tensor(flat), tt.as_tensor(w), tt.as_tensor(offsets), mode=mode)
    np.testing.assert_allclose(out.data.numpy(), ref, rtol=1e-12)
    wv = Variable(tt.as_tensor(w), requires_grad=True)
    assert gradcheck(lambda a: F.embedding_bag(tt.as_tensor(flat), a, tt.as_tensor(offsets), mode=mode), (wv,))
    grid = np.array([[1, 2], [3, 3]])
    ref2 = np.stack([red(w[r], axis=0) for r in grid])
    np.testing.assert_allclose(F.embedding_bag(tt.as_tensor(grid), tt.as_tensor(w), mode=mode).data.numpy(), ref2)


def test_embedding_bag_weights_padding_and_module() -> None:
    w = RNG.standard_normal((5, 2))
    flat, offsets = np.array([0, 1, 2, 1]), np.array([0, 2])
    psw = RNG.random(4)
    out = F.embedding_bag(tt.as_tensor(flat), tt.as_tensor(w), tt.as_tensor(offsets), mode="sum",
                          per_sample_weights=tt.as_tensor(psw))  # fmt: skip
    ref = np.stack([w[0] * psw[0] + w[1] * psw[1], w[2] * psw[2] + w[1] * psw[3]])
    np.testing.assert_allclose(out.data.numpy(), ref)
    out = F.embedding_bag(tt.as_tensor(flat), tt.as_tensor(w), tt.as_tensor(offsets), mode="mean", padding_idx=1)
    np.testing.assert_allclose(out.data.numpy(), np.stack([w[0], w[2]]))
    bag = nn.EmbeddingBag(10, 3, mode="sum")
    assert repr(bag) == "EmbeddingBag(10, 3, mode='sum')"
    assert tuple(bag(tt.as_tensor(np.array([1, 2, 3])), tt.as_tensor(np.array([0, 1]))).shape) == (2, 3)
    with pytest.raises(ValueError, match="per_sample_weights"):
        F.embedding_bag(
            tt.as_tensor(flat), tt.as_tensor(w), tt.as_tensor(offsets), per_sample_weights=tt.as_tensor(psw)
        )
