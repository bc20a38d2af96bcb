"""taeda.autograd: define-by-run automatic differentiation over taeda.tensor.

Example::

    >>> import taeda.tensor as tt
    >>> from taeda.autograd import Variable
    >>> x = Variable(tt.ones(2, 2), requires_grad=True)
    >>> out = ((x + 2) * (x + 2) * 3).mean()
    >>> out.backward()
    >>> x.grad.tolist()
    [[4.5, 4.5], [4.5, 4.5]]
"""

# isort: off
from taeda.autograd.__about__ import __version__
from taeda.autograd._function import (  # first: _function, _variable and _engine import each other
    AccumulateGrad,
    BackwardNode,
    Function,
    Node,
    RemovableHandle,
    once_differentiable,
)
from taeda.autograd._variable import Variable

# isort: on
from taeda.autograd import functional
from taeda.autograd._api import backward, grad
from taeda.autograd._factories import (
    arange,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from taeda.autograd._grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from taeda.autograd._gradcheck import GradcheckError, gradcheck, gradgradcheck
from taeda.autograd._util import sum_to
from taeda.autograd._variable_ops import ValuesIndices

__all__ = [
    "AccumulateGrad",
    "BackwardNode",
    "Function",
    "GradcheckError",
    "Node",
    "RemovableHandle",
    "ValuesIndices",
    "Variable",
    "__version__",
    "arange",
    "backward",
    "empty",
    "empty_like",
    "enable_grad",
    "eye",
    "full",
    "full_like",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "once_differentiable",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randn",
    "randn_like",
    "set_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    "sum_to",
    "tensor",
    "zeros",
    "zeros_like",
]
