"""Local file helpers shared by the object stores: hashing and atomic writes.

Every write that ends under a final name goes through a temporary file in the
same directory plus ``os.replace`` so that a crash or a failed checksum never
leaves a half-written file where a reader expects a whole one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from sohoa.storage.errors import ChecksumMismatch
from sohoa.storage.permissions import file_mode, make_dir

CHUNK_SIZE = 1024 * 1024


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large scans do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """Yield a binary stream in fixed-size chunks until it is exhausted."""
    yield from iter(lambda: handle.read(CHUNK_SIZE), b"")


@contextlib.contextmanager
def atomic_output(dest: Path) -> Iterator[BinaryIO]:
    """Open a temp file next to ``dest``; on clean exit fsync it and move it over ``dest``.

    If the block raises, the temp file is removed and ``dest`` is untouched.
    """
    make_dir(dest.parent)
    fd, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    temp = Path(temp_name)
    os.fchmod(fd, file_mode())  # 0600 from mkstemp, or 0640 for a service group
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    commit(temp, dest)


def stage_verified(dest: Path, chunks: Iterable[bytes], expected_sha256: str) -> tuple[Path, int]:
    """Write ``chunks`` to a durable temp file next to ``dest`` and check their SHA-256.

    Returns the temp path and size; the caller decides when to :func:`commit`
    it, so other bookkeeping can happen between verification and visibility.
    The digest is computed while writing, so the bytes are read only once.
    """
    make_dir(dest.parent)
    fd, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    temp = Path(temp_name)
    os.fchmod(fd, file_mode())  # 0600 from mkstemp, or 0640 for a service group
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if digest.hexdigest() != expected_sha256:
            raise ChecksumMismatch(
                f"bytes hash to {digest.hexdigest()}, expected {expected_sha256}; "
                f"{dest} was not written"
            )
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp, size


def commit(temp: Path, dest: Path) -> None:
    """Make a staged file visible under its final name, durably."""
    os.replace(temp, dest)
    fsync_directory(dest.parent)


def write_verified(dest: Path, chunks: Iterable[bytes], expected_sha256: str) -> int:
    """Atomically write ``chunks`` to ``dest`` only if they hash to ``expected_sha256``."""
    temp, size = stage_verified(dest, chunks, expected_sha256)
    commit(temp, dest)
    return size


def fsync_directory(directory: Path) -> None:
    """Persist a rename: without this a power cut can forget an ``os.replace``."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
