"""The ``__taeda_function__`` protocol: every module-level function hands over to an overriding argument type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import taeda.tensor as tt


class Fake:
    """A tiny tensor-like wrapper, as an autograd Variable would be."""

    __slots__ = ("t",)

    def __init__(self, t: tt.Tensor) -> None:
        self.t = t

    def __taeda_function__(
        self, func: Callable[..., Any], types: tuple[type, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        def unwrap(x: Any) -> Any:
            if isinstance(x, Fake):
                return x.t
            if isinstance(x, (list, tuple)):
                return type(x)(unwrap(i) for i in x)
            return x

        result = func(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()})
        return Fake(result) if isinstance(result, tt.Tensor) else ("handled", func, result)


class Recorder:
    __slots__ = ()

    def __taeda_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return ("recorded", func, types, args, kwargs)


DISPATCHED = sorted(
    name for name in tt.__all__ if callable(getattr(tt, name)) and hasattr(getattr(tt, name), "__taeda_impl__")
)


def test_the_main_functions_are_dispatched() -> None:
    for name in (
        "sum",
        "mean",
        "cat",
        "stack",
        "matmul",
        "exp",
        "add",
        "where",
        "reshape",
        "view",
        "max",
        "gather",
        "clamp",
        "einsum",
        "softmax" if hasattr(tt, "softmax") else "sigmoid",
        "zeros_like",
        "norm",
        "sort",
    ):
        assert name in DISPATCHED, name
    assert len(DISPATCHED) > 150


@pytest.mark.parametrize("name", DISPATCHED)
def test_every_dispatched_function_hands_over(name: str) -> None:
    fn = getattr(tt, name)
    r = Recorder()
    out = fn(r)
    assert out[0] == "recorded" and out[1] is fn and out[2] == (Recorder,) and out[3] == (r,)
    out = fn([r])  # inside a list argument, as cat's
    assert out[0] == "recorded"


def test_fake_tensor_gets_its_own_type_back() -> None:
    x = Fake(tt.tensor([[1.0, 2.0], [3.0, 4.0]]))
    s = tt.sum(x)
    assert isinstance(s, Fake) and s.t.item() == 10.0
    assert isinstance(tt.exp(x), Fake)
    assert tt.matmul(x, tt.eye(2)).t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    c = tt.cat([x, tt.ones(1, 2)], dim=0)
    assert isinstance(c, Fake) and c.t.shape == (3, 2)
    m = tt.max(x, 1)
    assert m[0] == "handled" and m[2].values.tolist() == [2.0, 4.0]
    assert isinstance(tt.where(tt.tensor([True, False]), x, 0.0), Fake)
    assert isinstance(tt.add(tt.ones(2), 1, out=None), tt.Tensor)
    kw = tt.add(tt.ones(2), other=Recorder())  # keyword arguments are looked at too
    assert kw[0] == "recorded"


def test_not_implemented_tries_next_then_raises() -> None:
    calls: list[str] = []

    class Declines:
        def __taeda_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
            calls.append("declines")
            return NotImplemented

    class Accepts:
        def __taeda_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
            calls.append("accepts")
            return "ok"

    assert tt.add(Declines(), Accepts()) == "ok" and calls == ["declines", "accepts"]
    with pytest.raises(TypeError, match="no implementation"):
        tt.add(Declines(), Declines())


def test_subclass_goes_first() -> None:
    class Base:
        def __taeda_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
            return "base"

    class Child(Base):
        def __taeda_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
            return "child"

    assert tt.add(Base(), Child()) == "child"


def test_protocol_and_plain_types() -> None:
    assert isinstance(Fake(tt.ones(1)), tt.SupportsTaedaFunction)
    assert not isinstance(tt.ones(1), tt.SupportsTaedaFunction)
    assert tt.add(tt.ones(2), 1).tolist() == [2.0, 2.0]  # no override: the plain implementation

    class Plain:
        pass

    with pytest.raises(TypeError):
        tt.add(tt.ones(2), Plain())


def test_methods_reach_overrides_through_functions() -> None:
    x = Fake(tt.ones(2))
    r = tt.ones(2).add(x)  # Tensor.add calls the dispatched function
    assert isinstance(r, Fake) and r.t.tolist() == [2.0, 2.0]
