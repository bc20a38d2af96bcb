"""nn.utils: gradient clipping, parameter vectors, sequence padding and packing."""

from __future__ import annotations

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck
from taeda.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters
from taeda.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

RNG = np.random.default_rng(5)


def _with_grads() -> list[nn.Parameter]:
    ps = [nn.Parameter(tt.zeros(3)), nn.Parameter(tt.zeros(2, 2)), nn.Parameter(tt.zeros(1))]
    grads = [np.array([3.0, 0.0, 4.0]), np.array([[1.0, -2.0], [0.0, 2.0]]), None]
    for p, g in zip(ps, grads):
        p.grad = None if g is None else Variable(tt.as_tensor(g.astype(np.float32)))
    return ps


def test_clip_grad_norm() -> None:
    ps = _with_grads()
    total = clip_grad_norm_(ps, 1.0)
    assert total.item() == pytest.approx(np.sqrt(25 + 9))
    new = np.concatenate([p.grad.data.numpy().ravel() for p in ps if p.grad is not None])
    assert np.linalg.norm(new) == pytest.approx(1.0, rel=1e-5)
    ps = _with_grads()
    assert clip_grad_norm_(ps, 100.0).item() == pytest.approx(np.sqrt(34))
    assert ps[0].grad is not None and ps[0].grad.data.numpy()[0] == 3.0
    ps = _with_grads()
    assert clip_grad_norm_(ps, 1.0, norm_type=float("inf")).item() == 4.0
    assert clip_grad_norm_(ps, 1.0, norm_type=1).item() == pytest.approx(
        3.0, rel=1e-5
    )  # after the inf-norm clip by 1/4
    assert clip_grad_norm_(ps, 1.0, norm_type=1).item() == pytest.approx(1.0, rel=1e-5)
    bad = _with_grads()
    assert bad[0].grad is not None
    bad[0].grad.data.fill_(float("nan"))
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)


def test_clip_grad_value() -> None:
    ps = _with_grads()
    clip_grad_value_(ps, 1.5)
    assert ps[0].grad is not None and ps[1].grad is not None
    np.testing.assert_array_equal(ps[0].grad.data.numpy(), [1.5, 0.0, 1.5])
    np.testing.assert_array_equal(ps[1].grad.data.numpy(), [[1.0, -1.5], [0.0, 1.5]])


def test_parameter_vector_round_trip() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = parameters_to_vector(model.parameters())
    assert tuple(vec.shape) == (11,)
    vector_to_parameters(vec * 0 + tt.arange(11, dtype=tt.float32), model.parameters())
    np.testing.assert_array_equal(model[0].weight.data.numpy().ravel(), np.arange(6))
    np.testing.assert_array_equal(model[1].bias.data.numpy(), [10.0])
    vec.sum().backward()
    assert model[0].weight.grad is not None


def test_pad_sequence_both_sides() -> None:
    seqs = [RNG.standard_normal((n, 2)) for n in (3, 1, 2)]
    out = pad_sequence([tt.as_tensor(s) for s in seqs], batch_first=True, padding_value=-1.0)
    ref = np.full((3, 3, 2), -1.0)
    for i, s in enumerate(seqs):
        ref[i, : len(s)] = s
    np.testing.assert_array_equal(out.data.numpy(), ref)
    left = pad_sequence([tt.as_tensor(s) for s in seqs], padding_side="left")
    ref_left = np.zeros((3, 3, 2))
    for i, s in enumerate(seqs):
        ref_left[3 - len(s) :, i] = s
    np.testing.assert_array_equal(left.data.numpy(), ref_left)
    vs = [Variable(tt.as_tensor(s), requires_grad=True) for s in seqs]
    assert gradcheck(lambda *a: pad_sequence(list(a)), tuple(vs))


def test_pack_and_unpack_round_trip() -> None:
    x = RNG.standard_normal((4, 3, 2))
    lengths = [2, 4, 1]
    packed = pack_padded_sequence(tt.as_tensor(x), lengths, enforce_sorted=False)
    assert isinstance(packed, PackedSequence)
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]
    assert packed.sorted_indices is not None and packed.sorted_indices.tolist() == [1, 0, 2]
    np.testing.assert_array_equal(packed.data.data.numpy()[:3], x[0, [1, 0, 2]])
    padded, lens = pad_packed_sequence(packed, total_length=5)
    assert lens.tolist() == lengths and tuple(padded.shape) == (5, 3, 2)
    for b, n in enumerate(lengths):
        np.testing.assert_array_equal(padded.data.numpy()[:n, b], x[:n, b])
        assert np.all(padded.data.numpy()[n:, b] == 0)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_padded_sequence(tt.as_tensor(x), lengths)
    xb = Variable(tt.as_tensor(x.transpose(1, 0, 2).copy()), requires_grad=True)

    def fn(a: Variable) -> Variable:
        packed = pack_padded_sequence(a, lengths, batch_first=True, enforce_sorted=False)
        return pad_packed_sequence(packed, batch_first=True)[0]

    assert gradcheck(fn, (xb,))
    seq = pack_sequence([tt.ones(3, 1), tt.ones(2, 1)])
    assert seq.batch_sizes.tolist() == [2, 2, 1]


def test_unpad_and_unpack() -> None:
    seqs = [RNG.standard_normal((n, 2)) for n in (2, 4, 1)]
    padded = pad_sequence([tt.as_tensor(s) for s in seqs])
    for got, ref in zip(unpad_sequence(padded, [2, 4, 1]), seqs):
        np.testing.assert_array_equal(got.data.numpy(), ref)
    packed = pack_sequence([tt.as_tensor(s) for s in seqs], enforce_sorted=False)
    for got, ref in zip(unpack_sequence(packed), seqs):
        np.testing.assert_array_equal(got.data.numpy(), ref)
