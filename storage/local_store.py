"""Object store on a local directory (single office PC, tests, air-gapped sites).

Objects live at ``root/<key>``. The SHA-256 recorded at upload time is kept in
``root/.sha256/<key>`` so that a later read can tell bit rot or a hand-edited
file from the original; keys can never start a segment with ``.``, so these
records cannot collide with objects. A key is written once (put if absent,
:meth:`LocalStore.put_file`): a stored object is never replaced by other bytes.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

from sohoa.storage.errors import ChecksumMismatch, ObjectExists, ObjectNotFound
from sohoa.storage.files import (
    atomic_output,
    commit,
    fsync_directory,
    read_chunks,
    sha256_file,
    stage_verified,
    write_verified,
)
from sohoa.storage.objects import StoredObject, check_key, check_sha256
from sohoa.storage.permissions import make_dir

log = logging.getLogger(__name__)

_CHECKSUM_DIR = ".sha256"


class LocalStore:
    """An :class:`~storage.objects.ObjectStore` on a directory tree."""

    def __init__(self, root: Path) -> None:
        if not root.is_absolute():
            raise ValueError(f"the local store root must be an absolute path, got {root}")
        self.root = root
        make_dir(root)

    def __repr__(self) -> str:
        return f"LocalStore({self.describe()!r})"

    def describe(self) -> str:
        return self.root.as_uri()

    def put_file(
        self, key: str, path: Path, sha256: str, content_type: str = "application/pdf"
    ) -> StoredObject:
        """Put ``path`` under ``key`` unless the key holds another object (put if absent).

        A key that holds an object with another SHA-256 is refused
        (:class:`ObjectExists`): a stored key is never overwritten. The same bytes
        again are fine (idempotent; a copy whose bytes rotted is replaced by them).
        The data is staged and verified, then made visible with ``link(2)``, which
        fails if the key exists, so of two writers racing for one key exactly one
        lands its bytes. The checksum record is written only by a writer whose bytes
        are the ones at the key, after they landed: a record never names bytes that
        are not there (absent, ``head`` hashes the file itself).
        """
        check_key(key)
        check_sha256(sha256)
        dest = self._path(key)
        existing = self.head(key)
        if existing is not None and existing.sha256 != sha256:
            raise self._exists(key, existing.sha256, sha256)
        with path.open("rb") as source:
            try:
                temp, _ = stage_verified(dest, read_chunks(source), sha256)
            except ChecksumMismatch:
                raise ChecksumMismatch(
                    f"{path} does not hash to the declared {sha256}; nothing stored under {key!r}"
                ) from None
        try:
            if existing is None:
                self._link_new(temp, key, sha256)
            else:  # the same object: put its verified bytes back (repairs bit rot)
                commit(temp, dest)
            self._write_checksum(key, sha256)
        finally:
            temp.unlink(missing_ok=True)
        stored = self._verify_landed(key, sha256)
        log.info(
            "object stored",
            extra={"object_key": key, "size": stored.size, "store": self.describe()},
        )
        return stored

    def _link_new(self, temp: Path, key: str, sha256: str) -> None:
        """Make ``temp`` visible under ``key`` only if nothing is there (atomic ``link``)."""
        dest = self._path(key)
        self._checksum_path(key).unlink(missing_ok=True)  # a stale record of a deleted object
        try:
            os.link(temp, dest)
        except FileExistsError:  # another writer landed first: same bytes, or refused
            actual = sha256_file(dest)
            if actual != sha256:
                raise self._exists(key, actual, sha256) from None
            return
        fsync_directory(dest.parent)

    def _exists(self, key: str, held: str, offered: str) -> ObjectExists:
        return ObjectExists(
            f"{key!r} in {self.describe()} already holds another object ({held[:12]}…, "
            f"not {offered[:12]}…); a stored object is never overwritten"
        )

    def get_to_file(self, key: str, dest: Path) -> StoredObject:
        expected = self.head(key)
        if expected is None:
            raise ObjectNotFound(f"no object {key!r} in {self.describe()}")
        with self._path(key).open("rb") as source:
            try:
                size = write_verified(dest, read_chunks(source), expected.sha256)
            except ChecksumMismatch as exc:
                raise ChecksumMismatch(
                    f"object {key!r} in {self.describe()} is corrupted: {exc}"
                ) from None
        return StoredObject(key=key, size=size, sha256=expected.sha256)

    def head(self, key: str) -> StoredObject | None:
        """Size from the file, SHA-256 from the record made at upload time.

        A file placed by hand without a record is hashed on the spot, which is
        the best truth available for it.
        """
        path = self._path(check_key(key))
        if not path.is_file():
            return None
        record = self._checksum_path(key)
        sha256 = record.read_text().strip() if record.is_file() else sha256_file(path)
        return StoredObject(key=key, size=path.stat().st_size, sha256=sha256)

    def delete(self, key: str) -> None:
        """Record first, then data: a crash in between leaves data without a record
        (hashed on reading), never a record without its data."""
        self._checksum_path(check_key(key)).unlink(missing_ok=True)
        self._path(key).unlink(missing_ok=True)

    def presign_get(self, key: str, expires: timedelta) -> str | None:
        """Local files cannot be handed out by URL; callers fall back to copying."""
        check_key(key)
        return None

    def _verify_landed(self, key: str, sha256: str) -> StoredObject:
        path = self._path(key)
        actual = sha256_file(path)
        if actual != sha256:
            raise ChecksumMismatch(f"{key!r} hashes to {actual} after writing, expected {sha256}")
        return StoredObject(key=key, size=path.stat().st_size, sha256=actual)

    def _write_checksum(self, key: str, sha256: str) -> None:
        with atomic_output(self._checksum_path(key)) as handle:
            handle.write(f"{sha256}\n".encode())

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def _checksum_path(self, key: str) -> Path:
        return self.root.joinpath(_CHECKSUM_DIR, *key.split("/"))
