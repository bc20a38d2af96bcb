from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import taeda.tensor as tt
from taeda.vision import io as vio
from taeda.vision.utils import draw_bounding_boxes, make_grid, save_image

rng = np.random.default_rng(4)


def test_make_grid_layout() -> None:
    batch = rng.random((5, 3, 4, 6)).astype(np.float32)
    grid = make_grid(tt.from_numpy(batch), nrow=2, padding=1, pad_value=0.5)
    g = grid.array
    assert g.shape == (3, 3 * 5 + 1, 2 * 7 + 1)
    for k in range(5):
        y, x = divmod(k, 2)
        np.testing.assert_array_equal(g[:, 1 + y * 5 : 1 + y * 5 + 4, 1 + x * 7 : 1 + x * 7 + 6], batch[k])
    assert (g[:, 0] == 0.5).all() and (g[:, 11:, 8:] == 0.5).all()  # padding and the empty sixth cell
    one = make_grid(tt.from_numpy(batch[:1, :1]))
    assert tuple(one.shape) == (3, 4, 6)  # single image: grey repeated to RGB, no padding
    listed = make_grid([tt.from_numpy(b) for b in batch], nrow=5, padding=0)
    np.testing.assert_array_equal(listed.array[:, :, 6:12], batch[1])


def test_make_grid_normalize() -> None:
    batch = np.stack([np.full((1, 2, 2), 2.0), np.full((1, 2, 2), 4.0)]).astype(np.float32)
    batch[0, 0, 0, 0] = 0.0
    g = make_grid(tt.from_numpy(batch), normalize=True, padding=0).array
    assert g.min() == 0.0 and g.max() == 1.0 and g[0, 0, 1] == 0.5
    each = make_grid(tt.from_numpy(batch), normalize=True, scale_each=True, padding=0).array
    assert each[0, 0, 0] == 0.0 and each[0, 0, 1] == 1.0
    ranged = make_grid(tt.from_numpy(batch), normalize=True, value_range=(0, 8), padding=0).array
    assert ranged[0, 0, 2] == 0.5


