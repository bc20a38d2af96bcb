"""quantile/nanquantile/nanmedian, xlogy, float_power, gcd/lcm, sgn, positive, sinc, logit, i0, angle, isreal,
the conj helpers, cartesian_prod, hsplit/vsplit/dsplit against NumPy/SciPy references; then all of them and
linalg's matrix_power, multi_dot, vecdot, cross, matrix_exp, cond, eigvals, lstsq, lu_factor, lu_solve against
PyTorch (the linalg NumPy/SciPy reference tests are in test_more_linalg.py)."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.linalg
import scipy.special

import taeda.tensor as tt

FLOATS = (np.float32, np.float64)


def _shapes(rng: np.random.Generator) -> list[np.ndarray[Any, Any]]:
    """0-d, empty, 1-D, 2-D and a non-contiguous float64 array."""
    return [
        rng.standard_normal(()),
        np.zeros((0, 3)),
        rng.standard_normal(7),
        rng.standard_normal((3, 4)),
        rng.standard_normal((6, 9))[::2, ::3].T,
    ]


def _t(a: np.ndarray[Any, Any]) -> tt.Tensor:
    """A tensor viewing ``a`` (keeping its strides, so non-contiguous inputs stay non-contiguous)."""
    return tt.from_numpy(a) if isinstance(a, np.ndarray) and a.ndim else tt.tensor(a)


def _rtol(dt: Any) -> float:
    return 1e-5 if np.dtype(dt) == np.float32 else 1e-12


# ----------------------------------------------------------------------------------------------- quantiles
_np_quantile: Any = np.quantile  # NumPy's overloads do not cover every argument mix used here
NP_METHOD = {"linear": "linear", "lower": "lower", "higher": "higher", "nearest": "nearest", "midpoint": "midpoint"}


@pytest.mark.parametrize("interpolation", list(NP_METHOD))
@pytest.mark.parametrize("dt", FLOATS)
def test_quantile_matches_numpy(interpolation: str, dt: Any) -> None:
    rng = np.random.default_rng(1)
    qs: list[Any] = [0.0, 0.3, 0.5, 1.0, np.array([0.1, 0.5, 0.9]), np.array(0.25)]
    for a in _shapes(rng):
        a = a.astype(dt)
        if a.size == 0:
            continue
        x = _t(a)
        for q in qs:
            qarg = tt.tensor(q.astype(dt)) if isinstance(q, np.ndarray) else q
            dims: list[int | None] = [None, *range(a.ndim)] if a.ndim else [None, 0]
            for dim, keepdim in itertools.product(dims, (False, True)):
                r = tt.quantile(x, qarg, dim, keepdim, interpolation=interpolation)
                axis = dim if a.ndim else None
                ref = _np_quantile(a, q, axis=axis, keepdims=keepdim and a.ndim > 0, method=NP_METHOD[interpolation])
                assert r.dtype == np.dtype(dt)
                assert tuple(r.shape) == np.shape(ref), (a.shape, q, dim, keepdim)
                np.testing.assert_allclose(r.numpy(), ref, rtol=_rtol(dt), atol=1e-6)
                m = x.quantile(qarg, dim, keepdim, interpolation=interpolation)
                np.testing.assert_array_equal(m.numpy(), r.numpy())


def test_quantile_nan_and_nanquantile() -> None:
    rng = np.random.default_rng(2)
    a = rng.standard_normal((5, 6))
    a[1, 2] = a[3, :4] = np.nan
    a[4, :] = np.nan
    x = tt.tensor(a)
    for dim in (None, 0, 1):
        for q in (0.2, np.array([0.0, 0.5, 1.0])):
            qarg = tt.tensor(q) if isinstance(q, np.ndarray) else q
            np.testing.assert_allclose(tt.quantile(x, qarg, dim).numpy(), np.quantile(a, q, axis=dim), rtol=1e-12)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns about the all-NaN row
                ref = np.nanquantile(a, q, axis=dim)
            np.testing.assert_allclose(tt.nanquantile(x, qarg, dim).numpy(), ref, rtol=1e-12)
    assert tt.nanquantile(x, 0.5, dim=1)[4].isnan().item()  # an all-NaN row gives NaN


def test_quantile_non_contiguous_and_noncontiguous_q() -> None:
    a = np.arange(40.0).reshape(5, 8)[:, ::2]
    q = np.array([0.1, 0.2, 0.3, 0.9])[::2]
    r = tt.quantile(tt.from_numpy(a), tt.from_numpy(q), dim=1)
    np.testing.assert_allclose(r.numpy(), np.quantile(a, q, axis=1))


@pytest.mark.parametrize(
    ("call", "exc", "msg"),
    [
        (lambda: tt.quantile(tt.tensor([1, 2]), 0.5), RuntimeError, "must be either float or double dtype"),
        (lambda: tt.quantile(tt.tensor([1.0], dtype=tt.float16), 0.5), RuntimeError, "float or double"),
        (lambda: tt.quantile(tt.tensor([]), 0.5), RuntimeError, "input tensor must be non-empty"),
        (lambda: tt.quantile(tt.tensor([1.0]), 1.5), RuntimeError, r"q must be in the range \[0, 1\] but got 1.5"),
        (lambda: tt.quantile(tt.tensor([1.0]), float("nan")), RuntimeError, "but got nan"),
        (lambda: tt.quantile(tt.tensor([1.0]), tt.tensor([0.5, -0.1])), RuntimeError, "q values must be in"),
        (lambda: tt.quantile(tt.tensor([1.0]), tt.tensor([[0.5]])), RuntimeError, "scalar or 1D tensor"),
        (lambda: tt.quantile(tt.tensor([1.0]), tt.tensor([0.5], dtype=tt.float64)), RuntimeError, "same dtype"),
        (lambda: tt.quantile(tt.tensor([1.0]), 0.5, interpolation="foo"), RuntimeError, "but got foo"),
        (lambda: tt.quantile(tt.tensor([1.0]), 0.5, dim=1), IndexError, "Dimension out of range"),
        (lambda: tt.quantile(tt.tensor([1.0]), [0.5]), TypeError, "q"),
        (lambda: tt.nanmedian(tt.zeros(0, 3), 0), IndexError, "median"),
    ],
)
def test_quantile_errors(call: Any, exc: type[Exception], msg: str) -> None:
    with pytest.raises(exc, match=msg):
        call()


def _lower_nanmedian(row: np.ndarray[Any, Any]) -> float:
    v = np.sort(row[~np.isnan(row)])
    return float(v[(v.size - 1) // 2]) if v.size else math.nan


@pytest.mark.parametrize("dt", FLOATS)
def test_nanmedian_matches_reference(dt: Any) -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, (6, 7)).astype(dt)  # ties
    a[rng.random(a.shape) < 0.3] = np.nan
    a[0] = np.nan
    x = tt.tensor(a)
    whole = tt.nanmedian(x)
    assert whole.shape == () and whole.item() == _lower_nanmedian(a.ravel())
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            values, indices = tt.nanmedian(x, dim, keepdim)
            ref = np.apply_along_axis(_lower_nanmedian, dim, a)
            if keepdim:
                ref = np.expand_dims(ref, dim)
            np.testing.assert_array_equal(values.numpy(), ref.astype(dt))
            assert indices.dtype == tt.int64 and indices.shape == values.shape
            picked = np.take_along_axis(a, indices.numpy() if keepdim else np.expand_dims(indices.numpy(), dim), dim)
            np.testing.assert_array_equal(picked.squeeze(dim) if not keepdim else picked, values.numpy())
    # no NaN: nanmedian is median; all NaN: NaN at index 0; integers: median; 0-d; empty dims
    b = rng.standard_normal((4, 5)).astype(dt)
    np.testing.assert_array_equal(tt.nanmedian(tt.tensor(b), 1).values.numpy(), tt.median(tt.tensor(b), 1)[0].numpy())
    assert tt.nanmedian(tt.tensor([math.nan, math.nan]), 0).indices.item() == 0
    assert tt.nanmedian(tt.tensor([3, 1, 2, 2])).item() == 2
    assert tt.nanmedian(tt.tensor(2.5), 0).values.item() == 2.5
    assert math.isnan(tt.nanmedian(tt.tensor([])).item())
    assert tt.nanmedian(tt.zeros(0, 3), 1).values.shape == (0,)
    assert x.nanmedian(1).values.shape == (6,)


# ----------------------------------------------------------------------------------------------- elementwise
def _xlogy_ref(x: Any, y: Any) -> Any:
    with np.errstate(all="ignore"):
        return np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y)))


@pytest.mark.parametrize("dt", FLOATS)
def test_xlogy_matches_reference(dt: Any) -> None:
    rng = np.random.default_rng(4)
    for a in _shapes(rng):
        a = a.astype(dt)
        b = np.abs(a[..., ::-1] if a.ndim else a) + 0.5
        r = tt.xlogy(_t(a), _t(np.array(b)))
        assert r.dtype == np.dtype(dt) and r.shape == a.shape
        np.testing.assert_allclose(r.numpy(), _xlogy_ref(a, b), rtol=_rtol(dt))
    x = tt.tensor([0.0, 0.0, 1.0, 2.0])
    y = tt.tensor([math.nan, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(tt.xlogy(x, y).numpy(), np.array([math.nan, 0, -math.inf, 2 * math.log(3)], "f4"))
    assert tt.xlogy(tt.tensor([1, 2]), tt.tensor([3, 4])).dtype == tt.float32  # integers: default float
    assert tt.xlogy(2, tt.tensor([3.0])).shape == (1,) and tt.xlogy(tt.tensor([[1.0], [2.0]]), 3.0).shape == (2, 1)
    assert tt.xlogy(tt.ones(2, 1), tt.ones(3)).shape == (2, 3)  # broadcast
    assert tt.xlogy(tt.tensor([1.0]), tt.tensor([2.0], dtype=tt.float64)).dtype == tt.float64
    with pytest.raises(TypeError):
        tt.xlogy(2.0, 3.0)
    with pytest.raises(RuntimeError, match="must match"):
        tt.xlogy(tt.ones(2), tt.ones(3))


def test_float_power_matches_numpy() -> None:
    rng = np.random.default_rng(5)
    for a in _shapes(rng):
        for dt in (np.float32, np.int64):
            base = (np.abs(a) * 3).astype(dt)
            r = tt.float_power(_t(base), 1.5)
            assert r.dtype == tt.float64
            np.testing.assert_allclose(r.numpy(), np.float_power(base, 1.5), rtol=1e-14)
    assert tt.float_power(2, tt.tensor([3])).tolist() == [8.0]
    assert tt.float_power(tt.tensor([1 + 1j]), 2).dtype == tt.complex128
    assert tt.float_power(tt.tensor([2]), tt.tensor([1j])).dtype == tt.complex128
    assert math.isnan(tt.float_power(tt.tensor([-8.0]), 1 / 3).item())
    assert tt.float_power(tt.tensor([2]), -1).item() == 0.5  # no integer-power error: computed in float64
    y = tt.tensor([1.0, 2.0], dtype=tt.float64)
    assert y.float_power_(2) is y and y.tolist() == [1.0, 4.0]
    with pytest.raises(RuntimeError, match="float_power_ has dtype Float"):
        tt.tensor([1.0]).float_power_(2)


@pytest.mark.parametrize("dt", (np.int8, np.int32, np.int64, np.uint8))
def test_gcd_lcm_match_numpy(dt: Any) -> None:
    rng = np.random.default_rng(6)
    lo = 0 if dt == np.uint8 else -20
    a = rng.integers(lo, 20, (4, 5)).astype(dt)
    b = rng.integers(lo, 20, (5,)).astype(dt)  # broadcast
    for x, y in ((a, b), (a.T[:4:2], a.T[1::2]), (np.array(12, dt), np.array(18, dt)), (a[:0], b)):
        np.testing.assert_array_equal(tt.gcd(_t(x), _t(y)).numpy(), np.gcd(x, y))
        np.testing.assert_array_equal(tt.lcm(_t(x), _t(y)).numpy(), np.lcm(x, y))
    assert tt.gcd(tt.tensor([4], dtype=tt.int32), tt.tensor([6], dtype=tt.uint8)).dtype == tt.int32
    t = tt.tensor([4, 9])
    assert t.gcd(tt.tensor([6, 6])).tolist() == [2, 3] and t.lcm(tt.tensor([6, 6])).tolist() == [12, 18]
    assert t.gcd_(tt.tensor([6, 6])) is t and t.tolist() == [2, 3]
    with pytest.raises(NotImplementedError, match="\"gcd_cpu\" not implemented for 'Float'"):
        tt.gcd(tt.tensor([4.0]), tt.tensor([6.0]))
    with pytest.raises(NotImplementedError, match="'Bool'"):
        tt.lcm(tt.tensor([True]), tt.tensor([True]))
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        tt.gcd(tt.tensor([4]), 6)  # type: ignore[arg-type]


def test_sgn_positive_conj_isreal() -> None:
    rng = np.random.default_rng(7)
    for a in _shapes(rng):
        for dt in (np.float32, np.int64):
            x = _t((a * 3).astype(dt))
            np.testing.assert_array_equal(tt.sgn(x).numpy(), np.sign((a * 3).astype(dt)))
        z = (a + 1j * a[..., ::-1] if a.ndim else a + 2j).astype(np.complex128)
        z = np.where(np.abs(z.real) < 0.3, 0, z)
        with np.errstate(all="ignore"):
            ref = np.where(z == 0, 0, z / np.abs(z))
        np.testing.assert_allclose(tt.sgn(tt.tensor(z)).numpy(), ref, rtol=1e-15)
        np.testing.assert_array_equal(tt.isreal(tt.tensor(z)).numpy(), np.isreal(z))
        np.testing.assert_array_equal(tt.isreal(_t(a)).numpy(), np.ones(a.shape, bool))
        np.testing.assert_array_equal(tt.conj(tt.tensor(z)).numpy(), np.conj(z))
        np.testing.assert_array_equal(tt.conj_physical(tt.tensor(z)).numpy(), np.conj(z))
    assert tt.sgn(tt.tensor([math.nan])).item() == 0.0  # as sign
    assert tt.sgn(tt.tensor([True, False])).tolist() == [True, False]
    x = tt.tensor([1.0, -2.0])
    assert tt.positive(x) is x and x.positive() is x
    assert tt.conj(x) is x and tt.conj_physical(x) is x and tt.resolve_conj(x) is x and x.resolve_conj() is x
    c = tt.tensor([1 + 1j])
    assert not tt.is_conj(tt.conj(c)) and not c.conj().is_conj() and tt.resolve_conj(c) is c
    assert c.conj_physical().tolist() == [1 - 1j]
    with pytest.raises(RuntimeError, match="`\\+` operator, on a bool tensor"):
        tt.positive(tt.tensor([True]))


@pytest.mark.parametrize("dt", FLOATS)
def test_sinc_logit_i0_angle_match_references(dt: Any) -> None:
    rng = np.random.default_rng(8)
    for a in _shapes(rng):
        a = a.astype(dt)
        x = _t(a)
        checks = [
            (tt.sinc(x), np.sinc(a)),
            (tt.i0(x), scipy.special.i0(a)),
            (tt.angle(x), np.angle(a)),
            (x.sinc(), np.sinc(a)),
            (x.i0(), scipy.special.i0(a)),
            (x.angle(), np.angle(a)),
        ]
        u = (1 / (1 + np.exp(-a))).astype(dt)  # in (0, 1)
        with np.errstate(all="ignore"):
            checks.append((tt.logit(_t(u)), np.log(u / (1 - u))))
            clamped = np.clip(a, dt(0.2), dt(0.8))
            checks.append((tt.logit(x, eps=0.2), np.log(clamped / (1 - clamped))))
        for r, ref in checks:
            assert r.dtype == np.dtype(dt) and r.shape == a.shape
            np.testing.assert_allclose(r.numpy(), ref, rtol=_rtol(dt) * 10, atol=1e-6)
    for f in (tt.sinc, tt.logit, tt.i0, tt.angle):  # integers compute in the default float dtype
        assert f(tt.tensor([0, 1])).dtype == tt.float32
    assert tt.sinc(tt.tensor([0.0])).item() == 1.0 and math.isnan(tt.sinc(tt.tensor([math.inf])).item())
    assert tt.sinc(tt.tensor([1 + 1j])).dtype == tt.complex64
    assert tt.logit(tt.tensor([0.0, 1.0])).tolist() == [-math.inf, math.inf]
    assert tt.logit(tt.tensor([0.5]), eps=-1.0).item() == 0.0  # a negative eps: no clamping
    np.testing.assert_allclose(tt.logit(tt.tensor([0.0, 1.0, 2.0]), eps=0.6).numpy(), [0.4055, -0.4055, -0.4055], 1e-3)
    r = tt.i0(tt.tensor([math.inf, -math.inf, math.nan]))
    assert all(math.isnan(v) for v in r.tolist())  # as PyTorch
    ang = tt.angle(tt.tensor([-1.0, -0.0, 0.0, math.nan], dtype=tt.float64)).tolist()
    assert ang[:3] == [math.pi, 0.0, 0.0] and math.isnan(ang[3])  # -0.0 gives 0 (NumPy: pi)
    z = np.array([1j, -1 + 0j, 3 - 4j], np.complex64)
    r = tt.angle(tt.tensor(z))
    assert r.dtype == tt.float32
    np.testing.assert_allclose(r.numpy(), np.angle(z), rtol=1e-6)
    y = tt.tensor([0.0, 0.5])
    assert y.sinc_() is y and y.tolist()[0] == 1.0
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        tt.tensor([1, 2]).sinc_()
    with pytest.raises(NotImplementedError, match="ComplexFloat"):
        tt.i0(tt.tensor([1j]))


# ----------------------------------------------------------------------------------------------- shapes
def test_cartesian_prod_matches_itertools() -> None:
    a, b, c = tt.tensor([1, 2]), tt.tensor([3, 4, 5]), tt.tensor([7, 8])
    ref = list(itertools.product([1, 2], [3, 4, 5], [7, 8]))
    assert tt.cartesian_prod(a, b, c).tolist() == [list(r) for r in ref]
    assert tt.cartesian_prod(a) is a
    assert tt.cartesian_prod(a, tt.tensor([], dtype=tt.int64)).shape == (0, 2)
    nc = tt.arange(10.0)[::3]  # non-contiguous
    np.testing.assert_array_equal(
        tt.cartesian_prod(nc, nc).numpy(), np.array(list(itertools.product(*[nc.tolist()] * 2)))
    )
    with pytest.raises(RuntimeError, match=r"Expect a 1D vector, but got shape \[2, 2\]"):
        tt.cartesian_prod(tt.zeros(2, 2))
    with pytest.raises(RuntimeError, match=r"Expect a 1D vector, but got shape \[\]"):
        tt.cartesian_prod(tt.tensor(1))
    with pytest.raises(RuntimeError, match="same dtype"):
        tt.cartesian_prod(a, tt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="non-empty TensorList"):
        tt.cartesian_prod()


@pytest.mark.parametrize(
    ("name", "ref", "shape"),
    [
        ("hsplit", np.hsplit, (12,)),
        ("hsplit", np.hsplit, (2, 12, 3)),
        ("vsplit", np.vsplit, (12, 2)),
        ("dsplit", np.dsplit, (2, 3, 12)),
    ],
)
def test_splits_match_numpy(name: str, ref: Any, shape: tuple[int, ...]) -> None:
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    x = tt.tensor(a)
    for ios in (1, 2, 3, 4, 6, [1, 5], (2, 2, 20), [-3], []):
        got = getattr(tt, name)(x, ios)
        want = ref(a, list(ios) if isinstance(ios, tuple) else ios)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.numpy(), w)
        assert [p.shape for p in getattr(x, name)(ios)] == [p.shape for p in got]
    pieces = getattr(tt, name)(x, 2)
    pieces[0].fill_(-1.0)  # views of x, as tensor_split's
    assert x.numpy().min() == -1.0
    nc = tt.from_numpy(np.asfortranarray(a))  # non-contiguous
    for g, w in zip(getattr(tt, name)(nc, 2), ref(np.asfortranarray(a), 2)):
        np.testing.assert_array_equal(g.numpy(), w)


def test_split_errors() -> None:
    with pytest.raises(
        RuntimeError, match=r"torch.hsplit requires a tensor with at least 1 dimension, but got a tensor"
    ):
        tt.hsplit(tt.tensor(1.0), 1)
    with pytest.raises(RuntimeError, match=r"vsplit requires a tensor with at least 2 dimension.*1 dimensions!"):
        tt.vsplit(tt.arange(6), 3)
    with pytest.raises(RuntimeError, match="dsplit requires a tensor with at least 3 dimension"):
        tt.dsplit(tt.zeros(2, 6), 3)
    with pytest.raises(
        RuntimeError, match="dimension 1, but the size of the dimension 4 is not divisible by the split"
    ):
        tt.hsplit(tt.zeros(2, 4), 3)
    with pytest.raises(RuntimeError, match="not divisible by the split_size 0"):
        tt.dsplit(tt.zeros(1, 1, 3), 0)
    with pytest.raises(TypeError):
        tt.hsplit(tt.zeros(2, 4), 2.0)


def _mats(rng: np.random.Generator, n: int, dt: Any, batch: tuple[int, ...] = ()) -> np.ndarray[Any, Any]:
    return (rng.standard_normal((*batch, n, n)) + n * np.eye(n)).astype(dt)


def test_functions_are_exported() -> None:
    for name in [
        "quantile",
        "nanquantile",
        "nanmedian",
        "xlogy",
        "float_power",
        "gcd",
        "lcm",
        "sgn",
        "positive",
        "sinc",
        "logit",
        "i0",
        "angle",
        "isreal",
        "conj",
        "conj_physical",
        "resolve_conj",
        "is_conj",
        "cartesian_prod",
        "hsplit",
        "vsplit",
        "dsplit",
        "matrix_power",
        "matrix_exp",
    ]:
        assert name in tt.__all__ and callable(getattr(tt, name))
    for name in [
        "matrix_power",
        "multi_dot",
        "vecdot",
        "cross",
        "matrix_exp",
        "cond",
        "lstsq",
        "eigvals",
        "lu_factor",
        "lu_solve",
    ]:
        assert name in tt.linalg.__all__ and callable(getattr(tt.linalg, name))
    x = tt.ones(2, 2)
    for m in [
        "quantile",
        "nanquantile",
        "nanmedian",
        "xlogy",
        "xlogy_",
        "float_power",
        "float_power_",
        "gcd",
        "gcd_",
        "lcm",
        "lcm_",
        "sgn",
        "sgn_",
        "positive",
        "sinc",
        "sinc_",
        "logit",
        "logit_",
        "i0",
        "i0_",
        "angle",
        "isreal",
        "conj",
        "conj_physical",
        "resolve_conj",
        "is_conj",
        "hsplit",
        "vsplit",
        "dsplit",
        "matrix_power",
        "matrix_exp",
    ]:
        assert callable(getattr(x, m))


# ----------------------------------------------------------------------------------------------- PyTorch parity
def _same(mine: Any, theirs: Any, torch: Any, rtol: float = 1e-5) -> None:
    if isinstance(theirs, (tuple, list)):
        assert len(mine) == len(theirs)
        for m, t in zip(mine, theirs):
            _same(m, t, torch, rtol)
        return
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, tt.Tensor)
        want = theirs.numpy()
        assert tuple(mine.shape) == want.shape, (mine.shape, want.shape)
        assert mine.dtype == want.dtype, (mine.dtype, want.dtype)
        if want.dtype.kind == "c":  # real and imaginary parts separately: NaN in one part only must match too
            for part in ("real", "imag"):
                got, exp = getattr(mine.numpy(), part), getattr(want, part)
                np.testing.assert_allclose(got, exp, rtol=rtol, atol=1e-6, equal_nan=True)
        elif want.dtype.kind == "f":
            np.testing.assert_allclose(mine.numpy(), want, rtol=rtol, atol=1e-6, equal_nan=True)
        else:
            np.testing.assert_array_equal(mine.numpy(), want)
        return
    assert mine == theirs


def test_torch_parity() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    rng = np.random.default_rng(14)
    nan = math.nan
    ties = rng.integers(0, 3, (5, 8)).astype(np.float32)
    ties[rng.random(ties.shape) < 0.25] = nan
    ties[0] = nan
    spiky = np.array([1.0, math.inf, -math.inf, 2.0, nan, 3.0, 0.5], np.float64)
    data: list[np.ndarray[Any, Any]] = [
        rng.standard_normal((4, 6)).astype(np.float32),
        rng.standard_normal((3, 5, 2)),
        ties,
        spiky,
        spiky[[0, 1, 3, 5]],
        np.array(1.5, np.float32),
        rng.standard_normal((6, 4))[::2, ::-1],
    ]
    cases: list[tuple[str, Any, Any]] = []
    for a in data:
        a = np.ascontiguousarray(a)
        dims = [None, *range(a.ndim)] if a.ndim else [None, 0]
        for fn, dim, keepdim, interp in itertools.product(
            ("quantile", "nanquantile"), dims, (False, True), ("linear", "lower", "higher", "nearest", "midpoint")
        ):
            for q in (0.0, 0.37, 0.5, 1.0, np.array([0.1, 0.5, 0.75, 1.0], a.dtype)):
                cases.append((fn, a, (q, dim, keepdim, interp)))
    _same(tt.quantile(tt.tensor([1.0, 2.0]), True), torch.quantile(torch.tensor([1.0, 2.0]), True), torch)
    for fn, a, (q, dim, keepdim, interp) in cases:
        qt = tt.tensor(q) if isinstance(q, np.ndarray) else q
        qT = torch.from_numpy(q) if isinstance(q, np.ndarray) else q
        mine = getattr(tt, fn)(tt.tensor(a), qt, dim, keepdim, interpolation=interp)
        theirs = getattr(torch, fn)(torch.from_numpy(a.copy()), qT, dim, keepdim, interpolation=interp)
        _same(mine, theirs, torch, rtol=1e-6)
    for a in data[:4]:
        for dim in [None, *range(a.ndim)]:
            mine = tt.nanmedian(tt.tensor(a)) if dim is None else tt.nanmedian(tt.tensor(a), dim)
            theirs = torch.nanmedian(torch.from_numpy(a)) if dim is None else torch.nanmedian(torch.from_numpy(a), dim)
            if dim is None:
                _same(mine, theirs, torch)
                continue
            _same(mine.values, theirs.values, torch)  # indices: the position of the value (PyTorch's index in an
            idx = mine.indices.numpy()  # all-NaN slice depends on its std::nth_element; taeda's is 0)
            np.testing.assert_array_equal(
                np.take_along_axis(a, np.expand_dims(idx, dim), dim).squeeze(dim), mine.values.numpy()
            )
            ok = ~np.isnan(a).all(axis=dim)
            np.testing.assert_array_equal(idx[ok], theirs.indices.numpy()[ok])

    # elementwise: floats with specials, ints, bools, complex
    f = np.array([0.0, -0.0, 0.25, 1.0, -1.5, 2.0, 100.0, math.inf, -math.inf, nan], np.float32)
    f64 = f.astype(np.float64)
    i = np.array([-6, -4, 0, 3, 6, 9, 0, 12], np.int64)
    j = np.array([4, 6, 5, -9, 0, 6, 0, 18], np.int64)
    z = np.array([3 + 4j, 0j, -1 + 0j, 1j, complex(nan, 0), complex(math.inf, 1)], np.complex64)
    b = np.array([True, False])
    T, X = torch.from_numpy, tt.tensor
    unary: list[tuple[str, np.ndarray[Any, Any]]] = [
        ("sgn", f),
        ("sgn", i),
        ("sgn", z),
        ("sgn", b),
        ("sinc", f),
        ("sinc", i),
        ("sinc", f64),
        ("sinc", z),
    ]
    unary += [("i0", f), ("i0", f64), ("i0", i), ("angle", f), ("angle", f64), ("angle", i), ("angle", z)]
    unary += [("angle", b), ("isreal", f), ("isreal", z), ("logit", f), ("logit", i), ("positive", f)]
    unary += [("conj_physical", z), ("conj_physical", f), ("resolve_conj", z)]
    for name, a in unary:
        _same(getattr(tt, name)(X(a)), getattr(torch, name)(T(a.copy())), torch)
        _same(getattr(X(a), name)(), getattr(T(a.copy()), name)(), torch)
    for eps in (None, 1e-6, 0.3, 0.6, -1.0):
        _same(tt.logit(X(f), eps), torch.logit(T(f), eps), torch)
    pairs = [
        (f, f[::-1].copy()),
        (i, j),
        (f[:8].copy(), i),
        (i, 2.5),
        (3, f),
        (f64, f),
        (b, b),
        (f.reshape(2, 5), f[:5]),
    ]
    for x, y in pairs:
        xx = X(x) if isinstance(x, np.ndarray) else x
        yy = X(y) if isinstance(y, np.ndarray) else y
        xT = T(x.copy()) if isinstance(x, np.ndarray) else x
        yT = T(y.copy()) if isinstance(y, np.ndarray) else y
        _same(tt.xlogy(xx, yy), torch.xlogy(xT, yT), torch)
        _same(tt.float_power(xx, yy), torch.float_power(xT, yT), torch, rtol=1e-12)
    _same(tt.float_power(X(z), 2), torch.float_power(T(z), 2), torch)
    for dt in (np.int8, np.int16, np.int32, np.int64, np.uint8):
        x, y = (
            np.abs(i).astype(dt) if dt == np.uint8 else i.astype(dt),
            np.abs(j).astype(dt) if dt == np.uint8 else j.astype(dt),
        )
        _same(tt.gcd(X(x), X(y)), torch.gcd(T(x), T(y)), torch)
        _same(tt.lcm(X(x), X(y)), torch.lcm(T(x), T(y)), torch)
        _same(tt.gcd(X(x), X(y[:1])), torch.gcd(T(x), T(y[:1])), torch)

    # splits and cartesian products
    s = np.arange(48.0).reshape(2, 4, 6)
    for name, ios in itertools.product(("hsplit", "vsplit", "dsplit"), (1, 2, [1, 3], (0, 5), [-1])):
        _same(getattr(tt, name)(X(s), ios), getattr(torch, name)(T(s), ios), torch)
    _same(tt.hsplit(X(s[0, 0]), 3), torch.hsplit(T(s[0, 0].copy()), 3), torch)
    vecs = [np.array([1, 2]), np.array([3, 4, 5]), np.array([], np.int64)]
    _same(tt.cartesian_prod(*map(X, vecs[:2])), torch.cartesian_prod(*map(T, vecs[:2])), torch)
    _same(tt.cartesian_prod(*map(X, vecs)), torch.cartesian_prod(*map(T, vecs)), torch)

    # linalg
    A = _mats(rng, 3, np.float64, (2,))
    A32 = A.astype(np.float32)
    for n in (-2, 0, 1, 3):
        _same(tt.linalg.matrix_power(X(A), n), torch.linalg.matrix_power(T(A), n), torch, rtol=1e-10)
    _same(
        tt.linalg.matrix_power(X(i[:4].reshape(2, 2)), 3), torch.linalg.matrix_power(T(i[:4].reshape(2, 2)), 3), torch
    )
    _same(tt.linalg.matrix_exp(X(A32 / 3)), torch.linalg.matrix_exp(T(A32 / 3)), torch)
    chain = [rng.standard_normal(3), rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)]
    _same(tt.linalg.multi_dot(list(map(X, chain))), torch.linalg.multi_dot(list(map(T, chain))), torch, rtol=1e-10)
    _same(tt.linalg.multi_dot(list(map(X, chain[1:3]))), torch.linalg.multi_dot(list(map(T, chain[1:3]))), torch)
    _same(tt.linalg.vecdot(X(A32), X(A32[0, 0])), torch.linalg.vecdot(T(A32), T(A32[0, 0].copy())), torch)
    _same(tt.linalg.vecdot(X(z), X(z[::-1].copy())), torch.linalg.vecdot(T(z), T(z[::-1].copy())), torch)
    _same(tt.linalg.cross(X(A), X(A[:1])), torch.linalg.cross(T(A), T(A[:1].copy())), torch, rtol=1e-10)
    _same(tt.linalg.cross(X(A), X(A), dim=1), torch.linalg.cross(T(A), T(A), dim=1), torch)
    for p in (None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1):
        _same(tt.linalg.cond(X(A32), p), torch.linalg.cond(T(A32), p), torch, rtol=1e-4)
    sing = np.stack([np.eye(2), np.zeros((2, 2))])
    for p in ("fro", math.inf, 1, -1):
        _same(tt.linalg.cond(X(sing), p), torch.linalg.cond(T(sing), p), torch)
    w_mine, w_torch = tt.linalg.eigvals(X(A32)).numpy(), torch.linalg.eigvals(T(A32)).numpy()
    assert w_mine.dtype == w_torch.dtype
    np.testing.assert_allclose(np.sort_complex(w_mine), np.sort_complex(w_torch), rtol=1e-5)
    M = rng.standard_normal((2, 5, 3))
    B = rng.standard_normal((2, 5, 2))
    for driver in (None, "gels", "gelsy", "gelsd", "gelss"):
        _same(
            tuple(tt.linalg.lstsq(X(M), X(B), driver=driver)),
            tuple(torch.linalg.lstsq(T(M), T(B), driver=driver)),
            torch,
            1e-8,
        )
        _same(
            tuple(tt.linalg.lstsq(X(M[0]), X(B[0, :, 0].copy()), driver=driver)),
            tuple(torch.linalg.lstsq(T(M[0]), T(B[0, :, 0].copy()), driver=driver)),
            torch,
            1e-8,
        )
        W = M[0].T.copy()
        _same(
            tuple(tt.linalg.lstsq(X(W), X(B[0, :3]), driver=driver)),
            tuple(torch.linalg.lstsq(T(W), T(B[0, :3].copy()), driver=driver)),
            torch,
            1e-8,
        )
    D = np.ones((3, 2))
    for driver in ("gelsy", "gelsd", "gelss"):
        _same(
            tuple(tt.linalg.lstsq(X(D), X(D[:, :1]), driver=driver)),
            tuple(torch.linalg.lstsq(T(D), T(D[:, :1].copy()), driver=driver)),
            torch,
            1e-6,
        )
    lu_mine, lu_torch = tt.linalg.lu_factor(X(A)), torch.linalg.lu_factor(T(A))
    _same(tuple(lu_mine), tuple(lu_torch), torch, 1e-10)
    rhs = rng.standard_normal((2, 3, 2))
    for left, adjoint in itertools.product((True, False), (False, True)):
        r = rhs if left else np.swapaxes(rhs, -1, -2).copy()
        _same(
            tt.linalg.lu_solve(*lu_mine, X(r), left=left, adjoint=adjoint),
            torch.linalg.lu_solve(*lu_torch, T(r), left=left, adjoint=adjoint),
            torch,
            1e-10,
        )

    # errors: same type, same message
    errors: list[tuple[str, Callable[[Any], Any]]] = [
        ("quantile", lambda m: m.quantile(m.tensor([1, 2]), 0.5)),
        ("quantile", lambda m: m.quantile(m.tensor([1.0]), 1.5)),
        ("quantile", lambda m: m.quantile(m.ones(0), 0.5)),
        ("quantile", lambda m: m.quantile(m.ones(2), 0.5, interpolation="foo")),
        ("quantile", lambda m: m.nanquantile(m.ones(2), m.ones(1, 1) / 2)),
        ("quantile", lambda m: m.quantile(m.ones(2), m.tensor([0.5], dtype=m.float64))),
        ("gcd", lambda m: m.gcd(m.tensor([4.0]), m.tensor([6.0]))),
        ("positive", lambda m: m.positive(m.tensor([True]))),
        ("cartesian_prod", lambda m: m.cartesian_prod(m.ones(2, 2))),
        ("hsplit", lambda m: m.hsplit(m.ones(2, 4), 3)),
        ("vsplit", lambda m: m.vsplit(m.ones(4), 2)),
        ("matrix_power", lambda m: m.linalg.matrix_power(m.ones(2, 3), 2)),
        ("multi_dot", lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(4, 2)])),
        ("vecdot", lambda m: m.linalg.vecdot(m.ones(3), m.ones(3, dtype=m.float64))),
        ("cross", lambda m: m.linalg.cross(m.ones(3, 2), m.ones(3, 2))),
        ("matrix_exp", lambda m: m.linalg.matrix_exp(m.ones(2, 3))),
        ("cond", lambda m: m.linalg.cond(m.ones(2, 2), 3)),
        ("lstsq", lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 1), driver="foo")),
        ("lstsq", lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(2, 1))),
        ("lu_factor", lambda m: m.linalg.lu_factor(m.zeros(2, 2))),
        ("cond 1-D", lambda m: m.linalg.cond(m.ones(2))),
        ("cond int", lambda m: m.linalg.cond(m.ones(2, 2, dtype=m.int64), 1)),
        ("lu_solve pivots", lambda m: m.linalg.lu_solve(m.eye(2), m.tensor([1, 2, 3], dtype=m.int32), m.ones(2, 1))),
        ("lstsq vector", lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(2))),
        ("xlogy numbers", lambda m: m.xlogy(2.0, 3.0)),
        ("lu_solve", lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(2)), m.ones(3, 1))),
    ]
    for name, call in errors:
        with pytest.raises(Exception) as theirs:
            call(torch)
        with pytest.raises(Exception) as mine:
            call(tt)
        assert isinstance(
            mine.value, type(theirs.value).__mro__[1] if "LinAlg" in type(theirs.value).__name__ else type(theirs.value)
        ), name
        assert str(mine.value).splitlines()[0] == str(theirs.value).splitlines()[0], name


def test_special_namespace_and_i1() -> None:
    x = np.linspace(-4, 4, 17)
    np.testing.assert_allclose(tt.special.i1(tt.tensor(x)).numpy(), scipy.special.i1(x), rtol=1e-12)
    assert tt.special.i1(tt.tensor([1, 2])).dtype == tt.get_default_dtype()
    assert tt.special.expit is tt.sigmoid and tt.special.gammaln is tt.lgamma
    with pytest.raises(NotImplementedError):
        tt.special.i1(tt.tensor([1j]))
