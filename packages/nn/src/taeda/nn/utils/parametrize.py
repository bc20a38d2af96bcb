"""``taeda.nn.utils.parametrize``: express a parameter or buffer as a function of other tensors, as PyTorch does.

``register_parametrization(module, "weight", P)`` moves ``module.weight`` to
``module.parametrizations.weight.original`` (``original0``, ``original1``, ... when ``P.right_inverse`` returns a
sequence) and swaps the module's class for a subclass ``Parametrized<Class>`` whose ``weight`` property returns
``P(original)``. ``state_dict()`` keys are therefore PyTorch's (``parametrizations.weight.original``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from copy import deepcopy
from typing import Any, TypeVar, cast

from taeda.autograd import Variable, no_grad
from taeda.nn.modules.container import ModuleDict, ModuleList
from taeda.nn.modules.module import Module
from taeda.nn.parameter import Parameter
from taeda.tensor import Tensor

__all__ = [
    "cached",
    "ParametrizationList",
    "register_parametrization",
    "is_parametrized",
    "remove_parametrizations",
    "type_before_parametrizations",
    "transfer_parametrizations_and_params",
]

M = TypeVar("M", bound=Module)
TensorLike = Tensor | Variable

_cache_enabled = 0
_cache: dict[tuple[int, str], TensorLike | None] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Compute each parametrized tensor once inside the ``with`` block and reuse it (e.g. a parametrized
    recurrent kernel used at every time step); the cache is dropped when the outermost block exits.

    Example::

        >>> import taeda.nn.utils.parametrize as P
        >>> with P.cached():
        ...     out = model(x)
    """
    global _cache, _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _is_tensor(x: object) -> bool:
    return isinstance(x, (Tensor, Variable))


def _register_parameter_or_buffer(module: Module, name: str, X: TensorLike) -> None:
    if isinstance(X, Parameter):
        module.register_parameter(name, X)
    else:
        module.register_buffer(name, X)


def _maybe_set(dest: TensorLike, src: TensorLike) -> None:
    """Point ``dest`` at ``src``'s values without changing ``dest``'s identity (PyTorch's ``dest.set_(src)``), so
    optimizers holding ``dest`` keep working."""
    if src is dest:
        return
    dest.data = src.data if isinstance(src, Variable) else src


def _type_name(x: object) -> str:
    return type(x).__name__


class ParametrizationList(ModuleList):
    """The sequence of parametrizations of one tensor, holding the unconstrained original(s).

    It is the type of ``module.parametrizations[tensor_name]`` after ``register_parametrization``. The original
    is stored as ``original`` when the first parametrization's ``right_inverse`` returns one tensor (or is
    missing: the identity), and as ``original0``, ``original1``, ... when it returns a sequence. Created by
    ``register_parametrization``; not meant to be instantiated by users.

    Example::

        >>> m = register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
        >>> type(m.parametrizations.weight).__name__
        'ParametrizationList'
    """

    original: TensorLike
    unsafe: bool
    is_tensor: bool
    ntensors: int

    def __init__(self, modules: Sequence[Module], original: TensorLike, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe

        original_shape = tuple(original.shape)
        original_dtype = original.dtype

        new: Any = original
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    with suppress(NotImplementedError):
                        new = module.right_inverse(new)

        if not _is_tensor(new) and not isinstance(new, Sequence):
            raise ValueError(
                f"'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). Got {_type_name(new)}"
            )

        self.is_tensor = _is_tensor(new)
        self.ntensors = 1 if self.is_tensor else len(new)

        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original.dtype}\n"
                    f"right_inverse(original).dtype: {new.dtype}"
                )
            if original.device != new.device:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the device.\n"
                    f"original.device: {original.device}\n"
                    f"right_inverse(original).device: {new.device}"
                )
            with no_grad():
                _maybe_set(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, originali in enumerate(new):
                if not _is_tensor(originali):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors "
                        "(list, tuple...). "
                        f"Got element {i} of the sequence with type {_type_name(originali)}."
                    )
                item: TensorLike = originali
                if isinstance(original, Parameter):
                    item = Parameter(originali, original.requires_grad)
                elif isinstance(originali, Variable):
                    item = originali.data
                _register_parameter_or_buffer(self, f"original{i}", item)

        if not self.unsafe:
            Z = self()
            if not _is_tensor(Z):
                raise ValueError(f"A parametrization must return a tensor. Got {_type_name(Z)}.")
            if Z.dtype != original_dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, unless `unsafe` flag is "
                    "enabled.\n"
                    f"unparametrized dtype: {original_dtype}\n"
                    f"parametrized dtype: {Z.dtype}"
                )
            if tuple(Z.shape) != original_shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, unless `unsafe` flag is "
                    "enabled.\n"
                    f"unparametrized shape: {original.shape}\n"
                    f"parametrized shape: {Z.shape}"
                )

    def right_inverse(self, value: TensorLike) -> None:
        """Run the parametrizations' ``right_inverse`` in reverse registration order on ``value`` and store the
        result in ``original`` (or ``original0``, ``original1``, ...) in place, keeping their identity.

        Example::

            >>> m.parametrizations.weight.right_inverse(X)   # what ``m.weight = X`` does
        """
        with no_grad():
            result: Any = value
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    result = module.right_inverse(result)
                else:
                    raise RuntimeError(f"parametrization {_type_name(module)} does not implement right_inverse.")
            if self.is_tensor:
                if not _is_tensor(result):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {_type_name(result)}")
                if result.dtype != self.original.dtype:
                    raise ValueError(
                        f"The tensor returned by `right_inverse` has dtype {result.dtype} "
                        f"while `original` has dtype {self.original.dtype}"
                    )
                _maybe_set(self.original, result)
            else:
                if not isinstance(result, Sequence):
                    raise ValueError(f"'right_inverse' must return a sequence of tensors. Got {_type_name(result)}.")
                if len(result) != self.ntensors:
                    raise ValueError(
                        "'right_inverse' must return a sequence of tensors of length "
                        f"{self.ntensors}. Got a sequence of length {len(result)}."
                    )
                for i, tensor in enumerate(result):
                    original_i = getattr(self, f"original{i}")
                    if not _is_tensor(tensor):
                        raise ValueError(
                            "'right_inverse' must return a sequence of tensors. "
                            f"Got element {i} of type {_type_name(tensor)}."
                        )
                    if original_i.dtype != tensor.dtype:
                        raise ValueError(
                            f"Tensor {i} returned by `right_inverse` has dtype {tensor.dtype} "
                            f"while `original{i}` has dtype {original_i.dtype}"
                        )
                    _maybe_set(original_i, tensor)

    def forward(self) -> Any:
        """The parametrized tensor: ``P_n(...P_1(P_0(original)))``."""
        parametrizations = list(self)
        if self.is_tensor:
            x = parametrizations[0](self.original)
        else:
            originals = [getattr(self, f"original{i}") for i in range(self.ntensors)]
            x = parametrizations[0](*originals)
        for p in parametrizations[1:]:
            x = p(x)
        return x


