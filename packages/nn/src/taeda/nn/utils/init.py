"""``skip_init``: build a module without running its parameter initialisation (PyTorch's
``torch.nn.utils.skip_init``)."""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

from taeda.nn.modules.module import Module

__all__ = ["skip_init"]

M = TypeVar("M", bound=Module)


def _no_reset(self: Module) -> None:
    """``reset_parameters`` while ``skip_init`` builds a module: nothing is initialised."""


def skip_init(module_cls: type[M], *args: Any, **kwargs: Any) -> M:
    """Instantiate ``module_cls(*args, **kwargs)`` with uninitialised parameters and buffers.

    As in PyTorch, the class must accept a ``device`` argument; its parameters and buffers end up as uninitialised
    memory (``taeda.tensor.empty``) on ``device`` (default ``"cpu"``). taeda has no ``meta`` device: the module is
    built with its ``reset_parameters`` (where every taeda layer initialises) turned off, so no random numbers are
    drawn, and then moved with ``to_empty``.

    Example::

        >>> m = skip_init(Linear, 5, 1)
        >>> m.weight.shape, type(m).__name__
        (taeda.Size([1, 5]), 'Linear')
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    device = kwargs.pop("device", "cpu")
    quiet = type(
        module_cls.__name__,
        (module_cls,),
        {"reset_parameters": _no_reset, "__module__": module_cls.__module__, "__qualname__": module_cls.__qualname__},
    )
    module: M = quiet(*args, device=device, **kwargs)
    object.__setattr__(module, "__class__", module_cls)
    return module.to_empty(device=device)
