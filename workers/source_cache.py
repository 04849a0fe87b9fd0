"""A worker's local copies of sources, fetched from the store once and verified.

Every page of a document needs the source file; downloading it per page would
multiply the traffic by the page count, so each worker keeps the last few by
SHA-256 (content-addressed: a cached file is never stale).
"""

from __future__ import annotations

import threading
from pathlib import Path

from sohoa.storage.errors import ChecksumMismatch
from sohoa.storage.objects import ObjectStore

DEFAULT_KEEP = 8


class SourceCache:
    def __init__(self, store: ObjectStore, directory: Path, keep: int = DEFAULT_KEEP) -> None:
        self.store = store
        self.directory = directory
        self.keep = keep
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)

    def fetch(self, key: str, sha256: str) -> Path:
        """The local path of ``key``, whose bytes hash to ``sha256`` (downloaded if needed)."""
        path = self.directory / sha256
        with self._lock:
            if path.is_file():
                path.touch()
                return path
            got = self.store.get_to_file(key, path)
            if got.sha256 != sha256:
                path.unlink(missing_ok=True)
                raise ChecksumMismatch(f"{key}: expected {sha256}, the store has {got.sha256}")
            self._prune(keep=path)
            return path

    def _prune(self, keep: Path) -> None:
        files = [p for p in self.directory.iterdir() if p.is_file() and p != keep]
        files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[self.keep - 1 :]:
            old.unlink(missing_ok=True)
