"""Fixity audit: every stored object re-read on every copy and checked against the catalog.

Objects due for a check are taken in id order, in bounded batches; each object's result
is committed as soon as it is known (``stored_objects.last_fixity_at``), so an
interrupted audit resumes where it stopped: the next run with ``older_than``
skips what was just checked. A :class:`Throttle` keeps the reads under a byte
and object rate, so the audit never starves the counter's own scans.

A copy that is missing or whose bytes do not hash to the catalog's SHA-256 is
an alert: an ERROR log line (ids and roles, no personal data), the Prometheus
counter ``sohoa_fixity_failures_total``, a ``fixity_failed`` event, and the
message says what to do. With ``repair`` the bad copy is rewritten from the
good one and re-verified (``copied`` and ``verified`` events).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from prometheus_client import Counter
from sqlalchemy import ColumnElement, func, or_, select

from sohoa.clock import utc_now
from sohoa.storage.catalog import Catalog
from sohoa.storage.errors import ChecksumMismatch, ObjectNotFound, StorageError, StorageUnavailable
from sohoa.storage.events import try_record_event
from sohoa.storage.keeping import (
    Keeper,
    KeptObject,
    copy_object,
    enroll_unlisted,
    kept_object,
    mark_replicated,
    protect,
)
from sohoa.storage.keeping_models import StoredObjectRow
from sohoa.storage.models import Document
from sohoa.storage.objects import ObjectStore

__all__ = ["AuditReport", "ObjectCheck", "Throttle", "audit"]

log = logging.getLogger(__name__)

CopyState = Literal["ok", "missing", "corrupt", "unreachable", "pending", "repaired", "copied"]
_BAD: frozenset[str] = frozenset({"missing", "corrupt"})

FIXITY_FAILURES = Counter(
    "sohoa_fixity_failures_total",
    "Stored object copies found missing or corrupted by the fixity audit",
    ["copy", "problem"],
)

WHAT_TO_DO = (
    "khôi phục từ bản sao thứ hai: sohoa audit --repair / "
    "restore from the second copy: sohoa audit --repair"
)
ONLY_COPY = (
    "không có bản sao thứ hai: khôi phục từ bản sao lưu và cấu hình SOHOA_REPLICA_URL / "
    "no second copy: restore this object from a backup and configure SOHOA_REPLICA_URL"
)
BOTH_LOST = (
    "cả hai bản đều hỏng, khôi phục từ bản sao lưu / "
    "both copies are bad: restore this object from a backup"
)


@dataclass
class Throttle:
    """At most ``max_bytes_per_s`` and ``max_objects_per_s`` (None = unlimited), by
    sleeping after an object until the running average falls under both limits."""

    max_bytes_per_s: float | None = None
    max_objects_per_s: float | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _start: float | None = None
    _bytes: int = 0
    _objects: int = 0

    def after(self, size: int) -> None:
        if self._start is None:
            self._start = self.clock()
        self._bytes += size
        self._objects += 1
        needed = max(
            self._bytes / self.max_bytes_per_s if self.max_bytes_per_s else 0.0,
            self._objects / self.max_objects_per_s if self.max_objects_per_s else 0.0,
        )
        behind = needed - (self.clock() - self._start)
        if behind > 0:
            self.sleep(behind)


@dataclass(frozen=True)
class ObjectCheck:
    """One object's audit: the state of each copy, and whether all ended good."""

    object_id: int
    document_id: int
    dossier_code: str
    role: str
    size: int
    copies: dict[str, CopyState]

    @property
    def ok(self) -> bool:
        return all(state in ("ok", "repaired", "copied") for state in self.copies.values())

    @property
    def failed(self) -> bool:
        """A copy was found missing or corrupted (even if repaired since)."""
        return any(state in _BAD for state in self.copies.values())


