"""Regressions found by differential fuzzing of the functional losses and utilities against PyTorch: NumPy
references (no PyTorch needed) and, where PyTorch is installed, parity checks."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, grad

RNG = np.random.default_rng(11)


def V(a: np.ndarray) -> Variable:
    return Variable(tt.as_tensor(a.copy()), requires_grad=True)


def T(a: Any) -> tt.Tensor:
    return tt.as_tensor(np.asarray(a))


def _torch() -> Any:
    return pytest.importorskip("torch", reason="PyTorch parity check")


# ------------------------------------------------------------------------------------- cross_entropy / nll_loss
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_empty_batch_with_spatial_dims(reduction: str, smoothing: float) -> None:
    x = V(np.zeros((0, 3, 2)))
    out = F.cross_entropy(x, T(np.zeros((0, 2), dtype=np.int64)), reduction=reduction, label_smoothing=smoothing)
    if reduction == "none":
        assert tuple(out.shape) == (0, 2)
    else:
        assert out.shape == () and (np.isnan(out.item()) if reduction == "mean" else out.item() == 0.0)
    out.sum().backward()
    assert x.grad is not None and tuple(x.grad.shape) == (0, 3, 2)
    soft = F.cross_entropy(V(np.zeros((0, 3, 2))), T(np.zeros((0, 3, 2))), reduction=reduction)
    assert tuple(soft.shape) == ((0, 2) if reduction == "none" else ())
    nll = F.nll_loss(V(np.zeros((0, 3, 2))), T(np.zeros((0, 2), dtype=np.int64)), reduction=reduction)
    assert tuple(nll.shape) == ((0, 2) if reduction == "none" else ())


ALL_IGNORED = [
    ((4, 5), (4,)),  # rows
    ((2, 3, 4), (2, 4)),  # (N, C, d) planes
    ((5,), ()),  # unbatched
]


@pytest.mark.parametrize(("shape", "tshape"), ALL_IGNORED)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_mean_loss_with_every_target_ignored_has_zero_gradient(
    shape: tuple[int, ...], tshape: tuple[int, ...], smoothing: float, weighted: bool
) -> None:
    """The loss is NaN (0/0) but PyTorch's gradient is 0: ignored positions are never written."""
    c = shape[1] if len(shape) > 1 else shape[0]
    w = T(RNG.random(c)) if weighted else None
    t = T(np.full(tshape, 1, dtype=np.int64))
    x = V(RNG.standard_normal(shape))
    loss = F.cross_entropy(x, t, w, ignore_index=1, label_smoothing=smoothing)
    assert np.isnan(loss.item())
    loss.backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(shape))
    lp = V(RNG.standard_normal(shape))
    nll = F.nll_loss(lp, t, w, ignore_index=1)
    assert np.isnan(nll.item())
    nll.backward()
    assert lp.grad is not None
    np.testing.assert_array_equal(lp.grad.numpy(), np.zeros(shape))
    # create_graph=True takes the differentiable formulas
    x2 = V(RNG.standard_normal(shape))
    (gx,) = grad(F.cross_entropy(x2, t, w, ignore_index=1, label_smoothing=smoothing), x2, create_graph=True)
    assert gx is not None
    np.testing.assert_array_equal(gx.data.numpy(), np.zeros(shape))


def test_all_ignored_gradient_matches_torch() -> None:
    torch = _torch()
    x = RNG.standard_normal((3, 4, 2))
    t = np.full((3, 2), -100)
    t[0, 0] = 2
    for tt_ in (t, np.full((3, 2), -100)):
        tx = torch.tensor(x, requires_grad=True)
        torch.nn.functional.cross_entropy(tx, torch.tensor(tt_)).backward()
        ox = V(x)
        F.cross_entropy(ox, T(tt_)).backward()
        assert ox.grad is not None
        np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_unbatched_input_takes_a_one_element_target() -> None:
    x = RNG.standard_normal(5)
    lp = x - np.log(np.exp(x).sum())
    for red in ("none", "mean", "sum"):
        out = F.cross_entropy(T(x), T(np.array([2])), reduction=red)
        assert out.shape == () and math.isclose(out.item(), -lp[2], rel_tol=1e-12)
        out = F.nll_loss(T(lp), T(np.array([2])), reduction=red)
        assert out.shape == () and math.isclose(out.item(), -lp[2], rel_tol=1e-12)
    with pytest.raises(RuntimeError, match="Expected target size"):
        F.cross_entropy(T(x), T(np.array([2, 1])))


