"""Batches through shared memory: workers write every NumPy array of a batch into one block, the main process
copies them out; only the block's name, the layout and the batch's skeleton travel through the pipe.

Block lifecycle (all blocks of one DataLoader iterator share a name prefix):

* a worker keeps a small pool of blocks, reusing a block once the main process has copied it out and said so
  (the freed names ride on the worker's next task message), so a steady stream of batches costs no system calls
  and no page faults beyond two copies;
* the main process unlinks a block the first time it attaches to it (both keep their mappings), so a block's name
  exists in ``/dev/shm`` only while its first batch is in flight;
* on shutdown the main process unlinks every block named in messages it drained, and sweeps ``/dev/shm`` for names
  with the iterator's prefix (blocks of a worker that died between creating a block and reporting it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from taeda.data._tensor import Tensor, numpy_to_tensor, to_array

__all__ = ["BlockReader", "BlockWriter", "Encoded", "unlink_blocks"]

_ALIGN = 64
_MIN_BLOCK = 1 << 16
_SHM_DIR = "/dev/shm"


@dataclass(frozen=True)
class Leaf:
    """Placeholder for the ``index``-th array of an encoded batch."""

    index: int


@dataclass(frozen=True)
class Encoded:
    """A batch whose arrays live in shared-memory block ``block`` (None when it has no arrays)."""

    block: str | None
    skeleton: Any
    specs: tuple[tuple[int, str, tuple[int, ...], bool], ...]  # (offset, dtype.str, shape, is_tensor)
    retired: tuple[str, ...] = ()


def _strip(obj: Any, leaves: list[tuple[np.ndarray[Any, Any], bool]]) -> Any:
    """``obj`` with every NumPy array (bare or in a Tensor) replaced by a ``Leaf``; the arrays appended to leaves."""
    if isinstance(obj, Tensor):
        arr = to_array(obj)
        if type(arr) is np.ndarray and not arr.dtype.hasobject:
            leaves.append((arr, True))
            return Leaf(len(leaves) - 1)
        return obj
    if type(obj) is np.ndarray:
        if obj.dtype.hasobject:
            return obj
        leaves.append((obj, False))
        return Leaf(len(leaves) - 1)
    if isinstance(obj, list):
        return [_strip(x, leaves) for x in obj]
    if isinstance(obj, dict):
        out = {k: _strip(v, leaves) for k, v in obj.items()}
        if type(obj) is dict:
            return out
        try:
            clone = obj.copy()
            clone.update(out)
            return clone
        except Exception:
            return out
    if isinstance(obj, tuple):
        stripped = [_strip(x, leaves) for x in obj]
        return type(obj)(*stripped) if hasattr(obj, "_fields") else tuple(stripped)
    return obj


def _fill(obj: Any, arrays: list[Any]) -> Any:
    if isinstance(obj, Leaf):
        return arrays[obj.index]
    if isinstance(obj, list):
        return [_fill(x, arrays) for x in obj]
    if isinstance(obj, dict):
        for k, v in obj.items():
            obj[k] = _fill(v, arrays)
        return obj
    if isinstance(obj, tuple):
        filled = [_fill(x, arrays) for x in obj]
        return type(obj)(*filled) if hasattr(obj, "_fields") else tuple(filled)
    return obj


class BlockWriter:
    """A worker's pool of shared-memory blocks; ``encode`` copies a batch's arrays into a free one."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.blocks: dict[str, shared_memory.SharedMemory] = {}
        self.free: set[str] = set()
        self.counter = 0
        self.retired: list[str] = []

    def release(self, names: list[str] | tuple[str, ...]) -> None:
        """The main process has copied these blocks out: they may be reused."""
        self.free.update(n for n in names if n in self.blocks)

    def _take(self, nbytes: int) -> shared_memory.SharedMemory:
        fitting = [n for n in self.free if self.blocks[n].size >= nbytes]
        if fitting:
            name = min(fitting, key=lambda n: self.blocks[n].size)
            self.free.discard(name)
            return self.blocks[name]
        if self.free:  # a free block too small for this batch is retired rather than kept forever
            small = min(self.free, key=lambda n: self.blocks[n].size)
            self.free.discard(small)
            self.blocks.pop(small).close()
            self.retired.append(small)
        size = max(_MIN_BLOCK, 1 << (nbytes - 1).bit_length())
        name = f"{self.prefix}{self.counter:x}"
        self.counter += 1
        shm = shared_memory.SharedMemory(name=name, create=True, size=size)
        self.blocks[name] = shm
        return shm

    def encode(self, batch: Any) -> Encoded:
        leaves: list[tuple[np.ndarray[Any, Any], bool]] = []
        skeleton = _strip(batch, leaves)
        retired, self.retired = tuple(self.retired), []
        if not leaves:
            return Encoded(None, skeleton, (), retired)
        specs = []
        offset = 0
        for arr, is_tensor in leaves:
            specs.append((offset, arr.dtype.str, tuple(arr.shape), is_tensor))
            offset += -(-arr.nbytes // _ALIGN) * _ALIGN
        shm = self._take(max(offset, 1))
        buf = shm.buf
        for (arr, _), (off, _, _, _) in zip(leaves, specs):
            np.ndarray(arr.shape, arr.dtype, buf, off)[...] = arr
        del buf
        return Encoded(shm.name, skeleton, tuple(specs), retired + tuple(self.retired))

    def close(self) -> None:
        for shm in self.blocks.values():
            shm.close()
        self.blocks.clear()
        self.free.clear()


class BlockReader:
    """The main process's side: attaches to blocks (unlinking them at once) and copies batches out."""

    def __init__(self) -> None:
        self.blocks: dict[str, shared_memory.SharedMemory] = {}

    def attach(self, enc: Encoded) -> shared_memory.SharedMemory | None:
        """The block of ``enc`` mapped in this process (unlinked on first sight); forgets retired blocks."""
        for name in enc.retired:
            old = self.blocks.pop(name, None)
            if old is not None:
                old.close()
        if enc.block is None:
            return None
        shm = self.blocks.get(enc.block)
        if shm is None:
            shm = shared_memory.SharedMemory(name=enc.block)
            shm.unlink()
            self.blocks[enc.block] = shm
        return shm

    def decode(self, enc: Encoded) -> Any:
        """The batch of ``enc``, its arrays copied out of shared memory."""
        shm = self.attach(enc)
        if shm is None:
            return enc.skeleton
        buf = shm.buf
        arrays: list[Any] = []
        for off, dtype, shape, is_tensor in enc.specs:
            arr = np.ndarray(shape, np.dtype(dtype), buf, off).copy()
            arrays.append(numpy_to_tensor(arr) if is_tensor else arr)
        del buf
        return _fill(enc.skeleton, arrays)

    def close(self) -> None:
        for shm in self.blocks.values():
            shm.close()
        self.blocks.clear()


def unlink_blocks(names: list[str]) -> None:
    """Unlink the named blocks, ignoring those already gone."""
    for name in names:
        try:
            shm = shared_memory.SharedMemory(name=name)
        except FileNotFoundError:
            continue
        shm.close()
        shm.unlink()


def sweep(prefix: str) -> list[str]:
    """Unlink every block in /dev/shm whose name starts with ``prefix``; returns their names."""
    try:
        names = [n for n in os.listdir(_SHM_DIR) if n.startswith(prefix)]
    except OSError:
        return []
    unlink_blocks(names)
    return names
