"""``DataLoader``: configuration only; iterating it makes a single-process or a multi-process iterator."""

from __future__ import annotations

import itertools
import multiprocessing
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.context import BaseContext
from typing import Any, Generic, TypeVar

from taeda.data._fetch import make_fetcher
from taeda.data._tensor import Generator, draw_seed
from taeda.data.collate import default_collate, default_convert
from taeda.data.dataset import Dataset, IterableDataset
from taeda.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, index_array_of

__all__ = ["DataLoader"]

T_co = TypeVar("T_co", covariant=True)


class _InfiniteConstantSampler(Sampler[None]):
    """The sampler of an IterableDataset: yields None forever (the dataset decides when to stop)."""

    def __iter__(self) -> Iterator[None]:
        return itertools.repeat(None)


class DataLoader(Generic[T_co]):
    """Iterates over batches of a dataset, optionally loading them in worker processes.

    Args (as PyTorch's): ``batch_size=1`` (None disables batching), ``shuffle``, ``sampler``, ``batch_sampler``,
    ``num_workers=0`` (0 loads in the main process), ``collate_fn`` (``default_collate``, or ``default_convert``
    without batching), ``pin_memory`` (accepted and ignored: CPU arrays need no pinning, and batches are not moved to
    the GPU by the loader), ``drop_last``, ``timeout`` (seconds to wait for a batch from the workers; 0 waits as long
    as the workers live), ``worker_init_fn(worker_id)``, ``multiprocessing_context`` (``"fork"``, ``"spawn"``,
    ``"forkserver"`` or a context), ``generator`` (draws the shuffling and worker seeds), ``prefetch_factor=2``
    batches in flight per worker, ``persistent_workers`` (keep workers between epochs).

    Each worker seeds ``random``, NumPy's global RNG and taeda's default generator from
    ``SeedSequence([base_seed, epoch, worker_id])`` where ``base_seed`` is drawn from ``generator`` (or the global
    taeda generator) when iteration starts, so ``taeda.tensor.manual_seed`` makes runs reproducible.

    Examples:
        >>> import numpy as np
        >>> from taeda.data import TensorDataset
        >>> loader = DataLoader(TensorDataset(np.arange(10.0)), batch_size=4)
        >>> [tuple(x.shape) for (x,) in loader], len(loader)
        ([(4,), (4,), (2,)], 3)
    """

    dataset: Dataset[T_co]
    batch_size: int | None
    num_workers: int
    drop_last: bool
    timeout: float
    sampler: Sampler[Any] | Iterable[Any]
    batch_sampler: Sampler[Any] | Iterable[Any] | None
    prefetch_factor: int | None

    def __init__(
        self,
        dataset: Dataset[T_co],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[Any] | Iterable[Sequence[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: str | BaseContext | None = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing. let num_workers > 0 to enable "
                "multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 1:
            raise ValueError("prefetch_factor option should be positive")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self._is_iterable = isinstance(dataset, IterableDataset)

        if self._is_iterable:
            if shuffle not in {False, None}:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                    f"got batch_sampler={batch_sampler}"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
            else:
                sampler = SequentialSampler(dataset)  # type: ignore[arg-type]
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._epoch = 0
        self._iterator: Any = None
        # len(dataset) of an IterableDataset when len(self) was called: iterators warn when they yield more
        self._IterableDataset_len_called: int | None = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Sampler[Any] | Iterable[Any]:
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def _index_iter(self) -> Iterator[Any]:
        """The epoch's index stream: batches as int64 arrays when the samplers allow it, else what they yield."""
        if self._is_iterable:
            return itertools.repeat(self.batch_size if self._auto_collation else None)
        bs = self.batch_sampler
        if type(bs) is BatchSampler:
            arrays = bs._array_batches()
            if arrays is not None:
                return arrays
        elif bs is None and index_array_of(self.sampler) is not None:
            return iter(index_array_of(self.sampler)().tolist())
        return iter(self._index_sampler)

    def __iter__(self) -> Iterator[Any]:
        base_seed = draw_seed(self.generator)
        epoch = self._epoch
        self._epoch += 1
        if self.num_workers == 0:
            return _SingleProcessIter(self, base_seed)
        from taeda.data._multiprocess import MultiProcessIter

        if self.persistent_workers:
            if self._iterator is None or self._iterator.closed:
                self._iterator = MultiProcessIter(self, base_seed, epoch)
            else:
                self._iterator.reset(self, base_seed, epoch)
            return self._iterator  # type: ignore[no-any-return]
        return MultiProcessIter(self, base_seed, epoch)

    def __len__(self) -> int:
        if self._is_iterable:
            length = self._IterableDataset_len_called = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is not None:
                return length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self._index_sampler)  # type: ignore[arg-type]

    def _get_context(self) -> BaseContext:
        ctx = self.multiprocessing_context
        if ctx is None:
            return multiprocessing.get_context()
        if isinstance(ctx, str):
            if ctx not in multiprocessing.get_all_start_methods():
                raise ValueError(
                    f"multiprocessing_context relies on start method {ctx!r}, which is not available on this "
                    f"platform; choose one of {multiprocessing.get_all_start_methods()}"
                )
            return multiprocessing.get_context(ctx)
        return ctx


class _SingleProcessIter:
    """Loads batches in the main process."""

    def __init__(self, loader: DataLoader[Any], base_seed: int) -> None:
        self._index = loader._index_iter()
        self._fetcher = make_fetcher(
            loader.dataset, loader._is_iterable, loader._auto_collation, loader.collate_fn, loader.drop_last
        )
        fast = getattr(self._fetcher, "fast", None)
        self._fetch: Callable[[Any], Any] = self._fetcher.fetch if fast is None else fast
        self._base_seed = base_seed
        self._length = loader.__len__
        self._len_check = _LenCheck(loader)

    def __iter__(self) -> _SingleProcessIter:
        return self

    def __next__(self) -> Any:
        data = self._fetch(next(self._index))
        if self._len_check.reported is not None:
            self._len_check.count()
        return data

    def __len__(self) -> int:
        return self._length()


class _LenCheck:
    """Warns, as PyTorch does, when an iterator over an IterableDataset yields more than the ``len(dataset)``
    reported when ``len(loader)`` was called (with workers, typically a dataset not sharded per worker)."""

    __slots__ = ("dataset", "num_workers", "reported", "yielded")

    def __init__(self, loader: DataLoader[Any]) -> None:
        self.dataset = loader.dataset
        self.num_workers = loader.num_workers
        self.reported = loader._IterableDataset_len_called if loader._is_iterable else None
        self.yielded = 0

    def count(self) -> None:
        self.yielded += 1
        if self.reported is not None and self.yielded > self.reported:
            msg = (
                f"Length of IterableDataset {self.dataset} was reported to be {self.reported}(when accessing "
                f"len(dataloader)), but {self.yielded} samples have been fetched. "
            )
            if self.num_workers > 0:
                msg += (
                    "For multiprocessing data-loading, this could be caused by not properly configuring the "
                    "IterableDataset replica at each worker. See taeda.data.get_worker_info."
                )
            warnings.warn(msg, stacklevel=3)
