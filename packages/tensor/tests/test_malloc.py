"""The glibc allocator tuning: applied on import where glibc exists, off with ``TAEDA_MALLOC_TUNING=0``, and it
removes the page faults of a multi-MB allocate/free churn (checked in fresh interpreters)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_CHURN = """
import resource, sys
import numpy as np
import taeda.tensor as tt
from taeda.tensor import _malloc
def step():
    a = [np.ones(4 << 20, np.float32) for _ in range(3)]  # three 16 MB buffers, touched, then freed together
    del a
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print(_malloc.ALLOCATOR_TUNED, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) // 10)
"""


def _glibc() -> bool:
    try:
        return sys.platform.startswith("linux") and (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError):
        return False


needs_glibc = pytest.mark.skipif(not _glibc(), reason="the allocator tuning applies to Linux with glibc only")


def _run(env_value: str | None) -> tuple[bool, int]:
    env = dict(os.environ)
    env.pop("TAEDA_MALLOC_TUNING", None)
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    if env_value is not None:
        env["TAEDA_MALLOC_TUNING"] = env_value
    out = subprocess.run([sys.executable, "-c", _CHURN], env=env, capture_output=True, text=True, check=True)
    tuned, faults = out.stdout.split()
    return tuned == "True", int(faults)


@needs_glibc
def test_tuning_is_on_by_default_and_removes_the_churn_faults() -> None:
    tuned, faults = _run(None)
    off, faults_off = _run("0")
    assert tuned and not off
    assert faults_off > 1000  # glibc's defaults: the 48 MB go back to the OS and fault in again every step
    assert faults < 50, faults  # tuned: the same memory is reused


def test_switch_off_changes_nothing() -> None:
    tuned, _ = _run("0")
    assert not tuned
