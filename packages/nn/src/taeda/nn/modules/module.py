"""``Module``: the base class of every layer, with PyTorch's registration, hooks, state_dict and repr."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar, overload

import numpy as np

import taeda.tensor as tt
from taeda.autograd import Variable, no_grad
from taeda.nn.buffer import Buffer
from taeda.nn.modules._hooks import RemovableHandle, _BackwardHookState
from taeda.nn.modules._state_hooks import EXTRA_STATE_KEY_SUFFIX, StateDictHooks
from taeda.nn.parameter import Parameter
from taeda.nn.uninitialized import (
    UninitializedBuffer,
    is_lazy,
    uninitialized_shape_error,
    uninitialized_share_error,
)
from taeda.tensor import Tensor

__all__ = ["Module", "RemovableHandle"]

T = TypeVar("T", bound="Module")
D = TypeVar("D", bound=dict[str, Any])
Hook = Callable[..., Any]


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


def _addindent(s: str, num_spaces: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(num_spaces * " " + line for line in lines)


def _typename(value: object) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _forward_unimplemented(self: Module, *args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(f'Module [{type(self).__name__}] is missing the required "forward" function')


def _to_tensor(value: Any) -> Tensor:
    if isinstance(value, Variable):
        data: Tensor = value.data
        return data
    if isinstance(value, Tensor):
        return value
    return tt.as_tensor(np.asarray(value))


def _is_floating(t: Tensor) -> bool:
    return t.dtype.kind == "f"


class Module(StateDictHooks):
    """Base class for all neural-network modules; subclasses assign sub-modules and ``Parameter``s as attributes.

    Example::

        >>> class Net(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = Linear(4, 2)
        ...     def forward(self, x):
        ...         return self.fc(x)
        >>> list(Net().state_dict())
        ['fc.weight', 'fc.bias']
    """

    _version: int = 1
    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: dict[str, Module | None]
    _forward_hooks: dict[int, Hook]
    _forward_hooks_with_kwargs: dict[int, bool]
    _forward_hooks_always_called: dict[int, bool]
    _forward_pre_hooks: dict[int, Hook]
    _forward_pre_hooks_with_kwargs: dict[int, bool]
    _backward_hooks: dict[int, Hook]
    _backward_pre_hooks: dict[int, Hook]

    forward: Callable[..., Any] = _forward_unimplemented

    def __init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", {})
        setattr_(self, "_forward_hooks", {})
        setattr_(self, "_forward_hooks_with_kwargs", {})
        setattr_(self, "_forward_hooks_always_called", {})
        setattr_(self, "_forward_pre_hooks", {})
        setattr_(self, "_forward_pre_hooks_with_kwargs", {})
        setattr_(self, "_backward_hooks", {})
        setattr_(self, "_backward_pre_hooks", {})
        self._init_state_dict_hooks()

    # ------------------------------------------------------------------ calling
    def _call_impl(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks):
            return self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_pre_hooks.items()):
            if self._forward_pre_hooks_with_kwargs.get(hid, False):
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got {res}."
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw = None
        if self._backward_hooks or self._backward_pre_hooks:
            bw = _BackwardHookState(self)
            args = bw.wrap_inputs(args)
        try:
            result = self.forward(*args, **kwargs)
        except Exception:
            for hid, hook in list(self._forward_hooks.items()):
                if self._forward_hooks_always_called.get(hid, False):
                    if self._forward_hooks_with_kwargs.get(hid, False):
                        hook(self, args, kwargs, None)
                    else:
                        hook(self, args, None)
            raise
        for hid, hook in list(self._forward_hooks.items()):
            if self._forward_hooks_with_kwargs.get(hid, False):
                res = hook(self, args, kwargs, result)
            else:
                res = hook(self, args, result)
            if res is not None:
                result = res
        if bw is not None:
            result = bw.wrap_outputs(result)
        return result

    __call__: Callable[..., Any] = _call_impl

    def register_full_backward_hook(self, hook: Hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to the module's inputs
        have been computed; a non-None result replaces ``grad_input``. Entries are None for inputs that do not
        require grad.

        Example::

            >>> handle = layer.register_full_backward_hook(lambda m, gi, go: print(go[0].shape))
        """
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._move_to_front(self._backward_hooks, handle.id)
        return handle

    register_backward_hook = register_full_backward_hook

    def register_full_backward_pre_hook(self, hook: Hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients with respect to the module's outputs are known;
        a non-None result replaces ``grad_output``."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._move_to_front(self._backward_pre_hooks, handle.id)
        return handle

    def register_forward_pre_hook(
        self, hook: Hook, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before ``forward``; a non-None result replaces the arguments."""
        handle = RemovableHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._move_to_front(self._forward_pre_hooks, handle.id)
        return handle

    def register_forward_hook(
        self, hook: Hook, *, prepend: bool = False, with_kwargs: bool = False, always_call: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after ``forward``; a non-None result replaces the output.

        With ``always_call=True`` the hook also runs (with ``output=None``) when ``forward`` raises.
        """
        handle = RemovableHandle(
            self._forward_hooks, self._forward_hooks_with_kwargs, self._forward_hooks_always_called
        )
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._move_to_front(self._forward_hooks, handle.id)
        return handle

    @staticmethod
    def _move_to_front(d: dict[int, Hook], key: int) -> None:
        items = list(d.items())
        d.clear()
        d[key] = dict(items)[key]
        d.update((k, v) for k, v in items if k != key)

    # ------------------------------------------------------------- registration
    def register_buffer(self, name: str, tensor: Tensor | Variable | None, persistent: bool = True) -> None:
        """Add a buffer (state that is not a parameter, e.g. running statistics); ``persistent=False`` keeps it
        out of ``state_dict``."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, (Tensor, Variable)):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' (Tensor or None required)")
        self._buffers[name] = tensor.data if isinstance(tensor, Variable) else tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter under ``name`` (``None`` registers an absent parameter, like a missing bias)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' (taeda.nn.Parameter or None required)"
            )
        if param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Variable to parameter '{name}'. Model parameters must be created "
                f"explicitly. To express '{name}' as a function of another Variable, compute the value in "
                "the forward() method."
            )
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name``."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if "_parameters" in d:
            params = d["_parameters"]
            if name in params:
                return params[name]
            buffers = d["_buffers"]
            if name in buffers:
                return buffers[name]
            modules = d["_modules"]
            if name in modules:
                return modules[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._remove_from(name, d, self._buffers, self._modules)
            self._non_persistent_buffers_set.discard(name)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' (taeda.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._remove_from(name, d, self._parameters, self._buffers)
            self._non_persistent_buffers_set.discard(name)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' (taeda.nn.Module or None expected)"
                )
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if isinstance(value, (Buffer, UninitializedBuffer)) or (buffers is not None and name in buffers):
            if value is not None and not isinstance(value, (Tensor, Variable)):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' (taeda.nn.Buffer, Tensor or None expected)"
                )
            if isinstance(value, (Buffer, UninitializedBuffer)):
                persistent = value.persistent
            else:
                persistent = name not in self._non_persistent_buffers_set
            self.register_buffer(name, value, persistent)
            return
        object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name: str, *dicts: dict[str, Any]) -> None:
        for d in dicts:
            if name in d:
                del d[name]

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = list(super().__dir__()) + list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted({k for k in keys if not k[0].isdigit()})

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_state_dict_hooks()

    # ---------------------------------------------------------------- iterators
    def _named_members(
        self, get: Callable[[Module], Iterator[tuple[str, Any]]], prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        memo: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get(module):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (module_prefix + ("." if module_prefix else "") + k, v)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Iterate over the parameters of this module (and, with ``recurse``, of all sub-modules), each once."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Iterate over ``(name, parameter)`` pairs with dotted names such as ``"fc1.weight"``."""
        yield from self._named_members(lambda m: iter(m._parameters.items()), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Iterate over the buffers of this module (and sub-modules)."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Iterate over ``(name, buffer)`` pairs such as ``("bn.running_mean", tensor)``."""
        yield from self._named_members(lambda m: iter(m._buffers.items()), prefix, recurse, remove_duplicate)

    def children(self) -> Iterator[Module]:
        """Iterate over the immediate child modules."""
        for _, m in self.named_children():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Iterate over ``(name, child)`` pairs of the immediate child modules, each once."""
        memo: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def modules(self) -> Iterator[Module]:
        """Iterate over all modules in the tree, this one first."""
        for _, m in self.named_modules():
            yield m

    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Iterate over ``(dotted_name, module)`` pairs of the whole tree, this module first under ``prefix``."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def get_submodule(self, target: str) -> Module:
        """Return the sub-module at the dotted path ``target`` (``""`` is this module)."""
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if item not in mod._modules:
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            nxt = mod._modules[item]
            if not isinstance(nxt, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
            mod = nxt
        return mod

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Set the sub-module at the dotted path ``target`` (its parent must exist); with ``strict=True`` only an
        existing sub-module may be replaced.

        Example::

            >>> net.set_submodule("features.0", Conv2d(3, 8, 3))
        """
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        exists = hasattr(parent, name)
        if strict and not exists:
            raise AttributeError(parent._get_name() + " has no attribute `" + name + "`")
        if exists and not isinstance(getattr(parent, name), Module):
            raise AttributeError("`" + name + "` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """Return the parameter at the dotted path ``target``."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        p = mod._parameters.get(name)
        if name not in mod._parameters or p is None:
            raise AttributeError(mod._get_name() + " has no parameter `" + name + "`")
        return p

    def get_buffer(self, target: str) -> Tensor:
        """Return the buffer at the dotted path ``target``."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        b = mod._buffers.get(name)
        if b is None:
            raise AttributeError(mod._get_name() + " has no buffer `" + name + "`")
        return b

    # ------------------------------------------------------------------- modes
    def train(self: T, mode: bool = True) -> T:
        """Set training mode on this module and all sub-modules (affects Dropout, BatchNorm, ...)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self: T) -> T:
        """Set evaluation mode (``train(False)``)."""
        return self.train(False)

    def requires_grad_(self: T, requires_grad: bool = True) -> T:
        """Set ``requires_grad`` on every parameter (e.g. to freeze a backbone)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to ``None`` by default, as PyTorch does)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.data.zero_()

    def apply(self: T, fn: Callable[[Module], Any]) -> T:
        """Call ``fn`` on every sub-module (children first) and then on this module; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------ device and dtype moves
    def _apply(self: T, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> T:
        if recurse:
            for m in self.children():
                m._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                p.data = fn(p.data)
                if p.grad is not None:
                    p.grad.data = fn(p.grad.data)
            for k, b in self._buffers.items():
                if b is not None:
                    self._buffers[k] = fn(b)
        return self

    def to(self: T, *args: Any, **kwargs: Any) -> T:
        """Move and/or cast parameters and buffers: ``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or
        ``to(tensor)``; only floating-point tensors change dtype, as in PyTorch."""
        device: Any = kwargs.pop("device", None)
        dtype: Any = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, (Tensor, Variable)):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (str, tt.Device)):
                device = a
            elif isinstance(a, bool):
                continue
            else:
                dtype = a
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        if device is not None:
            device = tt.device(device) if not isinstance(device, tt.Device) else device

        def convert(t: Tensor) -> Tensor:
            if device is not None and t.device != device:
                t = t.to(device)
            if dtype is not None and _is_floating(t) and t.dtype != dtype:
                t = t.to(dtype)
            return t

        return self._apply(convert)

    def to_empty(self: T, *, device: Any, recurse: bool = True) -> T:
        """Replace parameters and buffers by uninitialised memory on ``device`` (nothing is copied).

        Example::

            >>> Linear(4, 2).to_empty(device="cpu").weight.shape
            taeda.Size([2, 4])
        """

        def fresh(t: Tensor) -> Tensor:
            if is_lazy(t):
                return t if device is None else t.to(device)
            return tt.empty_like(t, device=device)

        return self._apply(fresh, recurse=recurse)

    def share_memory(self: T) -> T:
        """Move parameters, gradients and buffers into shared memory in place (``Tensor.share_memory_``).

        Example::

            >>> model.share_memory().fc.weight.data.is_shared()
            True
        """
        if any(is_lazy(p) for p in self.parameters()):
            raise uninitialized_share_error()
        return self._apply(lambda t: t.share_memory_())

    def cuda(self: T, device: int | None = None) -> T:
        """Move every parameter and buffer to the GPU."""
        return self._apply(lambda t: t.cuda(device))

    def cpu(self: T) -> T:
        """Move every parameter and buffer to the CPU."""
        return self._apply(lambda t: t.cpu())

    def _cast_floating(self: T, dtype: np.dtype[Any]) -> T:
        return self._apply(lambda t: t.to(dtype) if _is_floating(t) and t.dtype != dtype else t)

    def float(self: T) -> T:
        """Cast floating-point parameters and buffers to float32."""
        return self._cast_floating(np.dtype("float32"))

    def double(self: T) -> T:
        """Cast floating-point parameters and buffers to float64."""
        return self._cast_floating(np.dtype("float64"))

    def half(self: T) -> T:
        """Cast floating-point parameters and buffers to float16."""
        return self._cast_floating(np.dtype("float16"))

    # ------------------------------------------------------------- state dicts
    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.data
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b
        if self._has_extra_state("get"):
            destination[prefix + EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    @overload
    def state_dict(self, *, destination: D, prefix: str = ..., keep_vars: bool = ...) -> D: ...
    @overload
    def state_dict(
        self, *, destination: None = None, prefix: str = ..., keep_vars: bool = ...
    ) -> OrderedDict[str, Any]: ...
    def state_dict(
        self, *, destination: dict[str, Any] | None = None, prefix: str = "", keep_vars: bool = False
    ) -> dict[str, Any]:
        """Return an ``OrderedDict`` from dotted names (``"conv1.weight"``, ``"bn.running_mean"``) to ``Tensor``s
        sharing memory with the parameters and persistent buffers (``Parameter``s with ``keep_vars=True``), plus
        ``"<prefix>_extra_state"`` for modules overriding ``get_extra_state``. State-dict pre/post hooks run around
        each module's part; ``._metadata`` maps module prefixes to ``{"version": module._version}``."""
        if destination is None:
            destination = OrderedDict()
            setattr(destination, "_metadata", OrderedDict())  # noqa: B010
        local_metadata = {"version": self._version}
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:
            metadata[prefix[:-1]] = local_metadata
        for pre_hook in list(self._state_dict_pre_hooks.values()):
            pre_hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in list(self._state_dict_hooks.values()):
            result = hook(self, destination, prefix, local_metadata)
            if getattr(hook, "_from_public_api", False):
                if result is not None:
                    raise RuntimeError("state_dict post-hook must return None")
            elif result is not None:
                destination = result
        return destination

    def _load_from_state_dict(
        self,
        state_dict: Mapping[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        for pre_hook in list(self._load_state_dict_pre_hooks.values()):
            pre_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local_state: dict[str, Any] = {k: v for k, v in self._parameters.items() if v is not None}
        local_state.update((k, v) for k, v in persistent.items() if v is not None)
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            raw, lazy = state_dict[key], is_lazy(param)
            if is_lazy(raw):  # nothing to copy between uninitialized tensors; into a real one it has no shape
                if not lazy:
                    raise uninitialized_shape_error()
                continue
            try:
                value = _to_tensor(raw)
            except (TypeError, ValueError) as exc:
                error_msgs.append(f'While copying the parameter named "{key}", an exception occurred: {exc}.')
                continue
            target = param.data if isinstance(param, Variable) else param
            if not lazy and target.dim() == 0 and tuple(value.shape) == (1,):  # PyTorch 0.3 checkpoints
                value = value.reshape(())
            if not lazy and tuple(value.shape) != tuple(target.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
                    f"the shape in current model is {target.shape}."
                )
                continue
            if assign:
                if isinstance(param, Variable):
                    param.data = value
                else:
                    self._buffers[name] = value
                continue
            try:
                with no_grad():
                    target.copy_(value)
            except (TypeError, ValueError, RuntimeError) as exc:
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the model are {target.size()} '
                    f"and whose dimensions in the checkpoint are {value.size()}, an exception occurred : {exc}."
                )
        extra_key = prefix + EXTRA_STATE_KEY_SUFFIX
        if self._has_extra_state("set"):
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra_key:
                    head, dot, _ = key[len(prefix) :].partition(".")
                    if head not in (self._modules if dot else local_state):
                        unexpected_keys.append(key)

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module (in place; with ``assign=True`` the
        checkpoint's tensors become the parameters' data instead).

        With ``strict=True`` missing and unexpected keys raise a ``RuntimeError`` naming them; shape mismatches
        always raise. Load pre-hooks see each module's part of a copy of ``state_dict``; post-hooks may edit the
        returned ``(missing_keys, unexpected_keys)`` in place before the strict check.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            setattr(state_dict, "_metadata", metadata)  # noqa: B010

        def load(module: Module, local_dict: Mapping[str, Any], prefix: str) -> None:
            local_metadata: dict[str, Any] = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                local_metadata["assign_to_params_buffers"] = assign
            module._load_from_state_dict(local_dict, prefix, local_metadata, True, missing, unexpected, errors)
            for name, child in module._modules.items():
                if child is not None:
                    sub = prefix + name + "."
                    load(child, {k: v for k, v in local_dict.items() if k.startswith(sub)}, sub)
            incompatible = _IncompatibleKeys(missing, unexpected)
            for hook in list(module._load_state_dict_post_hooks.values()):
                if hook(module, incompatible) is not None:
                    raise AssertionError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not expected to return new "
                        "values, if incompatible_keys need to be modified, it should be done inplace."
                    )

        load(self, state_dict, "")
        if strict:
            if unexpected:
                errors.insert(
                    0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected))
                )
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(self.__class__.__name__, "\n\t".join(errors))
            )
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------- repr
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """Extra text shown inside this module's ``repr`` (override in layers, e.g. ``in_features=4, ...``)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = []
        for key, module in self._modules.items():
            child_lines.append("(" + key + "): " + _addindent(repr(module), 2))
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
