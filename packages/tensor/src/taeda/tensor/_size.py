"""``Size``: the tuple subclass returned by ``Tensor.size()`` and ``Tensor.shape``."""

from __future__ import annotations

__all__ = ["Size"]


class Size(tuple[int, ...]):
    """A tensor shape, a tuple of ints that prints like PyTorch's ``torch.Size``.

    Example:
        >>> Size((2, 3))
        taeda.Size([2, 3])
        >>> Size((2, 3)).numel()
        6
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"taeda.Size({list(self)})"

    def numel(self) -> int:
        """Number of elements of a tensor of this shape."""
        n = 1
        for s in self:
            n *= s
        return n
