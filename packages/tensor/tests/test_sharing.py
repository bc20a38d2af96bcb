"""share_memory_ / is_shared / pickling: real child processes (fork and spawn; Process, Queue, Pool) see the
parent's memory, and no shared-memory block outlives its last owner."""

from __future__ import annotations

import copy
import gc
import multiprocessing as mp
import os
import pickle
import sys
import textwrap
from collections.abc import Iterator
from multiprocessing.shared_memory import SharedMemory
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.tensor import _sharing

pytestmark = pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs POSIX shared memory in /dev/shm")

# Child-process targets live in a real module on sys.path, so that spawned children can import them
# (pytest imports test files with importlib, which a spawned child cannot repeat).
_HELPERS = textwrap.dedent(
    """
    import taeda.tensor as tt

    def write(t, index, value):
        t[index] = value

    def write_from_queue(q, done):
        t = q.get()
        t[0] = 42.0
        done.put(t.is_shared())

    def fill_row(args):
        t, row = args
        t[row] = float(row + 1)
        return row

    def share_and_send(q):
        t = tt.zeros(3).share_memory_()
        q.put(t)
        q.get()  # keep the block alive until the parent has mapped it
    """
)


@pytest.fixture(scope="module")
def helpers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("sharing_helpers")
    (root / "taeda_sharing_helpers.py").write_text(_HELPERS)
    sys.path.insert(0, str(root))
    try:
        import taeda_sharing_helpers  # type: ignore[import-not-found]

        yield taeda_sharing_helpers
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("taeda_sharing_helpers", None)


def _exists(name: str) -> bool:
    return os.path.exists(os.path.join("/dev/shm", name))


def _name(t: tt.Tensor) -> str:
    """The shared-memory block behind a shared tensor (from its pickling handle)."""
    rebuild, args = _sharing.reduce_tensor(t)
    assert rebuild is _sharing._rebuild_shared
    return str(args[0])


