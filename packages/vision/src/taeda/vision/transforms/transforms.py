"""Transform classes (torchvision's names, arguments and defaults) over :mod:`.functional`.

Random transforms draw from ``generator=`` (a ``taeda.tensor.Generator``) or, when it is None, from taeda's
default generator, so ``taeda.tensor.manual_seed(n)`` makes a pipeline reproducible. A batch ``(N, C, H, W)``
gets one draw of the parameters for the whole batch, as in torchvision.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

import taeda.tensor as tt
from taeda.vision import _bridge as B
from taeda.vision.transforms import functional as F
from taeda.vision.transforms._modes import InterpolationMode

__all__ = [
    "CenterCrop",
    "ColorJitter",
    "Compose",
    "ConvertImageDtype",
    "GaussianBlur",
    "Grayscale",
    "Lambda",
    "Normalize",
    "PILToTensor",
    "Pad",
    "RandomAffine",
    "RandomApply",
    "RandomChoice",
    "RandomCrop",
    "RandomErasing",
    "RandomGrayscale",
    "RandomHorizontalFlip",
    "RandomOrder",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomVerticalFlip",
    "Resize",
    "ToPILImage",
    "ToTensor",
]

Gen = tt.Generator | None


def _pair(size: int | Sequence[int], name: str = "size") -> tuple[int, int]:
    if isinstance(size, int | np.integer):
        return int(size), int(size)
    seq = list(size)
    if len(seq) == 1:
        return int(seq[0]), int(seq[0])
    if len(seq) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")
    return int(seq[0]), int(seq[1])


def _range(value: float | Sequence[float], name: str, center: float = 0.0) -> tuple[float, float]:
    """A number ``x`` means ``(center - x, center + x)``; a pair is taken as is (low <= high)."""
    if isinstance(value, int | float | np.number):
        v = float(value)
        if v < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        return center - v, center + v
    seq = [float(x) for x in value]
    if len(seq) != 2:
        raise ValueError(f"{name} should be a sequence of length 2.")
    if seq[0] > seq[1]:
        raise ValueError(f"{name} values should be ordered as (min, max), got {seq}")
    return seq[0], seq[1]


def _mode_name(mode: InterpolationMode | int) -> str:
    return mode.value if isinstance(mode, InterpolationMode) else str(mode)


class _Repr:
    def _args(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._args()})"


class Compose(_Repr):
    """Chain transforms: ``Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])``.

    Example:
        >>> from PIL import Image
        >>> tuple(Compose([ToTensor(), Normalize([0.5], [0.5])])(Image.new("L", (2, 2))).shape)
        (1, 2, 2)
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)
        self._plan: list[Callable[[Any], Any]] = []
        self._plan_key: tuple[int, ...] = ()

    def _fuse(self) -> list[Callable[[Any], Any]]:
        """The transforms with each ``ToTensor`` + ``Normalize`` pair replaced by one table lookup."""
        plan: list[Callable[[Any], Any]] = []
        for t in self.transforms:
            if isinstance(t, Normalize) and not t.inplace and plan and type(plan[-1]) is ToTensor:
                plan[-1] = _ToNormalizedTensor(t)
            else:
                plan.append(t)
        return plan

    def __call__(self, img: Any) -> Any:
        key = tuple(map(id, self.transforms))
        if key != self._plan_key:
            self._plan, self._plan_key = self._fuse(), key
        for t in self._plan:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor(_Repr):
    """PIL image or ``(H, W, C)`` ndarray -> float32 tensor ``(C, H, W)`` in [0, 1] (uint8 data scaled by 1/255)."""

    def __call__(self, pic: Any) -> B.Tensor:
        return F.to_tensor(pic)


class PILToTensor(_Repr):
    """PIL image -> tensor ``(C, H, W)`` of the image's own dtype, values unchanged."""

    def __call__(self, pic: Any) -> B.Tensor:
        return F.pil_to_tensor(pic)


