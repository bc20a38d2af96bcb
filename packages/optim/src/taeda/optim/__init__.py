"""taeda.optim: optimizers and learning-rate schedulers with PyTorch's API and update formulas.

Example:
    >>> from taeda import optim
    >>> opt = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)  # doctest: +SKIP
    >>> opt.zero_grad(); loss.backward(); opt.step()  # doctest: +SKIP
"""

from taeda.optim import lr_scheduler
from taeda.optim.__about__ import __version__
from taeda.optim.adadelta import Adadelta, adadelta
from taeda.optim.adagrad import Adagrad, adagrad
from taeda.optim.adam import Adam, adam
from taeda.optim.adamax import Adamax, adamax
from taeda.optim.adamw import AdamW
from taeda.optim.lbfgs import LBFGS
from taeda.optim.nadam import NAdam, nadam
from taeda.optim.optimizer import Optimizer
from taeda.optim.radam import RAdam, radam
from taeda.optim.rmsprop import RMSprop, rmsprop
from taeda.optim.sgd import SGD, sgd

__all__ = [
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "__version__",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "lr_scheduler",
    "nadam",
    "radam",
    "rmsprop",
    "sgd",
]
