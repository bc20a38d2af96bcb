"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

from taeda.optim._common import effective_grad
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

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
