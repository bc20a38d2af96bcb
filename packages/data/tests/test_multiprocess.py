"""DataLoader with worker processes: determinism, seeding, sharding, faults, shared-memory hygiene, start methods.

Kept small and fast: tiny datasets, two workers, fork except for one test per other start method.
"""

from __future__ import annotations

import gc
import os
import random
import signal
import sys
import time
from collections import namedtuple
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="uses fork and inspects /dev/shm")

Rec = namedtuple("Rec", ["name", "value"])


def leftovers(prefix: str) -> list[str]:
    return [n for n in os.listdir("/dev/shm") if n.startswith(prefix)]


class Mixed(Dataset[dict[str, Any]]):
    """Samples of every collatable kind."""

    def __len__(self) -> int:
        return 11

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {
            "img": np.full((1, 3, 3), i, np.float32),
            "t": tt.from_numpy(np.arange(2, dtype=np.int32) + i),
            "n": i,
            "f": i / 2,
            "s": f"s{i}",
            "rec": Rec(f"r{i}", np.float64(i)),
            "pair": (i, [i, -i]),
        }


class Noisy(Dataset[list[Any]]):
    """Returns what the worker's RNGs give, to check their seeding."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> list[Any]:
        info = get_worker_info()
        wid = -1 if info is None else info.id
        taeda_draw = int(np.asarray(tt.randint(0, 1 << 30, (1,)).array)[0])
        return [wid, int(np.random.randint(1 << 30)), random.random(), os.getpid(), taeda_draw]


class Sharded(IterableDataset[int]):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Iterator[int]:
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Faulty(Dataset[int]):
    def __init__(self, mode: str, at: int = 5) -> None:
        self.mode, self.at = mode, at

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> Any:
        if i == self.at and get_worker_info() is not None:
            if self.mode == "raise":
                raise KeyError(f"no sample {i}")
            if self.mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.mode == "sleep":
                time.sleep(0.6)
        return np.full(3, i, np.float32)


def flat(batches: list[Any]) -> list[Any]:
    return [np.asarray(b.array if isinstance(b, tt.Tensor) else b).tolist() for b in batches]


def test_batches_identical_across_worker_counts_and_runs() -> None:
    x = np.arange(70 * 4, dtype=np.float32).reshape(70, 4)
    ds = TensorDataset(x, np.arange(70))
    results = {}
    for nw in (0, 1, 2):
        for shuffle in (False, True):
            tt.manual_seed(123)
            loader = DataLoader(ds, batch_size=8, shuffle=shuffle, num_workers=nw, multiprocessing_context="fork")
            results[nw, shuffle] = [[t.array.tolist() for t in b] for b in loader]
    for shuffle in (False, True):
        assert results[0, shuffle] == results[1, shuffle] == results[2, shuffle]
    assert results[0, False] != results[0, True]


def test_every_collatable_type_crosses_from_workers() -> None:
    ds = Mixed()
    ref = list(DataLoader(ds, batch_size=4))
    it = iter(DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="fork"))
    got = list(it)
    assert len(got) == len(ref) == 3
    for g, r in zip(got, ref):
        assert g.keys() == r.keys()
        for k in ("img", "t", "n", "f"):
            assert isinstance(g[k], tt.Tensor) and g[k].dtype == r[k].dtype and g[k].shape == r[k].shape
            np.testing.assert_array_equal(g[k].array, r[k].array)
        assert g["s"] == r["s"] and type(g["rec"]) is Rec and g["rec"].name == r["rec"].name
        np.testing.assert_array_equal(g["rec"].value.array, r["rec"].value.array)
        assert isinstance(g["pair"], list) and flat(g["pair"][1]) == flat(r["pair"][1])
    assert leftovers(it._w.prefix) == []  # type: ignore[attr-defined]


def test_worker_rngs_seeded_distinctly_and_reproducibly() -> None:
    def run(seed: int, epochs: int = 1) -> list[list[Any]]:
        tt.manual_seed(seed)
        loader = DataLoader(Noisy(), batch_size=None, num_workers=2, multiprocessing_context="fork")
        return [s for _ in range(epochs) for s in loader]

    a = run(7)
    assert {s[0] for s in a} == {0, 1}
    for field in (1, 2, 4):  # NumPy's global RNG, `random`, taeda's default generator
        w0 = {s[field] for s in a if s[0] == 0}
        w1 = {s[field] for s in a if s[0] == 1}
        assert len(w0) == len(w1) == 4 and not w0 & w1  # two workers never draw the same numbers
    draws = [s[:3] + s[4:] for s in a]
    assert [s[:3] + s[4:] for s in run(7)] == draws  # same seed, same draws
    assert [s[:3] + s[4:] for s in run(8)] != draws
    two = run(7, epochs=2)
    assert [s[1:3] + s[4:] for s in two[:8]] != [s[1:3] + s[4:] for s in two[8:]]  # each epoch reseeds differently


def test_iterable_dataset_sharded_through_worker_info() -> None:
    loader = DataLoader(Sharded(23), batch_size=4, num_workers=2, multiprocessing_context="fork")
    batches = [b.array.tolist() for b in loader]
    assert sorted(i for b in batches for i in b) == list(range(23))
    assert batches[0] == [0, 2, 4, 6] and batches[1] == [1, 3, 5, 7]  # round-robin over workers, in order


def test_worker_init_fn_and_worker_info() -> None:
    def init(worker_id: int) -> None:
        info = get_worker_info()
        assert info is not None and info.id == worker_id and info.num_workers == 2
        np.random.seed(1000 + worker_id)

    loader = DataLoader(Noisy(), batch_size=None, num_workers=2, worker_init_fn=init, multiprocessing_context="fork")
    out = list(loader)
    expected = {w: np.random.RandomState(1000 + w).randint(1 << 30) for w in (0, 1)}
    assert out[0][1] == expected[out[0][0]] and out[1][1] == expected[out[1][0]]


def test_exception_in_worker_reraised_with_worker_id_and_traceback() -> None:
    loader = DataLoader(Faulty("raise"), batch_size=2, num_workers=2, multiprocessing_context="fork")
    it = iter(loader)
    assert flat([next(it)]) == [[[0.0] * 3, [1.0] * 3]]
    next(it)
    with pytest.raises(KeyError) as info:
        next(it)
    msg = str(info.value)
    assert "Caught KeyError in DataLoader worker process 0" in msg
    assert "Traceback (most recent call last)" in msg and "no sample 5" in msg and "__getitem__" in msg
    assert flat([next(it)])[0][0] == [6.0] * 3  # the iterator goes on after an error, in order
    prefix = it._w.prefix  # type: ignore[attr-defined]
    processes = it._w.processes  # type: ignore[attr-defined]
    del it, info  # the traceback holds the iterator's frames
    gc.collect()
    assert leftovers(prefix) == [] and all(p.exitcode is not None for p in processes)


def test_killed_worker_is_reported_promptly() -> None:
    loader = DataLoader(Faulty("kill"), batch_size=2, num_workers=2, multiprocessing_context="fork")
    it = iter(loader)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker 0 \(pid \d+\) exited unexpectedly.*SIGKILL"):
        list(it)
    assert time.monotonic() - t0 < 5
    assert leftovers(it._w.prefix) == []  # type: ignore[attr-defined]


def test_timeout_raises() -> None:
    loader = DataLoader(Faulty("sleep", at=0), batch_size=2, num_workers=1, timeout=0.2, multiprocessing_context="fork")
    it = iter(loader)
    with pytest.raises(RuntimeError, match=r"timed out after 0.2 seconds"):
        next(it)
    assert leftovers(it._w.prefix) == []  # type: ignore[attr-defined]


def test_no_shared_memory_left_after_normal_exit_or_dropped_iterator() -> None:
    ds = TensorDataset(np.zeros((64, 1, 28, 28), np.float32), np.arange(64))
    loader = DataLoader(ds, batch_size=8, num_workers=2, multiprocessing_context="fork")
    it = iter(loader)
    assert len(list(it)) == 8 and len(it) == 8  # type: ignore[arg-type]
    assert leftovers(it._w.prefix) == []  # type: ignore[attr-defined]
    assert all(p.exitcode == 0 for p in it._w.processes)  # type: ignore[attr-defined]
    half = iter(loader)
    next(half)
    prefix, processes = half._w.prefix, half._w.processes  # type: ignore[attr-defined]
    time.sleep(0.05)  # let the workers put prefetched batches in flight
    del half
    gc.collect()
    assert leftovers(prefix) == [] and all(p.exitcode is not None for p in processes)


def test_persistent_workers_survive_epochs() -> None:
    loader = DataLoader(Noisy(), batch_size=2, num_workers=2, persistent_workers=True, multiprocessing_context="fork")
    e1 = list(loader)
    pids1 = {int(p) for b in e1 for p in b[3].array.tolist()}
    it = iter(loader)
    next(it)  # abandon epoch 2 half-way
    e3 = list(loader)
    pids3 = {int(p) for b in e3 for p in b[3].array.tolist()}
    assert pids1 == pids3 and len(pids1) == 2
    assert [b[0].array.tolist() for b in e1] == [b[0].array.tolist() for b in e3]
    assert [b[1].array.tolist() for b in e1] != [b[1].array.tolist() for b in e3]  # reseeded per epoch
    w = loader._iterator._w
    loader._iterator.close()
    assert leftovers(w.prefix) == [] and all(p.exitcode is not None for p in w.processes)


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_other_start_methods(method: str) -> None:
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    ds = TensorDataset(x, np.arange(20))
    ref = [[t.array.tolist() for t in b] for b in DataLoader(ds, batch_size=6)]
    it = iter(DataLoader(ds, batch_size=6, num_workers=2, multiprocessing_context=method))
    assert [[t.array.tolist() for t in b] for b in it] == ref
    assert leftovers(it._w.prefix) == []  # type: ignore[attr-defined]


def test_growing_batches_reuse_and_retire_blocks() -> None:
    x = np.random.default_rng(0).standard_normal((31, 1, 100, 100)).astype(np.float32)
    ds = TensorDataset(x)
    sizes = [1, 2, 4, 8, 16]
    starts = np.cumsum([0, *sizes])
    batches = [list(range(s, s + n)) for s, n in zip(starts, sizes)]
    it = iter(DataLoader(ds, batch_sampler=batches * 2, num_workers=1, multiprocessing_context="fork"))
    got = [b[0].array for b in it]
    assert [g.shape[0] for g in got] == sizes * 2
    for g, idx in zip(got, batches * 2):
        np.testing.assert_array_equal(g, x[idx])
    assert leftovers(it._w.prefix) == []  # type: ignore[attr-defined]


_ORPHAN_SCRIPT = """
import os, signal, sys, time
import numpy as np
from taeda.data import DataLoader, TensorDataset
it = iter(DataLoader(TensorDataset(np.zeros((64, 8), np.float32)), batch_size=4, num_workers=2,
                     multiprocessing_context="fork"))
