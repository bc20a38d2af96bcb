"""``_Extra``: the rarely used per-Variable state (hooks, retain_grad, view links), kept out of the hot slots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class _Extra:
    """Hooks of a leaf (``hooks``, ``post_hooks``: post-accumulate-grad hooks), ``retain_grad``, and the view
    links of ``_views``: ``base`` (the root Variable whose memory a view shares), ``views`` (weak references to the
    live views of a root) and ``pos`` (the view's flat positions in its root, computed on the first in-place
    write)."""

    __slots__ = ("base", "hooks", "pos", "post_hooks", "retains_grad", "views")

    def __init__(self) -> None:
        self.hooks: dict[int, Callable[..., Any]] | None = None
        self.post_hooks: dict[int, Callable[..., Any]] | None = None
        self.retains_grad = False
        self.base: Any = None
        self.views: list[Any] | None = None
        self.pos: Any = None
