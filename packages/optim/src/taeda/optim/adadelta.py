"""Adadelta."""

from __future__ import annotations

from typing import Any

from taeda.optim._common import effective_grad, ema_sq_
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

__all__ = ["Adadelta", "adadelta"]


def adadelta(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    square_avg: Array,
    acc_delta: Array,
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
    work: list[Array],
) -> None:
    """One Adadelta update in place; ``work`` holds three scratch arrays.

    Example:
        >>> p, g = np.ones(2, np.float32), np.ones(2, np.float32)
        >>> v, u = np.zeros(2, np.float32), np.zeros(2, np.float32)
        >>> adadelta(np, p, g, v, u, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False,
        ...          work=[np.empty(2, np.float32) for _ in "abc"])
        >>> p.round(4)
        array([0.9968, 0.9968], dtype=float32)
    """
    tmp, delta, gbuf = work
    g = effective_grad(xp, param, grad, weight_decay, maximize, gbuf)
    ema_sq_(xp, square_avg, g, rho, tmp)
    xp.add(square_avg, eps, out=tmp)
    xp.sqrt(tmp, out=tmp)
    xp.add(acc_delta, eps, out=delta)
    xp.sqrt(delta, out=delta)
    delta /= tmp
    delta *= g
    ema_sq_(xp, acc_delta, delta, rho, tmp)
    delta *= lr
    param -= delta


class Adadelta(ElementwiseOptimizer):
    r"""Adadelta, as in PyTorch.

    .. code-block:: text

        input: γ (lr), θ0 (params), f(θ) (objective), ρ (decay), λ (weight decay), ε
        initialize: v0 ← 0 (square avg), u0 ← 0 (accumulate variables)
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            if λ ≠ 0: g_t ← g_t + λ θ_{t-1}
            v_t ← ρ v_{t-1} + (1 - ρ) g_t²
            Δx_t ← √(u_{t-1} + ε) / √(v_t + ε) · g_t
            u_t ← ρ u_{t-1} + (1 - ρ) Δx_t²
            θ_t ← θ_{t-1} - γ Δx_t
        return θ_t

    State per parameter: ``step``, ``square_avg``, ``acc_delta``.

    Example:
        >>> opt = Adadelta(model.parameters(), lr=1.0, rho=0.9)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        *,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0.0
            state["square_avg"] = zeros_state(xp, param)
            state["acc_delta"] = zeros_state(xp, param)
        state["step"] += 1
        adadelta(
            xp,
            param,
            grad,
            state["square_avg"].array,
            state["acc_delta"].array,
            lr=group["lr"],
            rho=group["rho"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            work=self._work(xp, param, 3),
        )
