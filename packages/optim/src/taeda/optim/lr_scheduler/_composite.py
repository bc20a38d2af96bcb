"""Schedulers made of schedulers: ``SequentialLR`` and ``ChainedScheduler``."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from taeda.optim.lr_scheduler._base import LRScheduler
from taeda.optim.lr_scheduler._plateau import ReduceLROnPlateau
from taeda.optim.optimizer import Optimizer

__all__ = ["ChainedScheduler", "SequentialLR"]


def _check(name: str, optimizer: Optimizer, schedulers: Sequence[Any]) -> None:
    for idx, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{name} at index {idx} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{name} does not support `ReduceLROnPlateau` scheduler as it "
                "requires additional kwargs to be specified when calling `step`, "
                f"but got one at index {idx} in the given schedulers sequence."
            )
        if optimizer is not scheduler.optimizer:
            raise ValueError(
                f"{name} expects all schedulers to belong to the same optimizer, but "
                f"got scheduler {scheduler.__class__.__name__} at index {idx} has {scheduler.optimizer}, "
                f"which is different from {optimizer.__class__.__name__}."
            )


def _pack(scheduler: Any) -> dict[str, Any]:
    state = {key: value for key, value in scheduler.__dict__.items() if key not in ("optimizer", "_schedulers")}
    state["_schedulers"] = [s.state_dict() for s in scheduler._schedulers]
    return state


def _unpack(scheduler: Any, state_dict: dict[str, Any]) -> None:
    state = dict(state_dict)
    saved = state.pop("_schedulers")
    scheduler.__dict__.update(state)
    for s, sd in zip(scheduler._schedulers, saved):
        s.load_state_dict(sd)


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after another, switching at the epochs in ``milestones``.

    Example:
        >>> warmup = LinearLR(opt, start_factor=0.1, total_iters=5)  # doctest: +SKIP
        >>> sched = SequentialLR(opt, [warmup, CosineAnnealingLR(opt, T_max=95)], milestones=[5])  # doctest: +SKIP
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int], last_epoch: int = -1
    ) -> None:
        name = self.__class__.__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler, but got no scheduler.")
        _check(name, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got number of schedulers {len(schedulers)} and the "
                f"number of milestones to be equal to {len(milestones)}"
            )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # back to the initial lr; undo the schedulers' initial steps
            group["lr"] = group["initial_lr"]
        self._recursive_undo(self)
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    def _recursive_undo(self, sched: Any) -> None:
        if hasattr(sched, "_schedulers"):
            for s in sched._schedulers:
                self._recursive_undo(s)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    def get_lr(self) -> list[float]:
        """The current scheduler's learning rates."""
        return self._last_lr

    def step(self) -> None:  # type: ignore[override]
        """Step the scheduler whose turn it is (restarting it at its milestone)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Own attributes plus each scheduler's ``state_dict``."""
        return _pack(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore own attributes and each scheduler's state."""
        _unpack(self, state_dict)


class ChainedScheduler(LRScheduler):
    """Step several schedulers together each epoch, so their multiplicative effects combine.

    Example:
        >>> parts = [ConstantLR(opt, factor=0.1, total_iters=2), ExponentialLR(opt, gamma=0.9)]  # doctest: +SKIP
        >>> sched = ChainedScheduler(parts)  # doctest: +SKIP
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        name = self.__class__.__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler to be chained, but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check(name, optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in self._schedulers[-1].optimizer.param_groups]

    def get_lr(self) -> list[float]:
        """The learning rates after the last chained step."""
        return self._last_lr

    def step(self) -> None:  # type: ignore[override]
        """Step every chained scheduler."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self._schedulers[-1].optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Own attributes plus each scheduler's ``state_dict``."""
        return _pack(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore own attributes and each scheduler's state."""
        _unpack(self, state_dict)
