"""Lazy modules: layers that infer their input size from the first ``forward`` and then become the regular class.

``LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``, ``LazyBatchNorm1d/2d/3d`` and
``LazyInstanceNorm1d/2d/3d`` hold ``UninitializedParameter``/``UninitializedBuffer`` placeholders until a forward
pre-hook sees the first input, materializes them with PyTorch's default initialisation and swaps the module's class
for ``cls_to_become`` (``Linear``, ``Conv2d``, ...). Loading an initialized ``state_dict`` materializes them too.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import taeda.tensor as tt
from taeda.autograd import no_grad
from taeda.nn.modules.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, _ConvNd
from taeda.nn.modules.conv3d_t import ConvTranspose3d
from taeda.nn.modules.instancenorm3d import InstanceNorm3d
from taeda.nn.modules.linear import Linear
from taeda.nn.modules.module import Module
from taeda.nn.modules.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    InstanceNorm1d,
    InstanceNorm2d,
    _BatchNorm,
    _InstanceNorm,
    _NormBase,
)
from taeda.nn.uninitialized import UninitializedBuffer, UninitializedParameter, is_lazy

__all__ = [
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
    "LazyLinear",
    "LazyModuleMixin",
]

IntOrInts = int | Sequence[int]


class LazyModuleMixin(Module):
    """Base of the lazy modules: a forward pre-hook calls ``initialize_parameters(*args, **kwargs)`` on the first
    call, checks nothing is left uninitialized, removes itself and turns the module into ``cls_to_become``.

    ``state_dict()`` of an uninitialized module holds the ``UninitializedParameter``/``UninitializedBuffer``
    objects; ``load_state_dict`` of initialized tensors materializes them (the module stays lazy until its first
    forward, which then keeps the loaded values).

    Example::

        >>> fc = LazyLinear(10)
        >>> fc.has_uninitialized_params()
        True
        >>> fc(taeda.autograd.randn(4, 7)).shape, type(fc).__name__, fc.in_features
        (taeda.Size([4, 10]), 'Linear', 7)
    """

    cls_to_become: type[Module] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars or is_lazy(param) else param.data
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf

    def _lazy_load_hook(
        self,
        state_dict: Mapping[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        """Materialize uninitialized parameters and buffers that ``state_dict`` holds initialized values for."""
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and isinstance(param, (UninitializedParameter, UninitializedBuffer)):
                value = state_dict[key]
                if not is_lazy(value):
                    with no_grad():
                        param.materialize(tuple(value.shape))

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialize and initialise the parameters from the first input (each lazy layer implements it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {self.__class__.__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter or buffer of this module (not of its children) is still uninitialized."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(), self._buffers.values()))

    def _infer_parameters(
        self, module: LazyModuleMixin, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None
    ) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            object.__setattr__(module, "__class__", module.cls_to_become)


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is ``input.shape[-1]`` of the first input; it then becomes a ``Linear``
    with PyTorch's default initialisation.

    Example::

        >>> fc = LazyLinear(3)
        >>> fc
        LazyLinear(in_features=0, out_features=3, bias=True)
        >>> _ = fc(taeda.autograd.randn(2, 5)); fc
        Linear(in_features=5, out_features=3, bias=True)
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, False)  # no bias tensor that would be replaced at once
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Any, *args: Any, **kwargs: Any) -> None:
        """Materialize ``weight`` ``(out_features, input.shape[-1])`` and ``bias`` and initialise them."""
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = int(input.shape[-1])
                if not isinstance(self.weight, UninitializedParameter):
                    raise AssertionError("self.weight must be an UninitializedParameter")
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    if not isinstance(self.bias, UninitializedParameter):
                        raise AssertionError("self.bias must be an UninitializedParameter")
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:  # loaded from a state_dict before the first forward
            if int(input.shape[-1]) != int(self.weight.shape[-1]):
                raise AssertionError(
                    f"The in_features inferred from input: {input.shape[-1]} is not equal to in_features from "
                    f"self.weight: {self.weight.shape[-1]}"
                )
            self.in_features = int(input.shape[-1])


class _LazyConvXdMixin(LazyModuleMixin, _ConvNd):
    def _lazy_weights(self, out_channels: int, bias: bool, device: Any, dtype: Any) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Any, *args: Any, **kwargs: Any) -> None:
        """Materialize ``weight`` with ``in_channels`` from the first input's channel dimension and ``bias``."""
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if not isinstance(self.weight, UninitializedParameter):
                raise AssertionError("self.weight must be an UninitializedParameter")
            if self.transposed:
                self.weight.materialize((self.in_channels, self.out_channels // self.groups, *self.kernel_size))
            else:
                self.weight.materialize((self.out_channels, self.in_channels // self.groups, *self.kernel_size))
            if self.bias is not None:
                if not isinstance(self.bias, UninitializedParameter):
                    raise AssertionError("self.bias must be an UninitializedParameter")
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _get_in_channels(self, input: Any) -> int:
        no_batch = self._get_num_spatial_dims() + 1
        if input.dim() not in (no_batch, no_batch + 1):
            raise RuntimeError(
                f"Expected {no_batch}D (unbatched) or {no_batch + 1}D (batched) input to {self.__class__.__name__}, "
                f"but got input of size: {input.shape}"
            )
        return int(input.shape[1] if input.dim() == no_batch + 1 else input.shape[0])

    def _get_num_spatial_dims(self) -> int:
        return self._dims


class _LazyConv(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size: IntOrInts,
        stride: IntOrInts = 1,
        padding: str | IntOrInts = 0,
        dilation: IntOrInts = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._lazy_weights(out_channels, bias, device, dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size: IntOrInts,
        stride: IntOrInts = 1,
        padding: IntOrInts = 0,
        output_padding: IntOrInts = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntOrInts = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode, device, dtype
        )
        self._lazy_weights(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """A ``Conv1d`` whose ``in_channels`` comes from the first input (``input.shape[1]``, or ``[0]`` unbatched).

    Example::

        >>> conv = LazyConv1d(8, 3)
        >>> conv(taeda.autograd.randn(2, 4, 10)).shape, conv.weight.shape
        (taeda.Size([2, 8, 8]), taeda.Size([8, 4, 3]))
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """A ``Conv2d`` whose ``in_channels`` comes from the first input.

    Example::

        >>> conv = LazyConv2d(6, 5)
        >>> _ = conv(taeda.autograd.randn(1, 3, 32, 32)); conv
        Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """A ``Conv3d`` whose ``in_channels`` comes from the first input.

    Example::

        >>> conv = LazyConv3d(4, 3, padding=1)
        >>> conv(taeda.autograd.randn(1, 2, 5, 5, 5)).shape
        taeda.Size([1, 4, 5, 5, 5])
    """

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """A ``ConvTranspose1d`` whose ``in_channels`` comes from the first input.

    Example::

        >>> up = LazyConvTranspose1d(4, 3, stride=2)
        >>> up(taeda.autograd.randn(2, 6, 5)).shape, up.weight.shape
        (taeda.Size([2, 4, 11]), taeda.Size([6, 4, 3]))
    """

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """A ``ConvTranspose2d`` whose ``in_channels`` comes from the first input.

    Example::

        >>> up = LazyConvTranspose2d(3, 2, stride=2)
        >>> up(taeda.autograd.randn(1, 8, 4, 4)).shape
        taeda.Size([1, 3, 8, 8])
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """A ``ConvTranspose3d`` whose ``in_channels`` comes from the first input.

    Example::

        >>> up = LazyConvTranspose3d(2, 2, stride=2)
        >>> up(taeda.autograd.randn(1, 4, 2, 2, 2)).shape
        taeda.Size([1, 2, 4, 4, 4])
    """

    cls_to_become = ConvTranspose3d


class _LazyNormBase(LazyModuleMixin, _NormBase):
    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        # affine, bias and running statistics are created below as placeholders, not as tensors replaced at once
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tt.tensor(0, dtype=tt.long, device=device)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Any, *args: Any, **kwargs: Any) -> None:
        """Materialize the affine parameters and running statistics with ``num_features = input.shape[1]``."""
        if self.has_uninitialized_params():
            self.num_features = int(input.shape[1])
            if self.affine:
                if not isinstance(self.weight, UninitializedParameter):
                    raise AssertionError("self.weight must be an UninitializedParameter")
                self.weight.materialize((self.num_features,))
                if self.bias is not None:
                    if not isinstance(self.bias, UninitializedParameter):
                        raise AssertionError("self.bias must be an UninitializedParameter")
                    self.bias.materialize((self.num_features,))
            if self.track_running_stats:
                self.running_mean.materialize((self.num_features,))
                self.running_var.materialize((self.num_features,))
            self.reset_parameters()


def _check_dims(input: Any, dims: tuple[int, ...]) -> None:
    if input.dim() not in dims:
        expected = " or ".join(f"{d}D" for d in dims)
        raise ValueError(f"expected {expected} input (got {input.dim()}D input)")


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """A ``BatchNorm1d`` whose ``num_features`` is ``input.shape[1]`` of the first input.

    Example::

        >>> bn = LazyBatchNorm1d()
        >>> _ = bn(taeda.autograd.randn(8, 5)); bn
        BatchNorm1d(5, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    cls_to_become = BatchNorm1d

    def _check_input_dim(self, input: Any) -> None:
        _check_dims(input, (2, 3))


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """A ``BatchNorm2d`` whose ``num_features`` is ``input.shape[1]`` of the first input.

    Example::

        >>> bn = LazyBatchNorm2d(momentum=0.2)
        >>> _ = bn(taeda.autograd.randn(4, 3, 6, 6)); bn.running_mean.shape
        taeda.Size([3])
    """

    cls_to_become = BatchNorm2d

    def _check_input_dim(self, input: Any) -> None:
        _check_dims(input, (4,))


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """A ``BatchNorm3d`` whose ``num_features`` is ``input.shape[1]`` of the first input.

    Example::

        >>> bn = LazyBatchNorm3d(affine=False)
        >>> _ = bn(taeda.autograd.randn(2, 4, 3, 3, 3)); bn.num_features
        4
    """

    cls_to_become = BatchNorm3d

    def _check_input_dim(self, input: Any) -> None:
        _check_dims(input, (5,))


class LazyInstanceNorm1d(_LazyNormBase, _InstanceNorm):
    """An ``InstanceNorm1d`` whose ``num_features`` is ``input.shape[1]`` of the first input. As in PyTorch, the
    lazy instance norms default to ``affine=True, track_running_stats=True``.

    Example::

        >>> norm = LazyInstanceNorm1d()
        >>> _ = norm(taeda.autograd.randn(2, 3, 7)); norm.weight.shape
        taeda.Size([3])
    """

    cls_to_become = InstanceNorm1d
    _dims = 1


class LazyInstanceNorm2d(_LazyNormBase, _InstanceNorm):
    """An ``InstanceNorm2d`` whose ``num_features`` is ``input.shape[1]`` of the first input.

    Example::

        >>> norm = LazyInstanceNorm2d(affine=False, track_running_stats=False)
        >>> _ = norm(taeda.autograd.randn(2, 3, 4, 4)); norm
        InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    """

    cls_to_become = InstanceNorm2d
    _dims = 2


class LazyInstanceNorm3d(_LazyNormBase, _InstanceNorm):
    """An ``InstanceNorm3d`` whose ``num_features`` is ``input.shape[1]`` of the first input.

    Example::

        >>> norm = LazyInstanceNorm3d()
        >>> _ = norm(taeda.autograd.randn(1, 2, 3, 3, 3)); type(norm).__name__
        'InstanceNorm3d'
    """

    cls_to_become = InstanceNorm3d
    _dims = 3
