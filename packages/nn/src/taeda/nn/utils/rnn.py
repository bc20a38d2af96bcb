"""Variable-length sequences: ``PackedSequence``, ``pack_padded_sequence``, ``pad_packed_sequence``,
``pad_sequence``, ``pack_sequence``. Packing and unpacking are single differentiable gathers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, cast

import numpy as np

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.tensor import Tensor

__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]

TensorLike = Tensor | Variable


class PackedSequence(NamedTuple):
    """Time-major packed batch: ``data`` holds the valid steps of every sequence, step by step;
    ``batch_sizes[t]`` counts the sequences still running at step ``t`` (sequences sorted by decreasing length;
    ``sorted_indices``/``unsorted_indices`` map back to the caller's order when it was not sorted)."""

    data: Any
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._replace(data=self.data.to(*args, **kwargs))

    # PyTorch's conversion shorthands: ``data`` converted, ``batch_sizes`` and the indices kept.
    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def double(self) -> PackedSequence:
        return self.to(tt.float64)

    def float(self) -> PackedSequence:
        return self.to(tt.float32)

    def half(self) -> PackedSequence:
        return self.to(tt.float16)

    def long(self) -> PackedSequence:
        return self.to(tt.int64)

    def int(self) -> PackedSequence:
        return self.to(tt.int32)

    def short(self) -> PackedSequence:
        return self.to(tt.int16)

    def char(self) -> PackedSequence:
        return self.to(tt.int8)

    def byte(self) -> PackedSequence:
        return self.to(tt.uint8)

    @property
    def is_cuda(self) -> bool:
        return bool(self.data.device.type == "cuda")


def _as_var(x: TensorLike) -> Variable:
    return x if isinstance(x, Variable) else Variable(x)


def _index(rows: np.ndarray[Any, Any], like: Any) -> Tensor:
    """An int64 index Tensor on ``like``'s device (index arrays are built on the host)."""
    t = tt.as_tensor(np.ascontiguousarray(rows, dtype=np.int64))
    return t if like.device.type == "cpu" else t.to(like.device)


def _np_ints(x: Any) -> np.ndarray[Any, Any]:
    if isinstance(x, Variable):
        x = x.data
    if isinstance(x, Tensor):
        x = x.cpu().array
    return np.asarray(x, dtype=np.int64).reshape(-1)


def pack_padded_sequence(
    input: TensorLike, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (or ``(B, T, *)`` with ``batch_first``) of sequences of ``lengths``.

    Example::

        >>> packed = pack_padded_sequence(padded, [3, 2, 1])
        >>> output, h = lstm(packed)
    """
    lens = _np_ints(lengths)
    x = _as_var(input)
    if batch_first:
        x = x.transpose(0, 1)
    steps, batch = x.shape[0], x.shape[1]
    if lens.shape[0] != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lens.shape[0]} (batch_size={batch})"
        )
    if lens.size and lens.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if lens.size and lens.max() > steps:
        raise RuntimeError(f"Length {int(lens.max())} exceeds the padded sequence length {steps}")
    sorted_indices = unsorted_indices = None
    order = np.arange(batch)
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability."
            )
    else:
        order = np.argsort(-lens, kind="stable")
        inverse = np.empty_like(order)
        inverse[order] = np.arange(batch)
        sorted_indices = _index(order, x)
        unsorted_indices = _index(inverse, x)
    slens = lens[order]
    batch_sizes = (slens[None, :] > np.arange(steps)[:, None]).sum(axis=1)
    batch_sizes = batch_sizes[batch_sizes > 0]
    # flat index into x viewed as (T*B, *): step t, sorted slot j -> t*B + order[j]
    rows = np.concatenate([t * batch + order[: int(bs)] for t, bs in enumerate(batch_sizes)]) if batch else order
    flat = x.reshape(steps * batch, *x.shape[2:])
    data = flat[_index(rows, flat)]
    return PackedSequence(data, tt.as_tensor(batch_sizes.astype(np.int64)), sorted_indices, unsorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Variable, Tensor]:
    """Inverse of ``pack_padded_sequence``: returns ``(padded, lengths)`` in the original batch order.

    Example::

        >>> out, lengths = pad_packed_sequence(packed_output, batch_first=True)
    """
    data = _as_var(sequence.data)
    bs = _np_ints(sequence.batch_sizes)
    steps = int(bs.shape[0])
    batch = int(bs[0]) if steps else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {steps}"
            )
        steps_out = total_length
    else:
        steps_out = steps
    n = data.shape[0]
    offsets = np.concatenate([[0], np.cumsum(bs)[:-1]]) if steps else np.zeros(0, dtype=np.int64)
    slot = np.arange(batch)
    idx = np.full((steps_out, batch), n, dtype=np.int64)
    if steps:
        valid = slot[None, :] < bs[:, None]
        idx[:steps] = np.where(valid, offsets[:, None] + slot[None, :], n)
    pad_row = tt.full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    padded: Variable = _as_var(cast(Variable, tt.cat([data, pad_row], 0)))[_index(idx.reshape(-1), data)]
    padded = padded.reshape(steps_out, batch, *data.shape[1:])
    lengths = (bs[None, :] > slot[:, None]).sum(axis=1) if steps else np.zeros(0, dtype=np.int64)
    if sequence.unsorted_indices is not None:
        unsorted = _np_ints(sequence.unsorted_indices)
        padded = padded[:, _index(unsorted, padded)]
        lengths = lengths[unsorted]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, tt.as_tensor(lengths.astype(np.int64))


def pad_sequence(
    sequences: Sequence[TensorLike],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Variable:
    """Stack sequences of shapes ``(L_i, *)`` into ``(max L, B, *)`` (``(B, max L, *)`` with ``batch_first``),
    padding with ``padding_value`` on the ``padding_side``.

    Example::

        >>> pad_sequence([tt.ones(3, 2), tt.ones(1, 2)], batch_first=True).shape
        (2, 3, 2)
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    lens = np.asarray([s.shape[0] for s in sequences], dtype=np.int64)
    first = sequences[0]
    tail = tuple(first.shape[1:])
    for s in sequences:
        if tuple(s.shape[1:]) != tail:
            raise RuntimeError(
                f"The size of tensor a ({tail}) must match the size of tensor b ({tuple(s.shape[1:])}) "
                "in pad_sequence's trailing dimensions"
            )
    longest = int(lens.max())
    batch = len(sequences)
    total = int(lens.sum())
    pad_row = tt.full((1, *tail), padding_value, dtype=first.dtype, device=first.device)
    parts: list[Any] = [*sequences, pad_row]
    data = tt.cat([_as_var(p) if isinstance(p, Variable) else p for p in parts], 0)
    offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
    pos = np.arange(longest)
    if padding_side == "right":
        valid = pos[None, :] < lens[:, None]
        src = offsets[:, None] + pos[None, :]
    else:
        shift = longest - lens
        valid = pos[None, :] >= shift[:, None]
        src = offsets[:, None] + pos[None, :] - shift[:, None]
    idx = np.where(valid, src, total)  # (B, T)
    if not batch_first:
        idx = idx.T
    out = _as_var(data)[_index(idx.reshape(-1), data)]
    shape = (batch, longest, *tail) if batch_first else (longest, batch, *tail)
    result: Variable = out.reshape(*shape)
    return result


def pack_sequence(sequences: Sequence[TensorLike], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences of shapes ``(L_i, *)``. Example: ``pack_sequence([a, b, c])``."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: TensorLike, lengths: Any, batch_first: bool = False) -> list[Variable]:
    """Split a padded batch back into a list of sequences of the given ``lengths``.

    Example::

        >>> [s.shape for s in unpad_sequence(pad_sequence([tt.ones(3), tt.ones(1)]), [3, 1])]
        [taeda.Size([3]), taeda.Size([1])]
    """
    x = _as_var(padded_sequences)
    if not batch_first:
        x = x.transpose(0, 1)
    return [x[i, : int(n)] for i, n in enumerate(_np_ints(lengths))]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Variable]:
    """Inverse of ``pack_sequence``: the list of sequences, in the caller's original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
