"""Muon: momentum SGD whose update is orthogonalized by a Newton-Schulz iteration (2-D parameters only)."""

from __future__ import annotations

import math
from typing import Any

from taeda.optim._common import lerp_
from taeda.optim._types import FLOAT32, Array, ArrayModule, ParamsT
from taeda.optim.optimizer import ElementwiseOptimizer, zeros_state

__all__ = ["Muon", "muon", "zeropower_via_newtonschulz"]

# Keller Jordan's constants, as PyTorch's
EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _bfloat16(xp: ArrayModule, arr: Array) -> Array:
    """``arr`` rounded to bfloat16 (to nearest, ties to even, through float32 as PyTorch converts), as float32."""
    x: Array = xp.array(arr, dtype=FLOAT32, order="C")
    bits = x.view(xp.uint32)
    finite = xp.isfinite(x)
    rounded = (bits + (0x7FFF + ((bits >> 16) & 1))) & 0xFFFF0000
    xp.copyto(bits, rounded.astype(xp.uint32), where=finite)  # inf keeps its bits; NaN stays NaN
    return x


def zeropower_via_newtonschulz(
    xp: ArrayModule, grad: Array, ns_coefficients: tuple[float, float, float], ns_steps: int, eps: float
) -> Array:
    """PyTorch's quintic Newton-Schulz orthogonalization of a matrix, in bfloat16 (returned as float32 values).

    Every intermediate is rounded to bfloat16 where PyTorch's bfloat16 tensors round it (products and sums are
    accumulated in float32 first), so small matrices give PyTorch's values bit for bit; for large ones the
    accumulation order of the matrix products can move a value by one bfloat16 unit.

    Example:
        >>> zeropower_via_newtonschulz(np, np.array([[3.0, 0.0], [0.0, 1.0]]), (3.4445, -4.7750, 2.0315), 5, 1e-7)
        array([[0.75     , 0.       ],
               [0.       , 1.1328125]], dtype=float32)
    """
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (FLOAT32.type(v) for v in ns_coefficients)
    ortho = _bfloat16(xp, grad)
    transposed = grad.shape[0] > grad.shape[1]
    if transposed:
        ortho = ortho.T
    norm = _bfloat16(xp, xp.sqrt(xp.sum(ortho * ortho, dtype=FLOAT32)))
    norm = xp.maximum(norm, _bfloat16(xp, xp.asarray(eps)))  # clamp(min=eps) of a bfloat16 scalar
    ortho = _bfloat16(xp, ortho / norm)
    for _ in range(ns_steps):
        gram = _bfloat16(xp, ortho @ ortho.T)
        gram_update = _bfloat16(xp, b * gram + c * (gram @ gram))
        ortho = _bfloat16(xp, a * ortho + gram_update @ ortho)
    return ortho.T if transposed else ortho


def _adjust_lr(lr: float, adjust_lr_fn: str | None, param_shape: tuple[int, ...]) -> float:
    """PyTorch's learning-rate scaling by the matrix shape ``(A, B)``."""
    rows, cols = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        adjusted_ratio = math.sqrt(max(1, rows / cols))
    elif adjust_lr_fn == "match_rms_adamw":
        adjusted_ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        adjusted_ratio = 1.0
    return lr * adjusted_ratio


