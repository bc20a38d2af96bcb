"""Second-order gradients through whole models against PyTorch: a WGAN-GP gradient penalty on a convolutional
critic (conv, batch norm, leaky ReLU, max pool, linear) and a Hessian-vector product through an LSTM."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.autograd import Variable, grad

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


def _copy_weights(ours: Any, theirs: Any) -> None:
    state = {k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)


def _critic(lib: Any) -> Any:
    return lib.Sequential(
        lib.Conv2d(2, 8, 3, padding=1),
        lib.BatchNorm2d(8),
        lib.LeakyReLU(0.2),
        lib.MaxPool2d(2),
        lib.Conv2d(8, 4, 3, stride=2),
        lib.Flatten(),
        lib.Linear(4, 1),
    )


def test_gradient_penalty_conv_critic_matches_torch() -> None:
    ours = _critic(nn).double()
    theirs = _critic(torch.nn).double()
    _copy_weights(ours, theirs)
    xa = np.random.default_rng(0).standard_normal((5, 2, 6, 6))

    x = Variable(tt.as_tensor(xa), requires_grad=True)
    (g,) = grad(ours(x).sum(), x, create_graph=True)
    assert g is not None
    penalty = ((g * g).sum((1, 2, 3)).sqrt() - 1) ** 2
    penalty.mean().backward()

    xt = torch.tensor(xa, requires_grad=True)
    (gt,) = torch.autograd.grad(theirs(xt).sum(), xt, create_graph=True)
    pt = ((gt * gt).sum((1, 2, 3)).sqrt() - 1) ** 2
    pt.mean().backward()

    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        if p.grad is None:  # the batch-norm bias does not reach the gradient: torch has None or zeros
            assert q.grad is None or not q.grad.abs().max().item(), name
            continue
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-11, err_msg=name)


def test_lstm_hessian_vector_product_matches_torch() -> None:
    ours = nn.LSTM(3, 4, num_layers=2, batch_first=True).double()
    theirs = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True).double()
    _copy_weights(ours, theirs)
    rng = np.random.default_rng(1)
    xa = rng.standard_normal((2, 5, 3))
    params = list(ours.parameters())
    vs = [rng.standard_normal(tuple(p.shape)) for p in params]

    out, _ = ours(Variable(tt.as_tensor(xa)))
    gs = grad((out**2).sum(), params, create_graph=True)
    dot = sum((gi * Variable(tt.as_tensor(v))).sum() for gi, v in zip(gs, vs))
    hv = grad(dot, params)

    outt, _ = theirs(torch.tensor(xa))
    tparams = list(theirs.parameters())
    gst = torch.autograd.grad((outt**2).sum(), tparams, create_graph=True)
    dott = sum((gi * torch.tensor(v)).sum() for gi, v in zip(gst, vs))
    hvt = torch.autograd.grad(dott, tparams)
    for a, b in zip(hv, hvt):
        assert a is not None
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-11)
