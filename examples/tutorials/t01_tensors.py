"""Tutorial 1: tensors and the NumPy bridge (what PyTorch's "Tensors" tutorial covers), with taeda.tensor.

Run: ``hatch run python examples/tutorials/t01_tensors.py``
"""

from __future__ import annotations

import argparse

import numpy as np

import taeda.tensor as tt


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="accepted for uniformity; this tutorial is fast")
    parser.parse_args(argv)
    # Construction: uninitialised, random, zeros with a dtype, from data.
    x = tt.empty(5, 3)
    x = tt.rand(5, 3)
    print(x)
    x = tt.zeros(5, 3, dtype=tt.long)
    x = tt.tensor([5.5, 3])
    x = x.new_ones(5, 3, dtype=tt.double)
    x = tt.randn_like(x, dtype=tt.float)
    print(x.size(), x.dtype)

    # Operations: the same op in three spellings, plus an in-place form.
    y = tt.rand(5, 3)
    print(x + y)
    print(tt.add(x, y))
    result = tt.empty(5, 3)
    tt.add(x, y, out=result)
    y.add_(x)
    print(y[:, 1])

    # Reshaping: view shares memory, -1 is inferred.
    x = tt.randn(4, 4)
    y = x.view(16)
    z = x.view(-1, 8)
    print(x.size(), y.size(), z.size())
    print(tt.randn(1).item())

    # The NumPy bridge: both directions share memory on the CPU.
    a = tt.ones(5)
    b = a.numpy()
    a.add_(1)
    assert b[0] == 2.0, "numpy() shares memory with the tensor"
    c = np.ones(5)
    d = tt.from_numpy(c)
    np.add(c, 1, out=c)
    assert float(d[0]) == 2.0, "from_numpy shares memory with the array"
    print(b, d)

    # Devices: the same code runs on a GPU when CuPy and one are present.
    if tt.cuda.is_available():
        device = tt.device("cuda")
        y = tt.ones_like(x, device=device)
        print((x.to(device) + y).to("cpu", tt.double))
    else:
        print("no CUDA GPU here: tensors stay on", x.device)


if __name__ == "__main__":
    main()
