"""CIFAR-10 and CIFAR-100 from torchvision's ``cifar-10-batches-py/`` layout or the official binary version.

The Python batches are read through a restricted unpickler (:mod:`._safe_pickle`); the binary batches
(``cifar-10-batches-bin/*.bin``, ``cifar-100-binary/*.bin``: one or two label bytes then 3072 pixel bytes per
record) with ``np.frombuffer``. ``data`` is a uint8 NumPy array ``(N, 32, 32, 3)`` and ``targets`` an int64 NumPy
array, as torchvision keeps them in NumPy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from PIL import Image

from taeda.vision.datasets._safe_pickle import load_restricted
from taeda.vision.datasets.utils import check_integrity, download_file, extract_archive
from taeda.vision.datasets.vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]

_PIXELS = 3 * 32 * 32


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images 32x32 in ten classes.

    Args:
        root: folder holding ``cifar-10-batches-py/`` (preferred when present) or ``cifar-10-batches-bin/``.
        train: the five training batches or the test batch.
        transform: applied to the PIL image (mode ``RGB``).
        target_transform: applied to the int label.
        download: fetch ``cifar-10-python.tar.gz`` from ``mirrors`` (in order), verify its MD5 and extract the
            expected members, unless all batch files are already present and verified.
        mirrors: base URLs replacing the class attribute ``mirrors`` for this instance.

    Example:
        >>> ds = CIFAR10("data", train=False)  # doctest: +SKIP
        >>> img, label = ds[0]  # doctest: +SKIP
        >>> ds.classes[label]  # doctest: +SKIP
        'cat'
    """

    base_folder = "cifar-10-batches-py"
    mirrors: Sequence[str] = ["https://www.cs.toronto.edu/~kriz/"]
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list: ClassVar[list[tuple[str, str]]] = [
        ("data_batch_1", "c99cafc152244af753f735de768cd75f"),
        ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
        ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"),
        ("data_batch_4", "634d18415352ddfa80567beed471001a"),
        ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"),
    ]
    test_list: ClassVar[list[tuple[str, str]]] = [("test_batch", "40351d587109b95175f43aff81a1287e")]
    meta: ClassVar[dict[str, str]] = {
        "filename": "batches.meta",
        "key": "label_names",
        "md5": "5ff9c542aee3614f3951f8cda6e48888",
    }
    label_key = "labels"
    binary_folder = "cifar-10-batches-bin"
    binary_train: ClassVar[list[str]] = [f"data_batch_{i}.bin" for i in range(1, 6)]
    binary_test: ClassVar[list[str]] = ["test_batch.bin"]
    binary_meta = "batches.meta.txt"
    binary_label_bytes = 1
    num_classes = 10

    def __init__(
        self,
        root: str | os.PathLike[str],
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        download: bool = False,
        *,
        mirrors: Sequence[str] | None = None,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if mirrors is not None:
            self.mirrors = list(mirrors)
        if download:
            self.download()
        names = [n for n, _ in (self.train_list if train else self.test_list)]
        py_dir = os.path.join(self.root or "", self.base_folder)
        bin_dir = os.path.join(self.root or "", self.binary_folder)
        bin_names = self.binary_train if train else self.binary_test
        if all(os.path.isfile(os.path.join(py_dir, n)) for n in names):
            self.data, self.targets = self._load_python([os.path.join(py_dir, n) for n in names])
            self.classes = self._python_classes(os.path.join(py_dir, self.meta["filename"]))
        elif all(os.path.isfile(os.path.join(bin_dir, n)) for n in bin_names):
            self.data, self.targets = self._load_binary([os.path.join(bin_dir, n) for n in bin_names])
            self.classes = self._binary_classes(os.path.join(bin_dir, self.binary_meta))
        else:
            raise RuntimeError(
                f"Dataset not found or corrupted: neither {py_dir} nor {bin_dir} holds the "
                f"{'training' if train else 'test'} batches. You can use download=True to download it"
            )
        if len(self.classes) != self.num_classes:
            raise RuntimeError(
                f"{type(self).__name__}: meta file lists {len(self.classes)} classes, expected {self.num_classes}"
            )

    # --- readers -------------------------------------------------------------------------------------------
    def _load_python(self, paths: list[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        images, labels = [], []
        for path in paths:
            entry = load_restricted(path)
            if not isinstance(entry, dict) or "data" not in entry or self.label_key not in entry:
                raise RuntimeError(f"{path}: not a CIFAR batch (needs 'data' and '{self.label_key}' entries)")
            data, lab = entry["data"], entry[self.label_key]
            if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != _PIXELS:
                shape = getattr(data, "shape", None)
                raise RuntimeError(f"{path}: 'data' must be a uint8 array (N, {_PIXELS}), got {shape}")
            lab_arr = np.asarray(lab, dtype=np.int64)
            if lab_arr.shape != (len(data),):
                raise RuntimeError(f"{path}: {len(data)} images but {lab_arr.shape} labels")
            images.append(data)
            labels.append(lab_arr)
        return self._finish(paths, images, labels)

    def _load_binary(self, paths: list[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        record = self.binary_label_bytes + _PIXELS
        images, labels = [], []
        for path in paths:
            with open(path, "rb") as f:
                raw = f.read()
            if len(raw) % record:
                raise RuntimeError(
                    f"{path}: truncated or corrupt CIFAR binary batch ({len(raw)} bytes is not a multiple of {record})"
                )
            rows = np.frombuffer(raw, dtype=np.uint8).reshape(-1, record)
            labels.append(rows[:, self.binary_label_bytes - 1].astype(np.int64))
            images.append(rows[:, self.binary_label_bytes :])
        return self._finish(paths, images, labels)

    def _finish(
        self, paths: list[str], images: list[npt.NDArray[np.uint8]], labels: list[npt.NDArray[np.int64]]
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        for path, lab in zip(paths, labels):
            if lab.size and (lab.min() < 0 or lab.max() >= self.num_classes):
                raise RuntimeError(f"{path}: labels outside [0, {self.num_classes})")
        data = np.concatenate(images).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return np.ascontiguousarray(data), np.concatenate(labels)

    def _python_classes(self, path: str) -> list[str]:
        if not os.path.isfile(path):
            raise RuntimeError(f"Dataset metadata file not found: {path}")
        meta = load_restricted(path)
        names = meta.get(self.meta["key"]) if isinstance(meta, dict) else None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise RuntimeError(f"{path}: no list of class names under '{self.meta['key']}'")
        return list(names)

    @staticmethod
    def _binary_classes(path: str) -> list[str]:
        if not os.path.isfile(path):
            raise RuntimeError(f"Dataset metadata file not found: {path}")
        with open(path, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]

    # --- download ------------------------------------------------------------------------------------------
    def _check_integrity(self) -> bool:
        folder = os.path.join(self.root or "", self.base_folder)
        files = [*self.train_list, *self.test_list, (self.meta["filename"], self.meta["md5"])]
        return all(check_integrity(os.path.join(folder, name), md5) for name, md5 in files)

    def download(self) -> None:
        """Fetch, verify and extract the Python version unless every batch file is present and verified."""
        if self._check_integrity():
            return
        root = self.root or ""
        archive = download_file(
            [m.rstrip("/") + "/" + self.filename for m in self.mirrors], os.path.join(root, self.filename), self.tgz_md5
        )
        names = [n for n, _ in (*self.train_list, *self.test_list)] + [self.meta["filename"]]
        extract_archive(archive, root, [f"{self.base_folder}/{n}" for n in names])

    # --- access --------------------------------------------------------------------------------------------
    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        x = self.data[index]
        img = Image.frombuffer("RGB", (32, 32), x, "raw", "RGB", 0, 1) if x.flags.c_contiguous else Image.fromarray(x)
        return self._apply(img, int(self.targets[index]))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: like :class:`CIFAR10` with 100 fine classes (``cifar-100-python/`` or ``cifar-100-binary/``)."""

    base_folder = "cifar-100-python"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list: ClassVar[list[tuple[str, str]]] = [("train", "16019d7e3df5f24257cddd939b257f8d")]
    test_list: ClassVar[list[tuple[str, str]]] = [("test", "f0ef6b0ae62326f3e7ffdfab6717acfc")]
    meta: ClassVar[dict[str, str]] = {
        "filename": "meta",
        "key": "fine_label_names",
        "md5": "7973b15100ade9c7d40fb424638fde48",
    }
    label_key = "fine_labels"
    binary_folder = "cifar-100-binary"
    binary_train: ClassVar[list[str]] = ["train.bin"]
    binary_test: ClassVar[list[str]] = ["test.bin"]
    binary_meta = "fine_label_names.txt"
    binary_label_bytes = 2
    num_classes = 100
