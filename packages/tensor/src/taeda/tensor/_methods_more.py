"""``MoreTensorMethods``: Tensor methods forwarding to the functions of ``_ops_special``, ``_ops_quantile``,
``_ops_split`` and ``taeda.tensor.linalg._products`` (``TensorMethods`` inherits them).

The op modules import ``Tensor``, so they are imported when a method is first called, not at import time.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, cast

from taeda.tensor import _dtype as _dt

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["MoreTensorMethods"]

_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _sp() -> Any:
    from taeda.tensor import _ops_special

    return _ops_special


def _into(self: Any, r: Tensor, name: str) -> Tensor:
    """Write the out-of-place result ``r`` into ``self`` (PyTorch's in-place cast rule: no float into integer,
    complex into real, number into bool)."""
    t = cast("Tensor", self)
    src, dst = r._array.dtype, t._array.dtype
    if _KIND_ORDER[src.kind] > _KIND_ORDER[dst.kind]:
        raise RuntimeError(
            f"result type {_dt.torch_name(src)} can't be cast to the desired output type {_dt.torch_name(dst)}"
        )
    return t.copy_(r)


class MoreTensorMethods:
    """Forwarding methods for the functions added with ``_ops_special``, ``_ops_quantile`` and ``_ops_split``."""

    __slots__ = ()

    # ----------------------------------------------------------------- elementwise (see _ops_special)
    def xlogy(self, other: Any) -> Tensor:
        return _sp().xlogy(self, other)  # type: ignore[no-any-return]

    def xlogy_(self, other: Any) -> Tensor:
        return _into(self, self.xlogy(other), "xlogy_")

    def float_power(self, exponent: Any) -> Tensor:
        return _sp().float_power(self, exponent)  # type: ignore[no-any-return]

    def float_power_(self, exponent: Any) -> Tensor:
        r = self.float_power(exponent)
        dst = cast("Tensor", self)._array.dtype
        if r._array.dtype != dst:
            raise RuntimeError(
                f"the base given to float_power_ has dtype {_dt.torch_name(dst)} but the operation's result "
                f"requires dtype {_dt.torch_name(r._array.dtype)}"
            )
        return cast("Tensor", self).copy_(r)

    def gcd(self, other: Tensor) -> Tensor:
        return _sp().gcd(self, other)  # type: ignore[no-any-return]

    def gcd_(self, other: Tensor) -> Tensor:
        return _into(self, self.gcd(other), "gcd_")

    def lcm(self, other: Tensor) -> Tensor:
        return _sp().lcm(self, other)  # type: ignore[no-any-return]

    def lcm_(self, other: Tensor) -> Tensor:
        return _into(self, self.lcm(other), "lcm_")

    def sgn(self) -> Tensor:
        return _sp().sgn(self)  # type: ignore[no-any-return]

    def sgn_(self) -> Tensor:
        return _into(self, self.sgn(), "sgn_")

    def positive(self) -> Tensor:
        return _sp().positive(self)  # type: ignore[no-any-return]

    def sinc(self) -> Tensor:
        return _sp().sinc(self)  # type: ignore[no-any-return]

    def sinc_(self) -> Tensor:
        return _into(self, self.sinc(), "sinc_")

    def logit(self, eps: builtins.float | None = None) -> Tensor:
        return _sp().logit(self, eps)  # type: ignore[no-any-return]

    def logit_(self, eps: builtins.float | None = None) -> Tensor:
        return _into(self, self.logit(eps), "logit_")

    def i0(self) -> Tensor:
        return _sp().i0(self)  # type: ignore[no-any-return]

    def i0_(self) -> Tensor:
        return _into(self, self.i0(), "i0_")

    def angle(self) -> Tensor:
        return _sp().angle(self)  # type: ignore[no-any-return]

    def isreal(self) -> Tensor:
        return _sp().isreal(self)  # type: ignore[no-any-return]

    def conj_physical(self) -> Tensor:
        return _sp().conj_physical(self)  # type: ignore[no-any-return]

    def resolve_conj(self) -> Tensor:
        return cast("Tensor", self)

    def is_conj(self) -> builtins.bool:
        return False

    # ----------------------------------------------------------------- quantiles (see _ops_quantile)
    def quantile(
        self, q: Any, dim: builtins.int | None = None, keepdim: builtins.bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        from taeda.tensor._ops_quantile import quantile

        return quantile(cast("Tensor", self), q, dim, keepdim, interpolation=interpolation)

    def nanquantile(
        self, q: Any, dim: builtins.int | None = None, keepdim: builtins.bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        from taeda.tensor._ops_quantile import nanquantile

        return nanquantile(cast("Tensor", self), q, dim, keepdim, interpolation=interpolation)

    def nanmedian(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Any:
        from taeda.tensor._ops_quantile import nanmedian

        return nanmedian(self, dim, keepdim)

    # ----------------------------------------------------------------- splits (see _ops_split)
    def hsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        from taeda.tensor._ops_split import hsplit

        return hsplit(cast("Tensor", self), indices_or_sections)

    def vsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        from taeda.tensor._ops_split import vsplit

        return vsplit(cast("Tensor", self), indices_or_sections)

    def dsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        from taeda.tensor._ops_split import dsplit

        return dsplit(cast("Tensor", self), indices_or_sections)

    # ----------------------------------------------------------------- linear algebra (see linalg._products)
    def matrix_power(self, n: builtins.int) -> Tensor:
        from taeda.tensor.linalg import matrix_power

        return matrix_power(cast("Tensor", self), n)

    def matrix_exp(self) -> Tensor:
        from taeda.tensor.linalg import matrix_exp

        return matrix_exp(cast("Tensor", self))