# ------------------------------------------------------------------------------------- regression losses
@pytest.mark.parametrize("name", ["smooth_l1_loss", "huber_loss"])
def test_piecewise_losses_have_finite_gradients_at_infinite_differences(name: str) -> None:
    x = V(np.array([0.3, 5.0, np.inf, -np.inf]))
    getattr(F, name)(x, T(np.zeros(4)), reduction="sum").backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), [0.3, 1.0, 1.0, -1.0])


def test_kl_div_negative_target_is_nan() -> None:
    """t·log t is 0 at t = 0 but NaN for t < 0 (PyTorch's xlogy), not silently 0."""
    out = F.kl_div(T([-1.0, -2.0, -0.5]), T([-0.5, 0.0, 0.5]), reduction="none").data.numpy()
    assert np.isnan(out[0])
    np.testing.assert_allclose(out[1:], [0.0, 0.5 * math.log(0.5) + 0.25])


# ------------------------------------------------------------------------------------- ctc_loss
def test_ctc_input_length_zero() -> None:
    """No frame: the empty target has probability 1 (loss 0), any other 0 (loss inf), as PyTorch."""
    x = RNG.standard_normal((4, 3, 5))
    lp = V(x - np.log(np.exp(x).sum(-1, keepdims=True)))
    targets, il, tl = T(np.array([[1, 2], [1, 2], [3, 4]])), [0, 0, 4], [0, 1, 2]
    out = F.ctc_loss(lp, targets, il, tl, reduction="none")
    ref = F.ctc_loss(T(lp.data.numpy()[:, 2:]), T(np.array([[3, 4]])), [4], [2], reduction="none").item()
    np.testing.assert_allclose(out.data.numpy(), [0.0, np.inf, ref], rtol=1e-12)
    total = F.ctc_loss(lp, targets, il, tl, reduction="sum", zero_infinity=True)
    np.testing.assert_allclose(total.item(), ref, rtol=1e-12)
    total.backward()
    assert lp.grad is not None
    np.testing.assert_array_equal(lp.grad.numpy()[:, :2], np.zeros((4, 2, 5)))
    with pytest.raises(RuntimeError, match="must not be empty"):
        F.ctc_loss(T(np.zeros((0, 1, 3))), T(np.array([[1]])), [0], [0])


# ------------------------------------------------------------------------------------- binary_cross_entropy
def test_binary_cross_entropy_rejects_nan_probabilities() -> None:
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(T([0.5, math.nan]), T([1.0, 0.0]))


# ------------------------------------------------------------------------------------- gaussian_nll_loss
@pytest.mark.parametrize(("shape", "vshape"), [((4, 3), (1, 3)), ((4, 3), (4, 1)), ((2, 3, 4), (2, 1, 4))])
def test_gaussian_nll_var_with_one_broadcast_dimension(shape: tuple[int, ...], vshape: tuple[int, ...]) -> None:
    x, y, v = RNG.standard_normal(shape), RNG.standard_normal(shape), RNG.random(vshape) + 0.1
    out = F.gaussian_nll_loss(T(x), T(y), T(v), reduction="none")
    np.testing.assert_allclose(out.data.numpy(), 0.5 * (np.log(v) + (x - y) ** 2 / v), rtol=1e-12)


def test_gaussian_nll_var_with_two_broadcast_dimensions_is_rejected() -> None:
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(T(np.zeros((4, 3))), T(np.zeros((4, 3))), T(np.ones((1, 1))))


# ------------------------------------------------------------------------------------- distances
def test_cosine_similarity_broadcasts_before_taking_norms() -> None:
    a, b = RNG.standard_normal((3, 4, 2)), RNG.standard_normal((3, 1, 2))
    out = F.cosine_similarity(T(a), T(b), dim=1).data.numpy()
    bb = np.broadcast_to(b, a.shape)
    ref = (a * bb).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(bb, axis=1))
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    assert np.all(np.abs(out) <= 1 + 1e-12)


