"""Tutorial 8: an LSTM that learns a toy sequence task (predict the running sum's sign of a noisy sequence).

Run: ``hatch run python examples/tutorials/t08_lstm_sequence.py``
"""

from __future__ import annotations

import argparse

import taeda.tensor as tt
from taeda import nn, optim
from taeda.autograd import Variable


class Tagger(nn.Module):
    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 2)

    def forward(self, x: Variable) -> Variable:
        out, _ = self.lstm(x)
        logits: Variable = self.head(out)
        return logits


def batch(n: int, length: int) -> tuple[tt.Tensor, tt.Tensor]:
    x = tt.randn(n, length, 1)
    y = (x.cumsum(1) > 0).long().view(n, length)
    return x, y


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    tt.manual_seed(0)
    model = Tagger()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    for step in range(5 if args.smoke else 300):
        x, y = batch(32, 20)
        optimizer.zero_grad()
        logits = model(Variable(x))
        loss = criterion(logits.view(-1, 2), Variable(y.view(-1)))
        loss.backward()
        optimizer.step()
        if step % 50 == 0:
            print(f"step {step:3d}: loss {float(loss.item()):.4f}")
    x, y = batch(256, 20)
    acc = float((model(Variable(x)).data.argmax(2) == y).float().mean().item())
    print(f"per-step accuracy on fresh sequences: {100 * acc:.1f}%")


if __name__ == "__main__":
    main()
