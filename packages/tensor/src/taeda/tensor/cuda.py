"""``taeda.tensor.cuda``: what CuPy reports about NVIDIA GPUs (all answers are "none" without CuPy)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

__all__ = ["current_device", "device_count", "is_available", "synchronize"]


def _load_cupy() -> ModuleType | None:
    try:
        import cupy
    except Exception:  # ImportError, or a broken CUDA install that fails at import time
        return None
    mod: ModuleType = cupy
    return mod


cupy: ModuleType | None = _load_cupy()
"""The ``cupy`` module when it imports, else ``None``."""

_count: int | None = None


def device_count() -> int:
    """Number of CUDA devices CuPy can use (0 without CuPy or without a GPU).

    Example:
        >>> device_count() >= 0
        True
    """
    global _count
    if _count is None:
        if cupy is None:
            _count = 0
        else:
            try:
                _count = int(cupy.cuda.runtime.getDeviceCount())
            except Exception:
                _count = 0
    return _count


def is_available() -> bool:
    """Whether a CUDA device can be used (CuPy installed and at least one GPU present).

    Example:
        >>> isinstance(is_available(), bool)
        True
    """
    return device_count() > 0


def current_device() -> int:
    """Index of CuPy's current CUDA device; raises ``RuntimeError`` without one."""
    _require()
    assert cupy is not None
    return int(cupy.cuda.Device().id)


def synchronize(device: Any = None) -> None:
    """Wait for all kernels on a CUDA device to finish."""
    _require()
    assert cupy is not None
    index = None if device is None else getattr(device, "index", device)
    with cupy.cuda.Device(index):
        cupy.cuda.Device().synchronize()


def _require() -> None:
    if not is_available():
        raise RuntimeError(
            "CUDA is not available: taeda.tensor needs CuPy and an NVIDIA GPU for 'cuda' tensors "
            "(install taeda-tensor[cuda]); use the CPU instead"
        )
