"""The ``Optimizer`` base class: parameter groups, lazy per-parameter state, ``state_dict``, ``zero_grad`` and hooks."""

from __future__ import annotations

import functools
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, MutableMapping
from copy import deepcopy
from itertools import chain, count
from typing import Any

import numpy as _np

from taeda.autograd import RemovableHandle, Variable, enable_grad
from taeda.optim._types import FLOAT32, Array, ArrayModule, Closure, ParamsT
from taeda.tensor import Tensor, as_tensor

__all__ = [
    "Optimizer",
    "ParamState",
    "register_optimizer_step_post_hook",
    "register_optimizer_step_pre_hook",
]

_ndarray = _np.ndarray


class _Required:
    """Sentinel for a hyperparameter that every parameter group must give (PyTorch's ``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()

#: ``hook(optimizer, args, kwargs) -> None | (args, kwargs)``, called before ``step``.
StepPreHook = Callable[[Any, tuple[Any, ...], dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]] | None]
#: ``hook(optimizer, args, kwargs) -> None``, called after ``step``.
StepPostHook = Callable[[Any, tuple[Any, ...], dict[str, Any]], None]

_hook_ids = count()
_global_optimizer_pre_hooks: dict[int, StepPreHook] = {}
_global_optimizer_post_hooks: dict[int, StepPostHook] = {}


_HOOK_TABLES = frozenset(
    {
        "_optimizer_step_pre_hooks",
        "_optimizer_step_post_hooks",
        "_optimizer_state_dict_pre_hooks",
        "_optimizer_state_dict_post_hooks",
        "_optimizer_load_state_dict_pre_hooks",
        "_optimizer_load_state_dict_post_hooks",
    }
)


def _add_hook(table: dict[int, Any], hook: Any, prepend: bool = False) -> RemovableHandle:
    key = next(_hook_ids)
    if prepend:
        items = list(table.items())
        table.clear()
        table[key] = hook
        table.update(items)
    else:
        table[key] = hook
    return RemovableHandle(table, key)


def register_optimizer_step_pre_hook(hook: StepPreHook) -> RemovableHandle:
    """Register ``hook(optimizer, args, kwargs)`` to run before every optimizer's ``step`` (before instance hooks).

    Returning ``(new_args, new_kwargs)`` replaces the arguments ``step`` is called with; ``None`` keeps them.

    Example:
        >>> handle = register_optimizer_step_pre_hook(lambda opt, args, kwargs: print("step"))
        >>> handle.remove()
    """
    return _add_hook(_global_optimizer_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: StepPostHook) -> RemovableHandle:
    """Register ``hook(optimizer, args, kwargs)`` to run after every optimizer's ``step`` (after instance hooks).

    Example:
        >>> handle = register_optimizer_step_post_hook(lambda opt, args, kwargs: print("done"))
        >>> handle.remove()
    """
    return _add_hook(_global_optimizer_post_hooks, hook)


def _hooked_step(func: Callable[..., Any]) -> Callable[..., Any]:
    """``step`` wrapped to run the global and instance step hooks around it (PyTorch's ``profile_hook_step``)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        self: Optimizer = args[0]
        for pre_hook in chain(_global_optimizer_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(
                        f"{func} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                    )
        out = func(*args, **kwargs)
        for post_hook in chain(self._optimizer_step_post_hooks.values(), _global_optimizer_post_hooks.values()):
            post_hook(self, args, kwargs)
        return out

    wrapper.hooked = True  # type: ignore[attr-defined]
    return wrapper


class ParamState(MutableMapping[Variable, dict[str, Any]]):
    """Per-parameter state keyed by parameter identity (a ``defaultdict(dict)`` that never hashes a Variable).

    Example:
        >>> opt.state[p]["exp_avg"]  # doctest: +SKIP
    """

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[int, tuple[Variable, dict[str, Any]]] = {}

    def __getitem__(self, p: Variable) -> dict[str, Any]:
        item = self._items.get(id(p))
        if item is None:
            item = self._items[id(p)] = (p, {})
        return item[1]

    def __setitem__(self, p: Variable, value: dict[str, Any]) -> None:
        self._items[id(p)] = (p, value)

    def __delitem__(self, p: Variable) -> None:
        del self._items[id(p)]

    def get(self, p: Variable, default: Any = None) -> Any:
        """``state[p]`` if ``p`` has state, else ``default`` (without creating an entry, like a defaultdict)."""
        item = self._items.get(id(p))
        return default if item is None else item[1]

    def pop(self, p: Variable, *default: Any) -> Any:
        """Remove and return ``p``'s state; ``default`` (or ``KeyError``) when it has none."""
        item = self._items.pop(id(p), None)
        if item is not None:
            return item[1]
        if default:
            return default[0]
        raise KeyError(p)

    def __contains__(self, p: object) -> bool:
        return id(p) in self._items

    def __iter__(self) -> Iterator[Variable]:
        return (p for p, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"ParamState({len(self)} parameters)"

    def __getstate__(self) -> list[tuple[Variable, dict[str, Any]]]:
        # ids are only valid in this process: copies and pickles re-key by their own (copied) parameters
        return list(self._items.values())

    def __setstate__(self, state: list[tuple[Variable, dict[str, Any]]]) -> None:
        self._items = {id(p): (p, s) for p, s in state}


def _is_param(obj: object) -> bool:
    data = getattr(obj, "data", None)
    return data is not None and hasattr(data, "array") and hasattr(obj, "grad")


class Optimizer(ABC):
    """Base class of all optimizers.

    ``params`` is an iterable of Variables, or of dicts that each define a parameter group (a ``"params"`` entry
    plus options overriding ``defaults``). State is created lazily on the first step that sees a gradient.

    Example:
        >>> opt = SGD(model.parameters(), lr=0.1)  # doctest: +SKIP
        >>> opt.zero_grad(); loss.backward(); opt.step()  # doctest: +SKIP
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if _is_param(params):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Variables or dicts, but got "
                + type(params).__name__
            )
        self.defaults: dict[str, Any] = defaults
        self._init_hooks()
        self._patch_step_function()
        self.state: ParamState = ParamState()
        self.param_groups: list[dict[str, Any]] = []
        self._scratch: dict[tuple[Any, ...], list[Array]] = {}
        param_groups: list[Any] = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _init_hooks(self) -> None:
        self._optimizer_step_pre_hooks: dict[int, StepPreHook] = {}
        self._optimizer_step_post_hooks: dict[int, StepPostHook] = {}
        self._optimizer_state_dict_pre_hooks: dict[int, Callable[[Optimizer], None]] = {}
        self._optimizer_state_dict_post_hooks: dict[int, Callable[[Optimizer, dict[str, Any]], Any]] = {}
        self._optimizer_load_state_dict_pre_hooks: dict[int, Callable[[Optimizer, dict[str, Any]], Any]] = {}
        self._optimizer_load_state_dict_post_hooks: dict[int, Callable[[Optimizer], None]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # as PyTorch's, copies and pickles keep no hooks (they may be closures that cannot be pickled)
        return {k: v for k, v in self.__dict__.items() if k not in _HOOK_TABLES}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_hooks()
        self._patch_step_function()

    def _patch_step_function(self) -> None:
        """Wrap this class's ``step`` once so that it runs the step hooks (as PyTorch patches it on first use)."""
        cls = type(self)
        if not getattr(cls.step, "hooked", False):
            cls.step = _hooked_step(cls.step)  # type: ignore[method-assign]

    def register_step_pre_hook(self, hook: StepPreHook) -> RemovableHandle:
        """Register ``hook(optimizer, args, kwargs)`` to run before this optimizer's ``step``.

        A hook returning ``(new_args, new_kwargs)`` replaces the arguments (``args`` starts with the optimizer
        itself); ``None`` keeps them. Global pre-hooks run first. ``handle.remove()`` unregisters the hook.

        Example:
            >>> handle = opt.register_step_pre_hook(lambda o, args, kwargs: None)  # doctest: +SKIP
            >>> handle.remove()  # doctest: +SKIP
        """
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: StepPostHook) -> RemovableHandle:
        """Register ``hook(optimizer, args, kwargs)`` to run after this optimizer's ``step`` (before global ones).

        Example:
            >>> handle = opt.register_step_post_hook(lambda o, args, kwargs: print(o.state))  # doctest: +SKIP
        """
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable[[Optimizer], None], prepend: bool = False) -> RemovableHandle:
        """Register ``hook(optimizer)`` to run at the start of :meth:`state_dict` (first with ``prepend=True``).

        Example:
            >>> handle = opt.register_state_dict_pre_hook(lambda o: print("saving"))  # doctest: +SKIP
        """
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(
        self, hook: Callable[[Optimizer, dict[str, Any]], Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer, state_dict)`` to run on the dict :meth:`state_dict` made.

        The hook may change the dict in place or return a new one, which replaces it.

        Example:
            >>> handle = opt.register_state_dict_post_hook(lambda o, sd: {**sd, "note": 1})  # doctest: +SKIP
        """
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(
        self, hook: Callable[[Optimizer, dict[str, Any]], Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer, state_dict)`` to run before :meth:`load_state_dict` loads the dict.

        It gets a shallow copy of the dict given; a returned dict is loaded instead.

        Example:
            >>> handle = opt.register_load_state_dict_pre_hook(lambda o, sd: None)  # doctest: +SKIP
        """
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(
        self, hook: Callable[[Optimizer], None], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer)`` to run after :meth:`load_state_dict` has loaded a dict.

        Example:
            >>> handle = opt.register_load_state_dict_post_hook(lambda o: print("loaded"))  # doctest: +SKIP
        """
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (a dict with ``"params"`` and optional per-group options) to ``param_groups``.

        Example:
            >>> opt.add_param_group({"params": head.parameters(), "lr": 1e-3})  # doctest: +SKIP
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        param_group = dict(param_group)
        params = param_group["params"]
        if _is_param(params):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        named = [p for p in param_group["params"] if isinstance(p, tuple)]
        if named:  # ``model.named_parameters()``: (name, parameter) pairs, names kept in "param_names"
            if len(named) != len(param_group["params"]):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = [name for name, _ in named]
            param_group["params"] = [p for _, p in named]
        for param in param_group["params"]:
            if not _is_param(param):
                raise TypeError(
                    "optimizer can only optimize Variables, but one of the params is " + type(param).__name__
                )
            if getattr(param, "is_leaf", True) is False:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                text = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {text} to the optimizer"
                )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized Variables: to ``None`` (default) or, in place, to zeros.

        Example:
            >>> opt.zero_grad()  # doctest: +SKIP
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    grad.data.zero_()

    @abstractmethod
    def step(self, closure: Closure | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (``None`` without a closure)."""

    def state_dict(self) -> dict[str, Any]:
        """The optimizer state as PyTorch lays it out: ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are replaced by their index in the order of ``param_groups``; the state holds Tensors, ints,
        floats and lists only, so the dict round-trips through ``taeda.tensor.save``/``load``.

        Example:
            >>> taeda.tensor.save(opt.state_dict(), "opt.tdz")  # doctest: +SKIP
        """
        for pre_hook in list(self._optimizer_state_dict_pre_hooks.values()):
            pre_hook(self)
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        state_dict: dict[str, Any] = {"state": state, "param_groups": groups}
        for post_hook in list(self._optimizer_state_dict_post_hooks.values()):
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a dict made by :meth:`state_dict`; floating state is cast to each parameter's dtype and device.

        Example:
            >>> opt.load_state_dict(taeda.tensor.load("opt.tdz"))  # doctest: +SKIP
        """
        state_dict = dict(state_dict)
        for pre_hook in list(self._optimizer_load_state_dict_pre_hooks.values()):
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map: dict[Any, Variable] = {}
        for g, s in zip(groups, saved_groups):
            id_map.update(zip(s["params"], g["params"]))
        state = ParamState()
        for key, value in state_dict["state"].items():
            k = int(key) if isinstance(key, str) and key.isdigit() else key
            if k in id_map:
                param = id_map[k]
                state[param] = {name: self._cast_state(param, name, v) for name, v in value.items()}
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            for name, default in self.defaults.items():  # options added since the dict was saved
                s.setdefault(name, default)
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
        self.state = state
        self.param_groups = saved_groups
        for post_hook in list(self._optimizer_load_state_dict_post_hooks.values()):
            post_hook(self)

    def _cast_state(self, param: Variable, key: str, value: Any) -> Any:
        if isinstance(value, Tensor):
            arr = value.array
            if key == "step":
                return float(arr)
            dtype = _compute_dtype(param.data.array) if arr.dtype.kind == "f" else arr.dtype
            return as_tensor(param.data.device.send(arr).astype(dtype, copy=True))
        if isinstance(value, dict):
            return {k: self._cast_state(param, k, v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._cast_state(param, key, v) for v in value)
        return value

    def _closure_loss(self, closure: Closure | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _work(self, xp: ArrayModule, like: Array, count: int) -> list[Array]:
        """``count`` scratch arrays shaped like ``like``, kept across steps (no allocation, no page faults)."""
        dev = like.device
        key = (like.dtype, dev if type(dev) is str else str(dev))
        bufs = self._scratch.get(key)
        n = like.size
        if bufs is None or len(bufs) < count or bufs[0].size < n:
            size = max(n, bufs[0].size if bufs else 0)
            bufs = [xp.empty(size, dtype=like.dtype) for _ in range(max(count, len(bufs) if bufs else 0))]
            self._scratch[key] = bufs
        shape = like.shape
        return [b[:n].reshape(shape) for b in bufs[:count]]


def _compute_dtype(arr: Array) -> Any:
    """The dtype updates of ``arr`` are computed in: float32 for half precision, else ``arr``'s own."""
    dtype = arr.dtype
    return FLOAT32 if dtype.kind == "f" and dtype.itemsize < 4 else dtype


def zeros_state(xp: ArrayModule, like: Array, fill: float = 0.0) -> Tensor:
    """A state Tensor shaped like ``like`` (its compute dtype), filled with ``fill``."""
    if fill == 0.0:
        return as_tensor(xp.zeros(like.shape, dtype=like.dtype))
    return as_tensor(xp.full(like.shape, fill, dtype=like.dtype))


class ElementwiseOptimizer(Optimizer):
    """An optimizer whose step updates each parameter on its own through :meth:`_update`.

    Half-precision parameters are updated in float32: the parameter and its gradient are cast up, the update
    runs (with float32 state), and the result is rounded back into the parameter's own storage. Complex
    parameters are updated as PyTorch does, as real arrays of (real, imaginary) pairs (``view_as_real``); their
    state stays complex.
    """

    @abstractmethod
    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Update ``param`` in place from ``grad``, creating ``state`` on the first call."""

    def _prepare_group(self, group: dict[str, Any]) -> None:
        """Called before a group's parameters are updated (validation, per-group values); nothing by default."""

    def step(self, closure: Closure | None = None) -> Any:
        """Perform one optimization step; parameters without a gradient are skipped.

        Example:
            >>> loss = opt.step(closure)  # doctest: +SKIP
        """
        loss = self._closure_loss(closure)
        items = self.state._items
        update = self._update
        prepare = self._prepare_group
        for group in self.param_groups:
            prepare(group)
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                data = p.data
                param = data.array
                item = items.get(id(p))
                if item is None:
                    item = items[id(p)] = (p, {})
                xp = _np if type(param) is _ndarray else data.device.xp
                dtype = param.dtype
                if dtype.kind == "f" and dtype.itemsize < 4:
                    master = param.astype(FLOAT32)
                    update(xp, master, g.data.array.astype(FLOAT32), item[1], group)
                    data[...] = master  # rounds back into the same storage and bumps the version
                elif dtype.kind == "c":
                    self._update_complex(xp, param, g.data.array.astype(dtype, copy=False), item[1], group)
                    mark_modified(data)
                else:
                    update(xp, param, g.data.array, item[1], group)
                    mark_modified(data)
        return loss

    def _update_complex(
        self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """:meth:`_update` on real views of a complex parameter, its gradient and its (complex) state."""
        real = {k: as_tensor(_as_real(v.array)) if isinstance(v, Tensor) else v for k, v in state.items()}
        self._update(xp, _as_real(param), _as_real(grad), real, group)
        for key, value in real.items():
            if not isinstance(value, Tensor):
                state[key] = value
            elif key not in state:  # created by this update: keep it complex, shaped like the parameter
                state[key] = as_tensor(value.array.view(param.dtype)[..., 0])


def _as_real(arr: Array) -> Array:
    """A complex array as reals with a trailing axis of 2, sharing its memory (PyTorch's ``view_as_real``)."""
    return arr[..., None].view(arr.real.dtype)


def mark_modified(t: Tensor) -> None:
    """Bump ``t``'s version counter after its array was updated in place behind its back.

    Autograd refuses to backpropagate through a tensor modified after it was saved, as PyTorch does after
    ``optimizer.step()``; an (empty) ``__setitem__`` is the public way to record the modification.
    """
    if t.array.ndim:
        t[0:0] = 0
    else:
        t[...] = t.array
