"""Every differentiable op through gradcheck (float64) and, for smooth ones, gradgradcheck: broadcast shapes,
0-d, non-contiguous inputs, repeated inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.autograd import Variable, gradcheck, gradgradcheck

Fn = Callable[..., Any]


def make(shape: tuple[int, ...], seed: int, domain: str = "any", noncontig: bool = False) -> Any:
    rng = np.random.default_rng(seed)
    if noncontig and len(shape) >= 2:
        arr = rng.standard_normal(shape[::-1]).T  # a transposed (non-contiguous) view
    else:
        arr = rng.standard_normal(shape)
    if domain == "pos":
        arr = np.abs(arr) + 0.5
    elif domain == "unit":
        arr = np.tanh(arr) * 0.8
    elif domain == "gt1":
        arr = np.abs(arr) + 1.5
    elif domain == "distinct":
        arr = (rng.permutation(int(np.prod(shape)) or 1)[: int(np.prod(shape))].reshape(shape) * 0.37 + 0.1).astype(
            np.float64
        )
        if noncontig and len(shape) >= 2:
            arr = np.ascontiguousarray(arr.T).T
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.asarray(arr)
    return Variable(tt.as_tensor(arr if arr.ndim else np.array(arr)), requires_grad=True)


# (id, function, input shapes, domain, check second order)
UNARY: list[tuple[str, Fn, str, bool]] = [
    ("neg", lambda x: -x, "any", True),
    ("abs", lambda x: x.abs(), "pos", True),
    ("exp", lambda x: x.exp(), "any", True),
    ("exp2", lambda x: x.exp2(), "any", True),
    ("expm1", lambda x: x.expm1(), "any", True),
    ("log", lambda x: x.log(), "pos", True),
    ("log2", lambda x: x.log2(), "pos", True),
    ("log10", lambda x: x.log10(), "pos", True),
    ("log1p", lambda x: x.log1p(), "pos", True),
    ("sqrt", lambda x: x.sqrt(), "pos", True),
    ("rsqrt", lambda x: x.rsqrt(), "pos", True),
    ("square", lambda x: x.square(), "any", True),
    ("reciprocal", lambda x: x.reciprocal(), "pos", True),
    ("sin", lambda x: x.sin(), "any", True),
    ("cos", lambda x: x.cos(), "any", True),
    ("tan", lambda x: x.tan(), "unit", True),
    ("asin", lambda x: x.asin(), "unit", True),
    ("acos", lambda x: x.acos(), "unit", True),
    ("atan", lambda x: x.atan(), "any", True),
    ("sinh", lambda x: x.sinh(), "any", True),
    ("cosh", lambda x: x.cosh(), "any", True),
    ("tanh", lambda x: x.tanh(), "any", True),
    ("sigmoid", lambda x: x.sigmoid(), "any", True),
    ("erf", lambda x: x.erf(), "any", True),
    ("erfc", lambda x: x.erfc(), "any", True),
    ("erfinv", lambda x: x.erfinv(), "unit", True),
    ("lgamma", lambda x: x.lgamma(), "pos", False),
    ("frac", lambda x: x.frac(), "distinct", True),
    ("floor", lambda x: x.floor() + x, "distinct", True),
    ("relu", lambda x: x.relu(), "distinct", False),
    ("clamp", lambda x: x.clamp(-0.5, 0.5), "distinct", False),
    ("clamp_min", lambda x: x.clamp(min=0.3), "distinct", False),
    ("pow_scalar", lambda x: x**3, "any", True),
    ("pow_half", lambda x: x**0.5, "pos", True),
    ("rpow", lambda x: 2.0**x, "any", True),
    ("scalar_ops", lambda x: (2 - x) * 3 / (x * x + 1) + 1 / (x * x + 2), "any", True),
]


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)], ids=["0d", "1d", "2d"])
@pytest.mark.parametrize(("name", "fn", "domain", "second"), UNARY, ids=[u[0] for u in UNARY])
def test_unary(name: str, fn: Fn, domain: str, second: bool, shape: tuple[int, ...]) -> None:
    x = make(shape, 1, domain, noncontig=True)
    assert gradcheck(fn, (x,))
    if second and shape == (2, 3):
        assert gradgradcheck(fn, (x,))


BINARY: list[tuple[str, Fn, str, str, bool]] = [
    ("add", lambda a, b: a + b, "any", "any", True),
    ("sub", lambda a, b: a - b, "any", "any", True),
    ("mul", lambda a, b: a * b, "any", "any", True),
    ("div", lambda a, b: a / b, "any", "pos", True),
    ("pow", lambda a, b: a**b, "pos", "any", True),
    ("atan2", lambda a, b: a.atan2(b), "any", "pos", True),
    ("maximum", lambda a, b: a.maximum(b), "distinct", "distinct", False),
    ("minimum", lambda a, b: a.minimum(b), "distinct", "distinct", False),
    ("remainder", lambda a, b: a % b, "pos", "gt1", False),
    ("fmod", lambda a, b: a.fmod(b), "pos", "gt1", False),
    ("lerp", lambda a, b: a.lerp(b, 0.3), "any", "any", True),
    ("add_alpha", lambda a, b: a.add(b, alpha=2.5), "any", "any", True),
]

SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((4, 1, 3), (2, 1))]


@pytest.mark.parametrize(("sa", "sb"), SHAPES, ids=[f"{a}-{b}" for a, b in SHAPES])
@pytest.mark.parametrize(("name", "fn", "da", "db", "second"), BINARY, ids=[b[0] for b in BINARY])
def test_binary_broadcast(
    name: str, fn: Fn, da: str, db: str, second: bool, sa: tuple[int, ...], sb: tuple[int, ...]
) -> None:
    a = make(sa, 2, da, noncontig=True)
    b = make(sb, 3, db)
    if da == "distinct" and db == "distinct":
        b = Variable(b.data + 0.05, requires_grad=True)  # no ties between a and b
    assert gradcheck(fn, (a, b))
    if second and sa == (2, 3) and sb == (3,):
        assert gradgradcheck(fn, (a, b))


def test_repeated_inputs_and_reused_node() -> None:
    x = make((3,), 4)
    assert gradcheck(lambda t: t * t, (x,))
    assert gradgradcheck(lambda t: t * t * t, (x,))

    def reuse(t: Variable) -> Variable:
        y = t.exp()
        return y * y + y.sin() - y

    assert gradcheck(reuse, (x,))
    assert gradgradcheck(reuse, (x,))


def test_mixed_constant_tensor_and_scalars() -> None:
    x = make((2, 3), 5)
    c = tt.as_tensor(np.arange(3, dtype=np.float64) + 1)
    assert gradcheck(lambda t: t * c + c / (t * t + 1) - 2 * t, (x,))


REDUCE: list[tuple[str, Fn, str, bool]] = [
    ("sum", lambda x: x.sum(), "any", True),
    ("sum_dim", lambda x: x.sum(1), "any", True),
    ("sum_dims_keep", lambda x: x.sum((0, 2), keepdim=True), "any", True),
    ("mean", lambda x: x.mean(), "any", True),
    ("mean_dim", lambda x: x.mean(-1, keepdim=True), "any", True),
    ("prod", lambda x: x.prod(), "any", True),
    ("prod_dim", lambda x: x.prod(1), "any", True),
    ("prod_zero", lambda x: (x * tt.as_tensor(np.array([[[0.0, 1, 1, 1]]]))).prod(2), "any", True),
    ("amax", lambda x: x.amax(1), "distinct", False),
    ("amin_keep", lambda x: x.amin((0, 1), keepdim=True), "distinct", False),
    ("max_all", lambda x: x.max(), "distinct", False),
    ("min_all", lambda x: x.min(), "distinct", False),
    ("max_dim", lambda x: x.max(1)[0], "distinct", False),
    ("min_dim_keep", lambda x: x.min(2, keepdim=True).values, "distinct", False),
    ("median_dim", lambda x: x.median(2)[0], "distinct", False),
    ("median_all", lambda x: x.median(), "distinct", False),
    ("kthvalue", lambda x: x.kthvalue(2, 2)[0], "distinct", False),
    ("sort", lambda x: x.sort(2, descending=True)[0], "distinct", False),
    ("topk", lambda x: x.topk(2, dim=2)[0], "distinct", False),
    ("var", lambda x: x.var(), "any", True),
    ("var_dim", lambda x: x.var(1, keepdim=True), "any", True),
    ("var_biased", lambda x: x.var(2, unbiased=False), "any", True),
    ("std", lambda x: x.std(2), "any", True),
    ("norm", lambda x: x.norm(), "any", True),
    ("norm_dim", lambda x: x.norm(dim=2), "any", True),
    ("norm_p1", lambda x: x.norm(1, dim=1), "pos", False),
    ("norm_p3", lambda x: x.norm(3), "pos", True),
    ("norm_inf", lambda x: x.norm(float("inf"), dim=2), "distinct", False),
    ("logsumexp", lambda x: x.logsumexp(1), "any", True),
    ("cumsum", lambda x: x.cumsum(2), "any", True),
    ("cumprod", lambda x: x.cumprod(1), "pos", True),
    ("cumprod_zero", lambda x: (x * tt.as_tensor(np.array([[[1.0], [0.0], [1.0]]]))).cumprod(1), "any", True),
]


@pytest.mark.parametrize(("name", "fn", "domain", "second"), REDUCE, ids=[r[0] for r in REDUCE])
def test_reductions(name: str, fn: Fn, domain: str, second: bool) -> None:
    x = make((2, 3, 4), 6, domain, noncontig=True)
    assert gradcheck(fn, (x,))
    if second:
        assert gradgradcheck(fn, (x,))


def test_reductions_0d() -> None:
    x = make((), 7)
    for fn in (lambda t: t.sum(), lambda t: t.mean(), lambda t: t.prod(), lambda t: t.amax(), lambda t: t.norm()):
        assert gradcheck(fn, (x,))


SHAPE_OPS: list[tuple[str, Fn]] = [
    ("view", lambda x: x.reshape(6, 4).view(4, 6) * 1),
    ("reshape", lambda x: x.reshape(-1, 2)),
    ("flatten", lambda x: x.flatten(1)),
    ("unflatten", lambda x: x.unflatten(2, (2, 2))),
    ("squeeze", lambda x: x.unsqueeze(0).unsqueeze(3).squeeze()),
    ("squeeze_dim", lambda x: x.unsqueeze(1).squeeze(1)),
    ("transpose", lambda x: x.transpose(0, 2)),
    ("t", lambda x: x[0].t()),
    ("T", lambda x: x[0].T),
    ("mT", lambda x: x.mT),
    ("permute", lambda x: x.permute(2, 0, 1)),
    ("movedim", lambda x: x.movedim(0, -1)),
    ("expand", lambda x: x[:, :1].expand(2, 5, 4)),
    ("expand_as", lambda x: x[:1].expand_as(x)),
    ("repeat", lambda x: x.repeat(2, 1, 3)),
    ("repeat_new_dims", lambda x: x.repeat(2, 1, 1, 2)),
    ("tile", lambda x: x.tile((2,))),
    ("flip", lambda x: x.flip(0, 2)),
    ("roll", lambda x: x.roll(1, 2)),
    ("roll_multi", lambda x: x.roll((1, -1), (0, 1))),
    ("narrow", lambda x: x.narrow(2, 1, 2)),
    ("select", lambda x: x.select(1, -1)),
    ("unbind", lambda x: x.unbind(1)[2] * x.unbind(1)[0]),
    ("chunk", lambda x: x.chunk(2, 2)[1]),
    ("split", lambda x: x.split([1, 3], 2)[1] + 2 * x.split(2, 2)[0].sum()),
    ("tensor_split", lambda x: x.tensor_split(3, 2)[0]),
    ("tril", lambda x: x.tril()),
    ("triu", lambda x: x.triu(1)),
    ("diagonal", lambda x: x.diagonal(0, 1, 2)),
    ("diagonal_off", lambda x: x.diagonal(1, 1, 2)),
    ("diag_2d", lambda x: x[0].diag(-1)),
    ("diag_1d", lambda x: x[0, 0].diag(1)),
    ("contiguous_clone", lambda x: x.transpose(1, 2).contiguous().clone()),
    ("to_dtype", lambda x: x.to(tt.float64) * 2),
]


@pytest.mark.parametrize(("name", "fn"), SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_ops(name: str, fn: Fn) -> None:
    x = make((2, 3, 4), 8, noncontig=True)
    assert gradcheck(fn, (x,))
    if name in ("repeat", "diagonal", "diag_1d", "unbind", "expand"):
        assert gradgradcheck(fn, (x,))


INDEX_OPS: list[tuple[str, Fn]] = [
    ("basic", lambda x: x[1, :, 1:3]),
    ("ellipsis_none", lambda x: x[..., None, 0]),
    ("step", lambda x: x[:, ::2]),
    ("negative", lambda x: x[-1]),
    ("advanced", lambda x: x[[0, 1, 1], [2, 0, 2]]),
    ("advanced_repeat", lambda x: x[[1, 1, 0]]),
    ("tensor_index", lambda x: x[:, tt.tensor([2, 0, 2])]),
    ("bool_mask", lambda x: x[x > 0]),
    ("bool_tensor_mask", lambda x: x[tt.tensor([True, False])]),
    ("gather", lambda x: x.gather(2, tt.tensor([[[0, 0], [1, 3], [2, 2]], [[3, 1], [0, 0], [1, 2]]]))),
    ("index_select", lambda x: x.index_select(2, tt.tensor([3, 0, 3]))),
    ("take", lambda x: x.take(tt.tensor([0, 5, 5, 23]))),
    ("masked_fill", lambda x: x.masked_fill(x > 0.5, 2.0)),
    ("masked_select", lambda x: x.masked_select(tt.tensor([True, False, True, True]))),
    ("scatter", lambda x: x.scatter(2, tt.tensor([[[0], [1], [2]], [[3], [1], [0]]]), 0.0)),
]


@pytest.mark.parametrize(("name", "fn"), INDEX_OPS, ids=[s[0] for s in INDEX_OPS])
def test_indexing(name: str, fn: Fn) -> None:
    x = make((2, 3, 4), 9, noncontig=True)
    assert gradcheck(fn, (x,))
    if name in ("advanced_repeat", "gather", "basic"):
        assert gradgradcheck(fn, (x,))


def test_scatter_src_and_scatter_add() -> None:
    x = make((3, 4), 10)
    src = make((2, 4), 11)
    idx = tt.tensor([[0, 1, 2, 0], [2, 0, 1, 1]])
    assert gradcheck(lambda a, s: a.scatter(0, idx, s), (x, src))
    assert gradcheck(lambda a, s: a.scatter_add(0, idx, s), (x, src))
    assert gradgradcheck(lambda a, s: a.scatter_add(0, idx, s) ** 2, (x, src))


def test_setitem_records() -> None:
    x = make((3, 4), 12)
    v = make((4,), 13)

    def put(a: Variable, b: Variable) -> Variable:
        y = a * 1
        y[1] = b * 2
        y[[0, 2], 1:3] = 0.5
        return y

    assert gradcheck(put, (x, v))


def test_where_cat_stack() -> None:
    a = make((2, 3), 14)
    b = make((3,), 15)
    cond = tt.tensor([[True, False, True], [False, False, True]])
    assert gradcheck(lambda p, q: tt.where(cond, p, q), (a, b))
    assert gradcheck(lambda p: tt.where(cond, p, 0.0), (a,))
    assert gradcheck(lambda p, q: tt.cat([p, q.unsqueeze(0), p], 0), (a, b))
    assert gradcheck(lambda p, q: tt.cat([p, p], 1), (a, b))
    assert gradcheck(lambda p, q: tt.stack([p[0], q, q], 1), (a, b))
    assert gradgradcheck(lambda p, q: tt.stack([p[0] * q, q], 0) ** 2, (a, b))


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 1, 2, 3), (4, 3, 2)),
]


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    a = make(sa, 16, noncontig=True)
    b = make(sb, 17, noncontig=True)
    assert gradcheck(lambda p, q: p @ q, (a, b))
    if sa == (2, 3) and sb == (3, 4):
        assert gradgradcheck(lambda p, q: (p @ q) ** 2, (a, b))


@pytest.mark.parametrize("noncontig", [False, True])
def test_matmul_stack_times_matrix(noncontig: bool) -> None:
    """b's gradient is one GEMM over the stack's rows (not a stack of products summed): checked to second order."""
    a = make((2, 2, 3, 3), 19, noncontig=noncontig)
    b = make((3, 4), 20)
    assert gradcheck(lambda p, q: p @ q, (a, b))
    assert gradgradcheck(lambda p, q: (p @ q) ** 2, (a, b))


def test_matmul_family() -> None:
    a = make((2, 3), 18)
    b = make((3, 4), 19)
    v = make((3,), 20)
    w = make((3,), 21)
    ba = make((2, 2, 3), 22)
    bb = make((2, 3, 2), 23)
    assert gradcheck(lambda p, q: p.mm(q), (a, b))
    assert gradcheck(lambda p, q: p.bmm(q), (ba, bb))
    assert gradcheck(lambda p, q: p.mv(q), (a, v))
    assert gradcheck(lambda p, q: p.dot(q), (v, w))
    assert gradcheck(lambda p, q: p.outer(q), (v, w))
    assert gradcheck(lambda p, q: tt.tensordot(p, q, 1), (a, b))
    assert gradcheck(lambda p, q: tt.tensordot(p, q, ([0, 2], [2, 1])), (ba, bb))


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,ij->", [(2, 3), (2, 3)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij->j", [(2, 3)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("...ij,jk->...ik", [(2, 2, 3), (3, 2)]),
    ("ij,k->ik", [(2, 3), (4,)]),
    # repeated subscripts (diagonals): trace, diagonal, batched trace, a diagonal shared with another operand
    ("ii->", [(4, 4)]),
    ("ii->i", [(3, 3)]),
    ("iij,j->i", [(3, 3, 2), (2,)]),
    ("ij,jj->i", [(2, 3), (3, 3)]),
    ("iji->j", [(3, 2, 3)]),
    ("bii->b", [(2, 3, 3)]),
    ("ii,i->", [(3, 3), (3,)]),
]


@pytest.mark.parametrize(("eq", "shapes"), EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum(eq: str, shapes: list[tuple[int, ...]]) -> None:
    ops = [make(s, 30 + i) for i, s in enumerate(shapes)]
    assert gradcheck(lambda *o: tt.einsum(eq, *o), tuple(ops))
    if eq == "ij,jk->ik" or "ii" in eq or "jj" in eq or "iji" in eq:
        assert gradgradcheck(lambda *o: tt.einsum(eq, *o), tuple(ops))


def _spd(t: Any) -> Any:
    return t @ t.mT + tt.eye(3, dtype=tt.float64) * 3


def test_linalg() -> None:
    a = make((3, 3), 40)
    ba = make((2, 3, 3), 41)
    b = make((3, 2), 42)
    v = make((3,), 43)
    assert gradcheck(lambda t: tt.linalg.inv(_spd(t)), (a,))
    assert gradgradcheck(lambda t: tt.linalg.inv(_spd(t)), (a,))
    assert gradcheck(tt.linalg.det, (a,))
    assert gradcheck(tt.linalg.det, (ba,))
    assert gradgradcheck(tt.linalg.det, (a,))
    assert gradcheck(lambda t: tt.linalg.slogdet(_spd(t))[1], (a,))
    assert gradcheck(lambda t, q: tt.linalg.solve(_spd(t), q), (a, b))
    assert gradcheck(lambda t, q: tt.linalg.solve(_spd(t), q), (a, v))
    assert gradgradcheck(lambda t, q: tt.linalg.solve(_spd(t), q), (a, b))
    assert gradcheck(lambda t: tt.linalg.cholesky(_spd(t)), (a,))
    assert gradcheck(lambda t: tt.linalg.cholesky(_spd(t), upper=True), (a,))
    assert gradgradcheck(lambda t: tt.linalg.cholesky(_spd(t)), (a,))
    assert gradcheck(lambda t: t.inverse().det(), (a,))


def test_module_level_functions_dispatch() -> None:
    x = make((2, 3), 50)
    assert gradcheck(lambda t: tt.sum(tt.exp(t) * tt.sin(t), 1), (x,))
    assert gradcheck(lambda t: tt.mean(tt.pow(t, 2)) + tt.amax(tt.abs(t + 3)), (x,))
    assert gradcheck(lambda t: tt.matmul(t, tt.transpose(t, 0, 1)), (x,))
    assert gradcheck(lambda t: tt.clamp(t, -0.5, 0.5) + tt.maximum(t, tt.zeros(3, dtype=tt.float64) + 0.01), (x,))
