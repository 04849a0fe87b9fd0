"""Database tables of the catalog (SQLAlchemy 2.0 declarative mapping).

These ORM classes stay inside :mod:`storage.catalog`; callers get plain
dataclasses so no session or lazy load ever escapes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, String, Text, UniqueConstraint, false
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from sohoa.clock import utc_now


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL keeps the zone; SQLite stores naive text and would hand back
    naive datetimes, so values are normalised to UTC going in and tagged as
    UTC coming out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; use an aware UTC datetime")
        aware = value.astimezone(UTC)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Registry shared by all catalog tables."""


class Document(Base):
    """One stored document (intake component or result) of a dossier."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("dossier_code", "kind", "number", name="uq_documents_number"),
        UniqueConstraint("dossier_code", "kind", "source_sha256", name="uq_documents_source"),
        Index("ix_documents_dossier_code", "dossier_code"),
        # The register's report and worklist ask, per dossier, "is there a stored intake /
        # result / reused component?": answered from this index alone.
        Index("ix_documents_register", "dossier_code", "kind", "status", "reused"),
        Index("ix_documents_updated", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    dossier_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    #: NULL once a rejected row gave its number back (numbering stays without gaps).
    number: Mapped[int | None]
    result_code: Mapped[str | None] = mapped_column(String(80))
    key: Mapped[str | None] = mapped_column(String(512))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    pages: Mapped[int | None]
    input_pages: Mapped[int | None]
    dropped_pages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dropped_key: Mapped[str | None] = mapped_column(String(512))
    text_key: Mapped[str | None] = mapped_column(String(512))
    ocr_confidence: Mapped[float | None]
    pdfa_valid: Mapped[bool | None]
    pdfa_report: Mapped[str | None] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(String(512))
    source_sha256: Mapped[str] = mapped_column(String(64))
    #: pending → stored | rejected (the source can never be digitised as it is) | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: The English message of the last failure.
    error: Mapped[str | None] = mapped_column(Text)
    #: The machine kind of the last failure (low_resolution, corrupt, encrypted…).
    error_kind: Mapped[str | None] = mapped_column(String(40))
    #: The clerk's Vietnamese message of the last failure.
    error_vi: Mapped[str | None] = mapped_column(Text)
    #: The source PDF carried a digital signature and was stored as received.
    signed: Mapped[bool | None]
    #: Attached from an earlier dossier's stored document instead of rescanned (DuocTaiSuDung).
    reused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The catalog id of the stored document it was attached from.
    reused_from: Mapped[int | None]
    #: The agency signature sohoa applied (not ``signed``, which is about the source):
    #: PAdES level reached (B-B, B-T, B-LT), the signer's certificate CN, the signing time.
    signature_level: Mapped[str | None] = mapped_column(String(8))
    signed_by: Mapped[str | None] = mapped_column(String(255))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Revoked (thu hồi, NĐ 45/2020 Đ15): still stored and retrievable, shown as revoked.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(255))
    #: Not to be deleted before this instant (retention class of its kind); NULL = permanent.
    retain_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Prefix of the current version's page thumbnails (``<prefix><n>.jpg``); NULL = none yet.
    thumbs_key: Mapped[str | None] = mapped_column(String(512))
    #: The current version (storage.version_models); NULL = 1, the original store.
    version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)
    #: Who is digitising this pending row (``host:pid:start`` or ``job:<id>``) and since
    #: when (storage.claims); NULL once the row ends stored, rejected or failed.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