def test_save_image(tmp_path: Path) -> None:
    x = rng.random((2, 3, 5, 5)).astype(np.float32)
    save_image(tt.from_numpy(x), tmp_path / "g.png", nrow=2, padding=0)
    back = np.asarray(Image.open(tmp_path / "g.png"))
    expected = np.clip(np.concatenate([x[0], x[1]], axis=2) * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(back, expected)
    buf = io.BytesIO()
    save_image(tt.from_numpy(x[0]), buf, format="PNG")
    assert buf.getvalue()[:4] == b"\x89PNG"


def test_draw_bounding_boxes() -> None:
    img = tt.from_numpy(np.zeros((3, 20, 20), np.uint8))
    boxes = tt.from_numpy(np.array([[2, 2, 10, 10], [5, 12, 15, 18]]))
    out = draw_bounding_boxes(img, boxes, labels=["a", "b"], colors=["red", (0, 0, 255)], width=1)
    a = out.array
    assert a.dtype == np.uint8 and a.shape == (3, 20, 20)
    assert a[:, 2, 6].tolist() == [255, 0, 0] and a[:, 18, 10].tolist() == [0, 0, 255]
    assert a[:, 0, 0].tolist() == [0, 0, 0] and (img.array == 0).all()
    filled = draw_bounding_boxes(img, boxes[:1], fill=True, colors="white").array
    assert 90 <= filled[0, 6, 6] <= 110  # alpha 100 over black
    gray = draw_bounding_boxes(tt.from_numpy(np.zeros((1, 8, 8), np.uint8)), tt.from_numpy(np.array([[1, 1, 5, 5]])))
    assert tuple(gray.shape) == (3, 8, 8)
    with pytest.raises(ValueError, match="xmin, ymin, xmax, ymax"):
        draw_bounding_boxes(img, tt.from_numpy(np.array([[5, 5, 1, 1]])))
    with pytest.raises(ValueError, match="uint8"):
        draw_bounding_boxes(tt.from_numpy(np.zeros((3, 4, 4), np.float32)), boxes)
    with pytest.raises(ValueError, match="labels"):
        draw_bounding_boxes(img, boxes, labels=["x"])


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_read_and_decode(tmp_path: Path, fmt: str) -> None:
    arr = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    path = tmp_path / f"img.{fmt.lower()}"
    Image.fromarray(arr).save(path, format=fmt, quality=95)
    expected = np.asarray(Image.open(path).convert("RGB")).transpose(2, 0, 1)
    img = vio.read_image(path)
    assert img.dtype == tt.uint8 and tuple(img.shape) == (3, 9, 11)
    np.testing.assert_array_equal(img.array, expected)
    data = vio.read_file(path)
    assert data.dtype == tt.uint8 and data.array.ndim == 1
    np.testing.assert_array_equal(vio.decode_image(data).array, expected)
    gray = vio.decode_image(data, vio.ImageReadMode.GRAY)
    np.testing.assert_array_equal(gray.array[0], np.asarray(Image.open(path).convert("L")))
    rgba = vio.read_image(path, vio.ImageReadMode.RGB_ALPHA)
    assert tuple(rgba.shape) == (4, 9, 11) and (rgba.array[3] == 255).all()


def test_png_modes_and_roundtrip(tmp_path: Path) -> None:
    la = rng.integers(0, 256, (4, 5, 2), dtype=np.uint8)
    Image.fromarray(la).save(tmp_path / "la.png")
    assert tuple(vio.read_image(tmp_path / "la.png").shape) == (2, 4, 5)
    pal = Image.fromarray(rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)).convert("P")
    pal.save(tmp_path / "p.png")
    p = vio.read_image(tmp_path / "p.png")
    np.testing.assert_array_equal(p.array, np.asarray(pal.convert("RGB")).transpose(2, 0, 1))
    t = tt.from_numpy(rng.integers(0, 256, (3, 6, 7), dtype=np.uint8))
    vio.write_png(t, tmp_path / "w.png")
    np.testing.assert_array_equal(vio.read_image(tmp_path / "w.png").array, t.array)
    np.testing.assert_array_equal(vio.decode_png(vio.encode_png(t)).array, t.array)
    smooth = tt.from_numpy(np.broadcast_to(np.arange(0, 224, 8, dtype=np.uint8)[:28], (3, 16, 28)).copy())
    vio.write_jpeg(smooth, tmp_path / "w.jpg", quality=100)
    assert np.abs(vio.read_image(tmp_path / "w.jpg").array.astype(int) - smooth.array.astype(int)).max() <= 4
    assert tuple(vio.decode_jpeg(vio.encode_jpeg(t)).shape) == (3, 6, 7)


def test_decode_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG not really")
    with pytest.raises(RuntimeError, match=r"bad.png"):
        vio.read_image(bad)
    with pytest.raises(ValueError, match="1-D uint8"):
        vio.decode_image(tt.from_numpy(np.zeros((2, 2), np.uint8)))
    with pytest.raises(ValueError, match="quality"):
        vio.encode_jpeg(tt.from_numpy(np.zeros((3, 2, 2), np.uint8)), quality=0)


def test_sixteen_bit_png(tmp_path: Path) -> None:
    deep = rng.integers(0, 65536, (5, 6), dtype=np.uint16)
    Image.fromarray(deep).save(tmp_path / "d.png")
    img = vio.read_image(tmp_path / "d.png")
    assert img.dtype == tt.uint16 and tuple(img.shape) == (1, 5, 6)
    np.testing.assert_array_equal(img.array[0], deep)
    assert vio.read_image(tmp_path / "d.png", vio.ImageReadMode.GRAY).dtype == tt.uint8
