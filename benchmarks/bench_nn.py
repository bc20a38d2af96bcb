"""taeda.nn benchmarks: convolution, LeNet-5 and MLP training steps, pooling and batch normalisation.

Each row runs the same math three ways: taeda (``taeda.nn`` + ``taeda.autograd``), a hand-written NumPy reference
(plain im2col convolution, reshape pooling, textbook formulas; no framework) and PyTorch when installed. Batch 64,
float32. Targets from issue 5: the conv and LeNet rows at most 1.5x PyTorch, the MLP row at most 0.9x PyTorch.

* ``conv 32->64 3x3 16x16 fwd+bwd``: ``F.conv2d`` (padding 1) forward and backward for input, weight and bias.
* ``LeNet-5 train step``: forward, cross-entropy, backward and a plain SGD update of the issue's LeNet on 28x28
  inputs (conv 1->6 5x5, pool, conv 6->16 5x5, pool, 400-120-84-10).
* ``MLP 784-512-256-10 train step``: the same for a ReLU MLP.
* ``max_pool2d 2x2 fwd+bwd``: on (64, 32, 32, 32).
* ``batch_norm train fwd+bwd``: BatchNorm2d(64) in training mode on (64, 64, 16, 16).
* ``layer_norm train fwd+bwd``: LayerNorm(512) on (64, 128, 512), a transformer block's activations.
* ``gelu (erf) fwd+bwd``: exact GELU on (8192, 512); the NumPy reference uses SciPy's ``erf``.
* ``scaled_dot_product_attention fwd+bwd``: on (64, 8, 128, 64) query, key and value, no mask.
* ``TransformerEncoderLayer ... train step`` and ``LSTM language model train step``: whole training steps of two
  models (no hand-written NumPy version; taeda against PyTorch).

The "faults/call" column counts minor page faults per call (``resource.getrusage``). The two-thread batch split of
nn's kernels is on (``TAEDA_NN_THREADS=0`` turns it off); no allocator settings are changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from _harness import Case, try_import_torch
from numpy.lib.stride_tricks import as_strided

import taeda.autograd as ag
import taeda.nn.functional as F
import taeda.tensor as tt
from taeda import nn

Array = np.ndarray[Any, Any]
B = 64


# ----------------------------------------------------------------------------- hand-written NumPy references
def np_im2col(x: Array, k: int, pad: int) -> Array:
    """(N, C, H, W) -> (N, C*k*k, Ho*Wo) by a strided view and one copy."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, w = x.shape
    ho, wo = h - k + 1, w - k + 1
    s = x.strides
    v = as_strided(x, (n, c, k, k, ho, wo), (s[0], s[1], s[2], s[3], s[2], s[3]))
    return v.reshape(n, c * k * k, ho * wo)


def np_col2im(cols: Array, shape: tuple[int, ...], k: int, pad: int) -> Array:
    n, c, h, w = shape
    hp, wp = h + 2 * pad, w + 2 * pad
    ho, wo = hp - k + 1, wp - k + 1
    out = np.zeros((n, c, hp, wp), cols.dtype)
    c6 = cols.reshape(n, c, k, k, ho, wo)
    for i in range(k):
        for j in range(k):
            out[:, :, i : i + ho, j : j + wo] += c6[:, :, i, j]
    return out[:, :, pad : pad + h, pad : pad + w] if pad else out


def np_conv_fwd(x: Array, w: Array, b: Array, pad: int) -> tuple[Array, Array]:
    o, _, k, _ = w.shape
    cols = np_im2col(x, k, pad)
    n = x.shape[0]
    ho = x.shape[2] + 2 * pad - k + 1
    y = np.matmul(w.reshape(o, -1), cols) + b[:, None]
    return y.reshape(n, o, ho, -1), cols


def np_conv_bwd(gy: Array, cols: Array, x_shape: tuple[int, ...], w: Array, pad: int) -> tuple[Array, Array, Array]:
    n, o = gy.shape[:2]
    g3 = gy.reshape(n, o, -1)
    dw = np.matmul(g3, cols.transpose(0, 2, 1)).sum(0).reshape(w.shape)
    db = g3.sum((0, 2))
    dcols = np.matmul(w.reshape(o, -1).T, g3)
    dx = np_col2im(dcols, x_shape, w.shape[2], pad)
    return dx, dw, db


