"""Colour transforms, blur, erasing and the random containers."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance

import taeda.tensor as tt
from taeda.vision import transforms as T
from taeda.vision.transforms import functional as F

rng = np.random.default_rng(2)
RGB = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
IMG = Image.fromarray(RGB)
TEN = tt.from_numpy(RGB.transpose(2, 0, 1).copy())
FLT = tt.from_numpy(RGB.transpose(2, 0, 1).astype(np.float32) / 255)


def chw(img: Image.Image) -> np.ndarray:
    a = np.asarray(img)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def gen(seed: int = 0) -> tt.Generator:
    return tt.Generator().manual_seed(seed)


def test_grayscale() -> None:
    pil = T.Grayscale()(IMG)
    np.testing.assert_array_equal(np.asarray(pil), np.asarray(IMG.convert("L")))
    t = T.Grayscale()(TEN)
    expected = (0.2989 * RGB[..., 0].astype(np.float32) + 0.587 * RGB[..., 1].astype(np.float32)
                + 0.114 * RGB[..., 2].astype(np.float32)).astype(np.uint8)  # fmt: skip
    np.testing.assert_array_equal(t.array[0], expected)
    assert np.abs(t.array.astype(int) - chw(pil).astype(int)).max() <= 1
    three = T.Grayscale(3)(TEN)
    assert tuple(three.shape) == (3, 10, 12) and (three.array[0] == three.array[2]).all()
    assert T.Grayscale(3)(IMG).mode == "RGB"
    assert T.RandomGrayscale(1.0)(IMG).mode == "RGB"  # keeps the number of channels
    assert tuple(T.RandomGrayscale(1.0)(TEN).shape) == (3, 10, 12)
    with pytest.raises(TypeError, match="channel values are 1 or 3"):
        F.rgb_to_grayscale(tt.zeros(2, 3, 3))


@pytest.mark.parametrize("factor", [0.0, 0.5, 1.3])
def test_adjust_brightness_contrast_saturation(factor: float) -> None:
    for fn, enh in ((F.adjust_brightness, ImageEnhance.Brightness), (F.adjust_contrast, ImageEnhance.Contrast),
                    (F.adjust_saturation, ImageEnhance.Color)):  # fmt: skip
        pil = fn(IMG, factor)
        np.testing.assert_array_equal(np.asarray(pil), np.asarray(enh(IMG).enhance(factor)))
        t = fn(TEN, factor)
        assert t.dtype == tt.uint8
        tol = 1 if fn is F.adjust_brightness else 3  # Pillow's integer luma and rounding
        assert np.abs(t.array.astype(int) - chw(pil).astype(int)).max() <= tol, fn.__name__
    bright = F.adjust_brightness(FLT, factor).array
    np.testing.assert_allclose(bright, np.clip(FLT.array * factor, 0, 1), rtol=1e-6)


def test_adjust_contrast_formula() -> None:
    gray = F.rgb_to_grayscale(FLT).array
    expected = np.clip(0.4 * FLT.array + 0.6 * gray.mean(), 0, 1)
    np.testing.assert_allclose(F.adjust_contrast(FLT, 0.4).array, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hue", [-0.5, -0.2, 0.0, 0.1, 0.45])
def test_adjust_hue(hue: float) -> None:
    pil = F.adjust_hue(IMG, hue)
    t = F.adjust_hue(TEN, hue)
    # Pillow quantises hue to 1/255 turns in uint8 HSV: compare loosely, and float paths exactly below
    assert np.abs(t.array.astype(int) - chw(pil).astype(int)).mean() < 6
    import colorsys

    px = FLT.array[:, 3, 4].astype(np.float64)
    h, s, v = colorsys.rgb_to_hsv(*px)
    expected = colorsys.hsv_to_rgb((h + hue) % 1.0, s, v)
    np.testing.assert_allclose(F.adjust_hue(FLT, hue).array[:, 3, 4], expected, atol=1e-5)
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(FLT, 0.7)


def test_color_jitter() -> None:
    cj = T.ColorJitter(0.4, 0.4, 0.4, 0.1, generator=gen(0))
    a = cj(IMG)
    b = T.ColorJitter(0.4, 0.4, 0.4, 0.1, generator=gen(0))(IMG)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    t = T.ColorJitter(0.4, 0.4, 0.4, 0.1, generator=gen(0))(TEN)
    assert np.abs(t.array.astype(int) - chw(a).astype(int)).mean() < 6
    assert T.ColorJitter().brightness is None and T.ColorJitter(brightness=(0.5, 0.5)).brightness == (0.5, 0.5)
    assert T.ColorJitter(brightness=2).brightness == (0.0, 3.0)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.6)
    only_b = T.ColorJitter(brightness=(0.5, 0.5))(FLT)
    np.testing.assert_allclose(only_b.array, FLT.array * 0.5, rtol=1e-6)


def _blur_reference(a: np.ndarray, k: int, sigma: float) -> np.ndarray:
    x = np.linspace(-(k - 1) / 2, (k - 1) / 2, k)
    g = np.exp(-0.5 * (x / sigma) ** 2)
    g /= g.sum()
    kernel = np.outer(g, g)
    p = k // 2
    padded = np.pad(a.astype(np.float64), [(0, 0), (p, p), (p, p)], mode="reflect")
    out = np.zeros(a.shape, np.float64)
    for dy in range(k):
        for dx in range(k):
            out += kernel[dy, dx] * padded[:, dy : dy + a.shape[1], dx : dx + a.shape[2]]
    return out


def test_gaussian_blur() -> None:
    out = F.gaussian_blur(FLT, 5, 1.5)
    np.testing.assert_allclose(out.array, _blur_reference(FLT.array, 5, 1.5), atol=1e-5)
    u8 = F.gaussian_blur(TEN, [3, 3], [0.8, 0.8])
    assert u8.dtype == tt.uint8
    assert np.abs(u8.array.astype(float) - _blur_reference(TEN.array, 3, 0.8)).max() <= 0.5 + 1e-4
    pil = F.gaussian_blur(IMG, 3, 0.8)
    np.testing.assert_array_equal(chw(pil), u8.array)
    t = T.GaussianBlur(5, (0.1, 2.0), generator=gen(1))
    np.testing.assert_array_equal(t(FLT).array, T.GaussianBlur(5, (0.1, 2.0), generator=gen(1))(FLT).array)
    with pytest.raises(ValueError, match="odd and positive"):
        T.GaussianBlur(4)
    with pytest.raises(ValueError, match="odd and positive"):
        F.gaussian_blur(FLT, 2)


def test_random_erasing() -> None:
    x = tt.from_numpy(np.ones((3, 20, 20), np.float32))
    out = T.RandomErasing(p=1.0, value=0, generator=gen(0))(x)
    zeros = out.array == 0
    assert zeros.any() and (x.array == 1).all()  # not in place
    ys, xs = np.nonzero(zeros[0])
    assert zeros[:, ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].all()  # one rectangle, every channel
    per_channel = T.RandomErasing(p=1.0, value=(1.0, 2.0, 3.0), generator=gen(0))(x)
    assert set(np.unique(per_channel.array[1]).tolist()) <= {1.0, 2.0}
    rnd = T.RandomErasing(p=1.0, value="random", generator=gen(0))(x)
    assert (rnd.array != 1).sum() > 0
    y = tt.from_numpy(np.ones((3, 20, 20), np.float32))
    same = T.RandomErasing(p=1.0, inplace=True, generator=gen(0))(y)
    assert same is y and (y.array == 0).any()
    assert T.RandomErasing(p=0.0)(x) is x
    with pytest.raises(TypeError, match="tensor image"):
        T.RandomErasing(p=1.0)(Image.new("L", (4, 4)))
    with pytest.raises(ValueError, match="'random'"):
        T.RandomErasing(value="noise")


def test_containers_and_lambda() -> None:
    calls: list[str] = []

    def mark(name: str) -> T.Lambda:
        def record(x: object) -> object:
            calls.append(name)
            return x

        return T.Lambda(record)

    T.RandomOrder([mark("a"), mark("b"), mark("c")], generator=gen(0))(1)
    assert sorted(calls) == ["a", "b", "c"]
    orders = set()
    g = gen(1)
    for _ in range(30):
        calls.clear()
        T.RandomOrder([mark("a"), mark("b"), mark("c")], generator=g)(1)
        orders.add(tuple(calls))
    assert len(orders) > 3
    g = gen(2)
    picks = [
        T.RandomChoice([T.Lambda(lambda x: 0), T.Lambda(lambda x: 1)], p=[0.2, 0.8], generator=g)(None)
        for _ in range(300)
    ]
    assert 0.7 < np.mean(picks) < 0.9
    g = gen(3)
    applied = [T.RandomApply([T.Lambda(lambda x: x + 1)], p=0.3, generator=g)(0) for _ in range(300)]
    assert 0.2 < np.mean(applied) < 0.4
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Length of p"):
        T.RandomChoice([T.Lambda(abs)], p=[0.5, 0.5])
    text = repr(T.Compose([T.ToTensor(), T.Normalize([0.5], [0.5])]))
    assert text == "Compose(\n    ToTensor()\n    Normalize(mean=[0.5], std=[0.5])\n)"
