"""Devices: ``Device("cpu")``, ``Device("cuda:1")``; each owns its array module (``xp``) and a ``send``."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from taeda.tensor import cuda as _cuda

__all__ = ["Device", "device", "get_array_module", "device_of"]

_cache: dict[tuple[str, int | None], Device] = {}


class Device:
    """Where a tensor's storage lives: ``"cpu"`` (NumPy) or ``"cuda"``/``"cuda:N"`` (CuPy).

    Devices are interned: ``Device("cpu") is Device("cpu")``.

    Example:
        >>> d = Device("cpu")
        >>> d.type, d.index, d.xp.__name__
        ('cpu', None, 'numpy')
        >>> Device("cuda:1")
        device(type='cuda', index=1)
    """

    __slots__ = ("index", "type")
    type: str
    index: int | None

    def __new__(cls, type: str | Device | Any = "cpu", index: int | None = None) -> Device:
        if isinstance(type, Device):
            return type
        if isinstance(type, int) and not isinstance(type, bool):
            index = int(type)
            type = "cuda"
        if not isinstance(type, str):
            raise TypeError(f"Device() expects a string like 'cpu' or 'cuda:0', got {type!r}")
        name = type
        if ":" in name:
            if index is not None:
                raise ValueError(f"device string {name!r} already has an index; got index={index} as well")
            name, _, idx = name.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: {type!r}")
            index = int(idx)
        if name not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type!r}")
        if name == "cpu":
            index = None
        elif index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        key = (name, index)
        dev = _cache.get(key)
        if dev is None:
            dev = object.__new__(cls)
            object.__setattr__(dev, "type", name)
            object.__setattr__(dev, "index", index)
            _cache[key] = dev
        return dev

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Device is immutable")

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (Device, (str(self),))

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = Device(other)
            except (RuntimeError, ValueError):
                return False
        if not isinstance(other, Device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    @property
    def xp(self) -> ModuleType:
        """The array module of this device: ``numpy`` or ``cupy``."""
        if self.type == "cpu":
            return np
        return _require_cupy()

    def send(self, arr: Any) -> Any:
        """Return ``arr`` (an array, NumPy or CuPy, or array-like) as an array on this device; no copy if already there.

        Example:
            >>> Device("cpu").send([1, 2]).tolist()
            [1, 2]
        """
        if self.type == "cpu":
            if type(arr) is np.ndarray:
                return arr
            get = getattr(arr, "get", None)
            if get is not None and _cuda.cupy is not None and isinstance(arr, _cuda.cupy.ndarray):
                return get()
            return np.asarray(arr)
        cp = _require_cupy()
        idx = 0 if self.index is None else self.index
        if isinstance(arr, cp.ndarray) and arr.device.id == idx:
            return arr
        with cp.cuda.Device(idx):
            return cp.asarray(arr)

    def __enter__(self) -> Device:
        if self.type == "cuda":
            cp = _require_cupy()
            self_ctx = cp.cuda.Device(0 if self.index is None else self.index)
            self_ctx.__enter__()
            _ctx_stack.append(self_ctx)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.type == "cuda":
            _ctx_stack.pop().__exit__(*exc)


_ctx_stack: list[Any] = []

device = Device
CPU = Device("cpu")


def _require_cupy() -> ModuleType:
    cp = _cuda.cupy
    if cp is None or not _cuda.is_available():
        raise RuntimeError(
            "CUDA is not available: taeda.tensor needs CuPy and an NVIDIA GPU for 'cuda' tensors "
            "(install taeda-tensor[cuda], check taeda.tensor.cuda.is_available()); keep the tensor on the CPU"
        )
    return cp


def device_of(arr: Any) -> Device:
    """The ``Device`` of an ndarray (NumPy or CuPy)."""
    if type(arr) is np.ndarray or isinstance(arr, (np.ndarray, np.generic)):
        return CPU
    dev = getattr(arr, "device", None)
    idx = getattr(dev, "id", None)
    if idx is not None:
        return Device("cuda", int(idx))
    return CPU


def get_array_module(*arrays: Any) -> ModuleType:
    """The array module (``numpy`` or ``cupy``) of the given Tensors or ndarrays; ``numpy`` when none is on a GPU.

    Example:
        >>> import numpy as np
        >>> get_array_module(np.zeros(2)).__name__
        'numpy'
    """
    cp = _cuda.cupy
    if cp is None:
        return np
    for a in arrays:
        arr = getattr(a, "_array", a)
        if isinstance(arr, cp.ndarray):
            return cp
    return np
