"""The hook-based ``weight_norm`` / ``remove_weight_norm`` (PyTorch's ``torch.nn.utils.weight_norm``, deprecated
there in favour of ``taeda.nn.utils.parametrizations.weight_norm``): parameters ``<name>_g`` and ``<name>_v`` and a
forward pre-hook that recomputes ``<name>`` before every call."""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

from taeda.nn.modules.module import Module
from taeda.nn.parameter import Parameter
from taeda.nn.utils._norm_helpers import norm_except_dim, plain, weight_norm_kernel

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]

T_module = TypeVar("T_module", bound=Module)


class WeightNorm:
    """The forward pre-hook of ``weight_norm``: sets ``module.<name> = g * v / ‖v‖`` before each forward.

    Example::

        >>> fn = WeightNorm.apply(nn.Linear(3, 2), "weight", 0)
        >>> fn.name, fn.dim
        ('weight', 0)
    """

    name: str
    dim: int

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Any:
        """``g * v / ‖v‖`` from the module's current ``<name>_g`` and ``<name>_v``."""
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return weight_norm_kernel(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        """Replace parameter ``name`` by ``name_g`` and ``name_v`` and register the hook (what ``weight_norm``
        does)."""
        warnings.warn(
            "`taeda.nn.utils.weight_norm` is deprecated in favor of `taeda.nn.utils.parametrizations.weight_norm`.",
            FutureWarning,
            stacklevel=3,
        )
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        # ``getattr`` (not ``_parameters[name]``) so that a missing ``name`` raises AttributeError, as PyTorch.
        weight = module._parameters[name] if name in module._parameters else getattr(module, name)
        if weight is None:
            raise ValueError(f"`WeightNorm` cannot be applied as parameter `{name}` is None")
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(plain(weight), 2, fn.dim)))
        module.register_parameter(name + "_v", Parameter(plain(weight)))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        """Put back a plain parameter ``name`` holding the current ``g * v / ‖v‖``."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(plain(weight)))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Reparametrize ``module.<name>`` as ``g * v / ‖v‖`` with new parameters ``<name>_g`` (the norms over every
    dimension but ``dim``; the whole-tensor norm for ``dim=None``) and ``<name>_v``, recomputed by a forward
    pre-hook. Deprecated as in PyTorch (``FutureWarning``): prefer ``parametrizations.weight_norm``.

    Example::

        >>> m = weight_norm(nn.Linear(20, 40))
        >>> m.weight_g.shape, m.weight_v.shape
        (taeda.Size([40, 1]), taeda.Size([40, 20]))
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo ``weight_norm``: ``<name>`` becomes a plain parameter again with its current value.

    Example::

        >>> m = remove_weight_norm(weight_norm(nn.Linear(20, 40)))
        >>> sorted(n for n, _ in m.named_parameters())
        ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
