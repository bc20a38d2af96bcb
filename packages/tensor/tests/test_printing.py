"""Printing tensors: layout, summarisation and suffixes as PyTorch's repr, plus set_printoptions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.tensor._printing import format_array


@pytest.fixture(autouse=True)
def _default_options() -> Iterator[None]:
    tt.set_printoptions(profile="default")
    yield
    tt.set_printoptions(profile="default")


@pytest.mark.parametrize(
    ("arr", "expected"),
    [
        (np.arange(10), "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"),
        (np.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
        (np.array([True, False]), "tensor([ True, False])"),
        (np.zeros((2, 0), np.float32), "tensor([], size=(2, 0))"),
        (np.zeros(0, np.int32), "tensor([], dtype=taeda.int32)"),
        (np.array(3.5, np.float32), "tensor(3.5000)"),
        (np.array([1e-5, 1.0], np.float32), "tensor([1.0000e-05, 1.0000e+00])"),
        (np.array([1.0, 2.5]), "tensor([1.0000, 2.5000], dtype=taeda.float64)"),
        (np.ones((2, 3), np.int8), "tensor([[1, 1, 1],\n        [1, 1, 1]], dtype=taeda.int8)"),
        (np.array([np.nan, np.inf, 1.0], np.float32), "tensor([nan, inf, 1.])"),
        (np.array([[1, -20], [300, 4]]), "tensor([[  1, -20],\n        [300,   4]])"),
        (np.ones((2, 2), np.float32), "tensor([[1., 1.],\n        [1., 1.]])"),
    ],
)
def test_known_layouts(arr: np.ndarray[Any, Any], expected: str) -> None:
    assert repr(tt.from_numpy(arr)) == expected
    assert str(tt.from_numpy(arr)) == expected


def test_non_contiguous_and_summarised_matrix() -> None:
    t = tt.arange(12.0).reshape(3, 4).t()
    assert repr(t) == (
        "tensor([[ 0.,  4.,  8.],\n        [ 1.,  5.,  9.],\n        [ 2.,  6., 10.],\n        [ 3.,  7., 11.]])"
    )
    big = repr(tt.arange(3000.0).reshape(30, 100))
    lines = big.split("\n")
    assert lines[0] == "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.7000e+01, 9.8000e+01,"
    assert "        ...," in lines
    assert big.endswith("2.9990e+03]])")


def test_device_suffix_and_extra_suffixes() -> None:
    s = format_array(np.ones(2, np.float32), "cuda:0", extra_suffixes=("requires_grad=True",))
    assert s == "tensor([1., 1.], device='cuda:0', requires_grad=True)"
    wide = tt.format_tensor(tt.arange(20.0).reshape(2, 10), suffixes=("grad_fn=<MulBackward>",))
    assert wide.endswith("],\n       grad_fn=<MulBackward>)")


def test_set_printoptions_and_context() -> None:
    x = tt.tensor([1.12345])
    tt.set_printoptions(precision=2)
    assert repr(x) == "tensor([1.12])"
    tt.set_printoptions(threshold=5)
    assert repr(tt.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    tt.set_printoptions(profile="default")
    assert repr(x) == "tensor([1.1235])"
    with tt.printoptions(sci_mode=True):
        assert repr(x) == "tensor([1.1235e+00])"
    assert repr(x) == "tensor([1.1235])"
    assert tt.get_printoptions()["threshold"] == 1000
    with pytest.raises(ValueError, match="profile"):
        tt.set_printoptions(profile="loud")


def test_large_tensor_is_summarised() -> None:
    x = tt.zeros(1000, 1000)
    s = repr(x)
    assert s.count("\n") == 6 and "..." in s


def _cases() -> list[np.ndarray[Any, Any]]:
    rng = np.random.default_rng(0)
    return [
        np.ones((2, 2), np.float32),
        np.arange(5),
        np.array(3.5, np.float32),
        np.array(True),
        np.array([True, False]),
        np.zeros((0,), np.float32),
        np.zeros((2, 0), np.int64),
        np.zeros((0, 3), np.float16),
        rng.standard_normal((4, 5)).astype(np.float32),
        (rng.standard_normal((3, 4, 5)) * 1e5).astype(np.float64),
        rng.standard_normal(2000).astype(np.float32),
        rng.standard_normal((50, 50)).astype(np.float32),
        rng.standard_normal((10, 10, 20)).astype(np.float32)[:, ::2].transpose(2, 0, 1),
        np.array([1e-6, 1.0, np.nan, np.inf, -np.inf], np.float32),
        np.array([np.nan, np.inf]),
        np.array([-0.0, 0.0]),
        np.array([1e10, 2.0]),
        np.arange(100).reshape(4, 25).astype(np.float16),
        rng.integers(-1000, 1000, (30, 40)).astype(np.int32),
        np.arange(2000, dtype=np.uint8),
        np.array([1.5 + 2j, -3j], np.complex64),
        rng.standard_normal((3, 30)).astype(np.float32) * 100,
        np.array([123456789.0, 1.0]),
        np.array([1, 2, 3], np.int16),
        np.array(-7),
        np.array([0.1, 0.25]),
        np.array([1e120, -1e-120]),
    ]


_OPTIONS: list[dict[str, Any]] = [
    {},
    {"precision": 2},
    {"threshold": 5},
    {"edgeitems": 1, "threshold": 10},
    {"linewidth": 40},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
    {"edgeitems": 0, "threshold": 3},
]


@pytest.mark.torch
@pytest.mark.parametrize("opts", _OPTIONS, ids=[str(o) for o in _OPTIONS])
def test_parity_with_torch(opts: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    tt.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    try:
        for arr in _cases():
            expected = repr(torch.from_numpy(arr.copy(order="C"))).replace("torch.", "taeda.")
            assert repr(tt.from_numpy(arr)) == expected, arr
    finally:
        torch.set_printoptions(profile="default")


@pytest.mark.gpu
@pytest.mark.skipif(not tt.cuda.is_available(), reason="needs CuPy and a CUDA GPU")
def test_cuda_tensor_repr() -> None:
    assert repr(tt.ones(2, device="cuda:0")) == "tensor([1., 1.], device='cuda:0')"
    assert "..." in repr(tt.zeros(2000, device="cuda:0"))
