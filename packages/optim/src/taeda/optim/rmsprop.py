"""RMSprop (optionally centered, with momentum)."""

from __future__ import annotations

from typing import Any

from taeda.optim._common import effective_grad, ema_, ema_sq_
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

__all__ = ["RMSprop", "rmsprop"]


def rmsprop(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    square_avg: Array,
    grad_avg: Array | None,
    momentum_buffer: Array | None,
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
    work: list[Array],
) -> None:
    """One RMSprop update in place; ``grad_avg`` is needed when centered, ``momentum_buffer`` with momentum.

    Example:
        >>> p, g, v = np.ones(2, np.float32), np.ones(2, np.float32), np.zeros(2, np.float32)
        >>> rmsprop(np, p, g, v, None, None, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
        ...         centered=False, maximize=False, work=[np.empty(2, np.float32) for _ in "ab"])
        >>> p.round(4)
        array([0.9, 0.9], dtype=float32)
    """
    tmp, gbuf = work
    g = effective_grad(xp, param, grad, weight_decay, maximize, gbuf)
    ema_sq_(xp, square_avg, g, alpha, tmp)
    if centered:
        if grad_avg is None:
            raise ValueError("centered rmsprop needs grad_avg")
        ema_(xp, grad_avg, g, alpha, tmp)
        xp.multiply(grad_avg, grad_avg, out=tmp)
        xp.subtract(square_avg, tmp, out=tmp)
        xp.sqrt(tmp, out=tmp)
    else:
        xp.sqrt(square_avg, out=tmp)
    tmp += eps
    xp.divide(g, tmp, out=tmp)
    if momentum > 0:
        if momentum_buffer is None:
            raise ValueError("rmsprop with momentum needs momentum_buffer")
        momentum_buffer *= momentum
        momentum_buffer += tmp
        xp.multiply(momentum_buffer, lr, out=tmp)
    else:
        tmp *= lr
    param -= tmp


class RMSprop(ElementwiseOptimizer):
    r"""RMSprop, as in PyTorch.

    .. code-block:: text

        input: α (alpha), γ (lr), θ0 (params), f(θ) (objective), λ (weight decay), μ (momentum), centered, ε
        initialize: v0 ← 0 (square average), b0 ← 0 (buffer), g0^ave ← 0
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            if λ ≠ 0: g_t ← g_t + λ θ_{t-1}
            v_t ← α v_{t-1} + (1 - α) g_t²
            ṽ_t ← v_t
            if centered: g_t^ave ← α g_{t-1}^ave + (1 - α) g_t;  ṽ_t ← ṽ_t - (g_t^ave)²
            if μ > 0: b_t ← μ b_{t-1} + g_t / (√ṽ_t + ε);  θ_t ← θ_{t-1} - γ b_t
            else:     θ_t ← θ_{t-1} - γ g_t / (√ṽ_t + ε)
        return θ_t

    State per parameter: ``step``, ``square_avg`` (+ ``momentum_buffer``, ``grad_avg`` when used).

    Example:
        >>> opt = RMSprop(model.parameters(), lr=1e-2, momentum=0.9)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        *,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not momentum >= 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not alpha >= 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        momentum = group["momentum"]
        centered = group["centered"]
        if not state:
            state["step"] = 0.0
            state["square_avg"] = zeros_state(xp, param)
            if momentum > 0:
                state["momentum_buffer"] = zeros_state(xp, param)
            if centered:
                state["grad_avg"] = zeros_state(xp, param)
        state["step"] += 1
        rmsprop(
            xp,
            param,
            grad,
            state["square_avg"].array,
            state["grad_avg"].array if centered else None,
            state["momentum_buffer"].array if momentum > 0 else None,
            lr=group["lr"],
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=momentum,
            centered=centered,
            maximize=group["maximize"],
            work=self._work(xp, param, 2),
        )
