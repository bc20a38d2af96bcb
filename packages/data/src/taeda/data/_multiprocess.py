"""The multi-process DataLoader iterator: worker processes, order-preserving prefetch, fault reporting."""

from __future__ import annotations

import contextlib
import secrets
import signal
import time
import weakref
from collections.abc import Iterator
from multiprocessing import connection, resource_tracker
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from taeda.data._exceptions import ExceptionWrapper
from taeda.data._fetch import IterableEnd
from taeda.data._shm import BlockReader, Encoded, sweep, unlink_blocks
from taeda.data.dataloader import _LenCheck
from taeda.data.worker import WorkerConfig, worker_loop

if TYPE_CHECKING:
    from taeda.data.dataloader import DataLoader

__all__ = ["MultiProcessIter"]

# Seconds to wait for workers to exit after being asked to; then they are terminated.
_JOIN_TIMEOUT = 5.0


def _died_message(worker_id: int, process: BaseProcess) -> str:
    code = process.exitcode
    msg = f"DataLoader worker {worker_id} (pid {process.pid}) exited unexpectedly with exit code {code}"
    if code is not None and code < 0:
        try:
            msg += f" (killed by signal {signal.Signals(-code).name})"
        except ValueError:
            msg += f" (killed by signal {-code})"
    return msg + "."


class _Workers:
    """The processes, pipes and shared-memory reader of one iterator; ``shutdown`` is safe to call many times."""

    def __init__(self) -> None:
        self.processes: list[BaseProcess] = []
        self.task_conns: list[Connection] = []
        self.result_conns: list[Connection] = []
        self.reader = BlockReader()
        self.prefix = ""
        self.closed = False

    def shutdown(self, graceful: bool = True) -> None:
        """Stop the workers (asking first when ``graceful``, else terminating them) and release all blocks."""
        if self.closed:
            return
        self.closed = True
        try:
            for conn in self.task_conns if graceful else ():
                with contextlib.suppress(OSError, ValueError):
                    conn.send(None)
            seen: list[str] = []
            deadline = time.monotonic() + _JOIN_TIMEOUT
            pending = {i for i, p in enumerate(self.processes) if p.exitcode is None} if graceful else set()
            while pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                waitables: list[Any] = [self.result_conns[i] for i in pending]
                waitables += [self.processes[i].sentinel for i in pending]
                connection.wait(waitables, timeout=remaining)
                for i in list(pending):
                    seen.extend(self._drain(i))
                    if self.processes[i].exitcode is not None:
                        pending.discard(i)
            for p in self.processes:
                if p.exitcode is None:
                    p.terminate()
                    p.join(1.0)
                    if p.exitcode is None:
                        p.kill()
                        p.join()
            for i in range(len(self.processes)):
                seen.extend(self._drain(i))
            unlink_blocks([n for n in seen if n not in self.reader.blocks])
        finally:
            for conn in self.task_conns + self.result_conns:
                conn.close()
            self.reader.close()
            if self.prefix:
                sweep(self.prefix)

    def _drain(self, i: int) -> list[str]:
        """Read and drop whatever worker ``i`` sent; returns the block names those messages used."""
        names: list[str] = []
        conn = self.result_conns[i]
        with contextlib.suppress(EOFError, OSError):
            while conn.poll():
                payload = conn.recv()[2]
                if isinstance(payload, Encoded):
                    if payload.block is not None:
                        names.append(payload.block)
                    names.extend(payload.retired)
        return names


