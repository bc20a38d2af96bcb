"""Geometric transforms: PIL path against Pillow/NumPy, tensor path against the PIL path."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import taeda.tensor as tt
from taeda.vision import transforms as T
from taeda.vision.transforms import InterpolationMode as IM
from taeda.vision.transforms import functional as F

rng = np.random.default_rng(1)
RGB = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
IMG = Image.fromarray(RGB)
TEN = tt.from_numpy(RGB.transpose(2, 0, 1).copy())


def chw(img: Image.Image) -> np.ndarray:
    a = np.asarray(img)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def gen(seed: int = 0) -> tt.Generator:
    return tt.Generator().manual_seed(seed)


@pytest.mark.parametrize("size", [(6, 8), (20, 9), 6, [10]])
@pytest.mark.parametrize("interp", [IM.NEAREST, IM.BILINEAR, IM.BICUBIC])
def test_resize(size: object, interp: IM) -> None:
    out = T.Resize(size, interp)(IMG)  # type: ignore[arg-type]
    if isinstance(size, tuple):
        expected = IMG.resize((size[1], size[0]), {IM.NEAREST: 0, IM.BILINEAR: 2, IM.BICUBIC: 3}[interp])
        np.testing.assert_array_equal(np.asarray(out), np.asarray(expected))
    else:
        short = size if isinstance(size, int) else size[0]  # type: ignore[index]
        assert out.size == (int(short * 16 / 12), short)
    t_out = T.Resize(size, interp)(TEN)  # type: ignore[arg-type]
    assert t_out.dtype == tt.uint8
    diff = np.abs(t_out.array.astype(int) - chw(out).astype(int))
    if interp is IM.BICUBIC:  # Pillow clips uint8 between its two passes, the float planes do not
        assert diff.mean() < 0.5 and diff.max() <= 10
    else:
        assert diff.max() <= 1


def test_resize_float_batch_and_max_size() -> None:
    batch = tt.from_numpy(np.stack([RGB.transpose(2, 0, 1), RGB[::-1].transpose(2, 0, 1)]).astype(np.float32) / 255)
    out = F.resize(batch, [6, 8])
    assert tuple(out.shape) == (2, 3, 6, 8) and out.dtype == tt.float32
    single = F.resize(tt.from_numpy(batch.array[1]), [6, 8])
    np.testing.assert_allclose(out.array[1], single.array)
    assert F.resize(IMG, 6, max_size=7).size == (7, 5)
    with pytest.raises(ValueError, match="max_size = 6 must be strictly greater"):
        F.resize(IMG, 6, max_size=6)
    assert F.resize(IMG, 12) is IMG


def test_center_crop_and_crop() -> None:
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(4)(IMG)), RGB[4:8, 6:10])
    np.testing.assert_array_equal(T.CenterCrop((5, 3))(TEN).array, RGB.transpose(2, 0, 1)[:, 4:9, 6:9])
    big_pil, big_t = T.CenterCrop((14, 20))(IMG), T.CenterCrop((14, 20))(TEN)
    assert big_pil.size == (20, 14)
    np.testing.assert_array_equal(chw(big_pil), big_t.array)
    assert big_t.array[:, 0].sum() == 0 and (big_t.array[:, 1:13, 2:18] == RGB.transpose(2, 0, 1)).all()
    np.testing.assert_array_equal(F.crop(TEN, -2, 10, 5, 8).array, chw(F.crop(IMG, -2, 10, 5, 8)))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("padding", [2, (1, 3), (1, 2, 3, 4)])
def test_pad(mode: str, padding: object) -> None:
    out = T.Pad(padding, fill=7, padding_mode=mode)(IMG)  # type: ignore[arg-type]
    p = F._parse_padding(padding)  # type: ignore[arg-type]
    kwargs = {"constant_values": 7} if mode == "constant" else {}
    expected = np.pad(RGB, [(p[1], p[3]), (p[0], p[2]), (0, 0)], mode=mode, **kwargs)  # type: ignore[call-overload]
    np.testing.assert_array_equal(np.asarray(out), expected)
    np.testing.assert_array_equal(T.Pad(padding, 7, mode)(TEN).array, expected.transpose(2, 0, 1))  # type: ignore[arg-type]


def test_pad_fill_tuple_negative_and_palette() -> None:
    out = F.pad(TEN, [1, 0], fill=(1, 2, 3))
    assert out.array[:, 0, 0].tolist() == [1, 2, 3]
    assert np.asarray(F.pad(IMG, [1, 0], fill=(1, 2, 3)))[0, 0].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(F.pad(TEN, [-1, -2, 0, 0]).array, RGB.transpose(2, 0, 1)[:, 2:, 1:])
    pal = IMG.convert("P")
    padded = F.pad(pal, 1)
    assert padded.mode == "P" and padded.getpalette() == pal.getpalette()
    with pytest.raises(ValueError, match="Padding mode"):
        T.Pad(1, padding_mode="wrap")


def test_flips() -> None:
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(IMG)), RGB[:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(TEN).array, RGB.transpose(2, 0, 1)[:, :, ::-1])
    np.testing.assert_array_equal(np.asarray(T.RandomVerticalFlip(1.0)(IMG)), RGB[::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(TEN).array, RGB.transpose(2, 0, 1)[:, ::-1])
    assert T.RandomHorizontalFlip(0.0)(IMG) is IMG
    g = gen(3)
    flips = [T.RandomHorizontalFlip(0.5, generator=g)(TEN) is not TEN for _ in range(200)]
    assert 60 < sum(flips) < 140


def test_random_crop() -> None:
    t = T.RandomCrop(5, padding=2, generator=gen(0))
    a = [t(TEN).array for _ in range(3)]
    t2 = T.RandomCrop(5, padding=2, generator=gen(0))
    b = [t2(TEN).array for _ in range(3)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    padded = np.pad(RGB.transpose(2, 0, 1), [(0, 0), (2, 2), (2, 2)])
    found = any(
        (padded[:, i : i + 5, j : j + 5] == a[0]).all()
        for i in range(padded.shape[1] - 4)
        for j in range(padded.shape[2] - 4)
    )
    assert found
    pil = T.RandomCrop(5, padding=2, generator=gen(0))(IMG)
    np.testing.assert_array_equal(chw(pil), a[0])  # same generator state -> same crop on both paths
    assert T.RandomCrop((20, 20), pad_if_needed=True)(IMG).size == (20, 20)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(30)(IMG)


def test_random_resized_crop() -> None:
    t = T.RandomResizedCrop((8, 6), scale=(0.3, 0.9), generator=gen(5))
    out = t(IMG)
    assert out.size == (6, 8)
    t_same = T.RandomResizedCrop((8, 6), scale=(0.3, 0.9), generator=gen(5))
    out_t = t_same(TEN)
    assert tuple(out_t.shape) == (3, 8, 6)
    assert np.abs(out_t.array.astype(int) - chw(out).astype(int)).max() <= 1
    i, j, h, w = T.RandomResizedCrop(4, generator=gen(1)).get_params(IMG)
    assert 0 <= i <= 12 - h and 0 <= j <= 16 - w
    fallback = T.RandomResizedCrop(4, scale=(5.0, 6.0), ratio=(1.0, 1.0)).get_params(IMG)
    assert fallback == (0, 2, 12, 12)


def test_rotation_matches_rot90_and_paths() -> None:
    sq = RGB[:12, :12]
    img = Image.fromarray(sq)
    out = F.rotate(img, 90)
    np.testing.assert_array_equal(np.asarray(out), np.rot90(sq))
    t = F.rotate(tt.from_numpy(sq.transpose(2, 0, 1).copy()), 90)
    np.testing.assert_array_equal(t.array, np.rot90(sq).transpose(2, 0, 1))
    r = T.RandomRotation(30, interpolation=IM.BILINEAR, fill=(10, 20, 30), generator=gen(2))
    a = r(IMG)
    b = T.RandomRotation(30, interpolation=IM.BILINEAR, fill=(10, 20, 30), generator=gen(2))(TEN)
    assert np.abs(chw(a).astype(int) - b.array.astype(int)).max() <= 1
    assert chw(a)[:, 0, 0].tolist() == [10, 20, 30]
    assert F.rotate(IMG, 45, expand=True).size[0] > 16


def test_affine() -> None:
    ident = F.affine(IMG, 0.0, [0, 0], 1.0, [0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(ident), RGB)
    shifted = F.affine(TEN, 0.0, [3, -2], 1.0, 0.0)
    expected = np.zeros_like(RGB.transpose(2, 0, 1))
    expected[:, :-2, 3:] = RGB.transpose(2, 0, 1)[:, 2:, :-3]
    np.testing.assert_array_equal(shifted.array, expected)
    np.testing.assert_array_equal(chw(F.affine(IMG, 0.0, [3, -2], 1.0, 0.0)), expected)
    t = T.RandomAffine(
        20, translate=(0.1, 0.1), scale=(0.8, 1.2), shear=(-10, 10, -5, 5), interpolation=IM.BILINEAR, generator=gen(4)
    )
    a = t(IMG)
    b = T.RandomAffine(
        20, translate=(0.1, 0.1), scale=(0.8, 1.2), shear=(-10, 10, -5, 5), interpolation=IM.BILINEAR, generator=gen(4)
    )(TEN)
    assert np.abs(chw(a).astype(int) - b.array.astype(int)).max() <= 1
    angle, (tx, ty), scale, (sx, sy) = T.RandomAffine(10, (0.5, 0.5), (1, 2), 5, generator=gen(0)).get_params((16, 12))
    assert -10 <= angle <= 10 and abs(tx) <= 8 and abs(ty) <= 6 and 1 <= scale <= 2 and -5 <= sx <= 5 and sy == 0
    with pytest.raises(ValueError, match="translate should be"):
        T.RandomAffine(0, translate=(2.0, 0.0))


def test_batches_share_parameters() -> None:
    batch = tt.from_numpy(np.stack([RGB.transpose(2, 0, 1)] * 3))
    out = T.RandomAffine(25, generator=gen(9))(batch)
    assert tuple(out.shape) == (3, 3, 12, 16)
    np.testing.assert_array_equal(out.array[0], out.array[2])
    single = T.RandomAffine(25, generator=gen(9))(TEN)
    np.testing.assert_array_equal(out.array[1], single.array)
    flipped = F.hflip(batch)
    np.testing.assert_array_equal(flipped.array, batch.array[..., ::-1])


def test_global_seed_reproducible() -> None:
    tt.manual_seed(123)
    a = [T.RandomCrop(4)(TEN).array for _ in range(3)]
    tt.manual_seed(123)
    b = [T.RandomCrop(4)(TEN).array for _ in range(3)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
