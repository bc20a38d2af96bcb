"""Learning-rate schedulers with PyTorch's API and formulas.

Example:
    >>> from taeda.optim import SGD, lr_scheduler
    >>> sched = lr_scheduler.StepLR(SGD(params, lr=0.1), step_size=30)  # doctest: +SKIP
"""

from taeda.optim.lr_scheduler._base import LRScheduler
from taeda.optim.lr_scheduler._composite import ChainedScheduler, SequentialLR
from taeda.optim.lr_scheduler._cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from taeda.optim.lr_scheduler._cyclic import CyclicLR, OneCycleLR
from taeda.optim.lr_scheduler._lambda import LambdaLR, MultiplicativeLR
from taeda.optim.lr_scheduler._plateau import ReduceLROnPlateau
from taeda.optim.lr_scheduler._step import ConstantLR, ExponentialLR, LinearLR, MultiStepLR, PolynomialLR, StepLR

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
