"""State-dict hooks and extra state for ``Module``: ``register_state_dict_pre_hook``/``_post_hook``,
``register_load_state_dict_pre_hook``/``_post_hook`` and ``get_extra_state``/``set_extra_state``, with PyTorch's
signatures and call order (``Module`` inherits them from ``StateDictHooks``)."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from taeda.nn.modules._hooks import RemovableHandle

if TYPE_CHECKING:
    from taeda.nn.modules.module import Module

__all__ = ["EXTRA_STATE_KEY_SUFFIX", "StateDictHooks"]

EXTRA_STATE_KEY_SUFFIX = "_extra_state"
Hook = Callable[..., Any]


class _WrappedHook:
    """A load-state-dict pre-hook, optionally called with its module (held weakly) as the first argument."""

    def __init__(self, hook: Hook, module: Module | None = None) -> None:
        self.hook = hook
        functools.update_wrapper(self, hook)
        self.with_module = module is not None
        if module is not None:
            self.module = weakref.ref(module)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.with_module:
            module = self.module()
            if module is None:
                raise RuntimeError("You are trying to call the hook of a dead Module!")
            return self.hook(module, *args, **kwargs)
        return self.hook(*args, **kwargs)

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = {"hook": self.hook, "with_module": self.with_module}
        if self.with_module:
            state["module"] = self.module()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.hook = state["hook"]
        self.with_module = state["with_module"]
        if self.with_module:
            if state["module"] is None:
                raise RuntimeError("You are trying to revive the hook of a dead Module!")
            self.module = weakref.ref(state["module"])


class StateDictHooks:
    """The state-dict hook registries of a ``Module`` and its extra-state protocol.

    Example::

        >>> handle = model.register_state_dict_post_hook(lambda m, sd, prefix, meta: sd.pop(prefix + "bias"))
        >>> "bias" in model.state_dict()
        False
    """

    _state_dict_pre_hooks: dict[int, Hook]
    _state_dict_hooks: dict[int, Hook]
    _load_state_dict_pre_hooks: dict[int, Hook]
    _load_state_dict_post_hooks: dict[int, Hook]

    def _init_state_dict_hooks(self) -> None:
        for name in (
            "_state_dict_pre_hooks",
            "_state_dict_hooks",
            "_load_state_dict_pre_hooks",
            "_load_state_dict_post_hooks",
        ):
            if name not in self.__dict__:
                object.__setattr__(self, name, {})

    def register_state_dict_pre_hook(self, hook: Hook) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before this module's ``state_dict`` collects anything.

        Example::

            >>> handle = model.register_state_dict_pre_hook(lambda m, prefix, keep_vars: print(prefix))
        """
        handle = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def register_state_dict_post_hook(self, hook: Hook) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after this module's (and its children's)
        entries are in ``state_dict``; the hook may change ``state_dict`` in place and must return ``None``.

        Example::

            >>> handle = model.register_state_dict_post_hook(lambda m, sd, prefix, meta: None)
        """
        try:
            setattr(hook, "_from_public_api", True)  # noqa: B010
        except AttributeError:  # a bound method takes no attributes: mark a transparent wrapper instead
            hook = functools.partial(hook)
            setattr(hook, "_from_public_api", True)  # noqa: B010
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    def _register_state_dict_hook(self, hook: Hook) -> RemovableHandle:
        """The private post-hook: ``hook(module, state_dict, prefix, local_metadata)`` may also return a new
        ``state_dict`` (respected only on the module ``state_dict`` was called on)."""
        if getattr(hook, "_from_public_api", False):
            raise RuntimeError(
                "Cannot register the same function as the state dict post hook that was previously registered via "
                "register_state_dict_post_hook"
            )
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    def _register_load_state_dict_pre_hook(self, hook: Hook, with_module: bool = False) -> RemovableHandle:
        """``hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)`` runs
        before this module loads its entries (with ``with_module=True`` the module comes first)."""
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        module: Any = self
        self._load_state_dict_pre_hooks[handle.id] = _WrappedHook(hook, module if with_module else None)
        return handle

    def register_load_state_dict_pre_hook(self, hook: Hook) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` before this module copies its entries; ``state_dict`` holds this module's keys (a copy the
        hook may change).

        Example::

            >>> def rename(m, sd, prefix, meta, strict, missing, unexpected, errors):
            ...     if prefix + "w" in sd:
            ...         sd[prefix + "weight"] = sd.pop(prefix + "w")
            >>> handle = layer.register_load_state_dict_pre_hook(rename)
        """
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def register_load_state_dict_post_hook(self, hook: Hook) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after this module and its children have loaded; the hook may
        edit ``incompatible_keys.missing_keys``/``unexpected_keys`` in place (which decides whether a strict load
        raises) and must return ``None``.

        Example::

            >>> handle = model.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
        """
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    def get_extra_state(self) -> Any:
        """Return extra (picklable) state to store under ``"<prefix>_extra_state"`` in ``state_dict``.

        Override it together with ``set_extra_state``; ``state_dict`` only calls it when a subclass overrides it.

        Example::

            >>> class Counted(Module):
            ...     def get_extra_state(self): return {"calls": 3}
            ...     def set_extra_state(self, state): self.calls = state["calls"]
            >>> Counted().state_dict()["_extra_state"]
            {'calls': 3}
        """
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called. Please file an issue "
            "to report this bug."
        )

    def set_extra_state(self, state: Any) -> None:
        """Restore the extra state that ``get_extra_state`` produced (called by ``load_state_dict`` when a subclass
        overrides it).

        Example::

            >>> Counted().load_state_dict({"_extra_state": {"calls": 5}})
            <All keys matched successfully>
        """
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called. Please file an issue "
            "to report this bug."
        )

    def _has_extra_state(self, kind: str) -> bool:
        """Whether ``type(self)`` overrides ``get_extra_state`` (``kind="get"``) or ``set_extra_state``."""
        name = f"{kind}_extra_state"
        return getattr(type(self), name) is not getattr(StateDictHooks, name)
