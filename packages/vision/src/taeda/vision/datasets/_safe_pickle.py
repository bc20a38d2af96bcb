"""A restricted unpickler for CIFAR's Python batches: plain containers, bytes and NumPy arrays, nothing else.

``find_class`` admits exactly the three callables NumPy's array pickles need (``numpy.ndarray``, ``numpy.dtype`` and
the ``_reconstruct`` helper, under its NumPy 1 and NumPy 2 module names); every other global raises
``pickle.UnpicklingError``. After loading, the object tree is checked to hold only dicts, lists, str, bytes, ints and
NumPy arrays of plain numeric dtype (object arrays and tuples are refused).
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
from typing import Any

import numpy as np

__all__ = ["load_restricted"]


def _reconstruct() -> Any:
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return importlib.import_module(module)._reconstruct
        except (ImportError, AttributeError):
            continue
    raise ImportError("numpy's array reconstruction helper was not found")


_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct(),
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct(),
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, name: str) -> None:
        super().__init__(file, encoding="latin1")
        self._name = name

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"{self._name}: global '{module}.{name}' is not allowed in a dataset pickle "
                "(only NumPy arrays, dicts, lists, strings, bytes and ints are)"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError(f"{self._name}: persistent ids are not allowed in a dataset pickle")


def _check(obj: Any, name: str, depth: int = 0) -> None:
    if depth > 32:
        raise pickle.UnpicklingError(f"{name}: nesting too deep for a dataset pickle")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check(k, name, depth + 1)
            _check(v, name, depth + 1)
    elif isinstance(obj, list):
        for v in obj:
            _check(v, name, depth + 1)
    elif isinstance(obj, np.ndarray):
        if type(obj) is not np.ndarray or obj.dtype.kind not in "biuf" or obj.dtype.fields is not None:
            raise pickle.UnpicklingError(f"{name}: NumPy array of dtype {obj.dtype} is not allowed in a dataset pickle")
    elif not isinstance(obj, str | bytes | int):
        raise pickle.UnpicklingError(f"{name}: object of type {type(obj).__name__} is not allowed in a dataset pickle")


def load_restricted(path: str | os.PathLike[str]) -> Any:
    """Load a pickle file that may hold only dicts, lists, str, bytes, ints and numeric NumPy arrays.

    Truncated or corrupt files raise ``RuntimeError`` naming the file; forbidden content raises
    ``pickle.UnpicklingError`` naming the file and the offending global or type.

    Example:
        >>> batch = load_restricted("cifar-10-batches-py/test_batch")  # doctest: +SKIP
        >>> batch["data"].shape  # doctest: +SKIP
        (10000, 3072)
    """
    name = os.fspath(path)
    with open(name, "rb") as f:
        raw = f.read()
    try:
        obj = _RestrictedUnpickler(io.BytesIO(raw), name).load()
    except pickle.UnpicklingError as e:
        if str(e).startswith(name):
            raise
        raise RuntimeError(f"{name}: corrupt or truncated pickle ({e})") from e
    except (EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError, MemoryError) as e:
        raise RuntimeError(f"{name}: corrupt or truncated pickle ({type(e).__name__}: {e})") from e
    _check(obj, name)
    return obj
