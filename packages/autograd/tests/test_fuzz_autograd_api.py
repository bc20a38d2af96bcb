"""Autograd API regressions found by differential fuzzing against PyTorch 2.13: ``.grad`` assignment checks,
tensor hooks on the gradients captured by ``grad()`` / ``backward(inputs=...)``, post-accumulate-grad hooks,
``grad()`` argument handling (``materialize_grads``, ``is_grads_batched``, the unused-input message),
``backward(inputs=[])``, bare ``@no_grad`` and generator functions, ``detach_()`` on views, ``mark_dirty`` on a
leaf, and ``taeda.autograd.functional``.

Expected values are PyTorch's; the parity tests also run PyTorch when it is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, cast

import numpy as np
import pytest

import taeda.autograd as ag
import taeda.tensor as tt
from taeda.autograd import Function, Variable
from taeda.autograd import functional as AF


def _leaf(data: Any, dtype: Any = tt.float32) -> Variable:
    return ag.tensor(data, dtype=dtype, requires_grad=True)


def _list(v: Any) -> Any:
    return None if v is None else v.detach().tolist()


# ---------------------------------------------------------------- .grad assignment
def test_grad_assign_wrong_size_refused() -> None:
    p = _leaf(np.ones((3, 4)))
    with pytest.raises(RuntimeError, match=r"attempting to assign a gradient of size '\[4\]' to a tensor of size"):
        p.grad = ag.ones(4)
    assert p.grad is None


def test_grad_assign_wrong_dtype_and_type_refused() -> None:
    p = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="attempting to assign a gradient with dtype"):
        p.grad = ag.tensor([1.0, 2.0], dtype=tt.float64)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but got grad of type list"):
        p.grad = [1.0, 2.0]


def test_grad_assign_ok_then_accumulates() -> None:
    p = _leaf([1.0, 2.0])
    p.grad = ag.tensor([1.0, 1.0])
    (p * 2).sum().backward()
    assert _list(p.grad) == [3.0, 3.0]
    p.grad = tt.tensor([0.5, 0.5])  # a Tensor is wrapped
    assert isinstance(p.grad, Variable)
    p.grad = None
    assert p.grad is None


def test_grad_assign_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    tp = torch.ones(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError) as te:
        tp.grad = torch.ones(4)
    p = _leaf(np.ones((3, 4)))
    with pytest.raises(RuntimeError) as ae:
        p.grad = ag.ones(4)
    assert str(ae.value) == str(te.value)


# ---------------------------------------------------------------- hooks and captured gradients
def test_leaf_hook_applies_in_grad() -> None:
    x = _leaf([1.0, 2.0])
    log: list[Any] = []

    def hook(g: Variable) -> Variable:
        log.append(g.tolist())
        return g * 2

    x.register_hook(hook)
    (g,) = ag.grad((x * 2 + x * x).sum(), x)
    assert _list(g) == [8.0, 12.0]  # torch: the hook's result
    assert log == [[4.0, 6.0]]


def test_nonleaf_hook_applies_in_grad() -> None:
    x = _leaf([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: g * 5)
    (g,) = ag.grad((y * 3).sum(), y)
    assert _list(g) == [15.0, 15.0]


def test_hooks_apply_with_backward_inputs() -> None:
    x = _leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 5)
    (x * 2).sum().backward(inputs=[x])
    assert _list(x.grad) == [10.0, 10.0]
    first = x.grad
    (x * 2).sum().backward(inputs=[x])
    assert x.grad is first and _list(x.grad) == [20.0, 20.0]  # accumulated in place, as in torch
    y = x * 2
    y.register_hook(lambda g: g * 5)
    (y * 2).sum().backward(inputs=[y])
    assert _list(y.grad) == [10.0, 10.0]


def test_hooks_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")

    def run(lib: Callable[..., Any], grad: Callable[..., Any]) -> list[Any]:
        x = lib([1.0, 2.0])
        x.register_hook(lambda g: g * 3)
        y = x * x
        y.register_hook(lambda g: g + 1)
        (gx,) = grad((y * 2).sum(), x)
        (gy,) = grad((y * 2).sum(), y)
        return [gx.tolist(), gy.tolist()]

    expected = run(lambda d: torch.tensor(d, requires_grad=True), torch.autograd.grad)
    assert run(_leaf, ag.grad) == expected


def test_post_accumulate_grad_hook() -> None:
    x = _leaf([1.0, 2.0])
    log: list[Any] = []
    x.register_hook(lambda g: g * 3)
    h = x.register_post_accumulate_grad_hook(lambda p: log.append(_list(p.grad)))
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    assert log == [[6.0, 6.0], [12.0, 12.0]]
    h.remove()
    (x * 2).sum().backward()
    assert len(log) == 2
    x.register_post_accumulate_grad_hook(lambda p: setattr(p, "grad", None))
    (x * 2).sum().backward()
    assert x.grad is None
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(lambda p: None)


@pytest.mark.parametrize("leaf", [True, False])
def test_hook_changing_size_or_dtype_refused(leaf: bool) -> None:
    def shrink(g: Variable) -> Variable:
        return g.sum()

    def widen(g: Variable) -> Variable:
        return g.double()

    for hook, msg in ((shrink, "hook 'shrink' has changed the size of value"), (widen, "changed the type of value")):
        x = _leaf([1.0, 2.0])
        y = x * 2
        (x if leaf else y).register_hook(hook)
        with pytest.raises(RuntimeError, match=msg):
            (y * 1).sum().backward()


def test_non_leaf_grad_warns() -> None:
    x = _leaf([1.0, 2.0])
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"):
        assert y.grad is None
    z = x * 2
    z.retain_grad()
    z.sum().backward()
    assert _list(z.grad) == [1.0, 1.0]  # no warning with retain_grad (pytest would report it)


def test_grad_fn_post_hook_replaces_grad_inputs() -> None:
    x = _leaf([0.0, 1.0])
    y = x.exp()
    assert y.grad_fn is not None
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10,))
    y.sum().backward()
    assert np.allclose(_list(x.grad), [10.0, 10.0 * np.e])  # torch: the hook's grad_inputs (was ignored)


def test_accumulate_into_grad_that_requires_grad() -> None:
    x = _leaf([1.0, 2.0])
    (x * x).sum().backward(create_graph=True)
    (x * 3).sum().backward()
    assert x.grad is not None and x.grad.requires_grad  # torch: accumulated in place, still requires grad
    assert _list(x.grad) == [5.0, 7.0]


# ---------------------------------------------------------------- grad() / backward() arguments
def test_grad_outputs_count_message() -> None:
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        ag.grad([(x * x).sum(), (x * 3).sum()], [x], [ag.tensor(1.0)])


def test_grad_materialize_with_allow_unused_false() -> None:
    x, y = _leaf([1.0, 2.0]), _leaf([1.0])
    with pytest.raises(ValueError, match="Expected allow_unused to be True or not passed"):
        ag.grad((x * 2).sum(), [x, y], allow_unused=False, materialize_grads=True)
    gx, gy = ag.grad((x * 2).sum(), [x, y], materialize_grads=True)
    assert _list(gx) == [2.0, 2.0] and _list(gy) == [0.0]


def test_grad_unused_message_names_index() -> None:
    x, y = _leaf([1.0, 2.0]), _leaf([1.0])
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not have been used"):
        ag.grad((x * 2).sum(), [x, y])


def test_grad_is_grads_batched() -> None:
    x = _leaf([1.0, 2.0])
    y = x * x
    (g,) = ag.grad(y, x, ag.tensor([[1.0, 0.0], [0.0, 1.0]]), is_grads_batched=True)
    assert _list(g) == [[2.0, 0.0], [0.0, 4.0]]
    with pytest.raises(RuntimeError, match="is_grads_batched=True"):
        ag.grad(x * x, x, ag.tensor([1.0, 0.0]), is_grads_batched=True)


def test_backward_inputs_empty() -> None:
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"`inputs` argument to `backward\(\)` cannot be empty\."):
        (x * x).sum().backward(inputs=[])


# ---------------------------------------------------------------- grad mode decorators
def test_no_grad_enable_grad_bare_decorators() -> None:
    def double(x: Variable) -> Variable:
        return x * 2

    # ``@no_grad`` without parentheses (the static type of ``no_grad(fn)`` is the class, hence the casts)
    f = cast(Callable[[Variable], Variable], ag.no_grad(double))
    g = cast(Callable[[Variable], Variable], ag.enable_grad(double))
    x = _leaf([1.0])
    assert not f(x).requires_grad and ag.is_grad_enabled()
    with ag.no_grad():
        assert g(x).requires_grad
    assert f.__name__ == "double"


def test_no_grad_decorates_generators() -> None:
    log: list[Any] = []

    @ag.no_grad()
    def gen() -> Generator[Any, Any, int]:
        try:
            sent = yield ag.is_grad_enabled()
            yield (sent, ag.is_grad_enabled())
        except ValueError:
            yield ("caught", ag.is_grad_enabled())
        finally:
            log.append(ag.is_grad_enabled())
        return 7

    it = gen()
    assert next(it) is False
    assert ag.is_grad_enabled()
    assert it.send(5) == (5, False)
    assert ag.is_grad_enabled()
    it.close()
    assert log == [False] and ag.is_grad_enabled()
    it2 = gen()
    next(it2)
    assert it2.throw(ValueError()) == ("caught", False)
    assert ag.is_grad_enabled()


# ---------------------------------------------------------------- detach_ and custom Functions
def test_detach_inplace_on_view_refused() -> None:
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"Can't detach views in-place\. Use detach\(\) instead\."):
        x[0:1].detach_()
    y = x * 2
    y.detach_()
    assert not y.requires_grad and y.is_leaf


class _DoubleInPlace(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return g * 2


def test_mark_dirty_on_leaf_refused() -> None:
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place"):
        _DoubleInPlace.apply(x)
    y = x.detach() * 1
    y.requires_grad_()
    z = _DoubleInPlace.apply(y * 1)
    z.sum().backward()
    assert _list(y.grad) == [2.0, 2.0]


def test_mark_dirty_returns_the_input_with_new_history() -> None:
    # the in-place Function's output is the input Variable itself: later uses of the input go through its backward
    x = _leaf([1.0, 2.0])
    y = x * 1
    z = _DoubleInPlace.apply(y)
    assert z is y
    (y * 3).sum().backward()
    assert _list(x.grad) == [6.0, 6.0]  # torch: [6, 6] (was [3, 3]: the Function was skipped)


def test_mark_dirty_on_view() -> None:
    x = _leaf([1.0, 2.0, 3.0])
    y = x * 1
    _DoubleInPlace.apply(y[1:])
    y.sum().backward()
    assert _list(x.grad) == [1.0, 2.0, 2.0]  # torch: the base sees the write
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an"):
        _DoubleInPlace.apply(_leaf([1.0, 2.0])[1:])


class _SaveThenDouble(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (_,) = ctx.saved_tensors
        return g * 2


def test_mark_dirty_saved_input_usable() -> None:
    x = _leaf([1.0, 2.0])
    _SaveThenDouble.apply(x * 1).sum().backward()
    assert _list(x.grad) == [2.0, 2.0]


def test_version_message_names_op_as_torch() -> None:
    x = _leaf([1.0, 2.0])
    y = x * 1
    z = y * y
    y.mul_(2)
    with pytest.raises(RuntimeError, match="which is output 0 of Mul, is at version 1"):
        z.sum().backward()


# ---------------------------------------------------------------- autograd.functional
def _f64(data: Any) -> Variable:
    return ag.tensor(data, dtype=tt.float64)


X1 = [1.0, 2.0, 3.0]
X2 = [[0.5, -1.0], [2.0, 0.3]]


def test_functional_values() -> None:
    x = _f64(X1)
    assert np.allclose(AF.jacobian(lambda a: a * a, x).tolist(), np.diag([2.0, 4.0, 6.0]))
    assert np.allclose(AF.hessian(lambda a: (a**3).sum(), x).tolist(), np.diag([6.0, 12.0, 18.0]))
    _, v = AF.vjp(lambda a: a * a, x, _f64([1.0, 1.0, 1.0]))
    assert v.tolist() == [2.0, 4.0, 6.0]
    _, j = AF.jvp(lambda a: a * a, x, _f64([1.0, 0.0, 1.0]))
    assert j.tolist() == [2.0, 0.0, 6.0]
    out, h = AF.hvp(lambda a: (a**3).sum(), x, _f64([1.0, 0.0, 1.0]))
    assert out.item() == 36.0 and h.tolist() == [6.0, 0.0, 18.0]
    _, h2 = AF.vhp(lambda a: (a**3).sum(), x, _f64([1.0, 0.0, 1.0]))
    assert h2.tolist() == [6.0, 0.0, 18.0]
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (x, _f64(X2)), strict=True)


def test_functional_create_graph() -> None:
    x = _leaf(X1, tt.float64)
    j = AF.jacobian(lambda a: a**3, x, create_graph=True)
    assert j.requires_grad
    j.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [6.0, 12.0, 18.0]
    assert not AF.jacobian(lambda a: a**3, x).requires_grad


FUNCTIONAL_CASES: dict[str, Callable[[Any, Callable[..., Any]], Any]] = {
    "jac1": lambda M, mk: M.jacobian(lambda a: a.exp() * a, mk(X1)),
    "jac_multi": lambda M, mk: M.jacobian(lambda a, b: (a.sum() * b, b * 2), (mk(X1), mk(X2))),
    "jac_tuple1": lambda M, mk: M.jacobian(lambda a: (a * a,), (mk(X1),)),
    "jac_indep": lambda M, mk: M.jacobian(lambda a, b: a * 2, (mk(X1), mk(X2))),
    "jac_const": lambda M, mk: M.jacobian(lambda a: mk(X1) * 2, mk(X1)),
    "hess1": lambda M, mk: M.hessian(lambda a: (a**3).sum() * a.prod(), mk(X1)),
    "hess2": lambda M, mk: M.hessian(lambda a, b: (a**2).sum() * (b**3).sum(), (mk(X1), mk(X2))),
    "vjp1": lambda M, mk: M.vjp(lambda a: a.exp(), mk(X1), mk([1.0, 2.0, 3.0])),
    "vjp_none": lambda M, mk: M.vjp(lambda a: a.exp().sum(), mk(X1)),
    "vjp_multi": lambda M, mk: M.vjp(
        lambda a, b: (a * 2, (b * b).sum()), (mk(X1), mk(X2)), (mk([1.0, 1.0, 1.0]), mk(1.0))
    ),
    "jvp1": lambda M, mk: M.jvp(lambda a: a.exp() * a, mk(X1), mk([1.0, 0.0, 2.0])),
    "jvp_multi": lambda M, mk: M.jvp(
        lambda a, b: (a * b.sum(), b * b), (mk(X1), mk(X2)), (mk([1.0, 0.0, 0.0]), mk([[1.0, 1.0], [0.0, 0.0]]))
    ),
    "hvp1": lambda M, mk: M.hvp(lambda a: (a**3).sum() * a.prod(), mk(X1), mk([1.0, -1.0, 2.0])),
    "vhp_multi": lambda M, mk: M.vhp(lambda a, b: (a**2).sum() * (b**3).sum(), (mk(X1), mk(X2)), (mk(X1), mk(X2))),
    "hvp_multi": lambda M, mk: M.hvp(lambda a, b: (a**2).sum() * (b**3).sum(), (mk(X1), mk(X2)), (mk(X1), mk(X2))),
}


def _norm(r: Any) -> Any:
    if isinstance(r, (list, tuple)):
        return [_norm(x) for x in r]
    return np.round(np.asarray(r.detach().tolist(), dtype=float), 8).tolist()


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_CASES))
def test_functional_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    import torch.autograd.functional as TF

    case = FUNCTIONAL_CASES[name]
    expected = _norm(case(TF, lambda d: torch.tensor(d, dtype=torch.float64)))
    assert _norm(case(AF, _f64)) == expected


def test_functional_docstring_examples() -> None:
    import doctest

    import taeda.autograd
    from taeda.autograd import functional

    # the functions' examples use the module example's ``ag`` (taeda.autograd)
    result = doctest.testmod(functional, extraglobs={"ag": taeda.autograd}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0


def test_inference_mode_as_pytorchs() -> None:
    import taeda.autograd as ag

    x = Variable(tt.ones(2), requires_grad=True)
    assert not ag.is_inference_mode_enabled() and ag.is_grad_enabled()
    with ag.inference_mode():
        assert ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
        assert not (x * 2).requires_grad
        with ag.inference_mode(False):
            assert not ag.is_inference_mode_enabled() and ag.is_grad_enabled()
        assert ag.is_inference_mode_enabled()
    with ag.no_grad(), ag.inference_mode(False):
        assert ag.is_grad_enabled()  # mode=False turns grad mode back on, as PyTorch

    def state() -> tuple[bool, bool]:
        return ag.is_inference_mode_enabled(), ag.is_grad_enabled()

    # ``@inference_mode`` without parentheses (the static type of ``inference_mode(fn)`` is the class)
    bare = cast(Callable[[], tuple[bool, bool]], ag.inference_mode(state))

    @ag.inference_mode()
    def called() -> tuple[bool, bool]:
        return ag.is_inference_mode_enabled(), ag.is_grad_enabled()

    assert bare() == called() == (True, False)
    assert not ag.is_inference_mode_enabled() and ag.is_grad_enabled()
