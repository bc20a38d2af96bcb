from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any, NamedTuple

import numpy as np
import pytest

import taeda.tensor as tt
from taeda.data import default_collate, default_convert

Point = namedtuple("Point", ["x", "y"])


class Pair(NamedTuple):
    image: Any
    label: int


def arr(t: Any) -> np.ndarray[Any, Any]:
    assert isinstance(t, tt.Tensor)
    return np.asarray(t.array)


def test_tensors_stack_along_new_dim() -> None:
    batch = [tt.from_numpy(np.full((2, 3), i, np.float32)) for i in range(4)]
    out = default_collate(batch)
    assert out.shape == (4, 2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(arr(out)[:, 0, 0], [0, 1, 2, 3])


def test_ndarrays_become_tensors() -> None:
    out = default_collate([np.arange(3, dtype=np.int16), np.arange(3, dtype=np.int16) + 1])
    assert out.dtype == np.int16 and out.shape == (2, 3)
    np.testing.assert_array_equal(arr(out), [[0, 1, 2], [1, 2, 3]])
    # non-contiguous inputs are fine
    base = np.arange(12.0).reshape(3, 4)
    out2 = default_collate([base[:, ::2], base[:, 1::2]])
    np.testing.assert_array_equal(arr(out2), [base[:, ::2], base[:, 1::2]])


def test_numpy_scalars_keep_their_dtype() -> None:
    out = default_collate([np.float32(1.5), np.float32(2.5)])
    assert out.dtype == np.float32 and arr(out).tolist() == [1.5, 2.5]
    out0 = default_collate([np.array(3, np.int8), np.array(4, np.int8)])
    assert out0.dtype == np.int8 and out0.shape == (2,)


def test_python_numbers() -> None:
    i = default_collate([1, 2, 3])
    f = default_collate([1.0, 2.5])
    b = default_collate([True, False])
    assert i.dtype == np.int64 and arr(i).tolist() == [1, 2, 3]
    assert f.dtype == np.float64 and arr(f).tolist() == [1.0, 2.5]
    assert b.dtype == np.bool_ and arr(b).tolist() == [True, False]


def test_strings_and_bytes_stay_lists() -> None:
    assert default_collate(["a", "bc"]) == ["a", "bc"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]
    assert default_collate([np.str_("x"), np.str_("y")]) == ["x", "y"]


def test_dicts_recursive_and_type_preserved() -> None:
    batch = [OrderedDict(a=np.zeros(2), b={"c": i, "s": str(i)}) for i in range(3)]
    out = default_collate(batch)
    assert type(out) is OrderedDict and list(out) == ["a", "b"]
    assert out["a"].shape == (3, 2)
    assert arr(out["b"]["c"]).tolist() == [0, 1, 2] and out["b"]["s"] == ["0", "1", "2"]


def test_tuples_become_lists_and_lists_stay_lists() -> None:
    out = default_collate([(1, 2.0), (3, 4.0)])
    assert isinstance(out, list) and len(out) == 2
    assert arr(out[0]).tolist() == [1, 3] and arr(out[1]).tolist() == [2.0, 4.0]
    out2 = default_collate([[np.ones(2), "a"], [np.zeros(2), "b"]])
    assert (
        isinstance(out2, list) and out2[0].shape == (2, 2) and out2[1] == ("a", "b")
    )  # as PyTorch: the transposed tuple


def test_namedtuples_keep_their_type() -> None:
    out = default_collate([Point(1, np.ones(2)), Point(2, np.zeros(2))])
    assert type(out) is Point and arr(out.x).tolist() == [1, 2] and out.y.shape == (2, 2)
    out2 = default_collate([Pair(tt.from_numpy(np.zeros((1, 2, 2), np.float32)), 7)] * 3)
    assert type(out2) is Pair and out2.image.shape == (3, 1, 2, 2) and arr(out2.label).tolist() == [7, 7, 7]


def test_deeply_nested() -> None:
    sample = {"x": [(np.float32(1), {"y": np.zeros((2, 2), np.uint8)})], "n": Point("p", 1.0)}
    out = default_collate([sample, sample])
    assert out["x"][0][0].dtype == np.float32 and out["x"][0][1]["y"].shape == (2, 2, 2)
    assert out["n"].x == ("p", "p") and out["n"].y.dtype == np.float64


def test_inconsistent_shapes_name_both_shapes() -> None:
    with pytest.raises(RuntimeError, match=r"\[2, 3\] at entry 0 and \[2, 4\] at entry 1"):
        default_collate([np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(RuntimeError, match=r"\[3\] at entry 0 and \[2\] at entry 2"):
        default_collate([tt.from_numpy(np.zeros(3)), tt.from_numpy(np.zeros(3)), tt.from_numpy(np.zeros(2))])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])


def test_unsupported_types_raise() -> None:
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found object"):
        default_collate([np.array([None, 1], dtype=object)] * 2)


def test_default_convert() -> None:
    out = default_convert({"a": np.arange(3), "b": (np.zeros(2), "s"), "c": 5, "p": Point(np.ones(1), 2)})
    assert isinstance(out["a"], tt.Tensor) and out["a"].shape == (3,)
    assert isinstance(out["b"], list) and isinstance(out["b"][0], tt.Tensor) and out["b"][1] == "s"
    assert out["c"] == 5 and type(out["p"]) is Point and isinstance(out["p"].x, tt.Tensor)
    assert default_convert("abc") == "abc"
    obj = np.array(["a"], dtype=object)
    assert default_convert(obj) is obj
    t = tt.from_numpy(np.zeros(1))
    assert default_convert(t) is t
    assert isinstance(default_convert(np.float32(2)), tt.Tensor)


@pytest.mark.torch
def test_matches_torch_default_collate() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as tcollate

    batch = [{"a": np.full(3, i, np.float32), "b": (i, float(i), "s"), "c": Point(i, True)} for i in range(4)]
    ours, theirs = default_collate(batch), tcollate(batch)
    np.testing.assert_array_equal(arr(ours["a"]), theirs["a"].numpy())
    assert type(ours["b"]) is type(theirs["b"]) is list
    for o, t in zip(ours["b"][:2], theirs["b"][:2]):
        assert str(o.dtype) == str(t.dtype).replace("torch.", "") and arr(o).tolist() == t.tolist()
    assert ours["b"][2] == theirs["b"][2]
    assert type(ours["c"]) is type(theirs["c"]) is Point and arr(ours["c"].y).tolist() == theirs["c"].y.tolist()
