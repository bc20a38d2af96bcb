"""Error messages of bad convolution / unpooling arguments are PyTorch's, word for word (skipped without torch)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

_rng = np.random.default_rng(0)
X1, W1 = _rng.standard_normal((1, 4, 5)).astype(np.float32), _rng.standard_normal((4, 2, 3)).astype(np.float32)
X2, W2 = _rng.standard_normal((1, 4, 5, 5)).astype(np.float32), _rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
B3 = np.zeros(3, np.float32)

CASES: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    ("transpose1d output_padding", "conv_transpose1d", (X1, W1), {"output_padding": 1}),
    ("transpose1d too small", "conv_transpose1d", (X1[..., :1], W1), {"padding": 3}),
    ("transpose1d groups", "conv_transpose1d", (X1, W1), {"groups": 3}),
    ("transpose2d output_padding", "conv_transpose2d", (X2, W2), {"output_padding": 1}),
    ("transpose2d groups", "conv_transpose2d", (X2, W2), {"groups": 3}),
    ("transpose2d bias", "conv_transpose2d", (X2, W2, B3), {}),
    ("transpose2d too small", "conv_transpose2d", (X2[:, :, :1, :1], W2), {"padding": 2}),
    ("conv2d bias", "conv2d", (X2, W2.transpose(1, 0, 2, 3).copy(), B3), {}),
    ("conv2d channels", "conv2d", (X2[:, :3], W2.transpose(1, 0, 2, 3).copy()), {}),
]


def _message(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except (RuntimeError, ValueError) as e:
        return f"{type(e).__name__}: {e}"
    return "no error"


@pytest.mark.parametrize(("name", "fn", "args", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_conv_errors_match_torch(name: str, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    theirs = _message(lambda: getattr(torch.nn.functional, fn)(*[torch.tensor(a) for a in args], **kwargs))
    ours = _message(lambda: getattr(F, fn)(*[Variable(tt.as_tensor(a)) for a in args], **kwargs))
    assert theirs != "no error"
    assert ours == theirs


@pytest.mark.parametrize("size", [(9, 9), (4, 9), (9,)])
def test_max_unpool_output_size_errors_match_torch(size: tuple[int, ...]) -> None:
    x = _rng.standard_normal((1, 1, 2, 2)).astype(np.float32)
    idx = np.array([[[[0, 1], [2, 3]]]])
    theirs = _message(lambda: torch.nn.functional.max_unpool2d(torch.tensor(x), torch.tensor(idx), 2, output_size=size))
    ours = _message(lambda: F.max_unpool2d(Variable(tt.as_tensor(x)), tt.as_tensor(idx), 2, output_size=size))
    assert theirs != "no error"
    assert ours == theirs
