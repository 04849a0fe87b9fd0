"""Tables of archive-grade keeping: the event trail and one row per stored object.

``events`` is append-only (the migration adds triggers refusing UPDATE and
DELETE, and :mod:`storage.events` offers no way to change a row): it is the
evidence of what happened to a dossier, so it must not be rewritten.
``stored_objects`` lists every object a stored document owns (every version's
PDF, OCR text and thumbnails, the dropped pages) with the SHA-256 the audit checks
each copy against, when each copy was last checked, and whether the second copy
exists yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sohoa.clock import utc_now
from sohoa.storage.models import Base, UTCDateTime


class EventRow(Base):
    """One thing that happened to a dossier or one of its documents (PREMIS-like)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_dossier", "dossier_code", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    #: A user name, an API key name, ``system`` or a queue worker's id.
    actor: Mapped[str] = mapped_column(String(120))
    dossier_code: Mapped[str] = mapped_column(String(64))
    #: No foreign key: the trail outlives a deleted document row.
    document_id: Mapped[int | None]
    type: Mapped[str] = mapped_column(String(20))
    #: Technical facts only (keys, roles, digests, counts); never personal data.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StoredObjectRow(Base):
    """One object of a stored document, with its fixity state on each copy."""

    __tablename__ = "stored_objects"
    __table_args__ = (
        Index("ix_stored_objects_document", "document_id"),
        Index("ix_stored_objects_checked", "last_fixity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    document_id: Mapped[int]
    dossier_code: Mapped[str] = mapped_column(String(64))
    #: pdf (a version's PDF/A), text (its OCR sidecar), thumb (one page thumbnail) or
    #: dropped (pages left out); see storage.keeping.ROLES.
    role: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(512), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    #: When the second copy was written and verified; NULL = pending (or no replica configured).
    replicated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last audit of this object (every configured copy) and whether all copies were good.
    last_fixity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_fixity_ok: Mapped[bool | None]
