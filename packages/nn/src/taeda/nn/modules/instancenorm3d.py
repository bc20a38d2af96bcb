"""``InstanceNorm3d``: instance normalisation over ``(N, C, D, H, W)`` (PyTorch 2.13's signature, ``bias``
keyword and repr)."""

from __future__ import annotations

import warnings
from typing import Any

from taeda.autograd import Variable
from taeda.nn import init
from taeda.nn.modules.normalization import _InstanceNorm

__all__ = ["InstanceNorm3d"]


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation over ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)``; ``affine`` adds a learnable
    per-channel weight (and bias unless ``bias=False``).

    Example::

        >>> InstanceNorm3d(3)
        InstanceNorm3d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    """

    _dims = 3

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        if affine and not bias:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Reset the running statistics; weight 1 and bias 0 when affine."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Any) -> Variable:
        d = self._dims
        if input.dim() in (d + 1, d + 2) and not self.affine:
            c = int(input.shape[input.dim() - d - 1])
            if c != self.num_features:
                warnings.warn(
                    f"input's size at dim={input.dim() - d - 1} does not match num_features. You can silence this "
                    "warning by not passing in num_features, which is not used because affine=False",
                    stacklevel=2,
                )
        return super().forward(input)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )
