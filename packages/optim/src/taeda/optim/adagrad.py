"""Adagrad."""

from __future__ import annotations

from typing import Any

from taeda.optim._common import effective_grad
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

__all__ = ["Adagrad", "adagrad"]


def adagrad(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    state_sum: Array,
    *,
    step: float,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    work: list[Array],
) -> None:
    """One Adagrad update in place (``step`` is 1-based); ``work`` holds two scratch arrays.

    Example:
        >>> p, g, s = np.ones(2, np.float32), np.ones(2, np.float32), np.zeros(2, np.float32)
        >>> adagrad(np, p, g, s, step=1, lr=0.1, lr_decay=0.0, weight_decay=0.0, eps=1e-10, maximize=False,
        ...         work=[np.empty(2, np.float32) for _ in "ab"])
        >>> p
        array([0.9, 0.9], dtype=float32)
    """
    tmp, gbuf = work
    g = effective_grad(xp, param, grad, weight_decay, maximize, gbuf)
    clr = lr / (1 + (step - 1) * lr_decay)
    xp.multiply(g, g, out=tmp)
    state_sum += tmp
    xp.sqrt(state_sum, out=tmp)
    tmp += eps
    xp.divide(g, tmp, out=tmp)
    tmp *= clr
    param -= tmp


class Adagrad(ElementwiseOptimizer):
    r"""Adagrad, as in PyTorch.

    .. code-block:: text

        input: γ (lr), θ0 (params), f(θ) (objective), λ (weight decay), τ (initial accumulator value),
               η (lr decay), ε
        initialize: state_sum0 ← τ
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            γ̃ ← γ / (1 + (t - 1) η)
            if λ ≠ 0: g_t ← g_t + λ θ_{t-1}
            state_sum_t ← state_sum_{t-1} + g_t²
            θ_t ← θ_{t-1} - γ̃ g_t / (√state_sum_t + ε)
        return θ_t

    State per parameter: ``step``, ``sum``.

    Example:
        >>> opt = Adagrad(model.parameters(), lr=1e-2)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        *,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not lr_decay >= 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not initial_accumulator_value >= 0.0:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0.0
            state["sum"] = zeros_state(xp, param, group["initial_accumulator_value"])
        state["step"] += 1
        adagrad(
            xp,
            param,
            grad,
            state["sum"].array,
            step=state["step"],
            lr=group["lr"],
            lr_decay=group["lr_decay"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            maximize=group["maximize"],
            work=self._work(xp, param, 2),
        )