@dataclass
class AuditReport:
    """What an audit run did; ``checks`` has one line per object (for the CSV/JSON report)."""

    started_at: datetime
    seconds: float = 0.0
    bytes_read: int = 0
    checks: list[ObjectCheck] = field(default_factory=list)
    remaining: int = 0

    @property
    def checked(self) -> int:
        return len(self.checks)

    @property
    def failures(self) -> int:
        return sum(1 for c in self.checks if c.failed)

    @property
    def unresolved(self) -> int:
        return sum(1 for c in self.checks if not c.ok)


Progress = Callable[[int, int], None]


def audit(
    catalog: Catalog,
    keeper: Keeper,
    *,
    older_than: timedelta | None = None,
    repair: bool = False,
    max_objects: int | None = None,
    batch: int = 100,
    throttle: Throttle | None = None,
    progress: Progress | None = None,
    actor: str = "system",
) -> AuditReport:
    """Check every object not checked since ``older_than`` ago (default: since this run
    started, i.e. all), at most ``max_objects``, in batches of ``batch``."""
    report = AuditReport(started_at=utc_now())
    enroll_unlisted(catalog, keeper.primary)
    cutoff = report.started_at - (older_than or timedelta(0))
    total = _count_due(catalog, cutoff)
    wanted = min(total, max_objects) if max_objects is not None else total
    throttle = throttle or Throttle()
    started = time.monotonic()
    last_id = 0
    with tempfile.TemporaryDirectory(prefix="sohoa-audit-") as tmp:
        while report.checked < wanted:
            due = _due(catalog, cutoff, last_id, min(batch, wanted - report.checked))
            if not due:
                break
            for kept in due:
                last_id = kept.id
                check = _check_object(catalog, keeper, kept, Path(tmp), repair, actor)
                report.checks.append(check)
                read = kept.size * sum(1 for s in check.copies.values() if s != "unreachable")
                report.bytes_read += read
                throttle.after(read)
                if progress is not None:
                    progress(report.checked, wanted)
    report.seconds = time.monotonic() - started
    report.remaining = total - report.checked
    return report


def _check_object(
    catalog: Catalog, keeper: Keeper, kept: KeptObject, tmp: Path, repair: bool, actor: str
) -> ObjectCheck:
    copies: dict[str, CopyState] = {
        name: read_state(store, kept, tmp) for name, store in keeper.copies().items()
    }
    if "replica" in copies and kept.replicated_at is None and copies["replica"] != "ok":
        copies["replica"] = "pending"  # never written yet: a catch-up, not a loss
    for name, state in copies.items():
        if state in _BAD:
            _alert(catalog, kept, name, state, copies, actor)
        elif state == "unreachable":
            log.warning("fixity: copy unreachable", extra={"copy": name, "object_id": kept.id})
    if repair or copies.get("replica") == "pending":
        copies = _mend(catalog, keeper, kept, copies, tmp, repair, actor)
    check = ObjectCheck(kept.id, kept.document_id, kept.dossier_code, kept.role, kept.size, copies)
    if "unreachable" not in copies.values():
        _record_check(catalog, kept, check, actor)
    return check


def read_state(store: ObjectStore, kept: KeptObject, tmp: Path) -> CopyState:
    """Read the whole object, hashing it; compare with the catalog's digest."""
    local = tmp / f"object-{kept.id}"
    try:
        got = store.get_to_file(kept.key, local)
    except ObjectNotFound:
        return "missing"
    except ChecksumMismatch:
        return "corrupt"
    except StorageUnavailable:
        return "unreachable"
    except StorageError:  # e.g. an S3 object without its recorded digest
        return "corrupt"
    finally:
        local.unlink(missing_ok=True)
    return "ok" if got.sha256 == kept.sha256 else "corrupt"