class ToPILImage(_Repr):
    """Tensor ``(C, H, W)`` or ndarray ``(H, W, C)`` -> PIL image (``mode`` inferred when None)."""

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic: Any) -> Any:
        return F.to_pil_image(pic, self.mode)

    def _args(self) -> str:
        return f"mode={self.mode}" if self.mode else ""


class ConvertImageDtype(_Repr):
    """Convert a tensor image to ``dtype``, rescaling the values."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)

    def __call__(self, image: B.Tensor) -> B.Tensor:
        return F.convert_image_dtype(image, self.dtype)


class Normalize(_Repr):
    """``(x - mean[c]) / std[c]`` on a float tensor ``(..., C, H, W)``.

    Example:
        >>> Normalize((0.1307,), (0.3081,))
        Normalize(mean=[0.1307], std=[0.3081])
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = [float(m) for m in mean], [float(s) for s in std], inplace
        self._cache: dict[Any, tuple[Any, Any]] = {}

    def __call__(self, tensor: B.Tensor) -> B.Tensor:
        if self.inplace or not isinstance(tensor, B.Tensor):
            return F.normalize(tensor, self.mean, self.std, self.inplace)
        a = B.unwrap(tensor)
        key = (type(a), a.dtype)
        pair = self._cache.get(key)
        if pair is None or a.ndim < 3:
            if a.dtype.kind != "f" or a.ndim < 3:
                return F.normalize(tensor, self.mean, self.std)
            xp = B.array_module(a)
            m = xp.asarray(self.mean, dtype=a.dtype).reshape(-1, 1, 1)
            s = xp.asarray(self.std, dtype=a.dtype).reshape(-1, 1, 1)
            if (s == 0).any():
                return F.normalize(tensor, self.mean, self.std)
            pair = self._cache[key] = (m, s)
        out = a - pair[0]
        out /= pair[1]
        return B.wrap(out)

    def _args(self) -> str:
        return f"mean={self.mean}, std={self.std}" + (", inplace=True" if self.inplace else "")


class _ToNormalizedTensor:
    """``ToTensor`` then ``Normalize`` for 8-bit PIL images as one lookup in per-channel tables of 256 floats.

    The tables hold ``(x / 255 - mean) / std`` computed with the very float32 operations of the two transforms,
    so results are bit-identical; other inputs go through the two transforms.
    """

    __slots__ = ("_key", "_table", "normalize")

    def __init__(self, normalize: Normalize) -> None:
        self.normalize = normalize
        self._key: tuple[tuple[float, ...], tuple[float, ...]] | None = None
        self._table: Any = None

    def _lookup(self) -> Any:
        key = (tuple(self.normalize.mean), tuple(self.normalize.std))
        if key != self._key:
            m = np.asarray(key[0], dtype=np.float32).reshape(-1, 1)
            s = np.asarray(key[1], dtype=np.float32).reshape(-1, 1)
            if (s == 0).any():
                return None
            table = F._U8_TO_UNIT[None, :] - m
            table /= s
            self._table, self._key = table, key
        return self._table

    def __call__(self, pic: Any) -> Any:
        if not isinstance(pic, Image.Image) or pic.mode not in F._BYTE_MODES:
            return self.normalize(F.to_tensor(pic))
        table = self._lookup()
        arr = F._pil_pixels(pic)
        c = 1 if arr.ndim == 2 else arr.shape[2]
        if table is None or len(table) not in (1, c):
            return self.normalize(F.to_tensor(pic))
        if arr.ndim == 2:
            return B.wrap(table[0].take(arr.reshape(1, *arr.shape)))
        out = np.empty((c, arr.shape[0], arr.shape[1]), dtype=np.float32)
        for k in range(c):  # one lookup per channel (at most four)
            table[k if len(table) > 1 else 0].take(arr[:, :, k], out=out[k])
        return B.wrap(out)


