"""Keeping a stored document: its objects listed, its retention set, its second copy made.

:func:`keep_stored` is the one call the lifecycle makes once a document is
marked stored. It lists the document's objects (PDF, OCR text, dropped pages)
in ``stored_objects`` with their SHA-256, sets ``documents.retain_until`` from
the retention class of its kind, asks the store(s) to lock the objects (S3
object lock; the local store relies on the catalog), copies each object to the
replica when one is configured, and records ``stored`` / ``copied`` events.

A replica that is down does not fail the document: its objects stay pending
(``replicated_at`` NULL) and ``sohoa audit`` / ``sohoa replicate`` catch up.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from sqlalchemy import select

from sohoa.clock import utc_now
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.errors import ChecksumMismatch, DocumentNotFound, RetentionRefused, StorageError
from sohoa.storage.events import try_record_event
from sohoa.storage.keeping_models import StoredObjectRow
from sohoa.storage.models import Document
from sohoa.storage.objects import ObjectStore, StoredObject

__all__ = [
    "Keeper",
    "KeptObject",
    "RetentionPolicy",
    "copy_object",
    "delete_document",
    "enroll_unlisted",
    "keep_stored",
    "keeper_of",
    "replicate_pending",
]

log = logging.getLogger(__name__)

_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "dropped": "application/pdf",
    "text": "application/json",
}


@dataclass(frozen=True)
class RetentionPolicy:
    """Years each kind of document is kept; None = permanently (the default, see README)."""

    intake_years: int | None = None
    result_years: int | None = None

    def until(self, kind: str, stored_at: datetime) -> datetime | None:
        years = self.result_years if kind == "result" else self.intake_years
        if years is None or years <= 0:
            return None
        return stored_at + timedelta(days=round(365.25 * years))


@runtime_checkable
class Lockable(Protocol):
    """A store that can lock an object against deletion (S3 object lock)."""

    def protect(self, key: str, until: datetime | None) -> bool: ...

    def delete_all_versions(self, key: str) -> None: ...


class Keeper:
    """The primary store (what the pipeline reads and writes), the replica and the
    retention policy; behaves as the primary :class:`ObjectStore` for everyone else."""

    def __init__(
        self,
        primary: ObjectStore,
        replica: ObjectStore | None = None,
        retention: RetentionPolicy | None = None,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.retention = retention or RetentionPolicy()

    def __repr__(self) -> str:
        return f"Keeper({self.describe()!r})"

    def put_file(
        self, key: str, path: Path, sha256: str, content_type: str = "application/pdf"
    ) -> StoredObject:
        return self.primary.put_file(key, path, sha256, content_type)

    def get_to_file(self, key: str, dest: Path) -> StoredObject:
        return self.primary.get_to_file(key, dest)

    def head(self, key: str) -> StoredObject | None:
        return self.primary.head(key)

    def delete(self, key: str) -> None:
        self.primary.delete(key)

    def presign_get(self, key: str, expires: timedelta) -> str | None:
        return self.primary.presign_get(key, expires)

    def describe(self) -> str:
        return self.primary.describe()

    def copies(self) -> dict[str, ObjectStore]:
        """``primary`` and, when configured, ``replica``."""
        found = {"primary": self.primary}
        if self.replica is not None:
            found["replica"] = self.replica
        return found


def keeper_of(store: ObjectStore) -> Keeper:
    """The store as a Keeper (no replica, default retention, when it is a bare store)."""
    return store if isinstance(store, Keeper) else Keeper(store)


@dataclass(frozen=True)
class KeptObject:
    """One object of a stored document, as listed in ``stored_objects``."""

    id: int
    document_id: int
    dossier_code: str
    role: str
    key: str
    sha256: str
    size: int
    replicated_at: datetime | None = None
    last_fixity_at: datetime | None = None
    last_fixity_ok: bool | None = None
    retain_until: datetime | None = field(default=None, compare=False)

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES.get(self.role, "application/octet-stream")


def keep_stored(
    store: ObjectStore, catalog: Catalog, record: DocumentRecord, *, actor: str
) -> list[KeptObject]:
    """List, lock and copy a just-stored document's objects; record ``stored``/``copied``."""
    keeper = keeper_of(store)
    until = _set_retention(catalog, record, keeper.retention)
    objects = enroll(catalog, keeper.primary, record)
    for kept in objects:
        protect(keeper.primary, kept.key, until)
    detail = {"objects": len(objects), "sha256": record.sha256, "size": record.size}
    detail["retain_until"] = until.isoformat() if until else "permanent"
    try_record_event(
        catalog, "stored", dossier_code=record.dossier_code, document_id=record.id,
        actor=actor, detail=detail,
    )  # fmt: skip
    if keeper.replica is not None:
        replicate_pending(keeper, catalog, objects, actor=actor)
    return objects


