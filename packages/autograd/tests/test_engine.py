"""Engine semantics: accumulation, retain_graph, version counters, errors, hooks, grad(), deep graphs, memory."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import taeda.tensor as tt
from taeda import autograd
from taeda.autograd import Variable, enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled


def G(v: Variable) -> Variable:
    """``v.grad``, asserted to exist."""
    assert v.grad is not None
    return v.grad


def test_seed_example() -> None:
    x = Variable(tt.ones(2, 2), requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    assert isinstance(G(x), Variable)
    assert isinstance(G(x).data, tt.Tensor)
    np.testing.assert_allclose(G(x).data.numpy(), np.full((2, 2), 4.5))
    assert G(x).dtype == tt.float32
    assert out.grad_fn.name() == "MeanBackward"
    assert type(z.grad_fn).__name__ == "MulBackward"
    nxt = z.grad_fn.next_functions
    assert nxt[0][0] is y.grad_fn.next_functions[0][0] or nxt[0][0].name() == "MulBackward"


def test_grad_fn_graph_structure() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    y = x * 2
    assert y.grad_fn.name() == "MulBackward"
    ((acc, nr),) = [e for e in y.grad_fn.next_functions if e[0] is not None]
    assert isinstance(acc, autograd.AccumulateGrad)
    assert acc.variable is x and nr == 0
    assert x.is_leaf and not y.is_leaf
    assert x.grad_fn is None


def test_gradients_accumulate_until_zeroed() -> None:
    x = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(G(x).data.numpy(), [4.0, 8.0])
    G(x).data.zero_()
    (x * 3).sum().backward()
    np.testing.assert_allclose(G(x).data.numpy(), [3.0, 3.0])
    x.grad = None
    x.sum().backward()
    np.testing.assert_allclose(G(x).data.numpy(), [1.0, 1.0])


def test_leaf_grads_never_alias() -> None:
    a = Variable(tt.ones(3), requires_grad=True)
    b = Variable(tt.ones(3), requires_grad=True)
    g = tt.tensor([1.0, 2.0, 3.0])
    (a + b).backward(g)
    assert G(a).data.array is not G(b).data.array
    G(a).data.mul_(10)
    np.testing.assert_allclose(G(b).data.numpy(), [1, 2, 3])
    np.testing.assert_allclose(g.numpy(), [1, 2, 3])
    c = Variable(tt.ones(3), requires_grad=True)
    d = c.sum()
    d.backward()
    G(c).data.add_(1)  # the broadcast view of the root gradient must have been copied
    np.testing.assert_allclose(G(c).data.numpy(), [2, 2, 2])


def test_non_scalar_needs_gradient() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(tt.tensor([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(G(x).data.numpy(), [2.0, 0.0, 4.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(tt.ones(2))


def test_backward_twice_needs_retain_graph() -> None:
    x = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(G(x).data.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.grad_fn.next_functions[0][0].saved_tensors


def test_saved_tensor_modified_in_place_names_op() -> None:
    x = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    a = x.exp()
    w = Variable(tt.tensor([3.0, 4.0]), requires_grad=True)
    b = a * w
    a.add_(1)  # non-leaf: allowed, but MulBackward saved a
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*MulBackward") as info:
        b.sum().backward()
    assert "is at version 1; expected version 0" in str(info.value)
    # modifying .data of a saved leaf is caught too
    v = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    y = v * v
    v.data.mul_(2)
    with pytest.raises(RuntimeError, match="MulBackward"):
        y.sum().backward()


def test_inplace_rules() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0] = 2.0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.zero_()
    with no_grad():
        x.add_(1)
        x -= 0.5
        x[0] = 5.0
    np.testing.assert_allclose(x.data.numpy(), [5.0, 1.5, 1.5])
    assert x.is_leaf and x.requires_grad
    # in-place on a non-leaf records and keeps gradients right
    y = x * 2
    y.mul_(3)
    y[1] = 0.0
    y.sum().backward()
    np.testing.assert_allclose(G(x).data.numpy(), [6.0, 0.0, 6.0])
    # a Variable that does not require grad becomes part of the graph when it absorbs one that does
    buf = Variable(tt.zeros(3))
    buf.add_(x)
    assert buf.requires_grad and buf.grad_fn is not None


def test_numpy_refused_while_requiring_grad() -> None:
    x = Variable(tt.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        x.numpy()
    arr = x.detach().numpy()
    arr[0] = 7
    assert x.data.tolist() == [7.0, 1.0]  # detach shares memory


def test_integer_and_bool_cannot_require_grad() -> None:
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        Variable(tt.tensor([1, 2]), requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        Variable(tt.tensor([True])).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        autograd.tensor([1, 2], requires_grad=True)
    x = Variable(tt.tensor([1.5, -2.0]), requires_grad=True)
    assert not x.argmax().requires_grad
    assert not (x > 0).requires_grad
    assert not x.max(0).indices.requires_grad
    assert x.max(0).values.requires_grad


def test_requires_grad_only_settable_on_leaves() -> None:
    x = Variable(tt.ones(2), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    z = y.detach()
    assert z.is_leaf and not z.requires_grad
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_detach_and_no_grad_stop_graph() -> None:
    x = Variable(tt.ones(2), requires_grad=True)
    with no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    z = x.detach() * 2
    assert not z.requires_grad
    w = (x * 2 + x.detach()).sum()
    w.backward()
    np.testing.assert_allclose(G(x).data.numpy(), [2.0, 2.0])


def test_grad_mode_context_decorator_thread_local() -> None:
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()

    @no_grad()
    def f() -> bool:
        return is_grad_enabled()

    assert f() is False and is_grad_enabled()

    @enable_grad()
    def g() -> bool:
        return is_grad_enabled()

    with no_grad():
        assert g() is True
    set_grad_enabled(False)
    assert not is_grad_enabled()
    set_grad_enabled(True)
    with set_grad_enabled(False):
        assert not is_grad_enabled()
    assert is_grad_enabled()

    seen: list[bool] = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_hooks_and_retain_grad() -> None:
    x = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    (y * y).sum().backward()
    # dL/dy = 2y = [6, 12], doubled by the hook: [12, 24]; retain_grad keeps the hooked value
    assert G(y).tolist() == [12.0, 24.0]
    assert seen == [[36.0, 72.0]]
    assert G(x).tolist() == [36.0, 72.0]
    h.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert len(seen) == 1
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        Variable(tt.ones(1)).register_hook(lambda g: g)


def test_leaf_hook_replaces_gradient() -> None:
    x = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    x.register_hook(lambda g: g * 0 + 5)
    (x * 3).sum().backward()
    assert G(x).tolist() == [5.0, 5.0]


def test_autograd_grad_api() -> None:
    x = Variable(tt.tensor([1.0, 2.0, 3.0], dtype=tt.float64), requires_grad=True)
    y = Variable(tt.tensor([1.0], dtype=tt.float64), requires_grad=True)
    out = (x**3).sum()
    (g,) = grad(out, x, create_graph=True)
    assert g is not None
    np.testing.assert_allclose(g.data.numpy(), [3.0, 12.0, 27.0])
    assert x.grad is None  # grad() leaves .grad alone
    # Hessian-vector product: d/dx (g . v) = 6 x * v
    v = tt.tensor([1.0, 0.0, 2.0], dtype=tt.float64)
    (hv,) = grad((g * v).sum(), x)
    assert hv is not None
    np.testing.assert_allclose(hv.data.numpy(), [6.0, 0.0, 36.0])
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        grad((x * 2).sum(), [x, y])
    gx, gy = grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None and gx is not None and gx.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad((x * 2).sum(), Variable(tt.ones(1)))
    # gradient with respect to an intermediate result
    mid = x * 2
    (gm,) = grad((mid * mid).sum(), mid)
    assert gm is not None
    np.testing.assert_allclose(gm.data.numpy(), [4.0, 8.0, 12.0])


def test_gradient_penalty_double_backward() -> None:
    w = Variable(tt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tt.float64), requires_grad=True)
    x = Variable(tt.tensor([0.5, -1.0], dtype=tt.float64), requires_grad=True)
    out = (w @ x).tanh().sum()
    (gx,) = grad(out, x, create_graph=True)
    assert gx is not None
    penalty = (gx * gx).sum()
    penalty.backward()
    assert w.grad is not None and x.grad is not None
    assert np.all(np.isfinite(G(w).data.numpy()))


def test_backward_function_multiple_roots() -> None:
    x = Variable(tt.tensor([1.0, 2.0]), requires_grad=True)
    a = (x * 2).sum()
    b = (x * x).sum()
    autograd.backward([a, b])
    assert G(x).tolist() == [4.0, 6.0]
    x.grad = None
    y = x * 2
    autograd.backward([y], [tt.tensor([1.0, 10.0])])
    assert G(x).tolist() == [2.0, 20.0]


def test_long_chain_no_recursion() -> None:
    x = Variable(tt.tensor([1.0]), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert G(x).tolist() == [1.0]
    del y


def test_graph_freed_after_backward_no_cycles() -> None:
    gc.collect()
    gc.disable()
    try:
        w = Variable(tt.randn(4, 3), requires_grad=True)
        x = tt.randn(5, 4)
        loss = ((Variable(x) @ w).tanh() * 2).sum()
        node = weakref.ref(loss.grad_fn)
        saved = weakref.ref(loss.grad_fn.next_functions[0][0])
        loss.backward()
        del loss
        assert node() is None and saved() is None  # freed by reference counting alone
        assert gc.collect() == 0  # nothing was left for the cycle collector either
    finally:
        gc.enable()


def test_training_loop_memory_flat() -> None:
    import tracemalloc

    rng = np.random.default_rng(0)
    w = Variable(tt.as_tensor(rng.standard_normal((64, 32)).astype(np.float32)), requires_grad=True)
    b = Variable(tt.zeros(32), requires_grad=True)
    x = tt.as_tensor(rng.standard_normal((16, 64)).astype(np.float32))

    def step() -> None:
        loss = ((Variable(x) @ w + b).sigmoid() ** 2).mean()
        w.grad = None
        b.grad = None
        loss.backward()
        with no_grad():
            w.sub_(G(w) * 0.1)
            b.sub_(G(b) * 0.1)

    for _ in range(5):
        step()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(50):
        step()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after - before < 64 * 1024, after - before
    assert gc.collect() == 0


def test_set_data_and_grad_types() -> None:
    x = Variable(tt.ones(2), requires_grad=True)
    x.data = tt.zeros(3)
    assert x.shape == (3,)
    (x * 2).sum().backward()
    assert G(x).shape == (3,)
    assert x.size() == (3,) and x.dim() == 1 and x.numel() == 3
    assert x.dtype == tt.float32 and x.device.type == "cpu"
    assert x.sum().item() == 0.0
    assert x.detach().tolist() == [0.0, 0.0, 0.0]


def test_mixed_precision_gradients_cast_back() -> None:
    x = Variable(tt.ones(3), requires_grad=True)
    y = Variable(tt.ones(3, dtype=tt.float64), requires_grad=True)
    (x * y).sum().backward()
    assert G(x).dtype == tt.float32 and G(y).dtype == tt.float64
    x.grad = None
    x.double().sum().backward()
    assert G(x).dtype == tt.float32
