"""What runs inside a DataLoader worker process, and ``get_worker_info()`` for datasets running there."""

from __future__ import annotations

import contextlib
import multiprocessing
import random
import signal
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from taeda.data._exceptions import ExceptionWrapper
from taeda.data._fetch import IterableEnd, make_fetcher
from taeda.data._shm import BlockWriter, Encoded
from taeda.data._tensor import seed_default_generator, set_num_threads

__all__ = ["WorkerInfo", "get_worker_info"]

# How often (seconds) an idle worker checks that the main process is still alive.
WATCHDOG_INTERVAL = 1.0


@dataclass(frozen=True)
class WorkerInfo:
    """Describes the worker process a dataset is running in: ``id``, ``num_workers``, ``seed``, ``dataset``.

    ``seed`` is the seed of the worker's taeda generator this epoch; ``dataset`` is the worker's own copy.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The `WorkerInfo` of the current DataLoader worker process; None in the main process.

    Examples:
        Sharding an iterable dataset across workers:

        >>> def shard(n: int) -> range:
        ...     info = get_worker_info()
        ...     return range(n) if info is None else range(info.id, n, info.num_workers)
        >>> list(shard(4))
        [0, 1, 2, 3]
    """
    return _worker_info


def seed_worker(base_seed: int, epoch: int, worker_id: int) -> int:
    """Seed ``random``, NumPy's global RNG and taeda's default generator from ``SeedSequence([base, epoch, id])``.

    Returns the taeda seed (``WorkerInfo.seed``).
    """
    np_ss, py_ss, taeda_ss = np.random.SeedSequence([base_seed, epoch, worker_id]).spawn(3)
    np.random.seed(np_ss.generate_state(4))
    random.seed(int(py_ss.generate_state(1, np.uint64)[0]))
    seed = int(taeda_ss.generate_state(1, np.uint64)[0] >> 2)
    seed_default_generator(seed)
    return seed


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs besides its pipes (pickled once per worker under spawn/forkserver)."""

    dataset: Any
    is_iterable: bool
    auto_collation: bool
    collate_fn: Callable[[Any], Any]
    drop_last: bool
    worker_init_fn: Callable[[int], None] | None
    num_workers: int
    prefix: str


def worker_loop(
    config: WorkerConfig, worker_id: int, base_seed: int, epoch: int, tasks: Connection, results: Connection
) -> None:
    """Serve fetch tasks from ``tasks`` until told to stop (None) or the main process dies.

    Messages in: ``("fetch", task_idx, index, freed_blocks)``, ``("resume", base_seed, epoch, freed_blocks)``,
    ``None``. Messages out: ``(worker_id, task_idx, payload)`` where payload is an encoded batch (arrays in shared
    memory), an ``ExceptionWrapper`` or ``IterableEnd``.
    """
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_num_threads(1)  # as PyTorch's workers: the main process already keeps the cores busy
    where = f"in DataLoader worker process {worker_id}"
    parent = multiprocessing.parent_process()
    writer = BlockWriter(f"{config.prefix}{worker_id}_")
    init_error: ExceptionWrapper | None = None
    fetcher: Any = None

    def start_epoch(seed_base: int, ep: int) -> None:
        nonlocal fetcher, init_error
        global _worker_info
        seed = seed_worker(seed_base, ep, worker_id)
        _worker_info = WorkerInfo(worker_id, config.num_workers, seed, config.dataset)
        try:
            if config.worker_init_fn is not None and fetcher is None:
                config.worker_init_fn(worker_id)
            fetcher = make_fetcher(
                config.dataset, config.is_iterable, config.auto_collation, config.collate_fn, config.drop_last
            )
        except Exception:
            init_error = ExceptionWrapper(where)

    start_epoch(base_seed, epoch)
    try:
        with contextlib.suppress(KeyboardInterrupt, BrokenPipeError, EOFError):
            while True:
                if not tasks.poll(WATCHDOG_INTERVAL):
                    if parent is not None and not parent.is_alive():
                        break
                    continue
                msg = tasks.recv()
                if msg is None:
                    break
                writer.release(msg[3])
                if msg[0] == "resume":
                    start_epoch(msg[1], msg[2])
                    continue
                task_idx, index = msg[1], msg[2]
                payload: Any
                if init_error is not None:
                    payload, init_error = init_error, None
                else:
                    try:
                        payload = writer.encode(fetcher.fetch(index))
                    except StopIteration:
                        payload = IterableEnd(worker_id) if config.is_iterable else ExceptionWrapper(where)
                    except Exception:
                        payload = ExceptionWrapper(where)
                try:
                    results.send((worker_id, task_idx, payload))
                except (BrokenPipeError, EOFError):
                    raise
                except Exception:  # e.g. an unpicklable object in the batch
                    if isinstance(payload, Encoded) and payload.block is not None:
                        writer.release([payload.block])
                    results.send((worker_id, task_idx, ExceptionWrapper(where + " (sending the batch)")))
    finally:
        writer.close()
        _worker_info = None
