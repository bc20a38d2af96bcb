"""``add_``/``sub_`` with ``alpha``: the one-pass BLAS axpy path and every case that must fall back to NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.tensor import _axpy

RNG = np.random.default_rng(7)
N = 1 << 16  # above the BLAS path's threshold

needs_blas = pytest.mark.skipif(not _axpy._FUNCS, reason="NumPy is not built on OpenBLAS: no axpy to test")


@pytest.fixture
def blas_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Records each dtype for which the BLAS axpy ran."""
    calls: list[Any] = []
    funcs = dict(_axpy._FUNCS)

    def spy(dt: Any) -> Any:
        def call(*args: Any) -> None:
            calls.append(dt)
            funcs[dt](*args)

        return call

    monkeypatch.setattr(_axpy, "_FUNCS", {dt: spy(dt) for dt in funcs})
    return calls


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha", [0.01, -3, np.float32(0.5)])
@pytest.mark.parametrize("op", ["add_", "sub_"])
def test_blas_path_matches_numpy(dtype: Any, alpha: Any, op: str, blas_calls: list[Any]) -> None:
    y0 = RNG.standard_normal((256, N // 256)).astype(dtype)
    x = RNG.standard_normal(y0.shape).astype(dtype)
    y = tt.from_numpy(y0.copy())
    version = y._version
    out = getattr(y, op)(tt.from_numpy(x), alpha=alpha)
    sign = 1 if op == "add_" else -1
    ref = y0.astype(np.float64) + sign * float(alpha) * x.astype(np.float64)
    assert out is y and y._version == version + 1
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6 if dtype == np.float32 else 1e-14, atol=1e-6)
    assert blas_calls == [np.dtype(dtype)]


@needs_blas
def test_x_is_y_takes_the_blas_path(blas_calls: list[Any]) -> None:
    y0 = RNG.standard_normal(N)
    y = tt.from_numpy(y0.copy())
    y.sub_(y, alpha=0.25)
    np.testing.assert_allclose(y.numpy(), 0.75 * y0, rtol=1e-15)
    assert len(blas_calls) == 1


def test_overlapping_views_fall_back_and_read_the_old_values(blas_calls: list[Any]) -> None:
    base0 = RNG.standard_normal(N + 1)
    base = tt.from_numpy(base0.copy())
    base[1:].add_(base[:-1], alpha=2.0)  # NumPy semantics: the right side is computed before the write
    ref = base0.copy()
    ref[1:] = base0[1:] + 2.0 * base0[:-1]
    np.testing.assert_allclose(base.numpy(), ref, rtol=1e-15)
    assert blas_calls == []


@pytest.mark.parametrize(
    "case",
    ["broadcast", "non_contiguous_x", "non_contiguous_y", "dtype_mix", "small", "int", "tensor_alpha_like"],
)
def test_other_cases_fall_back_to_numpy_with_the_same_result(case: str, blas_calls: list[Any]) -> None:
    y0 = RNG.standard_normal((64, N // 64)).astype(np.float32)
    x0 = RNG.standard_normal((64, N // 64)).astype(np.float32)
    alpha: Any = 0.5
    if case == "broadcast":
        x0 = x0[:1]
    elif case == "non_contiguous_x":
        x0 = np.asfortranarray(x0)
    elif case == "dtype_mix":
        x0 = x0.astype(np.float16)
    elif case == "small":
        y0, x0 = y0[:2, :10].copy(), x0[:2, :10].copy()
    elif case == "int":
        y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
        alpha = 3
    elif case == "tensor_alpha_like":
        alpha = True  # a bool is not a real alpha for BLAS (PyTorch accepts it as 1)
    y = tt.from_numpy(y0.copy()) if case != "non_contiguous_y" else tt.from_numpy(np.asfortranarray(y0))
    y.add_(tt.from_numpy(x0), alpha=alpha)
    np.testing.assert_allclose(y.numpy(), y0 + x0.astype(y0.dtype) * alpha, rtol=1e-6)
    assert blas_calls == []


def test_read_only_target_still_raises() -> None:
    a = np.zeros(N, np.float32)
    a.flags.writeable = False
    with pytest.raises((ValueError, RuntimeError)):
        tt.from_numpy(a).sub_(tt.ones(N), alpha=0.5)
