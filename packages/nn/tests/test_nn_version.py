import taeda.nn


def test_version() -> None:
    assert isinstance(taeda.nn.__version__, str)
