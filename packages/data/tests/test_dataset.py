from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)


class Range(IterableDataset[int]):
    def __init__(self, start: int, stop: int) -> None:
        self.start, self.stop = start, stop

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.start, self.stop))

    def __len__(self) -> int:
        return self.stop - self.start


def test_tensor_dataset_indexing() -> None:
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.arange(4)
    ds = TensorDataset(tt.from_numpy(x), y)
    assert len(ds) == 4
    a, b = ds[2]
    assert isinstance(a, tt.Tensor) and isinstance(b, tt.Tensor)
    np.testing.assert_array_equal(a.array, x[2])
    assert b.array.item() == 2 and a.dtype == np.float32
    assert ds[-1][1].array.item() == 3
    assert isinstance(ds.tensors[0], tt.Tensor)


def test_tensor_dataset_size_mismatch_names_sizes() -> None:
    with pytest.raises(ValueError, match=r"\[4, 5\]"):
        TensorDataset(np.zeros((4, 2)), np.zeros(5))
    with pytest.raises(ValueError):
        TensorDataset(np.float32(1.0))


def test_base_classes_require_methods() -> None:
    with pytest.raises(TypeError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(TypeError, match="__iter__"):
        iter(IterableDataset())


def test_concat_dataset() -> None:
    a = TensorDataset(np.arange(3))
    b = TensorDataset(np.arange(10, 14))
    ds = ConcatDataset([a, b])
    assert len(ds) == 7 and ds.cumulative_sizes == [3, 7]
    assert [ds[i][0].array.item() for i in range(7)] == [0, 1, 2, 10, 11, 12, 13]
    assert ds[-1][0].array.item() == 13
    assert len(a + b) == 7
    with pytest.raises(IndexError):
        ds[7]
    with pytest.raises(ValueError):
        ds[-8]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([Range(0, 2)])


def test_chain_dataset() -> None:
    ds = ChainDataset([Range(0, 2), Range(5, 7)])
    assert list(ds) == [0, 1, 5, 6]
    assert len(ds) == 4
    assert list(Range(0, 1) + Range(3, 4)) == [0, 3]
    with pytest.raises(TypeError):
        list(ChainDataset([TensorDataset(np.arange(2))]))


def test_subset_and_getitems() -> None:
    base = TensorDataset(np.arange(10) * 10)
    s = Subset(base, [7, 2, 5])
    assert len(s) == 3
    assert s[0][0].array.item() == 70
    assert [x[0].array.item() for x in s.__getitems__([2, 0])] == [50, 70]


def test_stack_dataset_tuple_and_dict() -> None:
    a = TensorDataset(np.arange(3))
    b = TensorDataset(np.arange(3) + 5)
    t = StackDataset(a, b)
    assert len(t) == 3 and t[1][1][0].array.item() == 6
    d = StackDataset(x=a, y=b)
    assert set(d[2]) == {"x", "y"} and d[2]["y"][0].array.item() == 7
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(a, TensorDataset(np.arange(4)))
    with pytest.raises(ValueError):
        StackDataset(a, y=b)
    with pytest.raises(ValueError):
        StackDataset()


def test_random_split_lengths_partition_and_reproducible() -> None:
    ds = TensorDataset(np.arange(20))
    parts = random_split(ds, [5, 15], generator=tt.Generator().manual_seed(3))
    assert [len(p) for p in parts] == [5, 15]
    idx = sorted(i for p in parts for i in p.indices)
    assert idx == list(range(20))
    again = random_split(ds, [5, 15], generator=tt.Generator().manual_seed(3))
    assert [list(p.indices) for p in parts] == [list(p.indices) for p in again]
    other = random_split(ds, [5, 15], generator=tt.Generator().manual_seed(4))
    assert [list(p.indices) for p in parts] != [list(p.indices) for p in other]


def test_random_split_fractions_remainder_round_robin() -> None:
    ds = TensorDataset(np.arange(10))
    # floor(3.33)=3 each, remainder 1 goes to the first split (PyTorch's rule)
    assert [len(p) for p in random_split(ds, [1 / 3, 1 / 3, 1 / 3])] == [4, 3, 3]
    assert [len(p) for p in random_split(TensorDataset(np.arange(11)), [0.25, 0.25, 0.25, 0.25])] == [3, 3, 3, 2]
    with pytest.warns(UserWarning, match="index 1 is 0"):
        random_split(TensorDataset(np.arange(2)), [0.9, 0.1])


def test_random_split_bad_lengths_raise() -> None:
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match=r"Sum of input lengths \(9\)"):
        random_split(ds, [4, 5])
    with pytest.raises(ValueError):
        random_split(ds, [0.5, 0.6])
    with pytest.raises(ValueError):
        random_split(ds, [-1, 11])


@pytest.mark.torch
def test_random_split_lengths_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for n, fr in [(10, [1 / 3, 1 / 3, 1 / 3]), (11, [0.25] * 4), (7, [0.5, 0.5]), (101, [0.1, 0.2, 0.7])]:
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fr)]
        ours = [len(p) for p in random_split(TensorDataset(np.arange(n)), fr)]
        assert ours == theirs