def np_maxpool_fwd(x: Array) -> tuple[Array, Array]:
    n, c, h, w = x.shape
    v = x.reshape(n, c, h // 2, 2, w // 2, 2)
    y = v.max(axis=(3, 5))
    mask = v == y[:, :, :, None, :, None]
    return y, mask


def np_maxpool_bwd(gy: Array, mask: Array) -> Array:
    n, c, h2, _, w2, _ = mask.shape
    return (mask * gy[:, :, :, None, :, None]).reshape(n, c, h2 * 2, w2 * 2)


def np_ce(logits: Array, labels: Array) -> tuple[float, Array]:
    m = logits.max(1, keepdims=True)
    e = np.exp(logits - m)
    p = e / e.sum(1, keepdims=True)
    n = logits.shape[0]
    loss = float(-np.log(p[np.arange(n), labels]).mean())
    p[np.arange(n), labels] -= 1
    return loss, p / n


def _init(rng: np.random.Generator, *shape: int) -> Array:
    fan_in = int(np.prod(shape[1:]))
    bound = 1 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


class NumpyLeNet:
    def __init__(self, rng: np.random.Generator) -> None:
        self.p = {
            "c1w": _init(rng, 6, 1, 5, 5), "c1b": _init(rng, 6, 1, 5, 5)[:, 0, 0, 0].copy(),
            "c2w": _init(rng, 16, 6, 5, 5), "c2b": _init(rng, 16, 6, 5, 5)[:, 0, 0, 0].copy(),
            "f1w": _init(rng, 120, 256), "f1b": np.zeros(120, np.float32),
            "f2w": _init(rng, 84, 120), "f2b": np.zeros(84, np.float32),
            "f3w": _init(rng, 10, 84), "f3b": np.zeros(10, np.float32),
        }  # fmt: skip

    def step(self, x: Array, labels: Array, lr: float = 0.01) -> float:
        p = self.p
        c1, cols1 = np_conv_fwd(x, p["c1w"], p["c1b"], 0)
        r1 = np.maximum(c1, 0)
        p1, m1 = np_maxpool_fwd(r1)
        c2, cols2 = np_conv_fwd(p1, p["c2w"], p["c2b"], 0)
        r2 = np.maximum(c2, 0)
        p2, m2 = np_maxpool_fwd(r2)
        h0 = p2.reshape(x.shape[0], -1)
        h1 = np.maximum(h0 @ p["f1w"].T + p["f1b"], 0)
        h2 = np.maximum(h1 @ p["f2w"].T + p["f2b"], 0)
        out = h2 @ p["f3w"].T + p["f3b"]
        loss, g = np_ce(out, labels)
        grads = {"f3w": g.T @ h2, "f3b": g.sum(0)}
        g = (g @ p["f3w"]) * (h2 > 0)
        grads["f2w"], grads["f2b"] = g.T @ h1, g.sum(0)
        g = (g @ p["f2w"]) * (h1 > 0)
        grads["f1w"], grads["f1b"] = g.T @ h0, g.sum(0)
        g = (g @ p["f1w"]).reshape(p2.shape)
        g = np_maxpool_bwd(g, m2) * (c2 > 0)
        g, grads["c2w"], grads["c2b"] = np_conv_bwd(g, cols2, p1.shape, p["c2w"], 0)
        g = np_maxpool_bwd(g, m1) * (c1 > 0)
        _, grads["c1w"], grads["c1b"] = np_conv_bwd(g, cols1, x.shape, p["c1w"], 0)
        for k, v in grads.items():
            p[k] -= lr * v
        return loss


class NumpyMLP:
    def __init__(self, rng: np.random.Generator) -> None:
        self.w = [_init(rng, 512, 784), _init(rng, 256, 512), _init(rng, 10, 256)]
        self.b = [np.zeros(512, np.float32), np.zeros(256, np.float32), np.zeros(10, np.float32)]

    def step(self, x: Array, labels: Array, lr: float = 0.01) -> float:
        w, b = self.w, self.b
        h1 = np.maximum(x @ w[0].T + b[0], 0)
        h2 = np.maximum(h1 @ w[1].T + b[1], 0)
        out = h2 @ w[2].T + b[2]
        loss, g = np_ce(out, labels)
        gw2, gb2 = g.T @ h2, g.sum(0)
        g = (g @ w[2]) * (h2 > 0)
        gw1, gb1 = g.T @ h1, g.sum(0)
        g = (g @ w[1]) * (h1 > 0)
        gw0, gb0 = g.T @ x, g.sum(0)
        for p, gp in zip(w + b, [gw0, gw1, gw2, gb0, gb1, gb2]):
            p -= lr * gp
        return loss


# ----------------------------------------------------------------------------- taeda models
class LeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Any) -> Any:
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 16 * 4 * 4)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def _sgd_step(model: nn.Module, lr: float) -> None:
    for p in model.parameters():
        g = p.grad
        if g is not None:
            p.data.sub_(g.data, alpha=lr)