def _default_deepcopy(self: Module, memo: dict[int, Any]) -> Module:
    obj = memo.get(id(self))
    if obj is not None:
        found: Module = obj
        return found
    replica: Module = self.__new__(self.__class__)
    memo[id(self)] = replica
    replica.__dict__ = deepcopy(self.__dict__, memo)
    return replica


def _getstate(self: Module) -> dict[str, Any]:
    raise RuntimeError(
        "Serialization of parametrized modules is only supported through state_dict(). "
        "Save `module.state_dict()` with taeda.tensor.save and load it into a freshly parametrized module."
    )


def _inject_new_class(module: Module) -> None:
    """Swap ``module``'s class for a new subclass ``Parametrized<Class>`` that can hold the properties."""
    cls = module.__class__
    dct: dict[str, Any] = {"__getstate__": _getstate}
    if not hasattr(cls, "__deepcopy__"):
        dct["__deepcopy__"] = _default_deepcopy
    param_cls = type(f"Parametrized{cls.__name__}", (cls,), dct)
    module.__class__ = param_cls


def _inject_property(module: Module, tensor_name: str) -> None:
    """Add the property ``tensor_name`` (computing the parametrization; assignment runs ``right_inverse``)."""
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_cached_parametrization(owner: Module, parametrization: ParametrizationList) -> Any:
        key = (id(owner), tensor_name)
        tensor = _cache.get(key)
        if tensor is None:
            tensor = parametrization()
            _cache[key] = tensor
        return tensor

    def get_parametrized(self: Module) -> Any:
        parametrization = self.parametrizations[tensor_name]
        if _cache_enabled:
            return get_cached_parametrization(self, parametrization)
        return parametrization()

    def set_original(self: Module, value: TensorLike) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def _check_chained(module: Module, tensor_name: str, parametrization: Module) -> None:
    """With a parametrization already on ``tensor_name``, check that ``parametrization`` (and its
    ``right_inverse``) keep the tensor's dtype and shape."""
    Y = getattr(module, tensor_name)
    X = parametrization(Y)
    if not _is_tensor(X):
        raise ValueError(f"A parametrization must return a tensor. Got {_type_name(X)}.")
    if X.dtype != Y.dtype:
        raise ValueError(
            "Registering a parametrization may not change the dtype of the tensor, unless the `unsafe` flag is "
            "enabled.\n"
            f"module.{tensor_name}.dtype: {Y.dtype}\n"
            f"parametrization(module.{tensor_name}).dtype: {X.dtype}"
        )
    if tuple(X.shape) != tuple(Y.shape):
        raise ValueError(
            "Registering a parametrization may not change the shape of the tensor, unless the `unsafe` flag is "
            "enabled.\n"
            f"module.{tensor_name}.shape: {Y.shape}\n"
            f"parametrization(module.{tensor_name}).shape: {X.shape}"
        )
    if not hasattr(parametrization, "right_inverse"):
        return
    try:
        Z = parametrization.right_inverse(X)
    except NotImplementedError:
        return
    if not _is_tensor(Z):
        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: {_type_name(Z)}")
    if Z.dtype != Y.dtype:
        raise ValueError(
            "The tensor returned by parametrization.right_inverse must have the same dtype "
            f"as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
            f"module.{tensor_name}.dtype: {Y.dtype}\n"
            f"returned dtype: {Z.dtype}"
        )
    if tuple(Z.shape) != tuple(Y.shape):
        raise ValueError(
            "The tensor returned by parametrization.right_inverse must have the same shape "
            f"as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
            f"module.{tensor_name}.shape: {Y.shape}\n"
            f"returned shape: {Z.shape}"
        )


