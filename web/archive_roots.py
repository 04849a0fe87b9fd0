"""Which server folders archive staff may start a backlog batch on (SOHOA_ARCHIVE_ROOTS).

A web form must never become a way to read any folder the service account can
read: a folder is accepted only when, with every symbolic link resolved, it lies
inside one of the configured roots the user's unit may use. ``UNIT=PATH`` limits
a root to that unit and the units below it; a bare path is open to every
archivist. Links *inside* the chosen folder that leave it are refused by the
batch itself (ingest.batch.links_outside), as on the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sohoa.bilingual import BilingualError
from sohoa.storage.accounts import User


@dataclass(frozen=True)
class ArchiveRoot:
    path: Path
    #: Only this unit and the units below it may use the root; None = every archivist.
    unit: str | None = None


class FolderRefused(BilingualError):
    """The folder is not one the user may batch; the messages say why and what to do."""


def parse_roots(text: str | None) -> list[ArchiveRoot]:
    """``/srv/ton-dong, 000.00.20.H56=/srv/h56`` → roots (resolved, absolute only)."""
    roots = []
    for item in (text or "").split(","):
        unit, _, path = item.strip().rpartition("=")
        if path.strip() and Path(path.strip()).is_absolute():
            roots.append(ArchiveRoot(Path(path.strip()).resolve(), unit.strip() or None))
    return roots


def usable_roots(
    roots: list[ArchiveRoot], user: User, units_below: Callable[[str], set[str]]
) -> list[ArchiveRoot]:
    """The roots ``user`` may use: all for an admin, else the unbound ones and those of
    the user's unit or a unit below it."""
    if user.role == "admin":
        return roots
    mine = {unit.upper() for unit in units_below(user.unit_code)}
    return [root for root in roots if root.unit is None or root.unit.upper() in mine]


def under_roots(path: Path, roots: list[ArchiveRoot]) -> bool:
    """Whether ``path`` (links resolved) is one of the roots or inside one."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.path) for root in roots)


def checked_folder(text: str, roots: list[ArchiveRoot]) -> Path:
    """The folder typed by the user, if it is an existing folder inside a usable root."""
    if not roots:
        raise FolderRefused(
            "Máy chủ chưa cấu hình thư mục lưu trữ nào cho đơn vị của bạn "
            "(SOHOA_ARCHIVE_ROOTS); hãy báo quản trị viên.",
            "No archive folder is configured for your unit (SOHOA_ARCHIVE_ROOTS); "
            "ask the administrator.",
        )
    raw = Path(text.strip())
    if not text.strip() or not raw.is_absolute() or "\x00" in text:
        raise FolderRefused(
            "Hãy nhập đường dẫn đầy đủ của thư mục trên máy chủ (bắt đầu bằng /).",
            "Enter the full path of the folder on the server (starting with /).",
        )
    if not under_roots(raw, roots):
        raise FolderRefused(
            f"Thư mục {raw} nằm ngoài các thư mục lưu trữ bạn được dùng; chọn một thư mục "
            "trong danh sách bên dưới.",
            f"The folder {raw} is outside the archive folders you may use; choose a folder "
            "inside those listed below.",
        )
    if not raw.resolve().is_dir():
        raise FolderRefused(
            f"Không tìm thấy thư mục {raw} trên máy chủ; kiểm tra lại đường dẫn.",
            f"There is no folder {raw} on the server; check the path.",
        )
    return raw.resolve()
