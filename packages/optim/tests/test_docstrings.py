"""The examples in the update functions' docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

MODULES = [
    "sgd",
    "adam",
    "rmsprop",
    "adagrad",
    "adadelta",
    "adamax",
    "nadam",
    "radam",
    "rprop",
    "asgd",
    "adafactor",
    "muon",
    "_line_search",
    "optimizer",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"taeda.optim.{name}")
    result = doctest.testmod(module, extraglobs={"np": np})
    assert result.attempted > 0
    assert result.failed == 0
