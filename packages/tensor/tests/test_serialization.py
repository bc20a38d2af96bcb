"""save/load: round trips of tensors and containers, map_location, and strict rejection of bad files."""

from __future__ import annotations

import io
import json
import math
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt


def _round_trip(obj: Any, **kwargs: Any) -> Any:
    buf = io.BytesIO()
    tt.save(obj, buf)
    buf.seek(0)
    return tt.load(buf, **kwargs)


def _same(a: Any, b: Any) -> None:
    assert type(a) is type(b), (a, b)
    if isinstance(a, tt.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a.numpy(), b.numpy(), equal_nan=a.dtype.kind in "fc")
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


@pytest.mark.parametrize(
    "dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64"]
)
def test_tensor_dtypes(dtype: str) -> None:
    arr = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    t = tt.from_numpy(arr)
    back = _round_trip(t)
    _same(t, back)
    assert back.numpy().flags.writeable


def test_nested_containers_keep_types() -> None:
    obj = {
        "model": OrderedDict([("w", tt.randn(3, 2)), ("b", tt.zeros(2))]),
        "state": {0: {"step": 10, "exp_avg": tt.ones(3)}, 1: {}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False, "name": None}],
        "floats": [math.inf, -math.inf, math.nan, 0.1, -0.0, 1e-310],
        "big": 2**100,
        "text": 'naïve ✓ \n "quoted"',
        "scalar": tt.tensor(3.5),
        "empty": tt.zeros(0, 3),
        (1, "k"): True,
        2.5: "float key",
        None: [],
        "shape": (2, 3),
    }
    back = _round_trip(obj)
    _same(obj, back)
    assert type(back["model"]) is OrderedDict and type(back["state"]) is dict
    assert type(back["param_groups"][0]["betas"]) is tuple
    assert math.copysign(1.0, back["floats"][4]) == -1.0
    assert _round_trip(tt.ones(2, 3).shape) == (2, 3)
    scalars = _round_trip([np.float32(0.5), np.int64(3), np.bool_(True)])
    assert scalars == [0.5, 3, True] and [type(v) for v in scalars] == [float, int, bool]
    assert back["state"][0]["step"] == 10 and type(back["param_groups"][0]["nesterov"]) is bool


def test_views_and_identity() -> None:
    base = tt.arange(1_000_000.0)
    small = base[10:14]
    strided = base.reshape(1000, 1000)[::500, ::250].t()
    buf = io.BytesIO()
    tt.save({"a": small, "b": small, "c": strided, "d": base[:2]}, buf)
    assert len(buf.getvalue()) < 10_000  # views save the elements they show, not the whole storage
    buf.seek(0)
    back = tt.load(buf)
    assert back["a"] is back["b"]  # one tensor object saved twice loads as one object
    assert back["a"].tolist() == [10.0, 11.0, 12.0, 13.0]
    assert np.array_equal(back["c"].numpy(), strided.numpy())
    back["d"][0] = 99.0  # distinct tensors are independent after loading
    assert back["a"][0].item() == 10.0 and base[0].item() == 0.0


def test_path_and_file_object(tmp_path: Path) -> None:
    p = tmp_path / "ckpt.taeda"
    tt.save([tt.ones(2), 3], p)
    _same(tt.load(p), [tt.ones(2), 3])
    _same(tt.load(str(p)), [tt.ones(2), 3])
    with open(p, "rb") as fh:
        _same(tt.load(fh), [tt.ones(2), 3])
    with open(tmp_path / "b", "wb") as fh:
        tt.save(tt.eye(2), fh)
    _same(tt.load(tmp_path / "b"), tt.eye(2))


def test_map_location() -> None:
    out = _round_trip({"x": tt.ones(2)}, map_location="cpu")
    assert out["x"].device == tt.device("cpu")
    out = _round_trip(tt.ones(2), map_location=tt.device("cpu"))
    assert out.device == tt.device("cpu")
    out = _round_trip(tt.ones(2), map_location={"cuda:0": "cpu"})
    assert out.device == tt.device("cpu")
    with pytest.raises(TypeError, match="map_location"):
        _round_trip(tt.ones(2), map_location=3)


