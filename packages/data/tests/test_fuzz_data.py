"""Regression tests for discrepancies with torch.utils.data found by differential fuzzing."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.data import DataLoader, IterableDataset, default_collate, get_worker_info


def arr(t: Any) -> np.ndarray[Any, Any]:
    assert isinstance(t, tt.Tensor)
    return np.asarray(t.array)


@pytest.mark.parametrize(
    ("batch", "dtype", "values"),
    [
        ([1, 2.5], np.float32, [1.0, 2.5]),  # was int64 [1, 2]: the float was truncated
        ([True, 2], np.int64, [1, 2]),  # was bool [True, True]
        ([1, True], np.int64, [1, 1]),
        ([True, False], np.bool_, [True, False]),
        ([3, 2**40], np.int64, [3, 2**40]),
    ],
)
def test_collate_mixed_python_numbers_are_not_truncated(batch: list[Any], dtype: Any, values: list[Any]) -> None:
    out = arr(default_collate(batch))
    assert out.dtype == dtype
    assert out.tolist() == values


def test_collate_mixed_int_and_str_raises_type_error() -> None:
    with pytest.raises(TypeError):
        default_collate([1, "a"])
    with pytest.raises(TypeError):
        default_collate([1, None])


@pytest.mark.parametrize("batch", [[2**63, 1], [2**70, 1]])
def test_collate_ints_beyond_int64_raise(batch: list[int]) -> None:
    with pytest.raises(OverflowError):
        default_collate(batch)


def test_collate_numpy_datetime_scalars_raise_the_collate_error() -> None:
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.datetime64("2020-01-01"), np.datetime64("2020-01-02")])


def test_collate_torch_parity_on_python_numbers() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    from torch.utils.data import default_collate as torch_collate

    for batch in ([1, 2.5], [True, 2], [1, True], [True, False], [1, 2], [{"a": 1, "b": [1, 2.5]}] * 2):
        ours, theirs = default_collate(batch), torch_collate(batch)
        if isinstance(theirs, dict):
            ours, theirs = ours["b"][1], theirs["b"][1]
        assert str(arr(ours).dtype) == str(theirs.dtype).removeprefix("torch.")
        assert arr(ours).tolist() == theirs.tolist()
    assert isinstance(torch.tensor(0), torch.Tensor)


class _Unsharded(IterableDataset[int]):
    """Every worker yields the whole range: more samples than ``len`` with several workers."""

    def __init__(self, n: int, length: int) -> None:
        self.n, self.length = n, length

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.n))

    def __len__(self) -> int:
        return self.length


class _Sharded(_Unsharded):
    def __iter__(self) -> Iterator[int]:
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def _length_warnings(loader: DataLoader[Any], call_len: bool = True) -> list[str]:
    if call_len:
        len(loader)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(loader)
    return [str(w.message) for w in caught if "Length of IterableDataset" in str(w.message)]


def test_iterable_len_warning_single_process() -> None:
    loader: DataLoader[Any] = DataLoader(_Unsharded(7, 5), batch_size=None)
    msgs = _length_warnings(loader)
    assert len(msgs) == 2  # the 6th and 7th samples
    assert "was reported to be 5" in msgs[0] and "but 6 samples have been fetched" in msgs[0]
    assert "multiprocessing" not in msgs[0]


def test_iterable_no_len_warning_without_len_call_or_within_len() -> None:
    assert _length_warnings(DataLoader(_Unsharded(7, 5), batch_size=None), call_len=False) == []
    assert _length_warnings(DataLoader(_Unsharded(7, 7), batch_size=2)) == []


def test_iterable_len_warning_with_unsharded_workers() -> None:
    loader: DataLoader[Any] = DataLoader(_Unsharded(7, 7), batch_size=2, num_workers=2)
    msgs = _length_warnings(loader)
    # 8 batches (4 per worker) against the reported len(dataset) of 7, counted as PyTorch counts them
    assert len(msgs) == 1 and "but 8 samples" in msgs[0] and "get_worker_info" in msgs[0]
    assert _length_warnings(DataLoader(_Sharded(7, 7), batch_size=2, num_workers=2)) == []


def test_iterable_len_warning_torch_parity() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")

    base: Any = torch.utils.data.IterableDataset

    class TorchUnsharded(base):  # type: ignore[misc]
        def __iter__(self) -> Iterator[int]:
            return iter(range(7))

        def __len__(self) -> int:
            return 5

    for kwargs in ({"batch_size": None}, {"batch_size": 1}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}):
        theirs = torch.utils.data.DataLoader(TorchUnsharded(), **kwargs)
        ours: DataLoader[Any] = DataLoader(_Unsharded(7, 5), **kwargs)
        assert len(ours) == len(theirs)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            list(theirs)
        expected = sum("Length of IterableDataset" in str(w.message) for w in caught)
        assert len(_length_warnings(ours)) == expected, kwargs
