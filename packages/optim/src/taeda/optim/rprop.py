"""Rprop: resilient backpropagation, a per-element step size driven by the sign of the gradient."""

from __future__ import annotations

from typing import Any

from taeda.optim._types import Array, ArrayModule, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

__all__ = ["Rprop", "rprop"]


def rprop(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    prev: Array,
    step_size: Array,
    *,
    step_size_min: float,
    step_size_max: float,
    etaminus: float,
    etaplus: float,
    maximize: bool,
    work: list[Array],
) -> None:
    """One Rprop update of ``param``, ``prev`` (the previous gradient) and ``step_size`` in place; two scratch arrays.

    Example:
        >>> p, g = np.ones(2), np.array([1.0, -2.0])
        >>> prev, size = np.zeros(2), np.full(2, 0.01)
        >>> rprop(np, p, g, prev, size, step_size_min=1e-6, step_size_max=50.0, etaminus=0.5, etaplus=1.2,
        ...       maximize=False, work=[np.empty(2), np.empty(2)])
        >>> p, prev
        (array([0.99, 1.01]), array([ 1., -2.]))
    """
    sign, g = work
    if maximize:
        xp.negative(grad, out=g)
    else:
        xp.copyto(g, grad)
    xp.multiply(g, prev, out=sign)
    xp.sign(sign, out=sign)
    positive = sign > 0
    negative = sign < 0
    sign[positive] = etaplus
    sign[negative] = etaminus
    sign[sign == 0] = 1
    step_size *= sign
    xp.clip(step_size, step_size_min, step_size_max, out=step_size)
    g[sign == etaminus] = 0  # a sign change: no step now, and no sign comparison on the next step
    xp.sign(g, out=sign)
    sign *= step_size
    param -= sign
    xp.copyto(prev, g)


class Rprop(ElementwiseOptimizer):
    r"""Rprop (resilient backpropagation, Riedmiller & Braun), as in PyTorch.

    .. code-block:: text

        input: θ0 (params), f(θ) (objective), η+, η- (etaplus, etaminus), Γmax, Γmin (step sizes), maximize
        initialize: g_prev ← 0, η_0 ← lr (learning rate)
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})        (-∇θ f_t(θ_{t-1}) if maximize)
            for each element i:
                if g_prev^i g_t^i > 0:   η_t^i ← min(η_{t-1}^i η+, Γmax)
                elif g_prev^i g_t^i < 0: η_t^i ← max(η_{t-1}^i η-, Γmin);  g_t^i ← 0
                else:                    η_t^i ← η_{t-1}^i
            θ_t ← θ_{t-1} - η_t sign(g_t)
            g_prev ← g_t
        return θ_t

    As in PyTorch, an element is reset (``g_t^i ← 0``) wherever its new step-size factor equals ``etaminus``, and
    the step sizes are clamped to ``step_sizes`` whichever way they moved. PyTorch's ``capturable``, ``foreach`` and
    ``differentiable`` only choose how its update runs (CUDA graphs, fused list kernels, autograd through the
    step), not what it computes; taeda has no such variants, so this class does not take them.

    State per parameter: ``step``, ``prev``, ``step_size``.

    Example:
        >>> opt = Rprop(model.parameters(), lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 50))  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        *,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0.0
            state["prev"] = zeros_state(xp, param)
            state["step_size"] = zeros_state(xp, param, group["lr"])
        state["step"] += 1
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        rprop(
            xp,
            param,
            grad,
            state["prev"].array,
            state["step_size"].array,
            step_size_min=step_size_min,
            step_size_max=step_size_max,
            etaminus=etaminus,
            etaplus=etaplus,
            maximize=group["maximize"],
            work=self._work(xp, param, 2),
        )
