"""Double backward (create_graph=True) through normalisation layers, F.normalize and embeddings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda.autograd import Variable, grad, gradgradcheck


def _grad(*args: Any, **kwargs: Any) -> list[Variable]:
    """``autograd.grad`` with every gradient present."""
    gs = grad(*args, **kwargs)
    assert all(g is not None for g in gs)
    return [g for g in gs if g is not None]


def _rand(*shape: int, seed: int = 0, rg: bool = True) -> Variable:
    rng = np.random.default_rng(seed)
    return Variable(tt.as_tensor(rng.standard_normal(shape)), requires_grad=rg)


def _pos(*shape: int, seed: int = 0) -> tt.Tensor:
    return tt.as_tensor(np.random.default_rng(seed).uniform(0.5, 2.0, shape))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 4)])
def test_batch_norm_gradgrad(training: bool, affine: bool, shape: tuple[int, ...]) -> None:
    c = shape[1]
    x = _rand(*shape)
    w, b = _rand(c, seed=1), _rand(c, seed=2)
    rm, rv = _rand(c, seed=3, rg=False).data, _pos(c, seed=4)
    ins: tuple[Variable, ...] = (x, w, b) if affine else (x,)

    def f(x: Variable, w: Variable | None = None, b: Variable | None = None) -> Variable:
        return F.batch_norm(x, rm.clone(), rv.clone(), w, b, training=training, eps=1e-3)

    assert gradgradcheck(f, ins)


def test_batch_norm_training_without_running_stats() -> None:
    x, w = _rand(5, 2, 3), _rand(2, seed=1)
    assert gradgradcheck(lambda x, w: F.batch_norm(x, None, None, w, None, training=True), (x, w))


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_gradgrad(affine: bool) -> None:
    x = _rand(3, 2, 4)
    w, b = _rand(2, 4, seed=1), _rand(2, 4, seed=2)
    if affine:
        assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (2, 4), w, b), (x, w, b))
    else:
        assert gradgradcheck(lambda x: F.layer_norm(x, (4,)), (x,))


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_group_norm_gradgrad(groups: int) -> None:
    x = _rand(2, 4, 3)
    w, b = _rand(4, seed=1), _rand(4, seed=2)
    assert gradgradcheck(lambda x, w, b: F.group_norm(x, groups, w, b), (x, w, b))


@pytest.mark.parametrize("running", [False, True])
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_gradgrad(running: bool, use_input_stats: bool) -> None:
    if not use_input_stats and not running:
        return
    x = _rand(2, 3, 5)
    w, b = _rand(3, seed=1), _rand(3, seed=2)
    rm, rv = _rand(3, seed=3, rg=False).data, _pos(3, seed=4)

    def f(x: Variable, w: Variable, b: Variable) -> Variable:
        if running:
            return F.instance_norm(x, rm.clone(), rv.clone(), w, b, use_input_stats=use_input_stats)
        return F.instance_norm(x, None, None, w, b, use_input_stats=use_input_stats)

    assert gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("p", [2.0, 1.5])
def test_normalize_gradgrad(p: float) -> None:
    x = _rand(3, 4)
    assert gradgradcheck(lambda x: F.normalize(x, p=p, dim=1), (x,))


def test_embedding_gradgrad() -> None:
    w = _rand(5, 3)
    idx = tt.as_tensor(np.array([[0, 2, 2], [4, 1, 2]]))
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, (w,))
    assert gradgradcheck(lambda w: F.embedding(idx, w, padding_idx=2) ** 2, (w,))
    # scale_grad_by_freq's "gradient" is not the derivative (gradcheck fails for it, as in PyTorch): torch parity below
    uniq = tt.as_tensor(np.array([[0, 2], [4, 1]]))
    assert gradgradcheck(lambda w: F.embedding(uniq, w, scale_grad_by_freq=True) ** 2, (w,))


def test_embedding_scale_grad_by_freq_double() -> None:
    """With ``scale_grad_by_freq`` the weight gradient is S(g) = rows of g / count, summed by index (not a true
    derivative); its derivative in g is the exact adjoint S^T: gather with the same 1/count and padding mask.
    (PyTorch's double backward drops the 1/count here; ours differentiates the backward that actually ran.)"""
    w = _rand(5, 3)
    idx = np.array([[0, 2, 2], [4, 1, 2]])
    v = _rand(2, 3, 3, seed=4)
    h = F.embedding(tt.as_tensor(idx), w, padding_idx=1, scale_grad_by_freq=True)
    (g,) = _grad(h, w, v, create_graph=True)
    (gv,) = _grad((g * g).sum(), v)
    counts = np.bincount(idx.reshape(-1), minlength=5)
    ga = g.data.array
    expected = 2 * ga[idx] / counts[idx][..., None] * (idx != 1)[..., None]
    np.testing.assert_allclose(gv.data.array, expected, rtol=1e-12)


@pytest.mark.torch
def test_torch_parity_embedding_padding_idx() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    wa, idx = rng.standard_normal((5, 3)), np.array([[0, 2, 2], [4, 1, 2]])

    def run(fn: Any, w: Any, i: Any, grad_fn: Any) -> Any:
        h = fn(i, w, padding_idx=1)
        (g,) = grad_fn((h**3).sum(), w, create_graph=True)
        return grad_fn((g * g).sum(), w)[0]

    w = Variable(tt.as_tensor(wa), requires_grad=True)
    ours = run(F.embedding, w, tt.as_tensor(idx), grad)
    tw = torch.tensor(wa, requires_grad=True)
    theirs = run(torch.nn.functional.embedding, tw, torch.tensor(idx), torch.autograd.grad)
    np.testing.assert_allclose(ours.data.array, theirs.numpy(), rtol=1e-10)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_gradgrad(mode: str) -> None:
    w = _rand(6, 3)
    idx = tt.as_tensor(np.array([1, 2, 4, 5, 4, 3]))
    off = tt.as_tensor(np.array([0, 3]))
    assert gradgradcheck(lambda w: F.embedding_bag(idx, w, off, mode=mode) ** 2, (w,))
    if mode == "sum":
        psw = _rand(6, seed=5)
        assert gradgradcheck(lambda w, s: F.embedding_bag(idx, w, off, mode="sum", per_sample_weights=s) ** 2, (w, psw))


def test_embedding_third_order() -> None:
    """The gather/scatter pair chains to any order: d^3/dw^3 of sum(emb^4) is 24 * count * w."""
    w = _rand(4, 2)
    idx = tt.as_tensor(np.array([0, 1, 1, 3, 1]))
    (g1,) = _grad((F.embedding(idx, w) ** 4).sum(), w, create_graph=True)
    (g2,) = _grad(g1.sum(), w, create_graph=True)
    (g3,) = _grad(g2.sum(), w)
    counts = np.bincount([0, 1, 1, 3, 1], minlength=4)[:, None]
    np.testing.assert_allclose(g3.data.array, 24 * counts * w.data.array, rtol=1e-12)


def test_ordinary_backward_unchanged() -> None:
    x, w, b = _rand(4, 3, 2), _rand(3, seed=1), _rand(3, seed=2)
    rm, rv = tt.zeros(3, dtype=tt.float64), tt.ones(3, dtype=tt.float64)
    for training in (True, False):
        y = F.batch_norm(x, rm, rv, w, b, training=training)
        go = tt.as_tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)))
        a = _grad(y, (x, w, b), go)
        bb = _grad(F.batch_norm(x, rm, rv, w, b, training=training), (x, w, b), Variable(go), create_graph=True)
        for u, v in zip(a, bb):
            assert not u.requires_grad
            np.testing.assert_allclose(u.data.array, v.data.array, rtol=1e-10, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("training", [True, False])
def test_torch_parity_second_order_norms(training: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    xa, wa, ba = rng.standard_normal((4, 6, 5)), rng.standard_normal(6), rng.standard_normal(6)
    la, ea = rng.standard_normal(5), rng.standard_normal((7, 5))
    rma, rva = rng.standard_normal(6), rng.uniform(0.5, 2, 6)
    idx = np.array([[1, 3], [6, 1], [0, 0], [2, 5]])

    def run(lib: Any, mk: Any, grad_fn: Any) -> list[np.ndarray]:
        x, w, b, lw, e = mk(xa), mk(wa), mk(ba), mk(la), mk(ea)
        rm, rv = mk(rma, False), mk(rva, False)
        h = lib.batch_norm(x, rm, rv, w, b, training=training)
        h = lib.group_norm(h, 3, w, b) + lib.layer_norm(h, (5,), lw) + lib.instance_norm(h)
        h = lib.normalize(h, dim=2) * lib.embedding(mk(idx, False), e).sum(1, keepdim=True)
        z = (h * h * h).sum()
        gs = grad_fn(z, [x, w, e], create_graph=True)
        pen = sum((g * g).sum() for g in gs)
        return [np.asarray(t) for t in grad_fn(pen, [x, w, b, lw, e])]

    def mk_ours(a: np.ndarray, rg: bool = True) -> Any:
        t = tt.as_tensor(a)
        return Variable(t, requires_grad=True) if rg else t

    def grad_ours(o: Any, ins: Any, create_graph: bool = False) -> list[Any]:
        return (
            [g.data.array for g in _grad(o, ins, create_graph=create_graph)]
            if not create_graph
            else list(_grad(o, ins, create_graph=True))
        )

    def mk_torch(a: np.ndarray, rg: bool = True) -> Any:
        return torch.tensor(a, requires_grad=rg and a.dtype.kind == "f")

    def grad_torch(o: Any, ins: Any, create_graph: bool = False) -> list[Any]:
        gs = torch.autograd.grad(o, ins, create_graph=create_graph)
        return list(gs) if create_graph else [g.numpy() for g in gs]

    ours = run(F, mk_ours, grad_ours)
    theirs = run(torch.nn.functional, mk_torch, grad_torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9)
