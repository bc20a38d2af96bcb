"""Samplers: iterables over dataset indices (or, for ``BatchSampler``, over lists of indices).

Random samplers draw one seed per epoch from their taeda ``Generator`` (the global one when ``generator`` is None)
and drive NumPy's PCG64 with it: ``taeda.tensor.manual_seed`` makes the orders reproducible.

Samplers built in here also expose ``_index_array()``, the epoch's indices as one int64 array (drawing the same
random numbers as ``__iter__``); the DataLoader uses it to batch indices without a Python loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from taeda.data._tensor import Generator, Tensor, draw_seed, to_array

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses implement ``__iter__`` (and ``__len__`` when they know it).

    Examples:
        >>> class Evens(Sampler[int]):
        ...     def __iter__(self) -> Iterator[int]: return iter(range(0, 6, 2))
        >>> list(Evens())
        [0, 2, 4]
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        """``data_source`` is accepted for compatibility with PyTorch and not used."""

    def __iter__(self) -> Iterator[T_co]:
        raise TypeError(f"{type(self).__name__} does not implement __iter__")


def _rng(generator: Generator | None) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(draw_seed(generator)))


class SequentialSampler(Sampler[int]):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Examples:
        >>> list(SequentialSampler(range(3)))
        [0, 1, 2]
    """

    data_source: Sized

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices: a permutation, or ``num_samples`` draws with replacement.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement (then ``num_samples`` may exceed the length).
        num_samples: how many indices per epoch (default ``len(data_source)``); without replacement, more than the
            length yields several concatenated permutations, as in PyTorch.
        generator: a taeda ``Generator``; the global one when None.

    Examples:
        >>> import taeda.tensor as tt
        >>> sorted(RandomSampler(range(4), generator=tt.Generator().manual_seed(0)))
        [0, 1, 2, 3]
    """

    data_source: Sized
    replacement: bool

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        n = len(self.data_source)
        rng = _rng(self.generator)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        if self.replacement:
            return rng.integers(0, n, self.num_samples, dtype=np.int64)
        reps = -(-self.num_samples // n)
        perms = [rng.permutation(n).astype(np.int64, copy=False) for _ in range(reps)]
        return np.concatenate(perms)[: self.num_samples] if reps > 1 else perms[0][: self.num_samples]

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a random order (without replacement).

    Examples:
        >>> sorted(SubsetRandomSampler([5, 9, 7]))
        [5, 7, 9]
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _index_array(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        perm = _rng(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices, dtype=np.int64)[perm]

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices in ``[0, len(weights))`` drawn with probabilities proportional to ``weights``.

    Examples:
        >>> import taeda.tensor as tt
        >>> list(WeightedRandomSampler([0.0, 1.0], 3, generator=tt.Generator().manual_seed(0)))
        [1, 1, 1]
    """

    def __init__(
        self,
        weights: Sequence[float] | Tensor | np.ndarray[Any, Any],
        num_samples: int,
        replacement: bool = True,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(to_array(weights) if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        if np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (weights must be finite, >= 0, with a positive sum)")
        if not replacement and num_samples > int(np.count_nonzero(w)):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _index_array(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        p = self.weights / self.weights.sum()
        idx = _rng(self.generator).choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return idx.astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``).

    Examples:
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _array_batches(self) -> Iterator[np.ndarray[Any, np.dtype[np.int64]] | slice] | None:
        """Batches as int64 arrays (``slice``s for a ``SequentialSampler``) when the sampler allows it, else None."""
        if type(self.sampler) is SequentialSampler:
            n = len(self.sampler)
            stop = n - n % self.batch_size if self.drop_last else n
            return (slice(i, min(i + self.batch_size, n)) for i in range(0, stop, self.batch_size))
        index_array = index_array_of(self.sampler)
        if index_array is None:
            return None
        return _split(index_array(), self.batch_size, self.drop_last)

    def __iter__(self) -> Iterator[list[int]]:
        arrays = self._array_batches()
        if arrays is not None:
            return (batch_as_list(a) for a in arrays)
        return self._iter_python()

    def _iter_python(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def batch_as_list(batch: Any) -> list[int]:
    """A batch of indices from ``BatchSampler._array_batches`` (an array or a slice) as a list of ints."""
    if isinstance(batch, slice):
        return list(range(batch.start, batch.stop))
    return batch.tolist()  # type: ignore[no-any-return]


_ARRAY_ITERS: set[Any] = set()


def register_array_sampler(cls: type[Any]) -> type[Any]:
    """Mark ``cls.__iter__`` as ``iter(self._index_array().tolist())``; subclasses overriding ``__iter__`` opt out."""
    _ARRAY_ITERS.add(cls.__iter__)
    return cls


def index_array_of(sampler: object) -> Any:
    """``sampler._index_array`` when it is equivalent to iterating ``sampler``, else None."""
    if getattr(type(sampler), "__iter__", None) in _ARRAY_ITERS:
        return getattr(sampler, "_index_array", None)
    return None


for _cls in (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler):
    register_array_sampler(_cls)


def _split(
    indices: np.ndarray[Any, np.dtype[np.int64]], batch_size: int, drop_last: bool
) -> Iterator[np.ndarray[Any, np.dtype[np.int64]]]:
    n = len(indices)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield indices[start : start + batch_size]
