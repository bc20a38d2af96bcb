"""The examples in the docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "taeda.vision",
    "taeda.vision.datasets.fakedata",
    "taeda.vision.datasets.synthetic",
    "taeda.vision.datasets.utils",
    "taeda.vision.transforms.functional",
    "taeda.vision.transforms.transforms",
    "taeda.vision.utils",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0 and result.attempted > 0
