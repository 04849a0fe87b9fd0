"""The versions of stored documents: list them, add one, note their thumbnails.

Version 1 is the original store; it gets its row at the first revision (until
then it is read from the document row itself). A new version is added in one
transaction with the document row's mirror of the current version (key, sha256,
size, pages, text_key, thumbs_key, pdfa_*), so readers that look at
``documents`` always see a complete, current version and nothing earlier is
overwritten. Two fixes of the same version at once: the second is refused
(:class:`VersionConflict`), not silently stacked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sohoa.storage import search
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.errors import DocumentNotFound, StorageError
from sohoa.storage.keys import document_key
from sohoa.storage.models import Document
from sohoa.storage.version_models import DocumentVersionRow

__all__ = [
    "NewVersion",
    "VersionConflict",
    "VersionRecord",
    "missing_thumbnails",
    "original_key",
    "set_thumbnails",
    "version_key",
    "versions",
    "versions_in",
]


class VersionConflict(StorageError):
    """The document changed (another fix) between reading its version and adding the next."""


@dataclass(frozen=True)
class VersionRecord:
    """One version of a document, as plain data."""

    document_id: int
    version: int
    key: str
    sha256: str
    size: int
    pages: int
    text_key: str | None
    thumbs_key: str | None
    pdfa_valid: bool | None
    pdfa_report: str | None
    created_at: datetime
    actor: str
    change: dict[str, Any]
    #: Per page: the 1-based scanned page it came from, or None (a page from a later scan).
    page_origins: tuple[int | None, ...]


@dataclass(frozen=True)
class NewVersion:
    """What a fix produced (already uploaded and verified)."""

    key: str
    sha256: str
    size: int
    pages: int
    text_key: str | None
    thumbs_key: str | None
    pdfa_valid: bool | None
    pdfa_report: str | None
    change: dict[str, Any]
    page_origins: tuple[int | None, ...]
    #: The OCR text of each page of the new version (re-indexed for search with it).
    page_texts: tuple[str, ...] | None = None


def original_key(record: DocumentRecord) -> str:
    """The key version 1 was stored under (derived, as at the first store)."""
    if record.number is None:
        raise DocumentNotFound(f"document {record.name} has no number ({record.status})")
    return document_key(record.dossier_code, record.kind, record.number)


def version_key(record: DocumentRecord, version: int) -> str:
    """``<name>.pdf`` for version 1, ``<name>.v<k>.pdf`` after: the v1 key is never reused."""
    first = original_key(record)
    return first if version == 1 else first.removesuffix(".pdf") + f".v{version}.pdf"


def versions(catalog: Catalog, record: DocumentRecord) -> list[VersionRecord]:
    """Every version of ``record``, oldest first (the last is the current one)."""
    with catalog.sessions() as session:
        return versions_in(session, record)


def versions_in(session: Session, record: DocumentRecord) -> list[VersionRecord]:
    """:func:`versions` inside a caller's session."""
    rows = session.scalars(
        select(DocumentVersionRow)
        .where(DocumentVersionRow.document_id == record.id)
        .order_by(DocumentVersionRow.version)
    )
    found = [_version(row) for row in rows]
    return found or ([_first_of(record)] if record.key and record.sha256 else [])


def add_version(
    catalog: Catalog, record: DocumentRecord, new: NewVersion, *, actor: str
) -> DocumentRecord:
    """Add the version after ``record.version`` and make it current; refuses
    (:class:`VersionConflict`) if the document moved on meanwhile."""
    with catalog.sessions.begin() as session:
        row = session.get(Document, record.id, with_for_update=True)
        if row is None or row.status != "stored":
            raise DocumentNotFound(f"no stored document #{record.id}")
        current = row.version or 1
        if current != record.version:
            raise VersionConflict(
                f"document #{record.id} is at version {current}, the fix was made on "
                f"version {record.version}"
            )
        if current == 1 and _row_of(session, record.id, 1) is None:
            session.add(_row_from(_first_of(record)))
        session.add(
            DocumentVersionRow(
                document_id=record.id, version=current + 1, key=new.key, sha256=new.sha256,
                size=new.size, pages=new.pages, text_key=new.text_key,
                thumbs_key=new.thumbs_key, pdfa_valid=new.pdfa_valid,
                pdfa_report=new.pdfa_report, actor=actor[:120], change=dict(new.change),
                page_origins=list(new.page_origins),
            )
        )  # fmt: skip
        row.version = current + 1
        row.key, row.sha256, row.size, row.pages = new.key, new.sha256, new.size, new.pages
        row.text_key, row.thumbs_key = new.text_key, new.thumbs_key
        row.pdfa_valid, row.pdfa_report = new.pdfa_valid, new.pdfa_report
        if new.page_texts is not None:  # search finds what the current version says
            search.index_text(session, row.id, row.dossier_code, new.page_texts)
        session.flush()
    found = catalog.document(record.id)
    assert found is not None
    return found


