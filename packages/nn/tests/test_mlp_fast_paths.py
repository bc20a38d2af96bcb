"""The MLP training step's kernels: cross_entropy's fast path (2-D logits, class indices, no weight nor smoothing),
the dedicated ReLU kernel, linear's checks on arrays, and PyTorch's TypeError for non-Tensor arguments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.autograd as autograd
import taeda.nn as nn
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck

RNG = np.random.default_rng(11)


def T(a: Any) -> tt.Tensor:
    return tt.as_tensor(np.asarray(a))


def V(a: np.ndarray) -> Variable:
    return Variable(tt.as_tensor(a.copy()), requires_grad=True)


def raw(a: Any) -> Any:
    """A non-Tensor argument, typed ``Any`` so that the type checker lets the test pass it."""
    return a


def ce_np(x: np.ndarray, t: np.ndarray, reduction: str) -> tuple[Any, np.ndarray]:
    """Loss and d loss / d x from the textbook formulas (float64)."""
    m = x.max(1, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(1, keepdims=True))
    rows = np.arange(x.shape[0])
    loss = lse[:, 0] - x[rows, t]
    p = np.exp(x - lse)
    p[rows, t] -= 1
    if reduction == "mean":
        return loss.mean(), p / x.shape[0]
    return loss.sum(), p


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("tdtype", [np.int64, np.int32, np.uint8])
def test_cross_entropy_fast_path_matches_formula(reduction: str, tdtype: Any) -> None:
    x = RNG.standard_normal((7, 5)) * 3
    t = RNG.integers(0, 5, 7).astype(tdtype)
    xv = V(x)
    loss = F.cross_entropy(xv, T(t), reduction=reduction)
    ref, gref = ce_np(x, t.astype(np.int64), reduction)
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-12)
    loss.backward()
    assert xv.grad is not None
    np.testing.assert_allclose(xv.grad.data.numpy(), gref, rtol=1e-12, atol=1e-15)
    assert gradcheck(lambda a: F.cross_entropy(a, T(t), reduction=reduction), (V(x),))
    assert gradgradcheck(lambda a: F.cross_entropy(a, T(t), reduction=reduction), (V(x),))


def test_cross_entropy_fast_path_float32_and_large_logits() -> None:
    x = (RNG.standard_normal((64, 10)) * 50).astype(np.float32)
    x[0, 3] = 1e4  # no overflow: the logits are shifted by their row maximum
    t = RNG.integers(0, 10, 64)
    xv = V(x)
    loss = F.cross_entropy(xv, T(t))
    assert loss.dtype == tt.float32
    ref, gref = ce_np(x.astype(np.float64), t, "mean")
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-5)
    loss.backward()
    assert xv.grad is not None and xv.grad.dtype == tt.float32
    np.testing.assert_allclose(xv.grad.data.numpy(), gref, rtol=1e-4, atol=1e-7)


def test_cross_entropy_fast_path_backward_twice_with_retain_graph() -> None:
    x = RNG.standard_normal((4, 3))
    t = T(np.array([0, 2, 1, 2]))
    xv = V(x)
    loss = F.cross_entropy(xv, t)
    loss.backward(retain_graph=True)
    assert xv.grad is not None
    g1 = xv.grad.data.numpy().copy()
    loss.backward()  # the softmax kept for backward must not have been overwritten by the first pass
    np.testing.assert_allclose(xv.grad.data.numpy(), 2 * g1, rtol=1e-12)


@pytest.mark.parametrize(
    ("targets", "ignore_index"),
    [([0, -100, 2], -100), ([0, 1, 2], 1), ([1, 1, 1], 1)],
)
def test_cross_entropy_ignored_targets_fall_back_to_general_path(targets: list[int], ignore_index: int) -> None:
    x = RNG.standard_normal((3, 4))
    t = np.array(targets)
    out = F.cross_entropy(T(x), T(t), ignore_index=ignore_index, reduction="sum")
    keep = t != ignore_index
    ref = ce_np(x[keep], t[keep], "sum")[0] if keep.any() else 0.0
    np.testing.assert_allclose(out.item(), ref, rtol=1e-12)
    assert gradcheck(lambda a: F.cross_entropy(a, T(t), ignore_index=ignore_index, reduction="sum"), (V(x),))


def test_cross_entropy_out_of_range_targets_raise() -> None:
    x = T(RNG.standard_normal((2, 3)))
    with pytest.raises(IndexError, match="Target 3 is out of bounds"):
        F.cross_entropy(x, T(np.array([0, 3])))
    with pytest.raises(IndexError, match="Target -2 is out of bounds"):
        F.cross_entropy(x, T(np.array([-2, 1])))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2\], got \[2, 1\]"):
        F.cross_entropy(x, T(np.array([[0], [1]])))
    # class probabilities of another float dtype: both promoted, the input's gradient in its own dtype (PyTorch 2.13)
    for xd, td in ((np.float64, np.float32), (np.float32, np.float64)):
        xv = Variable(T(RNG.standard_normal((2, 3)).astype(xd)), requires_grad=True)
        loss = F.cross_entropy(xv, T(np.full((2, 3), 1 / 3, td)))
        assert loss.dtype == tt.float64
        loss.backward()
        assert xv.grad is not None and xv.grad.dtype == xv.dtype
    with pytest.raises(ValueError, match="at least one dimension"):
        F.cross_entropy(T(np.float64(1.0)), T(np.int64(0)))


def test_relu_kernel_values_gradients_and_second_order() -> None:
    x = RNG.standard_normal((5, 6))
    x[0, :3] = 0.0  # the gradient at 0 is 0, as PyTorch
    xv = V(x)
    y = F.relu(xv)
    np.testing.assert_array_equal(y.data.numpy(), np.maximum(x, 0))
    g = RNG.standard_normal((5, 6))
    y.backward(T(g))
    assert xv.grad is not None
    np.testing.assert_array_equal(xv.grad.data.numpy(), g * (x > 0))
    assert gradcheck(F.relu, (V(np.where(np.abs(x) < 0.1, 0.5, x)),))  # away from the kink
    # d/dx of sum(relu(x) * relu(x)) = 2 relu(x): second order through the Variable backward
    xv2 = V(x)
    (gx,) = autograd.grad((F.relu(xv2) * F.relu(xv2)).sum(), xv2, create_graph=True)
    assert gx is not None
    np.testing.assert_allclose(gx.data.numpy(), 2 * np.maximum(x, 0))
    gx.sum().backward()
    assert xv2.grad is not None
    np.testing.assert_array_equal(xv2.grad.data.numpy(), 2.0 * (x > 0))


def test_relu_keeps_dtype_and_nan() -> None:
    x = T(np.array([-1.0, np.nan, 2.0], np.float32))
    y = F.relu(x)
    assert y.dtype == tt.float32
    out = y.data.numpy()
    assert out[0] == 0 and np.isnan(out[1]) and out[2] == 2


def test_linear_checks_on_arrays() -> None:
    w = Variable(tt.as_tensor(RNG.standard_normal((4, 3))), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x5 and 3x4\)"):
        F.linear(T(np.ones((2, 5))), w)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(6x5 and 3x4\)"):
        F.linear(T(np.ones((2, 3, 5))), w)
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype"):
        F.linear(T(np.ones((2, 3), np.float32)), w)
    with pytest.raises(RuntimeError, match="bias dtype float32 does not match weight dtype float64"):
        F.linear(T(np.ones((2, 3))), w, T(np.ones(4, np.float32)))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2\)"):
        F.linear(T(np.ones((2, 3))), T(np.ones(2)))
    x = RNG.standard_normal((2, 3, 3))
    b = RNG.standard_normal(4)
    out = F.linear(T(x), w, T(b))
    np.testing.assert_allclose(out.data.numpy(), x @ w.data.numpy().T + b, rtol=1e-12)
    assert gradcheck(F.linear, (V(x), V(w.data.numpy()), V(b)))
    v = RNG.standard_normal(3)
    np.testing.assert_allclose(F.linear(T(x), T(v)).data.numpy(), x @ v, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: nn.Linear(3, 2)(raw(np.ones((4, 3), np.float32))),
            "linear(): argument 'input' (position 1) must be Tensor, not numpy.ndarray",
        ),
        (
            lambda: F.linear(tt.ones(4, 3), raw(np.ones((2, 3), np.float32))),
            "linear(): argument 'weight' (position 2) must be Tensor, not numpy.ndarray",
        ),
        (
            lambda: F.linear(tt.ones(4, 3), tt.ones(2, 3), raw([0.0, 1.0])),
            "linear(): argument 'bias' (position 3) must be Tensor, not list",
        ),
        (lambda: F.relu(raw(np.ones(3))), "relu(): argument 'input' (position 1) must be Tensor, not numpy.ndarray"),
        (lambda: nn.ReLU()(raw([1.0])), "relu(): argument 'input' (position 1) must be Tensor, not list"),
        (lambda: F.leaky_relu(raw(np.ones(3))), "leaky_relu(): argument 'input' (position 1) must be Tensor"),
        (lambda: F.sigmoid(raw(np.ones(3))), "sigmoid(): argument 'input' (position 1) must be Tensor"),
        (
            lambda: F.cross_entropy(raw(np.ones((2, 3), np.float32)), tt.tensor([0, 1])),
            "cross_entropy_loss(): argument 'input' (position 1) must be Tensor, not numpy.ndarray",
        ),
        (
            lambda: F.cross_entropy(tt.ones(2, 3), raw(np.array([0, 1]))),
            "cross_entropy_loss(): argument 'target' (position 2) must be Tensor, not numpy.ndarray",
        ),
        (
            lambda: F.nll_loss(raw(np.ones((2, 3))), tt.tensor([0, 1])),
            "nll_loss(): argument 'input' (position 1) must be Tensor, not numpy.ndarray",
        ),
    ],
)
def test_non_tensor_arguments_raise_type_error(call: Any, message: str) -> None:
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value).startswith(message)


def test_attribute_errors_of_tensor_arguments_propagate() -> None:
    class Odd(tt.Tensor):
        @property
        def array(self) -> Any:
            raise AttributeError("broken array")

    odd = Odd.__new__(Odd)
    with pytest.raises(AttributeError, match="broken array"):
        F.linear(odd, tt.ones(2, 3))