class Resize(_Repr):
    """Resize to ``size`` (``(h, w)``, or an int for the smaller edge)."""

    def __init__(
        self,
        size: int | Sequence[int],
        interpolation: InterpolationMode = InterpolationMode.BILINEAR,
        max_size: int | None = None,
        antialias: bool | None = True,
    ) -> None:
        if not isinstance(size, int | Sequence) or (isinstance(size, Sequence) and len(size) not in (1, 2)):
            raise TypeError(f"Size should be int or sequence of one or two ints. Got {size!r}")
        self.size, self.interpolation, self.max_size, self.antialias = size, interpolation, max_size, antialias

    def __call__(self, img: Any) -> Any:
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def _args(self) -> str:
        return f"size={self.size}, interpolation={_mode_name(self.interpolation)}, max_size={self.max_size}"


class CenterCrop(_Repr):
    """Crop the centre ``size`` box (zero padding an image smaller than it)."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _pair(size)

    def __call__(self, img: Any) -> Any:
        return F.center_crop(img, self.size)

    def _args(self) -> str:
        return f"size={self.size}"


class Pad(_Repr):
    """Pad by ``padding`` with ``fill`` or by ``edge``/``reflect``/``symmetric`` extension."""

    def __init__(
        self, padding: int | Sequence[int], fill: float | Sequence[float] = 0, padding_mode: str = "constant"
    ) -> None:
        F._parse_padding(padding)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img: Any) -> Any:
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def _args(self) -> str:
        return f"padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode}"


class Lambda(_Repr):
    """Wrap a user function as a transform."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)


class Grayscale(_Repr):
    """Convert to greyscale with 1 or 3 output channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def __call__(self, img: Any) -> Any:
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def _args(self) -> str:
        return f"num_output_channels={self.num_output_channels}"


# --- random transforms -----------------------------------------------------------------------------------


class _Random(_Repr):
    generator: Gen

    def _rand(self) -> float:
        return float(B.rand(1, self.generator)[0])

    def _uniform(self, low: float, high: float) -> float:
        return B.uniform(low, high, self.generator)

    def _randint(self, low: int, high: int) -> int:
        return B.randint(low, high, self.generator)


class RandomApply(_Random):
    """Apply the list of ``transforms`` with probability ``p``."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: float = 0.5, *, generator: Gen = None) -> None:
        self.transforms, self.p, self.generator = list(transforms), p, generator

    def __call__(self, img: Any) -> Any:
        if self.p < self._rand():
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def _args(self) -> str:
        return f"p={self.p}, transforms={self.transforms}"


class RandomOrder(_Random):
    """Apply ``transforms`` in a random order."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], *, generator: Gen = None) -> None:
        self.transforms, self.generator = list(transforms), generator

    def __call__(self, img: Any) -> Any:
        for i in np.argsort(B.rand(len(self.transforms), self.generator), kind="stable"):
            img = self.transforms[int(i)](img)
        return img


class RandomChoice(_Random):
    """Apply one of ``transforms``, picked with probabilities ``p`` (uniform when None)."""

    def __init__(
        self, transforms: Sequence[Callable[[Any], Any]], p: Sequence[float] | None = None, *, generator: Gen = None
    ) -> None:
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        self.transforms, self.generator = list(transforms), generator
        weights = np.ones(len(transforms)) if p is None else np.asarray(p, dtype=np.float64)
        self.p = list(weights / weights.sum())

    def __call__(self, img: Any) -> Any:
        idx = int(np.searchsorted(np.cumsum(self.p), self._rand(), side="right"))
        return self.transforms[min(idx, len(self.transforms) - 1)](img)


class RandomHorizontalFlip(_Random):
    """Mirror left-right with probability ``p``."""

    def __init__(self, p: float = 0.5, *, generator: Gen = None) -> None:
        self.p, self.generator = p, generator

    def __call__(self, img: Any) -> Any:
        return F.hflip(img) if self._rand() < self.p else img

    def _args(self) -> str:
        return f"p={self.p}"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p``."""

    def __call__(self, img: Any) -> Any:
        return F.vflip(img) if self._rand() < self.p else img


