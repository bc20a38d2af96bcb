import taeda.vision


def test_version() -> None:
    assert isinstance(taeda.vision.__version__, str)
