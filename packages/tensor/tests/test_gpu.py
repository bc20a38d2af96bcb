"""The GPU path runs the same kernels through CuPy: every op here must agree with the CPU result.

Skipped (with a reason) on machines without CuPy and a CUDA GPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not tt.cuda.is_available(), reason="needs CuPy and a CUDA GPU"),
]

OPS: dict[str, Any] = {
    "add": lambda x, y: x + y,
    "mul_scalar": lambda x, y: x * 2.5,
    "div_int": lambda x, y: (x * 10).long() / 3,
    "floordiv": lambda x, y: (x * 10).long() // 3,
    "exp": lambda x, y: tt.exp(x),
    "sigmoid": lambda x, y: tt.sigmoid(x),
    "erf": lambda x, y: tt.erf(x),
    "clamp": lambda x, y: x.clamp(-0.5, 0.5),
    "where": lambda x, y: tt.where(x > 0, x, y),
    "sum_dim": lambda x, y: x.sum(1, keepdim=True),
    "mean": lambda x, y: x.mean(),
    "var": lambda x, y: x.var(0),
    "max_dim": lambda x, y: x.max(1).values,
    "argmax": lambda x, y: x.argmax(1),
    "logsumexp": lambda x, y: tt.logsumexp(x, 1),
    "cumsum": lambda x, y: x.cumsum(0),
    "sort": lambda x, y: x.sort(1).values,
    "topk": lambda x, y: x.topk(2).indices,
    "matmul": lambda x, y: x @ y.t(),
    "view": lambda x, y: x.view(-1),
    "transpose_contig": lambda x, y: x.t().contiguous(),
    "cat": lambda x, y: tt.cat([x, y], 1),
    "stack": lambda x, y: tt.stack([x, y]),
    "index": lambda x, y: x[x > 0],
    "gather": lambda x, y: x.gather(1, (x > 0).long()),
    "scatter_add": lambda x, y: tt.zeros_like(x).scatter_add(1, (x > 0).long(), y),
    "masked_fill": lambda x, y: x.masked_fill(x > 0, 0.0),
    "nonzero": lambda x, y: (x > 0).nonzero(),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_gpu_matches_cpu(name: str) -> None:
    rng = np.random.default_rng(0)
    x = tt.from_numpy(rng.standard_normal((4, 5)).astype(np.float32))
    y = tt.from_numpy(rng.standard_normal((4, 5)).astype(np.float32))
    cpu = OPS[name](x, y)
    gpu = OPS[name](x.cuda(), y.cuda())
    assert gpu.device.type == "cuda" and gpu.dtype == cpu.dtype and gpu.shape == cpu.shape
    np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), rtol=1e-5, atol=1e-6)


def test_gpu_in_place_and_versions() -> None:
    g = tt.zeros(3, device="cuda")
    v = g.view(3)
    g.add_(1).mul_(2)
    assert v._version == 2 and v.cpu().tolist() == [2.0, 2.0, 2.0]
    g[0] = 5.0
    assert g.cpu().tolist() == [5.0, 2.0, 2.0]
