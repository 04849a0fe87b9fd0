"""The catalog: which documents a dossier has, where they are stored, and how they came out.

It is also the pipeline's idempotency point. :meth:`Catalog.reserve` keys
every document on (dossier, kind, source SHA-256), so rescanning or
re-running a batch after a crash reuses the same number and object key
instead of filing a duplicate.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import CursorResult, Engine, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sohoa.clock import utc_now, vietnam_time
from sohoa.storage import document_hooks, search
from sohoa.storage.claims import DEFAULT_LEASE, ClaimState, claim_state, owner_alive
from sohoa.storage.codes import DossierCode, parse_dossier_code
from sohoa.storage.database import Database
from sohoa.storage.errors import DocumentNotFound, StorageError
from sohoa.storage.keys import check_kind, document_key, document_name, sidecar_key
from sohoa.storage.models import Document
from sohoa.storage.objects import check_sha256
from sohoa.storage.refs import parse_document_ref
from sohoa.values import DroppedPage, Kind

__all__ = [
    "Catalog",
    "DocumentRecord",
    "DroppedPage",
    "StoredDocument",
    "document_key",
    "record_of",
    "sidecar_key",
    "vietnam_time",
]

log = logging.getLogger(__name__)

#: pending → stored | rejected (can never be digitised as it is) | failed (gave up otherwise)
DocumentStatus = Literal["pending", "stored", "rejected", "failed"]
_STATUSES: tuple[DocumentStatus, ...] = ("pending", "stored", "rejected", "failed")

_RESERVE_ATTEMPTS = 8


@dataclass(frozen=True)
class StoredDocument:
    """What the pipeline learned while producing and uploading a document."""

    sha256: str
    size: int
    pages: int
    input_pages: int
    dropped_pages: tuple[DroppedPage, ...] = ()
    dropped_key: str | None = None
    text_key: str | None = None
    ocr_confidence: float | None = None
    pdfa_valid: bool | None = None
    pdfa_report: str | None = None
    #: The agency signature applied before upload (None: not signed by sohoa).
    signature_level: str | None = None
    signed_by: str | None = None
    signed_at: datetime | None = None
    #: Prefix of the page thumbnails made at store time (workers.thumbnails); None: none.
    thumbs_key: str | None = None
    #: The OCR text of each page, indexed for search when the document is marked stored
    #: (None: not known here; the index is left as it is).
    page_texts: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DocumentRecord:
    """A catalog row as plain data, safe to keep after the database session is gone."""

    id: int
    dossier_code: str
    kind: Kind
    #: None once a rejected row gave its number (and key) back.
    number: int | None
    result_code: str | None
    key: str | None
    sha256: str | None
    size: int | None
    pages: int | None
    input_pages: int | None
    dropped_pages: tuple[DroppedPage, ...]
    dropped_key: str | None
    text_key: str | None
    ocr_confidence: float | None
    pdfa_valid: bool | None
    pdfa_report: str | None
    source_name: str
    source_sha256: str
    status: DocumentStatus
    #: The English message of the last failure.
    error: str | None
    created_at: datetime
    updated_at: datetime
    #: The machine kind of the last failure (low_resolution, corrupt…) and its Vietnamese message.
    error_kind: str | None = None
    error_vi: str | None = None
    #: The source PDF carried a digital signature and was stored as received.
    signed: bool | None = None
    #: Attached from an earlier dossier's stored document (``reused_from``) instead of rescanned.
    reused: bool = False
    reused_from: int | None = None
    #: The agency signature sohoa applied: PAdES level reached, signer (CN), time.
    signature_level: str | None = None
    signed_by: str | None = None
    signed_at: datetime | None = None
    #: Revoked (thu hồi): when, why and by whom; the document stays stored.
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    revoked_by: str | None = None
    #: Prefix of the current version's page thumbnails (``<prefix><n>.jpg``), if made.
    thumbs_key: str | None = None
    #: The current version (storage.versions): 1 = the original store.
    version: int = 1
    #: Who is digitising this pending row and since when (storage.claims).
    claimed_by: str | None = None
    claimed_at: datetime | None = None

    @property
    def claim_state(self) -> ClaimState | None:
        """None unless pending; then "in_progress", "abandoned" (its run died) or "unclaimed"."""
        return claim_state(self.status, self.claimed_by, self.claimed_at)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def stored_key(self) -> str:
        """The object key, for code that reads or writes the document's object.

        Only a rejected row has none (it gave its number back); asking for its
        object is then a missing document, not a crash.
        """
        if self.key is None:
            raise DocumentNotFound(f"document {self.name} has no stored object ({self.status})")
        return self.key

    @property
    def name(self) -> str:
        """``<code>.<n>`` for intake components, ``<code>-KQ<n>`` for results;
        ``<code> #<id>`` for a row without a number (rejected)."""
        if self.number is None:
            return f"{self.dossier_code} #{self.id}"
        return document_name(self.dossier_code, self.kind, self.number)


