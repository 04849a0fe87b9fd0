"""File names that fit: a claim or quarantine adds to a name, and names are limited.

ext4 and SMB allow 255 bytes per name; a scanner or a clerk can use nearly all of
them. A prefix added to such a name fails with ENAMETOOLONG, every time the file
is seen, which blocked a hot folder for good. Names that would not fit are cut
deterministically (same name in, same name out) with a hash of the whole name,
so two long names sharing a beginning stay distinct; callers keep the original
name where it matters (the claim's sidecar, the quarantine note).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: Bytes per file name on ext4, XFS, btrfs and SMB shares.
NAME_MAX = 255
_MAX_SUFFIX = 16


def fit_name(name: str, reserved: int) -> str:
    """``name``, shortened when needed so that ``reserved`` more bytes still fit in a name."""
    budget = NAME_MAX - reserved
    if len(name.encode()) <= budget:
        return name
    suffix = Path(name).suffix if len(Path(name).suffix.encode()) <= _MAX_SUFFIX else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    mark = "~" + hashlib.sha256(name.encode()).hexdigest()[:10]
    room = budget - len(mark.encode()) - len(suffix.encode())
    return _cut(stem, room) + mark + suffix


def _cut(text: str, size: int) -> str:
    """The longest start of ``text`` of at most ``size`` UTF-8 bytes (whole characters)."""
    return text.encode()[: max(size, 0)].decode(errors="ignore")
