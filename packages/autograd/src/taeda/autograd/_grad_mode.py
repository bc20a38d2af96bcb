"""Grad mode: a thread-local switch that decides whether operations record a graph.

``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode`` work as context managers and as
decorators, as in PyTorch.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    enabled: bool = True
    inference: bool = False


_state = _State()


def is_grad_enabled() -> bool:
    """True when operations on Variables that require grad record a graph (per thread).

    Example::

        >>> with no_grad():
        ...     is_grad_enabled()
        False
    """
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (per thread).

    Example::

        >>> with inference_mode():
        ...     is_inference_mode_enabled()
        True
    """
    return _state.inference


class _GradModeContext:
    """Base for context managers that set grad mode on enter and restore it on exit; also usable as decorators."""

    _target: bool

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(_state.enabled)
        _state.enabled = self._target

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _state.enabled = self._prev.pop()

    def __call__(self, fn: F) -> F:
        target = self._target
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(fn, target)  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _state.enabled
            _state.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                _state.enabled = prev

        return wrapper  # type: ignore[return-value]


def _wrap_generator(fn: Callable[..., Generator[Any, Any, Any]], target: bool) -> Callable[..., Any]:
    """A generator function whose body runs (each resumption) in grad mode ``target``, as PyTorch's decorators do."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        gen = fn(*args, **kwargs)
        step: Callable[[], Any] = lambda: gen.send(None)  # noqa: E731
        while True:
            prev = _state.enabled
            _state.enabled = target
            try:
                value = step()
            except StopIteration as stop:
                return stop.value
            finally:
                _state.enabled = prev
            try:
                sent = yield value
            except GeneratorExit:
                prev = _state.enabled
                _state.enabled = target
                try:
                    gen.close()
                finally:
                    _state.enabled = prev
                raise
            except BaseException as exc:  # thrown into the wrapper: forward it to the generator
                step = functools.partial(gen.throw, exc)
            else:
                step = functools.partial(gen.send, sent)

    return wrapper


class _BareDecorator(_GradModeContext):
    """``no_grad``/``enable_grad`` also decorate without parentheses (``@no_grad``), as in PyTorch."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self, orig_func: Callable[..., Any] | None = None) -> None:
        super().__init__()


class no_grad(_BareDecorator):
    """Disable graph recording inside a ``with`` block or a decorated function.

    Example::

        >>> x = Variable(tt.ones(2), requires_grad=True)
        >>> with no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    _target = False


class enable_grad(_BareDecorator):
    """Enable graph recording inside a ``with`` block or a decorated function (e.g. inside ``no_grad``).

    Example::

        >>> with no_grad(), enable_grad():
        ...     is_grad_enabled()
        True
    """

    _target = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``: immediately (as a function call) and, used with ``with``, restored on exit.

    Example::

        >>> with set_grad_enabled(False):
        ...     is_grad_enabled()
        False
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._target = bool(mode)
        self._prev.append(_state.enabled)
        _state.enabled = self._target

    def __enter__(self) -> None:
        # the mode was already set by __init__ (PyTorch's semantics for the plain call form)
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _state.enabled = self._prev.pop()

    def __call__(self, fn: F) -> F:
        # used as a decorator: undo the immediate switch made by __init__ and apply the mode per call instead
        if self._prev:
            _state.enabled = self._prev.pop()
        return super().__call__(fn)


class inference_mode(_GradModeContext):
    """PyTorch's ``inference_mode``: no graph recording inside (``mode=True``), or grad mode switched back on with
    ``mode=False`` (as PyTorch, even inside ``no_grad``); ``is_inference_mode_enabled()`` reports it.

    Differences from PyTorch: taeda has no inference tensors, so a result computed inside is an ordinary tensor
    that autograd may use later (PyTorch refuses), and it runs exactly as fast as ``no_grad``. In a decorated
    generator function only the grad mode follows each resumption, not ``is_inference_mode_enabled()``.

    Example::

        >>> x = Variable(tt.ones(2), requires_grad=True)
        >>> with inference_mode():
        ...     y = x * 2
        >>> y.requires_grad, is_inference_mode_enabled()
        (False, False)
    """

    def __new__(cls, mode: bool | Callable[..., Any] = True) -> Any:
        if callable(mode):  # bare decorator: @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool | Callable[..., Any] = True) -> None:
        super().__init__()
        self._mode = bool(mode) if not callable(mode) else True
        self._target = not self._mode
        self._prev_inference: list[bool] = []

    def __enter__(self) -> None:
        super().__enter__()
        self._prev_inference.append(_state.inference)
        _state.inference = self._mode

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _state.inference = self._prev_inference.pop()
        super().__exit__(exc_type, exc, tb)

    def __call__(self, fn: F) -> F:
        inner = super().__call__(fn)  # the grad mode around fn (and around each generator resumption)
        if inspect.isgeneratorfunction(fn):
            return inner
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _state.inference
            _state.inference = mode
            try:
                return inner(*args, **kwargs)
            finally:
                _state.inference = prev

        return wrapper  # type: ignore[return-value]
