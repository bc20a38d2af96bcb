"""taeda.vision benchmarks: MNIST loading, the ToTensor + Normalize hot path, a DataLoader epoch, SyntheticDigits.

Rows (each "per call" figure is one call of what the row names):

* ``MNIST t10k images gz -> uint8 tensor``: ``MNIST(root, train=False).data`` (IDX parsing with header checks,
  labels included) against a bare ``np.frombuffer(gzip.open(f).read())`` of the images file (target: <= 1.5x).
* ``ToTensor+Normalize 28x28 PIL``: ``Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])`` on one 28x28 "L"
  image, against the same arithmetic written by hand in NumPy, and PyTorch's ``from_numpy().float().div(255)``
  plus ``sub/div`` (target: < 30 us).
* ``DataLoader epoch MNIST test, 2 workers``: one epoch over the 10,000 test images, batch 64, transform as
  above, ``num_workers=2``; "numpy" is the same per-sample work (PIL image -> array -> normalised float32, batches
  stacked) written by hand in one process, "torch" a ``torch.utils.data.DataLoader`` (2 workers) over a dataset
  doing the same per-sample PIL -> tensor work. Reported, no target.
* ``SyntheticDigits(10000)``: rendering 10,000 distorted digits (target: seconds, not minutes).

The MNIST files are read from ``$TAEDA_TEST_DATA/mnist`` (default ``/work/shared/datasets``); when absent, a
MNIST-format gz file of 10,000 rendered digits is written to a temporary folder instead.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from _harness import Case, try_import_torch
from PIL import Image

from taeda.data import DataLoader
from taeda.vision import transforms as T
from taeda.vision.datasets import MNIST, SyntheticDigits

MEAN, STD = 0.1307, 0.3081


def _raw_folder() -> Path:
    root = Path(os.environ.get("TAEDA_TEST_DATA", "/work/shared/datasets")) / "mnist"
    if (root / "t10k-images-idx3-ubyte.gz").is_file() and (root / "t10k-labels-idx1-ubyte.gz").is_file():
        return root
    tmp = Path(tempfile.mkdtemp(prefix="taeda-bench-vision-"))
    ds = SyntheticDigits(10_000, seed=0)
    images, labels = ds.data.array, ds.targets.array.astype(np.uint8)
    head_i = bytes([0, 0, 8, 3]) + np.array(images.shape, ">i4").tobytes()
    head_l = bytes([0, 0, 8, 1]) + np.array(labels.shape, ">i4").tobytes()
    (tmp / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(head_i + images.tobytes()))
    (tmp / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(head_l + labels.tobytes()))
    return tmp


def cases(quick: bool) -> list[Case]:
    torch = try_import_torch()
    raw = _raw_folder()
    images_gz = raw / "t10k-images-idx3-ubyte.gz"
    out: list[Case] = []

    # --- loading the test images from gz ----------------------------------------------------------------------
    def numpy_load() -> object:
        with gzip.open(images_gz) as f:
            return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)

    out.append(
        Case(
            "vision", "MNIST t10k images gz -> uint8 tensor",
            taeda=lambda: MNIST("unused", train=False, raw_folder=raw).data,
            numpy=numpy_load, target="<= 1.5x numpy", target_ratio=1.5, unit="ms",
        )
    )  # fmt: skip

    # --- ToTensor + Normalize on a 28x28 image ----------------------------------------------------------------
    img = Image.fromarray(MNIST("unused", train=False, raw_folder=raw).data.array[0])
    tf = T.Compose([T.ToTensor(), T.Normalize((MEAN,), (STD,))])
    m32, s32 = np.float32(MEAN), np.float32(STD)

    def numpy_tf() -> object:
        a = np.asarray(img)[None].astype(np.float32) / np.float32(255)
        return (a - m32) / s32

    torch_tf = None
    if torch is not None:
        tm, ts = torch.tensor([MEAN]).view(-1, 1, 1), torch.tensor([STD]).view(-1, 1, 1)

        def torch_tf() -> object:
            t = torch.from_numpy(np.asarray(img)[None].copy()).float().div(255)
            return t.sub(tm).div(ts)

    out.append(
        Case(
            "vision",
            "ToTensor+Normalize 28x28 PIL",
            taeda=lambda: tf(img),
            numpy=numpy_tf,
            torch=torch_tf,
            target="< 30 us",
        )
    )

    # --- a DataLoader epoch over MNIST test with 2 workers ----------------------------------------------------
    n = 2_000 if quick else 10_000
    ds = MNIST("unused", train=False, raw_folder=raw, transform=tf)
    ds.data = ds.data.array[:n]
    ds.targets = ds.targets.array[:n]

    def taeda_epoch() -> object:
        batches = 0
        for _ in DataLoader(ds, batch_size=64, num_workers=2):
            batches += 1
        return batches

    arr, lab = ds.data.array, ds.targets.array

    def numpy_epoch() -> object:
        last = None
        for i in range(0, n, 64):
            xs = []
            for k in range(i, min(i + 64, n)):  # the same per-sample work, by hand, in this one process
                px = np.frombuffer(Image.fromarray(arr[k]).tobytes(), np.uint8).reshape(1, 28, 28)
                xs.append((px.astype(np.float32) / np.float32(255) - m32) / s32)
            last = (np.stack(xs), lab[i : i + 64].copy())
        return last

    torch_epoch = None
    if torch is not None:
        tdata = torch.utils.data

        class TorchMNIST(tdata.Dataset):  # type: ignore[misc,name-defined]
            def __len__(self) -> int:
                return n

            def __getitem__(self, i: int) -> Any:
                pic = Image.fromarray(arr[i])
                t = torch.from_numpy(np.asarray(pic)[None].copy()).float().div(255)
                return t.sub(tm).div(ts), int(lab[i])

        tds = TorchMNIST()

        def torch_epoch() -> object:
            batches = 0
            for _ in tdata.DataLoader(tds, batch_size=64, num_workers=2):
                batches += 1
            return batches

    out.append(
        Case(
            "vision",
            f"DataLoader epoch MNIST test[:{n}], 2 workers",
            taeda=taeda_epoch,
            numpy=numpy_epoch,
            torch=torch_epoch,
            target="reported",
            number=1,
            unit="ms",
        )
    )

    # --- SyntheticDigits ----------------------------------------------------------------------------------------
    k = 2_000 if quick else 10_000
    out.append(
        Case(
            "vision",
            f"SyntheticDigits({k})",
            taeda=lambda: SyntheticDigits(k, seed=1),
            target="seconds",
            number=1,
            unit="ms",
        )
    )
    return out
