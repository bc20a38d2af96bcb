"""Run ``mypy --strict`` over every package's sources, every package's tests and the cross-package tests.

Test folders hold modules with the same names (``conftest``), so each folder is its own mypy run; sources are one
run. Usage: ``hatch run typecheck``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    packages = sorted(p for p in (ROOT / "packages").iterdir() if (p / "src").is_dir())
    runs: list[list[str]] = [[str(p / "src") for p in packages]]
    runs += [[str(p / "tests")] for p in packages if (p / "tests").is_dir()]
    runs.append([str(ROOT / "tests")])
    extra = [str(ROOT / d) for d in ("examples", "benchmarks") if (ROOT / d).is_dir() and any((ROOT / d).rglob("*.py"))]
    if extra:
        runs.append(extra)
    # examples/ and benchmarks/ are script folders: their sibling modules (_report, _harness) import by name.
    env = dict(os.environ, MYPYPATH=os.pathsep.join(extra))
    failed = 0
    for targets in runs:
        print("mypy --strict", " ".join(str(Path(t).relative_to(ROOT)) for t in targets), flush=True)
        failed |= subprocess.call([sys.executable, "-m", "mypy", "--strict", *targets], cwd=ROOT, env=env)
    return failed


if __name__ == "__main__":
    sys.exit(main())
