"""The same optimizers on CuPy arrays (skipped without a CUDA GPU)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import taeda.tensor as tt
from taeda import optim
from taeda.autograd import Variable

pytestmark = pytest.mark.gpu

if not tt.cuda.is_available():
    pytest.skip("needs a CUDA GPU and CuPy", allow_module_level=True)
cupy = pytest.importorskip("cupy")


@pytest.mark.parametrize(
    ("cls", "kw"),
    [
        (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        (optim.Adam, {"lr": 0.01, "amsgrad": True}),
        (optim.AdamW, {"lr": 0.01}),
        (optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.9}),
        (optim.Adagrad, {"lr": 0.1}),
        (optim.Adadelta, {}),
        (optim.Adamax, {}),
        (optim.NAdam, {}),
        (optim.RAdam, {}),
    ],
)
def test_gpu_matches_cpu(cls: type[optim.Optimizer], kw: dict[str, Any]) -> None:
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal((64, 32)).astype(np.float32)
    grads = [rng.standard_normal((64, 32)).astype(np.float32) for _ in range(20)]
    cpu = Variable(tt.as_tensor(p0.copy()), requires_grad=True)
    gpu = Variable(tt.as_tensor(cupy.asarray(p0)), requires_grad=True)
    storage = gpu.data.array
    opt_cpu, opt_gpu = cls([cpu], **kw), cls([gpu], **kw)
    for g in grads:
        cpu.grad = Variable(tt.as_tensor(g))
        gpu.grad = Variable(tt.as_tensor(cupy.asarray(g)))
        opt_cpu.step()
        opt_gpu.step()
    assert gpu.data.array is storage
    np.testing.assert_allclose(cupy.asnumpy(gpu.data.array), cpu.data.array, rtol=1e-5, atol=1e-6)
