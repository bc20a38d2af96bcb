import taeda.optim


def test_version() -> None:
    assert isinstance(taeda.optim.__version__, str)
