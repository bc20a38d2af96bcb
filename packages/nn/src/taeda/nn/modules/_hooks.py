"""Hook plumbing for ``Module``: removable handles and the identity functions that route gradients to full
backward hooks."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from taeda.autograd import Function, Variable
from taeda.tensor import Tensor

if TYPE_CHECKING:
    from taeda.nn.modules.module import Module

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Handle returned by ``register_*_hook``; ``remove()`` (or leaving a ``with`` block) unregisters the hook."""

    __slots__ = ("_dicts", "id")
    _next_id = itertools.count()

    def __init__(self, *dicts: dict[int, Any]) -> None:
        self.id = next(RemovableHandle._next_id)
        self._dicts = dicts

    def remove(self) -> None:
        for d in self._dicts:
            d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *args: object) -> None:
        self.remove()


class _HookIdentity(Function):
    """Identity on several tensors whose backward calls back into a ``_BackwardHookState``."""

    @staticmethod
    def forward(ctx: Any, state: _BackwardHookState, is_output: bool, *tensors: Tensor) -> tuple[Tensor, ...]:
        ctx.state, ctx.is_output = state, is_output
        return tensors

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple[Any, ...]:
        state: _BackwardHookState = ctx.state
        new = state.on_grad_output(grads) if ctx.is_output else state.on_grad_input(grads)
        return (None, None, *new)


class _BackwardHookState:
    """Routes one call's gradients to the module's full backward (pre-)hooks."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.n_inputs = 0
        self.input_mask: list[bool] = []
        self.grad_output: tuple[Any, ...] = ()
        self.inputs_pending = False

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        idx = [i for i, a in enumerate(args) if isinstance(a, Variable) and a.requires_grad]
        self.input_mask = [isinstance(a, (Variable, Tensor)) for a in args]
        if not idx:
            return args
        self.inputs_pending = True
        wrapped = _HookIdentity.apply(self, False, *(args[i] for i in idx))
        out = list(args)
        for j, i in enumerate(idx):
            out[i] = wrapped[j]
        self.input_idx = idx
        return tuple(out)

    def wrap_outputs(self, result: Any) -> Any:
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        idx = [i for i, o in enumerate(outs) if isinstance(o, Variable) and o.requires_grad]
        if not idx:
            return result
        self.out_count = len(outs)
        self.out_idx = idx
        wrapped = _HookIdentity.apply(self, True, *(outs[i] for i in idx))
        new = list(outs)
        for j, i in enumerate(idx):
            new[i] = wrapped[j]
        return new[0] if single else tuple(new)

    def on_grad_output(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        full: list[Any] = [None] * self.out_count
        for j, i in enumerate(self.out_idx):
            full[i] = grads[j]
        grad_output = tuple(full)
        for hook in list(self.module._backward_pre_hooks.values()):
            res = hook(self.module, grad_output)
            if res is not None:
                grad_output = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        self.grad_output = grad_output
        if not self.inputs_pending:  # no input requires grad: the hooks run now, with grad_input all None
            self._call_hooks(tuple(None for m in self.input_mask if m))
        return tuple(grad_output[i] for i in self.out_idx)

    def on_grad_input(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        full: list[Any] = [None] * len(self.input_mask)
        for j, i in enumerate(self.input_idx):
            full[i] = grads[j]
        grad_input = self._call_hooks(tuple(full))
        return tuple(grad_input[i] for i in self.input_idx)

    def _call_hooks(self, grad_input: tuple[Any, ...]) -> tuple[Any, ...]:
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None:
                grad_input = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        return grad_input
