"""Type aliases shared by the optimizers and schedulers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from taeda.autograd import Variable

#: A NumPy or CuPy array (CuPy mirrors NumPy's API; it ships no type information).
Array: TypeAlias = NDArray[Any]
#: The array module (``numpy`` or ``cupy``) an update runs with.
ArrayModule: TypeAlias = Any
#: What an optimizer accepts: Variables, ``(name, Variable)`` pairs, or dicts describing parameter groups.
ParamsT: TypeAlias = Iterable[Variable] | Iterable[tuple[str, Variable]] | Iterable[dict[str, Any]]
#: A closure that re-evaluates the model and returns the loss.
Closure: TypeAlias = Callable[[], Any]

FLOAT32 = np.dtype("float32")
