"""The fields the national sync reads per dossier (spec §6), and a "changed since" feed.

Per intake file ``DuocSoHoa`` (digitised), ``DuocTaiSuDung`` (reused) and its link;
per result ``MaGiayToKetQua`` (``<code>-KQ<n>``) and ``DuongDanTepTinKetQua`` — a URL
of the API that a key with the read scope can fetch; ``DaThuHoi`` when revoked (the
fields themselves are built in :mod:`storage.sync_fields`). A sync job polls with the
cursor of the previous page; a dossier changes when its register row or one of its
stored documents does.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, tuple_, union_all
from sqlalchemy.orm import Session

from sohoa.storage.database import SessionSource
from sohoa.storage.models import Document
from sohoa.storage.register_models import DossierRow
from sohoa.storage.sync_fields import StoredFile, document_url, stored_files, sync_fields

PAGE_SIZE = 200

__all__ = ["StoredFile", "SyncPage", "document_url", "sync_fields", "sync_page"]


@dataclass(frozen=True)
class SyncDossier:
    code: str
    changed_at: datetime
    fields: dict[str, Any]


@dataclass(frozen=True)
class SyncPage:
    dossiers: list[SyncDossier] = field(default_factory=list)
    #: The cursor of the next page (changed_at, code); None when this was the last.
    next_after: tuple[datetime, str] | None = None


def dossier_sync_fields(source: SessionSource, code: str, base_url: str) -> dict[str, Any]:
    """:func:`sync_fields` of one dossier (``code`` already normalised)."""
    with source.sessions() as session:
        return sync_fields(code, stored_files(session, [code]).get(code, []), base_url)


def sync_page(
    source: SessionSource,
    changed_since: datetime,
    base_url: str,
    after: tuple[datetime, str] | None = None,
    limit: int = PAGE_SIZE,
    units: Collection[str] | None = None,
) -> SyncPage:
    """Dossiers changed after ``changed_since``, oldest change first, with their sync fields;
    ``units``: only the dossiers of these units (None: every unit), by the register's unit
    or, for a dossier the register lacks, the agency part of its code."""
    changes = union_all(
        select(DossierRow.code.label("code"), DossierRow.updated_at.label("at")).where(
            DossierRow.updated_at > changed_since
        ),
        select(Document.dossier_code.label("code"), Document.updated_at.label("at")).where(
            Document.updated_at > changed_since, Document.status == "stored"
        ),
    ).subquery("changes")
    latest = func.max(changes.c.at)
    query = select(changes.c.code, latest.label("at")).group_by(changes.c.code)
    with source.sessions() as session:
        if units is not None:
            query = query.where(_of_units(session, changes.c.code, units))
        if after is not None:
            at, code = after
            query = query.having(tuple_(latest, changes.c.code) > tuple_(_bind(session, at), code))
        query = query.order_by(latest, changes.c.code).limit(limit + 1)
        rows = session.execute(query).all()
        codes = [r.code for r in rows[:limit]]
        files = stored_files(session, codes)
    page = [
        SyncDossier(r.code, _aware(r.at), sync_fields(r.code, files.get(r.code, []), base_url))
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return SyncPage(page, (page[-1].changed_at, page[-1].code) if more else None)


def _of_units(session: Session, code: Any, units: Collection[str]) -> Any:
    """``code`` belongs to one of ``units`` (the rule of ``register.units.dossier_unit``)."""
    if session.get_bind().dialect.name == "postgresql":
        agency = func.split_part(code, "-", 1)
    else:
        agency = func.substr(code, 1, func.instr(code, "-") - 1)
    registered = select(DossierRow.unit_code).where(DossierRow.code == code).scalar_subquery()
    return func.coalesce(registered, agency).in_(sorted({u.strip().upper() for u in units}))


def _bind(session: Session, moment: datetime) -> Any:
    """The cursor time as the database stores it (SQLite: naive UTC text)."""
    utc = moment.astimezone(UTC)
    if session.get_bind().dialect.name == "sqlite":
        return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return utc


def _aware(value: Any) -> datetime:
    """A UNION loses the column type on SQLite (text comes back): UTC-aware either way."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