class RandomCrop(_Random):
    """Crop a random ``size`` box, after optional ``padding`` (and padding to ``size`` if ``pad_if_needed``)."""

    def __init__(
        self,
        size: int | Sequence[int],
        padding: int | Sequence[int] | None = None,
        pad_if_needed: bool = False,
        fill: float | Sequence[float] = 0,
        padding_mode: str = "constant",
        *,
        generator: Gen = None,
    ) -> None:
        self.size = _pair(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode
        self.generator = generator

    def get_params(self, img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return self._randint(0, h - th + 1), self._randint(0, w - tw + 1), th, tw

    def __call__(self, img: Any) -> Any:
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, h, w = F.get_dimensions(img)
        if self.pad_if_needed and w < self.size[1]:
            img = F.pad(img, [self.size[1] - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < self.size[0]:
            img = F.pad(img, [0, self.size[0] - h], self.fill, self.padding_mode)
        i, j, th, tw = self.get_params(img, self.size)
        return F.crop(img, i, j, th, tw)

    def _args(self) -> str:
        return f"size={self.size}, padding={self.padding}"


class RandomResizedCrop(_Random):
    """Crop a random area fraction ``scale`` of random aspect ``ratio``, then resize it to ``size``."""

    def __init__(
        self,
        size: int | Sequence[int],
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
        interpolation: InterpolationMode = InterpolationMode.BILINEAR,
        antialias: bool | None = True,
        *,
        generator: Gen = None,
    ) -> None:
        self.size = _pair(size)
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        self.scale, self.ratio, self.interpolation, self.antialias = scale, ratio, interpolation, antialias
        self.generator = generator

    def get_params(self, img: Any) -> tuple[int, int, int, int]:
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target_area = area * self._uniform(self.scale[0], self.scale[1])
            aspect = math.exp(self._uniform(*log_ratio))
            w = round(math.sqrt(target_area * aspect))
            h = round(math.sqrt(target_area / aspect))
            if 0 < w <= width and 0 < h <= height:
                return self._randint(0, height - h + 1), self._randint(0, width - w + 1), h, w
        in_ratio = width / height
        if in_ratio < min(self.ratio):
            w, h = width, round(width / min(self.ratio))
        elif in_ratio > max(self.ratio):
            h, w = height, round(height * max(self.ratio))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img: Any) -> Any:
        i, j, h, w = self.get_params(img)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, self.antialias)

    def _args(self) -> str:
        return (
            f"size={self.size}, scale={self.scale}, ratio={self.ratio}, interpolation={_mode_name(self.interpolation)}"
        )


class RandomRotation(_Random):
    """Rotate by an angle uniform in ``degrees`` (a number ``d`` means ``(-d, d)``)."""

    def __init__(
        self,
        degrees: float | Sequence[float],
        interpolation: InterpolationMode = InterpolationMode.NEAREST,
        expand: bool = False,
        center: Sequence[int] | None = None,
        fill: float | Sequence[float] = 0,
        *,
        generator: Gen = None,
    ) -> None:
        self.degrees = _range(degrees, "degrees")
        self.interpolation, self.expand, self.center, self.fill = interpolation, expand, center, fill
        self.generator = generator

    def get_params(self) -> float:
        """The rotation angle, uniform in ``degrees``."""
        return self._uniform(*self.degrees)

    def __call__(self, img: Any) -> Any:
        angle = self.get_params()
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)

    def _args(self) -> str:
        return f"degrees={self.degrees}, interpolation={_mode_name(self.interpolation)}, expand={self.expand}"


class RandomAffine(_Random):
    """Random rotation, translation (fractions of width/height), scale and shear, keeping the image size."""

    def __init__(
        self,
        degrees: float | Sequence[float],
        translate: tuple[float, float] | None = None,
        scale: tuple[float, float] | None = None,
        shear: float | Sequence[float] | None = None,
        interpolation: InterpolationMode = InterpolationMode.NEAREST,
        fill: float | Sequence[float] = 0,
        center: Sequence[int] | None = None,
        *,
        generator: Gen = None,
    ) -> None:
        self.degrees = _range(degrees, "degrees")
        if translate is not None and (len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate)):
            raise ValueError("translate should be a sequence of two values between 0 and 1")
        if scale is not None and (len(scale) != 2 or any(s <= 0 for s in scale)):
            raise ValueError("scale values should be positive")
        self.translate, self.scale = translate, scale
        self.shear: list[float] | None = None
        if shear is not None:
            if isinstance(shear, int | float | np.number):
                self.shear = list(_range(shear, "shear"))
            else:
                seq = [float(s) for s in shear]
                if len(seq) not in (2, 4):
                    raise ValueError("shear should be a number or a sequence of 2 or 4 numbers")
                self.shear = seq
        self.interpolation, self.fill, self.center, self.generator = interpolation, fill, center, generator

    def get_params(self, img_size: tuple[int, int]) -> tuple[float, tuple[int, int], float, tuple[float, float]]:
        """``(angle, (tx, ty), scale, (shear_x, shear_y))`` for an image of ``img_size = (width, height)``."""
        angle = self._uniform(*self.degrees)
        tx = ty = 0
        if self.translate is not None:
            max_dx, max_dy = self.translate[0] * img_size[0], self.translate[1] * img_size[1]
            tx = round(self._uniform(-max_dx, max_dx))
            ty = round(self._uniform(-max_dy, max_dy))
        scale = 1.0 if self.scale is None else self._uniform(*self.scale)
        sx = sy = 0.0
        if self.shear is not None:
            sx = self._uniform(self.shear[0], self.shear[1])
            if len(self.shear) == 4:
                sy = self._uniform(self.shear[2], self.shear[3])
        return angle, (tx, ty), scale, (sx, sy)

    def __call__(self, img: Any) -> Any:
        _, h, w = F.get_dimensions(img)
        angle, translate, scale, shear = self.get_params((w, h))
        return F.affine(img, angle, list(translate), scale, list(shear), self.interpolation, self.fill, self.center)

    def _args(self) -> str:
        return f"degrees={self.degrees}, translate={self.translate}, scale={self.scale}, shear={self.shear}"


