"""Small values every layer shares: a document's kind and a page left out of it.

A leaf module (it imports nothing of ours), so ``ocr/``, ``storage/``, ``workers/``
and the faces all name these the same way instead of each keeping a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a document is to its dossier: a component received, or a result issued."""

    intake = "intake"  # thành phần hồ sơ: <code>.<n>
    result = "result"  # kết quả giải quyết: <code>-KQ<n>


@dataclass(frozen=True)
class DroppedPage:
    """A scanned page left out of the PDF/A (a blank back, a separator), kept recoverable."""

    index: int  # 1-based, as a clerk counts
    reason: str
