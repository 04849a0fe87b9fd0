"""Tables of the dossier register (issue 11): the unit tree, the dossiers, their change log.

Dossiers are issued by the one-stop system, never by sohoa; these rows are what
it told us (imported files or API pushes). They live in the storage layer so the
schema stays in one place (:mod:`storage.tables`); the logic is in ``register/``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, SmallInteger, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from sohoa.clock import utc_now
from sohoa.storage.models import Base, UTCDateTime


class UnitRow(Base):
    """One agency (province → department/district → commune); ``parent_code`` NULL at the top."""

    __tablename__ = "units"
    __table_args__ = (Index("ix_units_parent_code", "parent_code"),)

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_code: Mapped[str | None] = mapped_column(String(40))
    #: 1 at the top of the tree.
    level: Mapped[int] = mapped_column(SmallInteger, default=1)


class DossierRow(Base):
    """One dossier of the register, as the one-stop system reported it."""

    __tablename__ = "dossiers"
    __table_args__ = (
        # The report and the worklist filter by unit and reception date, oldest first.
        Index("ix_dossiers_unit_received", "unit_code", "received_on", "code"),
        Index("ix_dossiers_received", "received_on"),
        Index("ix_dossiers_updated", "updated_at", "code"),
        # One clerk's worklist, oldest first.
        Index("ix_dossiers_clerk", "clerk", "received_on", "code"),
    )

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(64))
    procedure_name: Mapped[str | None] = mapped_column(Text)
    unit_code: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(255))
    received_on: Mapped[date] = mapped_column(Date)
    #: 1 counter, 2 online, 3 public postal service (KenhThucHien).
    channel: Mapped[int] = mapped_column(SmallInteger)
    due_on: Mapped[date | None] = mapped_column(Date)
    result_on: Mapped[date | None] = mapped_column(Date)
    paper_result: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str | None] = mapped_column(String(255))
    #: Personal data: kept only when SOHOA_REGISTER_KEEP_APPLICANT=true.
    applicant_name: Mapped[str | None] = mapped_column(String(255))
    #: The officer who received the dossier, when the one-stop export names one (not a
    #: spec §8 header: read through a mapping, ``clerk: <header>``); for the worklist.
    clerk: Mapped[str | None] = mapped_column(String(128))
    #: Online dossiers are not scanned at the counter: the one-stop system says (DuocSoHoa …).
    online_digitised: Mapped[bool | None] = mapped_column(Boolean)
    online_reused: Mapped[bool | None] = mapped_column(Boolean)
    #: Kept by the catalog as documents are stored (storage.dossier_flags), so the report
    #: counts dossiers without joining millions of documents: a stored intake component,
    #: a stored result, a stored component reused from an earlier dossier.
    intake_stored: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    result_stored: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reused_stored: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class DossierCountRow(Base):
    """The report's sums per (unit, reception month, procedure), kept by database triggers
    on ``dossiers`` (migration 0011) in the transaction that changes a dossier row, so a
    year's report reads tens of thousands of sums instead of a million dossiers."""

    __tablename__ = "dossier_counts"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: First day of the reception month.
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The greatest name seen for the procedure in this cell (the report's label).
    procedure_name: Mapped[str | None] = mapped_column(Text)
    received: Mapped[int] = mapped_column(Integer, server_default="0")
    digitised: Mapped[int] = mapped_column(Integer, server_default="0")
    paper: Mapped[int] = mapped_column(Integer, server_default="0")
    result_digitised: Mapped[int] = mapped_column(Integer, server_default="0")
    reused: Mapped[int] = mapped_column(Integer, server_default="0")


class RegisterEventRow(Base):
    """Append-only: who changed which dossier of the register, when, and what (field: old→new)."""

    __tablename__ = "register_events"
    __table_args__ = (Index("ix_register_events_dossier", "dossier_code", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    actor: Mapped[str] = mapped_column(String(128))
    dossier_code: Mapped[str] = mapped_column(String(64))
    #: ``{field: [old, new]}``; personal data is never written here, only that it changed.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
