"""PyTorch parity of weight_norm / spectral_norm (parametrization and hook flavours) and orthogonal: the same
state_dict keys and shapes, and the same outputs and power-iteration buffers once torch's state is loaded."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import taeda.nn as nn
import taeda.tensor as tt
from taeda.nn.utils import parametrizations as TP
from taeda.nn.utils import parametrize as P
from taeda.nn.utils import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

torch = pytest.importorskip("torch", reason="PyTorch parity tests need torch (hatch run pip install torch==2.13.0)")
pytestmark = pytest.mark.torch
RNG = np.random.default_rng(23)


def load_from_torch(ours: nn.Module, theirs: Any) -> None:
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert tuple(a.shape) == tuple(b.shape), k
    ours.load_state_dict({k: tt.as_tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def pair(make: Callable[[Any], Any]) -> tuple[nn.Module, Any]:
    theirs = make(torch.nn).double()
    ours = make(nn).double()
    return ours, theirs


def check_outputs(ours: nn.Module, theirs: Any, shape: tuple[int, ...], steps: int = 3) -> None:
    for _ in range(steps):
        x = RNG.standard_normal(shape)
        a = ours(tt.as_tensor(x)).data.numpy()
        b = theirs(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)


LAYERS = [
    (lambda m: m.Linear(5, 3), (4, 5)),
    (lambda m: m.Conv2d(2, 3, 3), (2, 2, 6, 6)),
    (lambda m: m.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4)),
]


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization(layer: Any, dim: int | None) -> None:
    make, shape = layer
    ours, theirs = pair(make)
    TP.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    load_from_torch(ours, theirs)
    assert type(ours).__name__ == type(theirs).__name__
    check_outputs(ours, theirs, shape)
    P.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    check_outputs(ours, theirs, shape, 1)


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("n_iter", [1, 3])
def test_spectral_norm_parametrization(layer: Any, n_iter: int) -> None:
    make, shape = layer
    ours, theirs = pair(make)
    TP.spectral_norm(ours, n_power_iterations=n_iter)
    torch.nn.utils.parametrizations.spectral_norm(theirs, n_power_iterations=n_iter)
    load_from_torch(ours, theirs)
    check_outputs(ours, theirs, shape)  # training mode: one power-iteration round per forward, buffers compared
    ours.eval()
    theirs.eval()
    check_outputs(ours, theirs, shape, 2)
    P.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    check_outputs(ours, theirs, shape, 1)


@pytest.mark.parametrize("layer", LAYERS)
def test_hook_weight_norm(layer: Any) -> None:
    make, shape = layer
    ours, theirs = pair(make)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        weight_norm(ours)
        torch.nn.utils.weight_norm(theirs)
    load_from_torch(ours, theirs)
    check_outputs(ours, theirs, shape)
    remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    check_outputs(ours, theirs, shape, 1)


@pytest.mark.parametrize("layer", LAYERS)
def test_hook_spectral_norm(layer: Any) -> None:
    make, shape = layer
    ours, theirs = pair(make)
    spectral_norm(ours, n_power_iterations=2)
    torch.nn.utils.spectral_norm(theirs, n_power_iterations=2)
    load_from_torch(ours, theirs)
    check_outputs(ours, theirs, shape)
    remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    check_outputs(ours, theirs, shape, 1)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("size", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("triv", [True, False])
def test_orthogonal(orthogonal_map: str, size: tuple[int, int], triv: bool) -> None:
    out_f, in_f = size
    ours, theirs = pair(lambda m: m.Linear(in_f, out_f))
    theirs.weight.data = torch.from_numpy(RNG.standard_normal(size))
    ours.weight.data = tt.as_tensor(theirs.weight.detach().numpy().copy())
    TP.orthogonal(ours, orthogonal_map=orthogonal_map, use_trivialization=triv)
    torch.nn.utils.parametrizations.orthogonal(theirs, orthogonal_map=orthogonal_map, use_trivialization=triv)
    # the initial orthogonalisation is deterministic for square matrices and without trivialization
    if size[0] == size[1] or not triv:
        np.testing.assert_allclose(ours.weight.data.numpy(), theirs.weight.detach().numpy(), atol=1e-10)
    with torch.no_grad():  # the same point away from the initial one (off the diagonal, see test_parametrizations)
        step = 0.3 * RNG.standard_normal(size) * (1.0 - np.eye(*size))
        theirs.parametrizations.weight.original.add_(torch.from_numpy(step))
    load_from_torch(ours, theirs)
    check_outputs(ours, theirs, (2, in_f), 1)
    # gradients of the same loss agree
    x = RNG.standard_normal((2, in_f))
    ours(tt.as_tensor(x)).pow(2).sum().backward()
    theirs(torch.from_numpy(x)).pow(2).sum().backward()
    ga = ours.parametrizations.weight.original.grad
    gb = theirs.parametrizations.weight.original.grad
    assert ga is not None and gb is not None
    np.testing.assert_allclose(ga.data.numpy(), gb.numpy(), rtol=1e-8, atol=1e-10)


def test_repr_matches() -> None:
    ours, theirs = pair(lambda m: m.Linear(5, 3))
    TP.weight_norm(ours)
    torch.nn.utils.parametrizations.weight_norm(theirs)
    assert repr(ours) == repr(theirs)
