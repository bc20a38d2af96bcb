"""NumPy's floating point warnings stay inside taeda: PyTorch prints nothing for ``log(0)``, ``1/0`` ...

NumPy reports a floating point error of a ufunc (``divide by zero encountered in log``) as a ``RuntimeWarning``
attributed to the Python frame that called the ufunc: a module of ``taeda.tensor`` for taeda's own ufunc calls,
a module of NumPy when taeda calls a NumPy function written in Python (``ndarray.sum``, ``np.nanmean`` ...).

- ``install()`` (run once by ``taeda.tensor``'s ``__init__``) adds a warnings filter that ignores RuntimeWarnings
  attributed to a taeda package (``taeda.tensor``, and the packages built on it, whose kernels call NumPy
  too), or to NumPy code that one of them called. Nothing is paid per call (the
  filter only runs when a warning is raised), and NumPy calls of user code still warn. A ``catch_warnings()``
  block restores the filter list it started with when it ends: taeda.tensor first imported inside one (pytest
  imports test modules so) loses the filter at its end; ``install()`` may be called again.
- A filter added later comes first. One that turns warnings into errors makes the ufunc raise; the operator
  paths (``_operators``), every ``taeda_function`` and the hot Tensor methods catch that ``RuntimeWarning`` and
  compute again under ``np.errstate(all="ignore")``, so the result is PyTorch's inf/nan either way.
"""

from __future__ import annotations

import re
import sys
import warnings

__all__ = ["MODULES", "install"]

MODULES = re.compile(r"taeda\.(tensor|autograd|nn|optim|data|vision)(\.|$)")
"""Modules (taeda's six packages) whose RuntimeWarnings are NumPy's floating point reports on taeda's data."""


class _FromTaeda:
    """The ``module`` matcher of the filter: a ``taeda.tensor`` module, or NumPy code called by one."""

    __slots__ = ()

    def match(self, module: str) -> bool:
        if MODULES.match(module):
            return True
        if not module.startswith("numpy"):
            return False
        frame = sys._getframe(1)  # the NumPy frame that called the ufunc (the warnings machinery is C code)
        while frame is not None:
            name = frame.f_globals.get("__name__", "")
            if not (name.startswith("numpy") or name == "warnings"):
                return MODULES.match(name) is not None  # the first caller outside NumPy decides
            frame = frame.f_back  # type: ignore[assignment]
        return False

    def __eq__(self, other: object) -> bool:
        return type(other) is _FromTaeda

    def __hash__(self) -> int:
        return hash(_FromTaeda)

    def __repr__(self) -> str:
        return "taeda.tensor._fpwarnings.FROM_TAEDA"


_FILTER = ("ignore", None, RuntimeWarning, _FromTaeda(), 0)


def _add(filters: list[tuple[object, ...]]) -> None:
    if _FILTER in filters:
        filters.remove(_FILTER)
    filters.insert(0, _FILTER)  # what warnings.filterwarnings does, which only takes a regex string as module


def install() -> None:
    """Ignore RuntimeWarnings raised from ``taeda.tensor``'s own computations (idempotent)."""
    mutated = getattr(warnings, "_filters_mutated", None)  # CPython 3.11-3.13; the list is its public state
    if mutated is None:
        # NOTE: an interpreter without it gets the plain regex filter (taeda's own frames only, not NumPy's).
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=MODULES.pattern)
        return
    _add(warnings.filters)  # type: ignore[arg-type]
    mutated()
