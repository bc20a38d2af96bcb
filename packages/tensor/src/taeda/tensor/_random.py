"""Random numbers: ``Generator`` objects (NumPy's PCG64 on the CPU, CuPy's generator on a GPU) and the sampling
functions ``rand randn randint randperm normal bernoulli multinomial`` with PyTorch's signatures.

Values are deterministic under ``manual_seed`` but are not the same numbers PyTorch draws (a different bit
generator). The default float dtype is ``get_default_dtype()`` (float32 unless changed).
"""

from __future__ import annotations

import operator
import secrets
from collections.abc import Sequence
from typing import Any

import numpy as np

from taeda.tensor import cuda as _cuda
from taeda.tensor._device import CPU, Device
from taeda.tensor._dispatch import taeda_function
from taeda.tensor._dtype import DType, default_float, int64, to_dtype, torch_name
from taeda.tensor._errors import DeviceMismatchError
from taeda.tensor._tensor import Tensor, _bump, _wrap

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "rand_like",
    "randn_like",
    "randint_like",
    "uniform_",
    "normal_",
    "bernoulli_",
]

_DEFAULT_SEED = 67280421310721  # PyTorch's default seed
_STATE_VERSION = 1
_STATE_BYTES = 46  # version(1) + initial seed(8) + PCG64 state(16) + inc(16) + has_uint32(1) + uinteger(4)


def _check_seed(value: Any) -> int:
    s = operator.index(value)
    if not -(2**63) <= s < 2**64:
        raise RuntimeError(f"Overflow when unpacking long: seed {s} is outside [-2**63, 2**64)")
    return s % 2**64


class Generator:
    """A source of random numbers on one device (PyTorch's ``torch.Generator``).

    CPU generators run NumPy's PCG64; CUDA generators run CuPy's generator on that GPU.

    Example:
        >>> import taeda.tensor as tt
        >>> g = tt.Generator().manual_seed(0)
        >>> a = tt.rand(3, generator=g)
        >>> b = tt.rand(3, generator=g.manual_seed(0))
        >>> bool((a == b).all())
        True
    """

    __slots__ = ("_device", "_initial_seed", "_rng")

    _device: Device
    _initial_seed: int
    _rng: Any

    def __init__(self, device: Any = "cpu") -> None:
        dev = Device(device)
        if dev.type == "cuda" and dev.index is None:
            dev = Device("cuda", _cuda.current_device())
        self._device = dev
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self) -> Device:
        """The device this generator draws on."""
        return self._device

    def manual_seed(self, seed: int) -> Generator:
        """Seed the generator (ints in ``[-2**63, 2**64)``) and return it.

        Example:
            >>> Generator().manual_seed(42).initial_seed()
            42
        """
        s = _check_seed(seed)
        self._initial_seed = s
        if self._device.type == "cpu":
            self._rng = np.random.Generator(np.random.PCG64(s))
        else:
            cp = self._device.xp
            with cp.cuda.Device(self._device.index):
                self._rng = cp.random.RandomState(s)
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return the seed chosen.

        Example:
            >>> g = Generator(); s = g.seed(); g.initial_seed() == s
            True
        """
        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with.

        Example:
            >>> Generator().initial_seed()
            67280421310721
        """
        return self._initial_seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor, to restore later with ``set_state``.

        Only CPU generators can save their state (CuPy's generators do not expose theirs).

        Example:
            >>> g = Generator().manual_seed(1); s = g.get_state()
            >>> x = rand(2, generator=g); y = rand(2, generator=g.set_state(s))
            >>> bool((x == y).all())
            True
        """
        if self._device.type != "cpu":
            raise RuntimeError(
                f"get_state: the state of a {self._device} generator cannot be saved (CuPy does not expose it); "
                "re-seed it with manual_seed instead"
            )
        st = self._rng.bit_generator.state
        raw = (
            bytes([_STATE_VERSION])
            + self._initial_seed.to_bytes(8, "little")
            + int(st["state"]["state"]).to_bytes(16, "little")
            + int(st["state"]["inc"]).to_bytes(16, "little")
            + bytes([int(st["has_uint32"])])
            + int(st["uinteger"]).to_bytes(4, "little")
        )
        return _wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state returned by ``get_state`` and return the generator.

        Example:
            >>> g = Generator(); g.set_state(Generator().manual_seed(3).get_state()).initial_seed()
            3
        """
        arr = getattr(new_state, "_array", None)
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
            raise RuntimeError(
                f"set_state: expected a uint8 CPU tensor of {_STATE_BYTES} bytes made by Generator.get_state(), "
                f"got {type(new_state).__name__}"
                + (f" of dtype {arr.dtype} and shape {tuple(arr.shape)}" if arr is not None else "")
            )
        if self._device.type != "cpu":
            raise RuntimeError(f"set_state: the state of a {self._device} generator cannot be restored")
        raw = arr.tobytes()
        if raw[0] != _STATE_VERSION:
            raise RuntimeError(f"set_state: unknown generator state version {raw[0]}")
        bitgen = np.random.PCG64()
        bitgen.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[9:25], "little"), "inc": int.from_bytes(raw[25:41], "little")},
            "has_uint32": raw[41],
            "uinteger": int.from_bytes(raw[42:46], "little"),
        }
        self._initial_seed = int.from_bytes(raw[1:9], "little")
        self._rng = np.random.Generator(bitgen)
        return self

    def __repr__(self) -> str:
        return f"<taeda.tensor.Generator device='{self._device}'>"

    # -- sampling primitives on this generator's device ------------------------------------------------------------

    def _uniform(self, shape: tuple[int, ...], dtype: DType) -> Any:
        """Uniform samples in [0, 1) of a real floating ``dtype``."""
        work = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)
        if self._device.type == "cpu":
            out = self._rng.random(shape, dtype=work)
        else:
            with self._device.xp.cuda.Device(self._device.index):
                out = self._rng.random_sample(shape, dtype=work)
        return out if work == dtype else out.astype(dtype)

    def _normal(self, shape: tuple[int, ...], dtype: DType) -> Any:
        """Standard normal samples of a real floating ``dtype``."""
        work = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)
        if self._device.type == "cpu":
            out = self._rng.standard_normal(shape, dtype=work)
        else:
            with self._device.xp.cuda.Device(self._device.index):
                out = self._rng.standard_normal(shape, dtype=work)
        return out if work == dtype else out.astype(dtype)

    def _integers(self, low: int, high: int, shape: tuple[int, ...]) -> Any:
        """Uniform int64 samples in [low, high)."""
        if self._device.type == "cpu":
            return self._rng.integers(low, high, shape, dtype=np.int64)
        with self._device.xp.cuda.Device(self._device.index):
            return self._rng.randint(low, high, shape, dtype=np.int64)

    def _permutation(self, n: int) -> Any:
        if self._device.type == "cpu":
            return self._rng.permutation(n)
        with self._device.xp.cuda.Device(self._device.index):
            return self._rng.permutation(n)


