"""Every example runs in its fast smoke mode, so none of them rots."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TUTORIALS = sorted((EXAMPLES / "tutorials").glob("t*.py"))


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_smoke(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = runpy.run_path(str(path), run_name="tutorial")
    module["main"](["--smoke"])
    assert capsys.readouterr().out.strip()


def test_train_lenet_smoke(tmp_path: Path) -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        module = runpy.run_path(str(EXAMPLES / "train_lenet.py"), run_name="train_lenet")
    finally:
        sys.path.remove(str(EXAMPLES))
    out = tmp_path / "run"
    args = [
        "--dataset",
        "digits",
        "--epochs",
        "1",
        "--limit-batches",
        "3",
        "--synthetic-size",
        "600",
        "--out",
        str(out),
        "--quiet",
        "--data-root",
        str(tmp_path / "data"),
    ]
    metrics = module["main"](args)
    assert metrics["dataset"] == "digits"
    for name in ("checkpoint.taeda", "curves.png", "predictions.png", "metrics.json"):
        assert (out / name).stat().st_size > 0, name
    resumed = module["main"]([*args[:2], "--epochs", "2", *args[4:], "--resume", str(out / "checkpoint.taeda")])
    assert len(resumed["history"]["train_loss"]) == 2


def test_train_lenet_falls_back_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When MNIST cannot be downloaded (every mirror refuses), one line says so, then it trains on digits."""
    from taeda.vision import datasets

    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    sys.path.insert(0, str(EXAMPLES))
    try:
        module = runpy.run_path(str(EXAMPLES / "train_lenet.py"), run_name="train_lenet")
    finally:
        sys.path.remove(str(EXAMPLES))
    metrics = module["main"](
        [
            "--dataset",
            "mnist",
            "--epochs",
            "1",
            "--limit-batches",
            "2",
            "--synthetic-size",
            "300",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
            "--data-root",
            str(tmp_path / "d"),
        ]
    )
    assert metrics["dataset"] == "digits"
    assert "training on SyntheticDigits instead" in capsys.readouterr().out
