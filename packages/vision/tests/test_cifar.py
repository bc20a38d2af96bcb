from __future__ import annotations

import pickle
import pickletools
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image

from taeda.vision.datasets import CIFAR10, CIFAR100
from taeda.vision.datasets._safe_pickle import load_restricted

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


py2_pickle: Any = None


@pytest.fixture(autouse=True)
def _writer(fmt: SimpleNamespace) -> None:
    global py2_pickle
    py2_pickle = fmt.py2_pickle


def _batch(n: int, seed: int, key: str = "labels", classes: int = 10) -> tuple[dict[str, Any], Any, Any]:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, classes, n)]
    return (
        {"batch_label": f"batch {seed}", key: labels, "data": data, "filenames": [f"{i}.png" for i in range(n)]},
        data,
        labels,
    )


def _write_cifar10_py(root: Path, n: int = 5) -> tuple[Any, Any]:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for i in range(1, 6):
        (folder / f"data_batch_{i}").write_bytes(py2_pickle(_batch(n, i)[0]))
    entry, data, labels = _batch(n, 99)
    (folder / "test_batch").write_bytes(py2_pickle(entry))
    meta = {"num_cases_per_batch": n, "label_names": NAMES, "num_vis": 3072}
    (folder / "batches.meta").write_bytes(py2_pickle(meta))
    return data, labels


def test_cifar10_python(tmp_path: Path) -> None:
    data, labels = _write_cifar10_py(tmp_path)
    ds = CIFAR10(tmp_path, train=False)
    assert len(ds) == 5 and ds.classes == NAMES and ds.class_to_idx["cat"] == 3
    assert isinstance(ds.data, np.ndarray) and ds.data.shape == (5, 32, 32, 3) and ds.data.dtype == np.uint8
    assert isinstance(ds.targets, np.ndarray) and ds.targets.tolist() == labels
    img, y = ds[2]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and y == labels[2]
    expected = data[2].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(np.asarray(img), expected)
    train = CIFAR10(tmp_path, train=True)
    assert len(train) == 25
    np.testing.assert_array_equal(train.data[5], _batch(5, 2)[1][0].reshape(3, 32, 32).transpose(1, 2, 0))


def test_cifar10_binary_matches_python(tmp_path: Path) -> None:
    data, labels = _write_cifar10_py(tmp_path / "py")
    folder = tmp_path / "bin" / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    rows = np.concatenate([np.asarray(labels, np.uint8)[:, None], data], axis=1)
    (folder / "test_batch.bin").write_bytes(rows.tobytes())
    (folder / "batches.meta.txt").write_text("\n".join(NAMES) + "\n\n")
    a, b = CIFAR10(tmp_path / "py", train=False), CIFAR10(tmp_path / "bin", train=False)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.targets, b.targets)
    assert b.classes == NAMES
    (folder / "test_batch.bin").write_bytes(rows.tobytes()[:-7])
    with pytest.raises(RuntimeError, match=r"test_batch.bin: truncated or corrupt CIFAR binary batch"):
        CIFAR10(tmp_path / "bin", train=False)


def test_cifar100_both_formats(tmp_path: Path) -> None:
    py = tmp_path / "cifar-100-python"
    py.mkdir()
    entry, data, fine = _batch(4, 7, key="fine_labels", classes=100)
    entry["coarse_labels"] = [f // 5 for f in fine]
    (py / "test").write_bytes(py2_pickle(entry))
    names = [f"c{i}" for i in range(100)]
    (py / "meta").write_bytes(py2_pickle({"fine_label_names": names, "coarse_label_names": names[:20]}))
    ds = CIFAR100(tmp_path, train=False)
    assert ds.targets.tolist() == fine and ds.classes == names
    binroot = tmp_path / "b"
    (binroot / "cifar-100-binary").mkdir(parents=True)
    rows = np.concatenate(
        [np.asarray(entry["coarse_labels"], np.uint8)[:, None], np.asarray(fine, np.uint8)[:, None], data], 1
    )
    (binroot / "cifar-100-binary" / "test.bin").write_bytes(rows.tobytes())
    (binroot / "cifar-100-binary" / "fine_label_names.txt").write_text("\n".join(names))
    db = CIFAR100(binroot, train=False)
    np.testing.assert_array_equal(db.data, ds.data)
    assert db.targets.tolist() == fine


def test_missing_and_bad_labels(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"Dataset not found or corrupted.*download=True"):
        CIFAR10(tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar10_py(tmp_path)
    entry, _, _ = _batch(3, 5)
    entry["labels"] = [0, 10, 2]
    (folder / "test_batch").write_bytes(py2_pickle(entry))
    with pytest.raises(RuntimeError, match=r"test_batch: labels outside \[0, 10\)"):
        CIFAR10(tmp_path, train=False)


def test_python2_style_pickle(tmp_path: Path) -> None:
    """CIFAR's files are Python 2 cPickles: str payloads decoded with latin1 must still rebuild arrays."""
    entry, data, _ = _batch(2, 3)
    raw = py2_pickle(entry)
    p = tmp_path / "b"
    p.write_bytes(raw)
    out = load_restricted(p)
    np.testing.assert_array_equal(out["data"], data)
    ops = {op.name for op, _, _ in pickletools.genops(raw)}
    assert "GLOBAL" in ops and "BINSTRING" in ops  # the array really goes through find_class
    p.write_bytes(pickle.dumps(entry, protocol=4))  # Python 3 pickles of the same content load too
    np.testing.assert_array_equal(load_restricted(p)["data"], data)
    p.write_bytes(pickle.dumps(entry, protocol=2))  # ... but bytes via _codecs.encode are refused
    with pytest.raises(pickle.UnpicklingError, match=r"_codecs.encode"):
        load_restricted(p)


class _Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        import os

        return (os.system, ("echo pwned",))


@pytest.mark.parametrize(
    "payload",
    [
        {"data": _Evil()},
        {"data": np.array([object(), 1], dtype=object)[:1].astype(object)},
        {"x": (1, 2)},
        {"x": 1.5},
        {"x": np.int64(3)},
    ],
    ids=["os.system", "object-array", "tuple", "float", "numpy-scalar"],
)
def test_restricted_unpickler_refuses(tmp_path: Path, payload: Any) -> None:
    p = tmp_path / "evil"
    p.write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="evil: "):
        load_restricted(p)


def test_truncated_pickle_names_file(tmp_path: Path) -> None:
    raw = py2_pickle(_batch(3, 1)[0])
    p = tmp_path / "test_batch"
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(RuntimeError, match="test_batch: corrupt or truncated pickle"):
        load_restricted(p)
