"""Run taeda's benchmarks and print one table: taeda vs hand-written NumPy (vs PyTorch when installed).

Usage::

    hatch run bench                 # every package
    hatch run bench tensor autograd # some packages
    hatch run bench --quick         # fewer rounds (CI smoke mode)
    hatch run bench nn --rounds 25  # more rounds on a noisy machine (the fastest round is reported)
    hatch run bench nn --passes 3   # alternate the taeda/NumPy process and the PyTorch one 3 times

Each ``benchmarks/bench_<package>.py`` defines ``cases(quick: bool) -> list[Case]``. Results are also written to
``benchmarks/results/latest.{json,md}`` (``latest-<packages>.*`` for a subset) and, when matplotlib is
installed, a chart ``latest.png``.

The PyTorch column is timed in a child process that imports PyTorch and runs only its variants, with PyTorch's
default thread settings; this process never imports it. Each framework then runs alone, as a user runs it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import TORCH_ENV, Result, format_table, run_case

ORDER = ["tensor", "autograd", "nn", "optim", "data", "vision", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("packages", nargs="*", help=f"subset of {ORDER}")
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller problems (smoke mode)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per case (the fastest is reported)")
    parser.add_argument("--passes", type=int, default=1, help="alternate taeda/NumPy and PyTorch passes (fastest kept)")
    parser.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = args.packages or [n for n in ORDER if (HERE / f"bench_{n}.py").exists()]
    if args.torch_child:  # the PyTorch process: time only the torch variants, print them as JSON
        cases = [case for name in names for case in importlib.import_module(f"bench_{name}").cases(args.quick)]
        timed = [(c, run_case(c, args.rounds, args.quick, only=("torch",))) for c in cases]
        rows = [{"group": c.group, "case": c.name, "seconds": r.seconds} for c, r in timed]
        print(json.dumps(rows))
        return 0
    os.environ.pop(TORCH_ENV, None)  # this process never imports torch: its threads would disturb taeda's rounds
    cases = [case for name in names for case in importlib.import_module(f"bench_{name}").cases(args.quick)]
    results = [Result(case) for case in cases]
    for p in range(args.passes):
        # NOTE: with several passes this process and the PyTorch one alternate, and each variant keeps its fastest
        # time: drift on a shared host between the two processes then hits both columns alike
        for res in results:
            _keep_fastest(res, run_case(res.case, args.rounds, args.quick))
            if p == args.passes - 1:
                print(format_table([res]).splitlines()[-1], flush=True)
        _add_torch(results, names, args.quick, args.rounds)
    table = format_table(results)
    print()
    print(f"taeda benchmarks on {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "latest" if not args.packages else "latest-" + "-".join(names)
    payload = [
        {
            "group": r.case.group,
            "case": r.case.name,
            "seconds": r.seconds,
            "faults_per_call": r.faults,
            "target": r.case.target,
            "meets_target": r.meets_target(),
        }
        for r in results
    ]
    (args.out / f"{stem}.json").write_text(json.dumps(payload, indent=2))
    (args.out / f"{stem}.md").write_text(table + "\n")
    _chart(results, args.out / f"{stem}.png")
    return 0


def _add_torch(results: list[Result], names: list[str], quick: bool, rounds: int) -> None:
    """Fill the torch column from a child process that imports PyTorch and times only its variants."""
    if importlib.util.find_spec("torch") is None:
        return
    print("timing the PyTorch variants in a separate process...", flush=True)
    cmd = [sys.executable, str(HERE / "run.py"), "--torch-child", f"--rounds={rounds}", *names]
    cmd += ["--quick"] if quick else []
    proc = subprocess.run(cmd, env={**os.environ, TORCH_ENV: "1"}, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"the PyTorch process failed (exit {proc.returncode}); no torch column:\n{proc.stderr[-2000:]}")
        return
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    by_name = {(row["group"], row["case"]): row["seconds"] for row in rows}
    for r in results:
        _keep_fastest(r, Result(r.case, by_name.get((r.case.group, r.case.name), {})))


def _keep_fastest(into: Result, new: Result) -> None:
    """Merge ``new``'s times (and page faults) into ``into``, keeping each variant's fastest."""
    for k, sec in new.seconds.items():
        if k not in into.seconds or sec < into.seconds[k]:
            into.seconds[k] = sec
            if k in new.faults:
                into.faults[k] = new.faults[k]


def _chart(results: list[Result], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    pairs = [(f"{r.case.group}: {r.case.name}", r.ratio("numpy")) for r in results]
    labels = [label for label, ratio in pairs if ratio is not None]
    ratios = [ratio for _, ratio in pairs if ratio is not None]
    if not labels:
        return
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(labels) + 1.5))
    ax.barh(labels, ratios, color="tab:green")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xlabel("time taeda / time hand-written NumPy (lower is better)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
