import taeda.data


def test_version() -> None:
    assert isinstance(taeda.data.__version__, str)