def test_zero_vectors_give_finite_gradients() -> None:
    """PyTorch's norm gradient is 0 at a zero norm; sqrt's 1/(2·0) times 0 made these NaN."""
    a = RNG.standard_normal((3, 4))
    a[1] = 0
    b = RNG.standard_normal((3, 4))
    fns: list[Callable[[Variable], Variable]] = [
        lambda x: F.cosine_similarity(x, T(b)),
        lambda x: F.pairwise_distance(x, T(a), eps=0.0),
        lambda x: F.pairwise_distance(x, T(a), p=3, eps=0.0),
        lambda x: F.pairwise_distance(x, T(a), p=0.5, eps=0.0),
        lambda x: F.normalize(x, p=3),
        lambda x: F.normalize(x, p=0.5),
    ]
    for fn in fns:
        x = V(a)
        fn(x).sum().backward()
        assert x.grad is not None and np.all(np.isfinite(x.grad.numpy()))
    x = V(a)
    F.pairwise_distance(x, T(a), eps=0.0).sum().backward()  # every distance 0: gradient 0
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros_like(a))


@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_cosine_similarity_matches_torch(eps: float) -> None:
    """Including norms below ``eps`` (clamped value, gradient through the unclamped norm, as PyTorch) and zero
    vectors."""
    torch = _torch()
    a, b = RNG.standard_normal((4, 5)) * 0.1, RNG.standard_normal((1, 5)) * 0.1
    a[2] = 0
    g = RNG.standard_normal(4)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tout = torch.nn.functional.cosine_similarity(ta, tb, eps=eps)
    (tout * torch.tensor(g)).sum().backward()
    oa, ob = V(a), V(b)
    oout = F.cosine_similarity(oa, ob, eps=eps)
    (oout * T(g)).sum().backward()
    np.testing.assert_allclose(oout.data.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert oa.grad is not None and ob.grad is not None
    np.testing.assert_allclose(oa.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ob.grad.numpy(), tb.grad.numpy(), rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------------------- pad
def _pad_ref(x: np.ndarray, lo: int, hi: int, mode: str) -> Any:
    """PyTorch's negative padding on the last axis: reflect/replicate pad the whole input then crop; circular crops
    first, then wraps around what is left."""
    n = x.shape[-1]
    np_mode: Any = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    if mode == "circular":
        x = x[..., max(-lo, 0) : n - max(-hi, 0)]
        return np.pad(x, [(0, 0)] * (x.ndim - 1) + [(max(lo, 0), max(hi, 0))], mode=np_mode)
    y = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(max(lo, 0), max(hi, 0))], mode=np_mode)
    return y[..., max(-lo, 0) : y.shape[-1] - max(-hi, 0)]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("amounts", [(-1, 2), (2, -1), (-2, -1), (3, -1), (-3, 0), (0, -2)])
def test_pad_negative_amounts_crop(mode: str, amounts: tuple[int, int]) -> None:
    x = RNG.standard_normal((2, 3, 4))
    lo, hi = amounts
    ref = _pad_ref(x, lo, hi, mode)
    v = V(x)
    out = F.pad(v, (lo, hi), mode=mode)
    np.testing.assert_array_equal(out.data.numpy(), ref)
    g = RNG.standard_normal(ref.shape)
    (out * T(g)).sum().backward()
    # the gradient is the adjoint of the (linear) padding: <pad(e_i), g> for each input position
    eye = np.eye(x.size).reshape(x.size, *x.shape)
    want = np.array([(_pad_ref(e, lo, hi, mode) * g).sum() for e in eye]).reshape(x.shape)
    assert v.grad is not None
    np.testing.assert_allclose(v.grad.numpy(), want, rtol=1e-12, atol=1e-12)


