"""One recurrent layer in one direction (Elman RNN, LSTM with optional projection, GRU) as a single ``Function``.

The input projection of every time step is one GEMM before the loop; each step does one GEMM with the hidden
state; backward runs the step recurrences in reverse and finishes with one GEMM per weight. Gate layouts are
PyTorch's: LSTM (i, f, g, o), GRU (r, z, n). ``lengths`` (per batch entry) freezes finished sequences, which is
how packed sequences run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd import once_differentiable
from taeda.nn.functional._double import composite_backward, wants_graph
from taeda.nn.functional._linear import FEW_ROWS
from taeda.nn.functional._util import Array, Kernel
from taeda.tensor import Tensor, as_tensor

__all__ = ["RNNLayer"]


def _sig_(a: Array, xp: Any) -> Array:
    """Sigmoid in place, via 0.5·(1 + tanh(x/2)) (no overflow)."""
    a *= 0.5
    xp.tanh(a, out=a)
    a += 1
    a *= 0.5
    return a


def _recurrent_product(xp: Any, batch: int, gsize: int, dtype: Any) -> Callable[..., None]:
    """``step(h, whh, out, add=None)`` writing ``h @ whhᵀ (+ add)`` into ``out`` (batch, gsize), once per time step.

    NOTE: with 8-64 rows OpenBLAS computes W hᵀ up to 2x faster than h Wᵀ, as in ``nn.Linear``'s forward
    ((32, 512) states into 2048 LSTM gates, with the add: 712 -> 442 us per step; (16, 1024): 1975 -> 1017 us);
    the transposing add into ``out`` is cheap. The backward's ``g @ whh`` showed no such gain and stays as it is.
    """
    if xp is np and FEW_ROWS[0] <= batch <= FEW_ROWS[1] and gsize >= 128:
        buf = np.empty((gsize, batch), dtype)

        def transposed(h: Array, w: Array, out: Array, add: Array | None = None) -> None:
            np.matmul(w, h.T, out=buf)
            if add is None:
                np.copyto(out, buf.T)
            else:
                np.add(buf.T, add, out=out)

        return transposed

    def plain(h: Array, w: Array, out: Array, add: Array | None = None) -> None:
        xp.matmul(h, w.T, out=out)
        if add is not None:
            out += add

    return plain


class RNNLayer(Kernel):
    """Run ``mode`` ∈ {"RNN_TANH", "RNN_RELU", "LSTM", "GRU"} over ``x`` (T, B, I) from ``h0`` (and ``c0``)."""

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        h0: Tensor,
        c0: Tensor | None,
        w_ih: Tensor,
        w_hh: Tensor,
        b_ih: Tensor | None,
        b_hh: Tensor | None,
        w_hr: Tensor | None,
        mode: str,
        reverse: bool,
        lengths: Array | None,
    ) -> tuple[Tensor, ...]:
        xp = x.device.xp
        xa = x.array
        steps, batch = xa.shape[0], xa.shape[1]
        wih, whh = w_ih.array, w_hh.array
        gsize = wih.shape[0]
        ins = (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
        if mode == "LSTM":
            assert c0 is not None
            lengths_mask = None if lengths is None else xp.asarray(lengths)
            whr_a = None if w_hr is None else w_hr.array
            bias = None
            if b_ih is not None or b_hh is not None:
                bias = (b_ih.array if b_ih is not None else 0) + (b_hh.array if b_hh is not None else 0)
            return _lstm_forward(ctx, xp, xa, bias, h0.array, c0.array, wih, whh, whr_a, lengths_mask, reverse, ins)
        ctx.save_for_backward(*ins)
        xw = xa.reshape(steps * batch, xa.shape[2]) @ wih.T
        if b_ih is not None:
            xw += b_ih.array
        gru = mode == "GRU"
        bhh = None if b_hh is None else b_hh.array
        if bhh is not None and not gru:
            xw += bhh
        xw = xw.reshape(steps, batch, gsize)
        h = h0.array
        hout = h.shape[-1]
        dtype = xa.dtype
        y = xp.empty((steps, batch, hout), dtype=dtype)
        hprev = xp.empty((steps, batch, hout), dtype=dtype)
        acts = xp.empty((steps, batch, gsize + (gsize // 3 if gru else 0)), dtype=dtype)
        masks = None if lengths is None else (xp.arange(steps)[:, None] < xp.asarray(lengths)[None, :])[..., None]
        whr = None if w_hr is None else w_hr.array
        hid = gsize // 3 if gru else gsize
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        ctx.mode, ctx.order, ctx.masks, ctx.hid = mode, order, masks, hid
        step = _recurrent_product(xp, batch, gsize, dtype)
        gh = xp.empty((batch, gsize), dtype=dtype) if gru else None
        for t in order:
            hprev[t] = h
            a = acts[t]
            if gru:
                assert gh is not None
                step(h, whh, gh, bhh)
                xt = xw[t]
                r = a[:, :hid]
                z = a[:, hid : 2 * hid]
                n = a[:, 2 * hid : 3 * hid]
                xp.add(xt[:, :hid], gh[:, :hid], out=r)
                _sig_(r, xp)
                xp.add(xt[:, hid : 2 * hid], gh[:, hid : 2 * hid], out=z)
                _sig_(z, xp)
                a[:, 3 * hid :] = gh[:, 2 * hid :]
                xp.multiply(r, gh[:, 2 * hid :], out=n)
                n += xt[:, 2 * hid :]
                xp.tanh(n, out=n)
                h_new = h - n
                h_new *= z
                h_new += n
            else:
                step(h, whh, a, xw[t])
                if mode == "RNN_TANH":
                    xp.tanh(a, out=a)
                else:
                    xp.maximum(a, 0, out=a)
                h_new = a.copy()
            if masks is not None:
                m = masks[t]
                h_new = xp.where(m, h_new, h)
                y[t] = xp.where(m, h_new, 0)
            else:
                y[t] = h_new
            h = h_new
        ctx.arrays = (xa, hprev, acts, wih, whh, whr)
        return as_tensor(y), as_tensor(xp.ascontiguousarray(h))

    @staticmethod
    def backward(ctx: Any, gy: Any, ghn: Any, gcn: Any = None) -> tuple[Any, ...]:
        if wants_graph(gy, ghn, gcn):
            return _rnn_double(ctx, gy, ghn, gcn)
        return _rnn_backward(ctx, gy, ghn, gcn)  # type: ignore[no-any-return]


def _rnn_double(ctx: Any, gy: Any, ghn: Any, gcn: Any) -> tuple[Any, ...]:
    """``RNNLayer``'s gradients with a graph (``create_graph=True``): the recurrence in Variable ops."""
    saved = ctx.saved_tensors[:8]
    mode, order, masks, hid = ctx.mode, ctx.order, ctx.masks, ctx.hid
    lstm, gru = mode == "LSTM", mode == "GRU"

    def composite(*args: Any) -> tuple[Any, ...]:
        x, h0, c0, wih, whh, bih, bhh, whr = args
        steps, batch = x.shape[0], x.shape[1]
        xw = (x.reshape(steps * batch, x.shape[2]) @ wih.t()).reshape(steps, batch, wih.shape[0])
        if bih is not None:
            xw = xw + bih
        if bhh is not None and not gru:
            xw = xw + bhh
        h, c = h0, c0
        ys: list[Any] = [None] * steps
        for t in order:
            xt = xw[t]
            c_new = None
            if lstm:
                a = xt + h @ whh.t()
                c_new = a[:, hid : 2 * hid].sigmoid() * c + a[:, :hid].sigmoid() * a[:, 2 * hid : 3 * hid].tanh()
                h_new = a[:, 3 * hid :].sigmoid() * c_new.tanh()
                if whr is not None:
                    h_new = h_new @ whr.t()
            elif gru:
                gh = h @ whh.t()
                if bhh is not None:
                    gh = gh + bhh
                r = (xt[:, :hid] + gh[:, :hid]).sigmoid()
                z = (xt[:, hid : 2 * hid] + gh[:, hid : 2 * hid]).sigmoid()
                n = (xt[:, 2 * hid :] + r * gh[:, 2 * hid :]).tanh()
                h_new = (h - n) * z + n
            else:
                a = xt + h @ whh.t()
                h_new = a.tanh() if mode == "RNN_TANH" else a.relu()
            if masks is None:
                ys[t] = h_new
            else:
                m = as_tensor(masks[t])
                h_new = tt.where(m, h_new, h)
                ys[t] = h_new * as_tensor(masks[t].astype(h_new.dtype))
                if c_new is not None:
                    c_new = tt.where(m, c_new, c)
            h, c = h_new, c_new
        y = tt.stack(ys, 0)
        return (y, h, c) if lstm else (y, h)

    grads = (gy, ghn, gcn) if lstm else (gy, ghn)
    out = composite_backward(ctx.needs_input_grad[:8], saved, grads, composite)
    return (*out, None, None, None)


