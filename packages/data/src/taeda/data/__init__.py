"""taeda.data."""

from taeda.data.__about__ import __version__

__all__ = ["__version__"]
