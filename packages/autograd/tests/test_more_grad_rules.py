"""Gradient rules for trace, addmm, addcmul/addcdiv, diag_embed, take_along_dim, index_add/index_fill, nansum/nanmean,
var_mean/std_mean, hypot, copysign, fmax/fmin, kron, cross, cummax/cummin, matrix_norm/norm, svd/svdvals,
eigh/eigvalsh, qr, pinv and scatter_reduce: gradcheck and gradgradcheck in float64 (broadcast shapes, 0-d and empty
inputs, non-contiguous inputs), then values and gradients against PyTorch (skipped without torch)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.tensor as _tensor
from taeda.autograd import Variable, gradcheck, gradgradcheck
from taeda.autograd import grad as _grad

# taeda.tensor's functions dispatch to autograd on Variables; their annotations say Tensor
tt: Any = _tensor
grad: Any = _grad  # its results are Variable | None; these tests know which are set

Fn = Callable[..., Any]
NAN = math.nan


def spec(shape: tuple[int, ...], domain: str = "any", nc: bool = False) -> tuple[tuple[int, ...], str, bool]:
    return shape, domain, nc


def array(shape: tuple[int, ...], seed: int, domain: str = "any", nc: bool = False) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if domain == "distinct":  # well separated values: no ties for max/min/sort-like rules
        arr = (rng.permutation(n) * 0.37 - 0.3 * n).reshape(shape) if n else np.zeros(shape)
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
    out = []
    for i, (shape, domain, nc) in enumerate(specs):
        arr = array(shape, seed + i, domain, nc)
        out.append(Variable(tt.as_tensor(arr), requires_grad=True))
    return out


def sym(x: Any) -> Any:
    return (x + x.mT) * 0.5


def ix(m: Any, values: Any) -> Any:
    return m.tensor(values)


def svd_parts(m: Any, a: Any, full: bool = False) -> tuple[Any, ...]:
    """Sign-invariant functions of the SVD: S, U*U, Vh*Vh and the first singular pair's outer product."""
    u, s, vh = m.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    return s, u * u, vh * vh, u[..., :1] @ vh[..., :1, :]


def eigh_parts(m: Any, a: Any) -> tuple[Any, ...]:
    w, v = m.linalg.eigh(sym(a))
    return w, v * v, v[..., :1] @ v[..., :1].mT


