"""Adam (and, with ``decoupled=True``, AdamW's update)."""

from __future__ import annotations

import math
from typing import Any

from taeda.optim._common import effective_grad, ema_, ema_sq_
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

__all__ = ["Adam", "adam", "check_adam_args"]


def adam(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    exp_avg: Array,
    exp_avg_sq: Array,
    max_exp_avg_sq: Array | None,
    *,
    step: float,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    decoupled: bool,
    work: list[Array],
) -> None:
    """One Adam (``decoupled=False``) or AdamW (``decoupled=True``) update in place; ``work``: two scratch arrays.

    ``step`` is the 1-based step count; ``max_exp_avg_sq`` is needed only with ``amsgrad``.

    Example:
        >>> p, g = np.ones(2, np.float32), np.ones(2, np.float32)
        >>> m, v, w = np.zeros(2, np.float32), np.zeros(2, np.float32), [np.empty(2, np.float32) for _ in "ab"]
        >>> adam(np, p, g, m, v, None, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
        ...      amsgrad=False, maximize=False, decoupled=False, work=w)
        >>> p.round(4)
        array([0.9, 0.9], dtype=float32)
    """
    tmp, gbuf = work
    if decoupled:
        if weight_decay != 0:
            param *= 1 - lr * weight_decay
        g = effective_grad(xp, param, grad, 0.0, maximize, gbuf)
    else:
        g = effective_grad(xp, param, grad, weight_decay, maximize, gbuf)
    ema_(xp, exp_avg, g, beta1, tmp)
    ema_sq_(xp, exp_avg_sq, g, beta2, tmp)
    bias_correction1 = 1 - beta1**step
    bias_correction2_sqrt = math.sqrt(1 - beta2**step)
    step_size = lr / bias_correction1
    if amsgrad:
        if max_exp_avg_sq is None:
            raise ValueError("adam with amsgrad needs max_exp_avg_sq")
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        xp.sqrt(max_exp_avg_sq, out=tmp)
    else:
        xp.sqrt(exp_avg_sq, out=tmp)
    tmp /= bias_correction2_sqrt
    tmp += eps
    xp.divide(exp_avg, tmp, out=tmp)
    tmp *= step_size
    param -= tmp


def check_adam_args(lr: float, betas: tuple[float, float], eps: float, weight_decay: float) -> None:
    """PyTorch's validation of Adam-family hyperparameters (``ValueError`` with its messages)."""
    if not lr >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not eps >= 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not weight_decay >= 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(ElementwiseOptimizer):
    r"""Adam, as in PyTorch (with L2 ``weight_decay`` folded into the gradient, or AdamW's decoupled decay).

    .. code-block:: text

        input: γ (lr), β1, β2 (betas), θ0 (params), f(θ) (objective), λ (weight decay), amsgrad, maximize, ε
        initialize: m0 ← 0, v0 ← 0, v0^max ← 0
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            if λ ≠ 0: g_t ← g_t + λ θ_{t-1}
            m_t ← β1 m_{t-1} + (1 - β1) g_t
            v_t ← β2 v_{t-1} + (1 - β2) g_t²
            m̂_t ← m_t / (1 - β1^t)
            if amsgrad: v_t^max ← max(v_{t-1}^max, v_t);  v̂_t ← v_t^max / (1 - β2^t)
            else:       v̂_t ← v_t / (1 - β2^t)
            θ_t ← θ_{t-1} - γ m̂_t / (√v̂_t + ε)
        return θ_t

    With ``decoupled_weight_decay=True`` the weight decay shrinks the parameters directly instead
    (``θ_{t-1} ← θ_{t-1} - γ λ θ_{t-1}``), which makes this optimizer :class:`AdamW`.

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq`` with amsgrad).

    Example:
        >>> opt = Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_adam_args(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        amsgrad = group["amsgrad"]
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = zeros_state(xp, param)
            state["exp_avg_sq"] = zeros_state(xp, param)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_state(xp, param)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        adam(
            xp,
            param,
            grad,
            state["exp_avg"].array,
            state["exp_avg_sq"].array,
            state["max_exp_avg_sq"].array if amsgrad else None,
            step=state["step"],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            amsgrad=amsgrad,
            maximize=group["maximize"],
            decoupled=group["decoupled_weight_decay"],
            work=self._work(xp, param, 2),
        )
