"""taeda.nn: modules, layers, losses, functional, init and utils with PyTorch's API.

Every layer and loss of ``taeda.nn.modules`` (its ``__all__``) is re-exported here, as ``torch.nn`` does.

Example::

    >>> import taeda.nn as nn
    >>> model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    >>> loss = nn.CrossEntropyLoss()(model(x), y)
"""

from taeda.nn import functional, init, utils
from taeda.nn import modules as _modules
from taeda.nn.__about__ import __version__
from taeda.nn.buffer import Buffer
from taeda.nn.modules import *  # noqa: F403
from taeda.nn.parameter import Parameter
from taeda.nn.uninitialized import UninitializedBuffer, UninitializedParameter

__all__ = [  # noqa: PLE0604
    "__version__",
    "functional",
    "init",
    "utils",
    "Buffer",
    "Parameter",
    "UninitializedBuffer",
    "UninitializedParameter",
    *_modules.__all__,
]
