"""``set_num_threads``/``get_num_threads``: PyTorch's names and errors, and the BLAS they set."""

from __future__ import annotations

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.tensor import _threads


def test_set_and_get_round_trip_and_reach_openblas() -> None:
    old = tt.get_num_threads()
    try:
        tt.set_num_threads(1)
        assert tt.get_num_threads() == 1
        if _threads._GET is not None:
            assert _threads._GET() == 1
        a = np.ones((64, 64), np.float32)
        np.testing.assert_array_equal(a @ a, np.full((64, 64), 64, np.float32))  # products still work
        tt.set_num_threads(2)
        assert tt.get_num_threads() == 2
    finally:
        tt.set_num_threads(old)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_refuses_what_is_not_a_positive_integer(bad: object) -> None:
    with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
        tt.set_num_threads(bad)  # type: ignore[arg-type]
