"""Fixtures shared by taeda.nn's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from taeda.nn.functional import _kern_runtime


@pytest.fixture(params=["threads", "one-thread"])
def kernel_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Runs a test with nn's two-thread kernel split on (even for small work, so that both halves are exercised)
    and off."""
    old = _kern_runtime.set_kernel_threads(request.param == "threads")
    saved = _kern_runtime._MIN_WORK
    _kern_runtime._MIN_WORK = 0
    try:
        yield
    finally:
        _kern_runtime._MIN_WORK = saved
        _kern_runtime.set_kernel_threads(old)