def test_pad_negative_amounts_errors() -> None:
    x = T(np.zeros((1, 2, 4)))
    with pytest.raises(RuntimeError, match="too small"):
        F.pad(x, (0, -4), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(x, (-3, 2), mode="circular")
    assert tuple(F.pad(x, (0, -4), mode="circular").shape) == (1, 2, 0)


def test_pad_negative_amounts_match_torch() -> None:
    torch = _torch()
    x = RNG.standard_normal((2, 3, 5, 4))
    for mode in ("reflect", "replicate", "circular"):
        for p in [(-1, 2, 1, -2), (2, -1, -3, 1), (-2, -1, 0, -1)]:
            ours = F.pad(T(x), p, mode=mode).data.numpy()
            theirs = torch.nn.functional.pad(torch.tensor(x), p, mode=mode).numpy()
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{mode} {p}")


# ------------------------------------------------------------------------------------- interpolate
def test_nearest_reads_the_pixel_pytorch_reads() -> None:
    """30 -> 22: output 11 sits at 11 * 30/22 = 14.999999999999998 in float64; PyTorch rounds the position to float32
    (15.0) before flooring it."""
    x = np.arange(30.0).reshape(1, 1, 30)
    out = F.interpolate(T(x), size=22, mode="nearest").data.numpy()[0, 0]
    assert out[11] == 15.0


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nearest_indices_match_torch(mode: str, dtype: Any) -> None:
    torch = _torch()
    for n_in in range(1, 48):
        x = np.arange(n_in, dtype=dtype).reshape(1, 1, n_in)
        for n_out in range(1, 48):
            ours = F.interpolate(T(x), size=n_out, mode=mode).data.numpy()
            theirs = torch.nn.functional.interpolate(torch.tensor(x), size=n_out, mode=mode).numpy()
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{n_in} -> {n_out}")
        for sf in (0.3, 0.7, 1.7, 2.5, 1 / 3):
            if math.floor(n_in * sf) < 1:
                continue
            ours = F.interpolate(T(x), scale_factor=sf, mode=mode).data.numpy()
            theirs = torch.nn.functional.interpolate(torch.tensor(x), scale_factor=sf, mode=mode).numpy()
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{n_in} x {sf}")


def test_interpolate_recompute_scale_factor_with_size_is_rejected() -> None:
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful with an explicit size"):
        F.interpolate(T(np.zeros((1, 1, 4))), size=3, recompute_scale_factor=True)


# ------------------------------------------------------------------------------------- grid_sample / affine_grid
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_and_affine_grid_empty_batch(mode: str) -> None:
    x, g = V(np.zeros((0, 2, 3, 4))), V(np.zeros((0, 2, 5, 2)))
    out = F.grid_sample(x, g, mode=mode, align_corners=False)
    assert tuple(out.shape) == (0, 2, 2, 5)
    out.sum().backward()
    assert x.grad is not None and g.grad is not None and tuple(g.grad.shape) == (0, 2, 5, 2)
    theta = V(np.zeros((0, 2, 3)))
    grid_ = F.affine_grid(theta, [0, 1, 3, 4], align_corners=False)
    assert tuple(grid_.shape) == (0, 3, 4, 2)
    grid_.sum().backward()
    assert theta.grad is not None and tuple(theta.grad.shape) == (0, 2, 3)


# ------------------------------------------------------------------------------------- embedding / embedding_bag
def test_embedding_backward_with_no_lookups() -> None:
    w = V(RNG.standard_normal((4, 3)))
    out = F.embedding(T(np.zeros((2, 0), dtype=np.int64)), w)
    assert tuple(out.shape) == (2, 0, 3)
    out.sum().backward()
    assert w.grad is not None
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((4, 3)))


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
def test_embedding_max_norm_with_any_norm_type(norm_type: float) -> None:
    w = RNG.standard_normal((5, 4))
    idx = np.array([[0, 2, 2], [4, 0, 1]])
    weight = T(w.copy())
    out = F.embedding(T(idx), weight, max_norm=0.5, norm_type=norm_type).data.numpy()
    ref = w.copy()
    for i in np.unique(idx):
        norm = np.linalg.norm(w[i], ord=norm_type)
        if norm > 0.5:
            ref[i] = w[i] * (0.5 / (norm + 1e-7))
    np.testing.assert_allclose(weight.numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(out, ref[idx], rtol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_counts_only_the_input(mode: str) -> None:
    """Bags of unequal length: the padded grid repeats input[0] past each bag's end; those fillers must not count
    as occurrences."""
    w = V(RNG.standard_normal((6, 2)))
    idx = np.array([4, 1, 1, 2])
    offsets = np.array([0, 1, 1])  # bags [4], [], [1, 1, 2]
    g = RNG.standard_normal((3, 2))
    (F.embedding_bag(T(idx), w, T(offsets), mode=mode, scale_grad_by_freq=True) * T(g)).sum().backward()
    ref = np.zeros((6, 2))
    counts = np.bincount(idx, minlength=6)
    for b, (lo, hi) in enumerate([(0, 1), (1, 1), (1, 4)]):
        for i in idx[lo:hi]:
            ref[i] += g[b] / counts[i] / (max(hi - lo, 1) if mode == "mean" else 1)
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.numpy(), ref, rtol=1e-12)


def test_embedding_bag_argument_errors() -> None:
    w = T(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="max mode does not support scaling"):
        F.embedding_bag(T(np.array([[1, 2]])), w, mode="max", scale_grad_by_freq=True)
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(T(np.array([1, 2, 3])), w, T(np.array([1, 2])))