next(it)
print(" ".join(str(p.pid) for p in it._w.processes), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in {"Z", "X"}
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_workers_exit_when_the_main_process_dies() -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", _ORPHAN_SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    pids = [int(p) for p in proc.stdout.split()]
    assert len(pids) == 2, proc.stderr
    deadline = time.monotonic() + 10
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(p) for p in pids)


class Unpicklable(Dataset[Any]):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> Any:
        return {"x": np.zeros(2), "f": (lambda: i) if i == 2 else i}


def test_unpicklable_batch_reported_and_iteration_goes_on() -> None:
    it = iter(DataLoader(Unpicklable(), batch_size=None, num_workers=1, multiprocessing_context="fork"))
    assert next(it)["f"] == 0 and next(it)["f"] == 1
    with pytest.raises(Exception, match="sending the batch"):
        next(it)
    assert next(it)["f"] == 3


def test_persistent_workers_with_iterable_dataset_restart_each_epoch() -> None:
    loader = DataLoader(
        Sharded(10), batch_size=3, num_workers=2, persistent_workers=True, multiprocessing_context="fork"
    )
    for _ in range(3):
        batches = [b.array.tolist() for b in loader]
        assert sorted(i for b in batches for i in b) == list(range(10))
    loader._iterator.close()


class Threads(Dataset[int]):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        return tt.get_num_threads()


def test_workers_compute_on_one_thread_as_pytorchs() -> None:
    before = tt.get_num_threads()
    seen = [int(v) for b in DataLoader(Threads(), batch_size=2, num_workers=2) for v in b.array.tolist()]
    assert seen == [1, 1, 1, 1]
    assert tt.get_num_threads() == before  # the main process keeps its own setting
