"""Downloading and unpacking dataset files: mirrors in order, checksums, atomic writes, safe extraction.

- A file already present whose checksum matches is never downloaded again.
- Each download goes to a temporary name in the target folder and is renamed into place only once its MD5 (32 hex
  digits) or SHA-256 (64 hex digits) matches; a mismatch deletes it and raises :class:`ChecksumError` naming the
  file and both digests.
- Network failures move on to the next mirror; when every mirror fails, one :class:`DownloadError` lists them all.
- Archives are extracted only after verification and only their expected members (``tarfile`` ``filter="data"``).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Collection, Iterable, Sequence
from typing import IO, Any, Protocol

__all__ = [
    "ChecksumError",
    "DownloadError",
    "calculate_digest",
    "calculate_md5",
    "check_integrity",
    "download_file",
    "download_url",
    "extract_archive",
]

_CHUNK = 1 << 20
USER_AGENT = "taeda-vision"


class DownloadError(RuntimeError):
    """Every mirror failed to deliver a file; the message lists each URL tried and its error."""


class ChecksumError(RuntimeError):
    """A downloaded (or present) file's digest differs from the published one."""


def _hasher(expected: str | None) -> Any:
    if expected is not None and len(expected) == 64:
        return hashlib.sha256()
    return hashlib.md5(usedforsecurity=False)


def calculate_digest(path: str | os.PathLike[str], expected: str | None = None) -> str:
    """Hex digest of a file: SHA-256 when ``expected`` has 64 hex digits, else MD5."""
    h = _hasher(expected)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return str(h.hexdigest())


def calculate_md5(path: str | os.PathLike[str]) -> str:
    """MD5 hex digest of a file.

    Example:
        >>> calculate_md5("MNIST/raw/t10k-labels-idx1-ubyte.gz")  # doctest: +SKIP
        'ec29112dd5afa0611ce80d1b7f02629c'
    """
    return calculate_digest(path)


def check_integrity(path: str | os.PathLike[str], checksum: str | None = None) -> bool:
    """True when the file exists and (if ``checksum`` is given) its MD5/SHA-256 matches."""
    if not os.path.isfile(path):
        return False
    return checksum is None or calculate_digest(path, checksum) == checksum.lower()


class _Bar(Protocol):
    def update(self, n: int) -> object: ...
    def close(self) -> object: ...


class _PlainBar:
    """A progress line on stderr for machines without tqdm."""

    def __init__(self, total: int | None, desc: str, stream: IO[str]) -> None:
        self.total, self.desc, self.stream, self.done, self.last = total, desc, stream, 0, 0.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= 0.2:
            self.last = now
            self._draw()

    def _draw(self) -> None:
        mb = self.done / 1e6
        if self.total:
            line = f"\r{self.desc}: {100 * self.done / self.total:5.1f}% ({mb:.1f}/{self.total / 1e6:.1f} MB)"
        else:
            line = f"\r{self.desc}: {mb:.1f} MB"
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        self._draw()
        self.stream.write("\n")
        self.stream.flush()


class _NoBar:
    def update(self, n: int) -> None:
        return None

    def close(self) -> None:
        return None


def _progress_bar(total: int | None, desc: str, enabled: bool) -> _Bar:
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _PlainBar(total, desc, sys.stderr)
    bar: _Bar = tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr)
    return bar