def _train_step(model: nn.Module, x: Any, labels: Any, lr: float = 0.01) -> None:
    model.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), labels)
    loss.backward()
    _sgd_step(model, lr)


def _fwd_bwd(module: Any, x: Any, g: Any) -> Callable[[], None]:
    """One training call of a layer: forward on ``x`` and backward of ``g`` (taeda or PyTorch objects alike)."""

    def run() -> None:
        x.grad = None
        module.zero_grad()
        module(x).backward(g)

    return run


def cases(quick: bool = False) -> list[Case]:
    torch: Any = try_import_torch()
    rng = np.random.default_rng(0)
    out: list[Case] = []

    # --- conv 32->64 3x3 on 16x16, forward + backward
    xc = rng.standard_normal((B, 32, 16, 16)).astype(np.float32)
    wc = (rng.standard_normal((64, 32, 3, 3)) * 0.05).astype(np.float32)
    bc = np.zeros(64, np.float32)
    gyc = rng.standard_normal((B, 64, 16, 16)).astype(np.float32)
    tx = ag.Variable(tt.from_numpy(xc), requires_grad=True)
    tw = ag.Variable(tt.from_numpy(wc.copy()), requires_grad=True)
    tb = ag.Variable(tt.from_numpy(bc.copy()), requires_grad=True)
    tg = tt.from_numpy(gyc)

    def taeda_conv() -> None:
        tx.grad = tw.grad = tb.grad = None
        F.conv2d(tx, tw, tb, padding=1).backward(tg)

    def numpy_conv() -> None:
        _, cols = np_conv_fwd(xc, wc, bc, 1)
        np_conv_bwd(gyc, cols, xc.shape, wc, 1)

    torch_conv = None
    if torch is not None:
        px = torch.tensor(xc, requires_grad=True)
        pw = torch.tensor(wc, requires_grad=True)
        pb = torch.tensor(bc, requires_grad=True)
        pg = torch.tensor(gyc)

        def torch_conv() -> None:
            px.grad = pw.grad = pb.grad = None
            torch.nn.functional.conv2d(px, pw, pb, padding=1).backward(pg)

    out.append(Case("nn", "conv 32->64 3x3 16x16 fwd+bwd", taeda_conv, numpy_conv, torch_conv,
                    target="<= 1.5x torch", target_ratio=1.5, target_of="torch", unit="ms"))  # fmt: skip

    # --- LeNet-5 training step
    xl = rng.random((B, 1, 28, 28), dtype=np.float32)
    yl = rng.integers(0, 10, B)
    lenet = LeNet()
    txl, tyl = tt.from_numpy(xl), tt.from_numpy(yl)
    np_lenet = NumpyLeNet(rng)
    torch_lenet_step = None
    if torch is not None:
        tnn = torch.nn

        class TorchLeNet(tnn.Module):  # type: ignore[misc,name-defined]
            def __init__(self) -> None:
                super().__init__()
                self.conv1, self.conv2 = tnn.Conv2d(1, 6, 5), tnn.Conv2d(6, 16, 5)
                self.fc1, self.fc2, self.fc3 = tnn.Linear(256, 120), tnn.Linear(120, 84), tnn.Linear(84, 10)

            def forward(self, x: Any) -> Any:
                tf = torch.nn.functional
                x = tf.max_pool2d(tf.relu(self.conv1(x)), 2)
                x = tf.max_pool2d(tf.relu(self.conv2(x)), 2).view(-1, 256)
                return self.fc3(tf.relu(self.fc2(tf.relu(self.fc1(x)))))

        tl = TorchLeNet()
        pxl, pyl = torch.tensor(xl), torch.tensor(yl)

        def torch_lenet_step() -> None:
            tl.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(tl(pxl), pyl).backward()
            with torch.no_grad():
                for p in tl.parameters():
                    p.sub_(p.grad, alpha=0.01)

    out.append(Case("nn", "LeNet-5 train step 28x28", lambda: _train_step(lenet, txl, tyl),
                    lambda: np_lenet.step(xl, yl), torch_lenet_step,
                    target="<= 1.5x torch", target_ratio=1.5, target_of="torch", unit="ms"))  # fmt: skip

    # --- MLP training step
    xm = rng.random((B, 784), dtype=np.float32)
    ym = rng.integers(0, 10, B)
    mlp = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    txm, tym = tt.from_numpy(xm), tt.from_numpy(ym)
    np_mlp = NumpyMLP(rng)
    torch_mlp_step = None
    if torch is not None:
        tm = torch.nn.Sequential(
            torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256), torch.nn.ReLU(),
            torch.nn.Linear(256, 10),
        )  # fmt: skip
        pxm, pym = torch.tensor(xm), torch.tensor(ym)

        def torch_mlp_step() -> None:
            tm.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(tm(pxm), pym).backward()
            with torch.no_grad():
                for p in tm.parameters():
                    p.sub_(p.grad, alpha=0.01)

    out.append(Case("nn", "MLP 784-512-256-10 train step", lambda: _train_step(mlp, txm, tym),
                    lambda: np_mlp.step(xm, ym), torch_mlp_step,
                    target="<= 0.9x torch", target_ratio=0.9, target_of="torch", unit="ms"))  # fmt: skip

    # --- max pooling
    xp_ = rng.standard_normal((B, 32, 32, 32)).astype(np.float32)
    gp = rng.standard_normal((B, 32, 16, 16)).astype(np.float32)
    txp = ag.Variable(tt.from_numpy(xp_), requires_grad=True)
    tgp = tt.from_numpy(gp)

    def taeda_pool() -> None:
        txp.grad = None
        F.max_pool2d(txp, 2).backward(tgp)

    def numpy_pool() -> None:
        _, mask = np_maxpool_fwd(xp_)
        np_maxpool_bwd(gp, mask)

    torch_pool = None
    if torch is not None:
        pxp, pgp = torch.tensor(xp_, requires_grad=True), torch.tensor(gp)

        def torch_pool() -> None:
            pxp.grad = None
            torch.nn.functional.max_pool2d(pxp, 2).backward(pgp)

    out.append(Case("nn", "max_pool2d 2x2 (64,32,32,32) fwd+bwd", taeda_pool, numpy_pool, torch_pool,
                    target="<= 1.5x numpy", target_ratio=1.5, unit="ms"))  # fmt: skip

    # --- batch norm
    xb = rng.standard_normal((B, 64, 16, 16)).astype(np.float32)
    gb = rng.standard_normal((B, 64, 16, 16)).astype(np.float32)
    bn = nn.BatchNorm2d(64)
    txb = ag.Variable(tt.from_numpy(xb), requires_grad=True)
    tgb = tt.from_numpy(gb)
    gamma, beta = np.ones(64, np.float32), np.zeros(64, np.float32)

    taeda_bn = _fwd_bwd(bn, txb, tgb)

    def numpy_bn() -> None:
        mean = xb.mean((0, 2, 3), keepdims=True)
        xc = xb - mean
        var = (xc * xc).mean((0, 2, 3), keepdims=True)
        rstd = 1 / np.sqrt(var + 1e-5)
        xhat = xc * rstd
        _ = xhat * gamma[:, None, None] + beta[:, None, None]
        g = gb * gamma[:, None, None]
        _dg, _db = (gb * xhat).sum((0, 2, 3)), gb.sum((0, 2, 3))
        _dx = rstd * (g - g.mean((0, 2, 3), keepdims=True) - xhat * (g * xhat).mean((0, 2, 3), keepdims=True))

    torch_bn = None
    if torch is not None:
        torch_bn = _fwd_bwd(torch.nn.BatchNorm2d(64), torch.tensor(xb, requires_grad=True), torch.tensor(gb))

    out.append(Case("nn", "batch_norm train (64,64,16,16) fwd+bwd", taeda_bn, numpy_bn, torch_bn,
                    target="<= 1.2x numpy", target_ratio=1.2, unit="ms"))  # fmt: skip

    # --- layer norm (a transformer's activations: batch 64, 128 tokens, width 512)
    lshape = (B, 32 if quick else 128, 512)
    x_ln = rng.standard_normal(lshape).astype(np.float32)
    g_ln = rng.standard_normal(lshape).astype(np.float32)
    ln = nn.LayerNorm(512)
    tx_ln = ag.Variable(tt.from_numpy(x_ln), requires_grad=True)
    tg_ln = tt.from_numpy(g_ln)
    w_ln, b_ln = np.ones(512, np.float32), np.zeros(512, np.float32)

    taeda_ln = _fwd_bwd(ln, tx_ln, tg_ln)

    def numpy_ln() -> None:
        mean = x_ln.mean(-1, keepdims=True)
        xc = x_ln - mean
        rstd = 1 / np.sqrt((xc * xc).mean(-1, keepdims=True) + 1e-5)
        xhat = xc * rstd
        _ = xhat * w_ln + b_ln
        _dw, _db = (g_ln * xhat).sum((0, 1)), g_ln.sum((0, 1))
        g = g_ln * w_ln
        _dx = rstd * (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True))

    torch_ln = None
    if torch is not None:
        torch_ln = _fwd_bwd(torch.nn.LayerNorm(512), torch.tensor(x_ln, requires_grad=True), torch.tensor(g_ln))

    out.append(Case("nn", f"layer_norm train {lshape} fwd+bwd", taeda_ln, numpy_ln, torch_ln,
                    target="report", unit="ms"))  # fmt: skip
    out += _transformer_cases(rng, torch, quick)
    return out


