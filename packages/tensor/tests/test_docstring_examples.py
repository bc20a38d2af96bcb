"""The examples in the docstrings of taeda.tensor's core modules run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "taeda.tensor",
    "taeda.tensor._checks",
    "taeda.tensor._creation",
    "taeda.tensor._device",
    "taeda.tensor._dispatch",
    "taeda.tensor._dtype",
    "taeda.tensor._errors",
    "taeda.tensor._ops_index",
    "taeda.tensor._ops_math",
    "taeda.tensor._ops_matmul",
    "taeda.tensor._ops_quantile",
    "taeda.tensor._ops_reduce",
    "taeda.tensor._ops_shape",
    "taeda.tensor._ops_sort",
    "taeda.tensor._ops_special",
    "taeda.tensor._ops_split",
    "taeda.tensor._select",
    "taeda.tensor._size",
    "taeda.tensor._threads",
    "taeda.tensor._tensor",
    "taeda.tensor.cuda",
    "taeda.tensor.special",
    "taeda.tensor.linalg._cond",
    "taeda.tensor.linalg._lstsq",
    "taeda.tensor.linalg._lu",
    "taeda.tensor.linalg._products",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
