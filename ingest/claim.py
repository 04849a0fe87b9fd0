"""Taking a file out of a hot folder so that exactly one watcher processes it.

The claim is an ``os.rename`` into the folder's ``.processing/`` directory: atomic
on one filesystem, so when two watchers race for a file one rename succeeds and
the other gets FileNotFoundError and moves on. The winner then holds an
exclusive ``flock`` on the file while it works; a watcher starting after a crash
re-claims leftovers only when it can take that lock, i.e. when nobody holds it.

The claimed name is ``<token>--<name>``; a name too long for that prefix is cut
(ingest.names) and the original is kept in the sidecar ``.<token>.name``, written
before the rename so a crash never loses it.

A file handed over to a job (picked at the counter page) stays in ``.processing/``
until its job has ended, with the job's id in the sidecar ``.<token>.job``; no lock is
held meanwhile (the job may outlive the process), so recovery leaves such a file to
whoever settles it from the job's end (web.hot_folders), never taking it up again.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sohoa.ingest.names import fit_name

log = logging.getLogger(__name__)

#: Names scanners and copy tools use while a file is still being written.
_PARTIAL_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp")
_SEPARATOR = "--"


@dataclass
class Claim:
    """A file this process owns until it calls :meth:`release`."""

    path: Path
    original_name: str
    _handle: IO[bytes] | None = field(default=None, repr=False)

    def release(self) -> None:
        """Drop the lock once the file has left .processing (or gone back); its name
        sidecar, if any, is no longer needed."""
        if self._handle is not None:
            self._handle.close()  # closing drops the flock
            self._handle = None
        if not self.path.exists():
            _sidecar(self.path).unlink(missing_ok=True)
            _job_note(self.path).unlink(missing_ok=True)


def is_candidate(path: Path) -> bool:
    """A finished-looking scan: not hidden, not a temporary or partial name, a regular file."""
    name = path.name
    if name.startswith(".") or name.startswith("~") or name.endswith("~"):
        return False
    if name.lower().endswith(_PARTIAL_SUFFIXES):
        return False
    return path.is_file()


def candidates(folder: Path) -> list[Path]:
    """Files waiting in a hot folder (sub-folders such as done/ are not looked into)."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    return sorted(Path(e.path) for e in entries if is_candidate(Path(e.path)))


def claim(path: Path, processing_dir: Path) -> Claim | None:
    """Move ``path`` into ``processing_dir`` under a unique name; None if another watcher won."""
    processing_dir.mkdir(exist_ok=True)
    target = _claimed_name(processing_dir, path.name)
    try:
        os.rename(path, target)
    except FileNotFoundError:
        _sidecar(target).unlink(missing_ok=True)
        return None
    return _lock(target, path.name)


def claimed_files(processing_dir: Path) -> list[Path]:
    """The files taken into ``processing_dir`` (sorted), whoever took them; none if it is absent."""
    if not processing_dir.is_dir():
        return []
    return sorted(p for p in processing_dir.iterdir() if _is_claimed(p))


def recover(processing_dir: Path) -> list[Claim]:
    """Files a crashed watcher left in ``processing_dir``, re-claimed under new names.

    A file whose lock is held belongs to a live watcher and is left alone.
    """
    recovered = []
    for path in claimed_files(processing_dir):
        if handed_to(path) is not None:  # a job has it: settled from the job's end
            continue
        claimed = _take_over(path, processing_dir)
        if claimed is not None:
            log.warning("recovered a file left by an interrupted run", extra={"file": str(path)})
            recovered.append(claimed)
    return recovered


def original_name(claimed: Path) -> str:
    """The name the file had in the hot folder (from the sidecar when it was cut)."""
    _, sep, tail = claimed.name.partition(_SEPARATOR)
    with contextlib.suppress(FileNotFoundError):
        return _sidecar(claimed).read_text(encoding="utf-8", errors="surrogateescape")
    return tail if sep and tail else claimed.name


def put_back(claim_: Claim, folder: Path) -> Path:
    """Return a file to its hot folder (to be tried again later), keeping its name if free."""
    target = folder / claim_.original_name
    if target.exists():
        target = folder / claim_.path.name
    os.rename(claim_.path, target)
    claim_.release()
    return target


def hand_over(claim_: Claim, job_id: str) -> None:
    """``claim_`` is the source of job ``job_id`` now: noted beside it (written whole or not
    at all), so whoever lists the folder later can settle it once the job has ended."""
    note = _job_note(claim_.path)
    partial = note.with_name(note.name + ".part")
    partial.write_text(job_id, encoding="ascii")
    os.replace(partial, note)


def handed_to(claimed: Path) -> str | None:
    """The job a file in ``.processing/`` was handed over to, if it was."""
    try:
        return _job_note(claimed).read_text(encoding="ascii").strip() or None
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def hold(claimed: Path) -> Claim | None:
    """Lock a file already in ``.processing/`` where it is (to settle it); None when it is
    gone or someone else holds it, i.e. settles it right now."""
    try:
        handle = claimed.open("rb")
    except FileNotFoundError:
        return None
    if not _try_lock(handle) or not _same_file(handle, claimed):
        handle.close()
        return None
    return Claim(claimed, original_name(claimed), handle)


def _job_note(claimed: Path) -> Path:
    token, _, _ = claimed.name.partition(_SEPARATOR)
    return claimed.with_name(f".{token}.job")


def _take_over(path: Path, processing_dir: Path) -> Claim | None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    if not _try_lock(handle):
        handle.close()
        return None
    name = original_name(path)
    target = _claimed_name(processing_dir, name)
    try:
        os.rename(path, target)
    except FileNotFoundError:
        handle.close()
        _sidecar(target).unlink(missing_ok=True)
        return None
    _sidecar(path).unlink(missing_ok=True)
    return Claim(target, name, handle)


def _claimed_name(processing_dir: Path, name: str) -> Path:
    """``<token>--<name>``, the name cut to fit; a cut name's original goes to its sidecar."""
    token = secrets.token_hex(4)
    fitted = fit_name(name, len(token) + len(_SEPARATOR))
    target = processing_dir / f"{token}{_SEPARATOR}{fitted}"
    if fitted != name:
        _sidecar(target).write_text(name, encoding="utf-8", errors="surrogateescape")
    return target


def _sidecar(claimed: Path) -> Path:
    token, _, _ = claimed.name.partition(_SEPARATOR)
    return claimed.with_name(f".{token}.name")


def _is_claimed(path: Path) -> bool:
    """A claimed file, not a name sidecar (hidden) or a directory."""
    return not path.name.startswith(".") and path.is_file()


def _lock(target: Path, name: str) -> Claim | None:
    """Lock what we renamed; if a recovering watcher got there first it is theirs."""
    try:
        handle = target.open("rb")
    except FileNotFoundError:
        return None
    if not _try_lock(handle) or not _same_file(handle, target):
        handle.close()
        return None
    return Claim(target, name, handle)


def _try_lock(handle: IO[bytes]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(handle: IO[bytes], path: Path) -> bool:
    with contextlib.suppress(FileNotFoundError):
        return os.fstat(handle.fileno()).st_ino == path.stat().st_ino
    return False
