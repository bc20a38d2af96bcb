"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as _np

from taeda.optim._common import effective_grad
from taeda.optim._types import FLOAT32, Array, ArrayModule, Closure, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, mark_modified, zeros_state
from taeda.tensor import as_tensor

_ndarray = _np.ndarray

__all__ = ["SGD", "sgd"]


def sgd(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    momentum_buffer: Array | None,
    *,
    first_step: bool,
    lr: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    weight_decay: float,
    maximize: bool,
    work: list[Array],
) -> None:
    """One SGD update of ``param`` (and ``momentum_buffer``) in place; ``work`` holds two scratch arrays.

    Example:
        >>> p, g = np.ones(3, np.float32), np.full(3, 0.5, np.float32)
        >>> sgd(np, p, g, None, first_step=True, lr=0.1, momentum=0.0, dampening=0.0, nesterov=False,
        ...     weight_decay=0.0, maximize=False, work=[np.empty(3, np.float32)] * 2)
        >>> p
        array([0.95, 0.95, 0.95], dtype=float32)
    """
    tmp, gbuf = work
    g = effective_grad(xp, param, grad, weight_decay, maximize, gbuf)
    if momentum != 0:
        if momentum_buffer is None:
            raise ValueError("sgd with momentum needs a momentum_buffer")
        buf = momentum_buffer
        if first_step:
            xp.copyto(buf, g)
        else:
            buf *= momentum
            if dampening == 0:
                buf += g
            else:
                xp.multiply(g, 1 - dampening, out=tmp)
                buf += tmp
        if nesterov:
            xp.multiply(buf, momentum, out=tmp)
            tmp += g
            g = tmp
        else:
            g = buf
    xp.multiply(g, lr, out=tmp)
    param -= tmp


class SGD(ElementwiseOptimizer):
    r"""Stochastic gradient descent (optionally with momentum), as in PyTorch.

    .. code-block:: text

        input: γ (lr), θ0 (params), f(θ) (objective), λ (weight decay), μ (momentum), τ (dampening),
               nesterov, maximize
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})
            if maximize: g_t ← -g_t
            if λ ≠ 0: g_t ← g_t + λ θ_{t-1}
            if μ ≠ 0:
                if t > 1: b_t ← μ b_{t-1} + (1 - τ) g_t
                else:     b_t ← g_t
                if nesterov: g_t ← g_t + μ b_t
                else:        g_t ← b_t
            θ_t ← θ_{t-1} - γ g_t
        return θ_t

    State per parameter: ``momentum_buffer`` (only when ``momentum != 0``).

    Example:
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        *,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        # plain SGD's scratch per parameter: a view into the shared buffer of ``_work`` (no extra memory)
        self._tmp: dict[int, Array] = {}

    def step(self, closure: Closure | None = None) -> Any:
        """Perform one SGD step; parameters without a gradient are skipped.

        Plain SGD (no momentum, weight decay nor ``maximize``) on float32/float64 parameters takes a lean path:
        ``param -= lr * grad`` through one scratch buffer kept across steps, without per-parameter bookkeeping.

        Example:
            >>> opt.step()  # doctest: +SKIP
        """
        for group in self.param_groups:
            if group["momentum"] != 0 or group["weight_decay"] != 0 or group["maximize"]:
                return super().step(closure)
        loss = self._closure_loss(closure)
        items = self.state._items
        scratch = self._tmp
        for group in self.param_groups:
            lr = group["lr"]
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                data = p.data
                param = data.array
                if id(p) not in items:
                    items[id(p)] = (p, {})
                xp = _np if type(param) is _ndarray else data.device.xp
                dtype = param.dtype
                if dtype.kind == "f" and dtype.itemsize >= 4:
                    tmp = scratch.get(id(p))
                    if tmp is None or tmp.shape != param.shape or tmp.dtype != dtype or type(tmp) is not type(param):
                        scratch = self._scratch_views()
                        tmp = scratch[id(p)]
                    xp.multiply(g.data.array, lr, out=tmp)
                    data.sub_(as_tensor(tmp))  # in place; bumps the version counter as every in-place op does
                elif dtype.kind == "f":  # half precision: updated in float32, rounded back into the same storage
                    master = param.astype(FLOAT32)
                    self._update(xp, master, g.data.array.astype(FLOAT32), items[id(p)][1], group)
                    data[...] = master
                else:
                    self._update(xp, param, g.data.array, items[id(p)][1], group)
                    mark_modified(data)
        return loss

    def _scratch_views(self) -> dict[int, Array]:
        """(Re)build plain SGD's scratch views: the shared buffer is first sized for the largest parameter of each
        dtype and device, so that every view points into the same single buffer."""
        largest: dict[tuple[Any, ...], tuple[ArrayModule, Array]] = {}
        params = [p for group in self.param_groups for p in group["params"]]
        params = [p for p in params if p.data.array.dtype.kind == "f" and p.data.array.dtype.itemsize >= 4]
        for p in params:
            data = p.data
            a = data.array
            key = (a.dtype, str(a.device) if type(a) is not _ndarray else "cpu")
            if key not in largest or a.size > largest[key][1].size:
                largest[key] = (_np if type(a) is _ndarray else data.device.xp, a)
        for xp, a in largest.values():
            self._work(xp, a, 1)
        views = self._tmp = {}
        for p in params:
            data = p.data
            a = data.array
            views[id(p)] = self._work(_np if type(a) is _ndarray else data.device.xp, a, 1)[0]
        return views

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        momentum = group["momentum"]
        buf = None
        first = False
        if momentum != 0:
            t = state.get("momentum_buffer")
            first = t is None
            if t is None:
                t = state["momentum_buffer"] = zeros_state(xp, param)
            buf = t.array
        sgd(
            xp,
            param,
            grad,
            buf,
            first_step=first,
            lr=group["lr"],
            momentum=momentum,
            dampening=group["dampening"],
            nesterov=group["nesterov"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            work=self._work(xp, param, 2),
        )
