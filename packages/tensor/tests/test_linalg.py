"""taeda.tensor.linalg against NumPy/SciPy: batched, 0-size, non-contiguous inputs, dtypes; PyTorch's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.linalg

import taeda.tensor as tt
from taeda.tensor import linalg as LA

RNG = np.random.default_rng(0)
BATCHES = [(), (3,), (2, 2)]
DTYPES = [np.float32, np.float64]


def _close(actual: Any, desired: Any, dtype: Any) -> None:
    tol = 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10
    np.testing.assert_allclose(actual, desired, rtol=tol, atol=tol)


def _mat(batch: tuple[int, ...], m: int, n: int, dtype: Any = np.float64) -> np.ndarray[Any, Any]:
    a = RNG.standard_normal((*batch, m, n))
    if np.dtype(dtype).kind == "c":
        a = a + 1j * RNG.standard_normal((*batch, m, n))
    return a.astype(dtype)


def _spd(batch: tuple[int, ...], n: int, dtype: Any = np.float64) -> np.ndarray[Any, Any]:
    a = _mat(batch, n, n, dtype)
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(dtype)


def _t(a: np.ndarray[Any, Any]) -> tt.Tensor:
    return tt.from_numpy(a)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("dtype", [*DTYPES, np.complex128])
def test_inv_det_slogdet(batch: tuple[int, ...], dtype: Any) -> None:
    a = _mat(batch, 4, 4, dtype) + 4 * np.eye(4, dtype=dtype)
    _close(LA.inv(_t(a)).numpy(), np.linalg.inv(a), dtype)
    _close(tt.inverse(_t(a)).numpy(), np.linalg.inv(a), dtype)
    _close(LA.det(_t(a)).numpy(), np.linalg.det(a), dtype)
    _close(tt.det(_t(a)).numpy(), np.linalg.det(a), dtype)
    r = LA.slogdet(_t(a))
    sign, logabs = np.linalg.slogdet(a)
    assert isinstance(r, LA.SlogdetResult)
    _close(r.sign.numpy(), sign, dtype)
    _close(r.logabsdet.numpy(), logabs, dtype)
    assert LA.inv(_t(a)).dtype == np.dtype(dtype)


def test_non_contiguous_and_empty() -> None:
    a = _mat((3,), 4, 4)[:, ::-1].swapaxes(-1, -2)  # negative strides and a transpose
    assert not a.flags.c_contiguous
    np.testing.assert_allclose(LA.inv(_t(a)).numpy(), np.linalg.inv(a), rtol=1e-10)
    np.testing.assert_allclose(LA.svd(_t(a)).S.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    assert LA.inv(tt.zeros(0, 0, dtype=tt.float64)).shape == (0, 0)
    assert LA.det(tt.zeros(0, 0)).item() == 1.0
    assert LA.det(tt.zeros(0, 3, 3)).shape == (0,)
    assert LA.cholesky(tt.zeros(2, 0, 0)).shape == (2, 0, 0)
    assert LA.eigh(tt.zeros(0, 0)).eigenvalues.shape == (0,)
    assert LA.norm(tt.zeros(0)).item() == 0.0
    assert LA.matrix_norm(tt.zeros(0, 0)).item() == 0.0
    assert LA.matrix_rank(tt.zeros(3, 0)).item() == 0
    assert LA.pinv(tt.zeros(2, 0)).shape == (0, 2)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_solve(batch: tuple[int, ...], dtype: Any) -> None:
    a = _mat(batch, 3, 3, dtype) + 3 * np.eye(3, dtype=dtype)
    b = _mat(batch, 3, 2, dtype)
    x = LA.solve(_t(a), _t(b)).numpy()
    _close(a @ x, b, dtype)
    v = _mat(batch, 3, 1, dtype)[..., 0]  # a batch of vectors: shape batch + (3,)
    xv = LA.solve(_t(a), _t(v)).numpy()
    assert xv.shape == v.shape
    _close((a @ xv[..., None])[..., 0], v, dtype)
    c = _mat(batch, 2, 3, dtype)
    xl = LA.solve(_t(a), _t(c), left=False).numpy()
    _close(xl @ a, c, dtype)


def test_solve_broadcasts_batches() -> None:
    a = _mat((2, 1), 3, 3) + 3 * np.eye(3)
    b = _mat((4,), 3, 2)
    x = LA.solve(_t(a), _t(b)).numpy()
    assert x.shape == (2, 4, 3, 2)
    np.testing.assert_allclose(a @ x, np.broadcast_to(b, (2, 4, 3, 2)), rtol=1e-10, atol=1e-10)
    x1 = LA.solve(_t(a[0, 0]), _t(np.ones(3))).numpy()
    np.testing.assert_allclose(a[0, 0] @ x1, np.ones(3), rtol=1e-10)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(batch: tuple[int, ...], shape: tuple[int, int], full: bool) -> None:
    a = _mat(batch, *shape)
    U, S, Vh = LA.svd(_t(a), full_matrices=full)
    k = min(shape)
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    rec = (U.numpy()[..., :, :k] * S.numpy()[..., None, :]) @ Vh.numpy()[..., :k, :]
    np.testing.assert_allclose(rec, a, rtol=1e-10, atol=1e-10)
    m = shape[0]
    assert U.shape == (*batch, m, m if full else k)
    np.testing.assert_allclose(LA.svdvals(_t(a)).numpy(), S.numpy(), rtol=1e-12)


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
@pytest.mark.parametrize("batch", BATCHES)
def test_qr(mode: str, batch: tuple[int, ...]) -> None:
    a = _mat(batch, 5, 3)
    Q, R = LA.qr(_t(a), mode=mode)
    r_ref: Any = np.linalg.qr(a, mode=mode)  # type: ignore[call-overload]
    if mode == "r":
        assert Q.shape == (0,)
        np.testing.assert_allclose(np.abs(R.numpy()), np.abs(r_ref), rtol=1e-10, atol=1e-12)
    else:
        np.testing.assert_allclose(Q.numpy() @ R.numpy(), a, rtol=1e-10, atol=1e-12)
        assert Q.shape == (*batch, 5, 5 if mode == "complete" else 3)
        np.testing.assert_allclose(np.triu(R.numpy()), R.numpy())


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("dtype", [*DTYPES, np.complex128])
def test_cholesky(batch: tuple[int, ...], dtype: Any) -> None:
    a = _spd(batch, 4, dtype)
    low = LA.cholesky(_t(a)).numpy()
    _close(low, np.linalg.cholesky(a), dtype)
    up = LA.cholesky(_t(a), upper=True).numpy()
    _close(np.conj(np.swapaxes(up, -1, -2)) @ up, a, dtype)
    if not batch:
        _close(low, scipy.linalg.cholesky(a, lower=True), dtype)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(batch: tuple[int, ...], uplo: str) -> None:
    a = _mat(batch, 4, 4)
    sym = (
        np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)
        if uplo == "L"
        else np.triu(a) + np.swapaxes(np.triu(a, 1), -1, -2)
    )
    w, v = LA.eigh(_t(a), UPLO=uplo)
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(sym), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sym @ v.numpy(), v.numpy() * w.numpy()[..., None, :], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(LA.eigvalsh(_t(a), UPLO=uplo).numpy(), w.numpy(), rtol=1e-12)
    if not batch:
        np.testing.assert_allclose(w.numpy(), scipy.linalg.eigvalsh(sym), rtol=1e-10)
    with pytest.raises(RuntimeError, match="UPLO"):
        LA.eigh(_t(a), UPLO="X")


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 5)])
def test_pinv_and_rank(batch: tuple[int, ...], shape: tuple[int, int]) -> None:
    a = _mat(batch, *shape)
    np.testing.assert_allclose(LA.pinv(_t(a)).numpy(), np.linalg.pinv(a), rtol=1e-9, atol=1e-10)
    low_rank = _mat(batch, shape[0], 2) @ _mat(batch, 2, shape[1])
    assert (LA.matrix_rank(_t(low_rank)).numpy() == 2).all()
    assert LA.matrix_rank(_t(low_rank)).dtype == tt.int64
    np.testing.assert_allclose(LA.pinv(_t(low_rank)).numpy(), np.linalg.pinv(low_rank), rtol=1e-7, atol=1e-9)
    sym = _spd(batch, 3)
    np.testing.assert_allclose(LA.pinv(_t(sym), hermitian=True).numpy(), np.linalg.inv(sym), rtol=1e-9)
    assert (LA.matrix_rank(_t(sym), hermitian=True).numpy() == 3).all()


def test_rank_tolerances() -> None:
    a = tt.from_numpy(np.diag([1.0, 1e-3, 1e-9]))
    assert LA.matrix_rank(a).item() == 3
    assert LA.matrix_rank(a, atol=1e-6).item() == 2
    assert LA.matrix_rank(a, rtol=1e-2).item() == 1
    assert LA.matrix_rank(a, atol=0.5, rtol=0.0).item() == 1
    np.testing.assert_allclose(LA.pinv(a, atol=1e-6).numpy(), np.diag([1.0, 1e3, 0.0]))


@pytest.mark.parametrize("ord", [2, 1, 0, 3, 0.5, -1, float("inf"), -float("inf")])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_vector_norm(ord: float, dim: Any, keepdim: bool) -> None:
    a = _mat((), 3, 4)[:, ::-1]  # non-contiguous
    a[0, 0] = 0.0
    axes = (0, 1) if dim is None else ((dim % 2,) if isinstance(dim, int) else dim)
    flat = np.moveaxis(a, axes, tuple(range(-len(axes), 0)))
    flat = flat.reshape(*flat.shape[: a.ndim - len(axes)], -1)
    with np.errstate(divide="ignore"):
        ref = np.linalg.norm(flat, ord=ord, axis=-1)
    if keepdim:
        ref = np.expand_dims(ref, axes)
    got = LA.vector_norm(_t(a), ord, dim, keepdim).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-10)


def test_vector_norm_dtypes() -> None:
    x32 = tt.tensor([3.0, -4.0])
    assert LA.vector_norm(x32).dtype == tt.float32
    assert LA.vector_norm(x32, dtype=tt.float64).dtype == tt.float64
    assert LA.vector_norm(x32.half()).dtype == tt.float16
    z = tt.from_numpy(np.array([3 + 4j, 0j], np.complex64))
    assert LA.vector_norm(z).dtype == tt.float32 and LA.vector_norm(z).item() == pytest.approx(5.0)
    with pytest.raises(RuntimeError, match=r"Expected a floating point or complex tensor as input\. Got Long"):
        LA.vector_norm(tt.ones(3, dtype=tt.int64))
    with pytest.raises(RuntimeError, match="empty tensor"):
        LA.vector_norm(tt.zeros(0), float("inf"))


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf")])
@pytest.mark.parametrize("batch", BATCHES)
def test_matrix_norm(ord: Any, batch: tuple[int, ...]) -> None:
    a = _mat(batch, 3, 4)
    ref = np.linalg.norm(a, ord=ord, axis=(-2, -1))
    np.testing.assert_allclose(LA.matrix_norm(_t(a), ord).numpy(), ref, rtol=1e-10)
    kd = LA.matrix_norm(_t(a), ord, keepdim=True).numpy()
    assert kd.shape == (*batch, 1, 1)
    if batch:
        moved = np.moveaxis(a, 0, -1)  # norm over dims (-3, -2) of a transposed layout
        got = LA.matrix_norm(_t(moved), ord, dim=(-3, -2)).numpy()
        np.testing.assert_allclose(got, np.moveaxis(ref, 0, -1) if len(batch) > 1 else ref, rtol=1e-10)


def test_norm_dispatch() -> None:
    a = _mat((2,), 3, 4)
    np.testing.assert_allclose(LA.norm(_t(a)).numpy(), np.linalg.norm(a.reshape(-1)), rtol=1e-12)
    np.testing.assert_allclose(LA.norm(_t(a), dim=1).numpy(), np.linalg.norm(a, axis=1), rtol=1e-12)
    np.testing.assert_allclose(LA.norm(_t(a), 2, dim=(1, 2)).numpy(), np.linalg.norm(a, 2, axis=(1, 2)), rtol=1e-10)
    np.testing.assert_allclose(LA.norm(_t(a[0]), "nuc").numpy(), np.linalg.norm(a[0], "nuc"), rtol=1e-10)
    np.testing.assert_allclose(LA.norm(_t(a[0, 0]), 1).numpy(), np.linalg.norm(a[0, 0], 1), rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"must be 1D or 2D\. Got 3D"):
        LA.norm(_t(a), ord=2)
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        LA.matrix_norm(_t(a), ord=3)


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: LA.inv(_t(SINGULAR)), LA.LinAlgError, r"^linalg.inv: The diagonal element 2 is zero, the inversion"),
        (
            lambda: LA.inv(_t(np.stack([np.eye(2), SINGULAR]))),
            LA.LinAlgError,
            r"^linalg.inv: \(Batch element 1\): The diagonal element 2 is zero",
        ),
        (
            lambda: LA.inv(tt.ones(2, 3)),
            RuntimeError,
            "A must be batches of square matrices, but they are 2 by 3 matrices",
        ),
        (lambda: LA.inv(tt.ones(3)), RuntimeError, "The input tensor A must have at least 2 dimensions"),
        (lambda: LA.inv(tt.ones(2, 2, dtype=tt.int64)), RuntimeError, "Expected a floating point or complex tensor"),
        (lambda: LA.inv(tt.ones(2, 2).half()), RuntimeError, "Half"),
        (lambda: LA.det(tt.ones(2, 3)), RuntimeError, "linalg.det: A must be batches of square matrices"),
        (lambda: LA.solve(_t(SINGULAR), _t(np.ones(2))), LA.LinAlgError, "input matrix is singular"),
        (lambda: LA.solve(tt.eye(2), tt.ones(3)), RuntimeError, r"Incompatible shapes of A and B .* \(2x2 and 3x1\)"),
        (lambda: LA.solve(tt.eye(2), tt.ones(2, dtype=tt.float64)), RuntimeError, "same dtype"),
        (
            lambda: LA.cholesky(_t(SINGULAR - np.eye(2))),
            LA.LinAlgError,
            r"not positive-definite \(the leading minor of order 1 is not positive-definite\)",
        ),
        (
            lambda: LA.cholesky(_t(np.stack([np.eye(2), np.diag([1.0, -1.0])]))),
            LA.LinAlgError,
            r"\(Batch element 1\): .*leading minor of order 2",
        ),
        (lambda: LA.eigh(tt.ones(2, 3)), RuntimeError, "square"),
        (lambda: LA.svd(tt.ones(3)), RuntimeError, "at least 2 dimensions"),
        (lambda: LA.qr(tt.ones(3, 3), mode="x"), RuntimeError, "unrecognized mode 'x'"),
        (lambda: LA.matrix_rank(tt.ones(3)), RuntimeError, "at least 2 dimensions"),
        (lambda: LA.inv(np.eye(2)), TypeError, "expected a Tensor"),  # type: ignore[arg-type]
    ],
)
def test_errors(call: Any, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        call()
    assert issubclass(LA.LinAlgError, RuntimeError)


@pytest.mark.torch
def test_error_messages_match_torch() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        ("inv", [SINGULAR]),
        ("inv", [np.stack([np.eye(2), SINGULAR])]),
        ("inv", [np.ones((2, 3))]),
        ("det", [np.ones(3)]),
        ("cholesky", [SINGULAR - np.eye(2)]),
        ("cholesky", [np.stack([np.eye(2), -np.eye(2)])]),
        ("eigh", [np.ones((2, 3))]),
    ]
    for name, args in cases:
        with pytest.raises(RuntimeError) as ours:
            getattr(LA, name)(*[_t(a) for a in args])
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch.linalg, name)(*[torch.from_numpy(a) for a in args])
        assert str(ours.value) == str(theirs.value)


def test_named_tuples() -> None:
    a = tt.from_numpy(_spd((), 3))
    assert LA.svd(a)._fields == ("U", "S", "Vh")
    assert LA.qr(a)._fields == ("Q", "R")
    assert LA.eigh(a)._fields == ("eigenvalues", "eigenvectors")
    assert LA.slogdet(a)._fields == ("sign", "logabsdet")
    u, s, vh = LA.svd(a)
    assert isinstance(u, tt.Tensor) and isinstance(s, tt.Tensor) and isinstance(vh, tt.Tensor)


@pytest.mark.gpu
@pytest.mark.skipif(not tt.cuda.is_available(), reason="needs CuPy and a CUDA GPU")
def test_cuda_matches_cpu() -> None:
    a = _spd((2,), 4)
    g = _t(a).cuda()
    np.testing.assert_allclose(LA.inv(g).cpu().numpy(), np.linalg.inv(a), rtol=1e-8)
    np.testing.assert_allclose(LA.cholesky(g).cpu().numpy(), np.linalg.cholesky(a), rtol=1e-8)
    np.testing.assert_allclose(LA.eigh(g).eigenvalues.cpu().numpy(), np.linalg.eigvalsh(a), rtol=1e-8)
    np.testing.assert_allclose(LA.norm(g).cpu().numpy(), np.linalg.norm(a.reshape(-1)), rtol=1e-10)
    with pytest.raises(LA.LinAlgError, match="singular"):
        LA.inv(_t(SINGULAR).cuda())


def test_dispatch_protocol() -> None:
    class Box:
        def __init__(self, t: tt.Tensor) -> None:
            self.t = t

        def __taeda_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
            return ("handled", func.__name__, args[0].t.shape)

    assert LA.inv(Box(tt.eye(2))) == ("handled", "inv", (2, 2))  # type: ignore[arg-type]
    assert LA.svd(Box(tt.eye(3))) == ("handled", "svd", (3, 3))  # type: ignore[arg-type,comparison-overlap]
    assert tt.rand_like(Box(tt.eye(3))) == ("handled", "rand_like", (3, 3))  # type: ignore[arg-type]
