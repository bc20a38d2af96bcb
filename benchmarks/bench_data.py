"""taeda.data benchmarks: in-memory iteration overhead, worker speed-up on a slow dataset, batch transfer cost.

Rows (each "per call" figure is one epoch or one batch, as named):

* ``TensorDataset epoch, nw=0``: a DataLoader epoch over an in-memory MNIST-shaped ``TensorDataset`` against a
  hand-written NumPy loop that indexes the same batches (target: at most 1.3x the NumPy loop).
* ``1 ms/sample dataset, 2 workers``: the epoch time with two worker processes; the "numpy" column is the same
  DataLoader with ``num_workers=0`` (target: 2 workers deliver >= 1.7x its batches/s, i.e. time ratio <= 0.59).
* ``2 workers vs a bare Pool(2)``: the same epoch against ``multiprocessing.Pool(2).map`` of the same spins, the
  machine's ceiling for two processes; the row above can only reach 1.7x where this pool does.
* ``64x1x28x28 float32 batch, worker -> main``: per-batch cost of receiving a batch from one worker, through
  taeda's shared-memory blocks; the "numpy" column sends the same array through a ``multiprocessing`` pipe
  (pickled bytes), the hand-written alternative.
* ``default_collate 64 samples``: per-sample collation of (1x28x28 array, int) samples against ``np.stack``.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import time
from collections import deque
from typing import Any

import numpy as np
from _harness import Case, try_import_torch

import taeda.tensor as tt
from taeda.data import DataLoader, Dataset, TensorDataset, default_collate


def _calibrate_spin(seconds: float) -> int:
    """Loop count of ``_spin`` taking ``seconds`` (the fastest of several trials: the machine is shared)."""
    n = 20000
    while True:
        dt = min(_timed_spin(n) for _ in range(5))
        if dt > 0.01:
            return max(1, int(n * seconds / dt))
        n *= 2


def _timed_spin(n: int) -> float:
    t0 = time.perf_counter()
    _spin(n)
    return time.perf_counter() - t0


def _spin(n: int) -> int:
    s = 0
    for k in range(n):
        s += k * k
    return s


class SlowDataset(Dataset[tuple[np.ndarray[Any, Any], int]]):
    """About 1 ms of CPU work (a pure-Python loop) per sample."""

    def __init__(self, n: int, spin: int) -> None:
        self.n, self.spin = n, spin

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[np.ndarray[Any, Any], int]:
        v = _spin(self.spin)
        return np.full((1, 28, 28), v % 7, np.float32), i


def _spin_batch(args: tuple[int, int]) -> int:
    spin, k = args
    return sum(_spin(spin) for _ in range(k))


def _pipe_producer(conn: Any, batch: np.ndarray[Any, Any]) -> None:
    with contextlib.suppress(BrokenPipeError, EOFError, OSError):
        while True:
            conn.send(batch)


def cases(quick: bool) -> list[Case]:
    torch: Any = try_import_torch()
    out: list[Case] = []
    ctx = multiprocessing.get_context("fork")

    # --- in-memory TensorDataset, num_workers=0 -------------------------------------------------------------------
    n = 6400 if quick else 60000
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, n)
    ds = TensorDataset(x, y)
    for shuffle in (True, False):
        loader = DataLoader(ds, batch_size=64, shuffle=shuffle)

        def taeda_epoch(loader: DataLoader[Any] = loader) -> None:
            deque(loader, maxlen=0)

        if shuffle:

            def numpy_epoch() -> None:
                perm = np.random.default_rng().permutation(n)
                for i in range(0, n, 64):
                    idx = perm[i : i + 64]
                    x[idx], y[idx]
        else:

            def numpy_epoch() -> None:
                for i in range(0, n, 64):
                    x[i : i + 64].copy(), y[i : i + 64].copy()

        torch_epoch = None
        if torch is not None:
            tds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
            tloader = torch.utils.data.DataLoader(tds, batch_size=64, shuffle=shuffle)

            def torch_epoch(tloader: Any = tloader) -> None:
                deque(tloader, maxlen=0)

        order = "shuffled" if shuffle else "sequential (numpy: slice copies)"
        out.append(
            Case(
                "data",
                f"TensorDataset {n}x1x28x28 epoch, batch 64, {order}, nw=0",
                taeda_epoch,
                numpy_epoch,
                torch_epoch,
                target="<= 1.3x numpy",
                target_ratio=1.3,
                unit="ms",
            )
        )

    # --- slow dataset: 2 workers against the main process ---------------------------------------------------------
    spin = _calibrate_spin(1e-3)
    slow = SlowDataset(64 if quick else 256, spin)
    two = DataLoader(slow, batch_size=8, num_workers=2, persistent_workers=True, multiprocessing_context=ctx)
    zero = DataLoader(slow, batch_size=8)

    def epoch_of(loader: Any) -> Any:
        def run() -> None:
            deque(loader, maxlen=0)

        return run

    torch_two = None
    if torch is not None:
        tl = torch.utils.data.DataLoader(
            slow, batch_size=8, num_workers=2, persistent_workers=True, multiprocessing_context=ctx
        )
        torch_two = epoch_of(tl)
    out.append(
        Case(
            "data",
            f"1 ms/sample dataset, {len(slow)} samples, batch 8: 2 workers (numpy col: nw=0)",
            epoch_of(two),
            epoch_of(zero),
            torch_two,
            target=">= 1.7x batches/s of nw=0",
            target_ratio=1 / 1.7,
            number=1,
            unit="ms",
        )
    )

    # The machine's own ceiling for two processes: on a shared VM the second vCPU often delivers far less than a
    # core (seen here: a bare Pool of two pure-Python spinners at 1.2-1.6x of serial while the loader row reads
    # 1.2x; both at 1.9-2.0x when the host is quiet). This row separates the loader's overhead from the machine's.
    pool = ctx.Pool(2)
    pool.map(_spin_batch, [(spin, 8)] * 4, chunksize=1)
    chunks = [(spin, 8)] * (len(slow) // 8)

    def pool_epoch() -> None:
        pool.map(_spin_batch, chunks, chunksize=1)

    out.append(
        Case(
            "data",
            f"same {len(slow)} samples: 2 workers vs a bare multiprocessing.Pool(2) of the same spins (numpy col)",
            epoch_of(two),
            pool_epoch,
            None,
            target="<= 1.15x the bare Pool",
            target_ratio=1.15,
            number=1,
            unit="ms",
        )
    )

    # --- one 64x1x28x28 float32 batch from a worker to the main process -------------------------------------------
    k = 64 * 16
    bx = rng.standard_normal((k, 1, 28, 28)).astype(np.float32)
    batches = [list(range(i, i + 64)) for i in range(0, k, 64)]
    one = DataLoader(
        TensorDataset(bx), batch_sampler=itertools.cycle(batches), num_workers=1, multiprocessing_context=ctx
    )
    it = iter(one)

    def taeda_batch() -> None:
        next(it)

    recv_end, send_end = ctx.Pipe(duplex=False)
    producer = ctx.Process(target=_pipe_producer, args=(send_end, bx[:64].copy()), daemon=True)
    producer.start()
    send_end.close()

    def pipe_batch() -> None:
        recv_end.recv()

    torch_batch = None
    if torch is not None:
        tl1 = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(bx)),
            batch_sampler=itertools.cycle(batches),
            num_workers=1,
            multiprocessing_context=ctx,
        )
        tit = iter(tl1)

        def torch_batch() -> None:
            next(tit)

    out.append(
        Case(
            "data",
            "64x1x28x28 float32 batch, worker -> main (numpy col: pickled through a pipe)",
            taeda_batch,
            pipe_batch,
            torch_batch,
            target="report",
            unit="us",
        )
    )

    # --- collate ----------------------------------------------------------------------------------------------------
    samples = [(rng.standard_normal((1, 28, 28)).astype(np.float32), int(i)) for i in range(64)]

    def numpy_collate() -> None:
        np.stack([s[0] for s in samples]), np.array([s[1] for s in samples])

    torch_collate = None
    if torch is not None:
        from torch.utils.data import default_collate as tcollate

        tsamples = [(torch.from_numpy(a), i) for a, i in samples]

        def torch_collate() -> None:
            tcollate(tsamples)

    tsamp = [(tt.from_numpy(a), i) for a, i in samples]
    out.append(
        Case(
            "data",
            "default_collate 64 x (1x28x28 Tensor, int)",
            lambda: default_collate(tsamp),
            numpy_collate,
            torch_collate,
            target="report",
            unit="us",
        )
    )
    return out
