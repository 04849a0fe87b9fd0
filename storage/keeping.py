"""Keeping a stored document: its objects listed, its retention set, its second copy made.

:func:`keep_stored` is the one call the lifecycle makes once a document is
marked stored (and again after each fix and when thumbnails are made late). It
lists every object the document owns in ``stored_objects`` with its SHA-256 —
see :data:`ROLES`: the PDF/A of every version, each version's OCR text and page
thumbnails, and the dropped pages — sets ``documents.retain_until`` from
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
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from sohoa.clock import utc_now, vietnam_time
from sohoa.storage.catalog import Catalog, DocumentRecord, record_of
from sohoa.storage.errors import (
    ChecksumMismatch,
    DocumentNotFound,
    RetentionRefused,
    StorageError,
    StorageUnavailable,
)
from sohoa.storage.events import try_record_event
from sohoa.storage.job_models import Job, JobPage
from sohoa.storage.keeping_models import StoredObjectRow
from sohoa.storage.keys import thumb_key
from sohoa.storage.models import Document
from sohoa.storage.objects import ObjectStore, StoredObject
from sohoa.storage.search_models import DocumentTextRow
from sohoa.storage.version_models import DocumentVersionRow

if TYPE_CHECKING:
    from sohoa.storage.versions import VersionRecord

__all__ = [
    "ROLES",
    "DeletionPlan",
    "Keeper",
    "KeptObject",
    "RetentionPolicy",
    "copy_object",
    "delete_document",
    "enroll_unlisted",
    "keep_stored",
    "keeper_of",
    "owned_objects",
    "plan_deletion",
    "replicate_pending",
]

log = logging.getLogger(__name__)

_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "dropped": "application/pdf",
    "text": "application/json",
    "thumb": "image/jpeg",
}
#: Every kind of object a stored document owns, each listed, locked, copied, audited and
#: deleted with it. Signing is done before the store (the stored PDF/A is the signed
#: one); a fix adds a version with its own pdf, text and thumbs and keeps the earlier ones.
ROLES: dict[str, str] = {
    "pdf": "the PDF/A of a version (<name>.pdf, <name>.v<k>.pdf), signed when the unit signs",
    "text": "a version's OCR text (<name>[.v<k>].ocr.json)",
    "thumb": "a version's page thumbnails (<name>[.v<k>].thumbs/<n>.jpg)",
    "dropped": "the scanned pages left out as blank (<name>.dropped.pdf)",
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


@dataclass(frozen=True)
class _Wanted:
    """An object the document should have listed; ``sha256`` None: ask the store (a sidecar,
    whose digest the store recorded when it verified the upload)."""

    role: str
    key: str
    sha256: str | None = None
    size: int = 0


def owned_objects(catalog: Catalog, record: DocumentRecord) -> list[_Wanted]:
    """Every object ``record`` owns, by its catalog entries alone (nothing read from a store):
    the current version (the document row's mirror) and each earlier version, each with its
    PDF, OCR text and thumbnails, plus the dropped pages."""
    from sohoa.storage.versions import versions

    return _owned(record, versions(catalog, record) if record.key is not None else [])


def _owned(record: DocumentRecord, every_version: list[VersionRecord]) -> list[_Wanted]:
    """:func:`owned_objects` of ``record`` with its versions (oldest first) already read."""
    if record.key is None:
        return []
    current = (record.key, record.sha256, record.size, record.text_key, record.thumbs_key,
               record.pages)  # fmt: skip
    earlier = [
        (v.key, v.sha256, v.size, v.text_key, v.thumbs_key, v.pages) for v in every_version[:-1]
    ]
    wanted: list[_Wanted] = []
    for key, sha256, size, text_key, thumbs, pages in [current, *earlier]:
        wanted.append(_Wanted("pdf", key, sha256, size or 0))
        if text_key is not None:
            wanted.append(_Wanted("text", text_key))
        if thumbs is not None:
            wanted.extend(
                _Wanted("thumb", thumb_key(thumbs, n)) for n in range(1, (pages or 0) + 1)
            )
    if record.dropped_key is not None:
        wanted.append(_Wanted("dropped", record.dropped_key))
    return wanted


def enroll(catalog: Catalog, primary: ObjectStore, record: DocumentRecord) -> list[KeptObject]:
    """The document's objects in ``stored_objects`` (idempotent: listed ones are kept).

    A PDF's digest is the catalog's; a sidecar's or thumbnail's is the one its store
    recorded when it was uploaded (and verified). One missing now is logged and left for
    the audit's catch-up. A key listed under another document (a document attached from
    an earlier dossier shares its source's objects) stays that document's.
    """
    wanted = owned_objects(catalog, record)
    keys = [w.key for w in wanted]
    with catalog.sessions() as session:
        query = select(StoredObjectRow.key).where(StoredObjectRow.key.in_(keys))
        taken = set(session.scalars(query)) if keys else set()
    missing: dict[str, int] = {}
    rows: list[tuple[str, str, str, int]] = []
    for item in wanted:
        if item.key in taken:
            continue
        sha256, size = item.sha256, item.size
        if sha256 is None:
            head = primary.head(item.key)
            if head is None:
                missing[item.role] = missing.get(item.role, 0) + 1
                continue
            sha256, size = head.sha256, head.size
        if sha256:
            rows.append((item.role, item.key, sha256, size))
    if missing:
        log.warning(
            "objects missing at enrolment; `sohoa audit` lists them once they are back",
            extra={"doc_id": record.id, "missing": missing},
        )
    with catalog.sessions.begin() as session:
        for role, key, sha256, size in rows:
            session.add(
                StoredObjectRow(
                    document_id=record.id, dossier_code=record.dossier_code, role=role,
                    key=key, sha256=sha256, size=size,
                )
            )  # fmt: skip
        session.flush()
        listed = session.scalars(
            select(StoredObjectRow)
            .where(StoredObjectRow.document_id == record.id)
            .order_by(StoredObjectRow.id)
        )
        return [kept_object(row) for row in listed]


def enroll_unlisted(catalog: Catalog, primary: ObjectStore, batch: int = 500) -> int:
    """List the objects of stored documents that have none listed, or whose thumbnails
    are not listed (stored before keeping covered them, thumbnails made late, a process
    without keeping); returns how many documents were looked at. Walks the catalog once,
    by id, so a document whose objects stay missing does not hold it up."""
    listed = select(StoredObjectRow.document_id)
    thumbs = select(StoredObjectRow.document_id).where(StoredObjectRow.role == "thumb")
    unlisted = or_(
        Document.id.not_in(listed),
        and_(Document.thumbs_key.is_not(None), Document.id.not_in(thumbs)),
    )
    seen, last = 0, 0
    while True:
        query = (
            select(Document.id)
            .where(Document.status == "stored", Document.id > last, unlisted)
            .order_by(Document.id)
            .limit(batch)
        )
        with catalog.sessions() as session:
            ids = list(session.scalars(query))
        for doc_id in ids:
            record = catalog.document(doc_id)
            if record is not None and record.key is not None:
                enroll(catalog, primary, record)
        seen += len(ids)
        if len(ids) < batch:
            return seen
        last = ids[-1]


def replicate_pending(
    keeper: Keeper, catalog: Catalog, objects: list[KeptObject], *, actor: str
) -> int:
    """Copy objects not yet on the replica (verified by SHA-256); returns how many were copied.

    A replica that fails leaves the object pending with a WARNING; nothing is raised. An
    unreachable replica stops the run at its first object (a document's hundreds of
    thumbnails are not each tried against a dead server). Each object gets its ``copied``
    event, except page thumbnails: one event per document says how many were copied.
    """
    if keeper.replica is None:
        return 0
    copied = 0
    thumbs: dict[tuple[str, int], int] = {}
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
            if isinstance(error, StorageUnavailable):
                break
            continue
        protect(keeper.replica, kept.key, _retain_until(catalog, kept.document_id))
        mark_replicated(catalog, kept.id)
        copied += 1
        if kept.role == "thumb":
            where = (kept.dossier_code, kept.document_id)
            thumbs[where] = thumbs.get(where, 0) + 1
            continue
        try_record_event(
            catalog, "copied", dossier_code=kept.dossier_code, document_id=kept.document_id,
            actor=actor, detail={"role": kept.role, "to": "replica", "sha256": kept.sha256},
        )  # fmt: skip
    for (code, doc_id), count in thumbs.items():
        try_record_event(
            catalog, "copied", dossier_code=code, document_id=doc_id, actor=actor,
            detail={"role": "thumb", "to": "replica", "objects": count},
        )  # fmt: skip
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


@dataclass(frozen=True)
class DeletionPlan:
    """What deleting a document removes, once every rule allows it (shown before asking)."""

    record: DocumentRecord
    retain_until: datetime | None
    #: Every object key it owns, deleted from each copy.
    keys: tuple[str, ...]
    #: The copies they are deleted from: ``primary`` and, when configured, ``replica``.
    copies: tuple[str, ...]


def plan_deletion(
    catalog: Catalog, store: ObjectStore, doc_id: int, *, now: datetime | None = None
) -> DeletionPlan:
    """Check that the document may be deleted now and list what would go, deleting
    nothing. Refused (:class:`RetentionRefused`) for a permanent or still-retained
    document (a revoked one, NĐ 45/2020 Đ15, is kept until its period ends like any
    other), for one whose objects another document still uses (attached to a later
    dossier), and while a queue job is under way for it. All of it read in one session:
    the checks and the list are of one state of the catalog."""
    from sohoa.storage.versions import versions_in

    now = now or utc_now()
    with catalog.sessions() as session:
        row = session.get(Document, doc_id)
        if row is None:
            raise DocumentNotFound(f"no document #{doc_id} in the catalog")
        record = record_of(row)
        _check_deletable(row, now)
        retain_until = row.retain_until
        every_version = versions_in(session, record) if record.key is not None else []
        derived = {w.key for w in _owned(record, every_version)}
        owned = set(
            session.scalars(
                select(StoredObjectRow.key).where(StoredObjectRow.document_id == doc_id)
            )
        )
        # An attached document's keys are its source's (listed under that document).
        others = set(
            session.scalars(
                select(StoredObjectRow.key).where(
                    StoredObjectRow.key.in_(derived), StoredObjectRow.document_id != doc_id
                )
            )
        ) if derived else set()  # fmt: skip
        keys = sorted(owned | (derived - others))
        _refuse_if_shared(session, record, keys)
        _refuse_if_queued(session, doc_id)
    copies = tuple(keeper_of(store).copies())
    return DeletionPlan(record, retain_until, tuple(keys), copies)


def delete_document(
    catalog: Catalog, store: ObjectStore, doc_id: int, *, actor: str, now: datetime | None = None
) -> DeletionPlan:
    """Delete a document whose retention has ended: every object it owns (every version's
    PDF, OCR text and thumbnails, the dropped pages, listed or not) on every copy, then its
    listed objects, versions, search text, finished queue jobs and row; a ``deleted`` event
    (with ``actor``) keeps the trace. Refused as :func:`plan_deletion` says; on S3 with
    object lock the server refuses on its own as well."""
    plan = plan_deletion(catalog, store, doc_id, now=now)
    record = plan.record
    for copy in keeper_of(store).copies().values():
        for key in plan.keys:
            if isinstance(copy, Lockable):
                copy.delete_all_versions(key)
            else:
                copy.delete(key)
    with catalog.sessions.begin() as session:
        jobs = select(Job.id).where(Job.document_id == doc_id)  # its finished queue jobs
        session.execute(delete(JobPage).where(JobPage.job_id.in_(jobs)))
        for table in (StoredObjectRow, DocumentVersionRow, DocumentTextRow, Job):
            session.execute(delete(table).where(table.document_id == doc_id))
        doomed = session.get(Document, doc_id)
        if doomed is not None:
            session.delete(doomed)
    try_record_event(
        catalog, "deleted", dossier_code=record.dossier_code, document_id=doc_id, actor=actor,
        detail={"kind": record.kind, "number": record.number, "sha256": record.sha256,
                "objects": len(plan.keys)},
    )  # fmt: skip
    return plan


def _refuse_if_shared(session: Session, record: DocumentRecord, keys: list[str]) -> None:
    """A document attached from this one's dossier points at the same objects: deleting
    them would take that document's bytes too."""
    prefixes = {key.rsplit("/", 1)[0] + "/" for key in keys if key.endswith(".jpg")}
    other = session.scalars(
        select(Document.id).where(
            Document.id != record.id,
            or_(
                Document.key.in_(keys),
                Document.text_key.in_(keys),
                Document.dropped_key.in_(keys),
                Document.thumbs_key.in_(prefixes),
            ),
        )
    ).first()
    if other is not None:
        raise RetentionRefused(
            f"document #{record.id} is still used by document #{other} (attached to another "
            "dossier); it cannot be deleted",
            f"Tài liệu #{record.id} đang được tài liệu #{other} (gắn vào hồ sơ khác) dùng lại, "
            "không xóa được",
        )


def _refuse_if_queued(session: Session, doc_id: int) -> None:
    """A job still under way for the document (a redriven fix) would write it again."""
    active = session.scalars(
        select(Job.id).where(
            Job.document_id == doc_id, Job.status.in_(("queued", "processing", "assembling"))
        )
    ).first()
    if active is not None:
        raise RetentionRefused(
            f"document #{doc_id} still has a job under way ({active}); try again once it "
            "has finished",
            f"Tài liệu #{doc_id} còn việc đang xử lý trong hàng đợi ({active}); hãy thử lại "
            "khi việc đó xong",
        )


def _check_deletable(row: Document, now: datetime) -> None:
    """Permanent, or retained until a later day: refused. A revoked document (thu hồi,
    NĐ 45/2020 Đ15) is kept for its retention period, never less; the refusal says so."""
    revoked = row.revoked_at is not None
    if row.retain_until is None:
        raise RetentionRefused(
            f"document #{row.id} is kept permanently" + (" (revoked)" if revoked else ""),
            f"Tài liệu #{row.id} được lưu vĩnh viễn" + (" (đã thu hồi)" if revoked else ""),
        )
    if row.retain_until > now:
        until = vietnam_time(row.retain_until)
        if revoked:
            raise RetentionRefused(
                f"document #{row.id} is revoked: NĐ 45/2020 Art. 15 keeps it for its retention "
                f"period, until {until:%Y-%m-%d}",
                f"Tài liệu #{row.id} đã bị thu hồi: theo NĐ 45/2020 Điều 15 phải lưu giữ hết "
                f"thời hạn, đến ngày {until:%d/%m/%Y}",
            )
        raise RetentionRefused(
            f"document #{row.id} is retained until {until:%Y-%m-%d}",
            f"Tài liệu #{row.id} phải lưu giữ đến ngày {until:%d/%m/%Y}",
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
