"""Progress bar and PNG reports for the examples: matplotlib when installed, otherwise Pillow alone."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont


class ProgressBar:
    """A one-line progress bar on stderr: batches/s and the running metrics given to ``update``."""

    def __init__(self, total: int, label: str, enabled: bool = True, width: int = 28) -> None:
        self.total, self.label, self.enabled, self.width = max(total, 1), label, enabled, width
        self.start = time.perf_counter()
        self.last_draw = 0.0

    def update(self, done: int, **metrics: float) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < self.total and now - self.last_draw < 0.1:
            return
        self.last_draw = now
        frac = done / self.total
        filled = int(self.width * frac)
        rate = done / max(now - self.start, 1e-9)
        shown = " ".join(f"{k} {v:.4f}" for k, v in metrics.items())
        bar = "#" * filled + "." * (self.width - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{self.total} {rate:6.1f} batch/s {shown}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):
        return ImageFont.load_default()


def save_curves(history: dict[str, list[float]], path: Path) -> None:
    """Training loss and test accuracy per epoch as a PNG."""
    epochs = list(range(1, len(history["train_loss"]) + 1))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        _save_curves_pillow(history, path)
        return
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
    a1.plot(epochs, history["train_loss"], "o-", label="train")
    a1.plot(epochs, history["test_loss"], "s--", label="test")
    a1.set_xticks(epochs)
    a2.set_xticks(epochs)
    a1.set_xlabel("epoch")
    a1.set_ylabel("cross-entropy loss")
    a1.legend()
    a2.plot(epochs, [100 * a for a in history["test_accuracy"]], "o-", color="tab:green")
    a2.set_xlabel("epoch")
    a2.set_ylabel("test accuracy (%)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _polyline(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], ys: Sequence[float], color: str) -> None:
    """Points joined by a line, each labelled with its value; epoch numbers under the box (at most ~10 labels)."""
    x0, y0, x1, y1 = box
    if not ys:
        return
    lo, hi = min(ys), max(ys)
    span = hi - lo or 1.0
    n = max(len(ys) - 1, 1)
    pts = [(x0 + (x1 - x0) * i / n, y1 - (y1 - y0) * (y - lo) / span) for i, y in enumerate(ys)]
    if len(pts) > 1:
        draw.line(pts, fill=color, width=2)
    font = _font(11)
    every = -(-len(ys) // 10)
    for i, ((x, y), value) in enumerate(zip(pts, ys)):
        draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=color)
        if i % every == 0 or i == len(ys) - 1:
            draw.text((x - 12, y - 16 if y > y0 + 16 else y + 6), f"{value:.4g}", fill="black", font=font)
            draw.text((x - 3, y1 + 8), str(i + 1), fill="gray", font=font)
    draw.text(((x0 + x1) // 2 - 16, y1 + 24), "epoch", fill="gray", font=font)


def _save_curves_pillow(history: dict[str, list[float]], path: Path) -> None:
    img = Image.new("RGB", (900, 350), "white")
    draw = ImageDraw.Draw(img)
    font = _font(14)
    draw.text((20, 8), "training loss per epoch", fill="black", font=font)
    draw.text((470, 8), "test accuracy per epoch", fill="black", font=font)
    draw.rectangle((20, 40, 430, 300), outline="gray")
    draw.rectangle((470, 40, 880, 300), outline="gray")
    _polyline(draw, (50, 60, 400, 280), history["train_loss"], "blue")
    _polyline(draw, (500, 60, 850, 280), history["test_accuracy"], "green")
    img.save(path)


def save_prediction_grid(
    images: np.ndarray[Any, Any],
    labels: np.ndarray[Any, Any],
    pred: np.ndarray[Any, Any],
    mean: Sequence[float],
    std: Sequence[float],
    path: Path,
    columns: int = 8,
    scale: int = 3,
) -> None:
    """Test images with "predicted (true)" captions; misclassified ones framed and captioned in red."""
    m = np.asarray(mean, dtype=np.float32).reshape(-1, 1, 1)
    s = np.asarray(std, dtype=np.float32).reshape(-1, 1, 1)
    n = len(images)
    if n == 0:
        return
    c, h, w = images.shape[1:]
    cell_w, cell_h = w * scale + 8, h * scale + 24
    rows = (n + columns - 1) // columns
    canvas = Image.new("RGB", (columns * cell_w, rows * cell_h), "white")
    draw = ImageDraw.Draw(canvas)
    font = _font(12)
    for i in range(n):
        pixels = np.clip((images[i] * s + m) * 255.0, 0, 255).astype(np.uint8)
        tile = Image.fromarray(pixels[0] if c == 1 else pixels.transpose(1, 2, 0)).convert("RGB")
        tile = tile.resize((w * scale, h * scale), Image.Resampling.NEAREST)
        x, y = (i % columns) * cell_w + 4, (i // columns) * cell_h + 4
        canvas.paste(tile, (x, y))
        wrong = int(pred[i]) != int(labels[i])
        color = "red" if wrong else "black"
        if wrong:
            draw.rectangle((x - 2, y - 2, x + w * scale + 1, y + h * scale + 1), outline="red", width=2)
        draw.text((x, y + h * scale + 3), f"{int(pred[i])} ({int(labels[i])})", fill=color, font=font)
    canvas.save(path)
