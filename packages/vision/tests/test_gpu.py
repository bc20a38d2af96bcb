"""Transforms keep CuPy-backed tensors on their device (skipped without a CUDA GPU)."""

from __future__ import annotations

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.vision import transforms as T

pytestmark = pytest.mark.gpu


@pytest.fixture(autouse=True)
def _needs_gpu() -> None:
    if not tt.cuda.is_available():
        pytest.skip("needs a CUDA GPU and CuPy")


def test_elementwise_transforms_stay_on_gpu() -> None:
    x = np.random.default_rng(0).random((2, 3, 8, 8)).astype(np.float32)
    g = tt.as_tensor(x, device="cuda")
    out = T.Compose([T.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25)), T.RandomHorizontalFlip(1.0)])(g)
    assert out.device.type == "cuda"
    expected = ((x - 0.5) / 0.25)[..., ::-1]
    np.testing.assert_allclose(out.array.get(), expected, rtol=1e-6)
    resized = T.Resize((4, 4))(g)
    assert resized.device.type == "cuda" and tuple(resized.shape) == (2, 3, 4, 4)