class Catalog:
    """The documents of a :class:`~storage.database.Database` (SQLite or PostgreSQL).

    The catalog only reads and writes rows: the engine, the sessions and the
    schema (migrations) belong to the database it is given.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._sessions = database.sessions

    @classmethod
    def open(cls, url: str) -> Catalog:
        """The catalog at ``url``, its schema upgraded first (what a process does at start)."""
        return cls(Database.open(url))

    def __repr__(self) -> str:
        return f"Catalog({self.describe()!r})"

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def database(self) -> Database:
        """The database the catalog lives in (the job book and the API keys share it)."""
        return self._database

    @property
    def engine(self) -> Engine:
        """The database's engine, for other tables kept beside the catalog."""
        return self._database.engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the catalog's database (same pool and SQLite locking rules)."""
        return self._sessions

    def describe(self) -> str:
        """The database URL with any password masked."""
        return self._database.describe()

    def close(self) -> None:
        """Close the database (the catalog is its usual handle); the data is untouched."""
        self._database.close()

    def reserve(
        self, dossier_code: DossierCode | str, kind: str, source_name: str, source_sha256: str
    ) -> tuple[DocumentRecord, bool]:
        """Find or create the catalog row for one source file of a dossier.

        Returns ``(record, created)``. An existing row means this source was
        seen before: status "stored" means nothing is left to do, "pending"
        means an earlier attempt crashed and must be redone with the same
        number and key; a "rejected" or "failed" row is retried: it becomes
        pending again (a rejected one with a fresh number). Numbers are
        allocated per dossier and kind; racing writers are serialised and,
        failing that, retried.
        """
        # A Submission's code was parsed where it entered; text (scripts, tools) is parsed here.
        parsed = dossier_code if isinstance(dossier_code, DossierCode) else None
        code = (parsed or parse_dossier_code(str(dossier_code))).value
        checked_kind = check_kind(kind)
        check_sha256(source_sha256)
        for attempt in range(1, _RESERVE_ATTEMPTS + 1):
            try:
                return self._reserve_once(code, checked_kind, source_name, source_sha256)
            except IntegrityError:
                log.info(
                    "document number taken concurrently, retrying",
                    extra={"dossier_code": code, "kind": checked_kind, "attempt": attempt},
                )
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise StorageError(
            f"could not reserve a {checked_kind} number for {code} "
            f"after {_RESERVE_ATTEMPTS} attempts; too many concurrent writers?"
        )

    def claim(
        self, doc_id: int, owner: str, lease: timedelta = DEFAULT_LEASE
    ) -> tuple[DocumentRecord, bool]:
        """Take the right to digitise a pending row, before any OCR: ``(record, True)``
        when ``owner`` now holds it, ``(record, False)`` when the row is not pending or
        another live run holds it (the caller then waits or reports a duplicate).

        A compare-and-set on the claim seen: of two runs racing for one row exactly
        one UPDATE matches. A claim whose owner died (:mod:`storage.claims`) is taken over.
        """
        with self._sessions.begin() as session:
            row = _get(session, doc_id)
            held, since = row.claimed_by, row.claimed_at
            if row.status != "pending" or (
                held not in (None, owner) and owner_alive(held or "", since, lease)
            ):
                return record_of(row), False
            seen = Document.claimed_by.is_(None) if held is None else Document.claimed_by == held
            result = session.execute(
                update(Document)
                .where(Document.id == doc_id, Document.status == "pending", seen)
                .values(claimed_by=owner, claimed_at=utc_now())
                .execution_options(synchronize_session=False)
            )
            assert isinstance(result, CursorResult)
            moved = result.rowcount
            session.expire(row)
            record = record_of(row)
        if moved == 1 and held not in (None, owner):
            log.warning("abandoned claim taken over", extra={"doc_id": doc_id})
        return record, moved == 1

    def mark_stored(self, doc_id: int, stored: StoredDocument) -> DocumentRecord:
        """Record the outcome of a successful upload and mark the document stored."""
        check_sha256(stored.sha256)
        with self._sessions.begin() as session:
            row = _get(session, doc_id)
            row.sha256 = stored.sha256
            row.size = stored.size
            row.pages = stored.pages
            row.input_pages = stored.input_pages
            row.dropped_pages = [
                {"index": page.index, "reason": page.reason} for page in stored.dropped_pages
            ]
            row.dropped_key = stored.dropped_key
            row.text_key = stored.text_key
            row.ocr_confidence = stored.ocr_confidence
            row.pdfa_valid = stored.pdfa_valid
            row.pdfa_report = stored.pdfa_report
            row.signature_level = stored.signature_level
            row.signed_by = stored.signed_by
            row.signed_at = stored.signed_at
            row.thumbs_key = stored.thumbs_key
            row.status = "stored"
            row.error = row.error_kind = row.error_vi = None
            row.claimed_by = row.claimed_at = None
            if stored.page_texts is not None:  # searchable in the same transaction
                search.index_text(session, row.id, row.dossier_code, stored.page_texts)
            session.flush()
            document_hooks.stored(session, row)
            record = record_of(row)
        log.info(
            "document stored",
            extra={"doc_id": doc_id, "dossier_code": record.dossier_code, "object_key": record.key},
        )
        return record

    def mark_failed(
        self,
        doc_id: int,
        error: str,
        *,
        kind: str | None = None,
        error_vi: str | None = None,
        give_up: bool = False,
    ) -> DocumentRecord:
        """Note why the last attempt failed (``kind``, Vietnamese and English message).

        The row stays "pending" (it may still be retried) unless ``give_up``: then it
        ends "failed" with its reason and keeps its number (a redrive resumes it).
        A stored document is never touched.
        """
        with self._sessions.begin() as session:
            row = _get(session, doc_id)
            if row.status != "stored":
                _set_error(row, error, kind, error_vi)
                if give_up:
                    row.status = "failed"
                    row.claimed_by = row.claimed_at = None
            session.flush()
            return record_of(row)

    def settle_abandoned(self, dossier_code: str, kind: str, error_vi: str, error: str) -> int:
        """End the dossier's rows whose run died mid-way (kill -9, power cut) as "failed"
        with the given reason, so they no longer read as pending; returns how many.

        Only an abandoned claim is settled (its owner gone, see :mod:`storage.claims`),
        with a conditional update on that very owner: a run that took the row over in the
        meantime keeps it. The next submission of the same source retries the row.
        """
        code = parse_dossier_code(dossier_code).value
        with self._sessions() as session:
            candidates = [
                (row.id, row.claimed_by, row.claimed_at)
                for row in session.scalars(
                    select(Document).where(
                        Document.dossier_code == code,
                        Document.status == "pending",
                        Document.claimed_by.is_not(None),
                    )
                )
            ]
        settled = 0
        for doc_id, owner, claimed_at in candidates:
            if owner is None or owner_alive(owner, claimed_at):
                continue
            with self._sessions.begin() as session:
                row = session.get(Document, doc_id)
                if row is None or row.status != "pending" or row.claimed_by != owner:
                    continue
                _set_error(row, error, kind, error_vi)
                row.status = "failed"
                row.claimed_by = row.claimed_at = None
                settled += 1
        return settled

    def mark_rejected(self, doc_id: int, kind: str, error_vi: str, error: str) -> DocumentRecord:
        """The source can never be digitised as it is: the row ends "rejected" with its
        reason and gives its number and key back, so numbering stays without gaps. A
        later retry of the same source (:meth:`reserve`) reuses the row with a fresh number.
        A stored document is never rejected.
        """
        with self._sessions.begin() as session:
            row = _get(session, doc_id)
            if row.status == "stored":
                return record_of(row)
            _set_error(row, error, kind, error_vi)
            row.status = "rejected"
            row.claimed_by = row.claimed_at = None
            row.number = None
            row.key = None
            row.result_code = None
            session.flush()
            record = record_of(row)
        log.info("document rejected", extra={"doc_id": doc_id, "error_kind": kind})
        return record

    def revoke(self, doc_id: int, reason: str, actor: str) -> tuple[DocumentRecord, bool]:
        """Mark a stored document revoked (thu hồi, NĐ 45/2020 Đ15): it stays stored and
        retrievable; the first revocation's time, reason and actor are kept (False then)."""
        with self._sessions.begin() as session:
            row = _get(session, doc_id)
            if row.status != "stored":
                raise DocumentNotFound(f"document #{doc_id} is not stored ({row.status})")
            fresh = row.revoked_at is None
            if fresh:
                row.revoked_at = utc_now()
                row.revoked_reason = reason
                row.revoked_by = actor
                session.flush()
                document_hooks.revoked(session, row)
            record = record_of(row)
        if fresh:
            log.info("document revoked", extra={"doc_id": doc_id, "code": record.dossier_code})
        return record, fresh

    def release(self, doc_id: int) -> None:
        """Forget a pending reservation whose source was rejected: nothing half-done remains.

        A stored document is never released.
        """
        with self._sessions.begin() as session:
            row = _get(session, doc_id)
            if row.status == "stored":
                raise StorageError(f"document {doc_id} is stored; it cannot be released")
            session.delete(row)
        log.info("reservation released", extra={"doc_id": doc_id})

    def reopen(self, doc_id: int) -> DocumentRecord:
        """A rejected or failed row becomes pending again (a redriven job), with a fresh
        number if it gave its own back; any other row is returned as it is."""
        with self._sessions.begin() as session:
            row = _get(session, doc_id)
            if row.status in ("rejected", "failed"):
                _reopen(session, row)
            return record_of(row)

    def documents(self, dossier_code: str) -> list[DocumentRecord]:
        """All documents of a dossier: intake components first, then results, by number."""
        code = parse_dossier_code(dossier_code).value
        with self._sessions() as session:
            rows = session.scalars(
                select(Document)
                .where(Document.dossier_code == code)
                .order_by(Document.kind, Document.number)
            )
            return [record_of(row) for row in rows]

    def document(self, doc_id: int) -> DocumentRecord | None:
        """The document with catalog id ``doc_id``, if any."""
        with self._sessions() as session:
            row = session.get(Document, doc_id)
            return record_of(row) if row else None

    def find(self, dossier_code: str, ref: str) -> DocumentRecord | None:
        """Look up one document of a dossier by a clerk's reference (see :mod:`storage.refs`).

        Returns None when nothing matches; raises ValueError when ``ref``
        cannot be understood and DossierCodeError when the code is invalid.
        """
        code = parse_dossier_code(dossier_code).value
        parsed = parse_document_ref(code, ref)
        query = select(Document).where(Document.dossier_code == code)
        if parsed.kind == "id":
            query = query.where(Document.id == parsed.number)
        else:
            query = query.where(Document.kind == parsed.kind, Document.number == parsed.number)
        with self._sessions() as session:
            row = session.scalars(query).one_or_none()
            return record_of(row) if row else None

    def stored_source(self, kind: str, source_sha256: str) -> DocumentRecord | None:
        """The stored document made from this source under any dossier, if any.

        For a batch part that has no code of its own: a clerk may have filed it
        already (``sohoa quarantine retry --case``), and a re-run must then say so
        rather than set it aside again.
        """
        checked_kind = check_kind(kind)
        with self._sessions() as session:
            row = session.scalars(
                select(Document)
                .where(
                    Document.kind == checked_kind,
                    Document.source_sha256 == source_sha256,
                    Document.status == "stored",
                )
                .order_by(Document.id)
                .limit(1)
            ).one_or_none()
            return record_of(row) if row else None

    def attach_existing(
        self, dossier_code: str, kind: str, source_document_id: int, actor: str
    ) -> DocumentRecord:
        """File an earlier dossier's stored document under ``dossier_code`` without rescanning.

        The new row points at the same object (same key and checksums) and is flagged
        ``reused`` (DuocTaiSuDung, spec §6), which is what the reuse rate counts.
        Attaching the same source twice returns the row made the first time.
        """
        code = parse_dossier_code(dossier_code).value
        checked_kind = check_kind(kind)
        with self._sessions.begin() as session:
            source = session.get(Document, source_document_id)
            if source is None or source.status != "stored" or source.key is None:
                raise DocumentNotFound(f"no stored document with id {source_document_id} to attach")
            _lock_dossier(session, code, checked_kind)
            existing = session.scalars(
                select(Document).where(
                    Document.dossier_code == code,
                    Document.kind == checked_kind,
                    Document.source_sha256 == source.source_sha256,
                )
            ).one_or_none()
            if existing is not None and existing.status == "stored":
                return record_of(existing)
            # A pending/rejected row of the same source is completed in place (fresh number
            # if it gave its own back).
            row = existing or Document(dossier_code=code, kind=checked_kind, dropped_pages=[])
            if row.number is None:
                row.number = _next_number(session, code, checked_kind)
            _copy_stored(source, row)
            row.result_code = (
                document_name(code, checked_kind, row.number) if checked_kind == "result" else None
            )
            session.add(row)
            session.flush()
            search.copy_text(session, source.id, row.id, code)
            document_hooks.stored(session, row)
            record = record_of(row)
        log.info(
            "document attached from an earlier dossier",
            extra={
                "doc_id": record.id,
                "dossier_code": code,
                "reused_from": source_document_id,
                "actor": actor,
            },
        )
        return record

    def _reserve_once(
        self, code: str, kind: Kind, source_name: str, source_sha256: str
    ) -> tuple[DocumentRecord, bool]:
        with self._sessions.begin() as session:
            _lock_dossier(session, code, kind)
            existing = session.scalars(
                select(Document).where(
                    Document.dossier_code == code,
                    Document.kind == kind,
                    Document.source_sha256 == source_sha256,
                )
            ).one_or_none()
            if existing:
                if existing.status in ("rejected", "failed"):
                    _reopen(session, existing)
                return record_of(existing), False
            number = _next_number(session, code, kind)
            row = Document(
                dossier_code=code,
                kind=kind,
                number=number,
                result_code=document_name(code, kind, number) if kind == "result" else None,
                key=document_key(code, kind, number),
                source_name=source_name,
                source_sha256=source_sha256,
                status="pending",
                dropped_pages=[],
            )
            session.add(row)
            session.flush()
            record = record_of(row)
        log.info(
            "document reserved",
            extra={"doc_id": record.id, "dossier_code": code, "kind": kind, "number": number},
        )
        return record, True


