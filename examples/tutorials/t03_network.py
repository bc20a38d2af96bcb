"""Tutorial 3: define a network, compute a loss, back-propagate and update the weights by hand, then with optim.

Run: ``hatch run python examples/tutorials/t03_network.py``
"""

from __future__ import annotations

import argparse

import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn, optim
from taeda.autograd import Variable


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Variable) -> Variable:
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        out: Variable = self.fc3(x)
        return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    tt.manual_seed(0)
    net = Net()
    print(net)
    params = list(net.parameters())
    print(len(params), params[0].size())  # 10 torch.Size([6, 1, 5, 5])

    input = Variable(tt.randn(1, 1, 32, 32))
    target = Variable(tt.randn(10).view(1, -1))
    criterion = nn.MSELoss()

    # The manual SGD update of the tutorial: weight = weight - learning_rate * gradient.
    learning_rate = 0.01
    losses = []
    for _ in range(3 if args.smoke else 20):
        net.zero_grad()
        loss = criterion(net(input), target)
        loss.backward()
        for f in net.parameters():
            assert f.grad is not None
            f.data.sub_(f.grad.data * learning_rate)
        losses.append(float(loss.item()))
    print("manual SGD losses:", [round(v, 4) for v in losses])

    # The same with an optimizer.
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    for _ in range(3 if args.smoke else 20):
        optimizer.zero_grad()
        loss = criterion(net(input), target)
        loss.backward()
        optimizer.step()
    print("loss after optim.SGD:", float(loss.item()))
    assert float(loss.item()) < losses[0], "the loss falls"


if __name__ == "__main__":
    main()
