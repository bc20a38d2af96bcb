"""Shared timing harness for taeda's benchmarks: minima of interleaved rounds, page faults, one table format.

Every package's benchmark module defines ``cases() -> list[Case]``; ``benchmarks/run.py`` collects them, runs
each case's taeda and NumPy variants interleaved (so drift on a shared machine hits them alike), times the PyTorch
variants in a separate process, and prints one table.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Case:
    """One benchmark row: the same math done by ``taeda``, hand-written ``numpy`` and optionally ``torch``.

    ``target`` states the issue's goal as text (e.g. "<= 1.1x numpy"); ``target_ratio`` is the bound on
    taeda / ``target_of`` (the column named by ``target_of``) when the goal is a ratio.
    """

    group: str
    name: str
    taeda: Callable[[], object]
    numpy: Callable[[], object] | None = None
    torch: Callable[[], object] | None = None
    target: str = ""
    target_ratio: float | None = None
    target_of: str = "numpy"
    number: int = 0  # calls per round; 0 picks a count that makes a round last about 20 ms
    unit: str = "us"


@dataclass
class Result:
    case: Case
    seconds: dict[str, float] = field(default_factory=dict)  # fastest round's seconds per call, per variant
    faults: dict[str, float] = field(default_factory=dict)  # minor page faults per call, per variant

    def ratio(self, of: str) -> float | None:
        if "taeda" in self.seconds and of in self.seconds and self.seconds[of] > 0:
            return self.seconds["taeda"] / self.seconds[of]
        return None

    def meets_target(self) -> bool | None:
        if self.case.target_ratio is None:
            return None
        r = self.ratio(self.case.target_of)
        return None if r is None else r <= self.case.target_ratio


def _calibrate(fn: Callable[[], object], budget: float = 0.02) -> int:
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= budget or n >= 1 << 20:
            return n
        n = max(n * 2, int(n * budget / max(dt, 1e-9)))


# NOTE: a pause before each variant's batch of calls: BLAS and OpenMP worker threads of the previous variant keep
# spinning for a while after their last call, and on a 2-core machine they would steal the next variant's cores
_SETTLE = 0.05
_ROUND = 0.02  # seconds of calls per timed round


def run_case(case: Case, rounds: int = 7, quick: bool = False, only: tuple[str, ...] | None = None) -> Result:
    """Time the case's variants (those named in ``only`` when given), interleaved round by round."""
    variants = {k: f for k, f in (("taeda", case.taeda), ("numpy", case.numpy), ("torch", case.torch)) if f}
    if only is not None:
        variants = {k: f for k, f in variants.items() if k in only}
    if not variants:
        return Result(case)
    for f in variants.values():  # warm up caches, allocators and lazy imports
        f()
    number = case.number or min(_calibrate(f, 0.005 if quick else _ROUND) for f in variants.values())
    rounds = 3 if quick else rounds
    times: dict[str, list[float]] = {k: [] for k in variants}
    faults: dict[str, list[float]] = {k: [] for k in variants}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        names = list(variants)
        for r in range(rounds):
            # NOTE: the order rotates every round, so each variant follows each other one equally often (PyTorch's
            # idle threads keep spinning for a while after its call and slow whatever runs right after it)
            for k in names[r % len(names) :] + names[: r % len(names)]:
                f = variants[k]
                time.sleep(_SETTLE)
                f()  # NOTE: one untimed call first: after the pause, caches, clocks and idle vCPUs are cold
                f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                t0 = time.perf_counter()
                for _ in range(number):
                    f()
                dt = time.perf_counter() - t0
                f1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                times[k].append(dt / number)
                faults[k].append((f1 - f0) / number)
            gc.collect()
    finally:
        if gc_was:
            gc.enable()
    return Result(
        case,
        # NOTE: the fastest round, as timeit advises: on a shared 2-core host other tenants, and the previous
        # variant's spinning threads, only ever add time, and medians of 7 rounds were seen to swing by 2x
        {k: min(v) for k, v in times.items()},
        {k: statistics.median(v) for k, v in faults.items()},
    )


def _fmt(seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "-"
    scale = {"ns": 1e9, "us": 1e6, "ms": 1e3, "s": 1.0}[unit]
    return f"{seconds * scale:,.2f} {unit}"


def format_table(results: list[Result]) -> str:
    head = ["group", "case", "taeda", "numpy", "torch", "taeda/numpy", "taeda/torch", "faults/call", "target", "ok"]
    rows = [head]
    for r in results:
        c = r.case
        ok = r.meets_target()
        rn, rt = r.ratio("numpy"), r.ratio("torch")
        rows.append(
            [
                c.group,
                c.name,
                _fmt(r.seconds.get("taeda"), c.unit),
                _fmt(r.seconds.get("numpy"), c.unit),
                _fmt(r.seconds.get("torch"), c.unit),
                "-" if rn is None else f"{rn:.2f}x",
                "-" if rt is None else f"{rt:.2f}x",
                f"{r.faults.get('taeda', 0.0):.0f}",
                c.target,
                "-" if ok is None else ("yes" if ok else "NO"),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


# NOTE: PyTorch is timed in a process of its own (see run.py). In one process with taeda, its OpenMP threads either
# spin after each op and steal both cores from the taeda round that follows (2.4x slower taeda rows were seen), or,
# told to sleep (OMP_WAIT_POLICY=PASSIVE), wake late for each op and make PyTorch up to 1.3x slower: either way the
# ratio is wrong. Each framework alone in its process, as a user runs it, is the fair comparison.
TORCH_ENV = "TAEDA_BENCH_TORCH"


def try_import_torch() -> Any:
    """PyTorch when this process times it (``TAEDA_BENCH_TORCH=1``, set by run.py's PyTorch child) and it is
    installed, else None; its thread settings are left at PyTorch's defaults."""
    if os.environ.get(TORCH_ENV) != "1":
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch
