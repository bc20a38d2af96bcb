"""Regression tests for discrepancies with torchvision's documented semantics found by differential fuzzing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PIL import Image

import taeda.vision.transforms as T
import taeda.vision.transforms.functional as F


@pytest.mark.parametrize(
    "call",
    [
        T.Normalize([0.5], [0.5]),
        lambda img: F.normalize(img, [0.5], [0.5]),
        lambda img: F.convert_image_dtype(img, np.float32),
        lambda img: F.erase(img, 0, 0, 1, 1, 0),
    ],
)
def test_tensor_only_functions_reject_pil_images_with_a_clear_message(call: Any) -> None:
    with pytest.raises(TypeError, match="should be a taeda Tensor, got a PIL Image"):
        call(Image.new("L", (2, 2)))


def test_functions_taking_pil_images_keep_their_message_for_other_types() -> None:
    with pytest.raises(TypeError, match="should be a PIL Image or a taeda Tensor, got list"):
        F.hflip([[0, 1]])