def set_thumbnails(catalog: Catalog, document_id: int, version: int, prefix: str) -> None:
    """Note that ``version``'s thumbnails are under ``prefix`` (on the document row too when
    it is the current version)."""
    with catalog.sessions.begin() as session:
        listed = _row_of(session, document_id, version)
        if listed is not None:
            listed.thumbs_key = prefix
        row = session.get(Document, document_id)
        if row is not None and (row.version or 1) == version:
            row.thumbs_key = prefix


def missing_thumbnails(catalog: Catalog, limit: int = 500) -> list[DocumentRecord]:
    """Stored documents whose current version has no thumbnails yet, oldest first."""
    query = (
        select(Document.id)
        .where(Document.status == "stored", Document.thumbs_key.is_(None))
        .order_by(Document.id)
        .limit(limit)
    )
    with catalog.sessions() as session:
        ids = list(session.scalars(query))
    return [r for r in (catalog.document(i) for i in ids) if r is not None and r.key]


def first_origins(record: DocumentRecord) -> tuple[int | None, ...]:
    """Version 1's pages by scanned page: every scanned page but the dropped ones."""
    dropped = {page.index for page in record.dropped_pages}
    kept = [n for n in range(1, (record.input_pages or 0) + 1) if n not in dropped]
    pages = record.pages or 0
    return tuple(kept) if len(kept) == pages else tuple(range(1, pages + 1))


def _first_of(record: DocumentRecord) -> VersionRecord:
    """Version 1 as the document row describes it (before any revision)."""
    return VersionRecord(
        document_id=record.id, version=1, key=original_key(record), sha256=record.sha256 or "",
        size=record.size or 0, pages=record.pages or 0, text_key=record.text_key,
        thumbs_key=record.thumbs_key, pdfa_valid=record.pdfa_valid,
        pdfa_report=record.pdfa_report, created_at=record.updated_at, actor="system",
        change={"op": "store"}, page_origins=first_origins(record),
    )  # fmt: skip


def _row_from(version: VersionRecord) -> DocumentVersionRow:
    return DocumentVersionRow(
        document_id=version.document_id, version=version.version, key=version.key,
        sha256=version.sha256, size=version.size, pages=version.pages,
        text_key=version.text_key, thumbs_key=version.thumbs_key,
        pdfa_valid=version.pdfa_valid, pdfa_report=version.pdfa_report,
        created_at=version.created_at, actor=version.actor, change=dict(version.change),
        page_origins=list(version.page_origins),
    )  # fmt: skip


def _row_of(session: Any, document_id: int, version: int) -> DocumentVersionRow | None:
    found: DocumentVersionRow | None = session.scalars(
        select(DocumentVersionRow).where(
            DocumentVersionRow.document_id == document_id, DocumentVersionRow.version == version
        )
    ).one_or_none()
    return found


def _version(row: DocumentVersionRow) -> VersionRecord:
    return VersionRecord(
        document_id=row.document_id, version=row.version, key=row.key, sha256=row.sha256,
        size=row.size, pages=row.pages, text_key=row.text_key, thumbs_key=row.thumbs_key,
        pdfa_valid=row.pdfa_valid, pdfa_report=row.pdfa_report, created_at=row.created_at,
        actor=row.actor, change=dict(row.change or {}),
        page_origins=tuple(row.page_origins or ()),
    )  # fmt: skip