default_generator = Generator()
"""The generator used on the CPU when no ``generator=`` is given; seeded by ``manual_seed``."""

_cuda_generators: dict[int, Generator] = {}
_seed_state = {"seed": _DEFAULT_SEED}


def _default_for(dev: Device) -> Generator:
    if dev.type == "cpu":
        return default_generator
    index = _cuda.current_device() if dev.index is None else dev.index
    gen = _cuda_generators.get(index)
    if gen is None:
        gen = _cuda_generators[index] = Generator(Device("cuda", index)).manual_seed(_seed_state["seed"])
    return gen


def _resolve(generator: Generator | None, dev: Device) -> Generator:
    if generator is None:
        return _default_for(dev)
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a taeda.tensor.Generator, got {type(generator).__name__}")
    if generator.device.type != dev.type:
        raise RuntimeError(f"Expected a '{dev.type}' device type for generator but found '{generator.device.type}'")
    return generator


def manual_seed(seed: int) -> Generator:
    """Seed the default generators of every device; returns the CPU default generator.

    Example:
        >>> import taeda.tensor as tt
        >>> _ = tt.manual_seed(0); a = tt.randn(2)
        >>> _ = tt.manual_seed(0); bool((a == tt.randn(2)).all())
        True
    """
    s = _check_seed(seed)
    _seed_state["seed"] = s
    for gen in _cuda_generators.values():
        gen.manual_seed(s)
    return default_generator.manual_seed(s)


def seed() -> int:
    """Seed the default generators from the operating system's entropy; returns the seed.

    Example:
        >>> s = seed(); initial_seed() == s
        True
    """
    s = default_generator.seed()
    manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed of the default CPU generator.

    Example:
        >>> _ = manual_seed(7); initial_seed()
        7
    """
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default CPU generator's state as a uint8 tensor (see ``Generator.get_state``).

    Example:
        >>> s = get_rng_state(); a = rand(2); set_rng_state(s); bool((a == rand(2)).all())
        True
    """
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default CPU generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