class RandomGrayscale(_Random):
    """Convert to greyscale (keeping the number of channels) with probability ``p``."""

    def __init__(self, p: float = 0.1, *, generator: Gen = None) -> None:
        self.p, self.generator = p, generator

    def __call__(self, img: Any) -> Any:
        if self._rand() < self.p:
            return F.rgb_to_grayscale(img, F.get_dimensions(img)[0])
        return img

    def _args(self) -> str:
        return f"p={self.p}"


class ColorJitter(_Random):
    """Random brightness, contrast, saturation and hue changes, applied in a random order.

    ``brightness``/``contrast``/``saturation``: a number ``x`` draws the factor from ``[max(0, 1 - x), 1 + x]``, a
    pair from that range; ``hue``: a number ``h`` (at most 0.5) draws from ``[-h, h]``.
    """

    def __init__(
        self,
        brightness: float | Sequence[float] = 0,
        contrast: float | Sequence[float] = 0,
        saturation: float | Sequence[float] = 0,
        hue: float | Sequence[float] = 0,
        *,
        generator: Gen = None,
    ) -> None:
        self.brightness = self._check(brightness, "brightness")
        self.contrast = self._check(contrast, "contrast")
        self.saturation = self._check(saturation, "saturation")
        self.hue = self._check(hue, "hue", center=0.0, bound=(-0.5, 0.5))
        self.generator = generator

    @staticmethod
    def _check(
        value: float | Sequence[float], name: str, center: float = 1.0, bound: tuple[float, float] = (0, math.inf)
    ) -> tuple[float, float] | None:
        low, high = _range(value, name, center)
        if isinstance(value, int | float | np.number) and center == 1.0:
            low = max(low, 0.0)
        if not bound[0] <= low <= high <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {(low, high)}.")
        return None if low == high == center else (low, high)

    def get_params(self) -> tuple[list[int], float | None, float | None, float | None, float | None]:
        """``(order, brightness, contrast, saturation, hue)``: a permutation of the four adjustments and the
        factors drawn for the enabled ones (None for the others)."""
        order = [int(i) for i in np.argsort(B.rand(4, self.generator), kind="stable")]
        b = None if self.brightness is None else self._uniform(*self.brightness)
        c = None if self.contrast is None else self._uniform(*self.contrast)
        s = None if self.saturation is None else self._uniform(*self.saturation)
        h = None if self.hue is None else self._uniform(*self.hue)
        return order, b, c, s, h

    def __call__(self, img: Any) -> Any:
        order, b, c, s, h = self.get_params()
        for fn_id in order:
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def _args(self) -> str:
        return f"brightness={self.brightness}, contrast={self.contrast}, saturation={self.saturation}, hue={self.hue}"


