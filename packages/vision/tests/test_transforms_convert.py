"""ToTensor, PILToTensor, ToPILImage, ConvertImageDtype and Normalize against direct NumPy computations."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import taeda.tensor as tt
from taeda.vision import transforms as T
from taeda.vision.transforms import functional as F

rng = np.random.default_rng(0)
RGB = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
GRAY = rng.integers(0, 256, (5, 7), dtype=np.uint8)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "LA"])
def test_to_tensor_modes(mode: str) -> None:
    arr = rng.integers(0, 256, (4, 6, len(mode)), dtype=np.uint8)
    img = Image.fromarray(arr[..., 0] if mode == "L" else arr, mode=None).convert(mode)
    src = np.asarray(img)
    t = T.ToTensor()(img)
    assert isinstance(t, tt.Tensor) and t.dtype == tt.float32 and tuple(t.shape) == (len(mode), 4, 6)
    expected = (src[None] if src.ndim == 2 else src.transpose(2, 0, 1)).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(t.array, expected)
    assert t.array.min() >= 0.0 and t.array.max() <= 1.0


def test_to_tensor_special_modes_and_arrays() -> None:
    bw = Image.fromarray(GRAY > 128)
    assert bw.mode == "1"
    np.testing.assert_array_equal(F.to_tensor(bw).array[0], (GRAY > 128).astype(np.float32))
    i32 = Image.fromarray(GRAY.astype(np.int32) * 1000)
    t = F.to_tensor(i32)
    assert t.dtype == tt.int32 and t.array[0, 1, 2] == int(GRAY[1, 2]) * 1000
    f32 = Image.fromarray(GRAY.astype(np.float32) / 7)
    np.testing.assert_array_equal(F.to_tensor(f32).array[0], GRAY.astype(np.float32) / 7)
    np.testing.assert_array_equal(F.to_tensor(RGB).array, RGB.transpose(2, 0, 1) / np.float32(255))
    hw = F.to_tensor(GRAY.astype(np.float64))
    assert hw.dtype == tt.float64 and tuple(hw.shape) == (1, 5, 7)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        F.to_tensor([1, 2])
    with pytest.raises(ValueError, match="2 or 3 dimensional"):
        F.to_tensor(np.zeros((1, 2, 3, 4)))


def test_pil_to_tensor_and_back() -> None:
    img = Image.fromarray(RGB)
    t = T.PILToTensor()(img)
    assert t.dtype == tt.uint8 and tuple(t.shape) == (3, 5, 7)
    np.testing.assert_array_equal(t.array, RGB.transpose(2, 0, 1))
    back = T.ToPILImage()(t)
    assert back.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(back), RGB)
    back_f = T.ToPILImage()(F.to_tensor(img))
    np.testing.assert_array_equal(np.asarray(back_f), RGB)  # x/255*255 truncates back exactly
    gray = F.to_pil_image(tt.from_numpy(GRAY[None].copy()))
    assert gray.mode == "L"
    np.testing.assert_array_equal(np.asarray(gray), GRAY)
    f = F.to_pil_image(tt.from_numpy(GRAY[None].astype(np.float32)), mode="F")
    assert f.mode == "F"
    assert F.to_pil_image(RGB).mode == "RGB" and F.to_pil_image(np.dstack([RGB, GRAY])).mode == "RGBA"
    with pytest.raises(ValueError, match="Incorrect mode"):
        F.to_pil_image(tt.from_numpy(GRAY[None].copy()), mode="RGB")
    with pytest.raises(ValueError, match="> 4 channels"):
        F.to_pil_image(tt.zeros(5, 2, 2))


def test_convert_image_dtype() -> None:
    u8 = tt.from_numpy(RGB.transpose(2, 0, 1).copy())
    f = T.ConvertImageDtype(tt.float32)(u8)
    np.testing.assert_array_equal(f.array, RGB.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    back = F.convert_image_dtype(f, tt.uint8)
    np.testing.assert_array_equal(back.array, RGB.transpose(2, 0, 1))
    i16 = F.convert_image_dtype(u8, tt.int16)
    np.testing.assert_array_equal(i16.array, RGB.transpose(2, 0, 1).astype(np.int16) * 128)
    np.testing.assert_array_equal(F.convert_image_dtype(i16, tt.uint8).array, RGB.transpose(2, 0, 1))
    assert F.convert_image_dtype(f, tt.float64).dtype == tt.float64
    assert F.convert_image_dtype(u8, tt.uint8) is u8
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(f, tt.int32)


def test_normalize() -> None:
    x = rng.random((2, 3, 4, 5)).astype(np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(tt.from_numpy(x))
    expected = (x - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(out.array, expected, rtol=1e-6)
    assert out.dtype == tt.float32
    np.testing.assert_allclose(F.normalize(tt.from_numpy(x[0]), mean, std).array, expected[0], rtol=1e-6)
    x64 = tt.from_numpy(x[0].astype(np.float64))
    assert T.Normalize(mean, std)(x64).dtype == tt.float64
    t = tt.from_numpy(x[0].copy())
    r = T.Normalize(mean, std, inplace=True)(t)
    assert r is t
    np.testing.assert_allclose(t.array, expected[0], rtol=1e-6)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(tt.from_numpy(x[0]), mean, (1.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize(mean, (1.0, 0.0, 1.0))(tt.from_numpy(x[0]))
    with pytest.raises(TypeError, match="should be a float tensor"):
        T.Normalize(mean, std)(tt.from_numpy(RGB.transpose(2, 0, 1).copy()))
    with pytest.raises(ValueError, match=r"\(\.\.\., C, H, W\)"):
        F.normalize(tt.from_numpy(x[0, 0]), mean, std)
    assert repr(T.Normalize((0.1307,), (0.3081,))) == "Normalize(mean=[0.1307], std=[0.3081])"


@pytest.mark.torch
def test_torch_parity() -> None:
    torch = pytest.importorskip("torch")
    x = rng.random((3, 4, 5)).astype(np.float32)
    ours = F.normalize(tt.from_numpy(x), (0.4, 0.5, 0.6), (0.2, 0.3, 0.4)).array
    m = torch.tensor([0.4, 0.5, 0.6])[:, None, None]
    s = torch.tensor([0.2, 0.3, 0.4])[:, None, None]
    np.testing.assert_array_equal(ours, ((torch.from_numpy(x) - m) / s).numpy())
    u8 = RGB.transpose(2, 0, 1).copy()
    np.testing.assert_array_equal(F.to_tensor(RGB).array, torch.from_numpy(u8).float().div(255).numpy())


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
@pytest.mark.parametrize("per_channel", [True, False])
def test_fused_to_tensor_normalize_is_bit_identical(mode: str, per_channel: bool) -> None:
    arr = rng.integers(0, 256, (6, 5, 4), dtype=np.uint8)
    img = Image.fromarray(arr).convert(mode)
    c = len(mode)
    mean = [0.1307, 0.2, 0.3, 0.4][:c] if per_channel else [0.5]
    std = [0.3081, 0.25, 0.5, 0.125][:c] if per_channel else [0.2]
    fused = T.Compose([T.ToTensor(), T.Normalize(mean, std)])(img)
    plain = T.Normalize(mean, std)(T.ToTensor()(img))
    assert fused.dtype == tt.float32 and tuple(fused.shape) == (c, 6, 5)
    np.testing.assert_array_equal(fused.array, plain.array)


def test_compose_follows_changes() -> None:
    img = Image.fromarray(GRAY)
    norm = T.Normalize([0.5], [0.5])
    pipeline = T.Compose([T.ToTensor(), norm])
    a = pipeline(img).array.copy()
    norm.mean = [0.0]  # a changed Normalize is honoured
    np.testing.assert_array_equal(pipeline(img).array, F.to_tensor(img).array / np.float32(0.5))
    pipeline.transforms.append(T.Lambda(lambda t: t.array.sum()))  # so is a changed list
    assert isinstance(pipeline(img), np.floating)
    assert not np.array_equal(a, pipeline.transforms[0](img).array)
    np.testing.assert_array_equal(T.Compose([T.ToTensor(), T.Normalize([0.5], [0.5])])(GRAY[:, :, None]).array, a)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Compose([T.ToTensor(), T.Normalize([0.5], [0.0])])(img)
