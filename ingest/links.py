"""Symbolic links that leave the folder being ingested are refused, never followed.

A link inside a backlog tree or a hot folder would otherwise make sohoa read
(and copy into the quarantine, or file under a dossier) any file the service
account can read elsewhere on the server. A link that stays inside the folder
is an ordinary way to organise a tree and is followed.
"""

from __future__ import annotations

from pathlib import Path

REASON = "symlink_outside"


class LinkOutside(Exception):
    """``path`` is (or passes through) a symbolic link pointing outside ``root``.

    The target is not named in the message: the clerk does not need it, and the
    message must not tell anyone what lies elsewhere on the server.
    """

    reason = REASON

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root
        self.vi = (
            f"{path.name}: là liên kết (symlink) trỏ ra ngoài thư mục {root}; "
            f"không đọc, không sao chép [{REASON}]"
        )
        self.en = (
            f"{path.name}: is a symbolic link pointing outside the folder {root}; "
            f"not read, not copied [{REASON}]"
        )
        super().__init__(self.en)


def leaves(path: Path, root: Path) -> bool:
    """Whether ``path`` (found under ``root``) resolves to somewhere outside ``root``."""
    return not path.resolve().is_relative_to(root.resolve())


def require_inside(path: Path, root: Path) -> None:
    """Raise :class:`LinkOutside` when ``path`` resolves outside ``root``."""
    if leaves(path, root):
        raise LinkOutside(path, root)
