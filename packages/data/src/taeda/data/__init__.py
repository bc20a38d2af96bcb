"""taeda.data: datasets, samplers and a multi-process DataLoader, with PyTorch's ``torch.utils.data`` API.

Examples:
    >>> import numpy as np
    >>> from taeda.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(np.arange(6, dtype=np.float32).reshape(3, 2), np.array([0, 1, 0]))
    >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
    [[0, 1], [0]]
"""

from taeda.data.__about__ import __version__
from taeda.data.collate import default_collate, default_convert
from taeda.data.dataloader import DataLoader
from taeda.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from taeda.data.distributed import DistributedSampler
from taeda.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from taeda.data.worker import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "__version__",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
