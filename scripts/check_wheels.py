"""Build every package's wheel, install each alone in a fresh virtual environment, and run its own tests there.

This proves that each distribution declares what it needs and nothing more: ``taeda-tensor`` installed alone pulls
in no other taeda package, and each package's suite passes with only its declared dependency closure.
Usage: ``hatch run wheels [package ...]``.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOSURE = {
    "tensor": {"tensor"},
    "autograd": {"tensor", "autograd"},
    "nn": {"tensor", "autograd", "nn"},
    "optim": {"tensor", "autograd", "optim"},
    "data": {"tensor", "data"},
    "vision": {"tensor", "data", "vision"},
}


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, check=False, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc.stdout


def check(name: str, dist: Path, work: Path) -> str:
    start = time.perf_counter()
    env_dir = work / f"venv-{name}"
    venv.create(env_dir, with_pip=True)
    py = str(env_dir / "bin" / "python")
    wheel = next(dist.glob(f"taeda_{name}-*.whl"))
    pip = [py, "-m", "pip", "install", "--quiet", "--find-links", str(dist)]
    run([*pip, str(wheel)])
    installed = json.loads(run([py, "-m", "pip", "list", "--format", "json"]))
    taeda = {
        d["name"].removeprefix("taeda-").removeprefix("taeda_") for d in installed if d["name"].startswith("taeda")
    }
    if taeda != CLOSURE[name]:
        raise RuntimeError(f"taeda-{name} installed {sorted(taeda)}, expected exactly {sorted(CLOSURE[name])}")
    run([py, "-c", f"import taeda.{name}"])
    run([*pip, "pytest>=8", "pytest-timeout>=2.3"])
    tests = ROOT / "packages" / name / "tests"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    # Run from an empty folder so that nothing from the source tree can shadow the installed wheel.
    out = run(
        [
            py,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(work),
            str(tests),
        ],
        cwd=work,
        env=env,
    )
    last = out.strip().splitlines()[-1] if out.strip() else ""
    took = time.perf_counter() - start
    return f"taeda-{name}: installs alone ({', '.join(sorted(taeda))}); tests: {last} [{took:.0f} s]"


def main(argv: list[str]) -> int:
    names = argv or list(CLOSURE)
    work = Path(tempfile.mkdtemp(prefix="taeda-wheels-"))
    dist = work / "dist"
    try:
        for name in CLOSURE:
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "wheel",
                    "--quiet",
                    "--no-deps",
                    "-w",
                    str(dist),
                    str(ROOT / "packages" / name),
                ]
            )
        print("built:", ", ".join(sorted(p.name for p in dist.glob("*.whl"))), flush=True)
        failures = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            futures = {pool.submit(check, n, dist, work): n for n in names}
            for fut in concurrent.futures.as_completed(futures):
                try:
                    print(fut.result(), flush=True)
                except Exception as exc:
                    failures += 1
                    print(f"taeda-{futures[fut]}: FAILED\n{exc}", flush=True)
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
