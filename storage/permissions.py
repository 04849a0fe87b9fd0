"""Who may read what sohoa writes: the owner only, or the owner and a service group.

Objects, the catalog (with the API key hashes), the quarantine, the inbox and
the reports hold citizens' dossiers, so they are created owner-only (files
0600, directories 0700). An office that runs the API, the watcher and a backup
job as different accounts of one group sets ``SOHOA_SHARED_GROUP=true`` and
gets 0640/0750 instead; nothing is ever readable by "others".

Two layers, because either alone leaks: the faces (CLI, API) call
:func:`configure`, which also sets the process umask so files made by code
we do not control (SQLite's -wal/-shm, libraries' temp files) follow; and
every place that creates a file or directory asks :func:`make_dir` /
:func:`restrict` for the explicit mode, so library use without
:func:`configure` is owner-only too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

OWNER_ONLY = (0o600, 0o700)
SHARED_GROUP = (0o640, 0o750)

_modes = OWNER_ONLY


def configure(shared_group: bool) -> None:
    """Choose the modes for this process and set the umask to match."""
    global _modes
    _modes = SHARED_GROUP if shared_group else OWNER_ONLY
    os.umask(0o027 if shared_group else 0o077)


def file_mode() -> int:
    """Mode of every file sohoa creates (0600, or 0640 for a shared group)."""
    return _modes[0]


def dir_mode() -> int:
    """Mode of every directory sohoa creates (0700, or 0750 for a shared group)."""
    return _modes[1]


def make_dir(path: Path) -> None:
    """``mkdir -p`` where every directory created gets :func:`dir_mode`.

    ``Path.mkdir(parents=True)`` creates the parents with the umask's default
    mode, so they are made one by one here. Existing directories are left as
    they are: the administrator may have chosen their mode.
    """
    missing = []
    for directory in (path, *path.parents):
        if directory.is_dir():
            break
        missing.append(directory)
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=dir_mode())
        except FileExistsError:
            continue  # another process made it first (its mode is its own business)
        os.chmod(directory, dir_mode())  # mkdir's mode is masked by the umask


def restrict(path: Path) -> None:
    """Give a file sohoa created (or moved in from a hot folder) :func:`file_mode`."""
    os.chmod(path, file_mode())


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with :func:`file_mode` if it does not exist yet.

    Used for the SQLite catalog before SQLite opens it: SQLite gives its -wal
    and -shm files the mode of the database file.
    """
    make_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
    except FileExistsError:
        return
    os.close(fd)
    restrict(path)


def open_private(path: Path) -> BinaryIO:
    """Open ``path`` for writing (truncated), created with :func:`file_mode` from the start.

    ``open(path, "w")`` would create it readable by all under the usual umask
    022 until a later chmod; here no other account ever sees the bytes.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode())
    os.fchmod(fd, file_mode())
    return os.fdopen(fd, "wb")