def _fetch(url: str, out: IO[bytes], hasher: Any, desc: str, progress: bool, timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = _progress_bar(total, desc, progress)
        try:
            received = 0
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                hasher.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
        finally:
            bar.close()
        if total is not None and received != total:
            raise urllib.error.URLError(f"connection closed after {received} of {total} bytes")


def download_file(
    urls: str | Sequence[str],
    path: str | os.PathLike[str],
    checksum: str | None = None,
    *,
    progress: bool = True,
    timeout: float = 60.0,
) -> str:
    """Download ``path`` from the first of ``urls`` that answers, verify it and move it into place atomically.

    Returns the path. A present file with the right checksum is kept as is. Raises :class:`ChecksumError` (file
    deleted, both digests named) or :class:`DownloadError` (every URL failed; all are listed).

    Example:
        >>> md5 = "ec29112dd5afa0611ce80d1b7f02629c"
        >>> download_file(["https://example.org/a.gz"], "data/a.gz", md5)  # doctest: +SKIP
    """
    target = os.fspath(path)
    expected = None if checksum is None else checksum.lower()
    if check_integrity(target, expected):
        return target
    folder = os.path.dirname(os.path.abspath(target))
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(target)
    tried: list[str] = []
    for url in [urls] if isinstance(urls, str) else urls:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
        hasher = _hasher(expected)
        try:
            with os.fdopen(fd, "wb") as out:
                _fetch(url, out, hasher, name, progress, timeout)
        except (urllib.error.URLError, OSError, ValueError) as e:  # HTTPError is a URLError; ValueError: bad URL
            os.unlink(tmp)
            tried.append(f"{url} ({e})")
            continue
        except BaseException:
            os.unlink(tmp)
            raise
        digest = str(hasher.hexdigest())
        if expected is not None and digest != expected:
            os.unlink(tmp)
            if os.path.exists(target):
                os.unlink(target)
            kind = "SHA-256" if len(expected) == 64 else "MD5"
            raise ChecksumError(
                f"{target}: {kind} mismatch for the file downloaded from {url}: expected {expected}, got {digest}; "
                "the file was deleted"
            )
        os.replace(tmp, target)
        return target
    listing = "\n  ".join(tried) if tried else "(no mirrors given)"
    raise DownloadError(f"could not download {name}; every mirror failed:\n  {listing}")


def download_url(
    url: str,
    root: str | os.PathLike[str],
    filename: str | None = None,
    md5: str | None = None,
    *,
    mirrors: Iterable[str] = (),
    progress: bool = True,
) -> str:
    """torchvision's ``download_url``: fetch ``url`` into ``root/filename``; ``mirrors`` are base URLs tried next."""
    name = filename or os.path.basename(url.rstrip("/"))
    urls = [url, *(m.rstrip("/") + "/" + name for m in mirrors)]
    return download_file(urls, os.path.join(os.fspath(root), name), md5, progress=progress)


def _safe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not name.startswith(("/", "\\")) and ".." not in parts and ":" not in parts[0]


def extract_archive(
    from_path: str | os.PathLike[str],
    to_path: str | os.PathLike[str] | None = None,
    members: Collection[str] | None = None,
    *,
    strip_prefix: str = "",
) -> list[str]:
    """Extract a ``.tar[.gz|.bz2|.xz]``, ``.zip`` or single-file ``.gz`` archive; returns the extracted paths.

    Only ``members`` (archive names) are extracted when given, and each must be present; tar members go through
    ``filter="data"`` (no links out of the folder, no devices, no absolute paths), zip members are checked the same
    way. ``strip_prefix`` is removed from zip member names (EMNIST's ``gzip/`` folder).

    Example:
        >>> extract_archive("cifar-10-python.tar.gz", "data", ["cifar-10-batches-py/test_batch"])  # doctest: +SKIP
    """
    src = os.fspath(from_path)
    dest = os.fspath(to_path) if to_path is not None else os.path.dirname(src)
    os.makedirs(dest, exist_ok=True)
    wanted = None if members is None else set(members)
    if zipfile.is_zipfile(src):
        out = []
        with zipfile.ZipFile(src) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/") and (wanted is None or n in wanted)]
            _require(src, wanted, names)
            for n in names:
                rel = n[len(strip_prefix) :] if strip_prefix and n.startswith(strip_prefix) else n
                if not _safe_name(rel):
                    raise RuntimeError(f"{src}: refusing unsafe member name {n!r}")
                target = os.path.join(dest, rel)
                os.makedirs(os.path.dirname(target) or dest, exist_ok=True)
                with zf.open(n) as fin, open(target + ".part", "wb") as fout:
                    shutil.copyfileobj(fin, fout, _CHUNK)
                os.replace(target + ".part", target)
                out.append(target)
        return out
    if tarfile.is_tarfile(src):
        with tarfile.open(src, "r:*") as tf:
            chosen = [m for m in tf.getmembers() if wanted is None or m.name in wanted]
            _require(src, wanted, [m.name for m in chosen])
            tf.extractall(dest, members=chosen, filter="data")
            return [os.path.join(dest, m.name) for m in chosen if m.isfile()]
    if src.endswith(".gz"):
        target = os.path.join(dest, os.path.basename(src)[:-3])
        with gzip.open(src, "rb") as fin, open(target + ".part", "wb") as fout:
            shutil.copyfileobj(fin, fout, _CHUNK)
        os.replace(target + ".part", target)
        return [target]
    raise RuntimeError(f"{src}: not a tar, zip or gzip archive")


def _require(src: str, wanted: set[str] | None, found: Iterable[str]) -> None:
    if wanted is not None:
        missing = sorted(wanted - set(found))
        if missing:
            raise RuntimeError(f"{src}: archive lacks expected members {missing}")
