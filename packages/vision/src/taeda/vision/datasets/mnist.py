"""MNIST, Fashion-MNIST, Kuzushiji-MNIST and EMNIST in torchvision's on-disk layout.

Files are looked up in ``root/<ClassName>/raw/`` (or the folder given as ``raw_folder=``), each either gzipped or
not: ``{train,t10k}-images-idx3-ubyte[.gz]`` and ``{train,t10k}-labels-idx1-ubyte[.gz]``.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from taeda.vision._bridge import wrap
from taeda.vision.datasets._arrays import ArrayImageDataset, gray_image
from taeda.vision.datasets._idx import read_idx, read_image_file, read_label_file
from taeda.vision.datasets.utils import download_file, extract_archive

__all__ = ["EMNIST", "KMNIST", "MNIST", "QMNIST", "FashionMNIST"]


class MNIST(ArrayImageDataset):
    """The MNIST digits: 60,000 training and 10,000 test images, 1x28x28 uint8, labels 0-9.

    Args:
        root: folder holding ``MNIST/raw/`` (torchvision's layout).
        train: the training split (``train-*``) or the test split (``t10k-*``).
        transform: applied to the PIL image; ``target_transform`` to the int label.
        download: fetch the missing files of this dataset from ``mirrors`` (tried in order) and verify their MD5.
        raw_folder: read the IDX files from this folder instead of ``root/MNIST/raw`` (e.g. a folder holding
            ``t10k-images-idx3-ubyte.gz`` directly).
        mirrors: base URLs replacing the class attribute ``mirrors`` for this instance (local test servers).

    ``data`` is a uint8 ``Tensor`` ``(N, 28, 28)``, ``targets`` an int64 ``Tensor`` ``(N,)``; ``dataset[i]`` is
    ``(PIL.Image mode "L", int)`` before transforms.

    Example:
        >>> ds = MNIST("data", train=False, download=True)  # doctest: +SKIP
        >>> img, label = ds[0]  # doctest: +SKIP
        >>> label  # doctest: +SKIP
        7
    """

    mirrors: Sequence[str] = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources: ClassVar[Sequence[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes: list[str] = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]  # fmt: skip

    def __init__(
        self,
        root: str | os.PathLike[str],
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        download: bool = False,
        *,
        raw_folder: str | os.PathLike[str] | None = None,
        mirrors: Sequence[str] | None = None,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        self._raw_folder = None if raw_folder is None else os.fspath(raw_folder)
        if mirrors is not None:
            self.mirrors = list(mirrors)
        if download:
            self.download()
        paths = self._split_paths()
        missing = [p for p in paths if p is None]
        if missing:
            wanted = ", ".join(self._split_names())
            raise RuntimeError(
                f"Dataset not found: {wanted} (plain or .gz) missing in {self.raw_folder}. "
                "You can use download=True to download it"
            )
        images_path, labels_path = paths
        assert images_path is not None and labels_path is not None
        images, labels = self._load(images_path, labels_path)
        if len(images) != len(labels):
            raise RuntimeError(f"{images_path} holds {len(images)} images but {labels_path} {len(labels)} labels")
        self._set_arrays(images, labels)

    # --- files ---------------------------------------------------------------------------------------------
    @property
    def raw_folder(self) -> str:
        """The folder holding the IDX files: ``root/<ClassName>/raw`` unless ``raw_folder=`` was given."""
        if self._raw_folder is not None:
            return self._raw_folder
        return os.path.join(self.root or "", type(self).__name__, "raw")

    def _split_names(self) -> tuple[str, str]:
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _find(self, base: str) -> str | None:
        for name in (base, base + ".gz", base + ".xz"):
            path = os.path.join(self.raw_folder, name)
            if os.path.isfile(path):
                return path
        return None

    def _split_paths(self) -> tuple[str | None, str | None]:
        images, labels = self._split_names()
        return self._find(images), self._find(labels)

    def _check_exists(self) -> bool:
        return all(p is not None for p in self._split_paths())

    @staticmethod
    def _load(images_path: str, labels_path: str) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        return read_image_file(images_path), read_label_file(labels_path)

    def _resources(self) -> Sequence[tuple[str, str]]:
        return self.resources

    def download(self) -> None:
        """Fetch every resource of this dataset not yet present (and verified) into ``raw_folder``."""
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self._resources():
            plain = os.path.join(self.raw_folder, filename.removesuffix(".gz").removesuffix(".xz"))
            if filename.endswith((".gz", ".xz")) and os.path.isfile(plain):
                continue  # an already extracted copy (torchvision's own downloads leave these)
            urls = [m.rstrip("/") + "/" + filename for m in self.mirrors]
            download_file(urls, os.path.join(self.raw_folder, filename), md5)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format, ten kinds of clothing (``root/FashionMNIST/raw/``)."""

    mirrors: Sequence[str] = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources: ClassVar[Sequence[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes: list[str] = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]  # fmt: skip


class KMNIST(MNIST):
    """Kuzushiji-MNIST: ten cursive Japanese characters in MNIST's format (``root/KMNIST/raw/``)."""

    mirrors: Sequence[str] = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources: ClassVar[Sequence[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes: list[str] = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


_MERGED = set("cijklmopsuvwxyz")
_EMNIST_CLASSES: dict[str, list[str]] = {
    "byclass": list(string.digits + string.ascii_uppercase + string.ascii_lowercase),
    "bymerge": sorted(set(string.digits + string.ascii_letters) - _MERGED),
    "balanced": sorted(set(string.digits + string.ascii_letters) - _MERGED),
    "letters": ["N/A", *string.ascii_lowercase],
    "digits": list(string.digits),
    "mnist": list(string.digits),
}


class EMNIST(MNIST):
    """EMNIST (NIST SD 19 in MNIST's format), one of the splits ``byclass bymerge balanced letters digits mnist``.

    Files: ``root/EMNIST/raw/emnist-<split>-{train,test}-{images-idx3,labels-idx1}-ubyte[.gz]``; ``download=True``
    fetches NIST's ``gzip.zip`` (about 560 MB), verifies it and extracts the 24 IDX files. Images are stored as NIST
    stores them (transposed relative to MNIST), as in torchvision.
    """

    splits: ClassVar[tuple[str, ...]] = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    mirrors: Sequence[str] = ["https://biometrics.nist.gov/cs_links/EMNIST/"]
    archive: ClassVar[tuple[str, str]] = ("gzip.zip", "58c8d27c78d21e728a6bc7b3cc06412e")

    def __init__(self, root: str | os.PathLike[str], split: str, **kwargs: Any) -> None:
        if split not in self.splits:
            raise ValueError(
                f"Unknown value '{split}' for argument split. Valid values are {{{', '.join(self.splits)}}}."
            )
        self.split = split
        self.classes = _EMNIST_CLASSES[split]
        super().__init__(root, **kwargs)

    def _split_names(self) -> tuple[str, str]:
        part = "train" if self.train else "test"
        return f"emnist-{self.split}-{part}-images-idx3-ubyte", f"emnist-{self.split}-{part}-labels-idx1-ubyte"

    def download(self) -> None:
        """Fetch and verify NIST's ``gzip.zip``, extract its IDX members into ``raw_folder``, delete the zip."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        filename, md5 = self.archive
        path = download_file(
            [m.rstrip("/") + "/" + filename for m in self.mirrors], os.path.join(self.raw_folder, filename), md5
        )
        members = [
            f"gzip/emnist-{s}-{p}-{k}-ubyte.gz"
            for s in self.splits
            for p in ("train", "test")
            for k in ("images-idx3", "labels-idx1")
        ]
        extract_archive(path, self.raw_folder, members, strip_prefix="gzip/")
        os.unlink(path)

    def extra_repr(self) -> str:
        return f"Split: {self.split} ({'Train' if self.train else 'Test'})"


class QMNIST(MNIST):
    """QMNIST: MNIST's digits rebuilt from NIST with extended labels (``root/QMNIST/raw/``).

    ``what`` picks ``train`` (60,000), ``test`` (60,000), ``test10k`` (its first 10,000, MNIST's test set),
    ``test50k`` (the other 50,000) or ``nist`` (all 402,953 NIST digits); when None, ``train`` chooses ``train`` or
    ``test``. ``targets`` is an int64 ``Tensor (N, 8)`` (class, NIST HSF series, writer id, digit index, ...);
    with ``compat=True`` a sample's target is the class as an int, otherwise its row of 8 values (a ``Tensor``).
    """

    subsets: ClassVar[dict[str, str]] = {
        "train": "train", "test": "test", "test10k": "test", "test50k": "test", "nist": "nist",
    }  # fmt: skip
    mirrors: Sequence[str] = ["https://raw.githubusercontent.com/facebookresearch/qmnist/master/"]
    qmnist_resources: ClassVar[dict[str, list[tuple[str, str]]]] = {
        "train": [
            ("qmnist-train-images-idx3-ubyte.gz", "ed72d4157d28c017586c42bc6afe6370"),
            ("qmnist-train-labels-idx2-int.gz", "0058f8dd561b90ffdd0f734c6a30e5e4"),
        ],
        "test": [
            ("qmnist-test-images-idx3-ubyte.gz", "1394631089c404de565df7b7aeaf9412"),
            ("qmnist-test-labels-idx2-int.gz", "5b5b05890a5e13444e108efe57b788aa"),
        ],
        "nist": [
            ("xnist-images-idx3-ubyte.xz", "7f124b3b8ab81486c9d8c2749c17f834"),
            ("xnist-labels-idx2-int.xz", "5ed0e788978e45d4a8bd4b7caec3d79d"),
        ],
    }

    def __init__(
        self,
        root: str | os.PathLike[str],
        what: str | None = None,
        compat: bool = True,
        train: bool = True,
        **kwargs: Any,
    ) -> None:
        what = what if what is not None else ("train" if train else "test")
        if what not in self.subsets:
            raise ValueError(
                f"Unknown value '{what}' for argument what. Valid values are {{{', '.join(self.subsets)}}}."
            )
        self.what, self.compat = what, compat
        super().__init__(root, train=train, **kwargs)
        if what == "test10k":
            self._set_arrays(self._images[:10000], self._labels[:10000])
        elif what == "test50k":
            self._set_arrays(self._images[10000:], self._labels[10000:])

    def _resources(self) -> Sequence[tuple[str, str]]:
        return self.qmnist_resources[self.subsets[self.what]]

    def _split_names(self) -> tuple[str, str]:
        images, labels = (name.removesuffix(".gz").removesuffix(".xz") for name, _ in self._resources())
        return images, labels

    @staticmethod
    def _load(images_path: str, labels_path: str) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        labels = read_idx(labels_path, ndim=2)
        if labels.dtype != np.int32 or labels.shape[1] != 8:
            raise RuntimeError(f"{labels_path}: expected int32 labels (N, 8), got {labels.dtype} {labels.shape}")
        return read_image_file(images_path), labels.astype(np.int64)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = gray_image(self._images[index])
        target: Any = int(self._labels[index, 0]) if self.compat else wrap(self._labels[index].copy())
        return self._apply(img, target)

    def extra_repr(self) -> str:
        return f"Split: {self.what}"