def _rewrite(buf: bytes, manifest: Any = None, extra: dict[str, bytes] | None = None, drop: str = "") -> io.BytesIO:
    src = zipfile.ZipFile(io.BytesIO(buf))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            if name == drop:
                continue
            data = src.read(name)
            if name == "manifest.json" and manifest is not None:
                data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
            zf.writestr(name, data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    out.seek(0)
    return out


def _saved(obj: Any) -> bytes:
    buf = io.BytesIO()
    tt.save(obj, buf)
    return buf.getvalue()


def _manifest(raw: bytes) -> Any:
    return json.loads(zipfile.ZipFile(io.BytesIO(raw)).read("manifest.json"))


def test_cuda_tensor_without_gpu_points_to_map_location() -> None:
    raw = _saved(tt.ones(2))
    m = _manifest(raw)
    m["root"]["device"] = "cuda:0"
    if tt.cuda.is_available():
        assert tt.load(_rewrite(raw, m)).device == tt.device("cuda:0")
    else:
        with pytest.raises(RuntimeError, match="map_location='cpu'"):
            tt.load(_rewrite(raw, m))
    assert tt.load(_rewrite(raw, m), map_location="cpu").device == tt.device("cpu")


def _bad_manifests() -> list[tuple[Any, str]]:
    raw = _saved({"x": tt.ones(2)})
    m = _manifest(raw)
    node = m["root"]["items"][0][1]

    def with_node(n: Any) -> Any:
        return {**m, "root": {"type": "dict", "items": [[{"type": "str", "value": "x"}, n]]}}

    return [
        ({"format": "other", "version": 1, "root": {"type": "none"}}, "does not describe"),
        ({**m, "version": 99}, "version"),
        ({**m, "extra": 1}, "unexpected manifest keys"),
        ([1, 2], "does not describe"),
        (b"{not json", "cannot read manifest"),
        (b'{"format": "taeda.tensor", "version": 1, "root": {"type": "float", "value": NaN}}', "cannot read"),
        ({**m, "root": {"type": "pickle", "value": "x"}}, "unknown node type"),
        ({**m, "root": {"type": "int", "value": "7"}}, "holds"),
        ({**m, "root": {"type": "int", "value": True}}, "holds"),
        ({**m, "root": {"type": "list"}}, "keys"),
        ({**m, "root": {"type": "list", "items": {"a": 1}}}, "must be a list"),
        ({**m, "root": {"type": "dict", "items": [[1]]}}, "pairs"),
        ({**m, "root": {"type": "dict", "items": [[{"type": "list", "items": []}, {"type": "none"}]]}}, "unhashable"),
        ({**m, "root": {"type": "float", "value": "zz"}}, "bad float"),
        (with_node({**node, "dtype": "|O"}), "unsupported tensor dtype"),
        (with_node({**node, "shape": [3]}), "the manifest says"),
        (with_node({**node, "shape": [-2]}), "bad tensor shape"),
        (with_node({**node, "entry": "../../etc/passwd"}), "bad tensor entry"),
        (with_node({**node, "entry": "tensors/9.npy"}), "missing"),
        (with_node({**node, "device": "tpu"}), "bad device"),
        ({**m, "root": json.loads("[" * 300 + "]" * 300)}, "malformed"),
    ]


@pytest.mark.parametrize(("manifest", "match"), _bad_manifests())
def test_malformed_manifests_are_rejected(manifest: Any, match: str) -> None:
    raw = _saved({"x": tt.ones(2)})
    with pytest.raises(RuntimeError, match=match):
        tt.load(_rewrite(raw, manifest))


def test_deep_nesting_is_rejected() -> None:
    node: dict[str, Any] = {"type": "none"}
    for _ in range(300):
        node = {"type": "list", "items": [node]}
    raw = _rewrite(_saved(None), {"format": "taeda.tensor", "version": 1, "root": node})
    with pytest.raises(RuntimeError, match="nested more than"):
        tt.load(raw)


def test_not_ours_truncated_or_corrupt(tmp_path: Path) -> None:
    p = tmp_path / "x.pt"
    p.write_bytes(b"definitely not a zip file")
    with pytest.raises(RuntimeError, match=r"not a file written by taeda\.tensor\.save"):
        tt.load(p)
    raw = _saved({"x": tt.arange(1000.0)})
    for cut in (len(raw) // 2, len(raw) - 10, 30):
        with pytest.raises(RuntimeError, match=r"taeda\.tensor\.load"):
            tt.load(io.BytesIO(raw[:cut]))
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("data.pkl", b"x")
    other.seek(0)
    with pytest.raises(RuntimeError, match=r"no manifest\.json"):
        tt.load(other)
    i = raw.index(b"\x93NUMPY")  # flip a byte inside the stored array data: the CRC check catches it
    corrupt = bytearray(raw)
    corrupt[i + 200] ^= 0xFF
    with pytest.raises(RuntimeError, match="cannot read"):
        tt.load(io.BytesIO(bytes(corrupt)))


class _Evil:
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (Path.touch, (Path(_EVIL_MARK),))


_EVIL_MARK = ""


def test_pickled_npy_payload_never_runs(tmp_path: Path) -> None:
    global _EVIL_MARK
    _EVIL_MARK = str(tmp_path / "pwned")
    payload = io.BytesIO()
    np.save(payload, np.array([_Evil()], dtype=object), allow_pickle=True)
    raw = _saved({"x": tt.ones(2)})
    m = _manifest(raw)
    m["root"]["items"][0][1]["dtype"] = "|O"
    for manifest in (m, None):
        evil = _rewrite(raw, manifest, drop="tensors/0.npy", extra={"tensors/0.npy": payload.getvalue()})
        with pytest.raises(RuntimeError):
            tt.load(evil)
    assert not (tmp_path / "pwned").exists()
    plain_pickle = io.BytesIO(pickle.dumps(_Evil()))
    with pytest.raises(RuntimeError, match="not a file written"):
        tt.load(plain_pickle)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ({1, 2}, "type builtins.set"),
        (np.zeros(2), "numpy.ndarray"),
        ({"a": [object()]}, r"obj\['a'\]\[0\]"),
        ({tt.ones(1): 1}, "TypeError|keys"),
        (np.datetime64("2020-01-01"), "numpy.datetime64"),
    ],
)
def test_save_rejects_unsupported(obj: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        tt.save(obj, io.BytesIO())


def test_save_hints_data_attribute() -> None:
    class Boxed:
        data = tt.ones(1)

    with pytest.raises(TypeError, match=r"save its \.data"):
        tt.save(Boxed(), io.BytesIO())


@pytest.mark.gpu
@pytest.mark.skipif(not tt.cuda.is_available(), reason="needs CuPy and a CUDA GPU")
def test_cuda_round_trip() -> None:
    x = tt.arange(6.0).reshape(2, 3).cuda()
    back = _round_trip({"x": x})
    assert back["x"].device == x.device and back["x"].cpu().tolist() == x.cpu().tolist()
    assert _round_trip(x, map_location="cpu").device == tt.device("cpu")
    assert _round_trip(tt.ones(2), map_location="cuda:0").device == tt.device("cuda:0")
