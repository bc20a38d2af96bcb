"""The ``__taeda_function__`` protocol: how an upper layer's tensor-like type overrides module-level functions.

If any argument of a decorated function (also inside a list or tuple argument, such as ``cat``'s, or a keyword
argument) has a type defining ``__taeda_function__``, the function returns
``arg.__taeda_function__(func, types, args, kwargs)`` with ``func`` the public function itself. ``NotImplemented``
tries the next such argument; if all decline, ``TypeError``. The common case (only Tensors, numbers, strings,
None, dtypes, ndarrays) costs two set lookups per argument: types known to carry no override are remembered.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, Protocol, TypeVar, runtime_checkable

import numpy as np

__all__ = ["SupportsTaedaFunction", "taeda_function", "has_override", "handle_override"]

P = ParamSpec("P")
R = TypeVar("R")


@runtime_checkable
class SupportsTaedaFunction(Protocol):
    """A tensor-like type that takes over module-level ``taeda.tensor`` functions called with it.

    Example:
        >>> class Box:
        ...     def __init__(self, t): self.t = t
        ...     def __taeda_function__(self, func, types, args, kwargs):
        ...         return Box(func(*[a.t if isinstance(a, Box) else a for a in args], **kwargs))
    """

    def __taeda_function__(
        self, func: Callable[..., Any], types: tuple[type, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any: ...


# Types known to carry no override; grows as new plain types are seen (never list/tuple: their items matter).
_PLAIN: set[type] = {int, float, bool, str, complex, type(None), slice, type(Ellipsis), np.ndarray, np.dtype}
_CONTAINERS = (list, tuple)


def _collect(x: Any, found: list[Any]) -> None:
    t = type(x)
    if t in _PLAIN:
        return
    if t in _CONTAINERS:
        for item in x:
            _collect(item, found)
        return
    if getattr(t, "__taeda_function__", None) is not None:
        found.append(x)
    elif t is not dict:
        _PLAIN.add(t)


def handle_override(func: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """Call the overrides of the arguments of ``func`` in order; ``_NO_OVERRIDE`` when no argument has one."""
    found: list[Any] = []
    for a in args:
        _collect(a, found)
    for v in kwargs.values():
        _collect(v, found)
    if not found:
        return _NO_OVERRIDE
    types: list[type] = []
    for f in found:
        if type(f) not in types:
            types.append(type(f))
    # subclasses before their bases, as in NumPy and PyTorch
    ordered: list[Any] = []
    for f in found:
        if any(type(o) is type(f) for o in ordered):
            continue
        pos = len(ordered)
        for i, o in enumerate(ordered):
            if issubclass(type(f), type(o)):
                pos = i
                break
        ordered.insert(pos, f)
    tt = tuple(types)
    for f in ordered:
        r = type(f).__taeda_function__(f, func, tt, tuple(args), kwargs)
        if r is not NotImplemented:
            return r
    names = ", ".join(t.__name__ for t in tt)
    raise TypeError(f"no implementation of {getattr(func, '__name__', func)!r} found for argument types: {names}")


class _NoOverride:
    __slots__ = ()


_NO_OVERRIDE: Any = _NoOverride()


def has_override(*args: Any) -> bool:
    """Whether any of the arguments (or items of list/tuple arguments) defines ``__taeda_function__``."""
    found: list[Any] = []
    for a in args:
        _collect(a, found)
    return bool(found)


def _quiet_already() -> bool:
    """Whether NumPy's floating point errors are all ignored here (so a RuntimeWarning came from elsewhere)."""
    return all(v == "ignore" for v in np.geterr().values())


def taeda_function(impl: Callable[P, R]) -> Callable[P, R]:
    """Decorate a module-level function so that arguments defining ``__taeda_function__`` take it over.

    Example:
        >>> @taeda_function
        ... def double(x):
        ...     return x * 2
        >>> double(3)
        6
    """
    plain = _PLAIN

    # Under a warnings filter that makes NumPy's floating point RuntimeWarning an error, compute again with the
    # warnings off (see _fpwarnings); not for functions that write into an argument or draw random numbers.
    retry = not impl.__name__.endswith("_") and impl.__module__ != "taeda.tensor._random"

    @functools.wraps(impl)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            for a in args:
                if type(a) not in plain:
                    break
            else:
                if not kwargs:
                    return impl(*args)  # type: ignore[call-arg]
                for v in kwargs.values():
                    if type(v) not in plain:
                        break
                else:
                    return impl(*args, **kwargs)
            r = handle_override(wrapper, args, kwargs)
            if r is _NO_OVERRIDE:
                return impl(*args, **kwargs)
            return r  # type: ignore[no-any-return]
        except RuntimeWarning:
            if not retry or kwargs.get("out") is not None or _quiet_already():
                raise
        with np.errstate(all="ignore"):
            return wrapper(*args, **kwargs)

    wrapper.__taeda_impl__ = impl  # type: ignore[attr-defined]
    return wrapper
