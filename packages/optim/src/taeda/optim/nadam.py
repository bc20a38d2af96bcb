"""NAdam: Adam with Nesterov momentum and momentum decay."""

from __future__ import annotations

from typing import Any

from taeda.optim._common import effective_grad, ema_, ema_sq_
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.adam import check_adam_args
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

__all__ = ["NAdam", "nadam"]


def nadam(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    exp_avg: Array,
    exp_avg_sq: Array,
    *,
    step: float,
    mu_product: float,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    momentum_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
    work: list[Array],
) -> float:
    """One NAdam update in place; returns the new ``mu_product`` (∏ μ_i up to ``step``); three scratch arrays.

    Example:
        >>> p, g = np.ones(2, np.float32), np.ones(2, np.float32)
        >>> m, v = np.zeros(2, np.float32), np.zeros(2, np.float32)
        >>> mu = nadam(np, p, g, m, v, step=1, mu_product=1.0, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8,
        ...            weight_decay=0.0, momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False,
        ...            work=[np.empty(2, np.float32) for _ in "abc"])
        >>> p.round(4)
        array([0.8944, 0.8944], dtype=float32)
    """
    tmp, num, gbuf = work
    if weight_decay != 0 and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
        g = effective_grad(xp, param, grad, 0.0, maximize, gbuf)
    else:
        g = effective_grad(xp, param, grad, weight_decay, maximize, gbuf)
    bias_correction2 = 1 - beta2**step
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    mu_product *= mu
    mu_product_next = mu_product * mu_next
    ema_(xp, exp_avg, g, beta1, tmp)
    ema_sq_(xp, exp_avg_sq, g, beta2, tmp)
    xp.divide(exp_avg_sq, bias_correction2, out=tmp)
    xp.sqrt(tmp, out=tmp)
    tmp += eps
    xp.multiply(g, lr * (1.0 - mu) / (1.0 - mu_product), out=num)
    num /= tmp
    param -= num
    xp.multiply(exp_avg, lr * mu_next / (1.0 - mu_product_next), out=num)
    num /= tmp
    param -= num
    return mu_product


class NAdam(ElementwiseOptimizer):
    r"""NAdam (Dozat), as in PyTorch.

    .. code-block:: text

        input: γ (lr), β1, β2 (betas), θ0 (params), f(θ) (objective), λ (weight decay), ψ (momentum decay),
               decoupled_weight_decay, maximize, ε
        initialize: m0 ← 0, v0 ← 0
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            if λ ≠ 0:
                if decoupled_weight_decay: θ_{t-1} ← θ_{t-1} - γ λ θ_{t-1}
                else:                      g_t ← g_t + λ θ_{t-1}
            μ_t ← β1 (1 - ½ · 0.96^(t ψ));   μ_{t+1} ← β1 (1 - ½ · 0.96^((t+1) ψ))
            m_t ← β1 m_{t-1} + (1 - β1) g_t
            v_t ← β2 v_{t-1} + (1 - β2) g_t²
            m̂_t ← μ_{t+1} m_t / (1 - ∏_{i=1}^{t+1} μ_i) + (1 - μ_t) g_t / (1 - ∏_{i=1}^{t} μ_i)
            v̂_t ← v_t / (1 - β2^t)
            θ_t ← θ_{t-1} - γ m̂_t / (√v̂_t + ε)
        return θ_t

    State per parameter: ``step``, ``mu_product``, ``exp_avg``, ``exp_avg_sq``.

    Example:
        >>> opt = NAdam(model.parameters(), lr=2e-3)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        maximize: bool = False,
    ) -> None:
        check_adam_args(lr, betas, eps, weight_decay)
        if not momentum_decay >= 0.0:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0.0
            state["mu_product"] = 1.0
            state["exp_avg"] = zeros_state(xp, param)
            state["exp_avg_sq"] = zeros_state(xp, param)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        state["mu_product"] = nadam(
            xp,
            param,
            grad,
            state["exp_avg"].array,
            state["exp_avg_sq"].array,
            step=state["step"],
            mu_product=float(state["mu_product"]),
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum_decay=group["momentum_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
            maximize=group["maximize"],
            work=self._work(xp, param, 3),
        )