class GaussianBlur(_Random):
    """Gaussian blur with an odd ``kernel_size`` and a sigma drawn uniformly from ``sigma`` (a pair or a number)."""

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        sigma: float | Sequence[float] = (0.1, 2.0),
        *,
        generator: Gen = None,
    ) -> None:
        self.kernel_size = _pair(kernel_size, "kernel_size")
        if any(k <= 0 or k % 2 == 0 for k in self.kernel_size):
            raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, int | float | np.number):
            if float(sigma) <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            self.sigma = (float(sigma), float(sigma))
        else:
            seq = [float(s) for s in sigma]
            if len(seq) != 2 or not 0.0 < seq[0] <= seq[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
            self.sigma = (seq[0], seq[1])
        self.generator = generator

    def __call__(self, img: Any) -> Any:
        sigma = self._uniform(*self.sigma)
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def _args(self) -> str:
        return f"kernel_size={self.kernel_size}, sigma={self.sigma}"


class RandomErasing(_Random):
    """Erase a random box of a tensor image with probability ``p`` (value: a number, a per-channel tuple, or
    ``"random"`` for standard normal noise)."""

    def __init__(
        self,
        p: float = 0.5,
        scale: tuple[float, float] = (0.02, 0.33),
        ratio: tuple[float, float] = (0.3, 3.3),
        value: float | Sequence[float] | str = 0,
        inplace: bool = False,
        *,
        generator: Gen = None,
    ) -> None:
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        if not 0 <= p <= 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace
        self.generator = generator

    def get_params(self, img: Any) -> tuple[int, int, int, int, Any]:
        c, img_h, img_w = F.get_dimensions(img)
        area = img_h * img_w
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            erase_area = area * self._uniform(*self.scale)
            aspect = math.exp(self._uniform(*log_ratio))
            h = round(math.sqrt(erase_area * aspect))
            w = round(math.sqrt(erase_area / aspect))
            if not (h < img_h and w < img_w):
                continue
            if self.value == "random":
                v: Any = B.randn((c, h, w), self.generator)
            elif isinstance(self.value, int | float):
                v = float(self.value)
            else:
                v = np.asarray(self.value, dtype=np.float32).reshape(-1, 1, 1)
            return self._randint(0, img_h - h + 1), self._randint(0, img_w - w + 1), h, w, v
        return 0, 0, img_h, img_w, None

    def __call__(self, img: Any) -> Any:
        if not isinstance(img, B.Tensor):
            raise TypeError(f"RandomErasing takes a tensor image, got {type(img).__name__}")
        if self._rand() >= self.p:
            return img
        if not isinstance(self.value, str | int | float):
            c = F.get_dimensions(img)[0]
            if len(self.value) not in (1, c):
                raise ValueError(
                    f"If value is a sequence, it should have either a single value or {c} (number of input channels)"
                )
        i, j, h, w, v = self.get_params(img)
        if v is None:
            return img
        a = B.unwrap(img)
        if not isinstance(v, float):
            v = B.array_module(a).asarray(v).astype(a.dtype)
        return F.erase(img, i, j, h, w, v if isinstance(v, float) else B.wrap(v), self.inplace)

    def _args(self) -> str:
        return f"p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, inplace={self.inplace}"
