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


ISSUE_FUNCTIONS = [
    "add",
    "sub",
    "mul",
    "div",
    "true_divide",
    "floor_divide",
    "remainder",
    "fmod",
    "pow",
    "neg",
    "abs",
    "sign",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "rsqrt",
    "square",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "tanh",
    "sigmoid",
    "erf",
    "erfc",
    "erfinv",
    "lgamma",
    "digamma",
    "floor",
    "ceil",
    "round",
    "trunc",
    "frac",
    "clamp",
    "clip",
    "maximum",
    "minimum",
    "lerp",
    "where",
    "isnan",
    "isinf",
    "isfinite",
    "nan_to_num",
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "std",
    "var",
    "norm",
    "logsumexp",
    "cumsum",
    "cumprod",
    "all",
    "any",
    "median",
    "mode",
    "count_nonzero",
    "sort",
    "argsort",
    "topk",
    "kthvalue",
    "unique",
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "outer",
    "einsum",
    "tensordot",
    "inverse",
    "det",
    "view",
    "reshape",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "transpose",
    "t",
    "permute",
    "movedim",
    "expand",
    "repeat",
    "tile",
    "flip",
    "roll",
    "narrow",
    "select",
    "unbind",
    "chunk",
    "split",
    "tensor_split",
    "cat",
    "concat",
    "stack",
    "hstack",
    "vstack",
    "tril",
    "triu",
    "diag",
    "diagonal",
    "masked_fill",
    "index_select",
    "gather",
    "scatter",
    "scatter_add",
    "take",
    "nonzero",
    "masked_select",
    "empty",
    "zeros",
    "ones",
    "full",
    "eye",
    "arange",
    "linspace",
    "logspace",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "rand_like",
    "randn_like",
    "randint_like",
    "manual_seed",
    "seed",
    "save",
    "load",
    "get_default_dtype",
    "set_default_dtype",
    "tensor",
    "as_tensor",
    "from_numpy",
]

NO_METHOD = {
    "einsum",
    "tensordot",
    "cat",
    "concat",
    "stack",
    "hstack",
    "vstack",
    "where",
    "empty",
    "zeros",
    "ones",
    "full",
    "eye",
    "arange",
    "linspace",
    "logspace",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "multinomial",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "rand_like",
    "randn_like",
    "randint_like",
    "manual_seed",
    "seed",
    "save",
    "load",
    "get_default_dtype",
    "set_default_dtype",
    "tensor",
    "as_tensor",
    "from_numpy",
    "bernoulli",
}
METHODS_ONLY = [
    "view",
    "expand_as",
    "view_as",
    "reshape_as",
    "type",
    "to",
    "float",
    "double",
    "half",
    "long",
    "int",
    "bool",
    "cpu",
    "cuda",
    "element_size",
    "numpy",
    "tolist",
    "item",
    "contiguous",
    "is_contiguous",
    "clone",
    "dim",
    "numel",
    "size",
    "zero_",
    "fill_",
    "copy_",
    "add_",
    "sub_",
    "mul_",
    "div_",
    "clamp_",
    "uniform_",
    "normal_",
    "masked_fill_",
    "addcmul_",
    "addcdiv_",
    "lerp_",
    "sqrt_",
    "T",
    "mT",
]


def test_the_issue_api_is_complete() -> None:
    missing = [n for n in ISSUE_FUNCTIONS if not callable(getattr(tt, n, None))]
    assert not missing, missing
    no_method = [n for n in ISSUE_FUNCTIONS if n not in NO_METHOD and not hasattr(tt.Tensor, n)]
    assert not no_method, no_method
    assert not [n for n in METHODS_ONLY if not hasattr(tt.Tensor, n)]
