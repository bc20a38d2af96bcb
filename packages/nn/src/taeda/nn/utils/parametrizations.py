"""``taeda.nn.utils.parametrizations``: ``weight_norm``, ``spectral_norm`` and ``orthogonal`` built on
``taeda.nn.utils.parametrize``, with PyTorch's ``state_dict`` layout (``parametrizations.weight.original0`` ...).
"""

from __future__ import annotations

from typing import Any, TypeVar

from taeda.autograd import Variable, no_grad
from taeda.nn.modules.module import Module
from taeda.nn.utils import parametrize
from taeda.nn.utils._norm_helpers import (
    default_spectral_dim,
    norm_except_dim,
    normalize,
    plain,
    random_unit_vector,
    reshape_weight_to_matrix,
    weight_norm_kernel,
)
from taeda.nn.utils._orthogonal import _OrthMaps, _Orthogonal
from taeda.tensor import Tensor

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]

M = TypeVar("M", bound=Module)


class _WeightNorm(Module):
    """``w = g * v / ‖v‖`` (norm over every dimension but ``dim``; over all of ``v`` when ``dim`` is None)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Any, weight_v: Any) -> Any:
        return weight_norm_kernel(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Any) -> tuple[Any, Any]:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: M, name: str = "weight", dim: int | None = 0) -> M:
    """Reparametrize ``module.<name>`` as ``g * v / ‖v‖``, decoupling magnitude ``g`` from direction ``v``.

    ``g`` is ``module.parametrizations.<name>.original0`` (shape of ``v`` with size 1 in every dimension but
    ``dim``; a scalar norm over the whole tensor when ``dim=None``) and ``v`` is ``original1``, as in PyTorch.
    See https://arxiv.org/abs/1602.07868.

    Example::

        >>> m = weight_norm(nn.Linear(20, 40))
        >>> m.parametrizations.weight.original0.shape, m.parametrizations.weight.original1.shape
        (taeda.Size([40, 1]), taeda.Size([40, 20]))
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # checkpoints of the hook-based ``nn.utils.weight_norm`` (``weight_g``/``weight_v``) load here, as PyTorch
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    """``W / σ(W)`` with ``σ`` estimated by power iteration on the buffers ``_u`` and ``_v`` (updated in
    training mode); a 1-D weight is simply normalised."""

    _u: Tensor
    _v: Tensor

    def __init__(
        self, weight: Tensor | Variable, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = reshape_weight_to_matrix(plain(weight), self.dim)
            h, w = weight_mat.shape
            self.register_buffer("_u", random_unit_vector(h, weight_mat, self.eps))
            self.register_buffer("_v", random_unit_vector(w, weight_mat, self.eps))
            self._power_method(weight_mat, 15)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        # u and v are updated in place (the buffers keep their identity) and cloned before use in forward, so
        # that two forward passes can be back-propagated through together (as in PyTorch).
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(weight_mat.mv(self._v), 0, self.eps))
                self._v.copy_(normalize(weight_mat.mT.mv(self._u), 0, self.eps))

    def forward(self, weight: Any) -> Any:
        if weight.ndim == 1:
            return normalize(weight, 0, self.eps)
        weight_mat = reshape_weight_to_matrix(weight, self.dim)
        if self.training:
            self._power_method(plain(weight_mat), self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = (u * weight_mat.mv(v)).sum()
        return weight / sigma

    def right_inverse(self, value: Any) -> Any:
        return value


def spectral_norm(
    module: M, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> M:
    """Reparametrize ``module.<name>`` as ``W / σ(W)``, ``σ`` its largest singular value estimated by
    ``n_power_iterations`` steps of power iteration each time the weight is read in training mode.

    The vectors live in the buffers ``module.parametrizations.<name>[0]._u`` and ``._v`` (initialised with 15
    iterations). ``dim`` is the output dimension (default 1 for ``ConvTranspose{1,2,3}d``, else 0); weights of
    more than 2 dimensions are flattened to ``(size(dim), -1)``. See https://arxiv.org/abs/1802.05957.

    Example::

        >>> m = spectral_norm(nn.Linear(20, 40))
        >>> sorted(m.state_dict())
        ['bias', 'parametrizations.weight.0._u', 'parametrizations.weight.0._v', 'parametrizations.weight.original']
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, (Tensor, Variable)):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = default_spectral_dim(module)
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


def orthogonal(
    module: M, name: str = "weight", orthogonal_map: str | None = None, *, use_trivialization: bool = True
) -> M:
    """Constrain ``module.<name>`` (a matrix or batch of matrices ``(..., m, n)``) to be orthogonal: orthonormal
    columns when ``m >= n``, orthonormal rows otherwise.

    ``orthogonal_map`` is ``"matrix_exp"`` or ``"cayley"`` (applied to a skew-symmetric matrix built from the
    original) or ``"householder"`` (a product of Householder reflectors); the default is ``"matrix_exp"`` for
    square matrices and ``"householder"`` otherwise. With ``use_trivialization=True`` (default) an extra base
    matrix is kept in the buffer ``module.parametrizations.<name>[0].base`` (dynamic trivialization) and the
    initial value of the weight is the current weight made orthogonal through a QR decomposition.

    Example::

        >>> m = orthogonal(nn.Linear(20, 40))
        >>> Q = m.weight
        >>> bool(tt.allclose((Q.mT @ Q).data, tt.eye(20), atol=1e-5))
        True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, (Tensor, Variable)):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(
            f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: {orthogonal_map}'
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