def enroll(catalog: Catalog, primary: ObjectStore, record: DocumentRecord) -> list[KeptObject]:
    """The document's objects in ``stored_objects`` (idempotent: listed ones are kept).

    The PDF's digest is the catalog's; a sidecar's is the one its store recorded when
    it was uploaded (and verified). A sidecar missing now is logged and left for the audit.
    """
    wanted = [("pdf", record.key, record.sha256, record.size)]
    for role, key in (("text", record.text_key), ("dropped", record.dropped_key)):
        if key is None:
            continue
        head = primary.head(key)
        if head is None:
            log.warning("sidecar missing at enrolment", extra={"doc_id": record.id, "role": role})
            continue
        wanted.append((role, key, head.sha256, head.size))
    with catalog.sessions.begin() as session:
        listed = {
            row.key: row
            for row in session.scalars(
                select(StoredObjectRow).where(StoredObjectRow.document_id == record.id)
            )
        }
        for role, key, sha256, size in wanted:
            if key is None or sha256 is None or key in listed:
                continue
            listed[key] = StoredObjectRow(
                document_id=record.id, dossier_code=record.dossier_code, role=role,
                key=key, sha256=sha256, size=size or 0,
            )  # fmt: skip
            session.add(listed[key])
        session.flush()
        return [kept_object(row) for row in listed.values()]


def enroll_unlisted(catalog: Catalog, primary: ObjectStore, limit: int = 500) -> int:
    """List the objects of stored documents that have none listed yet (stored before
    keeping existed, or by a process without it); returns how many documents."""
    listed = select(StoredObjectRow.document_id)
    query = (
        select(Document.id)
        .where(Document.status == "stored", Document.id.not_in(listed))
        .order_by(Document.id)
        .limit(limit)
    )
    with catalog.sessions() as session:
        ids = list(session.scalars(query))
    for doc_id in ids:
        record = catalog.document(doc_id)
        if record is not None and record.key is not None:
            enroll(catalog, primary, record)
    return len(ids)


def replicate_pending(
    keeper: Keeper, catalog: Catalog, objects: list[KeptObject], *, actor: str
) -> int:
    """Copy objects not yet on the replica (verified by SHA-256); returns how many were copied.

    A replica that fails leaves the object pending with a WARNING; nothing is raised.
    """
    if keeper.replica is None:
        return 0
    copied = 0
    for kept in objects:
        if kept.replicated_at is not None:
            continue
        try:
            copy_object(keeper.primary, keeper.replica, kept)
        except StorageError as error:
            log.warning(
                "second copy pending: replica not written; `sohoa replicate` will catch up",
                extra={
                    "doc_id": kept.document_id,
                    "role": kept.role,
                    "error": type(error).__name__,
                },
            )
            continue
        protect(keeper.replica, kept.key, _retain_until(catalog, kept.document_id))
        mark_replicated(catalog, kept.id)
        try_record_event(
            catalog, "copied", dossier_code=kept.dossier_code, document_id=kept.document_id,
            actor=actor, detail={"role": kept.role, "to": "replica", "sha256": kept.sha256},
        )  # fmt: skip
        copied += 1
    return copied


def pending_replication(catalog: Catalog, limit: int = 500) -> list[KeptObject]:
    """Objects whose second copy is not written yet, oldest first."""
    query = (
        select(StoredObjectRow)
        .where(StoredObjectRow.replicated_at.is_(None))
        .order_by(StoredObjectRow.id)
        .limit(limit)
    )
    with catalog.sessions() as session:
        return [kept_object(row) for row in session.scalars(query)]


