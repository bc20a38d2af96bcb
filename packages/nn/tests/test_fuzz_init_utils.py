"""Regressions found by differential fuzzing of ``taeda.nn.init`` and ``taeda.nn.utils`` against PyTorch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn import init
from taeda.nn.utils import (
    clip_grad_norm_,
    get_total_norm,
    parameters_to_vector,
    weight_norm,
)
from taeda.nn.utils.rnn import pack_padded_sequence, pad_sequence


def _params(grads: list[np.ndarray]) -> list[nn.Parameter]:
    ps = []
    for g in grads:
        p = nn.Parameter(tt.zeros(*g.shape, dtype=tt.as_tensor(g).dtype))
        p.grad = tt.as_tensor(g.copy())
        ps.append(p)
    return ps


def _g(p: nn.Parameter) -> np.ndarray:
    assert p.grad is not None
    return np.asarray(p.grad.numpy())


def _grads() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]


def test_clip_grad_norm_zero_and_negative_inf_norm_types() -> None:
    gs = _grads()
    gs[1][2] = 0.0
    # norm_type 0: per-tensor counts of non-zeros, then the count of non-zero counts (PyTorch's vector_norm(., 0)).
    total = clip_grad_norm_(_params(gs), 1.0, norm_type=0)
    assert float(total.item()) == 2.0
    # norm_type -inf: the smallest per-tensor minimum magnitude.
    ps = _params(gs)
    total = clip_grad_norm_(ps, 1.0, norm_type=-math.inf)
    assert float(total.item()) == 0.0
    assert np.array_equal(_g(ps[0]), gs[0])  # max_norm / (0 + 1e-6) is clamped to 1


def test_clip_grad_norm_nan_gradient_propagates() -> None:
    gs = _grads()
    gs[0][0, 1] = np.nan
    ps = _params(gs)
    total = clip_grad_norm_(ps, 1.0)
    assert math.isnan(float(total.item()))
    assert np.isnan(_g(ps[0])).all() and np.isnan(_g(ps[1])).all()
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(_params(gs), 1.0, error_if_nonfinite=True)


def test_get_total_norm_promotes_dtypes() -> None:
    a = tt.as_tensor(np.array([3.0], dtype=np.float32))
    b = tt.as_tensor(np.array([4.0], dtype=np.float64))
    total = get_total_norm([a, b])
    assert total.dtype == tt.float64 and float(total.item()) == 5.0
    assert float(get_total_norm(a).item()) == 3.0
    # A single Variable is one tensor, not an iterable of its rows.
    v = Variable(tt.as_tensor(np.array([[3.0, -4.0], [1.0, 0.0]], dtype=np.float32)))
    assert float(get_total_norm(v, 0).item()) == 1.0 and float(get_total_norm(v, 1).item()) == 8.0
    assert float(get_total_norm(Variable(tt.as_tensor(np.array(-2.0)))).item()) == 2.0


@pytest.mark.parametrize("norm_type", [0.0, 1.0, 2.0, 3.0, 0.5, -1.0, math.inf, -math.inf])
@pytest.mark.parametrize("nan", [False, True])
def test_clip_grad_norm_matches_torch(norm_type: float, nan: bool) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    gs = _grads()
    gs[1][2] = 0.0
    if nan:
        gs[0][1, 1] = np.nan
    ps = _params(gs)
    qs = []
    for g in gs:
        q = torch.nn.Parameter(torch.zeros(g.shape))
        q.grad = torch.tensor(g.copy())
        qs.append(q)
    got = clip_grad_norm_(ps, 0.5, norm_type)
    want = torch.nn.utils.clip_grad_norm_(qs, 0.5, norm_type)
    assert np.allclose(got.numpy(), want.numpy(), rtol=1e-5, equal_nan=True)
    assert got.dtype == tt.float32
    for p, q in zip(ps, qs, strict=True):
        assert np.allclose(_g(p), q.grad.numpy(), rtol=1e-5, atol=1e-7, equal_nan=True)


def test_error_types_match_torch() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        parameters_to_vector([])
    with pytest.raises(RuntimeError, match="padding_side"):
        pad_sequence([tt.ones(2)], padding_side="up")
    with pytest.raises(RuntimeError, match="batch_size"):
        pack_padded_sequence(tt.ones(3, 2), [3, 2, 1])
    with pytest.raises(ValueError, match=r"\['fan_in', 'fan_out'\]"):
        init.kaiming_uniform_(tt.empty(3, 4), mode="fan_avg")  # type: ignore[arg-type]


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64])
def test_trunc_normal_far_tail(dtype: np.dtype[np.floating]) -> None:
    tt.manual_seed(0)
    with pytest.warns(UserWarning, match="more than 2 std"):
        x = init.trunc_normal_(tt.empty(20000, dtype=dtype), 0.0, 1.0, 6.0, 7.0).numpy()
    assert x.dtype == dtype and np.isfinite(x).all() and x.min() >= 6.0 and x.max() <= 7.0
    # Exact moments of N(0, 1) truncated to [6, 7]: mean ~6.1577, std ~0.151 (was all 7.0 via the inverse CDF).
    assert abs(float(x.mean()) - 6.1577) < 0.01 and abs(float(x.std()) - 0.151) < 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = init.trunc_normal_(tt.empty(20000, dtype=dtype), 0.0, 1.0, 2.0, 3.0).numpy()
    assert abs(float(y.mean()) - 2.3157) < 0.01 and y.min() >= 2.0 and y.max() <= 3.0


def test_trunc_normal_rejection_branch_honours_generator() -> None:
    g1, g2 = tt.Generator().manual_seed(4), tt.Generator().manual_seed(4)
    tt.manual_seed(1)
    a = init.trunc_normal_(tt.empty(50), 0.0, 1.0, 1.0, 2.0, generator=g1).numpy()
    tt.manual_seed(2)
    b = init.trunc_normal_(tt.empty(50), 0.0, 1.0, 1.0, 2.0, generator=g2).numpy()
    assert np.array_equal(a, b) and a.min() >= 1.0 and a.max() <= 2.0


@pytest.mark.parametrize("bounds", [(-2.0, 2.0), (2.0, 3.0), (6.0, 7.0), (-9.0, -8.0), (-0.2, 0.2)])
def test_trunc_normal_matches_torch_statistics(bounds: tuple[float, float]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    a, b = bounds
    tt.manual_seed(0)
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = init.trunc_normal_(tt.empty(50000, dtype=tt.float64), 0.0, 1.0, a, b).numpy()
        y = torch.nn.init.trunc_normal_(torch.empty(50000, dtype=torch.float64), 0.0, 1.0, a, b).numpy()
    assert x.min() >= a and x.max() <= b
    assert abs(x.mean() - y.mean()) < 0.03 * y.std() + 1e-4
    assert abs(x.std() - y.std()) < 0.05 * y.std()


def test_kaiming_zero_element_warns() -> None:
    w = tt.empty(0, 3)
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_uniform_(w) is w
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_normal_(w) is w


def test_weight_norm_missing_name_is_attribute_error() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(AttributeError, match="foo"):
            weight_norm(nn.Linear(3, 4), "foo")


def test_packed_sequence_conversions_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    from taeda.nn.utils.rnn import pack_sequence

    seqs = [np.arange(6, dtype=np.float32).reshape(3, 2) * 1.7, np.ones((2, 2), dtype=np.float32) * 2.5]
    p = pack_sequence([tt.as_tensor(s) for s in seqs])
    q = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs])
    for name in ["cpu", "double", "float", "half", "long", "int", "short", "char", "byte"]:
        got, want = getattr(p, name)(), getattr(q, name)()
        assert type(got).__name__ == "PackedSequence"
        assert np.array_equal(got.data.numpy(), want.data.numpy()) and got.data.numpy().dtype == want.data.numpy().dtype
        assert np.array_equal(got.batch_sizes.numpy(), want.batch_sizes.numpy())