# (id, fn(m, *inputs) with m the module (taeda.tensor or torch), input specs, check second order)
CASES: list[tuple[str, Fn, list[Any], bool]] = [
    ("trace", lambda m, a: m.trace(a), [spec((3, 3))], True),
    ("trace_wide_nc", lambda m, a: a.trace(), [spec((3, 5), nc=True)], True),
    ("addmm", lambda m, a, b, c: m.addmm(a, b, c), [spec((2, 4)), spec((2, 3)), spec((3, 4))], True),
    (
        "addmm_bcast_scaled",
        lambda m, a, b, c: m.addmm(a, b, c, beta=0.5, alpha=-2.0),
        [spec((4,)), spec((2, 3), nc=True), spec((3, 4), nc=True)],
        True,
    ),
    ("addmm_0d_method", lambda m, a, b, c: a.addmm(b, c, beta=2), [spec(()), spec((2, 3)), spec((3, 2))], True),
    ("addmm_empty", lambda m, a, b, c: m.addmm(a, b, c), [spec((2, 3)), spec((2, 0)), spec((0, 3))], True),
    (
        "addcmul",
        lambda m, a, b, c: m.addcmul(a, b, c, value=0.7),
        [spec((3, 1)), spec((1, 4)), spec((4,))],
        True,
    ),
    ("addcmul_0d", lambda m, a, b, c: a.addcmul(b, c), [spec(()), spec((2, 3), nc=True), spec(())], True),
    (
        "addcdiv",
        lambda m, a, b, c: m.addcdiv(a, b, c, value=-1.5),
        [spec((2, 3)), spec((3,)), spec((2, 1), "pos")],
        True,
    ),
    ("diag_embed", lambda m, a: m.diag_embed(a), [spec((2, 3))], True),
    ("diag_embed_dims", lambda m, a: m.diag_embed(a, 1, 0, 2), [spec((3, 2), nc=True)], True),
    ("diag_embed_neg", lambda m, a: a.diag_embed(-1, -1, 0), [spec((4,))], True),
    ("take_along_dim", lambda m, a: m.take_along_dim(a, ix(m, [[0, 3], [1, 1], [2, 0]]), 1), [spec((3, 4))], True),
    ("take_along_dim_bcast", lambda m, a: m.take_along_dim(a, ix(m, [[2], [0]]), 0), [spec((3, 4), nc=True)], True),
    ("take_along_dim_flat", lambda m, a: a.take_along_dim(ix(m, [5, 0, 5, 2])), [spec((2, 3))], True),
    (
        "index_add",
        lambda m, a, s: m.index_add(a, 0, ix(m, [0, 2, 0]), s, alpha=2.0),
        [spec((4, 3)), spec((3, 3), nc=True)],
        True,
    ),
    ("index_add_dim1", lambda m, a, s: a.index_add(1, ix(m, [3, 1]), s), [spec((3, 4)), spec((3, 2))], True),
    ("index_fill", lambda m, a: m.index_fill(a, 1, ix(m, [0, 2, 0]), 2.5), [spec((3, 4), nc=True)], True),
    ("index_fill_value", lambda m, a, v: a.index_fill(0, ix(m, [1, 3, 1]), v), [spec((4, 2)), spec(())], True),
    ("nansum", lambda m, a: m.nansum(a), [spec((3, 4), "nan")], True),
    ("nansum_dim", lambda m, a: m.nansum(a, dim=1, keepdim=True), [spec((3, 4), "nan", nc=True)], True),
    ("nansum_dims", lambda m, a: a.nansum((0, 2)), [spec((2, 3, 2), "nan")], True),
    ("nanmean", lambda m, a: m.nanmean(a), [spec((3, 4), "nan")], True),
    ("nanmean_dim", lambda m, a: a.nanmean(0), [spec((3, 4), "nan", nc=True)], True),
    ("var_mean", lambda m, a: m.var_mean(a), [spec((3, 4))], True),
    ("var_mean_dim", lambda m, a: m.var_mean(a, 1, keepdim=True, correction=0), [spec((3, 4), nc=True)], True),
    ("std_mean", lambda m, a: m.std_mean(a, dim=(0, 2)), [spec((2, 3, 2))], True),
    ("std_mean_all_keep", lambda m, a: m.std_mean(a, keepdim=True), [spec((3, 2))], True),
    ("hypot", lambda m, a, b: m.hypot(a, b), [spec((3, 1)), spec((4,))], True),
    ("hypot_method_nc", lambda m, a, b: a.hypot(b), [spec((3, 3), nc=True), spec(())], True),
    ("copysign", lambda m, a, b: m.copysign(a, b), [spec((3, 4)), spec((4,))], True),
    ("copysign_scalar", lambda m, a: a.copysign(-1.0), [spec((2, 3), nc=True)], True),
    ("fmax", lambda m, a, b: m.fmax(a, b), [spec((3, 4), "distinct"), spec((4,), "distinct")], True),
    ("fmin", lambda m, a, b: a.fmin(b), [spec((2, 3), "distinct", nc=True), spec((2, 3), "distinct")], True),
    ("kron", lambda m, a, b: m.kron(a, b), [spec((2, 3)), spec((3, 2), nc=True)], True),
    ("kron_ranks", lambda m, a, b: a.kron(b), [spec((2,)), spec((2, 2, 1))], True),
    ("cross", lambda m, a, b: m.cross(a, b, dim=-1), [spec((4, 3)), spec((1, 3))], True),
    ("cross_dim0", lambda m, a, b: a.cross(b, dim=0), [spec((3, 2), nc=True), spec((3, 2))], True),
    ("cummax", lambda m, a: m.cummax(a, 1)[0], [spec((3, 4), "distinct")], True),
    ("cummin", lambda m, a: a.cummin(0).values, [spec((4, 3), "distinct", nc=True)], True),
    ("cummax_0d", lambda m, a: m.cummax(a, 0)[0], [spec(())], True),
    ("matrix_norm_fro", lambda m, a: m.linalg.matrix_norm(a), [spec((2, 3, 4))], True),
    ("matrix_norm_nuc", lambda m, a: m.linalg.matrix_norm(a, "nuc"), [spec((3, 4), nc=True)], True),
    ("matrix_norm_2", lambda m, a: m.linalg.matrix_norm(a, 2), [spec((2, 3, 3))], True),
    ("matrix_norm_-2", lambda m, a: m.linalg.matrix_norm(a, -2, keepdim=True), [spec((4, 3))], True),
    ("matrix_norm_1", lambda m, a: m.linalg.matrix_norm(a, 1), [spec((3, 4), "distinct")], True),
    ("matrix_norm_-1", lambda m, a: m.linalg.matrix_norm(a, -1, dim=(0, 2)), [spec((3, 2, 4), "distinct")], True),
    ("matrix_norm_inf", lambda m, a: m.linalg.matrix_norm(a, math.inf, keepdim=True), [spec((3, 4), "distinct")], True),
    (
        "matrix_norm_-inf",
        lambda m, a: m.linalg.matrix_norm(a, -math.inf, dim=(2, 0)),
        [spec((3, 2, 4), "distinct")],
        True,
    ),
    ("norm_vec", lambda m, a: m.linalg.norm(a), [spec((2, 3, 2))], True),
    ("norm_vec_ord", lambda m, a: m.linalg.norm(a, 3, dim=1), [spec((2, 3), "pos")], True),
    ("norm_mat_nuc", lambda m, a: m.linalg.norm(a, "nuc"), [spec((3, 2))], True),
    ("norm_mat_inf", lambda m, a: m.linalg.norm(a, math.inf, dim=(1, 0)), [spec((3, 4), "distinct")], True),
    ("svd_tall", svd_parts, [spec((4, 3))], True),
    ("svd_wide_batch", svd_parts, [spec((2, 2, 4), nc=True)], True),
    ("svd_full", lambda m, a: svd_parts(m, a, True), [spec((4, 2))], True),
    (
        "svd_USVh",
        lambda m, a: m.linalg.svd(a, full_matrices=False)[1].sum() + m.linalg.svd(a)[0].abs().sum(),
        [spec((3, 3))],
        False,
    ),
    ("svdvals", lambda m, a: m.linalg.svdvals(a), [spec((3, 5))], True),
    ("eigh", eigh_parts, [spec((4, 4))], True),
    ("eigh_batch", eigh_parts, [spec((2, 3, 3), nc=True)], True),
    ("eigvalsh", lambda m, a: m.linalg.eigvalsh(sym(a)), [spec((3, 3))], True),
    ("qr_tall", lambda m, a: m.linalg.qr(a), [spec((4, 3))], True),
    ("qr_square_nc", lambda m, a: m.linalg.qr(a), [spec((3, 3), nc=True)], True),
    ("qr_wide", lambda m, a: m.linalg.qr(a), [spec((2, 3, 5))], True),
    ("qr_complete_wide", lambda m, a: m.linalg.qr(a, mode="complete"), [spec((3, 4))], True),
    ("pinv_tall", lambda m, a: m.linalg.pinv(a), [spec((4, 3))], True),
    ("pinv_wide", lambda m, a: m.linalg.pinv(a), [spec((2, 3, 5), nc=True)], True),
    ("pinv_hermitian", lambda m, a: m.linalg.pinv(sym(a), hermitian=True), [spec((3, 3))], True),
]

