"""Datasets: map-style (``__getitem__``/``__len__``) and iterable-style (``__iter__``), as in ``torch.utils.data``."""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from taeda.data._tensor import Generator, Tensor, draw_seed, numpy_to_tensor, to_array, to_tensor

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses implement ``__getitem__(index)`` and usually ``__len__()``.

    Examples:
        >>> class Squares(Dataset[int]):
        ...     def __len__(self) -> int: return 4
        ...     def __getitem__(self, i: int) -> int: return i * i
        >>> Squares()[3]
        9
    """

    def __getitem__(self, index: Any) -> T_co:
        raise TypeError(f"{type(self).__name__} does not implement __getitem__")

    def __add__(self, other: Dataset[T_co]) -> ConcatDataset[T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co], Iterable[T_co]):
    """A dataset that is a stream: subclasses implement ``__iter__``.

    With ``num_workers > 0`` every worker iterates its own copy; shard the stream with
    `taeda.data.get_worker_info` to avoid duplicates.

    Examples:
        >>> class Count(IterableDataset[int]):
        ...     def __iter__(self) -> Iterator[int]: return iter(range(3))
        >>> list(Count())
        [0, 1, 2]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise TypeError(f"{type(self).__name__} does not implement __iter__")

    def __add__(self, other: Dataset[T_co]) -> ChainDataset[T_co]:  # type: ignore[override]
        if not isinstance(other, IterableDataset):
            raise TypeError(f"can only chain IterableDatasets, got {type(other).__name__}")
        return ChainDataset([self, other])


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are slices along the first dimension of the given Tensors (or NumPy arrays).

    ``DataLoader`` fetches whole batches from it with one fancy index per tensor instead of collating samples one
    by one; the batches are identical.

    Examples:
        >>> import numpy as np
        >>> ds = TensorDataset(np.zeros((5, 3), np.float32), np.arange(5))
        >>> len(ds), ds[2][1].item()
        (5, 2)
    """

    def __init__(self, *tensors: Any) -> None:
        wrapped = tuple(t if isinstance(t, Tensor) else to_tensor(np.asarray(t)) for t in tensors)
        arrays = tuple(to_array(t) for t in wrapped)
        if any(a.ndim == 0 for a in arrays):
            raise ValueError("TensorDataset needs tensors with at least one dimension")
        if arrays and any(a.shape[0] != arrays[0].shape[0] for a in arrays):
            sizes = [a.shape[0] for a in arrays]
            raise ValueError(f"Size mismatch between tensors: first dimensions are {sizes}")
        self.tensors = wrapped
        self._arrays = arrays
        self._wrap = numpy_to_tensor if all(type(a) is np.ndarray for a in arrays) else to_tensor

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(to_tensor(a[index]) for a in self._arrays)

    def __len__(self) -> int:
        return int(self._arrays[0].shape[0]) if self._arrays else 0

    def _get_batch(self, indices: Any) -> list[Tensor]:
        """What ``default_collate([self[i] for i in indices])`` returns, with one fancy index per tensor.

        ``indices`` is a sequence of ints or a ``slice`` (then the batch is copied, never a view).
        """
        wrap = self._wrap
        if type(indices) is slice:
            return [wrap(a[indices].copy()) for a in self._arrays]
        idx = np.asarray(indices, dtype=np.intp)
        return [wrap(a[idx]) for a in self._arrays]


class ConcatDataset(Dataset[T_co]):
    """The concatenation of map-style datasets.

    Examples:
        >>> import numpy as np
        >>> ds = ConcatDataset([TensorDataset(np.arange(3)), TensorDataset(np.arange(10, 12))])
        >>> len(ds), ds[4][0].item()
        (5, 11)
    """

    datasets: list[Dataset[T_co]]
    cumulative_sizes: list[int]

    @staticmethod
    def cumsum(sequence: Iterable[Any]) -> list[int]:
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __init__(self, datasets: Iterable[Dataset[T_co]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> T_co:
        idx = int(idx)
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        if dataset_idx >= len(self.datasets):
            raise IndexError(f"index {idx} is out of range for ConcatDataset of length {len(self)}")
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class ChainDataset(IterableDataset[T_co]):
    """Chains iterable datasets: iterates each in turn.

    Examples:
        >>> class R(IterableDataset[int]):
        ...     def __init__(self, n: int) -> None: self.n = n
        ...     def __iter__(self) -> Iterator[int]: return iter(range(self.n))
        >>> list(ChainDataset([R(2), R(3)]))
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Dataset[T_co]]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator[T_co]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            total += len(d)  # type: ignore[arg-type]
        return total


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``.

    Examples:
        >>> import numpy as np
        >>> s = Subset(TensorDataset(np.arange(10)), [7, 2])
        >>> len(s), s[0][0].item()
        (2, 7)
    """

    dataset: Dataset[T_co]
    indices: Sequence[int]

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> T_co:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[T_co]:
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return list(getitems([self.indices[i] for i in indices]))
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class StackDataset(Dataset[Any]):
    """Samples assembled from several datasets of equal length, as a tuple (positional) or a dict (keywords).

    Examples:
        >>> import numpy as np
        >>> ds = StackDataset(image=TensorDataset(np.zeros((3, 2))), label=TensorDataset(np.arange(3)))
        >>> sorted(ds[1])
        ['image', 'label']
    """

    def __init__(self, *args: Dataset[Any], **kwargs: Dataset[Any]) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like input/output, but both "
                "types are given."
            )
        datasets: list[Dataset[Any]] = list(args) if args else list(kwargs.values())
        if not datasets:
            raise ValueError("At least one dataset should be passed")
        self._length = len(datasets[0])  # type: ignore[arg-type]
        if any(len(d) != self._length for d in datasets):  # type: ignore[arg-type]
            raise ValueError("Size mismatch between datasets")
        self.datasets: tuple[Dataset[Any], ...] | dict[str, Dataset[Any]] = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


def random_split(
    dataset: Dataset[T], lengths: Sequence[int | float], generator: Generator | None = None
) -> list[Subset[T]]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (or fractions summing to 1).

    With fractions, each length is ``floor(frac * len(dataset))`` and the remainder is handed out one by one,
    round-robin from the first subset, as in PyTorch.

    Examples:
        >>> import numpy as np, taeda.tensor as tt
        >>> a, b = random_split(TensorDataset(np.arange(10)), [0.7, 0.3], generator=tt.Generator().manual_seed(0))
        >>> len(a), len(b)
        (7, 3)
    """
    n = len(dataset)  # type: ignore[arg-type]
    lens: list[int]
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lens = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            lens.append(math.floor(n * frac))
        remainder = n - sum(lens)
        for i in range(remainder):
            lens[i % len(lens)] += 1
        for i, length in enumerate(lens):
            if length == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2
                )
    else:
        if any(int(x) != x or x < 0 for x in lengths):
            raise ValueError(f"lengths must be non-negative integers or fractions summing to 1, got {list(lengths)}")
        lens = [int(x) for x in lengths]
    if sum(lens) != n:
        raise ValueError(f"Sum of input lengths ({sum(lens)}) does not equal the length of the input dataset ({n})!")
    rng = np.random.Generator(np.random.PCG64(draw_seed(generator)))
    perm = rng.permutation(n).tolist()
    out: list[Subset[T]] = []
    offset = 0
    for length in lens:
        out.append(Subset(dataset, perm[offset : offset + length]))
        offset += length
    return out