@pytest.fixture
def no_leaks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records the blocks this process creates during the test and checks that none is left in /dev/shm.

    (Other processes on the machine create blocks too, so the check is by name, not by listing /dev/shm.)
    """
    created: list[str] = []

    class Recording(SharedMemory):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            created.append(self.name)

    monkeypatch.setattr(_sharing, "SharedMemory", Recording)
    yield created
    if any(_exists(n) for n in created):  # reference cycles (a traceback ...) may hold the last owner
        gc.collect()
    assert [n for n in created if _exists(n)] == []


def test_share_memory_in_place(no_leaks: list[str]) -> None:
    t = tt.arange(6.0).reshape(2, 3)
    arr_before = t.numpy()
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert not np.shares_memory(arr_before, t.numpy())
    assert t[1].is_shared() and t.t().is_shared()  # views of a shared tensor are shared
    assert t.share_memory_() is t  # idempotent
    e = tt.zeros(0).share_memory_()
    assert e.is_shared() and e.shape == (0,)
    del t, e


def test_block_released_with_last_owner(no_leaks: list[str]) -> None:
    t = tt.ones(1000).share_memory_()
    view = t[10:20]
    name = _name(t)
    assert no_leaks == [name] and _exists(name)
    del t
    gc.collect()
    assert _exists(name)  # the view still owns the block
    assert view.sum().item() == 10.0
    del view
    assert not _exists(name)  # released as soon as the last owner goes, without waiting for a gc run


def test_pickle_by_value_and_by_handle(no_leaks: list[str]) -> None:
    plain = tt.arange(4.0)
    copy = pickle.loads(pickle.dumps(plain))
    copy[0] = 9.0
    assert plain[0].item() == 0.0 and not copy.is_shared()
    view = tt.arange(100.0)[::10]
    assert len(pickle.dumps(view)) < 1000  # a view pickles its elements only
    shared = tt.arange(12.0).reshape(3, 4).share_memory_()
    alias = pickle.loads(pickle.dumps(shared[1:, ::2]))
    assert alias.tolist() == [[4.0, 6.0], [8.0, 10.0]] and alias.is_shared()
    alias[0, 0] = -1.0
    assert shared[1, 0].item() == -1.0
    for dtype in (tt.int8, tt.bool, tt.float16, tt.int64):
        s = tt.zeros(5, dtype=dtype).share_memory_()
        assert pickle.loads(pickle.dumps(s)).dtype == dtype
    del shared, alias, s


def test_copies_of_shared_tensor_are_private(no_leaks: list[str]) -> None:
    t = tt.arange(3.0).share_memory_()
    d = copy.deepcopy(t)
    d[0] = 5.0
    assert t[0].item() == 0.0
    del t, d


def test_missing_block_gives_clear_error(no_leaks: list[str]) -> None:
    t = tt.ones(3).share_memory_()
    data = pickle.dumps(t)
    del t
    gc.collect()
    with pytest.raises(RuntimeError, match="no longer exists"):
        pickle.loads(data)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_argument_shares_memory(method: str, helpers: ModuleType, no_leaks: list[str]) -> None:
    if method not in mp.get_all_start_methods():
        pytest.skip(f"start method {method} unavailable")
    ctx: Any = mp.get_context(method)
    t = tt.zeros(4).share_memory_()
    p = ctx.Process(target=helpers.write, args=(t, 2, 5.0))
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert t.tolist() == [0.0, 0.0, 5.0, 0.0]
    del t


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_queue_shares_memory(method: str, helpers: ModuleType, no_leaks: list[str]) -> None:
    if method not in mp.get_all_start_methods():
        pytest.skip(f"start method {method} unavailable")
    ctx: Any = mp.get_context(method)
    q: Any = ctx.Queue()
    done: Any = ctx.Queue()
    p = ctx.Process(target=helpers.write_from_queue, args=(q, done))
    p.start()
    t = tt.zeros(3).share_memory_()
    q.put(t)
    assert done.get(timeout=60) is True
    p.join(60)
    assert p.exitcode == 0
    assert t[0].item() == 42.0
    del t


def test_pool_workers_write_rows(helpers: ModuleType, no_leaks: list[str]) -> None:
    ctx: Any = mp.get_context("spawn")
    t = tt.zeros(4, 3).share_memory_()
    with ctx.Pool(2) as pool:
        result = pool.map_async(helpers.fill_row, [(t, i) for i in range(4)])
        assert sorted(result.get(timeout=60)) == [0, 1, 2, 3]
    assert t.numpy()[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0]
    del t


def test_tensor_shared_by_child(helpers: ModuleType, no_leaks: list[str]) -> None:
    ctx: Any = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    q: Any = ctx.Queue()
    p = ctx.Process(target=helpers.share_and_send, args=(q,))
    p.start()
    t = q.get(timeout=60)
    assert t.is_shared() and t.tolist() == [0.0, 0.0, 0.0]
    name = _name(t)
    q.put("done")
    p.join(60)
    assert p.exitcode == 0 and not _exists(name)  # the child (its creator) unlinked it when it dropped it
    t[1] = 3.0  # our mapping stays valid after the creator released the block
    assert t.tolist() == [0.0, 3.0, 0.0]
    del t


def test_forked_child_dropping_tensor_keeps_parent_block(no_leaks: list[str]) -> None:
    if "fork" not in mp.get_all_start_methods():
        pytest.skip("fork unavailable")
    t = tt.ones(2).share_memory_()
    data = pickle.dumps(t)
    pid = os.fork()
    if pid == 0:  # child: drop its inherited copy of the tensor, then exit without cleanup
        del t
        gc.collect()
        os._exit(0)
    os.waitpid(pid, 0)
    assert pickle.loads(data).tolist() == [1.0, 1.0]  # the name is still there
    del t


def test_cuda_tensor_share_is_noop() -> None:
    t = tt.ones(2)
    assert t.share_memory_().is_shared()
    if tt.cuda.is_available():
        g = tt.ones(2, device="cuda")
        assert g.share_memory_() is g and g.is_shared()
