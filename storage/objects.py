"""The object store interface shared by the local directory and S3 backends.

Workers only ever see :class:`ObjectStore`, so an office can start on a local
disk and move to a bucket without touching the pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StoredObject:
    """What a store holds under a key: its size in bytes and hex SHA-256."""

    key: str
    size: int
    sha256: str


class ObjectStore(Protocol):
    """A flat key → bytes store that never exposes partial or unverified objects."""

    def put_file(
        self, key: str, path: Path, sha256: str, content_type: str = "application/pdf"
    ) -> StoredObject:
        """Upload ``path`` under ``key`` after checking it hashes to ``sha256``; idempotent."""
        ...

    def get_to_file(self, key: str, dest: Path) -> StoredObject:
        """Download ``key`` atomically to ``dest``, verifying its SHA-256 while writing."""
        ...

    def head(self, key: str) -> StoredObject | None:
        """Size and recorded SHA-256 of ``key``, or None when it does not exist."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; deleting a missing key is not an error."""
        ...

    def presign_get(self, key: str, expires: timedelta) -> str | None:
        """A time-limited download URL, or None when the backend cannot make one."""
        ...

    def describe(self) -> str:
        """Where the objects live, for humans and logs; never contains credentials."""
        ...


def check_key(key: str) -> str:
    """Reject keys that could escape a directory or hide among our temp files.

    Keys are relative, ``/``-separated, with no empty, ``.`` or ``..`` segment
    and no segment starting with ``.`` (temp files and checksum records use
    that namespace in the local store).
    """
    segments = key.split("/")
    problems = [
        (not key, "it is empty"),
        (key.startswith("/"), "it is absolute"),
        ("\\" in key or "\x00" in key, "it contains a backslash or NUL"),
        (any(not s or s.startswith(".") for s in segments), "a segment is empty or starts with ."),
    ]
    for failed, reason in problems:
        if failed:
            raise ValueError(f"invalid object key {key!r}: {reason}")
    return key


def check_sha256(sha256: str) -> str:
    """Insist on lowercase hex so that string comparison means digest comparison."""
    if not _SHA256_HEX.match(sha256):
        raise ValueError(f"expected a lowercase hex SHA-256 (64 chars), got {sha256!r}")
    return sha256