def muon(
    xp: ArrayModule,
    param: Array,
    grad: Array,
    momentum_buffer: Array,
    *,
    lr: float,
    weight_decay: float,
    momentum: float,
    nesterov: bool,
    ns_coefficients: tuple[float, float, float],
    ns_steps: int,
    eps: float,
    adjust_lr_fn: str | None,
    work: list[Array],
) -> None:
    """One Muon update of a 2-D ``param`` and its ``momentum_buffer`` in place; ``work`` holds two scratch arrays.

    Example:
        >>> p, g, buf = np.ones((2, 2)), np.array([[3.0, 0.0], [0.0, 1.0]]), np.zeros((2, 2))
        >>> muon(np, p, g, buf, lr=0.1, weight_decay=0.0, momentum=0.0, nesterov=False,
        ...      ns_coefficients=(3.4445, -4.7750, 2.0315), ns_steps=5, eps=1e-7, adjust_lr_fn=None,
        ...      work=[np.empty((2, 2)), np.empty((2, 2))])
        >>> p
        array([[0.925     , 1.        ],
               [1.        , 0.88671875]])
    """
    if grad.ndim != 2:
        raise ValueError("Param gradient must be a 2D matrix")
    tmp, nest = work
    lerp_(xp, momentum_buffer, grad, 1 - momentum, momentum_buffer, tmp)
    if nesterov:
        lerp_(xp, grad, momentum_buffer, momentum, nest, tmp)
        update = nest
    else:
        update = momentum_buffer
    ortho = zeropower_via_newtonschulz(xp, update, ns_coefficients, ns_steps, eps)
    adjusted_lr = _adjust_lr(lr, adjust_lr_fn, param.shape)
    param *= 1 - lr * weight_decay
    tmp[...] = ortho  # bfloat16 values, exact in the parameter's dtype
    tmp *= -adjusted_lr
    param += tmp


class Muon(ElementwiseOptimizer):
    r"""Muon (Keller Jordan), as in PyTorch: for the 2-D weights of hidden layers only.

    .. code-block:: text

        input: γ (lr), λ (weight decay), μ (momentum), nesterov, (a, b, c) (NS coefficients), ε (eps),
               k (NS steps), θ0 (params), f(θ) (objective)
        initialize: B_0 ← 0 (momentum buffer)
        for t = 1 to ...:
            g_t ← ∇θ f_t(θ_{t-1})
            B_t ← μ B_{t-1} + (1 - μ) g_t          (PyTorch's lerp)
            B̃_t ← (1 - μ) g_t + μ B_t if nesterov else B_t
            O_t ← NS_k^(a,b,c)(B̃_t; ε)           (bfloat16 Newton-Schulz, see zeropower_via_newtonschulz)
            θ_t ← θ_{t-1} - γ λ θ_{t-1}
            θ_t ← θ_t - AdjustLR(γ; shape(θ)) O_t
        return θ_t

    ``AdjustLR``: ``"original"`` (or ``None``) scales by ``√max(1, A / B)`` for an ``A×B`` matrix,
    ``"match_rms_adamw"`` by ``0.2 √max(A, B)``. Every parameter must be 2-D (checked when the optimizer is
    made, as PyTorch does); optimize biases and embeddings with, for instance, :class:`AdamW`. Complex parameters
    are refused. There is no ``maximize``, as in PyTorch.

    State per parameter: ``momentum_buffer``.

    Example:
        >>> opt = Muon([p for p in model.parameters() if p.ndim == 2], lr=0.02, momentum=0.95)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        *,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B, DEFAULT_C),
        eps: float = EPS,
        ns_steps: int = DEFAULT_NS_STEPS,
        adjust_lr_fn: str | None = None,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not momentum >= 0.0:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not weight_decay >= 0.0:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {
            "lr": lr,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "nesterov": nesterov,
            "ns_coefficients": ns_coefficients,
            "eps": eps,
            "ns_steps": ns_steps,
            "adjust_lr_fn": adjust_lr_fn,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        f"Muon only supports 2D parameters whereas we found a parameter with size: {p.size()}"
                    )

    def _prepare_group(self, group: dict[str, Any]) -> None:
        for p in group["params"]:
            if p.grad is not None and p.data.array.dtype.kind == "c":
                raise RuntimeError("Muon does not support complex parameters")

    def _update(self, xp: ArrayModule, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]) -> None:
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = zeros_state(xp, param)
        muon(
            xp,
            param,
            grad,
            state["momentum_buffer"].array,
            lr=group["lr"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            nesterov=group["nesterov"],
            ns_coefficients=group["ns_coefficients"],
            ns_steps=group["ns_steps"],
            eps=group["eps"],
            adjust_lr_fn=group["adjust_lr_fn"],
            work=self._work(xp, param, 2),
        )
