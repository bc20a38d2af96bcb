import taeda.autograd


def test_version() -> None:
    assert isinstance(taeda.autograd.__version__, str)
