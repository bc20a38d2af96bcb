"""AdamW: Adam with decoupled weight decay."""

from __future__ import annotations

from taeda.optim._types import ParamsT
from taeda.optim.adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter), as in PyTorch: the weight decay shrinks the parameters directly.

    .. code-block:: text

        input: γ (lr), β1, β2 (betas), θ0 (params), f(θ) (objective), λ (weight decay), amsgrad, maximize, ε
        initialize: m0 ← 0, v0 ← 0, v0^max ← 0
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            θ_t ← θ_{t-1} - γ λ θ_{t-1}
            m_t ← β1 m_{t-1} + (1 - β1) g_t
            v_t ← β2 v_{t-1} + (1 - β2) g_t²
            m̂_t ← m_t / (1 - β1^t)
            if amsgrad: v_t^max ← max(v_{t-1}^max, v_t);  v̂_t ← v_t^max / (1 - β2^t)
            else:       v̂_t ← v_t / (1 - β2^t)
            θ_t ← θ_t - γ m̂_t / (√v̂_t + ε)
        return θ_t

    Example:
        >>> opt = AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
