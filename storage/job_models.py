"""Tables of the queue's jobs: one row per submitted document, one per page.

The rows are the truth about queued work (an outbox): a job is recorded before
any message is sent, so a lost message is found again by the reconciler, and
every state change is a conditional UPDATE so redelivered messages do nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from sohoa.clock import utc_now
from sohoa.storage.models import Base, UTCDateTime

_ACTIVE_SQL = "('queued', 'processing', 'assembling')"


class Job(Base):
    """One submission on its way through the queue (document → pages → assemble)."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status", "status"),
        Index("ix_jobs_document", "document_id"),
        Index("ix_jobs_dossier_code", "dossier_code"),
        # Never two active jobs for one document (migration 0010).
        Index(
            "uq_jobs_active_document",
            "document_id",
            unique=True,
            sqlite_where=text(f"status IN {_ACTIVE_SQL}"),
            postgresql_where=text(f"status IN {_ACTIVE_SQL}"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    dossier_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    source_name: Mapped[str] = mapped_column(String(512))
    source_sha256: Mapped[str] = mapped_column(String(64))
    #: Object key of the source in the store (inbox/<sha256>).
    source_key: Mapped[str] = mapped_column(String(512))
    #: SourceKind of the source, known once the document step inspected it.
    source_kind: Mapped[str | None] = mapped_column(String(16))
    #: The OcrOptions the submitter chose (profile resolved), as JSON.
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: queued → processing → assembling → done | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    pages_total: Mapped[int | None]
    pages_done: Mapped[int] = mapped_column(default=0)
    #: Why the job failed (dead letter) or why the last attempt was retried.
    error: Mapped[str | None] = mapped_column(Text)
    #: The machine kind of that failure and its Vietnamese message (as on documents).
    error_kind: Mapped[str | None] = mapped_column(String(40))
    error_vi: Mapped[str | None] = mapped_column(Text)
    #: Failed attempts of any step of this job (retries), for status and tests.
    attempts: Mapped[int] = mapped_column(default=0)
    #: Times the PDF/A was assembled and stored: 1 when nothing was done twice.
    assemblies: Mapped[int] = mapped_column(default=0)
    #: Lease of the assemble step: who holds it and since when.
    assemble_owner: Mapped[str | None] = mapped_column(String(80))
    assemble_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    #: Last time the job moved (or a message for it was sent); the reconciler's clock.
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JobPage(Base):
    """One page of a job: its geometry from inspection, its state and who did it."""

    __tablename__ = "job_pages"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    page_index: Mapped[int] = mapped_column(primary_key=True)
    #: ocr.sources.PageInfo as JSON (so a page worker does not re-inspect the source).
    info: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: queued → processing → done
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: "<host>:<pid>" of the worker that finished (or last claimed) the page.
    worker: Mapped[str | None] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(default=0)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