@once_differentiable
def _rnn_backward(ctx: Any, gy: Tensor | None, ghn: Tensor | None, gcn: Tensor | None = None) -> tuple[Any, ...]:
    """``RNNLayer``'s ordinary (array-level) backward."""
    ctx.saved_tensors  # noqa: B018 - raises if an input or the output was modified in place since forward
    xa, hprev, acts, wih, whh, whr = ctx.arrays
    mode, masks, hid = ctx.mode, ctx.masks, ctx.hid
    xp_mod = _xp_of(xa)
    steps, batch = xa.shape[0], xa.shape[1]
    hout = hprev.shape[-1]
    dtype = xa.dtype
    lstm, gru = mode == "LSTM", mode == "GRU"
    gya = None if gy is None else gy.array
    dh = xp_mod.zeros((batch, hout), dtype=dtype) if ghn is None else ghn.array.copy()
    dc = None
    if lstm:
        cprev, tcs, hfs = ctx.lstm_arrays
        dc = xp_mod.zeros((batch, hid), dtype=dtype) if gcn is None else gcn.array.copy()
    gsize = wih.shape[0]
    dgx = xp_mod.empty((steps, batch, gsize), dtype=dtype)
    dgh = xp_mod.empty((steps, batch, gsize), dtype=dtype) if gru else dgx
    dhs = xp_mod.empty((steps, batch, hout), dtype=dtype) if whr is not None else None
    for t in reversed(ctx.order):
        m = None if masks is None else masks[t]
        dh_t = dh if gya is None else (dh + (gya[t] if m is None else gya[t] * m))
        a = acts[t]
        g = dgx[t]
        if lstm:
            assert dc is not None
            if whr is not None:
                assert dhs is not None
                dhs[t] = dh_t if m is None else dh_t * m
                dhf = dh_t @ whr
            else:
                dhf = dh_t
            i, f, gg, o = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
            tc = tcs[t]
            dc_t = dhf * o
            dc_t *= 1 - tc * tc
            dc_t += dc
            xp_mod.multiply(dhf * tc, o * (1 - o), out=g[:, 3 * hid :])
            xp_mod.multiply(dc_t * gg, i * (1 - i), out=g[:, :hid])
            xp_mod.multiply(dc_t * cprev[t], f * (1 - f), out=g[:, hid : 2 * hid])
            xp_mod.multiply(dc_t * i, 1 - gg * gg, out=g[:, 2 * hid : 3 * hid])
            dc_prev = dc_t * f
            if m is not None:
                g *= m
                dc_prev = xp_mod.where(m, dc_prev, dc)
            dh_prev = g @ whh
            dc = dc_prev
        elif gru:
            r, z, n, hn = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
            hp = hprev[t]
            gh = dgh[t]
            dn_pre = dh_t * (1 - z)
            dn_pre *= 1 - n * n
            xp_mod.multiply(dh_t * (hp - n), z * (1 - z), out=g[:, hid : 2 * hid])
            xp_mod.multiply(dn_pre * hn, r * (1 - r), out=g[:, :hid])
            g[:, 2 * hid :] = dn_pre
            gh[:, : 2 * hid] = g[:, : 2 * hid]
            xp_mod.multiply(dn_pre, r, out=gh[:, 2 * hid :])
            if m is not None:
                g *= m
                gh *= m
            dh_prev = gh @ whh
            dh_prev += dh_t * z if m is None else dh_t * z * m
        else:
            if mode == "RNN_TANH":
                xp_mod.multiply(dh_t, 1 - a * a, out=g)
            else:
                xp_mod.multiply(dh_t, a > 0, out=g)
            if m is not None:
                g *= m
            dh_prev = g @ whh
        if m is not None:
            dh_prev = xp_mod.where(m, dh_prev, dh_t)
        dh = dh_prev
    need = ctx.needs_input_grad
    gx2 = dgx.reshape(steps * batch, gsize)
    gh2 = dgh.reshape(steps * batch, gsize)
    d_x = as_tensor((gx2 @ wih).reshape(xa.shape)) if need[0] else None
    d_h0 = as_tensor(dh) if need[1] else None
    d_c0 = as_tensor(dc) if (lstm and need[2]) else None
    d_wih = as_tensor(gx2.T @ xa.reshape(steps * batch, xa.shape[2])) if need[3] else None
    d_whh = as_tensor(gh2.T @ hprev.reshape(steps * batch, hout)) if need[4] else None
    d_bih = as_tensor(gx2.sum(0)) if need[5] else None
    d_bhh = as_tensor(gh2.sum(0)) if need[6] else None
    d_whr = None
    if whr is not None and need[7]:
        assert dhs is not None and hfs is not None
        d_whr = as_tensor(dhs.reshape(steps * batch, hout).T @ hfs.reshape(steps * batch, hid))
    return d_x, d_h0, d_c0, d_wih, d_whh, d_bih, d_bhh, d_whr, None, None, None


