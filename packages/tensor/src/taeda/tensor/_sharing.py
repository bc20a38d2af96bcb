"""Sharing CPU tensors between processes through ``multiprocessing.shared_memory``.

``share_memory_(t)`` moves a CPU tensor's elements into a new shared-memory block, in place: the same Tensor
object, now backed by the block. Pickled for a child process (``Process`` arguments, ``Queue``, ``Pool``; fork or
spawn), a shared tensor travels as a handle (block name, dtype, shape, strides, offset) and the receiver maps the
same memory: writes on either side are seen by the other. Tensors that are not shared pickle by value.

Lifetime: the creating process owns the block. It is unlinked when the last array using it in that process is
garbage collected (or at exit); processes that attached keep their mapping until they drop it. A receiver must
attach (unpickle) while the creator still holds the tensor, as with PyTorch's ``file_system`` strategy. A pickle of
a shared tensor is therefore only good for passing it to another process: write files with ``taeda.tensor.save``.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import weakref
from multiprocessing.shared_memory import SharedMemory
from typing import Any

import numpy as np

from taeda.tensor._device import Device
from taeda.tensor._tensor import Tensor, _wrap

__all__ = ["share_memory_", "is_shared", "reduce_tensor"]


class _Block:
    """What this process knows about one mapped block: its name, size and base address."""

    __slots__ = ("address", "name", "size")

    def __init__(self, name: str, size: int, address: int) -> None:
        self.name = name
        self.size = size
        self.address = address


# mapping -> block info, and name -> mapping (weak both ways: a block lives exactly as long as arrays use it)
_blocks: weakref.WeakKeyDictionary[mmap.mmap, _Block] = weakref.WeakKeyDictionary()
_by_name: weakref.WeakValueDictionary[str, mmap.mmap] = weakref.WeakValueDictionary()


def _map(name: str, size: int) -> mmap.mmap:
    """Map an existing POSIX shared-memory block by name (without registering it with a resource tracker)."""
    try:
        import _posixshmem  # type: ignore[import-not-found]  # CPython's backend of multiprocessing.shared_memory
    except ImportError:
        raise RuntimeError("sharing tensors between processes needs POSIX shared memory (Linux or macOS)") from None
    try:
        fd: int = _posixshmem.shm_open("/" + name, os.O_RDWR, mode=0o600)
    except FileNotFoundError:
        raise RuntimeError(
            f"shared memory block {name!r} no longer exists: the process that shared the tensor released it before "
            "this process received it (keep the tensor alive in the sender until the receiver has it)"
        ) from None
    try:
        return mmap.mmap(fd, size)
    finally:
        os.close(fd)


def _register(mm: mmap.mmap, name: str, size: int) -> None:
    root = np.ndarray((size,), np.uint8, buffer=mm)
    _blocks[mm] = _Block(name, size, int(root.__array_interface__["data"][0]))
    _by_name[name] = mm


def _release(shm: SharedMemory, pid: int) -> None:
    """Unlink a block created by this process (never from a forked child that inherited the finalizer)."""
    if os.getpid() == pid:
        with contextlib.suppress(FileNotFoundError):
            shm.unlink()


def _mapping_of(arr: Any) -> mmap.mmap | None:
    base = arr
    while isinstance(base, np.ndarray):
        base = base.base
    if type(base) is mmap.mmap and base in _blocks:
        return base
    return None


def is_shared(t: Tensor) -> bool:
    """Whether a tensor's storage is in a shared-memory block (``share_memory_`` or received from another process);
    always ``True`` for CUDA tensors, as in PyTorch.

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.zeros(3); x.is_shared()
        False
        >>> x.share_memory_().is_shared()
        True
    """
    arr = t._array
    if not isinstance(arr, np.ndarray):
        return True  # CUDA memory is shareable as is, and PyTorch reports it as shared
    return _mapping_of(arr) is not None


def share_memory_(t: Tensor) -> Tensor:
    """Move a CPU tensor's elements into shared memory, in place, and return the tensor.

    A no-op for tensors already shared and for CUDA tensors (as in PyTorch). Other views of the tensor's old
    storage keep the old memory: share the tensor before taking views of it.

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.arange(4.0)
        >>> x.share_memory_() is x, x.tolist()
        (True, [0.0, 1.0, 2.0, 3.0])
    """
    arr = t._array
    if not isinstance(arr, np.ndarray) or _mapping_of(arr) is not None:
        return t
    size = max(arr.nbytes, 1)
    shm = SharedMemory(create=True, size=size)  # a fresh name, registered with the resource tracker
    try:
        mm = _map(shm.name, size)
    except BaseException:
        shm.close()
        shm.unlink()
        raise
    shm.close()  # our own mapping `mm` (tied to the arrays' lifetime) replaces SharedMemory's
    _register(mm, shm.name, size)
    weakref.finalize(mm, _release, shm, os.getpid())
    new: np.ndarray[Any, Any] = np.ndarray(arr.shape, arr.dtype, buffer=mm)
    new[...] = arr
    t._array = new
    return t


def _rebuild_shared(
    name: str, size: int, dtype: str, shape: tuple[int, ...], strides: tuple[int, ...], offset: int
) -> Tensor:
    mm = _by_name.get(name)
    if mm is None:
        mm = _map(name, size)
        _register(mm, name, size)
    arr: np.ndarray[Any, Any] = np.ndarray(shape, np.dtype(dtype), buffer=mm, offset=offset, strides=strides)
    return _wrap(arr)


def _rebuild_array(arr: np.ndarray[Any, Any]) -> Tensor:
    return _wrap(arr)


def _rebuild_on_device(arr: np.ndarray[Any, Any], device: str) -> Tensor:
    return _wrap(Device(device).send(arr))


def reduce_tensor(t: Tensor) -> tuple[Any, tuple[Any, ...]]:
    """``Tensor.__reduce__``: a shared tensor pickles as a handle to its block, any other tensor by value.

    A CUDA tensor pickles its values and comes back on the same device.

    Example:
        >>> from pickle import dumps, loads; import taeda.tensor as tt
        >>> x = tt.arange(3.0).share_memory_()
        >>> y = loads(dumps(x)); y[0] = 7.0; x.tolist()
        [7.0, 1.0, 2.0]
    """
    arr = t._array
    if not isinstance(arr, np.ndarray):
        return _rebuild_on_device, (arr.get(), str(t.device))
    mm = _mapping_of(arr)
    if mm is None:
        return _rebuild_array, (arr,)
    block = _blocks[mm]
    offset = int(arr.__array_interface__["data"][0]) - block.address
    return _rebuild_shared, (block.name, block.size, arr.dtype.str, tuple(arr.shape), tuple(arr.strides), offset)
