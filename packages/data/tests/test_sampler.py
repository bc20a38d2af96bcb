"""Sampler distributions, checked with fixed seeds against bounds of at least 5 standard deviations."""

from __future__ import annotations

import math

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.data import (
    BatchSampler,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def gen(seed: int) -> tt.Generator:
    return tt.Generator().manual_seed(seed)


def within(count: float, n: int, p: float, sigmas: float = 5.0) -> bool:
    return abs(count - n * p) <= sigmas * math.sqrt(n * p * (1 - p))


def test_sequential() -> None:
    s = SequentialSampler(range(4))
    assert list(s) == [0, 1, 2, 3] and len(s) == 4


def test_random_sampler_is_a_uniform_permutation() -> None:
    s = RandomSampler(range(5), generator=gen(0))
    first = np.zeros(5)
    for _ in range(2000):
        order = list(s)
        assert sorted(order) == [0, 1, 2, 3, 4]
        first[order[0]] += 1
    assert all(within(c, 2000, 0.2) for c in first)


def test_random_sampler_reproducible_and_epochs_differ() -> None:
    a = RandomSampler(range(50), generator=gen(1))
    b = RandomSampler(range(50), generator=gen(1))
    ea, eb = list(a), list(b)
    assert ea == eb
    assert list(a) != ea
    tt.manual_seed(5)
    c = list(RandomSampler(range(50)))
    tt.manual_seed(5)
    assert list(RandomSampler(range(50))) == c


def test_random_sampler_replacement_and_num_samples() -> None:
    s = RandomSampler(range(10), replacement=True, num_samples=20000, generator=gen(2))
    draws = np.array(list(s))
    assert len(s) == 20000 and draws.shape == (20000,)
    counts = np.bincount(draws, minlength=10)
    assert all(within(c, 20000, 0.1) for c in counts)
    # without replacement and more samples than items: whole permutations back to back
    s2 = RandomSampler(range(4), num_samples=10, generator=gen(3))
    out = list(s2)
    assert len(out) == 10 and sorted(out[:4]) == [0, 1, 2, 3] and sorted(out[4:8]) == [0, 1, 2, 3]


def test_random_sampler_validation() -> None:
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(3), replacement=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(0))
    assert list(RandomSampler(range(0), num_samples=3)) == []


def test_subset_random_sampler() -> None:
    idx = [3, 8, 11, 20]
    s = SubsetRandomSampler(idx, generator=gen(4))
    first = dict.fromkeys(idx, 0)
    for _ in range(2000):
        out = list(s)
        assert sorted(out) == idx
        first[out[0]] += 1
    assert len(s) == 4 and all(within(c, 2000, 0.25) for c in first.values())


def test_weighted_random_sampler_frequencies() -> None:
    w = [1.0, 0.0, 3.0, 6.0]
    s = WeightedRandomSampler(w, 30000, generator=gen(5))
    counts = np.bincount(np.array(list(s)), minlength=4)
    assert counts[1] == 0
    for c, p in zip(counts, [0.1, 0.0, 0.3, 0.6]):
        if p:
            assert within(c, 30000, p)
    assert len(s) == 30000


def test_weighted_random_sampler_without_replacement() -> None:
    s = WeightedRandomSampler(tt.from_numpy(np.array([1.0, 1.0, 0.0, 5.0])), 3, replacement=False, generator=gen(6))
    for _ in range(20):
        assert sorted(s) == [0, 1, 3]
    with pytest.raises(RuntimeError):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="1d"):
        WeightedRandomSampler(np.ones((1, 1)), 1)
    with pytest.raises(RuntimeError):
        WeightedRandomSampler([-1.0, 2.0], 1)


def test_batch_sampler() -> None:
    assert list(BatchSampler(SequentialSampler(range(7)), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(SequentialSampler(range(7)), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]  # plain iterable
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last"):
        BatchSampler(range(3), 1, 0)  # type: ignore[arg-type]
    items = list(BatchSampler(RandomSampler(range(10), generator=gen(7)), 4, False))
    assert [len(b) for b in items] == [4, 4, 2] and sorted(i for b in items for i in b) == list(range(10))
    assert all(type(i) is int for b in items for i in b)


def test_subclass_overriding_iter_is_respected() -> None:
    class Reversed(SequentialSampler):
        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(range(len(self.data_source) - 1, -1, -1))

    assert list(BatchSampler(Reversed(range(4)), 3, False)) == [[3, 2, 1], [0]]

    class Custom(Sampler[int]):
        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter([2, 0])

    assert list(Custom()) == [2, 0]


def test_distributed_sampler_shards_are_disjoint_and_padded() -> None:
    n, r = 10, 3
    shards = [list(DistributedSampler(range(n), num_replicas=r, rank=k, shuffle=False)) for k in range(r)]
    assert shards == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    assert all(len(DistributedSampler(range(n), num_replicas=r, rank=k)) == 4 for k in range(r))
    dropped = [
        list(DistributedSampler(range(n), num_replicas=r, rank=k, shuffle=False, drop_last=True)) for k in range(r)
    ]
    assert dropped == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]


def test_distributed_sampler_shuffle_epochs_and_seed() -> None:
    samplers = [DistributedSampler(range(12), num_replicas=2, rank=k, seed=7) for k in range(2)]
    e0 = [list(s) for s in samplers]
    assert sorted(e0[0] + e0[1]) == list(range(12))
    assert e0[0] == list(samplers[0])  # same epoch, same order
    for s in samplers:
        s.set_epoch(1)
    e1 = [list(s) for s in samplers]
    assert sorted(e1[0] + e1[1]) == list(range(12)) and e1 != e0
    other_seed = list(DistributedSampler(range(12), num_replicas=2, rank=0, seed=8))
    assert other_seed != e0[0]


def test_distributed_sampler_uniform_over_epochs() -> None:
    s = DistributedSampler(range(6), num_replicas=2, rank=0, seed=1)
    counts = np.zeros(6)
    for epoch in range(1200):
        s.set_epoch(epoch)
        counts[next(iter(s))] += 1
    assert all(within(c, 1200, 1 / 6) for c in counts)


def test_distributed_sampler_validation() -> None:
    with pytest.raises(ValueError, match="rank"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas"):
        DistributedSampler(range(4))


@pytest.mark.torch
def test_distributed_and_batch_sampler_match_torch() -> None:
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    for n, r, drop in [(10, 3, False), (10, 3, True), (7, 2, False), (8, 4, True)]:
        for k in range(r):
            theirs = list(tdata.DistributedSampler(range(n), num_replicas=r, rank=k, shuffle=False, drop_last=drop))
            ours = list(DistributedSampler(range(n), num_replicas=r, rank=k, shuffle=False, drop_last=drop))
            assert ours == theirs
    for n, bs, drop in [(10, 3, False), (10, 3, True), (4, 4, False)]:
        theirs_b = list(tdata.BatchSampler(tdata.SequentialSampler(range(n)), bs, drop))
        assert list(BatchSampler(SequentialSampler(range(n)), bs, drop)) == theirs_b
