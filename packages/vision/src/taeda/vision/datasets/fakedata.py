"""``FakeData``: random images with random labels, deterministic per index, for smoke tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from taeda.vision.datasets.vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """``size`` random ``image_size = (C, H, W)`` images (C of 1 or 3) with labels in ``[0, num_classes)``.

    Sample ``i`` is drawn from its own PCG64 stream seeded with ``i + random_offset``: the same index always
    gives the same image and label.

    Example:
        >>> img, label = FakeData(size=4, image_size=(3, 8, 8))[0]
        >>> img.size, img.mode
        ((8, 8), 'RGB')
    """

    def __init__(
        self,
        size: int = 1000,
        image_size: tuple[int, int, int] = (3, 224, 224),
        num_classes: int = 10,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        random_offset: int = 0,
    ) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        if len(image_size) != 3 or image_size[0] not in (1, 3):
            raise ValueError(f"image_size must be (C, H, W) with C in (1, 3), got {image_size}")
        if size < 0 or num_classes < 1:
            raise ValueError(f"need size >= 0 and num_classes >= 1, got {size} and {num_classes}")
        self.size, self.num_classes, self.image_size = size, num_classes, tuple(image_size)
        self.random_offset = random_offset

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if not -self.size <= index < self.size:
            raise IndexError(f"{type(self).__name__} index {index} out of range for size {self.size}")
        index %= self.size
        rng = np.random.Generator(np.random.PCG64(index + self.random_offset))
        c, h, w = self.image_size
        pixels = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        img = Image.fromarray(pixels[:, :, 0] if c == 1 else pixels)
        return self._apply(img, target)

    def extra_repr(self) -> str:
        return f"Image size: {self.image_size}, classes: {self.num_classes}"