def _lock_dossier(session: Session, code: str, kind: str) -> None:
    """Serialise number allocation per dossier on PostgreSQL (released at commit)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"{code}/{kind}"}
        )


def _reopen(session: Session, row: Document) -> None:
    """A retry of a rejected or failed source: pending again, with a fresh number if it
    gave its own back. The last reason stays until the new attempt ends."""
    row.status = "pending"
    if row.number is None:
        _lock_dossier(session, row.dossier_code, row.kind)
        number = _next_number(session, row.dossier_code, row.kind)
        kind = check_kind(row.kind)
        row.number = number
        row.key = document_key(row.dossier_code, kind, number)
        row.result_code = (
            document_name(row.dossier_code, kind, number) if kind == "result" else None
        )
    session.flush()


def _copy_stored(source: Document, row: Document) -> None:
    """``row`` becomes a stored copy of ``source``'s catalog entry (same object, flagged reused)."""
    for name in (
        "key",
        "sha256",
        "size",
        "pages",
        "input_pages",
        "text_key",
        "ocr_confidence",
        "pdfa_valid",
        "pdfa_report",
        "source_name",
        "source_sha256",
        "signed",
        "thumbs_key",
    ):
        setattr(row, name, getattr(source, name))
    row.dropped_pages = []
    row.status = "stored"
    row.error = row.error_kind = row.error_vi = None
    row.reused = True
    row.reused_from = source.id


