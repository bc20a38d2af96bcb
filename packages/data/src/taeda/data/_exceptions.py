"""Carrying an exception and its traceback from a worker process to the main process."""

from __future__ import annotations

import sys
import traceback

__all__ = ["ExceptionWrapper"]


class ExceptionWrapper:
    """The exception being handled now, as its type and formatted traceback (picklable)."""

    def __init__(self, where: str = "in background") -> None:
        exc_type, exc, tb = sys.exc_info()
        if exc_type is None:
            raise RuntimeError("ExceptionWrapper must be created while an exception is being handled")
        self.exc_type: type[BaseException] = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def reraise(self) -> None:
        """Raise the exception again, its message naming where it happened and holding the original traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class KeyErrorMessage(str):
    """A message that KeyError prints as is (KeyError normally prints the repr of its argument)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)
