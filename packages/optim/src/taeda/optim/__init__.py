"""taeda.optim."""

from taeda.optim.__about__ import __version__

__all__ = ["__version__"]