def register_parametrization(module: M, tensor_name: str, parametrization: Module, *, unsafe: bool = False) -> M:
    """Make ``module.<tensor_name>`` return ``parametrization(original)``, keeping the original parameter or
    buffer at ``module.parametrizations.<tensor_name>.original``.

    Registering again on the same name chains parametrizations (applied in registration order). If the
    parametrization has ``right_inverse(X)``, it initialises the original from the current value and makes
    ``module.<tensor_name> = X`` work; returning a sequence from it stores ``original0``, ``original1``, ...
    (``forward`` then takes that many arguments). ``unsafe=True`` skips the dtype/shape consistency checks.
    The parametrization's training mode is set to the module's.

    Example::

        >>> class Symmetric(nn.Module):
        ...     def forward(self, X):
        ...         return X.triu() + X.triu(1).mT
        >>> m = register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
        >>> list(m.state_dict())
        ['bias', 'parametrizations.weight.original']
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            _check_chained(module, tensor_name, parametrization)
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        if original is None:
            raise ValueError(
                f"Module '{module}' does not have a parameter, a buffer, or a "
                f"parametrized element with name '{tensor_name}'"
            )
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a "
            f"parametrized element with name '{tensor_name}'"
        )
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization on ``tensor_name`` (on any tensor when ``tensor_name`` is None).

    Example::

        >>> is_parametrized(nn.Linear(2, 2))
        False
    """
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: M, tensor_name: str, leave_parametrized: bool = True) -> M:
    """Remove the parametrizations on ``tensor_name``; it becomes a plain parameter (or buffer) again.

    With ``leave_parametrized=True`` it keeps its current parametrized value (written into the same original
    ``Parameter`` object, so optimizers keep tracking it); with ``False`` it becomes the unconstrained original,
    which needs a single original tensor. When no parametrization is left the module gets its class back.

    Example::

        >>> m = remove_parametrizations(m, "weight")
        >>> list(m.state_dict())
        ['bias', 'weight']
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = cast(ParametrizationList, module.parametrizations[tensor_name])
    original: TensorLike
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
            with no_grad():
                _maybe_set(original, t)
    else:
        if not leave_parametrized:
            raise ValueError(
                "Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                "that is parametrized in terms of a sequence of tensors."
            )
        t = getattr(module, tensor_name)
        if isinstance(t, Variable) and t.requires_grad:
            original = Parameter(t.detach())
        else:
            original = t.data if isinstance(t, Variable) else t

    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)

    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before parametrizations were registered (its class when it has none).

    Example::

        >>> type_before_parametrizations(weight_norm(nn.Linear(2, 2))).__name__
        'Linear'
    """
    if is_parametrized(module):
        base: type = module.__class__.__bases__[0]
        return base
    return type(module)


def transfer_parametrizations_and_params(from_module: Module, to_module: M, tensor_name: str | None = None) -> M:
    """Register ``from_module``'s parametrizations (all, or those of ``tensor_name``) on ``to_module`` and copy
    their originals over (creating the parameter on ``to_module`` when it does not exist).

    Example::

        >>> transfer_parametrizations_and_params(weight_norm(nn.Linear(3, 3)), nn.Linear(3, 3))
    """
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for parameter_name in names:
        if not hasattr(to_module, parameter_name):
            value = getattr(from_module, parameter_name)
            setattr(to_module, parameter_name, Parameter(value.detach() if isinstance(value, Variable) else value))
        source = cast(ParametrizationList, from_module.parametrizations[parameter_name])
        for param_func in source:
            register_parametrization(to_module, parameter_name, param_func)
        target = to_module.parametrizations[parameter_name]
        if "original" in source._parameters or "original" in source._buffers:
            target.original = source.original
        else:
            num = 0
            while hasattr(source, f"original{num}"):
                setattr(target, f"original{num}", getattr(source, f"original{num}"))
                num += 1
    return to_module
