"""Gradient rules for the functions taeda.tensor gained with quantile, xlogy, ... lu_solve: xlogy, logit, sinc, i0,
float_power, sgn/angle (real), positive, conj/conj_physical/resolve_conj, hsplit/vsplit/dsplit, cartesian_prod,
quantile/nanquantile/nanmedian, linalg matrix_power, multi_dot, vecdot, matrix_exp, lstsq and lu_solve: gradcheck and
gradgradcheck in float64 (broadcast shapes, 0-d, empty and non-contiguous inputs), values and gradients against
PyTorch (skipped without torch), and the edge conventions (xlogy at 0, logit at its eps clamp, sinc at 0, quantile
ties)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pytest

import taeda.tensor as _tensor
from taeda.autograd import Variable, gradcheck, gradgradcheck, no_grad
from taeda.autograd import grad as _grad

# taeda.tensor's functions dispatch to autograd on Variables; their annotations say Tensor
tt: Any = _tensor
grad: Any = _grad  # its results are Variable | None; these tests know which are set

Fn = Callable[..., Any]
NAN = math.nan


def spec(shape: tuple[int, ...], domain: str = "any", nc: bool = False) -> tuple[tuple[int, ...], str, bool]:
    return shape, domain, nc


# a fixed matrix and its LAPACK LU factorisation (pivots 1-based): the LU of lu_solve's cases
_A0 = np.array([[0.5, 2.0, -1.0], [3.0, 0.3, 0.7], [1.0, -1.5, 2.5]])
_P0 = np.array([2, 2, 3], dtype=np.int32)


def _lu0() -> np.ndarray[Any, Any]:
    with no_grad():
        lu, piv = tt.linalg.lu_factor(tt.as_tensor(_A0))
    assert piv.tolist() == _P0.tolist()
    return np.asarray(lu.array)


def array(shape: tuple[int, ...], seed: int, domain: str = "any", nc: bool = False) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if domain == "distinct":  # well separated values: no ties for the sort-based rules
        arr = (rng.permutation(n) * 0.37 - 0.3 * n).reshape(shape) if n else np.zeros(shape)
    elif domain == "unit":  # inside (0, 1), away from the ends
        arr = rng.uniform(0.05, 0.95, shape)
    elif domain == "wc":  # well-conditioned square matrices
        arr = rng.standard_normal(shape) * 0.3 + np.eye(shape[-1]) * 2.0
    elif domain == "a0":  # around _A0: the same (non-trivial) pivots
        arr = _A0 + rng.standard_normal(shape) * 0.05
    elif domain == "lu":
        arr = np.broadcast_to(_lu0(), shape).copy()
    else:
        arr = rng.standard_normal(shape)
    if domain == "pos":
        arr = np.abs(arr) + 0.5
    elif domain == "nan":
        flat = arr.reshape(-1)
        flat[::3] = NAN
    if nc and len(shape) >= 2:  # the same values in a transposed (non-contiguous) layout
        arr = np.ascontiguousarray(np.swapaxes(arr, -1, -2)).swapaxes(-1, -2)
    return np.asarray(arr, dtype=np.float64)


def variables(specs: list[Any], seed: int = 0) -> list[Variable]:
    return [
        Variable(tt.as_tensor(array(shape, seed + i, domain, nc)), requires_grad=True)
        for i, (shape, domain, nc) in enumerate(specs)
    ]


def qv(m: Any, values: list[float]) -> Any:
    return m.tensor(values, dtype=m.float64)


def piv(m: Any) -> Any:
    return m.tensor(_P0.tolist(), dtype=m.int32)


def _quantile_mode(mode: str, m: Any, a: Any) -> Any:
    return m.quantile(a, qv(m, [0.2, 0.5, 0.9]), 0, interpolation=mode)


def _matrix_power(n: int, m: Any, a: Any) -> Any:
    return m.linalg.matrix_power(a, n)


def _lu_solve(left: bool, adjoint: bool, m: Any, lu: Any, b: Any) -> Any:
    return m.linalg.lu_solve(lu, piv(m), b, left=left, adjoint=adjoint)


A = spec((3, 4))
P = spec((3, 4), "pos")
# (id, fn(m, *inputs) with m taeda.tensor or torch, input specs, check second order)
CASES: list[tuple[str, Fn, list[Any], bool]] = [
    ("xlogy", lambda m, a, b: m.xlogy(a, b), [A, P], True),
    ("xlogy_bcast_nc", lambda m, a, b: m.xlogy(a, b), [spec((2, 1, 3)), spec((4, 3), "pos", nc=True)], True),
    ("xlogy_scalar_other", lambda m, a: m.xlogy(a, 2.5), [A], True),
    ("xlogy_scalar_self", lambda m, b: m.xlogy(-1.5, b), [P], True),
    ("xlogy_0d", lambda m, a, b: m.xlogy(a, b), [spec(()), spec((), "pos")], True),
    ("xlogy_empty", lambda m, a, b: m.xlogy(a, b), [spec((0, 3)), spec((3,), "pos")], True),
    ("xlogy_method", lambda m, a, b: a.xlogy(b), [A, P], True),
    ("logit", lambda m, a: m.logit(a), [spec((3, 4), "unit", nc=True)], True),
    ("logit_eps", lambda m, a: m.logit(a, 0.1), [spec((20,), "unit")], True),
    ("logit_0d_method", lambda m, a: a.logit(), [spec((), "unit")], True),
    ("sinc", lambda m, a: m.sinc(a), [spec((3, 4), nc=True)], True),
    ("sinc_0d_method", lambda m, a: a.sinc(), [spec(())], True),
    ("sinc_empty", lambda m, a: m.sinc(a), [spec((0,))], True),
    ("i0", lambda m, a: m.i0(a * 3), [spec((3, 4), nc=True)], True),
    ("i0_0d_method", lambda m, a: a.i0(), [spec(())], True),
    ("float_power", lambda m, a, b: m.float_power(a, b), [P, A], True),
    ("float_power_bcast", lambda m, a, b: m.float_power(a, b), [spec((2, 1), "pos"), spec((3,))], True),
    ("float_power_scalar_exp", lambda m, a: m.float_power(a, 3), [A], True),
    ("float_power_scalar_base", lambda m, b: m.float_power(2.5, b), [A], True),
    ("float_power_method", lambda m, a: a.float_power(-0.5), [P], True),
    ("sgn_real", lambda m, a: m.sgn(a) * a, [A], False),
    ("angle_real", lambda m, a: m.angle(a) + a, [A], False),
    ("positive", lambda m, a: m.positive(a) * 2, [A], True),
    ("conj_real", lambda m, a: m.conj(a) * 2, [A], True),
    ("conj_physical_real", lambda m, a: m.conj_physical(a) * 2, [A], True),
    ("resolve_conj_real", lambda m, a: m.resolve_conj(a) * 2, [A], True),
    ("hsplit", lambda m, a: m.hsplit(a, [1, 3]), [spec((3, 4), nc=True)], True),
    ("hsplit_1d_sections", lambda m, a: m.hsplit(a, 2), [spec((6,))], True),
    ("vsplit", lambda m, a: m.vsplit(a, 3), [spec((3, 4))], True),
    ("dsplit", lambda m, a: a.dsplit([1, 5]), [spec((2, 1, 4))], True),
    ("cartesian_prod", lambda m, a, b, c: m.cartesian_prod(a, b, c), [spec((2,)), spec((3,)), spec((1,))], True),
    ("cartesian_prod_one", lambda m, a: m.cartesian_prod(a) * 1, [spec((3,))], True),
    ("cartesian_prod_empty", lambda m, a, b: m.cartesian_prod(a, b), [spec((0,)), spec((3,))], True),
    ("quantile", lambda m, a: m.quantile(a, 0.3), [spec((3, 4), "distinct")], True),
    (
        "quantile_dim_vector_q_nc",
        lambda m, a: m.quantile(a, qv(m, [0.0, 0.3, 0.5, 1.0]), 1, True),
        [spec((3, 4), "distinct", nc=True)],
        True,
    ),
    ("quantile_0d", lambda m, a: m.quantile(a, 0.7, 0), [spec((), "distinct")], True),
    ("quantile_method", lambda m, a: a.quantile(qv(m, [0.25, 0.8]), dim=0), [spec((5, 2), "distinct")], True),
    *[
        (
            f"quantile_{mode}",
            partial(_quantile_mode, mode),
            [spec((6, 3), "distinct")],
            True,
        )
        for mode in ("lower", "higher", "nearest", "midpoint")
    ],
    ("quantile_q_grad", lambda m, a, q: m.quantile(a, q, 1), [spec((3, 5), "distinct"), spec((4,), "unit")], False),
    ("nanquantile", lambda m, a: m.nanquantile(a, qv(m, [0.2, 0.6]), 1), [spec((3, 5), "nan")], True),
    ("nanquantile_all", lambda m, a: m.nanquantile(a, 0.4), [spec((7,), "nan")], True),
    ("nanmedian", lambda m, a: m.nanmedian(a), [spec((3, 5), "nan")], True),
    ("nanmedian_dim", lambda m, a: m.nanmedian(a, 1)[0], [spec((3, 5), "nan")], True),
    ("nanmedian_method_keepdim", lambda m, a: a.nanmedian(0, True)[0], [spec((4, 3), "distinct", nc=True)], True),
    *[(f"matrix_power_{n}", partial(_matrix_power, n), [spec((2, 3, 3), "wc")], True) for n in (0, 1, 2, 3, 6, -1, -3)],
    ("matrix_power_method_nc", lambda m, a: a.matrix_power(5), [spec((3, 3), "wc", nc=True)], True),
    ("multi_dot_vecs", lambda m, *t: m.linalg.multi_dot(t), [spec((3,)), spec((3, 4)), spec((4, 2)), spec((2,))], True),
    (
        "multi_dot_mats_nc",
        lambda m, *t: m.linalg.multi_dot(t),
        [spec((2, 5)), spec((5, 5), nc=True), spec((5, 1))],
        True,
    ),
    ("vecdot", lambda m, a, b: m.linalg.vecdot(a, b), [spec((2, 3)), spec((3,))], True),
    ("vecdot_dim0_nc", lambda m, a, b: m.linalg.vecdot(a, b, dim=0), [spec((3, 4), nc=True), spec((3, 1))], True),
    ("matrix_exp", lambda m, a: m.linalg.matrix_exp(a), [spec((3, 3))], True),
    ("matrix_exp_batch_nc", lambda m, a: m.linalg.matrix_exp(a), [spec((2, 3, 3), nc=True)], True),
    ("matrix_exp_method_1x1", lambda m, a: a.matrix_exp(), [spec((1, 1))], True),
    ("lstsq", lambda m, a, b: m.linalg.lstsq(a, b)[0], [spec((5, 3)), spec((5, 2))], True),
    ("lstsq_vector_gelsd", lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd")[0], [spec((4, 2)), spec((4,))], True),
    (
        "lstsq_bcast_gels",
        lambda m, a, b: m.linalg.lstsq(a, b, driver="gels")[0],
        [spec((2, 5, 3)), spec((1, 5, 2))],
        True,
    ),
    ("lstsq_square", lambda m, a, b: m.linalg.lstsq(a, b).solution, [spec((3, 3), "wc"), spec((3, 2))], True),
    *[
        (
            f"lu_solve_left{int(left)}_adj{int(adj)}",
            partial(_lu_solve, left, adj),
            [spec((3, 3), "lu"), spec((3, 2) if left else (2, 3))],
            True,
        )
        for left in (True, False)
        for adj in (False, True)
    ],
    ("lu_factor", lambda m, a: m.linalg.lu_factor(a)[0], [spec((3, 3), "a0")], True),
    ("lu_factor_batch_nc", lambda m, a: m.linalg.lu_factor(a).LU, [spec((2, 3, 3), "a0", nc=True)], True),
    (
        "lu_factor_then_solve",
        lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b),
        [spec((3, 3), "a0"), spec((3, 2))],
        True,
    ),
    (
        "lu_solve_bcast",
        lambda m, lu, b: m.linalg.lu_solve(lu, piv(m).expand(2, 3), b),
        [spec((2, 3, 3), "lu"), spec((3, 1))],
        True,
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("name", "fn", "specs", "second"), CASES, ids=IDS)
def test_gradcheck(name: str, fn: Fn, specs: list[Any], second: bool) -> None:
    xs = variables(specs)
    assert gradcheck(lambda *a: fn(tt, *a), xs)
    if second:
        assert gradgradcheck(lambda *a: fn(tt, *a), xs)


def _outputs(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _np(x: Any) -> np.ndarray[Any, Any]:
    if isinstance(x, Variable):
        return np.asarray(x.data.array)
    return np.asarray(x.detach().numpy(force=True))


def _loss(outs: list[Any], weights: list[Any]) -> Any:
    return sum(((o * w).sum() for o, w in zip(outs, weights)), start=0)


@pytest.mark.parametrize(("name", "fn", "specs", "second"), CASES, ids=IDS)
def test_torch_parity(name: str, fn: Fn, specs: list[Any], second: bool) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    xs = variables(specs)
    ts = [torch.tensor(_np(x).copy(), requires_grad=True) for x in xs]
    outs, routs = _outputs(fn(tt, *xs)), _outputs(fn(torch, *ts))
    assert len(outs) == len(routs)
    rng = np.random.default_rng(7)
    weights = [rng.standard_normal(tuple(o.shape)) for o in outs]
    for o, r in zip(outs, routs):
        assert tuple(o.shape) == tuple(r.shape)
        np.testing.assert_allclose(_np(o), _np(r), rtol=1e-9, atol=1e-10)
    loss = _loss(outs, [tt.as_tensor(w) for w in weights])
    rloss = _loss(routs, [torch.tensor(w) for w in weights])
    gs = grad(loss, xs, create_graph=second, allow_unused=True)
    rgs = torch.autograd.grad(rloss, ts, create_graph=second, allow_unused=True)
    for g, r in zip(gs, rgs):
        if r is None:
            assert g is None or not np.any(_np(g))
            continue
        assert g is not None
        np.testing.assert_allclose(_np(g), _np(r), rtol=1e-8, atol=1e-9)
    if second:
        pairs = [(g, r) for g, r in zip(gs, rgs) if g is not None and r is not None and r.requires_grad]
        pairs = [(g, r) for g, r in pairs if g.requires_grad]
        if not pairs:
            return
        h = grad(sum(((g * g).sum() for g, _ in pairs), start=0), xs, allow_unused=True)
        rh = torch.autograd.grad(sum((r * r).sum() for _, r in pairs), ts, allow_unused=True)
        for g, r in zip(h, rh):
            if r is None:
                assert g is None or not np.any(_np(g))
                continue
            assert g is not None
            np.testing.assert_allclose(_np(g), _np(r), rtol=1e-7, atol=1e-8)


# ------------------------------------------------------------------------------------------------ edge conventions
def _pair(values: Any, torch: Any, dtype: str = "float64") -> tuple[Variable, Any]:
    return (
        Variable(tt.tensor(values, dtype=getattr(tt, dtype)), requires_grad=True),
        torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True),
    )


def _grads(fn: Fn, values: list[list[float]], torch: Any, dtype: str = "float64", second: bool = False) -> None:
    """Values, gradients (and with ``second`` the gradients of the squared gradients) of ``fn`` match PyTorch
    bit for bit up to rounding, NaN and infinities included."""
    pairs = [_pair(v, torch, dtype) for v in values]
    xs, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    out, rout = fn(tt, *xs), fn(torch, *ts)
    np.testing.assert_allclose(_np(out), _np(rout), rtol=1e-6 if dtype == "float32" else 1e-12)
    w = np.linspace(-1.0, 2.0, int(np.prod(tuple(out.shape)))).reshape(tuple(out.shape))
    gs = grad((out * tt.as_tensor(w).to(out.dtype)).sum(), xs, create_graph=second)
    rgs = torch.autograd.grad((rout * torch.tensor(w).to(rout.dtype)).sum(), ts, create_graph=second)
    for g, r in zip(gs, rgs):
        assert g.dtype == tt.float32 if dtype == "float32" else g.dtype == tt.float64
        np.testing.assert_allclose(_np(g), _np(r), rtol=1e-6 if dtype == "float32" else 1e-12)
    if second:
        h = grad(sum(((g * g).sum() for g in gs), start=0), xs, allow_unused=True)
        rh = torch.autograd.grad(sum((r * r).sum() for r in rgs), ts, allow_unused=True)
        for g, r in zip(h, rh):
            if r is None:
                assert g is None or not np.any(_np(g))
            else:
                np.testing.assert_allclose(_np(g), _np(r), rtol=1e-10)


def test_xlogy_zero_conventions_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    x = [0.0, 0.0, 0.0, 0.0, 2.0, 1.5, 0.0, -1.0]
    y = [0.0, -1.0, 2.0, NAN, 0.0, 3.0, math.inf, 0.5]
    _grads(lambda m, a, b: m.xlogy(a, b), [x, y], torch)
    a = Variable(tt.tensor(x[:3], dtype=tt.float64), requires_grad=True)
    tt.xlogy(a, tt.tensor(y[:3], dtype=tt.float64)).sum().backward()
    assert a.grad is not None and a.grad.tolist() == [0.0, 0.0, math.log(2.0)]  # 0 where x == 0 and y <= 0


def test_xlogy_second_order_at_zero_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    _grads(lambda m, a, b: m.xlogy(a, b), [[0.0, 0.0, 1.0, 2.0], [0.0, 2.0, 0.5, 3.0]], torch, second=True)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("eps", [None, 0.1, 0.0, -1.0])
def test_logit_gradient_at_the_eps_clamp_matches_torch(dtype: str, eps: float | None) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    np_dt = np.dtype(dtype).type
    lo = float(np_dt(0.1))
    hi = float(np_dt(1) - np_dt(0.1))
    x = [lo, hi, float(np.nextafter(np_dt(lo), np_dt(0))), float(np.nextafter(np_dt(hi), np_dt(1)))]
    x += [0.0, 1.0, 0.5, -0.1, 1.1, 0.05, 0.95, NAN]
    _grads(lambda m, a: m.logit(a, eps), [x], torch, dtype)
    if eps == 0.1:  # inside the closed interval [eps, 1 - eps] the gradient is kept, just outside it is 0
        v = Variable(tt.tensor(x[:4], dtype=getattr(tt, dtype)), requires_grad=True)
        tt.logit(v, eps).sum().backward()
        assert v.grad is not None
        g = v.grad.tolist()
        assert g[0] > 0 and g[1] > 0 and g[2] == 0.0 and g[3] == 0.0


def test_logit_second_order_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    _grads(lambda m, a: m.logit(a, 0.2), [[0.1, 0.2, 0.5, 0.7, 0.9]], torch, second=True)


def test_sinc_gradient_at_zero() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    x = [0.0, -0.0, 1e-200, 1e-8, 0.5, -2.0, 3.25]
    _grads(lambda m, a: m.sinc(a), [x], torch)
    _grads(lambda m, a: m.sinc(a), [x[:3] + x[4:]], torch, second=True)  # (1e-8: cancellation, rounding differs)
    v = Variable(tt.tensor([0.0, 1e-200], dtype=tt.float64), requires_grad=True)
    tt.sinc(v).sum().backward()
    assert v.grad is not None and v.grad.tolist() == [0.0, 0.0]


def test_i0_gradient_and_second_order_at_zero_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    _grads(lambda m, a: m.i0(a), [[0.0, 1e-20, -0.5, 2.0, 10.0]], torch, second=True)
    _grads(lambda m, a: m.i0(a), [[0.0, -0.5, 2.0, 10.0]], torch, "float32")


@pytest.mark.parametrize(
    ("values", "q"),
    [
        ([1.0, 2.0, 2.0, 3.0], [0.5, 0.4, 0.6]),
        ([2.0, 2.0, 2.0, 2.0, 2.0], [0.0, 0.3, 0.5, 1.0]),
        ([3.0, 1.0, 3.0, 1.0, 3.0, 2.0], [0.1, 0.5, 0.75, 0.9]),
    ],
)
@pytest.mark.parametrize("mode", ["linear", "lower", "higher", "nearest", "midpoint"])
def test_quantile_ties_match_torch(values: list[float], q: list[float], mode: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    _grads(lambda m, a: m.quantile(a, qv(m, q), interpolation=mode), [values], torch)
    _grads(lambda m, a: m.quantile(a.reshape(1, -1).expand(2, -1), 0.5, 1, interpolation=mode), [values], torch)


def test_quantile_ties_split_between_neighbours() -> None:
    v = Variable(tt.tensor([2.0, 2.0, 2.0, 2.0], dtype=tt.float64), requires_grad=True)
    tt.quantile(v, 0.5).backward()  # rank 1.5: half to the 2nd and half to the 3rd of the tied values
    assert v.grad is not None and v.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantile_with_nan_matches_torch(fn: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    rows = [[1.0, NAN, 3.0, 0.5], [NAN, NAN, NAN, NAN], [4.0, 2.0, NAN, NAN]]
    pairs = [_pair(r, torch) for r in rows]
    for (x, t), q in zip(pairs, (0.3, 0.6, 1.0)):
        out, rout = getattr(tt, fn)(x, q), getattr(torch, fn)(t, q)
        np.testing.assert_allclose(_np(out), _np(rout))
        out.backward()
        rout.backward()
        assert x.grad is not None
        np.testing.assert_array_equal(_np(x.grad), t.grad.numpy())


def test_quantile_gradient_to_q_matches_torch_and_refuses_second_order() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    vals = [[0.5, 3.0, -1.0, 2.0, 7.0], [1.0, NAN, 0.0, 4.0, 2.0]]
    for fn in ("quantile", "nanquantile"):
        for mode in ("linear", "lower", "midpoint"):
            x, t = _pair(vals, torch)
            q, tq = _pair([0.1, 0.45, 1.0], torch)
            out = getattr(tt, fn)(x, q, 1, interpolation=mode)
            rout = getattr(torch, fn)(t, tq, 1, interpolation=mode)
            w = np.arange(6.0).reshape(3, 2)
            gq, gx = grad((out * tt.as_tensor(w)).sum(), [q, x], allow_unused=True)
            rq, rx = torch.autograd.grad((rout * torch.tensor(w)).sum(), [tq, t], allow_unused=True)
            assert (gq is None) == (rq is None) == (mode != "linear")
            if rq is not None:
                np.testing.assert_allclose(_np(gq), _np(rq), rtol=1e-12)
            np.testing.assert_allclose(_np(gx), _np(rx), rtol=1e-12)
    x = Variable(tt.tensor([1.0, 2.0, 4.0], dtype=tt.float64), requires_grad=True)
    q = Variable(tt.tensor(0.3, dtype=tt.float64), requires_grad=True)
    with pytest.raises(NotImplementedError, match="second derivative of quantile"):
        grad(tt.quantile(x, q), [q], create_graph=True)


def test_nanmedian_ties_and_all_nan_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    for values in ([1.0, NAN, 1.0, 2.0, NAN], [NAN, NAN], [3.0, 1.0, 3.0, 1.0]):
        _grads(lambda m, a: m.nanmedian(a), [values], torch)
    _grads(lambda m, a: m.nanmedian(a.reshape(2, 3), 1)[0], [[1.0, NAN, 1.0, NAN, NAN, NAN]], torch)


def test_float_power_computes_in_double_and_returns_input_dtype_gradients() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    x, t = _pair([0.5, 2.0, 3.0], torch, "float32")
    e, te = _pair([1.5, -1.0, 0.25], torch, "float32")
    out, rout = tt.float_power(x, e), torch.float_power(t, te)
    assert out.dtype == tt.float64
    np.testing.assert_allclose(_np(out), _np(rout), rtol=1e-15)
    (out * 3).sum().backward()
    (rout * 3).sum().backward()
    assert x.grad is not None and e.grad is not None
    assert x.grad.dtype == tt.float32 and e.grad.dtype == tt.float32
    np.testing.assert_array_equal(_np(x.grad), t.grad.numpy())
    np.testing.assert_array_equal(_np(e.grad), te.grad.numpy())
    ints = Variable(tt.tensor([1, 2, 3]))
    r = tt.float_power(ints, x)
    assert r.dtype == tt.float64 and r.requires_grad


def test_real_angle_and_sgn_have_zero_gradients_and_complex_refuses() -> None:
    x = Variable(tt.tensor([-2.0, 0.0, 3.0], dtype=tt.float64), requires_grad=True)
    (tt.angle(x) + tt.sgn(x) + x.angle()).sum().backward()
    assert x.grad is not None and x.grad.tolist() == [0.0, 0.0, 0.0]
    z = Variable(tt.tensor([3 + 4j], dtype=tt.complex128), requires_grad=True)
    assert tt.sgn(z).data.tolist() == [0.6 + 0.8j]
    for f in (tt.sgn, tt.angle):
        with pytest.raises(NotImplementedError, match="complex"):
            f(z).abs().sum().backward()


def test_identity_routes_return_the_input() -> None:
    x = Variable(tt.tensor([1.0, -2.0]), requires_grad=True)
    for f in (tt.positive, tt.conj, tt.conj_physical, tt.resolve_conj):
        assert f(x) is x
    assert x.positive() is x and x.conj() is x and x.resolve_conj() is x and not x.is_conj()
    with pytest.raises(RuntimeError, match="bool"):
        tt.positive(Variable(tt.tensor([True])))
    z = Variable(tt.tensor([1 + 2j], dtype=tt.complex128), requires_grad=True)
    c = tt.conj(z)
    assert c.data.tolist() == [1 - 2j] and c.grad_fn is not None


def test_non_differentiable_functions() -> None:
    x = Variable(tt.tensor([[2.0, 1.0], [0.5, 3.0]], dtype=tt.float64), requires_grad=True)
    r = tt.isreal(x)
    assert not r.requires_grad and r.data.tolist() == [[True, True], [True, True]]
    assert not x.isreal().requires_grad and tt.is_conj(x) is False
    i = Variable(tt.tensor([4, 6]))
    assert tt.gcd(i, Variable(tt.tensor([6, 9]))).data.tolist() == [2, 3]
    assert tt.lcm(i, tt.tensor([6, 9])).data.tolist() == [12, 18]
    for f in (tt.linalg.cond, tt.linalg.eigvals):
        with pytest.raises(TypeError, match="no gradient rule"):
            f(x)
    lu, pivots = tt.linalg.lu_factor(x)
    assert lu.requires_grad and not pivots.requires_grad and pivots.dtype == tt.int32
    with pytest.raises(NotImplementedError, match="non-square"):
        tt.linalg.lu_factor(x[:, :1]).LU.sum().backward()
    res = tt.linalg.lstsq(x, x, driver="gelsd")
    assert res.solution.requires_grad
    assert not res.rank.requires_grad and not res.singular_values.requires_grad


@pytest.mark.parametrize("name", ["xlogy", "logit", "sinc", "i0", "float_power"])
def test_inplace_forms_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    base = [0.2, 0.5, 0.9]
    x, t = _pair(base, torch)
    args: tuple[Any, ...] = {"xlogy": (2.5,), "logit": (0.3,), "float_power": (1.5,)}.get(name, ())
    y = x * 1
    getattr(y, name + "_")(*args)
    ry = t * 1
    getattr(ry, name + "_")(*args)
    np.testing.assert_allclose(_np(y), _np(ry), rtol=1e-12)
    (y * y).sum().backward()
    (ry * ry).sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(_np(x.grad), t.grad.numpy(), rtol=1e-12)


def test_out_is_refused_and_tensor_errors_kept() -> None:
    x = Variable(tt.tensor([0.5, 0.25], dtype=tt.float64), requires_grad=True)
    with pytest.raises(RuntimeError, match="out="):
        tt.sinc(x, out=tt.empty(2, dtype=tt.float64))
    with pytest.raises(RuntimeError, match="out="):
        tt.quantile(x, 0.5, out=tt.empty((), dtype=tt.float64))
    with pytest.raises(RuntimeError, match="divisible"):
        tt.hsplit(x, 3)
    with pytest.raises(RuntimeError, match="1D vector"):
        tt.cartesian_prod(x.reshape(1, 2))
    with pytest.raises(RuntimeError, match="square"):
        tt.linalg.matrix_power(x.reshape(1, 2), 2)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        tt.linalg.multi_dot([x, x.reshape(1, 2)])
    with pytest.raises(RuntimeError, match="same dtype"):
        tt.linalg.vecdot(x, tt.tensor([1.0, 2.0], dtype=tt.float32))


def test_special_i1_on_a_variable_is_differentiable() -> None:
    x = Variable(tt.from_numpy(np.linspace(-2.0, 2.0, 7)), requires_grad=True)
    assert gradcheck(tt.special.i1, (x,))