# empty inputs
CASES += [
    ("trace_empty", lambda m, a: m.trace(a), [spec((0, 3))], True),
    ("diag_embed_empty", lambda m, a: m.diag_embed(a), [spec((2, 0))], True),
    ("take_along_dim_empty", lambda m, a: m.take_along_dim(a, m.zeros((3, 0), dtype=m.int64), 1), [spec((3, 4))], True),
    (
        "index_add_empty",
        lambda m, a, s: m.index_add(a, 0, m.zeros((0,), dtype=m.int64), s),
        [spec((2, 3)), spec((0, 3))],
        True,
    ),
    ("nansum_empty", lambda m, a: m.nansum(a, 1), [spec((0, 3))], True),
    ("var_mean_empty_dim", lambda m, a: m.var_mean(a, 0), [spec((2, 0))], True),
    ("cummax_empty", lambda m, a: m.cummax(a, 0)[0], [spec((0,))], True),
    ("kron_empty", lambda m, a, b: m.kron(a, b), [spec((2, 0)), spec((2, 2))], True),
    ("matrix_norm_fro_empty", lambda m, a: m.linalg.matrix_norm(a), [spec((0, 3))], True),
]

_SR_INDEX = [0, 2, 0, 3, 2]
for _reduce in ("sum", "mean", "amax", "amin", "prod"):
    for _incl in (True, False):
        CASES.append(
            (
                f"scatter_reduce_{_reduce}_{'incl' if _incl else 'excl'}",
                lambda m, a, s, r=_reduce, inc=_incl: m.scatter_reduce(a, 0, ix(m, _SR_INDEX), s, r, include_self=inc),
                [spec((4,), "distinct"), spec((5,), "distinct")],
                True,
            )
        )
