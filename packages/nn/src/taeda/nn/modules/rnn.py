"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and their cells, with PyTorch's parameter names
(``weight_ih_l0``, ``bias_hh_l1_reverse``, ...), gate layouts and initialisation U(-1/sqrt(H), 1/sqrt(H))."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn import functional as F
from taeda.nn import init
from taeda.nn.functional._rnn import RNNLayer
from taeda.nn.modules.module import Module
from taeda.nn.parameter import Parameter
from taeda.nn.utils.rnn import PackedSequence, _index

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Variable) else x


class RNNBase(Module):
    """Shared machinery of ``RNN``, ``LSTM`` and ``GRU``: parameters per layer and direction, input and state
    checks, packed sequences, dropout between layers."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        for name, size in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(size, int):
                raise TypeError(f"{name} should be of type int, got: {type(size).__name__}")
            if size <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                params: list[tuple[str, tuple[int, ...]]] = [
                    (f"weight_ih_l{layer}{suffix}", (gate_size, layer_input)),
                    (f"weight_hh_l{layer}{suffix}", (gate_size, real_hidden)),
                ]
                if bias:
                    params += [(f"bias_ih_l{layer}{suffix}", (gate_size,)), (f"bias_hh_l{layer}{suffix}", (gate_size,))]
                if proj_size > 0:
                    params.append((f"weight_hr_l{layer}{suffix}", (proj_size, hidden_size)))
                for name, shape in params:
                    setattr(self, name, Parameter(tt.empty(*shape, dtype=dtype, device=device)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        per = 4 if self.bias else 2
        if self.proj_size > 0:
            per += 1
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i : i + per]] for i in range(0, len(names), per)]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _layer_params(self, layer: int, direction: int) -> tuple[Any, ...]:
        suffix = "_reverse" if direction == 1 else ""
        g = self._parameters
        return (
            g[f"weight_ih_l{layer}{suffix}"],
            g[f"weight_hh_l{layer}{suffix}"],
            g.get(f"bias_ih_l{layer}{suffix}"),
            g.get(f"bias_hh_l{layer}{suffix}"),
            g.get(f"weight_hr_l{layer}{suffix}"),
        )

    def _run(self, x: Any, hx: Any, cx: Any, lengths: np.ndarray[Any, Any] | None) -> tuple[Any, Any, Any]:
        """x: (T, B, I); hx: (L*D, B, Hout); cx: (L*D, B, H) or None."""
        num_directions = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        hs: list[Variable] = []
        cs: list[Variable] = []
        layer_input = x
        for layer in range(self.num_layers):
            outs = []
            for direction in range(num_directions):
                idx = layer * num_directions + direction
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_params(layer, direction)
                h0 = hx[idx]
                c0 = cx[idx] if lstm else None
                res = RNNLayer.apply(
                    layer_input, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, self.mode, direction == 1, lengths
                )
                outs.append(res[0])
                hs.append(res[1])
                if lstm:
                    cs.append(res[2])
            layer_input = outs[0] if num_directions == 1 else tt.cat(outs, 2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = tt.stack(hs, 0)
        c_n = tt.stack(cs, 0) if lstm else None
        return layer_input, h_n, c_n

    def _check_input(self, x: Any, batched: bool) -> None:
        if x.ndim not in (2, 3):
            name, tensor = ("RNN", " tensor") if self.mode.startswith("RNN") else (self.mode, "")
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {x.ndim}D{tensor} instead")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {x.shape[-1]}"
            )

    def _check_hidden(self, h: Any, expected: tuple[int, ...], what: str) -> None:
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(h.shape)}")

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        packed = isinstance(input, PackedSequence)
        w, got = getattr(self, self._flat_weights_names[0]), (input.data if packed else input).dtype
        if got != w.dtype:
            raise ValueError(
                f"RNN input dtype ({got}) does not match weight dtype ({w.dtype}). Convert input: input.to({w.dtype}), "
                f"or convert model: model.to({got})"
            )
        lengths = None
        sorted_idx = unsorted_idx = None
        if packed:
            padded, len_t = _unpack(input)
            x = padded
            lengths = _data(len_t).array
            batched = True
            sorted_idx, unsorted_idx = input.sorted_indices, input.unsorted_indices
        else:
            x = input
            batched = input.ndim == 3
            self._check_input(input, batched)
            if not batched:
                x = x.unsqueeze(1)
            elif self.batch_first:
                x = x.transpose(0, 1)
        batch = x.shape[1]
        num_directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        lstm = self.mode == "LSTM"
        h_shape = (self.num_layers * num_directions, batch, real_hidden)
        c_shape = (self.num_layers * num_directions, batch, self.hidden_size)
        if hx is None:
            h0: Any = tt.zeros(*h_shape, dtype=x.dtype, device=x.device)
            c0: Any = tt.zeros(*c_shape, dtype=x.dtype, device=x.device) if lstm else None
        else:
            if lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError("LSTM expects hx to be a tuple (h_0, c_0)")
                h0, c0 = hx
            else:
                h0, c0 = hx, None
            ranks, want = [t.ndim for t in (h0, c0) if t is not None], 3 if batched else 2
            if not packed and any(r != want for r in ranks):
                what = "batched 3-D input" if batched else "unbatched 2-D input"
                if lstm:
                    got = f"({ranks[0]}-D, {ranks[1]}-D) tensors"
                    raise RuntimeError(f"For {what}, hx and cx should also be {want}-D but got {got}")
                raise RuntimeError(f"For {what}, hx should also be {want}-D but got {ranks[0]}-D tensor")
            if not packed and not batched:
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            elif sorted_idx is not None:
                h0 = h0[:, sorted_idx]
                c0 = c0[:, sorted_idx] if c0 is not None else None
            self._check_hidden(h0, h_shape, "hidden" if not lstm else "hidden[0]")
            if c0 is not None:
                self._check_hidden(c0, c_shape, "hidden[1]")
            if h0.dtype != x.dtype:
                raise RuntimeError(f"input and hidden tensors must have the same dtype, got {x.dtype} and {h0.dtype}")
        out, h_n, c_n = self._run(x, h0, c0, lengths)
        if packed:
            assert isinstance(input, PackedSequence)
            if unsorted_idx is not None:
                h_n = h_n[:, unsorted_idx]
                c_n = c_n[:, unsorted_idx] if c_n is not None else None
            packed_out = _repack(out, input)
            return packed_out, ((h_n, c_n) if lstm else h_n)
        if not batched:
            out = out.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, ((h_n, c_n) if lstm else h_n)


def _unpack(seq: PackedSequence) -> tuple[Any, Any]:
    """Padded (T, B, *) in *sorted* order plus the sorted lengths (packing order is what RNN layers run in)."""
    from taeda.nn.utils.rnn import pad_packed_sequence

    plain = PackedSequence(seq.data, seq.batch_sizes, None, None)
    return pad_packed_sequence(plain)


def _repack(out: Any, like: PackedSequence) -> PackedSequence:
    bs = np.asarray(_data(like.batch_sizes).cpu().array, dtype=np.int64)
    batch = out.shape[1]
    rows = np.concatenate([t * batch + np.arange(int(b)) for t, b in enumerate(bs)])
    flat = out.reshape(out.shape[0] * batch, out.shape[2])
    data = flat[_index(rows, flat)]
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) (or ReLU).

    Example::

        >>> rnn = RNN(10, 20, num_layers=2)
        >>> out, h_n = rnn(tt.randn(5, 3, 10))     # (T, B, I) -> (5, 3, 20), (2, 3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None, *, proj_size: int = 0) -> None:  # fmt: skip
        # proj_size is accepted only to refuse it with PyTorch's ValueError (it is LSTM's)
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)  # fmt: skip


class LSTM(RNNBase):
    """Long short-term memory with PyTorch's gate order (i, f, g, o) and optional ``proj_size``.

    Example::

        >>> lstm = LSTM(10, 20, batch_first=True)
        >>> out, (h_n, c_n) = lstm(tt.randn(3, 5, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)  # fmt: skip


class GRU(RNNBase):
    """Gated recurrent unit with PyTorch's gate order (r, z, n).

    Example::

        >>> gru = GRU(10, 20, bidirectional=True)
        >>> out, h_n = gru(tt.randn(5, 3, 10))      # (5, 3, 40), (2, 3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None, *, proj_size: int = 0) -> None:  # fmt: skip
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)  # fmt: skip


class RNNCellBase(Module):
    """Shared parameters of the single-step cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
                 dtype: Any = None) -> None:  # fmt: skip
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(tt.empty(num_chunks * hidden_size, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(tt.empty(num_chunks * hidden_size, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(tt.empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(tt.empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = self.__dict__.get("nonlinearity")
        if nl is not None and nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _step(self, mode: str, input: Any, hx: Any, cx: Any) -> tuple[Any, ...]:
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for i, t in enumerate((hx, cx)):
            if t is not None and t.ndim not in (1, 2):
                what = f"hx[{i}]" if mode == "LSTM" else "hidden"
                raise ValueError(f"{type(self).__name__}: Expected {what} to be 1D or 2D, got {t.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        for t in (input, hx, cx):  # PyTorch's matrix product error
            if t is not None and t.dtype != self.weight_ih.dtype:
                raise RuntimeError(
                    f"mat1 and mat2 must have the same dtype, but got {t.dtype} and {self.weight_ih.dtype}"
                )
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        batch = x.shape[0]
        if hx is None:
            hx = tt.zeros(batch, self.hidden_size, dtype=x.dtype, device=x.device)
        elif not batched:
            hx = hx.unsqueeze(0)
        if mode == "LSTM":
            if cx is None:
                cx = tt.zeros(batch, self.hidden_size, dtype=x.dtype, device=x.device)
            elif not batched:
                cx = cx.unsqueeze(0)
        for i, t in enumerate((hx, cx) if mode == "LSTM" else (hx,)):
            if t.shape[0] != batch:
                raise RuntimeError(f"Input batch size {batch} doesn't match hidden{i} batch size {t.shape[0]}")
            if t.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{i} has inconsistent hidden_size: got {t.shape[1]}, expected {self.hidden_size}"
                )
        res = RNNLayer.apply(
            x.unsqueeze(0), hx, cx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, None, mode, False, None
        )
        outs = (res[1], res[2]) if mode == "LSTM" else (res[1],)
        if not batched:
            outs = tuple(o.squeeze(0) for o in outs)
        return outs


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh). Example: ``h = RNNCell(10, 20)(x, h)``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Any:
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._step(mode, input, hx, None)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step returning ``(h', c')``. Example: ``h, c = LSTMCell(10, 20)(x, (h, c))``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        h, c = (None, None) if hx is None else hx
        out = self._step("LSTM", input, h, c)
        return out[0], out[1]


class GRUCell(RNNCellBase):
    """One GRU step. Example: ``h = GRUCell(10, 20)(x, h)``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Any, hx: Any = None) -> Any:
        return self._step("GRU", input, hx, None)[0]
