"""Fixtures shared by taeda.optim's tests: real autograd Variables around NumPy arrays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from taeda.autograd import Variable
from taeda.tensor import as_tensor

MakeParam = Callable[..., Variable]
SetGrad = Callable[[Variable, Any], None]


def _make_param(array: Any, dtype: Any = np.float32) -> Variable:
    return Variable(as_tensor(np.array(array, dtype=dtype)), requires_grad=True)


def _set_grad(p: Variable, grad: Any) -> None:
    p.grad = Variable(as_tensor(np.array(grad, dtype=p.data.array.dtype)))


@pytest.fixture
def make_param() -> MakeParam:
    """``make_param(array, dtype=float32)``: a leaf Variable that requires grad."""
    return _make_param


@pytest.fixture
def set_grad() -> SetGrad:
    """``set_grad(p, array)``: give ``p`` a gradient of its own dtype."""
    return _set_grad
