"""Integer division by zero raises, as in PyTorch (NumPy returns 0 with a RuntimeWarning).

One check serves the operators (``//``, ``%`` and their in-place forms, on raw arrays) and the functions
(``floor_divide``, ``remainder``, ``fmod``, ``div(rounding_mode=)``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_int_zero", "floordiv", "ifloordiv", "imod", "mod"]


def _kind(x: Any) -> str:
    t = type(x)
    if t is int:
        return "i"
    if t is bool:
        return "b"
    dt = getattr(x, "dtype", None)
    return dt.kind if dt is not None else "f"


def check_int_zero(a: Any, b: Any) -> None:
    """Raise ``RuntimeError("ZeroDivisionError")`` when integer ``a`` is divided by an integer zero in ``b``.

    ``a`` and ``b`` are raw values (ndarrays or Python scalars), not Tensors.
    """
    t = type(b)
    if t is float or (t is int and b != 0):  # the common scalar divisors: nothing to check
        return
    if _kind(b) in "iu" and _kind(a) in "iub":
        if type(b) is int:
            raise RuntimeError("ZeroDivisionError")  # b == 0 here
        if b.size and not b.all():
            raise RuntimeError("ZeroDivisionError")


def floordiv(a: Any, b: Any) -> Any:
    check_int_zero(a, b)
    return a // b


def mod(a: Any, b: Any) -> Any:
    check_int_zero(a, b)
    return a % b


def ifloordiv(a: Any, b: Any) -> Any:
    check_int_zero(a, b)
    a //= b
    return a


def imod(a: Any, b: Any) -> Any:
    check_int_zero(a, b)
    a %= b
    return a