CASES.append(
    (
        "scatter_reduce_2d_method",
        lambda m, a, s: a.scatter_reduce(1, ix(m, [[0, 0], [2, 1], [3, 3]]), s, "amax"),
        [spec((3, 4), "distinct", nc=True), spec((3, 2), "distinct")],
        True,
    )
)

IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("name", "fn", "specs", "second"), CASES, ids=IDS)
def test_gradcheck(name: str, fn: Fn, specs: list[Any], second: bool) -> None:
    xs = variables(specs)
    assert gradcheck(lambda *a: fn(tt, *a), xs)
    if second:
        assert gradgradcheck(lambda *a: fn(tt, *a), xs)


def _outputs(out: Any) -> list[Any]:
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [o for o in outs if (o.data.array.dtype.kind == "f" if isinstance(o, Variable) else o.is_floating_point())]


def _loss(outs: list[Any], weights: list[np.ndarray[Any, Any]], to: Callable[[Any], Any]) -> Any:
    total = None
    for o, w in zip(outs, weights):
        term = (o * to(w)).sum()
        total = term if total is None else total + term
    return total


def _np(x: Any) -> np.ndarray[Any, Any]:
    if isinstance(x, Variable):
        return np.asarray(x.data.array)
    return np.asarray(x.detach().numpy(force=True))  # force: PyTorch's zero gradients may be ZeroTensors


@pytest.mark.filterwarnings("ignore:var_mean.*degrees of freedom:UserWarning")
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
    loss = _loss(outs, weights, tt.as_tensor)
    rloss = _loss(routs, weights, torch.tensor)
    gs = grad(loss, xs, create_graph=second, allow_unused=True)
    rgs = torch.autograd.grad(rloss, ts, create_graph=second, allow_unused=True)
    for g, r in zip(gs, rgs):
        if r is None:
            assert g is None or not np.any(_np(g))
            continue
        assert g is not None
        np.testing.assert_allclose(_np(g), _np(r), rtol=1e-8, atol=1e-9)
    if second:
        # (a gradient that does not depend on the inputs may or may not carry a graph; gradgradcheck covers it)
        pairs = [
            (g, r) for g, r in zip(gs, rgs) if g is not None and r is not None and r.requires_grad and g.requires_grad
        ]
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


# ------------------------------------------------------------------------------------------------ edge cases
def _pair(values: list[float], torch: Any) -> tuple[Variable, Any]:
    return Variable(tt.tensor(values, dtype=tt.float64), requires_grad=True), torch.tensor(
        values, dtype=torch.float64, requires_grad=True
    )


