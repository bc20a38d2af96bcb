"""Shared fixtures for the cross-package tests."""

from __future__ import annotations

from typing import Any

import pytest

import taeda.tensor as tt
from taeda.data import TensorDataset
from taeda.vision import datasets


@pytest.fixture(scope="session")
def digits() -> tuple[TensorDataset, TensorDataset]:
    """SyntheticDigits as normalised float tensors: 3,000 training and 600 held-out samples."""

    def as_tensors(ds: Any) -> TensorDataset:
        images = ds.data.float().div(255.0).sub(0.1307).div(0.3081).view(-1, 1, 28, 28)
        return TensorDataset(images, ds.targets.long())

    return as_tensors(datasets.SyntheticDigits(3000, seed=0)), as_tensors(datasets.SyntheticDigits(600, seed=1))


@pytest.fixture(autouse=True)
def _seed() -> None:
    tt.manual_seed(0)
