"""``ArrayImageDataset``: a dataset of grey images held in one uint8 array, exposed as taeda tensors.

The MNIST family and ``SyntheticDigits`` keep their images as a NumPy array ``(N, H, W)`` and their labels as an
int64 array ``(N,)``; ``data`` and ``targets`` wrap them as ``Tensor``s (no copy) and can be reassigned (a tensor
or an array), as torchvision users do to subset a dataset.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from taeda.vision._bridge import Tensor, to_numpy, wrap
from taeda.vision.datasets.vision import VisionDataset

__all__ = ["ArrayImageDataset", "gray_image"]


class ArrayImageDataset(VisionDataset):
    """Base class: ``dataset[i]`` is ``(PIL.Image "L", int)`` from ``data[i]`` and ``targets[i]``."""

    classes: list[str] = []

    def __init__(
        self,
        root: str | os.PathLike[str] | None,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._images: npt.NDArray[np.uint8] = np.zeros((0, 28, 28), np.uint8)
        self._labels: npt.NDArray[np.int64] = np.zeros(0, np.int64)
        self._data_t: Tensor | None = None
        self._targets_t: Tensor | None = None

    def _set_arrays(self, images: npt.NDArray[np.uint8], labels: npt.NDArray[np.int64]) -> None:
        self._images, self._labels = images, labels
        self._data_t = self._targets_t = None

    @property
    def data(self) -> Tensor:
        """All images as a uint8 ``Tensor`` ``(N, H, W)`` sharing memory with the dataset."""
        if self._data_t is None:
            self._data_t = wrap(self._images)
        return self._data_t

    @data.setter
    def data(self, value: Tensor | npt.NDArray[Any]) -> None:
        self._images = np.asarray(to_numpy(value), dtype=np.uint8)
        self._data_t = None

    @property
    def targets(self) -> Tensor:
        """All labels as an int64 ``Tensor`` ``(N,)``."""
        if self._targets_t is None:
            self._targets_t = wrap(self._labels)
        return self._targets_t

    @targets.setter
    def targets(self, value: Tensor | npt.NDArray[Any]) -> None:
        self._labels = np.asarray(to_numpy(value), dtype=np.int64)
        self._targets_t = None

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self._images)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self._apply(gray_image(self._images[index]), int(self._labels[index]))


def gray_image(x: npt.NDArray[np.uint8]) -> Image.Image:
    """An "L" image over the rows of ``x`` (what ``Image.fromarray`` does, without its interface lookups)."""
    if x.ndim == 2 and x.flags.c_contiguous:
        return Image.frombuffer("L", (x.shape[1], x.shape[0]), x, "raw", "L", 0, 1)
    return Image.fromarray(x)
