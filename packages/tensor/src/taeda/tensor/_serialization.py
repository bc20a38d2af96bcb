"""``save`` / ``load``: tensors and nested containers of them in a zip of ``.npy`` entries plus a JSON manifest.

File layout (a plain, uncompressed zip archive):

- ``manifest.json``: ``{"format": "taeda.tensor", "version": 1, "root": NODE}``, where a NODE is one of
  ``{"type": "none"}``, ``{"type": "bool"|"int"|"str", "value": ...}``, ``{"type": "float", "value": float.hex(x)}``
  (exact, also for nan and inf), ``{"type": "list"|"tuple", "items": [NODE, ...]}``,
  ``{"type": "dict"|"OrderedDict", "items": [[KEY_NODE, NODE], ...]}`` (keys keep their type: ``{0: ...}`` stays
  an int key) and ``{"type": "tensor", "entry": "tensors/N.npy", "dtype": "<f4", "shape": [...], "device": "cpu"}``.
- ``tensors/N.npy``: one ``.npy`` file per distinct tensor object.

Loading parses JSON and reads ``.npy`` data with ``allow_pickle=False``: nothing in a file can run code. Every
node, dtype, shape and entry is checked, and a file that is not ours, truncated or malformed raises
``RuntimeError`` naming the problem. Each tensor is saved as the elements it shows (a view does not drag its
base's whole storage along); one tensor object that appears twice loads as one object, while distinct tensors
(including distinct views of one base) load as independent tensors. A ``Size`` loads as a plain tuple and NumPy
scalars (``np.float32(0.5)``, ``np.int64(3)``, ``np.bool_``) as the Python numbers they hold.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from taeda.tensor import cuda
from taeda.tensor._device import Device
from taeda.tensor._size import Size
from taeda.tensor._tensor import Tensor, _wrap

__all__ = ["save", "load"]

_FORMAT = "taeda.tensor"
_VERSION = 1
_MANIFEST = "manifest.json"
_MAX_MANIFEST_BYTES = 256 * 2**20
_MAX_DEPTH = 200
_DTYPES = frozenset(
    np.dtype(n).str
    for n in (
        "bool",
        "uint8",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    )
)

FileLike = str | os.PathLike[str] | IO[bytes]


class _Writer:
    __slots__ = ("entries", "memo")

    def __init__(self) -> None:
        self.entries: list[tuple[str, Any]] = []
        self.memo: dict[int, dict[str, Any]] = {}

    def encode(self, obj: Any, where: str, depth: int) -> dict[str, Any]:
        if depth > _MAX_DEPTH:
            raise ValueError(f"taeda.tensor.save: {where} is nested more than {_MAX_DEPTH} levels deep")
        t = type(obj)
        if obj is None:
            return {"type": "none"}
        if t is bool:
            return {"type": "bool", "value": obj}
        if t is int:
            return {"type": "int", "value": obj}
        if t is float:
            return {"type": "float", "value": obj.hex()}
        if t is str:
            return {"type": "str", "value": obj}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":  # NumPy scalars (np.float64(0.5) ...)
            return self.encode(obj.item(), where, depth)
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if t is list or t is tuple or t is Size:
            items = [self.encode(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)]
            return {"type": "list" if t is list else "tuple", "items": items}
        if t is dict or t is OrderedDict:
            pairs = []
            for k, v in obj.items():
                kn = self.encode(k, f"a key of {where}", depth + 1)
                if kn["type"] in ("tensor", "list", "dict", "OrderedDict"):
                    raise TypeError(
                        f"taeda.tensor.save: the dict keys in {where} must be plain values, got a {kn['type']}"
                    )
                pairs.append([kn, self.encode(v, f"{where}[{k!r}]", depth + 1)])
            return {"type": t.__name__, "items": pairs}
        if t.__module__ in ("numpy", "cupy") and t.__name__ == "ndarray":
            hint = " (wrap it with taeda.tensor.as_tensor first)"
        elif isinstance(getattr(obj, "data", None), Tensor):
            hint = " (save its .data)"
        else:
            hint = ""
        raise TypeError(
            f"taeda.tensor.save: cannot save {where} of type {t.__module__}.{t.__qualname__}{hint}; supported are "
            "Tensors, dict, OrderedDict, list, tuple, int, float, str, bool and None"
        )

    def tensor(self, t: Tensor) -> dict[str, Any]:
        node = self.memo.get(id(t))
        if node is None:
            arr = t._array
            entry = f"tensors/{len(self.entries)}.npy"
            self.entries.append((entry, t))  # keeps t alive, so id(t) stays unique while saving
            node = {
                "type": "tensor",
                "entry": entry,
                "dtype": arr.dtype.str,
                "shape": list(arr.shape),
                "device": str(t.device),
            }
            self.memo[id(t)] = node
        return node


def save(obj: Any, f: FileLike) -> None:
    """Save a tensor, or nested dicts (also ``OrderedDict``), lists and tuples of tensors and plain values, to ``f``
    (a path or a binary file object).

    Example:
        >>> import io, taeda.tensor as tt
        >>> buf = io.BytesIO()
        >>> tt.save({"w": tt.ones(2), "step": 3}, buf)
        >>> _ = buf.seek(0); tt.load(buf)
        {'w': tensor([1., 1.]), 'step': 3}
    """
    writer = _Writer()
    root = writer.encode(obj, "obj", 0)
    manifest = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root}, allow_nan=False)
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(_MANIFEST, manifest)
        for entry, t in writer.entries:
            arr = t._array
            host = arr if isinstance(arr, np.ndarray) else arr.get()
            with zf.open(entry, "w", force_zip64=host.nbytes >= 2**31) as fh:
                np.lib.format.write_array(fh, host, allow_pickle=False)


class _Reader:
    __slots__ = ("cache", "map_location", "source", "zf")

    def __init__(self, zf: zipfile.ZipFile, source: str, map_location: Callable[[str], Any]) -> None:
        self.zf = zf
        self.source = source
        self.map_location = map_location
        self.cache: dict[str, Tensor] = {}

    def fail(self, msg: str) -> RuntimeError:
        return RuntimeError(f"taeda.tensor.load: {self.source} is not a valid taeda file: {msg}")

    def decode(self, node: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise self.fail(f"the manifest is nested more than {_MAX_DEPTH} levels deep")
        if type(node) is not dict or type(node.get("type")) is not str:
            raise self.fail(f"malformed manifest node {_short(node)}")
        kind = node["type"]
        expected = _KEYS.get(kind)
        if expected is None:
            raise self.fail(f"unknown node type {kind!r}")
        if set(node) != expected:
            raise self.fail(f"a {kind!r} node must have the keys {sorted(expected)}, got {sorted(node)}")
        if kind == "none":
            return None
        if kind in _SCALARS:
            value = node["value"]
            if type(value) is not _SCALARS[kind]:
                raise self.fail(f"a {kind!r} node holds {_short(value)}")
            if kind == "float":
                try:
                    return float.fromhex(str(value))
                except ValueError:
                    raise self.fail(f"bad float {_short(value)}") from None
            return value
        items = node["items"] if kind != "tensor" else None
        if kind in ("list", "tuple"):
            if type(items) is not list:
                raise self.fail(f"the items of a {kind!r} node must be a list")
            values = [self.decode(v, depth + 1) for v in items]
            return values if kind == "list" else tuple(values)
        if kind in ("dict", "OrderedDict"):
            if type(items) is not list or any(type(p) is not list or len(p) != 2 for p in items):
                raise self.fail(f"the items of a {kind!r} node must be a list of [key, value] pairs")
            out: dict[Any, Any] = {} if kind == "dict" else OrderedDict()
            for k, v in items:
                key = self.decode(k, depth + 1)
                try:
                    out[key] = self.decode(v, depth + 1)
                except TypeError:
                    raise self.fail(f"unhashable dict key {_short(key)}") from None
            return out
        return self.tensor(node)

    def tensor(self, node: dict[str, Any]) -> Tensor:
        entry, dtype, shape, device = node["entry"], node["dtype"], node["shape"], node["device"]
        if type(entry) is not str or not entry.startswith("tensors/") or not entry.endswith(".npy"):
            raise self.fail(f"bad tensor entry name {_short(entry)}")
        if type(dtype) is not str or dtype not in _DTYPES:
            raise self.fail(f"unsupported tensor dtype {_short(dtype)}")
        if type(shape) is not list or any(type(s) is not int or s < 0 for s in shape):
            raise self.fail(f"bad tensor shape {_short(shape)}")
        if type(device) is not str:
            raise self.fail(f"bad tensor device {_short(device)}")
        cached = self.cache.get(entry)
        if cached is not None:
            if cached._array.dtype.str != dtype or list(cached._array.shape) != shape:
                raise self.fail(f"{entry} is described twice with different dtypes or shapes")
            return cached
        try:
            with self.zf.open(entry) as fh:
                arr = np.lib.format.read_array(fh, allow_pickle=False)
        except KeyError:
            raise self.fail(f"the entry {entry} is missing") from None
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
            raise self.fail(f"cannot read {entry} ({e})") from None
        if arr.dtype.str != dtype or list(arr.shape) != shape:
            raise self.fail(
                f"{entry} holds {arr.dtype.str} data of shape {list(arr.shape)}, the manifest says {dtype} {shape}"
            )
        t = _wrap(self.map_location(device)(arr))
        self.cache[entry] = t
        return t


_KEYS = {
    "none": {"type"},
    "bool": {"type", "value"},
    "int": {"type", "value"},
    "float": {"type", "value"},
    "str": {"type", "value"},
    "list": {"type", "items"},
    "tuple": {"type", "items"},
    "dict": {"type", "items"},
    "OrderedDict": {"type", "items"},
    "tensor": {"type", "entry", "dtype", "shape", "device"},
}
_SCALARS: dict[str, type] = {"bool": bool, "int": int, "float": str, "str": str}


def _short(x: Any) -> str:
    s = repr(x)
    return s if len(s) <= 80 else s[:77] + "..."


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _placement(map_location: Any, source: str) -> Callable[[str], Any]:
    """A function from a saved device name to the function that puts an ndarray on the target device."""
    if map_location is not None and not isinstance(map_location, (str, Device, dict)):
        raise TypeError(
            "taeda.tensor.load: map_location must be None, a device ('cpu', 'cuda:0', a Device) or a dict mapping "
            f"saved devices to devices, got {type(map_location).__name__}"
        )

    def target(saved: str) -> Any:
        where: Any = saved
        if isinstance(map_location, dict):
            where = map_location.get(saved, saved)
        elif map_location is not None:
            where = map_location
        try:
            dev = Device(where)
        except (RuntimeError, ValueError, TypeError) as e:
            raise RuntimeError(
                f"taeda.tensor.load: bad device {where!r} for a tensor saved on {saved!r}: {e}"
            ) from None
        if dev.type == "cuda" and not cuda.is_available():
            raise RuntimeError(
                f"taeda.tensor.load: {source} holds a tensor saved on {saved!r} but CUDA is not available; "
                "pass map_location='cpu' to load it on the CPU"
            )
        return dev.send

    return target


def load(f: FileLike, map_location: Any = None) -> Any:
    """Load what ``save`` wrote, putting tensors on their saved device or on ``map_location``: a device
    (``"cpu"``, ``"cuda:0"``) or a dict from saved device names to devices.

    Never runs code from the file; a file that is not ours, truncated or malformed raises ``RuntimeError``.

    Example:
        >>> import io, taeda.tensor as tt
        >>> buf = io.BytesIO(); tt.save([tt.zeros(2), (1.5, "a")], buf); _ = buf.seek(0)
        >>> tt.load(buf, map_location="cpu")
        [tensor([0., 0.]), (1.5, 'a')]
    """
    source = repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else "the file"
    try:
        zf = zipfile.ZipFile(f, "r")
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise RuntimeError(
            f"taeda.tensor.load: {source} is not a file written by taeda.tensor.save (not a zip archive, or a "
            f"truncated one: {e})"
        ) from None
    with zf:
        reader = _Reader(zf, source, _placement(map_location, source))
        try:
            info = zf.getinfo(_MANIFEST)
        except KeyError:
            raise reader.fail("it has no manifest.json (not written by taeda.tensor.save)") from None
        if info.file_size > _MAX_MANIFEST_BYTES:
            raise reader.fail(f"manifest.json is implausibly large ({info.file_size} bytes)")
        try:
            manifest = json.loads(zf.read(_MANIFEST).decode("utf-8"), parse_constant=_reject_constant)
        except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, OSError, EOFError) as e:
            raise reader.fail(f"cannot read manifest.json ({e})") from None
        if type(manifest) is not dict or manifest.get("format") != _FORMAT:
            raise reader.fail(f"manifest.json does not describe a {_FORMAT} file")
        if manifest.get("version") != _VERSION:
            raise reader.fail(f"unsupported format version {_short(manifest.get('version'))} (this reader: {_VERSION})")
        if set(manifest) != {"format", "version", "root"}:
            raise reader.fail(f"unexpected manifest keys {sorted(manifest)}")
        return reader.decode(manifest["root"], 0)
