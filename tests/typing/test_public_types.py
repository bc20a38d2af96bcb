"""Downstream code as a user writes it, across every package boundary, with the public types pinned.

mypy --strict checks the ``assert_type`` calls (``hatch run typecheck``): a regression in a public annotation fails
the build. pytest runs the same code, so the annotations are also checked against what really comes back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, assert_type

import numpy as np

import taeda.nn as nn
import taeda.nn.functional as F
import taeda.optim as optim
import taeda.tensor as tt
from taeda.autograd import Function, Variable, grad, no_grad
from taeda.data import DataLoader, Dataset, TensorDataset
from taeda.optim.lr_scheduler import StepLR
from taeda.vision import transforms


def test_types_from_tensor_to_dataloader(tmp_path: Path) -> None:
    # taeda.tensor
    x = tt.randn(8, 4)
    assert_type(x, tt.Tensor)
    assert_type(x.shape, tt.Size)
    assert_type(x.size(), tt.Size)
    assert_type(x.size(0), int)
    assert_type(x + 1, tt.Tensor)
    assert_type(1.0 * x, tt.Tensor)
    assert_type(x @ x.t(), tt.Tensor)
    assert_type(x.sum(), tt.Tensor)
    assert_type(x.sum(dim=1, keepdim=True), tt.Tensor)
    assert_type(x.mean().item(), float | int | bool)
    assert_type(x.numpy(), np.ndarray[Any, Any])
    assert_type(tt.from_numpy(np.zeros(3)), tt.Tensor)
    assert_type(tt.cat([x, x]), tt.Tensor)
    assert_type(x.device, tt.Device)
    assert_type(x.dtype, np.dtype[Any])
    values, indices = x.max(dim=1)
    assert_type(values, tt.Tensor)
    assert_type(indices, tt.Tensor)
    y = tt.randint(0, 2, (8,))

    # taeda.autograd
    v = Variable(x, requires_grad=True)
    assert_type(v, Variable)
    assert_type(v.data, tt.Tensor)
    assert_type(v * 2, Variable)
    assert_type(v.sum(), Variable)
    assert_type(v.grad, Variable | None)
    (g,) = grad([(v**2).sum()], [v])
    assert_type(g, Variable | None)
    with no_grad():
        assert_type(v.detach(), Variable)

    class Square(Function):
        @staticmethod
        def forward(ctx: Any, a: tt.Tensor) -> tt.Tensor:
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx: Any, grad_out: tt.Tensor) -> tt.Tensor:
            (a,) = ctx.saved_tensors
            out: tt.Tensor = 2 * a * grad_out
            return out

    assert_type(Square.apply(v), Any)

    # taeda.nn
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    assert_type(model, nn.Sequential)
    lin = nn.Linear(4, 2)
    assert_type(lin.weight, nn.Parameter)
    assert_type(lin.forward(v), Variable)
    logits = model(v)
    loss = F.cross_entropy(logits, Variable(y))
    assert_type(loss, Variable)
    assert_type(nn.CrossEntropyLoss()(logits, Variable(y)), Any)
    assert_type(loss.item(), float | int | bool)
    state = model.state_dict()
    assert isinstance(state["0.weight"], tt.Tensor)
    assert_type(next(iter(model.parameters())), nn.Parameter)

    # taeda.optim
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert_type(opt, optim.SGD)
    assert_type(opt.param_groups, list[dict[str, Any]])
    sched = StepLR(opt, step_size=1)
    assert_type(sched.get_last_lr(), list[float])
    opt.zero_grad()
    loss.backward()
    opt.step()

    # saving crosses tensor <- nn
    tt.save(state, tmp_path / "m.taeda")
    assert_type(tt.load(tmp_path / "m.taeda"), Any)

    # taeda.data and taeda.vision
    ds = TensorDataset(x, y)
    assert_type(ds[0], tuple[tt.Tensor, ...])
    loader = DataLoader(ds, batch_size=4, shuffle=True)
    assert_type(len(loader), int)
    for xb, yb in loader:
        assert isinstance(xb, tt.Tensor) and isinstance(yb, tt.Tensor)
    normalize = transforms.Normalize((0.5,), (0.5,))
    assert_type(normalize(tt.rand(1, 4, 4)), tt.Tensor)
    assert isinstance(ds, Dataset)
