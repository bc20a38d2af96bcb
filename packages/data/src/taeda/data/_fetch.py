"""Fetchers: turn one entry of the index stream into one batch (the same code in the main process and workers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from taeda.data.collate import default_collate
from taeda.data.dataset import Subset, TensorDataset
from taeda.data.sampler import batch_as_list

__all__ = ["IterableEnd", "batch_getter", "make_fetcher"]


@dataclass(frozen=True)
class IterableEnd:
    """A worker's iterable dataset is exhausted."""

    worker_id: int


def batch_getter(dataset: Any) -> Callable[[Any], Any] | None:
    """A function returning ``default_collate([dataset[i] for i in indices])`` with one fancy index per tensor.

    Only for datasets whose sample access is known (``TensorDataset`` and ``Subset`` of one, not overridden).
    """
    cls = type(dataset)
    if isinstance(dataset, TensorDataset) and cls.__getitem__ is TensorDataset.__getitem__:
        get: Callable[[Any], Any] = dataset._get_batch
        return get
    if (
        isinstance(dataset, Subset)
        and cls.__getitem__ is Subset.__getitem__
        and cls.__getitems__ is Subset.__getitems__
    ):
        inner = batch_getter(dataset.dataset)
        if inner is not None:
            mapping = np.asarray(dataset.indices, dtype=np.intp)
            return lambda indices: inner(
                mapping[indices if isinstance(indices, slice) else np.asarray(indices, np.intp)]
            )
    return None


class MapFetcher:
    """Fetches ``collate_fn([dataset[i] for i in batch])`` (or ``collate_fn(dataset[i])`` without batching)."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any]) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.fast = batch_getter(dataset) if auto_collation and collate_fn is default_collate else None
        self.getitems = getattr(dataset, "__getitems__", None)

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.fast is not None:
            return self.fast(index)
        indices = batch_as_list(index) if isinstance(index, np.ndarray | slice) else index
        if self.getitems is not None:
            data = self.getitems(indices)
        else:
            dataset = self.dataset
            data = [dataset[i] for i in indices]
        return self.collate_fn(data)


class IterableFetcher:
    """Fetches the next ``batch_size`` items of ``iter(dataset)`` (the next item without batching)."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any], drop_last: bool) -> None:
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, batch_size: int | None) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation or batch_size is None:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in range(batch_size):
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < batch_size):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(
    dataset: Any, is_iterable: bool, auto_collation: bool, collate_fn: Callable[[Any], Any], drop_last: bool
) -> MapFetcher | IterableFetcher:
    if is_iterable:
        return IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
    return MapFetcher(dataset, auto_collation, collate_fn)
