"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky)."""

from __future__ import annotations

from typing import Any

import numpy as np

from taeda.optim._common import effective_grad
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state
from taeda.tensor import get_default_dtype

__all__ = ["ASGD", "asgd"]


def _scalar(value: float) -> float:
    """``value`` rounded as PyTorch's 0-d state tensors hold it: float64 under a float64 default dtype, else float32."""
    if np.dtype(get_default_dtype()) == np.float64:
        return float(value)
    return float(np.float32(value))


def asgd(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    ax: Array,
    *,
    step: float,
    eta: float,
    mu: float,
    lr: float,
    lambd: float,
    alpha: float,
    t0: float,
    weight_decay: float,
    maximize: bool,
    work: list[Array],
) -> tuple[float, float]:
    """One ASGD update of ``param`` and its average ``ax`` in place; returns the next ``(eta, mu)``.

    ``step`` is the 1-based step count, ``eta`` and ``mu`` the values from the previous step (``lr`` and 1 at
    first). ``work`` holds two scratch arrays.

    Example:
        >>> p, g, ax = np.ones(2), np.full(2, 0.5), np.zeros(2)
        >>> eta, mu = asgd(np, p, g, ax, step=1, eta=0.1, mu=1.0, lr=0.1, lambd=0.0, alpha=0.75, t0=1e6,
        ...                weight_decay=0.0, maximize=False, work=[np.empty(2), np.empty(2)])
        >>> p, ax, mu
        (array([0.95, 0.95]), array([0.95, 0.95]), 1.0)
    """
    tmp, gbuf = work
    g = effective_grad(xp, param, grad, weight_decay, maximize, gbuf)
    param *= 1 - lambd * eta
    xp.multiply(g, -eta, out=tmp)
    param += tmp
    if mu != 1:
        xp.subtract(param, ax, out=tmp)
        tmp *= mu
        ax += tmp
    else:
        xp.copyto(ax, param)
    new_eta = _scalar(lr / ((1 + lambd * lr * step) ** alpha))
    new_mu = _scalar(1 / max(1, step - t0))
    return new_eta, new_mu


class ASGD(ElementwiseOptimizer):
    r"""Averaged stochastic gradient descent, as in PyTorch.

    .. code-block:: text

        input: γ (lr), λ (lambd, decay term), α (power for η), t0 (start of averaging), θ0 (params),
               f(θ) (objective), weight_decay, maximize
        initialize: η_0 ← γ, μ_0 ← 1, ax_0 ← 0
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            if weight_decay ≠ 0: g_t ← g_t + weight_decay θ_{t-1}
            θ_t ← (1 - λ η_{t-1}) θ_{t-1} - η_{t-1} g_t
            ax_t ← θ_t if μ_{t-1} = 1 else ax_{t-1} + μ_{t-1} (θ_t - ax_{t-1})
            η_t ← γ / (1 + λ γ t)^α
            μ_t ← 1 / max(1, t - t0)
        return θ_t

    The averaged parameters are ``optimizer.state[p]["ax"]``. As PyTorch keeps ``eta`` and ``mu`` in 0-d
    tensors of its scalar dtype, they are rounded to float32 (float64 when the default dtype is float64). They
    are kept as Python floats here (as ``step`` is). PyTorch's ``foreach``, ``capturable`` and
    ``differentiable`` variants compute ``eta`` and the update in another order (different rounding); taeda
    has only the default (single-tensor) path and does not take those options.

    State per parameter: ``step``, ``eta``, ``mu``, ``ax``.

    Example:
        >>> opt = ASGD(model.parameters(), lr=0.01, t0=100)  # doctest: +SKIP
        >>> averaged = [opt.state[p]["ax"] for p in model.parameters()]  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        *,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _init_state(self, xp: ArrayModule, param: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = 0.0
        state["eta"] = _scalar(group["lr"])
        state["mu"] = 1.0
        state["ax"] = zeros_state(xp, param)

    def _update_complex(
        self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:  # the average stays complex, shaped like the parameter
            self._init_state(xp, param, state, group)
        super()._update_complex(xp, param, grad, state, group)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            self._init_state(xp, param, state, group)
        state["step"] += 1
        state["eta"], state["mu"] = asgd(
            xp,
            param,
            grad,
            state["ax"].array,
            step=state["step"],
            eta=float(state["eta"]),
            mu=float(state["mu"]),
            lr=group["lr"],
            lambd=group["lambd"],
            alpha=group["alpha"],
            t0=group["t0"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            work=self._work(xp, param, 2),
        )