@pytest.mark.parametrize("op", ["fmax", "fmin"])
def test_fmax_fmin_ties_and_nan_match_torch(op: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    a, ta = _pair([1.0, NAN, 2.0, NAN, 3.0, -1.0], torch)
    b, tb = _pair([1.0, 5.0, NAN, NAN, 0.0, 4.0], torch)
    w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    (getattr(tt, op)(a, b) * tt.tensor(w, dtype=tt.float64)).sum().backward()
    (getattr(torch, op)(ta, tb) * torch.tensor(w, dtype=torch.float64)).sum().backward()
    assert a.grad is not None and b.grad is not None
    np.testing.assert_array_equal(_np(a.grad), ta.grad.numpy())
    np.testing.assert_array_equal(_np(b.grad), tb.grad.numpy())
    assert a.grad.tolist()[0] == 1.0 and b.grad.tolist()[0] == 0.0  # a tie goes to input entirely


@pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")  # NumPy reports 0/0 and inf*0
def test_nan_reductions_match_torch_on_all_nan_slices() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    vals = [[NAN, NAN, NAN], [1.0, NAN, 2.0]]
    for op in ("nansum", "nanmean"):
        a = Variable(tt.tensor(vals, dtype=tt.float64), requires_grad=True)
        ta = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
        getattr(a, op)(1).sum().backward()
        getattr(ta, op)(1).sum().backward()
        assert a.grad is not None
        np.testing.assert_array_equal(_np(a.grad), ta.grad.numpy())  # nanmean: NaN on the all-NaN row


@pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")  # NumPy reports 0/0 and inf*0
def test_copysign_at_zero_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    a, ta = _pair([0.0, -0.0, 2.0, -3.0], torch)
    b, tb = _pair([-1.0, 1.0, -0.0, 2.0], torch)
    tt.copysign(a, b).sum().backward()
    torch.copysign(ta, tb).sum().backward()
    assert a.grad is not None and b.grad is not None
    np.testing.assert_array_equal(_np(a.grad), ta.grad.numpy())
    np.testing.assert_array_equal(_np(b.grad), tb.grad.numpy())


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_ties_match_torch(reduce: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    a, ta = _pair([2.0, 1.0, 5.0, 0.0], torch)
    s, ts = _pair([2.0, 2.0, 7.0, 0.0, 5.0], torch)
    idx = [0, 0, 1, 3, 2]
    w = [1.0, 2.0, 3.0, 4.0]
    (tt.scatter_reduce(a, 0, tt.tensor(idx), s, reduce) * tt.tensor(w, dtype=tt.float64)).sum().backward()
    (torch.scatter_reduce(ta, 0, torch.tensor(idx), ts, reduce) * torch.tensor(w, dtype=torch.float64)).sum().backward()
    assert a.grad is not None and s.grad is not None
    np.testing.assert_allclose(_np(a.grad), ta.grad.numpy())
    np.testing.assert_allclose(_np(s.grad), ts.grad.numpy())


def test_scatter_reduce_prod_with_zeros_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    for incl in (True, False):
        a, ta = _pair([2.0, 0.0, 3.0], torch)
        s, ts = _pair([0.0, 4.0, 5.0, 0.0, 0.0], torch)
        idx = [0, 0, 1, 2, 2]
        tt.scatter_reduce(a, 0, tt.tensor(idx), s, "prod", include_self=incl).sum().backward()
        torch.scatter_reduce(ta, 0, torch.tensor(idx), ts, "prod", include_self=incl).sum().backward()
        assert a.grad is not None and s.grad is not None
        np.testing.assert_allclose(_np(a.grad), ta.grad.numpy())
        np.testing.assert_allclose(_np(s.grad), ts.grad.numpy())


def test_scatter_reduce_prod_double_backward_refuses_two_zeros() -> None:
    a = Variable(tt.tensor([2.0, 3.0], dtype=tt.float64), requires_grad=True)
    s = Variable(tt.tensor([0.0, 0.0, 4.0], dtype=tt.float64), requires_grad=True)
    out = a.scatter_reduce(0, tt.tensor([0, 0, 1]), s, "prod")
    (gs,) = grad(out.sum(), [s], create_graph=True)
    assert gs.tolist() == [0.0, 0.0, 3.0]
    with pytest.raises(RuntimeError, match="Double backward is unsupported for src"):
        gs.sum().backward()


def test_scatter_reduce_amax_excluded_self_is_not_a_tie() -> None:
    # out[0] = max(src[0], src[1]) = src[0] alone: d out[0] / d src[0] = 1 (PyTorch 2.x gives 0.5 here because it
    # counts the excluded input value 3.0 as a tie)
    a = Variable(tt.tensor([3.0, 5.0], dtype=tt.float64), requires_grad=True)
    s = Variable(tt.tensor([3.0, 1.0], dtype=tt.float64), requires_grad=True)
    a.scatter_reduce(0, tt.tensor([0, 0]), s, "amax", include_self=False).sum().backward()
    assert s.grad is not None and a.grad is not None
    assert s.grad.tolist() == [1.0, 0.0]
    assert a.grad.tolist() == [0.0, 1.0]


def test_cummax_ties_follow_returned_indices() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    for vals in ([1.0, 3.0, 3.0, 2.0, 3.0], [1.0, NAN, 3.0, NAN, 2.0]):
        for op in ("cummax", "cummin"):
            a, ta = _pair(vals, torch)
            getattr(a, op)(0).values.sum().backward()
            getattr(ta, op)(0).values.sum().backward()
            assert a.grad is not None
            np.testing.assert_array_equal(_np(a.grad), ta.grad.numpy())


def test_matrix_norm_ties_share_like_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    vals = [[1.0, -2.0], [-1.0, 2.0], [0.0, 1.0]]
    for ord in (1, -1, math.inf, -math.inf, 2, "fro"):
        a = Variable(tt.tensor(vals, dtype=tt.float64), requires_grad=True)
        ta = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
        tt.linalg.matrix_norm(a, ord).backward()
        torch.linalg.matrix_norm(ta, ord).backward()
        assert a.grad is not None
        np.testing.assert_allclose(_np(a.grad), ta.grad.numpy(), atol=1e-12)


def test_linalg_cross() -> None:
    a, b = variables([spec((4, 3)), spec((1, 3), nc=True)])
    assert gradcheck(tt.linalg.cross, (a, b))
    assert gradgradcheck(tt.linalg.cross, (a, b))
    c, d = variables([spec((3, 2)), spec((3, 2))])
    assert gradcheck(lambda x, y: tt.linalg.cross(x, y, dim=0), (c, d))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        tt.linalg.cross(a, b[0])
    with pytest.raises(RuntimeError, match="must have length 3"):
        tt.linalg.cross(c, d)
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    ta, tb = (torch.tensor(_np(x), requires_grad=True) for x in (a, b))
    w = np.random.default_rng(5).standard_normal((4, 3))
    (tt.linalg.cross(a, b) * tt.as_tensor(w)).sum().backward()
    (torch.linalg.cross(ta, tb) * torch.tensor(w)).sum().backward()
    assert a.grad is not None and b.grad is not None
    np.testing.assert_allclose(_np(a.grad), ta.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(_np(b.grad), tb.grad.numpy(), rtol=1e-10)


def test_inplace_forms_record_and_refuse_leaves() -> None:
    x = Variable(tt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tt.float64), requires_grad=True)
    s = Variable(tt.tensor([[5.0, 6.0]], dtype=tt.float64), requires_grad=True)
    y = x * 1
    y.index_add_(0, tt.tensor([1]), s, alpha=2)
    y.index_fill_(1, tt.tensor([0]), 0.0)
    y.addcmul_(x, x, value=0.5)
    y.addcdiv_(x, x + 10, value=2.0)
    ref = (x * 1).index_add(0, tt.tensor([1]), s, alpha=2).index_fill(1, tt.tensor([0]), 0.0)
    ref = ref.addcmul(x, x, value=0.5).addcdiv(x, x + 10, value=2.0)
    assert y.tolist() == ref.tolist()
    gx, gs = grad(y.sum(), [x, s])
    rx, rs = grad(ref.sum(), [x, s])
    assert gx.tolist() == rx.tolist() and gs.tolist() == rs.tolist()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.index_add_(0, tt.tensor([0]), s)


def test_refusals() -> None:
    a = Variable(tt.as_tensor(array((4, 3), 0)), requires_grad=True)
    _, r = tt.linalg.qr(a, mode="r")
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()
    q, _ = tt.linalg.qr(a, mode="complete")
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        q.sum().backward()
    with pytest.raises(TypeError, match="dim"):
        a.cummax()
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        tt.linalg.matrix_norm(a, 3)
    with pytest.raises(RuntimeError, match="out= is not supported"):
        tt.addcmul(a, a, a, out=tt.empty(4, 3, dtype=tt.float64))
    c = Variable(tt.as_tensor(array((3, 3), 1) + 1j * array((3, 3), 2)), requires_grad=True)
    with pytest.raises(NotImplementedError, match="complex"):
        tt.linalg.svdvals(c).sum().backward()
    _, s, _ = tt.linalg.svd(a)  # named tuple fields as in PyTorch
    assert tt.linalg.svd(a).S.tolist() == s.tolist()
    assert tt.linalg.eigh(sym(a[:3])).eigenvalues.requires_grad


def test_index_ops_on_a_0d_variable() -> None:
    x = Variable(tt.tensor(1.0, dtype=tt.float64), requires_grad=True)
    s = Variable(tt.tensor(2.0, dtype=tt.float64), requires_grad=True)
    assert gradcheck(lambda a, b: tt.index_add(a, 0, tt.tensor([0]), b), (x, s))
    assert gradcheck(lambda a, b: tt.scatter_reduce(a, 0, tt.tensor(0), b, "sum"), (x, s))
    assert gradcheck(lambda a: tt.index_fill(a, 0, tt.tensor([0]), 3.0), (x,))
