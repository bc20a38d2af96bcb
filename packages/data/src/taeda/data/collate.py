"""``default_collate`` and ``default_convert``: how samples become batches, with PyTorch's rules.

``default_collate`` stacks Tensors and NumPy arrays into Tensors, turns numbers into 1-D Tensors (``int`` to int64,
``float`` to float64, ``bool`` to bool), keeps strings as lists, and recurses into dicts, namedtuples, lists and
tuples (tuples become lists, as in PyTorch).
"""

from __future__ import annotations

import copy
import operator
import re
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

from taeda.data._tensor import Tensor, numpy_to_tensor, stack, tensor, to_tensor

__all__ = ["default_collate", "default_convert"]

_STR_OBJ_DTYPE = re.compile(r"[SaUO]")
_shape_of = operator.attrgetter("shape")
_array_of = operator.attrgetter("array")
_ERR_FORMAT = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _check_shapes(arrays: Sequence[Any]) -> tuple[int, ...]:
    """The common shape of ``arrays``; a RuntimeError naming the first two different shapes otherwise."""
    shapes = list(map(_shape_of, arrays))
    first: tuple[int, ...] = shapes[0]
    if shapes.count(first) != len(shapes):
        for i, shape in enumerate(shapes):
            if shape != first:
                raise RuntimeError(
                    f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and "
                    f"{list(shape)} at entry {i}"
                )
    return first


def _stack_numpy(arrays: Sequence[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    shape = _check_shapes(arrays)
    if not shape:
        return np.stack(arrays)
    # one concatenate along the first axis is a single C loop; np.stack adds a Python-level expand_dims per array
    return np.concatenate(arrays).reshape(len(arrays), *shape)


def _collate_tensors(batch: Sequence[Tensor]) -> Tensor:
    arrays = list(map(_array_of, batch))
    if type(arrays[0]) is np.ndarray:
        return numpy_to_tensor(_stack_numpy(arrays))
    _check_shapes(arrays)
    return stack(list(batch), 0)


def _collate_ndarrays(batch: Sequence[np.ndarray[Any, Any]]) -> Tensor:
    elem = batch[0]
    if _STR_OBJ_DTYPE.search(elem.dtype.str) is not None:
        raise TypeError(_ERR_FORMAT.format(elem.dtype))
    return numpy_to_tensor(_stack_numpy(batch))


def _collate_numpy_scalars(batch: Sequence[np.generic]) -> Tensor:
    return numpy_to_tensor(np.array(batch))


def _collate_float(batch: Sequence[float]) -> Tensor:
    return numpy_to_tensor(np.array(batch, dtype=np.float64))


def _collate_int(batch: Sequence[int]) -> Tensor:
    """Ints and bools (``torch.tensor(batch)``): int64, or bool if all are bools; other types infer the dtype."""
    arr = np.array(batch)
    if arr.dtype in (np.int64, np.bool_):
        return numpy_to_tensor(arr)
    if all(isinstance(x, int) for x in batch):  # ints beyond int64: raises OverflowError
        return numpy_to_tensor(np.array(batch, dtype=np.int64))
    # a float (or another type) among the ints: never truncate it, infer the dtype as torch.tensor does
    return tensor(list(batch))


_collate_bool = _collate_int


def _collate_str(batch: Sequence[Any]) -> Any:
    return batch


def default_collate(batch: Sequence[Any]) -> Any:
    """Collate a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors and arrays of equal shape are stacked along a new first dimension (a shape mismatch raises a
    ``RuntimeError`` naming both shapes); numbers become 1-D Tensors; strings stay a list; mappings, namedtuples and
    sequences are collated field by field.

    Examples:
        >>> import numpy as np
        >>> out = default_collate([{"x": np.zeros(2, np.float32), "y": 1}, {"x": np.ones(2, np.float32), "y": 2}])
        >>> tuple(out["x"].shape), out["y"].tolist()
        ((2, 2), [1, 2])
    """
    elem = batch[0]
    elem_type = type(elem)
    fn = _COLLATE_EXACT.get(elem_type)
    if fn is not None:
        return fn(batch)
    if isinstance(elem, Tensor):
        return _collate_tensors(batch)
    if isinstance(elem, np.ndarray):
        if elem.shape == () and _STR_OBJ_DTYPE.search(elem.dtype.str) is None:
            return _collate_numpy_scalars(batch)
        return _collate_ndarrays(batch)
    if isinstance(elem, np.generic):
        if isinstance(elem, np.str_ | np.bytes_):
            return batch
        if _STR_OBJ_DTYPE.search(elem.dtype.str) is not None:
            raise TypeError(_ERR_FORMAT.format(elem.dtype))
        if not isinstance(elem, np.bool_ | np.number):
            raise TypeError(_ERR_FORMAT.format(elem_type))
        return _collate_numpy_scalars(batch)
    if isinstance(elem, bool):
        return _collate_bool(batch)
    if isinstance(elem, float):
        return _collate_float(batch)
    if isinstance(elem, int):
        return _collate_int(batch)
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return elem_type(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if list(map(len, batch)).count(size) != len(batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            if isinstance(elem, MutableSequence):
                clone_seq = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone_seq[i] = default_collate(samples)
                return clone_seq
            return elem_type([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_ERR_FORMAT.format(elem_type))


_COLLATE_EXACT: dict[type, Callable[[Any], Any]] = {
    Tensor: _collate_tensors,
    float: _collate_float,
    int: _collate_int,
    bool: _collate_bool,
    str: _collate_str,
}


def default_convert(data: Any) -> Any:
    """Convert NumPy arrays (and numbers inside containers) of one sample to Tensors, without batching.

    This is the ``collate_fn`` the DataLoader uses when ``batch_size=None``.

    Examples:
        >>> import numpy as np
        >>> tuple(default_convert({"x": np.arange(3)})["x"].shape)
        (3,)
    """
    cls: Any = type(data)
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        if _STR_OBJ_DTYPE.search(data.dtype.str) is not None:
            return data
        return to_tensor(data)
    if isinstance(data, np.generic):
        if isinstance(data, np.str_ | np.bytes_) or _STR_OBJ_DTYPE.search(data.dtype.str) is not None:
            return data
        return to_tensor(np.asarray(data))
    if isinstance(data, str | bytes):
        return data
    if isinstance(data, Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return cls(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return cls(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence):
        try:
            if isinstance(data, MutableSequence):
                clone_seq = copy.copy(data)
                for i, d in enumerate(data):
                    clone_seq[i] = default_convert(d)
                return clone_seq
            return cls([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
