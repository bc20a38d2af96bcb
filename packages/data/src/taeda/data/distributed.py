"""``DistributedSampler``: each of ``num_replicas`` processes sees its own shard of the dataset."""

from __future__ import annotations

from collections.abc import Iterator, Sized
from typing import Any

import numpy as np

from taeda.data.sampler import Sampler, register_array_sampler

__all__ = ["DistributedSampler"]


@register_array_sampler
class DistributedSampler(Sampler[int]):
    """Restricts loading to the shard of replica ``rank`` out of ``num_replicas``, as PyTorch's.

    All replicas must use the same ``seed`` and call `set_epoch` before each epoch, so that they shuffle
    alike and their shards stay disjoint. Without ``drop_last`` the index list is padded by repeating indices from
    its start so that it divides evenly; with it, the tail is dropped.

    Examples:
        >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
        [1, 3, 0]
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            raise ValueError(
                "taeda has no process group: pass num_replicas= and rank= to DistributedSampler explicitly"
            )
        if num_replicas < 1:
            raise ValueError(f"num_replicas should be a positive integer, but got num_replicas={num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = n // self.num_replicas
        else:
            self.num_samples = -(-n // self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _index_array(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        n = len(self.dataset)
        if self.shuffle:
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, self.epoch])))
            indices = rng.permutation(n).astype(np.int64)
        else:
            indices = np.arange(n, dtype=np.int64)
        if not self.drop_last:
            padding = self.total_size - n
            if padding > 0:
                reps = -(-padding // n) if n else 0
                indices = np.concatenate([indices, np.tile(indices, reps)[:padding]])
        else:
            indices = indices[: self.total_size]
        return indices[self.rank : self.total_size : self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch that seeds this epoch's shuffle (call it before creating each epoch's iterator)."""
        self.epoch = epoch