def _transformer_cases(rng: np.random.Generator, torch: Any, quick: bool) -> list[Case]:
    """Exact GELU on a feed-forward block's activations and attention's core, forward and backward."""
    import scipy.special

    # --- exact (erf) GELU
    gshape = (2048 if quick else 8192, 512)
    x_g = rng.standard_normal(gshape).astype(np.float32)
    g_g = rng.standard_normal(gshape).astype(np.float32)
    c = np.float32(1 / np.sqrt(2))

    def numpy_gelu() -> None:
        cdf = 0.5 * (1 + scipy.special.erf(x_g * c))
        _ = x_g * cdf
        _dx = g_g * (cdf + x_g * np.exp(-0.5 * x_g * x_g) * np.float32(1 / np.sqrt(2 * np.pi)))

    torch_gelu = None
    if torch is not None:
        torch_gelu = _fwd_bwd(torch.nn.GELU(), torch.tensor(x_g, requires_grad=True), torch.tensor(g_g))
    taeda_gelu = _fwd_bwd(nn.GELU(), ag.Variable(tt.from_numpy(x_g), requires_grad=True), tt.from_numpy(g_g))
    cases = [Case("nn", f"gelu (erf) {gshape} fwd+bwd", taeda_gelu, numpy_gelu, torch_gelu, target="report",
                  unit="ms")]  # fmt: skip

    # --- scaled dot-product attention, (batch, heads, tokens, head width)
    ashape = (8 if quick else 64, 8, 128, 64)
    q, k, v, go = (rng.standard_normal(ashape).astype(np.float32) for _ in range(4))
    scale = np.float32(1 / np.sqrt(ashape[-1]))

    def numpy_sdpa() -> None:
        s = (q @ k.swapaxes(-1, -2)) * scale
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        _ = a @ v
        _dv = a.swapaxes(-1, -2) @ go
        da = go @ v.swapaxes(-1, -2)
        ds = a * (da - (da * a).sum(-1, keepdims=True)) * scale
        _dq, _dk = ds @ k, ds.swapaxes(-1, -2) @ q

    tq, tk, tv = (ag.Variable(tt.from_numpy(a), requires_grad=True) for a in (q, k, v))
    tgo = tt.from_numpy(go)

    def taeda_sdpa() -> None:
        for t in (tq, tk, tv):
            t.grad = None
        F.scaled_dot_product_attention(tq, tk, tv).backward(tgo)

    torch_sdpa = None
    if torch is not None:
        pq, pk, pv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
        pgo = torch.tensor(go)

        def torch_sdpa() -> None:
            for t in (pq, pk, pv):
                t.grad = None
            torch.nn.functional.scaled_dot_product_attention(pq, pk, pv).backward(pgo)

    cases.append(Case("nn", f"scaled_dot_product_attention {ashape} fwd+bwd", taeda_sdpa, numpy_sdpa, torch_sdpa,
                      target="report", unit="ms"))  # fmt: skip
    return cases + _model_cases(rng, torch, quick)


