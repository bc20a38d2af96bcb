"""linalg's matrix_power, multi_dot, vecdot, cross, matrix_exp, cond, eigvals, lstsq, lu_factor and lu_solve
against NumPy/SciPy references (PyTorch parity: test_more_functions.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.linalg

import taeda.tensor as tt

FLOATS = (np.float32, np.float64)


def _rtol(dt: Any) -> float:
    return 1e-5 if np.dtype(dt) == np.float32 else 1e-12


def _mats(rng: np.random.Generator, n: int, dt: Any, batch: tuple[int, ...] = ()) -> np.ndarray[Any, Any]:
    return (rng.standard_normal((*batch, n, n)) + n * np.eye(n)).astype(dt)


@pytest.mark.parametrize("dt", FLOATS)
def test_matrix_power_and_exp(dt: Any) -> None:
    rng = np.random.default_rng(9)
    for batch in ((), (2,), (0,), (2, 3)):
        a = _mats(rng, 3, dt, batch) / 3
        for n in (-3, -1, 0, 1, 2, 5):
            r = tt.linalg.matrix_power(tt.tensor(a), n)
            assert r.dtype == np.dtype(dt) and r.shape == a.shape
            np.testing.assert_allclose(r.numpy(), np.linalg.matrix_power(a, n), rtol=_rtol(dt) * 100, atol=1e-5)
        r = tt.linalg.matrix_exp(tt.tensor(a))
        ref = scipy.linalg.expm(a) if a.size else a
        assert r.dtype == np.dtype(dt) and r.shape == a.shape
        np.testing.assert_allclose(r.numpy(), ref, rtol=_rtol(dt) * 100, atol=1e-6)
    nc = tt.tensor(_mats(rng, 4, dt)).T  # non-contiguous
    np.testing.assert_allclose(nc.matrix_power(3).numpy(), np.linalg.matrix_power(nc.numpy(), 3), rtol=1e-4)
    np.testing.assert_allclose(tt.matrix_exp(nc).numpy(), scipy.linalg.expm(nc.numpy()), rtol=1e-4)
    assert tt.zeros(0, 0).matrix_exp().shape == (0, 0)
    ints = tt.tensor([[1, 2], [3, 4]])
    assert tt.matrix_power(ints, 3).tolist() == [[37, 54], [81, 118]]
    assert tt.linalg.matrix_power(ints, 0).tolist() == [[1, 0], [0, 1]]
    at = tt.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert tt.linalg.matrix_power(at, 1) is not at
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        tt.linalg.matrix_power(ints, -1)
    with pytest.raises(RuntimeError, match="A must be batches of square matrices, but they are 2 by 3 matrices"):
        tt.linalg.matrix_power(tt.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        tt.linalg.matrix_power(tt.zeros(3), 2)
    with pytest.raises(TypeError, match="must be int, not float"):
        tt.linalg.matrix_power(at, 2.0)  # type: ignore[arg-type]
    with pytest.raises(tt.linalg.LinAlgError, match="singular"):
        tt.linalg.matrix_power(tt.zeros(2, 2), -1)
    with pytest.raises(RuntimeError, match=r"linalg.matrix_exp: Expected a floating point"):
        tt.linalg.matrix_exp(ints)
    with pytest.raises(RuntimeError, match=r"linalg.matrix_exp: A must be batches of square"):
        tt.linalg.matrix_exp(tt.zeros(2, 3))


def test_multi_dot_vecdot_cross() -> None:
    rng = np.random.default_rng(10)
    shapes = [(3,), (3, 5), (5, 2), (2, 4), (4,)]
    arrs = [rng.standard_normal(s) for s in shapes]
    for lo, hi in ((0, 2), (0, 5), (1, 4), (1, 5), (0, 3)):
        part = arrs[lo:hi]
        np.testing.assert_allclose(
            tt.linalg.multi_dot([tt.tensor(x) for x in part]).numpy(), np.linalg.multi_dot(part), rtol=1e-12
        )
    ints = [np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)]
    np.testing.assert_array_equal(tt.linalg.multi_dot([tt.tensor(x) for x in ints]).numpy(), ints[0] @ ints[1])
    assert tt.linalg.multi_dot([tt.zeros(2, 0), tt.zeros(0, 3)]).tolist() == [[0.0] * 3] * 2
    for bad, msg in (
        ([tt.ones(3)], "expected at least 2 tensors but got 1"),
        ([tt.ones(2, 3), tt.ones(4, 2)], r"tensors 0 and 1 with shapes \[2, 3\] and \[4, 2\] cannot be multiplied"),
        ([tt.ones(2, 3), tt.ones(3, 2, 1)], "the last tensor must be 1D or 2D but got 3D"),
        ([tt.ones(2, 3), tt.ones(3), tt.ones(3)], "tensor 1 must be 2D but got 1D"),
        ([tt.ones(2, 3), tt.ones(3, 2, dtype=tt.float64)], "same dtype but tensor 0 is float and tensor 1 double"),
    ):
        with pytest.raises(RuntimeError, match=msg):
            tt.linalg.multi_dot(bad)
    for dt in (np.float32, np.float64, np.complex128):
        x = (rng.standard_normal((4, 3)) + (1j * rng.standard_normal((4, 3)) if dt == np.complex128 else 0)).astype(dt)
        y = (rng.standard_normal(3) + (1j if dt == np.complex128 else 0)).astype(dt)
        r = tt.linalg.vecdot(tt.tensor(x), tt.tensor(y))
        assert r.dtype == np.dtype(dt)
        np.testing.assert_allclose(r.numpy(), (np.conj(x) * y).sum(-1), rtol=_rtol(np.float32))
        np.testing.assert_allclose(
            tt.linalg.vecdot(tt.tensor(x.T), tt.tensor(x.T), dim=0).numpy(), (np.conj(x) * x).sum(-1), rtol=1e-5
        )
    assert tt.linalg.vecdot(tt.tensor(2.0), tt.tensor(3.0)).item() == 6.0
    assert tt.linalg.vecdot(tt.zeros(2, 0), tt.zeros(0)).tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="Expected x and y to have the same dtype"):
        tt.linalg.vecdot(tt.ones(3), tt.ones(3, dtype=tt.float64))
    with pytest.raises(RuntimeError, match=r"Expected a floating point or complex tensor as input. Got Long"):
        tt.linalg.vecdot(tt.ones(3, dtype=tt.int64), tt.ones(3, dtype=tt.int64))
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((1, 3))
    np.testing.assert_allclose(tt.linalg.cross(tt.tensor(a), tt.tensor(b)).numpy(), np.cross(a, b), rtol=1e-12)
    np.testing.assert_allclose(
        tt.linalg.cross(tt.tensor(a.T), tt.tensor(b.T), dim=0).numpy(), np.cross(a.T, b.T, axis=0), rtol=1e-12
    )
    assert tt.linalg.cross(tt.ones(3, dtype=tt.int64), tt.ones(3, dtype=tt.int64)).tolist() == [0, 0, 0]
    assert tt.linalg.cross(tt.zeros(0, 3), tt.zeros(0, 3)).shape == (0, 3)
    with pytest.raises(RuntimeError, match=r"inputs dimension -1 must have length 3. Got 2 and 2"):
        tt.linalg.cross(tt.ones(3, 2), tt.ones(3, 2))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        tt.linalg.cross(tt.ones(2, 3), tt.ones(3))
    with pytest.raises(RuntimeError, match="expected scalar type Long but found Float"):
        tt.linalg.cross(tt.ones(3, dtype=tt.int64), tt.ones(3))


@pytest.mark.parametrize("dt", FLOATS)
def test_cond_and_eigvals(dt: Any) -> None:
    rng = np.random.default_rng(11)
    a = _mats(rng, 4, dt, (3,))
    for p in (None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1):
        r = tt.linalg.cond(tt.tensor(a), p)
        assert r.dtype == np.dtype(dt) and r.shape == (3,)
        np.testing.assert_allclose(r.numpy(), np.linalg.cond(a, p), rtol=1e-4 if dt == np.float32 else 1e-10)
    rect = rng.standard_normal((3, 5)).astype(dt)
    np.testing.assert_allclose(tt.linalg.cond(tt.tensor(rect)).numpy(), np.linalg.cond(rect), rtol=1e-4)
    sing = np.stack([np.eye(2), np.zeros((2, 2))]).astype(dt)
    assert tt.linalg.cond(tt.tensor(sing), 1).tolist() == [1.0, math.inf]
    assert tt.linalg.cond(tt.zeros(0, 0)).item() == 0.0 and tt.linalg.cond(tt.zeros(2, 0, 0), 1).tolist() == [0, 0]
    cplx = tt.tensor([[1j, 0], [0, 2]])
    assert tt.linalg.cond(cplx).dtype == tt.float32 and abs(tt.linalg.cond(cplx).item() - 2.0) < 1e-6
    with pytest.raises(RuntimeError, match="invalid norm type: 3"):
        tt.linalg.cond(tt.tensor(a), 3)
    with pytest.raises(RuntimeError, match=r"linalg.cond\(ord=fro\): A must be batches of square matrices"):
        tt.linalg.cond(tt.tensor(rect), "fro")
    w = tt.linalg.eigvals(tt.tensor(a))
    assert w.dtype == np.result_type(dt, np.complex64) and w.shape == (3, 4)
    ref = np.linalg.eigvals(a)
    np.testing.assert_allclose(np.sort_complex(w.numpy()), np.sort_complex(ref), rtol=1e-4)
    rot = tt.linalg.eigvals(tt.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=tt.as_tensor(a).dtype)).tolist()
    assert sorted(rot, key=lambda z: z.imag) == [-1j, 1j]
    assert tt.linalg.eigvals(tt.zeros(0, 0)).dtype == tt.complex64
    with pytest.raises(RuntimeError, match=r"linalg.eigvals: A must be batches of square matrices"):
        tt.linalg.eigvals(tt.ones(2, 3))


@pytest.mark.parametrize("dt", (np.float32, np.float64, np.complex128))
def test_lstsq_matches_numpy(dt: Any) -> None:
    rng = np.random.default_rng(12)
    tall = rng.standard_normal((2, 6, 3)).astype(dt)
    wide = rng.standard_normal((4, 6)).astype(dt)
    rhs = rng.standard_normal((2, 6, 2)).astype(dt)
    tol = 1e-4 if dt == np.float32 else 1e-10
    for driver in (None, "gels", "gelsy", "gelsd", "gelss"):
        r = tt.linalg.lstsq(tt.tensor(tall), tt.tensor(rhs), driver=driver)
        ref = [np.linalg.lstsq(tall[i], rhs[i], rcond=None) for i in range(2)]
        np.testing.assert_allclose(r.solution.numpy(), np.stack([x[0] for x in ref]), rtol=tol, atol=tol)
        if driver in ("gels", "gelsd", "gelss"):
            np.testing.assert_allclose(r.residuals.numpy(), np.stack([x[1] for x in ref]), rtol=tol * 10)
            assert r.residuals.dtype == np.empty(0, dt).real.dtype
        else:
            assert r.residuals.shape == (0,)
        if driver == "gels":
            assert r.rank.shape == (0,) and r.rank.dtype == tt.int64
        else:
            assert r.rank.tolist() == [3, 3]
        if driver in ("gelsd", "gelss"):
            np.testing.assert_allclose(r.singular_values.numpy(), np.stack([x[3] for x in ref]), rtol=tol)
        else:
            assert r.singular_values.shape == (0,)
        w = tt.linalg.lstsq(tt.tensor(wide), tt.tensor(wide[:, :2].copy()), driver=driver)  # minimum norm
        np.testing.assert_allclose(
            w.solution.numpy(), np.linalg.lstsq(wide, wide[:, :2], rcond=None)[0], rtol=tol, atol=tol
        )
    # rank deficiency, vectors, broadcasting, non-contiguous, empty
    deficient = np.ones((3, 2), dt)
    r = tt.linalg.lstsq(tt.tensor(deficient), tt.tensor(np.ones((3, 1), dt)), driver="gelsd")
    assert r.rank.item() == 1 and r.residuals.shape == (0,)
    np.testing.assert_allclose(r.solution.numpy(), [[0.5], [0.5]], rtol=1e-5)
    zero_col = np.array([[1, 0], [2, 0], [3, 0]], dt)  # R[1, 1] is exactly 0: gels gives up
    with pytest.raises(tt.linalg.LinAlgError, match=r"does not have full rank \(error code: 2\)"):
        tt.linalg.lstsq(tt.tensor(zero_col), tt.tensor(np.ones((3, 1), dt)), driver="gels")
    v = tt.linalg.lstsq(tt.tensor(tall[0]), tt.tensor(rhs[0, :, 0].copy()), driver="gelsd")
    assert v.solution.shape == (3,) and v.residuals.shape == (1,)
    b = tt.linalg.lstsq(tt.tensor(tall), tt.tensor(rhs[:1]))
    assert b.solution.shape == (2, 3, 2)
    nc = tt.tensor(np.ascontiguousarray(tall[0].T)).T
    np.testing.assert_allclose(
        tt.linalg.lstsq(nc, tt.tensor(rhs[0])).solution.numpy(),
        np.linalg.lstsq(tall[0], rhs[0], rcond=None)[0],
        rtol=tol,
        atol=tol,
    )
    e = tt.linalg.lstsq(
        tt.zeros(3, 0, dtype=tt.as_tensor(tall).dtype), tt.zeros(3, 1, dtype=tt.as_tensor(tall).dtype), driver="gelsd"
    )
    assert e.solution.shape == (0, 1) and e.rank.item() == 0


def test_lstsq_errors() -> None:
    m = tt.ones(3, 2)
    cases: tuple[tuple[Callable[[], Any], str], ...] = (
        (lambda: tt.linalg.lstsq(m, tt.ones(3, 1), driver="foo"), "should be one of"),
        (
            lambda: tt.linalg.lstsq(m, tt.ones(3, 1, dtype=tt.float64)),
            "Expected input and other to have the same dtype",
        ),
        (lambda: tt.linalg.lstsq(m, tt.ones(2, 1)), r"input.size\(-2\) should match other.size\(-2\)"),
        (lambda: tt.linalg.lstsq(tt.ones(3), tt.ones(3)), "input must have at least 2 dimensions"),
        (lambda: tt.linalg.lstsq(tt.ones(3, 2, dtype=tt.int64), tt.ones(3, 1, dtype=tt.int64)), "other than float"),
        (lambda: tt.linalg.lstsq(tt.ones(2, 3, 2), tt.ones(3, 1)), "must match the size"),
    )
    for call, msg in cases:
        with pytest.raises(RuntimeError, match=msg):
            call()


@pytest.mark.parametrize("dt", (np.float32, np.float64, np.complex128))
def test_lu_factor_and_solve(dt: Any) -> None:
    rng = np.random.default_rng(13)
    tol = 1e-4 if dt == np.float32 else 1e-10
    a = _mats(rng, 4, np.float64, (3,)).astype(dt)
    if dt == np.complex128:
        a = a + 1j * rng.standard_normal(a.shape)
    LU, piv = tt.linalg.lu_factor(tt.tensor(a))
    assert piv.dtype == tt.int32 and piv.shape == (3, 4) and LU.shape == a.shape
    for i in range(3):
        lu_ref, piv_ref = scipy.linalg.lu_factor(a[i])
        np.testing.assert_allclose(LU.numpy()[i], lu_ref, rtol=tol, atol=tol)
        np.testing.assert_array_equal(piv.numpy()[i], piv_ref + 1)
    b = rng.standard_normal((3, 4, 2)).astype(dt)
    np.testing.assert_allclose(
        tt.linalg.lu_solve(LU, piv, tt.tensor(b)).numpy(), np.linalg.solve(a, b), rtol=tol, atol=tol
    )
    ah = np.conj(np.swapaxes(a, -1, -2))
    np.testing.assert_allclose(
        tt.linalg.lu_solve(LU, piv, tt.tensor(b), adjoint=True).numpy(), np.linalg.solve(ah, b), rtol=tol, atol=tol
    )
    bl = np.swapaxes(b, -1, -2).copy()  # X A = B
    ref = np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(bl, -1, -2)), -1, -2)
    np.testing.assert_allclose(tt.linalg.lu_solve(LU, piv, tt.tensor(bl), left=False).numpy(), ref, rtol=tol, atol=tol)
    ref = np.swapaxes(np.linalg.solve(np.conj(a), np.swapaxes(bl, -1, -2)), -1, -2)  # X A^H = B
    np.testing.assert_allclose(
        tt.linalg.lu_solve(LU, piv, tt.tensor(bl), left=False, adjoint=True).numpy(), ref, rtol=tol, atol=tol
    )
    # broadcasting B's batch against LU's, a rectangular factorisation, empty
    one = tt.linalg.lu_factor(tt.tensor(a[0]))
    x = tt.linalg.lu_solve(one.LU, one.pivots, tt.tensor(b))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a[0], b), rtol=tol, atol=tol)
    rect = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]], dtype=dt)
    r = tt.linalg.lu_factor(tt.tensor(rect))
    assert r.pivots.tolist() == [2, 2] and r.LU.shape == (2, 3)
    assert tt.linalg.lu_factor(tt.zeros(0, 0)).pivots.shape == (0,)


def test_lu_errors() -> None:
    LU, piv = tt.linalg.lu_factor(tt.tensor([[1.0, 2.0], [3.0, 4.0]]))
    cases: tuple[tuple[Callable[[], Any], str], ...] = (
        (lambda: tt.linalg.lu_factor(tt.zeros(2, 2)), r"U\[1,1\] is zero and using it on lu_solve"),
        (lambda: tt.linalg.lu_factor(tt.stack([tt.eye(2), tt.zeros(2, 2)])), r"\(Batch element 1\): U\[1,1\]"),
        (lambda: tt.linalg.lu_factor(tt.ones(2, 2), pivot=False), "without pivoting"),
        (lambda: tt.linalg.lu_solve(LU, piv, tt.ones(2)), "B must have at least 2 dimensions"),
        (lambda: tt.linalg.lu_solve(LU, piv, tt.ones(3, 1)), r"equation AX = B \(2x2 and 3x1\)"),
        (lambda: tt.linalg.lu_solve(LU, piv, tt.ones(2, 1), left=False), r"equation XA = B \(2x2 and 2x1\)"),
        (lambda: tt.linalg.lu_solve(LU, piv.long(), tt.ones(2, 1)), "scalar type torch.int32"),
        (lambda: tt.linalg.lu_solve(LU, piv, tt.ones(2, 1, dtype=tt.float64)), "Expected LU and B to have the same"),
    )
    for call, msg in cases:
        with pytest.raises(RuntimeError, match=msg):
            call()