def _mend(
    catalog: Catalog,
    keeper: Keeper,
    kept: KeptObject,
    copies: dict[str, CopyState],
    tmp: Path,
    repair: bool,
    actor: str,
) -> dict[str, CopyState]:
    """Rewrite each bad (or, for the replica, pending) copy from a good one, then re-read it."""
    stores = keeper.copies()
    good = [name for name, state in copies.items() if state == "ok"]
    if not good:
        return copies
    mended = dict(copies)
    for name, state in copies.items():
        if not (state == "pending" or (repair and state in _BAD)):
            continue
        try:
            copy_object(stores[good[0]], stores[name], kept)
        except StorageError as error:
            log.warning("repair failed", extra={"copy": name, "error": type(error).__name__})
            continue
        protect(stores[name], kept.key, _retain_until(catalog, kept.document_id))
        if read_state(stores[name], kept, tmp) != "ok":
            continue
        mended[name] = "copied" if state == "pending" else "repaired"
        if name == "replica":
            mark_replicated(catalog, kept.id)
        detail = {"role": kept.role, "from": good[0], "to": name, "sha256": kept.sha256}
        for event in ("copied", "verified"):
            try_record_event(
                catalog, event, dossier_code=kept.dossier_code, document_id=kept.document_id,
                actor=actor, detail=detail,
            )  # fmt: skip
    return mended


def _alert(
    catalog: Catalog,
    kept: KeptObject,
    copy: str,
    problem: str,
    copies: dict[str, CopyState],
    actor: str,
) -> None:
    others = [state for name, state in copies.items() if name != copy]
    todo = WHAT_TO_DO if "ok" in others else BOTH_LOST if others else ONLY_COPY
    FIXITY_FAILURES.labels(copy=copy, problem=problem).inc()
    log.error(
        f"fixity failure: {copy} copy {problem}; {todo}",
        extra={"object_id": kept.id, "doc_id": kept.document_id, "role": kept.role,
               "copy": copy, "problem": problem},
    )  # fmt: skip
    try_record_event(
        catalog, "fixity_failed", dossier_code=kept.dossier_code, document_id=kept.document_id,
        actor=actor, detail={"role": kept.role, "copy": copy, "problem": problem},
    )  # fmt: skip


def _record_check(catalog: Catalog, kept: KeptObject, check: ObjectCheck, actor: str) -> None:
    """The object's row always; a ``fixity_checked`` event too, except for a good page
    thumbnail (derived data, one per page: the trail would drown in them; a bad one still
    gets its ``fixity_failed``)."""
    with catalog.sessions.begin() as session:
        row = session.get(StoredObjectRow, kept.id)
        if row is not None:
            row.last_fixity_at = utc_now()
            row.last_fixity_ok = check.ok
    if kept.role == "thumb" and check.ok and not check.failed:
        return
    try_record_event(
        catalog, "fixity_checked", dossier_code=kept.dossier_code,
        document_id=kept.document_id, actor=actor,
        detail={"role": kept.role, "ok": check.ok, **dict(check.copies)},
    )  # fmt: skip


def _due_filter(cutoff: datetime) -> ColumnElement[bool]:
    return or_(StoredObjectRow.last_fixity_at.is_(None), StoredObjectRow.last_fixity_at < cutoff)


def _count_due(catalog: Catalog, cutoff: datetime) -> int:
    with catalog.sessions() as session:
        query = select(func.count()).select_from(StoredObjectRow).where(_due_filter(cutoff))
        return int(session.scalar(query) or 0)


def _due(catalog: Catalog, cutoff: datetime, after_id: int, limit: int) -> list[KeptObject]:
    query = (
        select(StoredObjectRow)
        .where(_due_filter(cutoff), StoredObjectRow.id > after_id)
        .order_by(StoredObjectRow.id)
        .limit(limit)
    )
    with catalog.sessions() as session:
        return [kept_object(row) for row in session.scalars(query)]


def _retain_until(catalog: Catalog, doc_id: int) -> datetime | None:
    with catalog.sessions() as session:
        row = session.get(Document, doc_id)
        return None if row is None else row.retain_until