def _model_cases(rng: np.random.Generator, torch: Any, quick: bool) -> list[Case]:
    """Whole training steps (forward, loss, backward, SGD with momentum) of two models PyTorch users train:
    a TransformerEncoderLayer(256, 8, 1024, GELU, dropout 0.1) on 128 tokens, and an LSTM language model (vocabulary
    10,000, embedding 256, hidden 512) on 35 tokens. No hand-written NumPy version: taeda against PyTorch."""
    tshape = (8 if quick else 32, 128, 256)
    x_t = rng.standard_normal(tshape).astype(np.float32)
    lm_shape = (8 if quick else 32, 35)
    tok = rng.integers(0, 10000, lm_shape)
    nxt = rng.integers(0, 10000, lm_shape)

    def steps(mod: Any, fn: Any, opt_mod: Any, arr: Callable[[Any], Any]) -> tuple[Callable[[], None], ...]:
        enc = mod.TransformerEncoderLayer(256, 8, 1024, activation="gelu", batch_first=True)
        lm = mod.ModuleDict({"emb": mod.Embedding(10000, 256), "lstm": mod.LSTM(256, 512, batch_first=True),
                             "out": mod.Linear(512, 10000)})  # fmt: skip
        opts = [opt_mod.SGD(m.parameters(), lr=0.01, momentum=0.9) for m in (enc, lm)]
        xe, xt, yt = arr(x_t), arr(tok), arr(nxt)

        def enc_step() -> None:
            opts[0].zero_grad()
            enc(xe).square().mean().backward()
            opts[0].step()

        def lm_step() -> None:
            opts[1].zero_grad()
            h, _ = lm["lstm"](lm["emb"](xt))
            fn.cross_entropy(lm["out"](h).reshape(-1, 10000), yt.reshape(-1)).backward()
            opts[1].step()

        return enc_step, lm_step

    import taeda.optim

    t_enc, t_lm = steps(nn, F, taeda.optim, tt.from_numpy)
    p_enc = p_lm = None
    if torch is not None:
        p_enc, p_lm = steps(torch.nn, torch.nn.functional, torch.optim, torch.tensor)
    return [
        Case("nn", f"TransformerEncoderLayer(256,8,1024,gelu) train step {tshape}", t_enc, None, p_enc,
             target="report", unit="ms"),
        Case("nn", f"LSTM language model train step {lm_shape}, vocab 10k", t_lm, None, p_lm,
             target="report", unit="ms"),
    ]  # fmt: skip
