"""``VisionDataset``: the common base of taeda's vision datasets (root, transforms, a readable ``repr``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from taeda.data import Dataset

__all__ = ["VisionDataset"]


class VisionDataset(Dataset[tuple[Any, Any]]):
    """Base class: stores ``root``, ``transform``, ``target_transform`` (or a joint ``transforms``).

    ``transforms`` takes ``(image, target)`` and returns both; it cannot be combined with the two single ones.
    """

    _repr_indent = 4

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        transforms: Callable[[Any, Any], tuple[Any, Any]] | None = None,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        if transforms is not None and (transform is not None or target_transform is not None):
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        self.transforms = transforms

    def _apply(self, img: Any, target: Any) -> tuple[Any, Any]:
        if self.transforms is not None:
            return self.transforms(img, target)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} does not define __len__")

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        head = "Dataset " + type(self).__name__
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += [line for line in self.extra_repr().splitlines() if line]
        for name in ("transforms", "transform", "target_transform"):
            value = getattr(self, name)
            if value is not None:
                text = repr(value).splitlines()
                body.append(f"{name.replace('_', ' ').capitalize()}: {text[0]}")
                body += [" " * (len(name) + 2) + line for line in text[1:]]
        return "\n".join([head] + [" " * self._repr_indent + line for line in body])
