"""Layering rules that import-linter cannot express for packages that are not installed (CuPy).

CuPy is imported only inside taeda.tensor: every other package reaches the GPU through taeda.tensor's public API.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"cupy", "cupyx"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def main() -> int:
    bad = []
    for pkg in sorted((ROOT / "packages").iterdir()):
        if pkg.name == "tensor":
            continue
        for path in sorted((pkg / "src").rglob("*.py")):
            hits = imported_roots(path) & FORBIDDEN
            if hits:
                bad.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(hits))} (only taeda.tensor may)")
    for line in bad:
        print(line)
    if not bad:
        print("CuPy is imported only by taeda.tensor: OK")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