# -- argument helpers ----------------------------------------------------------------------------------------------


def _shape(size: Sequence[Any], fname: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    if all(type(s) is int and s >= 0 for s in size):
        return tuple(size)
    try:
        shape = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"{fname}(): size must be ints or one tuple of ints, got {tuple(size)!r}") from None
    if any(s < 0 for s in shape):
        bad = next(s for s in shape if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {list(shape)}")
    return shape


def _device(device: Any) -> Device:
    return CPU if device is None else Device(device)


def _float_dtype(dtype: Any, fname: str) -> DType:
    dt = default_float() if dtype is None else to_dtype(dtype)
    if dt.kind not in "fc":
        raise RuntimeError(f"{fname}: expected a floating point dtype, got {torch_name(dt)}")
    return dt


def _floats(gen: Generator, shape: tuple[int, ...], dtype: DType, normal: bool) -> Any:
    draw = gen._normal if normal else gen._uniform
    if dtype.kind != "c":
        return draw(shape, dtype)
    real = np.dtype(np.float64 if dtype == np.complex128 else np.float32)
    pair = draw((*shape, 2), real)
    if normal:
        pair *= np.sqrt(0.5).astype(real)  # complex standard normal: E|z|^2 = 1, as PyTorch
    return pair.view(dtype).reshape(shape)


def _arr(x: Any) -> Any:
    return x._array


# -- sampling functions --------------------------------------------------------------------------------------------


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None) -> Tensor:
    """Uniform samples in ``[0, 1)`` of the given size (default float dtype).

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.rand(2, 3); x.shape, x.dtype
        (taeda.Size([2, 3]), dtype('float32'))
    """
    shape = _shape(size, "rand")
    dt = _float_dtype(dtype, "rand")
    dev = _device(device)
    return _wrap(_floats(_resolve(generator, dev), shape, dt, normal=False))


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None) -> Tensor:
    """Standard normal samples of the given size (default float dtype).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.randn((2, 3), dtype=tt.float64).dtype
        dtype('float64')
    """
    shape = _shape(size, "randn")
    dt = _float_dtype(dtype, "randn")
    dev = _device(device)
    return _wrap(_floats(_resolve(generator, dev), shape, dt, normal=True))


def _integer_array(gen: Generator, low: int, high: int, shape: tuple[int, ...], dt: DType) -> Any:
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if low < info.min or high - 1 > info.max:
            raise RuntimeError(f"randint: [{low}, {high}) is out of the range of {dt} ([{info.min}, {info.max}])")
    elif dt.kind == "b":
        if low < 0 or high > 2:
            raise RuntimeError(f"randint: [{low}, {high}) is out of the range of bool")
    elif dt.kind == "c":
        raise RuntimeError(f"randint: not implemented for {torch_name(dt)}")
    out = gen._integers(low, high, shape)
    return out if dt == int64 else out.astype(dt)


