import taeda.tensor


def test_version() -> None:
    assert isinstance(taeda.tensor.__version__, str)
