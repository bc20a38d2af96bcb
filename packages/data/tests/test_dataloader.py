"""DataLoader in the main process (num_workers=0): batching, samplers, the TensorDataset fast path, validation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    get_worker_info,
)


class Squares(Dataset[dict[str, Any]]):
    def __len__(self) -> int:
        return 10

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"x": np.full(2, i * i, np.float32), "i": i}


class Stream(IterableDataset[int]):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.n))

    def __len__(self) -> int:
        return self.n


def labels(loader: DataLoader[Any]) -> list[list[int]]:
    return [b["i"].array.tolist() for b in loader]


def test_batches_and_len() -> None:
    loader = DataLoader(Squares(), batch_size=4)
    assert len(loader) == 3
    assert labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    first = next(iter(loader))
    assert first["x"].shape == (4, 2) and first["x"].dtype == np.float32
    dropped = DataLoader(Squares(), batch_size=4, drop_last=True)
    assert len(dropped) == 2 and labels(dropped) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(iter(loader)) == 3  # type: ignore[arg-type]


def test_default_batch_size_is_one_and_none_disables_batching() -> None:
    assert labels(DataLoader(Squares()))[:2] == [[0], [1]]
    items = list(DataLoader(Squares(), batch_size=None))
    assert len(items) == 10 and isinstance(items[3]["x"], tt.Tensor) and items[3]["i"] == 3


def test_shuffle_reproducible_with_manual_seed_and_generator() -> None:
    tt.manual_seed(0)
    a = labels(DataLoader(Squares(), batch_size=3, shuffle=True))
    tt.manual_seed(0)
    b = labels(DataLoader(Squares(), batch_size=3, shuffle=True))
    assert a == b and sorted(i for batch in a for i in batch) == list(range(10))
    g1 = labels(DataLoader(Squares(), batch_size=3, shuffle=True, generator=tt.Generator().manual_seed(9)))
    g2 = labels(DataLoader(Squares(), batch_size=3, shuffle=True, generator=tt.Generator().manual_seed(9)))
    assert g1 == g2
    loader = DataLoader(Squares(), batch_size=10, shuffle=True, generator=tt.Generator().manual_seed(9))
    assert labels(loader) != labels(loader)  # a new order each epoch


def test_custom_sampler_batch_sampler_and_collate() -> None:
    loader = DataLoader(Squares(), batch_size=2, sampler=[9, 0, 5])
    assert labels(loader) == [[9, 0], [5]]
    bs = DataLoader(Squares(), batch_sampler=[[1, 2, 3], [7]])
    assert labels(bs) == [[1, 2, 3], [7]] and len(bs) == 2
    coll = DataLoader(Squares(), batch_size=3, collate_fn=lambda b: [s["i"] for s in b])
    assert list(coll) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_iterable_dataset() -> None:
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.array.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(loader) == 3
    assert [b.array.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert [int(b) for b in DataLoader(Stream(3), batch_size=None)] == [0, 1, 2]
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="sampler"):
        DataLoader(Stream(3), sampler=[0])


def per_sample(batch: list[Any]) -> Any:
    """default_collate behind another name: the loader's TensorDataset fast path does not apply."""
    return default_collate(batch)


def test_tensor_dataset_fast_path_equals_per_sample_collate() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((23, 1, 4, 4)).astype(np.float32)
    y = rng.integers(0, 10, 23)
    ds = TensorDataset(x, y)
    sub = Subset(ds, list(range(22, -1, -2)))
    for data in (ds, sub):
        for shuffle in (False, True):
            kw: dict[str, Any] = {"batch_size": 5, "shuffle": shuffle}
            tt.manual_seed(1)
            fast = list(DataLoader(data, **kw))
            tt.manual_seed(1)
            slow = list(DataLoader(data, collate_fn=per_sample, **kw))
            assert len(fast) == len(slow)
            for f, s in zip(fast, slow):
                assert type(f) is type(s) is list and len(f) == 2
                for a, b in zip(f, s):
                    assert a.dtype == b.dtype and a.shape == b.shape
                    np.testing.assert_array_equal(a.array, b.array)
    batch = next(iter(DataLoader(ds, batch_size=4)))
    batch[0].array[...] = 0  # a batch is a copy, never a view of the dataset
    assert np.any(x[:4] != 0)


def test_get_worker_info_is_none_in_main_process() -> None:
    assert get_worker_info() is None


def test_argument_validation() -> None:
    ds = Squares()
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="timeout"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="start method"):
        iter(DataLoader(ds, num_workers=1, multiprocessing_context="no-such-method"))
    loader = DataLoader(ds, batch_size=2, pin_memory=True)  # accepted; a no-op on CPU
    assert labels(loader)[0] == [0, 1]
    assert isinstance(loader.batch_sampler, BatchSampler) and isinstance(loader.sampler, SequentialSampler)


@pytest.mark.torch
def test_len_and_batches_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(37, dtype=np.float32)
    for bs, drop in [(5, False), (5, True), (37, False), (64, True)]:
        theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x)), bs, drop_last=drop)
        ours = DataLoader(TensorDataset(x), bs, drop_last=drop)
        assert len(ours) == len(theirs)
        assert [b[0].array.tolist() for b in ours] == [b[0].tolist() for b in theirs]
