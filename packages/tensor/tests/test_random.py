"""Random sampling: seeding and generator state, PyTorch's signatures and defaults, distribution sanity checks.

Every statistical check uses a fixed seed, so it either always passes or always fails; the tolerances are several
standard errors wide.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import taeda.tensor as tt


@pytest.fixture(autouse=True)
def _seeded() -> Iterator[None]:
    tt.manual_seed(1234)
    yield
    tt.set_default_dtype(tt.float32)


def test_manual_seed_makes_draws_repeat() -> None:
    tt.manual_seed(0)
    a = tt.randn(5).numpy().copy()
    b = tt.randn(5).numpy().copy()
    tt.manual_seed(0)
    assert np.array_equal(tt.randn(5).numpy(), a)
    assert np.array_equal(tt.randn(5).numpy(), b)
    assert not np.array_equal(a, b)
    assert tt.initial_seed() == 0
    assert tt.manual_seed(5) is tt.default_generator


def test_generators_are_independent_streams() -> None:
    g1 = tt.Generator().manual_seed(7)
    g2 = tt.Generator().manual_seed(7)
    x = tt.rand(4, generator=g1)
    tt.rand(100)  # the default generator does not disturb g2
    assert np.array_equal(tt.rand(4, generator=g2).numpy(), x.numpy())
    assert g1.device == tt.device("cpu")
    assert tt.Generator().initial_seed() == 67280421310721


def test_state_round_trip() -> None:
    g = tt.Generator().manual_seed(3)
    tt.rand(3, generator=g)
    state = g.get_state()
    assert state.dtype == tt.uint8 and state.dim() == 1
    a = tt.randn(10, generator=g).numpy().copy()
    g.set_state(state)
    assert np.array_equal(tt.randn(10, generator=g).numpy(), a)
    s = tt.get_rng_state()
    b = tt.rand(4).numpy().copy()
    tt.set_rng_state(s)
    assert np.array_equal(tt.rand(4).numpy(), b)
    other = tt.Generator().set_state(state)
    assert other.initial_seed() == 3
    with pytest.raises(RuntimeError, match="uint8"):
        g.set_state(tt.zeros(3))


def test_seed_and_seed_range() -> None:
    s = tt.seed()
    assert tt.initial_seed() == s
    tt.manual_seed(-1)
    assert tt.initial_seed() == 2**64 - 1
    with pytest.raises(RuntimeError, match="Overflow"):
        tt.manual_seed(2**64)


@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([2, 3],), (tt.Size([2, 3]),)])
def test_size_forms(size: tuple[object, ...]) -> None:
    assert tt.rand(*size).shape == (2, 3)
    assert tt.randn(*size).shape == (2, 3)


def test_defaults_and_dtypes() -> None:
    assert tt.rand(2).dtype == tt.float32
    assert tt.randn(()).shape == ()
    assert tt.rand().shape == ()
    assert tt.randint(5, (3,)).dtype == tt.int64
    assert tt.randperm(4).dtype == tt.int64
    assert tt.rand(2, dtype=tt.float16).dtype == tt.float16
    assert tt.randn(2, dtype=tt.float64).dtype == tt.float64
    z = tt.randn(2000, dtype=tt.complex64)
    assert z.dtype == tt.complex64
    assert abs(float(np.mean(np.abs(z.numpy()) ** 2)) - 1.0) < 0.1
    tt.set_default_dtype(tt.float64)
    assert tt.rand(2).dtype == tt.float64
    assert tt.rand(2, device="cpu").device == tt.device("cpu")
    with pytest.raises(RuntimeError, match="negative dimension"):
        tt.rand(-1, 2)
    with pytest.raises(RuntimeError, match="floating point"):
        tt.rand(2, dtype=tt.int64)


def test_rand_randn_moments() -> None:
    u = tt.rand(200_000, dtype=tt.float64).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    z = tt.randn(200_000, dtype=tt.float64).numpy()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01
    assert abs(float(np.mean(z**3))) < 0.03  # symmetric


def test_randint_forms_and_uniformity() -> None:
    x = tt.randint(3, 10, (2, 2))
    assert x.shape == (2, 2)
    ints = tt.randint(10, size=(60_000,)).numpy()
    counts = np.bincount(ints, minlength=10)
    assert ints.min() >= 0 and ints.max() <= 9
    chi2 = float(((counts - 6000.0) ** 2 / 6000.0).sum())
    assert chi2 < 30.0  # 9 degrees of freedom: p < 0.001
    y = tt.randint(low=-5, high=-2, size=(1000,)).numpy()
    assert set(np.unique(y).tolist()) == {-5, -4, -3}
    assert tt.randint(0, 2, (4,), dtype=tt.bool).dtype == tt.bool
    assert tt.randint(0, 256, (4,), dtype=tt.uint8).dtype == tt.uint8
    assert tt.randint(0, 5, (3,), dtype=tt.float32).dtype == tt.float32
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        tt.randint(5, 5, (2,))
    with pytest.raises(RuntimeError, match="range"):
        tt.randint(0, 300, (2,), dtype=tt.uint8)
    with pytest.raises(TypeError, match="size"):
        tt.randint(5)


def test_randperm() -> None:
    p = tt.randperm(1000).numpy()
    assert np.array_equal(np.sort(p), np.arange(1000))
    assert not np.array_equal(p, np.arange(1000))
    assert tt.randperm(0).shape == (0,)
    assert tt.randperm(5, dtype=tt.int32).dtype == tt.int32


def test_normal_overloads() -> None:
    x = tt.normal(2.0, 3.0, size=(100_000,)).numpy()
    assert abs(x.mean() - 2.0) < 0.05 and abs(x.std() - 3.0) < 0.05
    mean = tt.tensor([0.0, 100.0])
    y = tt.normal(mean, 1.0)
    assert y.shape == (2,) and y.dtype == tt.float32
    assert abs(float(y[1]) - 100.0) < 6
    std = tt.tensor([[0.0], [0.0]])
    z = tt.normal(mean, std)
    assert z.shape == (2, 2) and np.array_equal(z.numpy(), np.array([[0.0, 100.0], [0.0, 100.0]], np.float32))
    w = tt.normal(5.0, tt.zeros(3, dtype=tt.float64))
    assert w.dtype == tt.float64 and w.tolist() == [5.0, 5.0, 5.0]
    with pytest.raises(TypeError, match="size"):
        tt.normal(0.0, 1.0)
    with pytest.raises(RuntimeError, match=r"std >= 0\.0"):
        tt.normal(tt.zeros(2), tt.tensor([1.0, -1.0]))


def test_bernoulli() -> None:
    p = tt.full((50_000,), 0.3)
    x = tt.bernoulli(p)
    assert x.dtype == tt.float32 and set(np.unique(x.numpy()).tolist()) <= {0.0, 1.0}
    assert abs(float(x.numpy().mean()) - 0.3) < 0.01
    assert tt.bernoulli(tt.tensor([0.0, 1.0])).tolist() == [0.0, 1.0]
    y = tt.bernoulli(tt.zeros(20_000), 0.75)
    assert abs(float(y.numpy().mean()) - 0.75) < 0.015
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        tt.bernoulli(tt.tensor([1.5]))


def test_multinomial_with_replacement() -> None:
    w = tt.tensor([[0.0, 1.0, 3.0, 0.0], [1.0, 0.0, 0.0, 1.0]])
    s = tt.multinomial(w, 40_000, replacement=True)
    assert s.shape == (2, 40_000) and s.dtype == tt.int64
    c0 = np.bincount(s.numpy()[0], minlength=4) / 40_000
    c1 = np.bincount(s.numpy()[1], minlength=4) / 40_000
    assert c0[0] == 0 and c0[3] == 0 and abs(c0[2] - 0.75) < 0.01
    assert c1[1] == 0 and c1[2] == 0 and abs(c1[0] - 0.5) < 0.01
    assert tt.multinomial(tt.tensor([0.0, 2.0]), 3, True).tolist() == [1, 1, 1]


def test_multinomial_without_replacement() -> None:
    w = tt.tensor([1.0, 2.0, 0.0, 4.0, 1.0])
    rows = np.stack([tt.multinomial(w, 4).numpy() for _ in range(2000)])
    assert all(len(set(r)) == 4 and 2 not in r for r in rows.tolist())
    first = np.bincount(rows[:, 0], minlength=5) / 2000
    assert abs(first[3] - 0.5) < 0.04 and abs(first[1] - 0.25) < 0.04
    batch = tt.multinomial(tt.ones(3, 6), 6)
    assert all(sorted(r) == list(range(6)) for r in batch.tolist())


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((tt.ones(2, 2, 2), 1), "1 or 2 dim"),
        ((tt.ones(3), 0), "n_sample <= 0"),
        ((tt.ones(3), 4), "without replacement"),
        ((tt.tensor([1.0, -1.0]), 1), "element < 0"),
        ((tt.zeros(3), 1), "sum of probabilities"),
        ((tt.tensor([1.0, 0.0, 0.0]), 2), "not enough"),
        ((tt.ones(3, dtype=tt.int64), 1), "floating-point"),
    ],
)
def test_multinomial_errors(args: tuple[tt.Tensor, int], match: str) -> None:
    with pytest.raises(RuntimeError, match=match):
        tt.multinomial(*args)


def test_like_functions() -> None:
    base = tt.zeros(2, 3, dtype=tt.float64)
    assert tt.rand_like(base).dtype == tt.float64 and tt.rand_like(base).shape == (2, 3)
    assert tt.randn_like(base, dtype=tt.float32).dtype == tt.float32
    r = tt.randint_like(tt.zeros(500, dtype=tt.int32), 4)
    assert r.dtype == tt.int32 and set(np.unique(r.numpy()).tolist()) == {0, 1, 2, 3}
    r2 = tt.randint_like(base, 10, 12)
    assert set(np.unique(r2.numpy()).tolist()) <= {10.0, 11.0}
    g = tt.Generator().manual_seed(1)
    a = tt.rand_like(base, generator=g).numpy().copy()
    assert np.array_equal(tt.rand_like(base, generator=g.manual_seed(1)).numpy(), a)


def test_in_place_fills_write_storage_and_bump_version() -> None:
    base = tt.zeros(4, 6)
    view = base[:, ::2]
    v0 = base._version
    assert view.uniform_(-2.0, -1.0) is view
    assert base._version > v0
    arr = base.numpy()
    assert np.all((arr[:, ::2] >= -2.0) & (arr[:, ::2] < -1.0)) and np.all(arr[:, 1::2] == 0)
    x = tt.empty(100_000, dtype=tt.float64)
    v1 = x._version
    x.normal_(3.0, 0.5)
    assert x._version == v1 + 1
    assert abs(float(x.numpy().mean()) - 3.0) < 0.01 and abs(float(x.numpy().std()) - 0.5) < 0.01
    h = tt.empty(10, dtype=tt.float16).uniform_()
    assert h.dtype == tt.float16 and float(h.numpy().min()) >= 0.0
    b = tt.empty(20_000, dtype=tt.int64).bernoulli_(0.25)
    assert set(np.unique(b.numpy()).tolist()) == {0, 1} and abs(float(b.numpy().mean()) - 0.25) < 0.015
    m = tt.empty(2, 3).bernoulli_(tt.tensor([0.0, 1.0, 0.0]))
    assert m.tolist() == [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
    with pytest.raises(RuntimeError, match="floating point"):
        tt.zeros(2, dtype=tt.int64).uniform_()
    with pytest.raises(RuntimeError, match=r"from=1\.0 > to=0\.0"):
        tt.zeros(2).uniform_(1.0, 0.0)
    with pytest.raises(RuntimeError, match="broadcast"):
        tt.empty(2).bernoulli_(tt.ones(3))
    g = tt.Generator().manual_seed(9)
    a = tt.empty(3).uniform_(generator=g).numpy().copy()
    assert np.array_equal(tt.empty(3).uniform_(generator=g.manual_seed(9)).numpy(), a)


@pytest.mark.torch
def test_signatures_accept_torch_calls() -> None:
    torch = pytest.importorskip("torch")
    g_t, g_tt = torch.Generator().manual_seed(0), tt.Generator().manual_seed(0)
    calls: list[tuple[str, tuple[object, ...], dict[str, object]]] = [
        ("rand", (2, 3), {}),
        ("rand", ((2, 3),), {"dtype": "float64"}),
        ("randn", ([4],), {"generator": "g"}),
        ("randint", (10, (3,)), {}),
        ("randint", (3, 10, (2, 2)), {"generator": "g"}),
        ("randint", (), {"low": 2, "high": 5, "size": (3,)}),
        ("randperm", (6,), {"generator": "g"}),
        ("normal", (2.0, 3.0), {"size": (2, 3), "generator": "g"}),
    ]
    for name, args, kwargs in calls:
        kt = {k: (g_t if v == "g" else getattr(torch, str(v)) if k == "dtype" else v) for k, v in kwargs.items()}
        kx = {k: (g_tt if v == "g" else getattr(tt, str(v)) if k == "dtype" else v) for k, v in kwargs.items()}
        a, b = getattr(torch, name)(*args, **kt), getattr(tt, name)(*args, **kx)
        assert tuple(a.shape) == tuple(b.shape), name
        assert str(a.dtype).replace("torch.", "") == str(b.dtype), name


@pytest.mark.gpu
@pytest.mark.skipif(not tt.cuda.is_available(), reason="needs CuPy and a CUDA GPU")
def test_cuda_sampling() -> None:
    tt.manual_seed(0)
    a = tt.rand(1000, device="cuda")
    assert a.device.type == "cuda" and a.dtype == tt.float32
    tt.manual_seed(0)
    assert bool((tt.rand(1000, device="cuda") == a).all())
    g = tt.Generator("cuda").manual_seed(1)
    x = tt.randn(3, generator=g, device="cuda")
    assert x.device.type == "cuda"
    with pytest.raises(RuntimeError, match="device type for generator"):
        tt.rand(2, generator=tt.Generator(), device="cuda")
    s = tt.multinomial(tt.ones(2, 5, device="cuda"), 3)
    assert s.device.type == "cuda" and s.shape == (2, 3)
    y = tt.zeros(4, device="cuda").uniform_(-1, 1)
    assert bool(((y >= -1) & (y < 1)).all())
