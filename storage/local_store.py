"""Object store on a local directory (single office PC, tests, air-gapped sites).

Objects live at ``root/<key>``. The SHA-256 recorded at upload time is kept in
``root/.sha256/<key>`` so that a later read can tell bit rot or a hand-edited
file from the original; keys can never start a segment with ``.``, so these
records cannot collide with objects.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from storage.errors import ChecksumMismatch, ObjectNotFound
from storage.files import (
    atomic_output,
    commit,
    read_chunks,
    sha256_file,
    stage_verified,
    write_verified,
)
from storage.objects import StoredObject, check_key, check_sha256
from storage.permissions import make_dir

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
        """Stage and verify a copy of ``path``, then make it visible with a rename.

        The checksum record is replaced just before the data: a crash between
        the two renames leaves a record that disagrees with the old file, which
        ``get_to_file`` reports as a mismatch instead of silently serving stale
        bytes. What landed is re-hashed before success is reported.
        """
        check_key(key)
        check_sha256(sha256)
        dest = self._path(key)
        with path.open("rb") as source:
            try:
                temp, _ = stage_verified(dest, read_chunks(source), sha256)
            except ChecksumMismatch:
                raise ChecksumMismatch(
                    f"{path} does not hash to the declared {sha256}; nothing stored under {key!r}"
                ) from None
        try:
            self._write_checksum(key, sha256)
            commit(temp, dest)
        finally:
            temp.unlink(missing_ok=True)
        stored = self._verify_landed(key, sha256)
        log.info(
            "object stored",
            extra={"object_key": key, "size": stored.size, "store": self.describe()},
        )
        return stored

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
        self._path(check_key(key)).unlink(missing_ok=True)
        self._checksum_path(key).unlink(missing_ok=True)

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
