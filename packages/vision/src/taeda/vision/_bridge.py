"""The one place where taeda.vision meets taeda.tensor: wrapping arrays, unwrapping tensors, drawing random numbers.

Everything else in the package computes on NumPy arrays and PIL images and calls these helpers at its edges.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

import taeda.tensor as tt
from taeda.tensor import Tensor

__all__ = [
    "Tensor", "array_module", "like", "rand", "randint", "randn", "to_host", "to_numpy", "uniform",
    "unwrap", "wrap",
]  # fmt: skip


def wrap(array: Any) -> Tensor:
    """Wrap an array (NumPy or CuPy) as a taeda ``Tensor`` without copying or changing its dtype."""
    return tt.as_tensor(array)


def array_module(array: Any) -> Any:
    """``numpy`` or ``cupy``, read off the data."""
    return tt.get_array_module(array)


def unwrap(x: Tensor) -> Any:
    """The array behind a ``Tensor`` (no copy; NumPy or CuPy)."""
    return x.array


def to_host(array: Any) -> npt.NDArray[Any]:
    """A NumPy array with the contents of ``array`` (copied from the GPU when it lives there)."""
    return array if isinstance(array, np.ndarray) else array.get()


def like(host: npt.NDArray[Any], reference: Any) -> Any:
    """``host`` moved to the device of the array ``reference`` (no copy when that is the CPU)."""
    return host if isinstance(reference, np.ndarray) else array_module(reference).asarray(host)


def to_numpy(x: Tensor | npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The NumPy array behind a ``Tensor`` (copied to the host when it lives on a GPU) or the array itself."""
    a = x.array if isinstance(x, Tensor) else x
    if type(a) is not np.ndarray and not isinstance(a, np.ndarray):
        a = a.get()  # CuPy -> host
    return a


def rand(n: int, generator: tt.Generator | None = None) -> npt.NDArray[np.float64]:
    """``n`` uniform numbers in [0, 1) drawn from ``generator`` (taeda's default generator when None)."""
    return to_numpy(tt.rand(n, generator=generator, dtype=tt.float64)).astype(np.float64, copy=False)


def uniform(low: float, high: float, generator: tt.Generator | None = None) -> float:
    """One number uniform in [low, high), as ``torch.empty(1).uniform_(low, high)``."""
    return float(low + (high - low) * rand(1, generator)[0])


def randint(low: int, high: int, generator: tt.Generator | None = None) -> int:
    """One integer uniform in [low, high), as ``torch.randint(low, high, (1,))``."""
    if high <= low:
        raise ValueError(f"randint: empty range [{low}, {high})")
    return min(high - 1, low + int(rand(1, generator)[0] * (high - low)))


def randn(shape: tuple[int, ...], generator: tt.Generator | None = None) -> npt.NDArray[np.float32]:
    """Standard normal float32 numbers of ``shape`` drawn from ``generator``."""
    return to_numpy(tt.randn(*shape, generator=generator, dtype=tt.float32))
