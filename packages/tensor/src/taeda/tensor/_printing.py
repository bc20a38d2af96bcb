"""Printing tensors exactly as PyTorch does: ``tensor([[1., 1.],\\n        [1., 1.]])``.

The layout rules (one formatter for the whole tensor, integer mode, scientific mode, summarisation with ``...``,
line wrapping at ``linewidth``, ``dtype=``/``device=`` suffixes) follow PyTorch's ``torch/_tensor_str.py``. Only
the elements that are shown are read: a summarised tensor is first cut down to its edges (on its own device), so
printing a huge CUDA tensor copies a few dozen numbers to the host.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from taeda.tensor._device import get_array_module
from taeda.tensor._dtype import bool_, default_float, int64

if TYPE_CHECKING:
    from taeda.tensor._tensor import Tensor

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()

_PROFILES = {
    "default": (4, 1000.0, 3, 80),
    "short": (2, 1000.0, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set the options for printing tensors (PyTorch's ``set_printoptions``).

    ``profile`` is one of ``"default"``, ``"short"``, ``"full"``; the other arguments override it. ``sci_mode``
    is reset to automatic (``None``) unless given, as in PyTorch.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.set_printoptions(precision=2)
        >>> tt.tensor([1.12345])
        tensor([1.12])
        >>> tt.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        _OPTS.precision, _OPTS.threshold, _OPTS.edgeitems, _OPTS.linewidth = _PROFILES[profile]
    if precision is not None:
        _OPTS.precision = int(precision)
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = int(edgeitems)
    if linewidth is not None:
        _OPTS.linewidth = int(linewidth)
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options as a dict that ``set_printoptions(**opts)`` accepts.

    Example:
        >>> get_printoptions()["precision"]
        4
    """
    return dataclasses.asdict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change the print options (same arguments as ``set_printoptions``).

    Example:
        >>> import taeda.tensor as tt
        >>> with tt.printoptions(precision=1):
        ...     print(tt.tensor([1.25]))
        tensor([1.2])
    """
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """One width and one style (integer / fixed / scientific) for all the elements of a tensor."""

    __slots__ = ("floating", "int_mode", "max_width", "sci_mode")

    def __init__(self, values: np.ndarray[Any, Any]) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            if flat.size:
                if flat.dtype.kind == "b":
                    self.max_width = 5 if not flat.all() else 4
                else:
                    self.max_width = max(1, len(str(flat.min().item())), len(str(flat.max().item())))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if vals.size == 0:
            return
        absv = np.abs(vals)
        amin, amax = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        opt = _OPTS.sci_mode
        self.sci_mode = (amax / amin > 1000.0 or amax > 1.0e8 or amin < 1.0e-4) if opt is None else opt
        # a formatted float's width is monotone in |x| on each side of zero: only the extremes can be widest
        pos, neg = vals[vals > 0], vals[vals < 0]
        cands = [float(pos.min()), float(pos.max())] if pos.size else []
        cands += [float(neg.min()), float(neg.max())] if neg.size else []
        p = _OPTS.precision
        if self.sci_mode:
            width = max(len(f"{v:.{p}e}") for v in cands)
        elif self.int_mode:
            width = max(len(f"{v:.0f}") for v in cands) + 1
        else:
            width = max(len(f"{v:.{p}f}") for v in cands)
        self.max_width = max(self.max_width, width)

    def format(self, value: Any) -> str:
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{_OPTS.precision}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{_OPTS.precision}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


class _Printer:
    """Lays out the (possibly cut-down) host array ``a``; ``cut[d]`` says whether axis ``d`` was summarised."""

    __slots__ = ("cut", "f1", "f2", "summarize")

    def __init__(self, summarize: bool, cut: tuple[bool, ...], f1: _Formatter, f2: _Formatter | None) -> None:
        self.summarize = summarize
        self.cut = cut
        self.f1 = f1
        self.f2 = f2

    def value(self, v: Any) -> str:
        if self.f2 is None:
            return self.f1.format(v)
        real = self.f1.format(v.real)
        imag = (self.f2.format(v.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag

    def vector(self, a: np.ndarray[Any, Any], indent: int, axis: int) -> str:
        width = self.f1.max_width + 2
        if self.f2 is not None:
            width += self.f2.max_width + 1
        per_line = max(1, math.floor((_OPTS.linewidth - indent) / width))
        if self.summarize and not _OPTS.edgeitems:
            data = ["..."]
        elif self.cut[axis]:
            e = _OPTS.edgeitems
            data = [self.value(v) for v in a[:e].tolist()] + [" ..."] + [self.value(v) for v in a[e:].tolist()]
        else:
            data = [self.value(v) for v in a.tolist()]
        lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def block(self, a: np.ndarray[Any, Any], indent: int, axis: int = 0) -> str:
        dim = a.ndim
        if dim == 0:
            return self.value(a.item())
        if dim == 1:
            return self.vector(a, indent, axis)
        if self.summarize and not _OPTS.edgeitems:
            return "[...]"
        parts = [self.block(a[i], indent + 1, axis + 1) for i in range(a.shape[0])]
        if self.cut[axis]:
            e = _OPTS.edgeitems
            parts = parts[:e] + ["..."] + parts[e:]
        return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(parts) + "]"


def _edges(arr: Any, summarize: bool) -> tuple[Any, tuple[bool, ...]]:
    """Keep only the first and last ``edgeitems`` entries of every axis longer than ``2 * edgeitems``."""
    e = _OPTS.edgeitems
    cut = tuple(summarize and e > 0 and n > 2 * e for n in arr.shape)
    if any(cut):
        xp = get_array_module(arr)
        for axis, n in enumerate(arr.shape):
            if cut[axis]:
                lead = (slice(None),) * axis
                arr = xp.concatenate([arr[(*lead, slice(0, e))], arr[(*lead, slice(n - e, n))]], axis=axis)
    return arr, cut


def _body(host: np.ndarray[Any, Any], summarize: bool, cut: tuple[bool, ...], indent: int) -> str:
    if host.dtype.kind == "c":
        f1: _Formatter = _Formatter(host.real)
        f2: _Formatter | None = _Formatter(host.imag)
    else:
        f1, f2 = _Formatter(host), None
    return _Printer(summarize, cut, f1, f2).block(host, indent)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    out = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_line_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def format_array(
    arr: Any, device: str = "cpu", *, prefix: str = "tensor(", extra_suffixes: tuple[str, ...] = ()
) -> str:
    """Format an ndarray (NumPy or CuPy) as PyTorch prints a tensor holding it.

    ``extra_suffixes`` (such as ``"requires_grad=True"``) are appended after ``dtype=``/``device=``.

    Example:
        >>> print(format_array(np.ones((2, 2), np.float32)))
        tensor([[1., 1.],
                [1., 1.]])
    """
    indent = len(prefix)
    if isinstance(arr, np.generic):
        arr = np.asarray(arr)
    dtype = arr.dtype
    suffixes: list[str] = []
    if device != "cpu":
        suffixes.append(f"device='{device}'")
    name = "taeda." + ("bool" if dtype == bool_ else dtype.name)
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype != default_float():
            suffixes.append(f"dtype={name}")
        text = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        default_complex = np.dtype(np.complex128 if default_float() == np.float64 else np.complex64)
        if dtype not in (default_float(), default_complex, int64, bool_):
            suffixes.append(f"dtype={name}")
        summarize = arr.size > _OPTS.threshold
        small, cut = _edges(arr, summarize)
        host = small if isinstance(small, np.ndarray) else small.get()
        text = _body(np.asarray(host), summarize, cut, indent)
    return _add_suffixes(prefix + text, [*suffixes, *extra_suffixes], indent)


def format_tensor(t: Tensor, *, suffixes: tuple[str, ...] = ()) -> str:
    """``repr`` of a Tensor, laid out as PyTorch's; ``suffixes`` (such as ``"requires_grad=True"``) are appended
    after ``dtype=``/``device=``, wrapped at ``linewidth`` like them (for tensor-like types of upper layers).

    Example:
        >>> import taeda.tensor as tt
        >>> print(format_tensor(tt.ones(2, 2)))
        tensor([[1., 1.],
                [1., 1.]])
        >>> format_tensor(tt.arange(3, dtype=tt.int32), suffixes=("requires_grad=True",))
        'tensor([0, 1, 2], dtype=taeda.int32, requires_grad=True)'
    """
    return format_array(t._array, str(t.device), extra_suffixes=suffixes)
