"""``InstanceNorm3d``: instance normalisation over ``(N, C, D, H, W)`` (PyTorch 2.13's signature, ``bias``
keyword and repr)."""

from __future__ import annotations

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