def _lstm_forward(
    ctx: Any,
    xp: Any,
    xa: Array,
    bias: Array | None,
    h0: Array,
    c0: Array,
    wih: Array,
    whh: Array,
    whr: Array | None,
    lengths: Array | None,
    reverse: bool,
    ins: tuple[Any, ...],
) -> tuple[Tensor, ...]:
    """LSTM recurrence (gates i, f, g, o). One tanh over all four gates gives every activation (the sigmoid gates
    are pre-scaled by 1/2 and shifted after: sigmoid(x) = 0.5 + 0.5 tanh(x / 2)); states are written straight into
    the arrays kept for backward, and the states before each step are sliced from them afterwards."""
    steps, batch = xa.shape[0], xa.shape[1]
    gsize = wih.shape[0]
    hid = gsize // 4
    dtype = xa.dtype
    hout = h0.shape[-1]
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    masks = None if lengths is None else (xp.arange(steps)[:, None] < lengths[None, :])[..., None]
    ctx.mode, ctx.order, ctx.masks, ctx.hid = "LSTM", order, masks, hid
    scale = xp.full(gsize, 0.5, dtype=dtype)
    scale[2 * hid : 3 * hid] = 1.0
    # input projections of every step in one GEMM
    xws = xa.reshape(steps * batch, xa.shape[2]) @ wih.T
    if bias is not None:
        xws += bias
    xws = xws.reshape(steps, batch, gsize)
    step = _recurrent_product(xp, batch, gsize, dtype)
    acts = xp.empty((steps, batch, gsize), dtype=dtype)
    # states with one extra slot for the initial one, so that "state before step t" is a plain slice
    first = steps if reverse else 0
    inner = slice(0, steps) if reverse else slice(1, steps + 1)
    before = slice(1, steps + 1) if reverse else slice(0, steps)
    c_ext = xp.empty((steps + 1, batch, hid), dtype=dtype)
    c_ext[first] = c0
    cs = c_ext[inner]
    y_ext = xp.empty((steps + 1, batch, hout), dtype=dtype)
    y_ext[first] = h0
    y = y_ext[inner]
    tcs = xp.empty((steps, batch, hid), dtype=dtype)
    hfs = xp.empty((steps, batch, hid), dtype=dtype) if whr is not None else None
    hprev = xp.empty((steps, batch, hout), dtype=dtype) if masks is not None else None
    tmp = xp.empty((batch, hid), dtype=dtype)
    h, c = h0, c0
    for t in order:
        if hprev is not None:
            hprev[t] = h
        a = acts[t]
        step(h, whh, a, xws[t])
        a *= scale  # sigmoid(x) = 0.5 + 0.5 tanh(x / 2): one tanh for all four gates
        xp.tanh(a, out=a)
        for sig in (a[:, : 2 * hid], a[:, 3 * hid :]):
            sig *= 0.5
            sig += 0.5
        c_t = cs[t]
        xp.multiply(a[:, hid : 2 * hid], c, out=c_t)
        xp.multiply(a[:, :hid], a[:, 2 * hid : 3 * hid], out=tmp)
        c_t += tmp
        tc = tcs[t]
        xp.tanh(c_t, out=tc)
        o = a[:, 3 * hid :]
        if masks is None:
            if whr is None:
                xp.multiply(o, tc, out=y[t])
            else:
                assert hfs is not None
                xp.multiply(o, tc, out=hfs[t])
                xp.matmul(hfs[t], whr.T, out=y[t])
            h = y[t]
        else:
            m = masks[t]
            if whr is None:
                h_new = o * tc
            else:
                assert hfs is not None
                xp.multiply(o, tc, out=hfs[t])
                h_new = hfs[t] @ whr.T
            h = xp.where(m, h_new, h)
            y[t] = xp.where(m, h, 0)
            c_t[...] = xp.where(m, c_t, c)
        c = c_t
    # the states before each step, in processing order, for backward
    if hprev is None:
        hprev = y_ext[before]
    cprev = c_ext[before]
    ctx.arrays = (xa, hprev, acts, wih, whh, whr)
    ctx.lstm_arrays = (cprev, tcs, hfs)
    out = as_tensor(y)
    ctx.save_for_backward(*ins, out)  # hprev shares memory with the output: in-place edits of it must fail backward
    return out, as_tensor(h.copy()), as_tensor(c.copy())


def _xp_of(a: Array) -> Any:
    return as_tensor(a).device.xp
