"""L-BFGS with an optional strong-Wolfe line search (a port of PyTorch's ``LBFGS``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from taeda.autograd import Variable
from taeda.optim._line_search import strong_wolfe
from taeda.optim._types import Array, ArrayModule, Closure, ParamsT
from taeda.optim.optimizer import Optimizer, _as_real, _compute_dtype, mark_modified
from taeda.tensor import Tensor, as_tensor

__all__ = ["LBFGS"]


def _loss_value(loss: Any) -> float:
    """The closure's loss (a Variable, Tensor, array or number) as a Python float."""
    if hasattr(loss, "array"):
        return float(loss.array)
    data = getattr(loss, "data", None)
    if data is not None and hasattr(data, "array"):
        return float(data.array)
    return float(loss)


def _tensor(value: Array | None) -> Tensor | None:
    return None if value is None else as_tensor(value)


def _array(value: Tensor | None) -> Array | None:
    return None if value is None else value.array


def _real(arr: Array) -> Array:
    """``arr``, or a complex ``arr`` as (real, imaginary) pairs, as PyTorch's L-BFGS sees complex parameters."""
    return _as_real(arr) if arr.dtype.kind == "c" else arr


class LBFGS(Optimizer):
    r"""L-BFGS, as in PyTorch (heavily inspired by minFunc); ``step`` needs a closure that re-evaluates the loss.

    .. code-block:: text

        input: γ (lr), θ0, closure f, m (history_size)
        g ← ∇f(θ); stop if max|g| ≤ tolerance_grad
        repeat up to max_iter times:
            if first iteration: d ← -g, H ← 1
            else: y ← g - g_prev, s ← t d; if yᵀs > 1e-10: push (y, s, 1/yᵀs) (keep the last m), H ← yᵀs / yᵀy
                  d ← -(two-loop recursion of the stored pairs applied to g, scaled by H)
            t ← min(1, 1/Σ|g|) γ on the first iteration, else γ
            stop if gᵀd > -tolerance_change
            strong_wolfe: t, f, g ← line search along d;  else: θ ← θ + t d, re-evaluate f, g
            stop if max_eval reached, max|g| ≤ tolerance_grad, max|t d| ≤ tolerance_change
            or |f - f_prev| < tolerance_change

    Only one parameter group is supported, and all parameters must live on one device. The state (history,
    direction, step) lives in ``state[params[0]]``.

    Example:
        >>> opt = LBFGS([x], lr=1, line_search_fn="strong_wolfe")  # doctest: +SKIP
        >>> def closure():  # doctest: +SKIP
        ...     opt.zero_grad(); loss = f(x); loss.backward(); return loss
        >>> opt.step(closure)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        *,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"only 'strong_wolfe' is supported as line_search_fn, but got {line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Variable] = self.param_groups[0]["params"]

    def _xp(self) -> ArrayModule:
        return self._params[0].data.device.xp

    def _gather_flat_grad(self) -> Array:
        xp = self._xp()
        dtype = np.finfo(_compute_dtype(self._params[0].data.array)).dtype  # complex: (real, imag) pairs
        views = []
        for p in self._params:
            g = p.grad
            arr = _real(p.data.array)
            views.append(xp.zeros(arr.size, dtype=dtype) if g is None else _real(g.data.array).reshape(-1))
        flat: Array = xp.concatenate(views).astype(dtype, copy=False)
        return flat

    def _add_grad(self, step_size: float, update: Array) -> None:
        offset = 0
        for p in self._params:
            arr = _real(p.data.array)
            n = arr.size
            arr += (step_size * update[offset : offset + n]).reshape(arr.shape).astype(arr.dtype, copy=False)
            mark_modified(p.data)
            offset += n

    def _clone_param(self) -> list[Array]:
        return [p.data.array.copy() for p in self._params]

    def _set_param(self, params_data: list[Array]) -> None:
        xp = self._xp()
        for p, saved in zip(self._params, params_data):
            xp.copyto(p.data.array, saved)
            mark_modified(p.data)

    def _directional_evaluate(self, closure: Closure, x: list[Array], t: float, d: Array) -> tuple[float, Array]:
        self._add_grad(t, d)
        loss = _loss_value(self._closure_loss(closure))
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure: Closure | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; return the loss of the closure's first evaluation.

        Example:
            >>> loss = opt.step(closure)  # doctest: +SKIP
        """
        if closure is None:
            raise ValueError("LBFGS requires a closure that re-evaluates the model and returns the loss")
        xp = self._xp()
        group = self.param_groups[0]
        lr = group["lr"]
        max_iter = group["max_iter"]
        max_eval = group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        line_search_fn = group["line_search_fn"]
        history_size = group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._closure_loss(closure)
        loss = _loss_value(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if float(xp.abs(flat_grad).max()) <= tolerance_grad:
            return orig_loss

        d = _array(state.get("d"))
        t: float = float(state.get("t") or 0.0)
        old_dirs: list[Array] = [v.array for v in state.get("old_dirs") or []]
        old_stps: list[Array] = [v.array for v in state.get("old_stps") or []]
        ro: list[float] = list(state.get("ro") or [])
        h_diag = float(state.get("H_diag") or 1.0)
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")
        al: list[float] = list(state.get("al") or [0.0] * history_size)
        if len(al) < history_size:
            al.extend([0.0] * (history_size - len(al)))

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1 or d is None or prev_flat_grad is None:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(xp.dot(y, s))
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(xp.dot(y, y))
                # two-loop recursion: d = -H g
                num_old = len(old_dirs)
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = float(xp.dot(old_stps[i], q)) * ro[i]
                    q -= al[i] * old_dirs[i]
                r = q * h_diag
                for i in range(num_old):
                    be_i = float(xp.dot(old_dirs[i], r)) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
                d = r
            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                xp.copyto(prev_flat_grad, flat_grad)
            prev_loss = loss

            t = min(1.0, 1.0 / float(xp.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(xp.dot(flat_grad, d))
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._clone_param()

                def obj_func(x: list[Array], t: float, d: Array) -> tuple[float, Array]:
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    xp, obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = float(xp.abs(flat_grad).max()) <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = _loss_value(self._closure_loss(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = float(xp.abs(flat_grad).max()) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(xp.abs(d * t).max()) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = _tensor(d)
        state["t"] = t
        state["old_dirs"] = [as_tensor(v) for v in old_dirs]
        state["old_stps"] = [as_tensor(v) for v in old_stps]
        state["ro"] = ro
        state["H_diag"] = h_diag
        state["prev_flat_grad"] = _tensor(prev_flat_grad)
        state["prev_loss"] = prev_loss
        state["al"] = al
        return orig_loss
