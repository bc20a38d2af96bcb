"""``Buffer``: a ``Tensor`` that a ``Module`` registers as a buffer when assigned to one of its attributes."""

from __future__ import annotations

from taeda.autograd import Variable
from taeda.tensor import Tensor, empty

__all__ = ["Buffer"]


class Buffer(Tensor):
    """A ``Tensor`` marked as module state that is not a parameter (PyTorch 2.5+'s ``nn.Buffer``).

    Assigning one to a ``Module`` attribute registers it with ``register_buffer(name, buffer, persistent)``;
    ``persistent=False`` keeps it out of ``state_dict``. The buffer shares memory (and the in-place version
    counter) with ``data``, as ``data.detach()`` does.

    Example::

        >>> class Counter(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.steps = Buffer(taeda.tensor.zeros(()))
        ...         self.cache = Buffer(taeda.tensor.zeros(3), persistent=False)
        >>> list(Counter().state_dict())
        ['steps']
    """

    __slots__ = ("persistent",)
    persistent: bool

    def __init__(self, data: Tensor | Variable | None = None, *, persistent: bool = True) -> None:
        if data is None:
            data = empty(0)
        elif isinstance(data, Variable):
            data = data.data
        if not isinstance(data, Tensor):
            raise TypeError(f"Buffer data must be a Tensor, but got {type(data).__name__}")
        super().__init__(data.detach())
        self.persistent = bool(persistent)