def copy_object(source: ObjectStore, dest: ObjectStore, kept: KeptObject) -> StoredObject:
    """Read ``kept`` from ``source`` (verified against the catalog's digest) and write it
    to ``dest`` (which verifies what landed)."""
    with tempfile.TemporaryDirectory(prefix="sohoa-copy-") as tmp:
        local = Path(tmp) / "object"
        got = source.get_to_file(kept.key, local)
        if got.sha256 != kept.sha256:
            raise ChecksumMismatch(
                f"{kept.key!r} in {source.describe()} is recorded as {got.sha256}, "
                f"the catalog says {kept.sha256}; not copied"
            )
        return dest.put_file(kept.key, local, kept.sha256, kept.content_type)


def mark_replicated(catalog: Catalog, object_id: int) -> None:
    with catalog.sessions.begin() as session:
        row = session.get(StoredObjectRow, object_id)
        if row is not None:
            row.replicated_at = utc_now()


def protect(store: ObjectStore, key: str, until: datetime | None) -> bool:
    """Lock ``key`` where the store can (S3 object lock); False where it cannot."""
    if not isinstance(store, Lockable):
        return False
    try:
        return store.protect(key, until)
    except StorageError as error:
        log.warning("object lock not applied", extra={"error": type(error).__name__})
        return False


def delete_document(
    catalog: Catalog, store: ObjectStore, doc_id: int, *, actor: str, now: datetime | None = None
) -> None:
    """Delete a document whose retention has ended: its objects on every copy, its listed
    objects and its row; a ``deleted`` event keeps the trace. Refused
    (:class:`RetentionRefused`) for a permanent, still-retained or revoked document;
    on S3 with object lock the server refuses on its own as well."""
    now = now or utc_now()
    keeper = keeper_of(store)
    with catalog.sessions() as session:
        row = session.get(Document, doc_id)
        if row is None:
            raise DocumentNotFound(f"no document #{doc_id} in the catalog")
        _check_deletable(row, now)
        code, number, kind, sha256 = row.dossier_code, row.number, row.kind, row.sha256
        keys = list(
            session.scalars(
                select(StoredObjectRow.key).where(StoredObjectRow.document_id == doc_id)
            )
        )
    for copy in keeper.copies().values():
        for key in keys:
            if isinstance(copy, Lockable):
                copy.delete_all_versions(key)
            else:
                copy.delete(key)
    with catalog.sessions.begin() as session:
        for listed in session.scalars(
            select(StoredObjectRow).where(StoredObjectRow.document_id == doc_id)
        ):
            session.delete(listed)
        doomed = session.get(Document, doc_id)
        if doomed is not None:
            session.delete(doomed)
    try_record_event(
        catalog, "deleted", dossier_code=code, document_id=doc_id, actor=actor,
        detail={"kind": kind, "number": number, "sha256": sha256, "objects": len(keys)},
    )  # fmt: skip


def _check_deletable(row: Document, now: datetime) -> None:
    if getattr(row, "revoked_at", None) is not None:
        raise RetentionRefused(
            f"Tài liệu #{row.id} đã bị thu hồi, phải lưu giữ hết thời hạn / "
            f"document #{row.id} is revoked: it is kept for its retention period"
        )
    if row.retain_until is None:
        raise RetentionRefused(
            f"Tài liệu #{row.id} được lưu vĩnh viễn / document #{row.id} is kept permanently"
        )
    if row.retain_until > now:
        day = row.retain_until.date().isoformat()
        raise RetentionRefused(
            f"Tài liệu #{row.id} phải lưu đến {day} / document #{row.id} is retained until {day}"
        )


def _set_retention(
    catalog: Catalog, record: DocumentRecord, policy: RetentionPolicy
) -> datetime | None:
    """Set ``retain_until`` once (a later keep never shortens or moves it)."""
    with catalog.sessions.begin() as session:
        row = session.get(Document, record.id)
        if row is None:
            raise DocumentNotFound(f"no document #{record.id} in the catalog")
        if row.retain_until is None:
            row.retain_until = policy.until(record.kind, record.updated_at or utc_now())
        return row.retain_until


def _retain_until(catalog: Catalog, doc_id: int) -> datetime | None:
    with catalog.sessions() as session:
        row = session.get(Document, doc_id)
        return None if row is None else row.retain_until


def kept_object(row: StoredObjectRow) -> KeptObject:
    return KeptObject(
        id=row.id,
        document_id=row.document_id,
        dossier_code=row.dossier_code,
        role=row.role,
        key=row.key,
        sha256=row.sha256,
        size=row.size,
        replicated_at=row.replicated_at,
        last_fixity_at=row.last_fixity_at,
        last_fixity_ok=row.last_fixity_ok,
    )