class MultiProcessIter:
    """Iterates a DataLoader with ``num_workers`` worker processes, yielding batches in sampler order."""

    def __init__(self, loader: DataLoader[Any], base_seed: int, epoch: int) -> None:
        self._num_workers = loader.num_workers
        self._prefetch = loader.num_workers * (loader.prefetch_factor or 2)
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._is_iterable = loader._is_iterable
        self._length = loader.__len__
        self._w = _Workers()
        self._finalizer = weakref.finalize(self, self._w.shutdown)
        ctx = loader._get_context()
        resource_tracker.ensure_running()  # one tracker shared with the workers (fork would start one per worker)
        self._w.prefix = f"tdl{secrets.token_hex(4)}_"
        config = WorkerConfig(
            dataset=loader.dataset,
            is_iterable=loader._is_iterable,
            auto_collation=loader._auto_collation,
            collate_fn=loader.collate_fn,
            drop_last=loader.drop_last,
            worker_init_fn=loader.worker_init_fn,
            num_workers=loader.num_workers,
            prefix=self._w.prefix,
        )
        try:
            for worker_id in range(self._num_workers):
                task_r, task_w = ctx.Pipe(duplex=False)
                result_r, result_w = ctx.Pipe(duplex=False)
                p = ctx.Process(  # type: ignore[attr-defined]
                    target=worker_loop,
                    args=(config, worker_id, base_seed, epoch, task_r, result_w),
                    daemon=True,
                    name=f"taeda-data-worker-{worker_id}",
                )
                p.start()
                task_r.close()
                result_w.close()
                self._w.processes.append(p)
                self._w.task_conns.append(task_w)
                self._w.result_conns.append(result_r)
        except BaseException:
            self._w.shutdown()
            raise
        self._conn_to_worker = {id(c): i for i, c in enumerate(self._w.result_conns)}
        self._freed: list[list[str]] = [[] for _ in range(self._num_workers)]
        self._start_epoch(loader)

    # --- epoch state -------------------------------------------------------------------------------------------
    def _start_epoch(self, loader: DataLoader[Any]) -> None:
        self._len_check = _LenCheck(loader)
        self._index: Iterator[Any] = loader._index_iter()
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, list[Any]] = {}  # task -> [worker_id] or [worker_id, payload]
        self._outstanding = 0
        self._active = [True] * self._num_workers
        self._next_worker = 0
        self._exhausted = False
        for _ in range(self._prefetch):
            self._try_put_index()

    def reset(self, loader: DataLoader[Any], base_seed: int, epoch: int) -> None:
        """Start a new epoch on the same (persistent) workers."""
        for info in self._task_info.values():  # batches of the previous, unfinished epoch that arrived early
            if len(info) == 2:
                self._release(info[0], info[1], read=False)
        while self._outstanding > 0:  # and those still in flight
            worker_id, _, payload = self._recv()
            self._outstanding -= 1
            self._release(worker_id, payload, read=False)
        for i in range(self._num_workers):
            self._send(i, ("resume", base_seed, epoch, self._take_freed(i)))
        self._start_epoch(loader)

    @property
    def closed(self) -> bool:
        return self._w.closed

    def __iter__(self) -> MultiProcessIter:
        return self

    def __len__(self) -> int:
        return self._length()

    # --- sending -----------------------------------------------------------------------------------------------
    def _take_freed(self, worker_id: int) -> list[str]:
        freed, self._freed[worker_id] = self._freed[worker_id], []
        return freed

    def _send(self, worker_id: int, msg: Any) -> None:
        try:
            self._w.task_conns[worker_id].send(msg)
        except (BrokenPipeError, ConnectionResetError):
            process = self._w.processes[worker_id]
            process.join(1.0)
            self._w.shutdown(graceful=False)
            raise RuntimeError(_died_message(worker_id, process)) from None

    def _try_put_index(self) -> None:
        if self._exhausted or self._outstanding >= self._prefetch:
            return
        try:
            index = next(self._index)
        except StopIteration:
            self._exhausted = True
            return
        for _ in range(self._num_workers):
            worker_id = self._next_worker
            self._next_worker = (self._next_worker + 1) % self._num_workers
            if self._active[worker_id]:
                break
        else:
            self._exhausted = True
            return
        self._send(worker_id, ("fetch", self._send_idx, index, self._take_freed(worker_id)))
        self._task_info[self._send_idx] = [worker_id]
        self._outstanding += 1
        self._send_idx += 1

    # --- receiving ---------------------------------------------------------------------------------------------
    def _raise_if_dead(self) -> None:
        for i, p in enumerate(self._w.processes):
            if p.exitcode is not None and not self._w.result_conns[i].poll():
                self._w.shutdown(graceful=False)
                raise RuntimeError(_died_message(i, p))

    def _recv(self) -> tuple[int, int, Any]:
        """The next message from any worker; raises when a worker died or ``timeout`` passed."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        conns = self._w.result_conns
        waitables: list[Any] = [*conns, *(p.sentinel for p in self._w.processes)]
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = connection.wait(waitables, timeout=remaining)
            for r in ready:
                worker_id = self._conn_to_worker.get(id(r))
                if worker_id is not None:
                    try:
                        msg: tuple[int, int, Any] = conns[worker_id].recv()
                    except (EOFError, OSError):
                        process = self._w.processes[worker_id]
                        process.join(1.0)
                        self._w.shutdown(graceful=False)
                        raise RuntimeError(_died_message(worker_id, process)) from None
                    return msg
            if ready:
                self._raise_if_dead()
            elif deadline is not None:
                self._w.shutdown(graceful=False)
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _release(self, worker_id: int, payload: Any, read: bool) -> Any:
        """Decode (``read``) or drop a payload; its block goes back to its worker with the next message."""
        if not isinstance(payload, Encoded):
            return payload
        data = self._w.reader.decode(payload) if read else self._w.reader.attach(payload)
        if payload.block is not None:
            self._freed[worker_id].append(payload.block)
        return data

    def __next__(self) -> Any:
        if self._w.closed:
            raise StopIteration
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._active[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._w.shutdown()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[0], info[1])
            worker_id, task_idx, payload = self._recv()
            self._outstanding -= 1
            if isinstance(payload, IterableEnd):
                self._active[worker_id] = False
                self._try_put_index()
                continue
            if task_idx != self._rcvd_idx:
                self._task_info[task_idx].append(payload)
                continue
            del self._task_info[task_idx]
            self._rcvd_idx += 1
            return self._process(worker_id, payload)

    def _process(self, worker_id: int, payload: Any) -> Any:
        if isinstance(payload, ExceptionWrapper):
            self._try_put_index()
            payload.reraise()
        data = self._release(worker_id, payload, read=True)
        self._try_put_index()
        if self._len_check.reported is not None:
            self._len_check.count()
        return data

    def close(self) -> None:
        """Stop the workers and release every shared-memory block now."""
        self._finalizer()
