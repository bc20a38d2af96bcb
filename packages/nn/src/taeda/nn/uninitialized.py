"""``UninitializedParameter`` and ``UninitializedBuffer``: the placeholders a lazy module holds until its first
``forward`` tells it the shapes (PyTorch's ``torch.nn.parameter`` classes of the same names), and ``is_lazy``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from taeda.nn.parameter import Parameter
from taeda.tensor import Tensor, empty

__all__ = ["UninitializedBuffer", "UninitializedParameter", "UninitializedTensorMixin", "is_lazy"]

_SHAPE_MESSAGE = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
    "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call `forward` to "
    "initialize the parameters before accessing their attributes."
)


def uninitialized_shape_error() -> RuntimeError:
    """The error PyTorch raises when the shape of an uninitialized parameter or buffer is read."""
    return RuntimeError(_SHAPE_MESSAGE)


def uninitialized_share_error() -> RuntimeError:
    """The error PyTorch raises when an uninitialized parameter or buffer is moved to shared memory."""
    return RuntimeError(
        "Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize the parameters "
        "before calling `module.share_memory()`."
    )


def _shape_tuple(shape: Sequence[int] | int) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, int) else tuple(int(s) for s in shape)


class UninitializedTensorMixin:
    """What uninitialized parameters and buffers share: no shape, no computation, ``materialize`` to become real.

    Example::

        >>> is_lazy(UninitializedParameter()), is_lazy(Parameter(taeda.tensor.ones(1)))
        (True, False)
    """

    __slots__ = ()

    @property
    def shape(self) -> NoReturn:
        raise uninitialized_shape_error()

    def share_memory_(self) -> NoReturn:
        raise uninitialized_share_error()

    def __repr__(self) -> str:
        return f"<{_public_name(self)}>"

    def __taeda_function__(
        self, func: Callable[..., Any], types: tuple[type, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> NoReturn:
        raise ValueError(
            f"Attempted to use an uninitialized parameter in {getattr(func, '__name__', func)}. This error happens "
            f"when you are using a `LazyModule` or explicitly manipulating `taeda.nn.{_public_name(self)}` objects. "
            "When using LazyModules Call `forward` with a dummy batch to initialize the parameters before calling "
            "taeda functions"
        )


def _public_name(obj: object) -> str:
    return UninitializedBuffer.__name__ if isinstance(obj, UninitializedBuffer) else type(obj).__name__


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``.

    Example::

        >>> is_lazy(LazyLinear(3).weight)
        True
    """
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A ``Parameter`` whose shape is not known yet; ``materialize(shape)`` turns it into a regular ``Parameter``
    (in place) with the dtype and device it was given or moved to.

    Example::

        >>> p = UninitializedParameter(dtype=taeda.tensor.float64)
        >>> p.materialize((2, 3)); type(p).__name__, tuple(p.shape), p.dtype
        ('Parameter', (2, 3), dtype('float64'))
    """

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(empty(0, device=device, dtype=dtype), requires_grad)

    def materialize(self, shape: Sequence[int] | int, device: Any = None, dtype: Any = None) -> None:
        """Allocate uninitialised memory of ``shape`` (on ``device``/``dtype``, by default the current ones) and
        become a ``Parameter``."""
        data = self.data
        self.data = empty(
            _shape_tuple(shape),
            device=data.device if device is None else device,
            dtype=data.dtype if dtype is None else dtype,
        )
        object.__setattr__(self, "__class__", self.cls_to_become)

    def __deepcopy__(self, memo: dict[int, Any]) -> UninitializedParameter:
        if id(self) in memo:
            found: UninitializedParameter = memo[id(self)]
            return found
        result = type(self)(self.requires_grad, self.data.device, self.data.dtype)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (type(self), (self.requires_grad, str(self.data.device), self.data.dtype))


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet; ``materialize(shape)`` turns it into a regular ``Tensor`` in place.

    ``.to()``, ``.cpu()``, ``.cuda()``, ``.float()``, ``.double()`` and ``.half()`` return uninitialized buffers
    with the new dtype/device, so ``module.to(...)`` before the first forward decides what is materialized.
    Buffers are Tensors in taeda and never require grad, so ``requires_grad=True`` is refused.

    Example::

        >>> b = UninitializedBuffer(persistent=False)
        >>> b.persistent, repr(b)
        (False, '<UninitializedBuffer>')
        >>> b.materialize(3); type(b).__name__, tuple(b.shape)
        ('Tensor', (3,))
    """

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(
        self, requires_grad: bool = False, device: Any = None, dtype: Any = None, persistent: bool = True
    ) -> None:
        if requires_grad:
            raise ValueError("taeda buffers are Tensors and cannot require grad: use an UninitializedParameter")
        super().__init__(empty(0, device=device, dtype=dtype))
        if not persistent:
            object.__setattr__(self, "__class__", _NonPersistentUninitializedBuffer)

    @property
    def persistent(self) -> bool:
        """Whether the buffer goes into ``state_dict`` when assigned to a module attribute."""
        return not isinstance(self, _NonPersistentUninitializedBuffer)

    @property
    def requires_grad(self) -> bool:
        """Always ``False``: buffers do not require grad."""
        return False

    def materialize(self, shape: Sequence[int] | int, device: Any = None, dtype: Any = None) -> None:
        """Allocate uninitialised memory of ``shape`` (on ``device``/``dtype``, by default the current ones) and
        become a ``Tensor``."""
        self.data = empty(
            _shape_tuple(shape),
            device=self.device if device is None else device,
            dtype=self.dtype if dtype is None else dtype,
        )
        object.__setattr__(self, "__class__", self.cls_to_become)

    def _like(self, converted: Tensor) -> UninitializedBuffer:
        if converted.array is self.array:
            return self
        out: UninitializedBuffer = object.__new__(type(self))
        Tensor.__init__(out, converted)
        return out

    def to(self, *args: Any, **kwargs: Any) -> UninitializedBuffer:
        """An uninitialized buffer with the requested dtype and/or device (``self`` when nothing changes)."""
        return self._like(Tensor(self).to(*args, **kwargs))

    def cpu(self) -> UninitializedBuffer:
        """An uninitialized buffer on the CPU."""
        return self._like(Tensor(self).cpu())

    def cuda(self, device: Any = None) -> UninitializedBuffer:
        """An uninitialized buffer on a CUDA device."""
        return self._like(Tensor(self).cuda(device))

    def __deepcopy__(self, memo: dict[int, Any]) -> UninitializedBuffer:
        return type(self)(False, self.device, self.dtype)

    def __reduce__(self) -> Any:
        return (UninitializedBuffer, (False, str(self.device), self.dtype, self.persistent))


class _NonPersistentUninitializedBuffer(UninitializedBuffer):
    """An ``UninitializedBuffer(persistent=False)`` (a subclass, so that it keeps ``Tensor``'s memory layout and can
    still become a ``Tensor`` in place)."""

    __slots__ = ()
