"""taeda.optim: optimizers and learning-rate schedulers with PyTorch's API and update formulas.

Example:
    >>> from taeda import optim
    >>> opt = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)  # doctest: +SKIP
    >>> opt.zero_grad(); loss.backward(); opt.step()  # doctest: +SKIP
"""

from taeda.optim import lr_scheduler
from taeda.optim.__about__ import __version__
from taeda.optim.adadelta import Adadelta, adadelta
from taeda.optim.adafactor import Adafactor, adafactor
from taeda.optim.adagrad import Adagrad, adagrad
from taeda.optim.adam import Adam, adam
from taeda.optim.adamax import Adamax, adamax
from taeda.optim.adamw import AdamW
from taeda.optim.asgd import ASGD, asgd
from taeda.optim.lbfgs import LBFGS
from taeda.optim.muon import Muon, muon
from taeda.optim.nadam import NAdam, nadam
from taeda.optim.optimizer import Optimizer, register_optimizer_step_post_hook, register_optimizer_step_pre_hook
from taeda.optim.radam import RAdam, radam
from taeda.optim.rmsprop import RMSprop, rmsprop
from taeda.optim.rprop import Rprop, rprop
from taeda.optim.sgd import SGD, sgd

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Muon",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "__version__",
    "adadelta",
    "adafactor",
    "adagrad",
    "adam",
    "adamax",
    "asgd",
    "lr_scheduler",
    "muon",
    "nadam",
    "radam",
    "register_optimizer_step_post_hook",
    "register_optimizer_step_pre_hook",
    "rmsprop",
    "rprop",
    "sgd",
]
