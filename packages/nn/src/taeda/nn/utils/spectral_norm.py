"""The hook-based ``spectral_norm`` / ``remove_spectral_norm`` (PyTorch's ``torch.nn.utils.spectral_norm``):
parameter ``<name>_orig``, buffers ``<name>_u`` and ``<name>_v`` and a forward pre-hook that sets
``<name> = <name>_orig / σ`` (one power-iteration step per call in training mode)."""

from __future__ import annotations

from typing import Any, TypeVar

from taeda.autograd import no_grad
from taeda.nn.modules.module import Module
from taeda.nn.parameter import Parameter
from taeda.nn.utils._norm_helpers import (
    default_spectral_dim,
    normalize,
    plain,
    random_unit_vector,
    reshape_weight_to_matrix,
)
from taeda.tensor import Tensor

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]

T_module = TypeVar("T_module", bound=Module)


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``.

    Example::

        >>> fn = SpectralNorm.apply(nn.Linear(3, 2), "weight", 1, 0, 1e-12)
        >>> fn.n_power_iterations
        1
    """

    _version: int = 1
    name: str
    dim: int
    n_power_iterations: int
    eps: float

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Any) -> Any:
        """``weight`` with ``dim`` moved first and the rest flattened (``(h, w)``)."""
        return reshape_weight_to_matrix(weight, self.dim)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Any:
        """``<name>_orig / σ`` with ``σ = uᵀ W v``; with ``do_power_iteration`` first updates ``u`` and ``v`` in
        place by ``n_power_iterations`` steps."""
        weight = getattr(module, self.name + "_orig")
        u: Tensor = getattr(module, self.name + "_u")
        v: Tensor = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            w = plain(weight_mat)
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(w.mT.mv(u), 0, self.eps))
                    u.copy_(normalize(w.mv(v), 0, self.eps))
                u = u.clone()
                v = v.clone()
        sigma = (u * weight_mat.mv(v)).sum()
        return weight / sigma

    def remove(self, module: Module) -> None:
        """Put back a plain parameter ``<name>`` holding the current normalised weight."""
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(plain(weight)))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        """Move parameter ``name`` to ``name_orig``, add the ``name_u``/``name_v`` buffers and the hook."""
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        if name not in module._parameters:
            raise KeyError(name)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            weight_mat = fn.reshape_weight_to_matrix(weight.data)
            h, w = weight_mat.shape
            u = random_unit_vector(h, weight_mat, fn.eps)
            v = random_unit_vector(w, weight_mat, fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.data)
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(
    module: T_module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> T_module:
    """Rescale ``module.<name>`` by its spectral norm before every forward: the parameter moves to
    ``<name>_orig`` and the power-iteration vectors are the buffers ``<name>_u`` and ``<name>_v``. ``dim`` is the
    output dimension (default 1 for ``ConvTranspose{1,2,3}d``, else 0). Prefer ``parametrizations.spectral_norm``.

    Example::

        >>> m = spectral_norm(nn.Linear(20, 40))
        >>> m.weight_u.shape
        taeda.Size([40])
    """
    if dim is None:
        dim = default_spectral_dim(module)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo ``spectral_norm``: ``<name>`` becomes a plain parameter holding the normalised weight.

    Example::

        >>> m = remove_spectral_norm(spectral_norm(nn.Linear(40, 10)))
        >>> sorted(m.state_dict())
        ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