def randint(
    *args: Any,
    size: Any = None,
    low: int | None = None,
    high: int | None = None,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Integers drawn uniformly from ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``.

    The dtype defaults to int64.

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.randint(3, 10, (2, 2)); bool(((x >= 3) & (x < 10)).all()), x.dtype
        (True, dtype('int64'))
    """
    pos = list(args)
    if size is None and pos and isinstance(pos[-1], (tuple, list)):
        size = pos.pop()
    if len(pos) == 2:
        low, high = pos
    elif len(pos) == 1:
        if high is None:
            high = pos[0]
        else:
            low = pos[0]
    elif len(pos) > 2:
        raise TypeError(f"randint() takes low, high and size; got {len(args)} positional arguments")
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: it needs 'high' and 'size', as randint(low, high, size)")
    shape = _shape((size,), "randint")
    dt = int64 if dtype is None else to_dtype(dtype)
    lo, hi = operator.index(0 if low is None else low), operator.index(high)
    return _wrap(_integer_array(_resolve(generator, _device(device)), lo, hi, shape, dt))


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default).

    Example:
        >>> import taeda.tensor as tt
        >>> sorted(tt.randperm(5).tolist())
        [0, 1, 2, 3, 4]
    """
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dt = int64 if dtype is None else to_dtype(dtype)
    if dt.kind in "iuf" and n > 0 and n - 1 > (np.iinfo(dt).max if dt.kind != "f" else 2 ** (np.finfo(dt).nmant + 1)):
        raise RuntimeError(f"randperm: n={n} is too large for dtype {dt}")
    out = _resolve(generator, _device(device))._permutation(n)
    return _wrap(out if out.dtype == dt else out.astype(dt))


@taeda_function
def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Normal samples with the given mean and standard deviation (PyTorch's ``torch.normal`` overloads).

    ``mean`` and ``std`` are tensors (broadcast together) or numbers; with two numbers, ``size`` is required.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.normal(2.0, 3.0, size=(2, 3)).shape
        taeda.Size([2, 3])
        >>> tt.normal(tt.zeros(4), 1.0).shape
        taeda.Size([4])
    """
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError("normal(mean: float, std: float) needs size=, e.g. normal(0.0, 1.0, size=(2, 3))")
        if float(std) < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        shape = _shape((size,), "normal")
        dt = _float_dtype(dtype, "normal")
        z = _floats(_resolve(generator, _device(device)), shape, dt, normal=True)
        z *= std
        z += mean
        return _wrap(z)
    ref = mean if mt else std
    dev = ref.device
    if mt and st and mean.device != std.device:
        raise DeviceMismatchError(
            f"Expected all tensors to be on the same device, but found {mean.device} and {std.device}"
        )
    xp = dev.xp
    m = _arr(mean) if mt else mean
    s = _arr(std) if st else std
    dt = _arr(ref).dtype if dtype is None else to_dtype(dtype)
    if dt.kind not in "f":
        raise RuntimeError(f"normal expects floating point mean and std tensors, got {torch_name(dt)}")
    if bool(xp.any(xp.asarray(s) < 0)):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    shape = tuple(np.broadcast_shapes(np.shape(m), np.shape(s)))
    if size is not None and _shape((size,), "normal") != shape:
        raise RuntimeError(f"normal: size {tuple(size)} does not match the broadcast shape {shape} of mean and std")
    z = _resolve(generator, dev)._normal(shape, dt)
    z *= xp.asarray(s, dtype=dt)
    z += xp.asarray(m, dtype=dt)
    return _wrap(z)


def _check_probs(p: Any, xp: Any, fname: str) -> None:
    if not bool(xp.all((p >= 0) & (p <= 1))):
        raise RuntimeError(f"{fname}: expected all probabilities to be in [0, 1] (and not nan)")


@taeda_function
def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """Draw 0/1 values: ``1`` with probability ``input`` elementwise, or with probability ``p`` when given.

    The result has ``input``'s shape and dtype.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.bernoulli(tt.tensor([0.0, 1.0])).tolist()
        [0.0, 1.0]
    """
    arr = _arr(input)
    xp = input.device.xp
    if p is None:
        if arr.dtype.kind not in "f":
            raise RuntimeError(
                f"bernoulli: expected a floating point tensor of probabilities, got {torch_name(arr.dtype)}"
            )
        _check_probs(arr, xp, "bernoulli")
        probs: Any = arr
    else:
        if not 0.0 <= float(p) <= 1.0:
            raise RuntimeError(f"bernoulli: expected 0 <= p <= 1, but got p={p}")
        probs = float(p)
    u = _resolve(generator, input.device)._uniform(arr.shape, np.dtype(np.float64))
    return _wrap((u < probs).astype(arr.dtype))


@taeda_function
def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator: Generator | None = None
) -> Tensor:
    """Sample category indices from the rows of ``input`` (non-negative weights, 1-d or 2-d).

    Without replacement each row yields ``num_samples`` distinct indices. Returns int64 indices.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.multinomial(tt.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
        [1, 1]
    """
    arr = _arr(input)
    xp = input.device.xp
    if arr.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {arr.ndim} dims")
    if arr.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {torch_name(arr.dtype)}")
    k = operator.index(num_samples)
    n = arr.shape[-1]
    if k <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and k > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    w = arr.reshape(-1, n).astype(np.float64)
    rows = w.shape[0]
    if not bool(xp.all(xp.isfinite(w) & (w >= 0))):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if rows and n and not bool(xp.all(w.sum(axis=1) > 0)):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if n == 0:
        raise RuntimeError("multinomial: input must have at least one category")
    gen = _resolve(generator, input.device)
    if replacement:
        cdf = xp.cumsum(w, axis=1)
        cdf /= cdf[:, -1:]
        offsets = xp.arange(rows, dtype=np.float64)[:, None]
        u = gen._uniform((rows, k), np.dtype(np.float64))
        pos = xp.searchsorted((cdf + offsets).ravel(), (u + offsets).ravel(), side="right").reshape(rows, k)
        local = pos - xp.arange(rows, dtype=np.int64)[:, None] * n
        last_nonzero = n - 1 - xp.argmax(w[:, ::-1] > 0, axis=1)
        out = xp.minimum(local, last_nonzero[:, None]).astype(np.int64)
    else:
        if not bool(xp.all(xp.count_nonzero(w, axis=1) >= k)):
            raise RuntimeError(
                "invalid multinomial distribution (with replacement=False, not enough non-negative category to sample)"
            )
        # exponential race: the k categories whose Exp(1)/w_i arrive first, in order of arrival
        u = gen._uniform((rows, n), np.dtype(np.float64))
        with np.errstate(divide="ignore"):
            keys = -xp.log1p(-u) / w
        out = xp.argsort(keys, axis=1, kind="stable")[:, :k].astype(np.int64)
    return _wrap(out.reshape(*arr.shape[:-1], k))


def _like_args(input: Tensor, dtype: Any, device: Any) -> tuple[DType, Device]:
    return (input.dtype if dtype is None else to_dtype(dtype)), (input.device if device is None else Device(device))


@taeda_function
def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None) -> Tensor:
    """``rand`` with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.rand_like(tt.zeros(2, dtype=tt.float64)).dtype
        dtype('float64')
    """
    dt, dev = _like_args(input, dtype, device)
    return rand(tuple(input.shape), generator=generator, dtype=dt, device=dev)


@taeda_function
def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None) -> Tensor:
    """``randn`` with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.randn_like(tt.zeros(2, 3)).shape
        taeda.Size([2, 3])
    """
    dt, dev = _like_args(input, dtype, device)
    return randn(tuple(input.shape), generator=generator, dtype=dt, device=dev)


@taeda_function
def randint_like(
    input: Tensor,
    low: int = 0,
    high: int | None = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """``randint`` with the shape (and by default dtype and device) of ``input``: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``.

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.randint_like(tt.zeros(3, dtype=tt.int32), 5); x.dtype, bool((x < 5).all())
        (dtype('int32'), True)
    """
    if high is None:
        low, high = 0, low
    dt, dev = _like_args(input, dtype, device)
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dt, device=dev)


# -- in-place fills ------------------------------------------------------------------------------------------------


def _fill(t: Tensor, values: Any) -> Tensor:
    t._array[...] = values
    _bump(t)
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill ``t`` in place with samples uniform in ``[a, b)``; returns ``t``.

    Example:
        >>> import taeda.tensor as tt
        >>> x = tt.empty(3).uniform_(-1, 1); bool(((x >= -1) & (x < 1)).all())
        True
    """
    arr = t._array
    if arr.dtype.kind != "f":
        raise RuntimeError(f"uniform_: expected a real floating point tensor, got {torch_name(arr.dtype)}")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    work = np.dtype(np.float64 if arr.dtype == np.float64 else np.float32)
    u = _resolve(generator, t.device)._uniform(arr.shape, work)
    u *= b - a
    u += a
    return _fill(t, u)


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill ``t`` in place with normal samples of the given mean and standard deviation; returns ``t``.

    Example:
        >>> import taeda.tensor as tt
        >>> tt.zeros(2, 2).normal_(0.0, 0.01).shape
        taeda.Size([2, 2])
    """
    arr = t._array
    if arr.dtype.kind not in "fc":
        raise RuntimeError(f"normal_: expected a floating point tensor, got {torch_name(arr.dtype)}")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    z = _floats(_resolve(generator, t.device), arr.shape, arr.dtype, normal=True)
    z *= std
    z += mean
    return _fill(t, z)


def bernoulli_(t: Tensor, p: Any = 0.5, generator: Generator | None = None) -> Tensor:
    """Fill ``t`` in place with 0/1 values, 1 with probability ``p`` (a number or a broadcastable tensor).

    Example:
        >>> import taeda.tensor as tt
        >>> tt.empty(4, dtype=tt.int64).bernoulli_(1.0).tolist()
        [1, 1, 1, 1]
    """
    arr = t._array
    xp = t.device.xp
    probs = getattr(p, "_array", None)
    if probs is None:
        if not 0.0 <= float(p) <= 1.0:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        probs = float(p)
    else:
        _check_probs(probs, xp, "bernoulli_")
        try:
            ok = np.broadcast_shapes(probs.shape, arr.shape) == arr.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"bernoulli_: p of shape {tuple(probs.shape)} does not broadcast to the tensor's shape "
                f"{tuple(arr.shape)}"
            )
    u = _resolve(generator, t.device)._uniform(arr.shape, np.dtype(np.float64))
    return _fill(t, u < probs)
