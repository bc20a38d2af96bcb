"""The issue's classic LeNet runs forward, backward and a manual SGD update, and learns a fixed batch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn
from taeda.autograd import Variable


def G(v: Variable) -> np.ndarray[Any, Any]:
    """The gradient of ``v`` as an ndarray."""
    assert v.grad is not None
    out: np.ndarray[Any, Any] = v.grad.data.numpy()
    return out


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Any) -> Any:
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 16 * 5 * 5)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def test_lenet_forward_backward_sgd() -> None:
    tt.manual_seed(0)
    net = Net()
    assert repr(net).splitlines()[1].strip() == "(conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"
    assert list(net.state_dict())[:4] == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]
    rng = np.random.default_rng(0)
    x = Variable(tt.from_numpy(rng.standard_normal((8, 1, 32, 32)).astype(np.float32)))
    target = tt.from_numpy(rng.integers(0, 10, 8))
    out = net(x)
    assert tuple(out.shape) == (8, 10)
    losses = []
    for _ in range(20):
        net.zero_grad()
        loss = F.cross_entropy(net(x), target)
        loss.backward()
        for p in net.parameters():
            assert p.grad is not None and tuple(p.grad.shape) == tuple(p.shape)
            p.data.sub_(p.grad.data * 0.1)
        losses.append(float(loss.item()))
    assert all(np.isfinite(losses))
    assert min(losses[-8:]) < 0.7 * losses[0]  # the same trajectory as PyTorch's reaches 0.6x


@pytest.mark.torch
def test_lenet_gradients_match_torch() -> None:
    torch = pytest.importorskip("torch")
    net = Net()

    class TNet(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.conv1, self.conv2 = torch.nn.Conv2d(1, 6, 5), torch.nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2 = torch.nn.Linear(400, 120), torch.nn.Linear(120, 84)
            self.fc3 = torch.nn.Linear(84, 10)

        def forward(self, x: Any) -> Any:
            tf = torch.nn.functional
            x = tf.max_pool2d(tf.relu(self.conv1(x)), (2, 2))
            x = tf.max_pool2d(tf.relu(self.conv2(x)), 2).view(-1, 400)
            return self.fc3(tf.relu(self.fc2(tf.relu(self.fc1(x)))))

    tnet = TNet()
    tnet.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in net.state_dict().items()})
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 1, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, 4)
    for step in range(4):
        net.zero_grad()
        tnet.zero_grad()
        loss = F.cross_entropy(net(Variable(tt.from_numpy(x))), tt.from_numpy(y))
        tloss = torch.nn.functional.cross_entropy(tnet(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        tloss.backward()
        assert abs(float(loss.item()) - float(tloss.item())) < 1e-4 * (1 + step)
        for (name, p), (_, tp) in zip(net.named_parameters(), tnet.named_parameters()):
            np.testing.assert_allclose(G(p), tp.grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=name)
            p.data.sub_(tt.from_numpy(G(p) * np.float32(0.1)))
            with torch.no_grad():
                tp.sub_(tp.grad * 0.1)
