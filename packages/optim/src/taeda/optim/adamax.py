"""Adamax: Adam with the infinity norm."""

from __future__ import annotations

from typing import Any

from taeda.optim._common import effective_grad, ema_
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.adam import check_adam_args
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

__all__ = ["Adamax", "adamax"]


def adamax(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    exp_avg: Array,
    exp_inf: Array,
    *,
    step: float,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
    work: list[Array],
) -> None:
    """One Adamax update in place (``step`` is 1-based); ``work`` holds two scratch arrays.

    Example:
        >>> p, g = np.ones(2, np.float32), np.ones(2, np.float32)
        >>> m, u = np.zeros(2, np.float32), np.zeros(2, np.float32)
        >>> adamax(np, p, g, m, u, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
        ...        maximize=False, work=[np.empty(2, np.float32) for _ in "ab"])
        >>> p
        array([0.9, 0.9], dtype=float32)
    """
    tmp, gbuf = work
    g = effective_grad(xp, param, grad, weight_decay, maximize, gbuf)
    ema_(xp, exp_avg, g, beta1, tmp)
    exp_inf *= beta2
    xp.abs(g, out=tmp)
    tmp += eps
    xp.maximum(exp_inf, tmp, out=exp_inf)
    clr = lr / (1 - beta1**step)
    xp.divide(exp_avg, exp_inf, out=tmp)
    tmp *= clr
    param -= tmp


class Adamax(ElementwiseOptimizer):
    r"""Adamax (Kingma & Ba), as in PyTorch.

    .. code-block:: text

        input: γ (lr), β1, β2 (betas), θ0 (params), f(θ) (objective), λ (weight decay), ε
        initialize: m0 ← 0 (first moment), u0 ← 0 (infinity norm)
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            if λ ≠ 0: g_t ← g_t + λ θ_{t-1}
            m_t ← β1 m_{t-1} + (1 - β1) g_t
            u_t ← max(β2 u_{t-1}, |g_t| + ε)
            θ_t ← θ_{t-1} - γ m_t / ((1 - β1^t) u_t)
        return θ_t

    State per parameter: ``step``, ``exp_avg``, ``exp_inf``.

    Example:
        >>> opt = Adamax(model.parameters(), lr=2e-3)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        check_adam_args(lr, betas, eps, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = zeros_state(xp, param)
            state["exp_inf"] = zeros_state(xp, param)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        adamax(
            xp,
            param,
            grad,
            state["exp_avg"].array,
            state["exp_inf"].array,
            step=state["step"],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            work=self._work(xp, param, 2),
        )
