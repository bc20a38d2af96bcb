"""Schedulers driven by user functions: ``LambdaLR`` and ``MultiplicativeLR``."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from taeda.optim.lr_scheduler._base import LRScheduler
from taeda.optim.optimizer import Optimizer

__all__ = ["LambdaLR", "MultiplicativeLR"]

LrLambda = Callable[[int], float]


def _lambdas(optimizer: Optimizer, lr_lambda: LrLambda | list[LrLambda] | tuple[LrLambda, ...]) -> list[LrLambda]:
    if not isinstance(lr_lambda, list | tuple):
        return [lr_lambda] * len(optimizer.param_groups)
    if len(lr_lambda) != len(optimizer.param_groups):
        raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}")
    return list(lr_lambda)


class _LambdaScheduler(LRScheduler):
    lr_lambdas: list[LrLambda]

    def state_dict(self) -> dict[str, Any]:
        """Attributes plus, per lambda, ``None`` for plain functions or a callable object's ``__dict__``."""
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else dict(fn.__dict__) for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes and the saved state of callable-object lambdas."""
        state = dict(state_dict)
        lr_lambdas = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, saved in zip(self.lr_lambdas, lr_lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class LambdaLR(_LambdaScheduler):
    """``lr = initial_lr * lr_lambda(epoch)`` (one function, or one per group).

    Example:
        >>> sched = LambdaLR(opt, lr_lambda=lambda epoch: 0.95**epoch)  # doctest: +SKIP
    """

    def __init__(
        self, optimizer: Optimizer, lr_lambda: LrLambda | list[LrLambda] | tuple[LrLambda, ...], last_epoch: int = -1
    ) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """``base_lr * lr_lambda(last_epoch)`` per group."""
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaScheduler):
    """Multiply each group's ``lr`` by ``lr_lambda(epoch)`` every step.

    Example:
        >>> sched = MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.95)  # doctest: +SKIP
    """

    def __init__(
        self, optimizer: Optimizer, lr_lambda: LrLambda | list[LrLambda] | tuple[LrLambda, ...], last_epoch: int = -1
    ) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """``lr * lr_lambda(last_epoch)`` per group (unchanged on the initial step)."""
        if self._is_initial:
            return self._group_lrs()
        return [g["lr"] * fn(self.last_epoch) for fn, g in zip(self.lr_lambdas, self.optimizer.param_groups)]
