"""The one place where taeda.data meets taeda.tensor: wrapping arrays, unwrapping Tensors, drawing seeds.

Everything else in the package computes on NumPy arrays and calls these helpers at its edges.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from taeda.tensor import Generator, Tensor, as_tensor, from_numpy, manual_seed, randint, set_num_threads, stack, tensor

__all__ = [
    "Generator",
    "Tensor",
    "draw_seed",
    "stack",
    "seed_default_generator",
    "tensor",
    "set_num_threads",
    "numpy_to_tensor",
    "to_array",
    "to_tensor",
]

_SEED_HIGH = 1 << 62


# Wrap an ndarray in a Tensor without copying it or changing its dtype (an alias: this sits on hot paths).
to_tensor: Callable[[Any], Tensor] = as_tensor
# The same for a NumPy array (cheaper: no device dispatch).
numpy_to_tensor: Callable[[Any], Tensor] = from_numpy


def to_array(tensor: Tensor) -> Any:
    """The ndarray under ``tensor`` (no copy)."""
    return tensor.array


def draw_seed(generator: Generator | None = None) -> int:
    """One non-negative 62-bit integer from ``generator`` (the global taeda generator when None).

    Samplers and the DataLoader draw one such seed per epoch and drive NumPy's PCG64 with it, so that
    ``taeda.tensor.manual_seed`` (or a seeded ``generator=``) makes every run reproducible.
    """
    t = randint(0, _SEED_HIGH, (1,), generator=generator)
    return int(np.asarray(t.array).reshape(-1)[0])


def seed_default_generator(seed: int) -> None:
    """Seed taeda's global generator (used in worker processes)."""
    manual_seed(seed)
