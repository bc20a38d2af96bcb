"""RAdam: Adam with a rectified adaptive learning rate."""

from __future__ import annotations

import math
from typing import Any

from taeda.optim._common import effective_grad, ema_, ema_sq_
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.adam import check_adam_args
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

__all__ = ["RAdam", "radam"]


def radam(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    exp_avg: Array,
    exp_avg_sq: Array,
    *,
    step: float,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
    work: list[Array],
) -> None:
    """One RAdam update in place (``step`` is 1-based); ``work`` holds two scratch arrays.

    Example:
        >>> p, g = np.ones(2, np.float32), np.ones(2, np.float32)
        >>> m, v = np.zeros(2, np.float32), np.zeros(2, np.float32)
        >>> radam(np, p, g, m, v, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
        ...       decoupled_weight_decay=False, maximize=False, work=[np.empty(2, np.float32) for _ in "ab"])
        >>> p
        array([0.9, 0.9], dtype=float32)
    """
    tmp, gbuf = work
    if weight_decay != 0 and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
        g = effective_grad(xp, param, grad, 0.0, maximize, gbuf)
    else:
        g = effective_grad(xp, param, grad, weight_decay, maximize, gbuf)
    ema_(xp, exp_avg, g, beta1, tmp)
    ema_sq_(xp, exp_avg_sq, g, beta2, tmp)
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
    if rho_t > 5.0:
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        xp.sqrt(exp_avg_sq, out=tmp)
        tmp += eps
        xp.divide(exp_avg, tmp, out=tmp)
        tmp *= lr * rect * math.sqrt(bias_correction2) / bias_correction1
    else:
        xp.multiply(exp_avg, lr / bias_correction1, out=tmp)
    param -= tmp


class RAdam(ElementwiseOptimizer):
    r"""RAdam (Liu et al.), as in PyTorch.

    .. code-block:: text

        input: γ (lr), β1, β2 (betas), θ0 (params), f(θ) (objective), λ (weight decay),
               decoupled_weight_decay, maximize, ε
        initialize: m0 ← 0, v0 ← 0, ρ∞ ← 2 / (1 - β2) - 1
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            if λ ≠ 0:
                if decoupled_weight_decay: θ_{t-1} ← θ_{t-1} - γ λ θ_{t-1}
                else:                      g_t ← g_t + λ θ_{t-1}
            m_t ← β1 m_{t-1} + (1 - β1) g_t
            v_t ← β2 v_{t-1} + (1 - β2) g_t²
            m̂_t ← m_t / (1 - β1^t)
            ρ_t ← ρ∞ - 2 t β2^t / (1 - β2^t)
            if ρ_t > 5:
                l_t ← √(1 - β2^t) / (√v_t + ε)
                r_t ← √((ρ_t - 4)(ρ_t - 2) ρ∞ / ((ρ∞ - 4)(ρ∞ - 2) ρ_t))
                θ_t ← θ_{t-1} - γ m̂_t r_t l_t
            else:
                θ_t ← θ_{t-1} - γ m̂_t
        return θ_t

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Example:
        >>> opt = RAdam(model.parameters(), lr=1e-3)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        maximize: bool = False,
    ) -> None:
        check_adam_args(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = zeros_state(xp, param)
            state["exp_avg_sq"] = zeros_state(xp, param)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        radam(
            xp,
            param,
            grad,
            state["exp_avg"].array,
            state["exp_avg_sq"].array,
            step=state["step"],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
            maximize=group["maximize"],
            work=self._work(xp, param, 2),
        )
