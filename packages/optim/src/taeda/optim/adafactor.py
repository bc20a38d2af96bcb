"""Adafactor: Adam-like steps with a factored (row and column) second moment and relative step sizes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from taeda.optim._common import lerp_
from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state
from taeda.tensor import as_tensor

__all__ = ["Adafactor", "adafactor"]


def _norm(xp: ArrayModule, arr: Array) -> float:
    flat = arr.reshape(-1)
    return math.sqrt(float(xp.dot(flat, flat)))


def adafactor(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    row_var: Array | None,
    col_var: Array | None,
    variance: Array | None,
    *,
    step: float,
    lr: float,
    beta2_decay: float,
    eps1: float,
    eps2: float,
    d: float,
    weight_decay: float,
    maximize: bool,
    work: list[Array],
) -> None:
    """One Adafactor update in place (``step`` is 1-based); ``work`` holds three scratch arrays shaped like ``param``.

    A parameter of two or more dimensions keeps ``row_var`` (its last dimension reduced to 1) and ``col_var``
    (its second-to-last reduced to 1); others keep a full ``variance``.

    Example:
        >>> p, g, v = np.ones(2), np.array([1.0, -1.0]), np.zeros(2)
        >>> adafactor(np, p, g, None, None, v, step=1, lr=0.01, beta2_decay=-0.8, eps1=1e-30, eps2=1e-3, d=1.0,
        ...           weight_decay=0.0, maximize=False, work=[np.empty(2) for _ in "abc"])
        >>> p
        array([0.99, 1.01])
    """
    gbuf, var_estimate, tmp = work
    g = xp.negative(grad, out=gbuf) if maximize else grad
    one_minus_beta2_t = step**beta2_decay
    rho_t = min(lr, 1 / (step**0.5))
    alpha = max(eps2, _norm(xp, param) / (param.size**0.5)) * rho_t
    if weight_decay != 0:
        param *= 1 - lr * weight_decay
    if g.ndim > 1:
        if row_var is None or col_var is None:
            raise ValueError("adafactor needs row_var and col_var for a parameter of two or more dimensions")
        xp.multiply(g, g, out=tmp)
        row_mean = tmp.sum(axis=-1, keepdims=True) / g.shape[-1]
        lerp_(xp, row_var, row_mean, one_minus_beta2_t, row_var, row_mean.copy())
        col_mean = tmp.sum(axis=-2, keepdims=True) / g.shape[-2]
        lerp_(xp, col_var, col_mean, one_minus_beta2_t, col_var, col_mean.copy())
        xp.multiply(row_var, col_var, out=var_estimate)  # row_var @ col_var: an outer product
        var_estimate /= xp.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
    else:
        if variance is None:
            raise ValueError("adafactor needs variance for a parameter of fewer than two dimensions")
        xp.multiply(g, g, out=tmp)
        lerp_(xp, variance, tmp, one_minus_beta2_t, variance, var_estimate)
        xp.copyto(var_estimate, variance)
    # eps1 is squared because the square root follows
    xp.maximum(var_estimate, eps1 * eps1, out=var_estimate)
    xp.sqrt(var_estimate, out=var_estimate)
    xp.divide(1.0, var_estimate, out=var_estimate)
    var_estimate *= g
    denom = max(1.0, _norm(xp, var_estimate) / ((var_estimate.size**0.5) * d))
    var_estimate *= -alpha / denom
    param += var_estimate


class Adafactor(ElementwiseOptimizer):
    r"""Adafactor (Shazeer & Stern), as PyTorch implements it.

    .. code-block:: text

        input: γ (lr), τ (beta2_decay), θ0 (params), f(θ) (objective), ε1, ε2 (eps), d (clipping threshold),
               λ (weight decay), maximize
        initialize: R_0 ← 0 (row factor), C_0 ← 0 (column factor), V_0 ← 0 (second moment of vectors)
        for t = 1 to ...:
            G_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            β̂2_t ← 1 - t^τ
            ρ_t ← min(γ, 1 / √t)
            α_t ← max(ε2, RMS(θ_{t-1})) ρ_t
            θ_t ← θ_{t-1} - γ λ θ_{t-1}
            if dim(G_t) > 1:
                R_t ← β̂2_t R_{t-1} + (1 - β̂2_t) mean_{last dim}(G_t ⊙ G_t)
                C_t ← β̂2_t C_{t-1} + (1 - β̂2_t) mean_{second-to-last dim}(G_t ⊙ G_t)
                V̂_t ← R_t C_t / max(mean(R_t), ε1)
            else:
                V̂_t ← β̂2_t V̂_{t-1} + (1 - β̂2_t) G_t ⊙ G_t
            U_t ← G_t / max(√V̂_t, ε1)
            Û_t ← U_t / max(1, RMS(U_t) / d)
            θ_t ← θ_t - α_t Û_t
        return θ_t

    ``eps=(None, 1e-3)``: ε1 ``None`` means the machine epsilon of the dtype of the group's first parameter that
    has a gradient (PyTorch's rule). ``lr`` caps the relative step size and scales the (decoupled) weight decay.
    PyTorch's ``foreach`` is accepted and kept in the groups (it is part of its ``state_dict``); its
    ``foreach=True`` path computes the same formula in another order (rounding differences only), and taeda always
    runs the single-tensor one, PyTorch's default for Adafactor. Complex parameters are refused, as in PyTorch.

    State per parameter: ``step``, and ``row_var`` and ``col_var`` (two or more dimensions) or ``variance``.

    Example:
        >>> opt = Adafactor(model.parameters(), lr=1e-2)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        *,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not beta2_decay <= 0.0:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not eps[0] >= 0.0:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not eps[1] >= 0.0:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not d >= 1.0:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not weight_decay >= 0.0:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {
            "lr": lr,
            "beta2_decay": beta2_decay,
            "eps": eps,
            "d": d,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
        }
        self._eps1 = 0.0
        super().__init__(params, defaults)

    def _prepare_group(self, group: dict[str, Any]) -> None:
        eps1 = group["eps"][0]
        for p in group["params"]:
            if p.grad is None:
                continue
            dtype = p.data.array.dtype
            if dtype.kind == "c":
                raise RuntimeError("Adafactor does not support complex parameters")
            if eps1 is None:
                eps1 = float(np.finfo(dtype).eps)
        self._eps1 = 0.0 if eps1 is None else float(eps1)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0.0
            if grad.ndim > 1:
                state["row_var"] = as_tensor(xp.zeros((*grad.shape[:-1], 1), dtype=param.dtype))
                state["col_var"] = as_tensor(xp.zeros((*grad.shape[:-2], 1, grad.shape[-1]), dtype=param.dtype))
            else:
                state["variance"] = zeros_state(xp, param)
        state["step"] += 1
        row_var = state.get("row_var")
        col_var = state.get("col_var")
        variance = state.get("variance")
        adafactor(
            xp,
            param,
            grad,
            None if row_var is None else row_var.array,
            None if col_var is None else col_var.array,
            None if variance is None else variance.array,
            step=state["step"],
            lr=group["lr"],
            beta2_decay=group["beta2_decay"],
            eps1=self._eps1,
            eps2=group["eps"][1],
            d=group["d"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            work=self._work(xp, param, 3),
        )