def _set_error(row: Document, error: str | None, kind: str | None, error_vi: str | None) -> None:
    row.error = error
    row.error_kind = kind
    row.error_vi = error_vi


def _next_number(session: Session, code: str, kind: str) -> int:
    highest = session.scalar(
        select(func.max(Document.number)).where(
            Document.dossier_code == code, Document.kind == kind
        )
    )
    return (highest or 0) + 1


def _get(session: Session, doc_id: int) -> Document:
    row = session.get(Document, doc_id)
    if row is None:
        raise DocumentNotFound(f"no document with id {doc_id} in the catalog")
    return row


def record_of(row: Document) -> DocumentRecord:
    """The record of a document row (as :meth:`Catalog.document` gives it), also for a
    row read in a caller's own session."""
    return DocumentRecord(
        id=row.id,
        dossier_code=row.dossier_code,
        kind=check_kind(row.kind),
        number=row.number,
        result_code=row.result_code,
        key=row.key,
        sha256=row.sha256,
        size=row.size,
        pages=row.pages,
        input_pages=row.input_pages,
        dropped_pages=tuple(
            DroppedPage(index=int(p["index"]), reason=str(p["reason"]))
            for p in row.dropped_pages or []
        ),
        dropped_key=row.dropped_key,
        text_key=row.text_key,
        ocr_confidence=row.ocr_confidence,
        pdfa_valid=row.pdfa_valid,
        pdfa_report=row.pdfa_report,
        source_name=row.source_name,
        source_sha256=row.source_sha256,
        status=_status(row.status),
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        error_kind=row.error_kind,
        error_vi=row.error_vi,
        signed=row.signed,
        reused=bool(row.reused),
        reused_from=row.reused_from,
        signature_level=row.signature_level,
        signed_by=row.signed_by,
        signed_at=row.signed_at,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
        revoked_by=row.revoked_by,
        thumbs_key=row.thumbs_key,
        version=row.version or 1,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
    )


def _status(value: str) -> DocumentStatus:
    """The row's status as the Literal; an unknown value reads as pending (never stored)."""
    for known in _STATUSES:
        if value == known:
            return known
    return "pending"
