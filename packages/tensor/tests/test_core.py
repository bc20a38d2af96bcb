"""Tensor construction, attributes, dtypes, devices, conversions, version counters and memory sharing."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.tensor import Tensor


def test_dtypes_are_numpy_dtypes() -> None:
    assert tt.float32 is np.dtype("float32")
    assert tt.float is tt.float32 and tt.double is tt.float64 and tt.half is tt.float16
    assert tt.long is tt.int64 and tt.int is tt.int32 and tt.short is tt.int16 and tt.bool is np.dtype(bool)
    for name in ("float16", "float64", "int8", "int16", "int32", "int64", "uint8"):
        assert getattr(tt, name) is np.dtype(name)


def test_default_dtype_inference() -> None:
    assert tt.tensor([1.5]).dtype == tt.float32
    assert tt.tensor([1, 2]).dtype == tt.int64
    assert tt.tensor([True]).dtype == tt.bool
    assert tt.tensor(2.5).shape == ()
    assert tt.tensor(np.zeros(2, np.float64)).dtype == tt.float64  # arrays keep their dtype
    assert tt.tensor([1, 2], dtype=tt.float16).dtype == tt.float16
    assert tt.zeros(2).dtype == tt.float32 and tt.arange(3).dtype == tt.int64 and tt.arange(0.5, 2).dtype == tt.float32
    assert tt.full((2,), 3).dtype == tt.int64 and tt.full((2,), 0.5).dtype == tt.float32
    assert (tt.tensor([1, 2]) / 2).dtype == tt.float32


def test_set_default_dtype() -> None:
    tt.set_default_dtype(tt.float64)
    try:
        assert tt.tensor([1.5]).dtype == tt.float64 and tt.get_default_dtype() == tt.float64
        assert (tt.tensor([1]) / 2).dtype == tt.float64
    finally:
        tt.set_default_dtype(tt.float32)
    assert tt.tensor([1.5]).dtype == tt.float32
    with pytest.raises(TypeError):
        tt.set_default_dtype(tt.int64)


def test_legacy_constructor() -> None:
    assert Tensor(2, 3).shape == (2, 3) and Tensor(2, 3).dtype == tt.float32
    t = Tensor([[1, 2], [3, 4]])
    assert t.dtype == tt.float32 and t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert Tensor().shape == (0,)
    assert Tensor(tt.Size([4])).shape == (4,)


def test_pandas_like_array_likes() -> None:
    class ArrayLike:
        def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray[Any, Any]:
            return np.arange(3, dtype=np.float64)

    assert tt.tensor(ArrayLike()).tolist() == [0.0, 1.0, 2.0]


def test_attributes() -> None:
    t = tt.zeros(2, 3, dtype=tt.float64)
    assert isinstance(t.shape, tt.Size) and t.shape == (2, 3) and t.size() == (2, 3) and t.size(-1) == 3
    assert repr(t.shape) == "taeda.Size([2, 3])"
    assert tt.zeros(2, 3).shape.numel() == 6
    assert t.ndim == 2 and t.dim() == 2 and t.numel() == 6 and t.element_size() == 8 and t.nbytes == 48
    assert t.device == tt.device("cpu") and t.device.type == "cpu" and t.device.xp is np
    assert t.is_contiguous() and not t.t().is_contiguous() and t.t().contiguous().is_contiguous()
    assert t.type() == "taeda.DoubleTensor" and t.float().type() == "taeda.FloatTensor"
    assert t.long().type() == "taeda.LongTensor" and t.type(tt.int32).dtype == tt.int32
    assert t.stride() == (3, 1) and t.t().stride() == (1, 3)
    assert t.is_floating_point() and not t.long().is_floating_point()
    assert isinstance(t.array, np.ndarray)


def test_conversions() -> None:
    t = tt.tensor([[1.0, 2.0]])
    assert t.double().dtype == tt.float64 and t.half().dtype == tt.float16 and t.int().dtype == tt.int32
    assert t.long().dtype == tt.int64 and t.bool().dtype == tt.bool
    assert t.to(tt.float64).dtype == tt.float64 and t.to("cpu") is t and t.to(tt.float32) is t
    assert t.to("cpu", tt.float64).dtype == tt.float64 and t.to(tt.zeros(1, dtype=tt.int64)).dtype == tt.int64
    assert t.to(dtype=tt.float16, copy=True).dtype == tt.float16 and t.to(copy=True).array is not t.array
    assert t.cpu() is t
    assert tt.tensor(3.5).item() == 3.5 and float(tt.tensor([2.0])) == 2.0 and int(tt.tensor(3)) == 3
    assert [1, 2, 3][tt.tensor(1)] == 2
    assert np.asarray(t).dtype == np.float32 and np.asarray(t, dtype=np.float64).dtype == np.float64
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tt.ones(2))
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        tt.ones(2).item()
    assert len(tt.zeros(4, 2)) == 4
    with pytest.raises(TypeError, match="0-d"):
        len(tt.tensor(1.0))
    assert [r.tolist() for r in tt.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    assert 2 in tt.tensor([1, 2]) and 5 not in tt.tensor([1, 2])
    assert f"{tt.tensor(2.5):.2f}" == "2.50"


def test_numpy_bridge_shares_memory() -> None:
    a = np.arange(4.0)
    t = tt.from_numpy(a)
    a[0] = 9
    assert t[0].item() == 9
    t[1] = 7
    assert a[1] == 7
    assert t.numpy() is a and tt.as_tensor(a).array is a
    assert tt.as_tensor(t) is t
    assert tt.as_tensor(a, dtype=tt.float32).dtype == tt.float32
    b = np.zeros(3, np.int16)
    assert tt.as_tensor(b).dtype == tt.int16 and tt.as_tensor(b).array is b
    with pytest.raises(TypeError, match=r"numpy\.object_"):
        tt.from_numpy(np.array([object(), 1]))
    with pytest.raises(TypeError):
        tt.from_numpy([1, 2])  # type: ignore[arg-type]
    assert tt.tensor(a).array is not a  # tensor() copies


def test_version_counter_shared_by_views() -> None:
    base = tt.zeros(2, 3)
    assert base._version == 0
    v = base.view(6)
    s = base[0]
    tr = base.t()
    base.add_(1)
    assert base._version == v._version == s._version == tr._version == 1
    v.mul_(2)
    s[0] = 5
    tr.zero_()
    assert base._version == 4
    fresh = base + 1
    assert fresh._version == 0
    c = base.clone()
    c.fill_(1)
    assert base._version == 4 and c._version == 1
    ops: list[Any] = [
        lambda t: t.sub_(1),
        lambda t: t.div_(2),
        lambda t: t.copy_(tt.ones(2, 3)),
        lambda t: t.clamp_(0, 1),
        lambda t: t.masked_fill_(t > 0, 0.0),
        lambda t: t.sqrt_(),
        lambda t: t.addcmul_(t, t, value=0.5),
        lambda t: t.addcdiv_(t, t + 1),
        lambda t: t.lerp_(tt.ones(2, 3), 0.5),
        lambda t: t.uniform_(),
        lambda t: t.normal_(),
        lambda t: t.exp_(),
        lambda t: t.abs_(),
    ]
    for op in ops:
        before = base._version
        op(base)
        assert base._version == before + 1
    out = tt.zeros(3)
    tt.add(tt.ones(3), tt.ones(3), out=out)
    assert out._version == 1 and out.tolist() == [2.0, 2.0, 2.0]
    reshaped = tt.zeros(2, 3).t().reshape(6)  # a copy: its own counter
    assert reshaped._version == 0


def test_views_share_memory() -> None:
    base = tt.arange(6.0).view(2, 3)
    for view in (
        base.view(-1),
        base.reshape(3, 2),
        base[:, 1],
        base.t(),
        base.transpose(0, 1),
        base.unsqueeze(0),
        base.permute(1, 0),
        base.narrow(1, 0, 2),
        base.select(0, 1),
        base.flatten(),
        base[..., None],
        base.squeeze(),
        base.movedim(0, 1),
        base.unbind(1)[0],
        base.split(1)[0],
        base.chunk(3, 1)[2],
        base.detach(),
        base.diagonal(),
        base.expand(4, 2, 3),
    ):
        assert np.shares_memory(view.array, base.array)
    assert not np.shares_memory(base.t().reshape(6).array, base.array)
    assert not np.shares_memory(base.flip(0).array, base.array)
    assert not np.shares_memory(base[[0, 1]].array, base.array)


def test_in_place_methods() -> None:
    t = tt.zeros(3)
    assert t.add_(tt.ones(3), alpha=2).tolist() == [2.0, 2.0, 2.0]
    assert t.sub_(1).mul_(3).div_(2).tolist() == [1.5, 1.5, 1.5]
    assert t.fill_(4).zero_().tolist() == [0.0, 0.0, 0.0]
    t += 1
    t -= 0.5
    t *= 4
    t /= 2
    assert t.tolist() == [1.0, 1.0, 1.0]
    i = tt.tensor([5, -5])
    i //= 2
    assert i.tolist() == [2, -3]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i += 1.5
    with pytest.raises(RuntimeError, match="result type Float"):
        i /= 2
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        tt.zeros(3).add_(tt.ones(2, 3))
    s = tt.tensor(1.0)
    s += 2
    assert s.item() == 3.0 and s.shape == ()
    m = tt.ones(2, 2)
    m.masked_fill_(tt.tensor([True, False]), 0.0)
    assert m.tolist() == [[0.0, 1.0], [0.0, 1.0]]
    x = tt.tensor([1.0, 4.0])
    assert x.clone().sqrt_().tolist() == [1.0, 2.0]
    assert x.clone().addcmul_(x, x).tolist() == [2.0, 20.0]
    assert x.clone().addcdiv_(x, x, value=2).tolist() == [3.0, 6.0]
    assert x.clone().lerp_(tt.tensor([3.0, 0.0]), 0.5).tolist() == [2.0, 2.0]
    assert x.clone().copy_(tt.tensor([7, 8])).tolist() == [7.0, 8.0]
    assert x.clone().clamp_(max=2.0).tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="can't be cast"):
        tt.tensor([1, 2]).sqrt_()


def test_new_factories_and_like() -> None:
    t = tt.zeros(2, dtype=tt.float64)
    assert t.new_zeros(3).dtype == tt.float64 and t.new_ones(2, 2).shape == (2, 2)
    assert t.new_full((2,), 3.0).tolist() == [3.0, 3.0] and t.new_tensor([1, 2]).dtype == tt.float64
    assert t.new_empty(4).shape == (4,)
    assert tt.zeros_like(t).dtype == tt.float64 and tt.ones_like(t, dtype=tt.int64).tolist() == [1, 1]
    assert tt.full_like(t, 7).tolist() == [7.0, 7.0] and tt.empty_like(t).shape == (2,)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: tt.zeros(2, 3), np.zeros((2, 3), np.float32)),
        (lambda: tt.ones((2,)), np.ones(2, np.float32)),
        (lambda: tt.zeros([]), np.zeros((), np.float32)),
        (lambda: tt.empty(0, 3), np.empty((0, 3), np.float32)),
        (lambda: tt.full((2, 2), 1.5, dtype=tt.float64), np.full((2, 2), 1.5)),
        (lambda: tt.eye(2, 3), np.eye(2, 3, dtype=np.float32)),
        (lambda: tt.arange(5), np.arange(5)),
        (lambda: tt.arange(1, 2, 0.25), np.arange(1, 2, 0.25, dtype=np.float32)),
        (lambda: tt.arange(5, 0, -2), np.arange(5, 0, -2)),
        (lambda: tt.linspace(0, 1, 5), np.linspace(0, 1, 5, dtype=np.float32)),
        (lambda: tt.logspace(0, 2, 3, base=2), np.logspace(0, 2, 3, base=2).astype(np.float32)),
        (lambda: tt.scalar_tensor(3), np.array(3.0, np.float32)),
    ],
)
def test_creation(make: Any, expected: np.ndarray[Any, Any]) -> None:
    t = make()
    assert t.dtype == expected.dtype and t.shape == expected.shape
    if t.numel() and "empty" not in repr(make):
        np.testing.assert_allclose(t.numpy(), expected)


def test_creation_errors() -> None:
    with pytest.raises(RuntimeError, match="negative dimension"):
        tt.zeros(2, -1)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        tt.arange(0, 1, 0)
    with pytest.raises(ValueError):
        tt.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        tt.tensor(["a"])


def test_devices() -> None:
    cpu = tt.Device("cpu")
    assert cpu is tt.device("cpu") and str(cpu) == "cpu" and repr(cpu) == "device(type='cpu')"
    g = tt.device("cuda:1")
    assert g.type == "cuda" and g.index == 1 and str(g) == "cuda:1" and g == "cuda:1" and g != cpu
    assert tt.Device("cuda", 0) is tt.Device("cuda:0") and tt.Device(cpu) is cpu
    assert pickle.loads(pickle.dumps(g)) is g
    assert cpu.send([1, 2]).tolist() == [1, 2]
    with pytest.raises(RuntimeError):
        tt.device("tpu")
    assert tt.get_array_module(tt.zeros(1), np.zeros(1)) is np
    assert isinstance(tt.cuda.is_available(), bool) and tt.cuda.device_count() >= 0


@pytest.mark.skipif(tt.cuda.is_available(), reason="checks the error raised on machines without a GPU")
def test_cuda_without_gpu_raises_clearly() -> None:
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        tt.zeros(2).cuda()
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        tt.zeros(2, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not tt.cuda.is_available(), reason="needs CuPy and a CUDA GPU")
def test_gpu_round_trip_and_device_mismatch() -> None:
    x = tt.arange(6.0).view(2, 3)
    g = x.cuda()
    assert g.device == tt.device("cuda:0") and g.is_cuda
    np.testing.assert_allclose((g * 2 + 1).sum(1).cpu().numpy(), (x * 2 + 1).sum(1).numpy())
    np.testing.assert_allclose(tt.exp(g).cpu().numpy(), tt.exp(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose((g @ g.t()).cpu().numpy(), (x @ x.t()).numpy(), rtol=1e-6)
    with pytest.raises(tt.DeviceMismatchError, match="cpu"):
        g + x
    with pytest.raises(TypeError, match="cpu"):
        g.numpy()


def test_device_mismatch_error_is_type_error() -> None:
    assert issubclass(tt.DeviceMismatchError, TypeError)


def test_copy_and_pickle() -> None:
    t = tt.tensor([1.0, 2.0])
    d = copy.deepcopy(t)
    assert d.tolist() == [1.0, 2.0] and not np.shares_memory(d.array, t.array)
    r = pickle.loads(pickle.dumps(t))
    assert r.tolist() == [1.0, 2.0] and r.dtype == t.dtype


def test_data_property() -> None:
    t = tt.zeros(2)
    t.data.add_(1)
    assert t.tolist() == [1.0, 1.0]
    t.data = tt.ones(3)
    assert t.shape == (3,)


def test_device_mismatch_names_both_devices() -> None:
    from taeda.tensor._checks import check_same_device

    class FakeGpuArray:  # stands in for a cupy.ndarray on device 1
        shape = (2,)

        class device:
            id = 1

    with pytest.raises(tt.DeviceMismatchError, match="cpu and cuda:1"):
        check_same_device(np.zeros(2), FakeGpuArray())
    check_same_device(np.zeros(2), np.ones(3), 2.0)  # same device: no error


def test_size_and_stride_of_views() -> None:
    t = tt.zeros(4, 6)[::2, 1::3]
    assert t.shape == (2, 2) and t.stride() == (12, 3) and t.stride(1) == 3 and not t.is_contiguous()
    assert t.contiguous().stride() == (2, 1)
    base = tt.zeros(4, 6)
    assert base[1].data_ptr() == base.data_ptr() + 6 * 4


def test_in_place_on_expanded_view_raises() -> None:
    e = tt.zeros(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="clone"):
        e.add_(1.0)
    with pytest.raises(RuntimeError, match="clone"):
        e += tt.ones(2, 3, dtype=tt.float64)


def test_python_types_as_dtypes_mean_what_they_mean_in_pytorch() -> None:
    # torch.zeros(2, dtype=float).dtype is torch.float64: Python's float is double precision, not the default dtype.
    assert tt.zeros(2, dtype=float).dtype == tt.float64
    assert tt.zeros(2, dtype=int).dtype == tt.int64
    assert tt.zeros(2, dtype=bool).dtype == tt.bool
    assert tt.zeros(2, dtype=complex).dtype == tt.complex128
    assert tt.zeros(2).dtype == tt.float32
