"""The versions of a document: each fix (turn a page, replace one…) makes a new one.

Version 1 is the original store. A later version is a new object
(``<name>.v<k>.pdf``) with its own OCR text and thumbnails; nothing earlier is
overwritten, so every version stays listed and downloadable. The current
version's fields are mirrored on ``documents`` (key, sha256, size, pages,
text_key, thumbs_key, pdfa_*), where every reader already looks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sohoa.clock import utc_now
from sohoa.storage.models import Base, UTCDateTime


class DocumentVersionRow(Base):
    """One version of a stored document (the first is written at its first revision)."""

    __tablename__ = "document_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "version", name="uq_document_versions"),
        Index("ix_document_versions_document", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    document_id: Mapped[int]
    version: Mapped[int]
    key: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pages: Mapped[int]
    text_key: Mapped[str | None] = mapped_column(String(512))
    #: Prefix of the page thumbnails (``<prefix><n>.jpg``); NULL = not made yet.
    thumbs_key: Mapped[str | None] = mapped_column(String(512))
    pdfa_valid: Mapped[bool | None]
    pdfa_report: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    #: Who made it: a user name, ``cli:<login>`` or ``system`` (version 1).
    actor: Mapped[str] = mapped_column(String(120))
    #: What changed, e.g. {"op": "rotate", "page": 3, "degrees": 90}; {"op": "store"} for v1.
    change: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: For each page, the 0-based index of the scanned page it came from (None: a page
    #: from a later scan); what "restore a dropped blank back at its place" needs.
    page_origins: Mapped[list[int | None]] = mapped_column(JSON, default=list)
