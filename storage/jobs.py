"""The queue's job book: every state change of a job as one short, conditional transaction.

Why conditional UPDATEs everywhere: messages can be delivered twice (a worker
killed before its ack, a reconciler re-sending a slow page) and several
workers run at once. Each transition states the state it expects, so only one
caller wins it; the loser learns it has nothing to do. The page counter is a
single-row ``UPDATE … SET pages_done = pages_done + 1 … RETURNING``: the row
lock serialises the last two pages (PostgreSQL and SQLite alike), so exactly
one of them sees ``pages_done == pages_total`` and sends the assemble step.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sohoa.clock import utc_now
from sohoa.storage.catalog import Catalog
from sohoa.storage.job_models import Job, JobPage

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "processing", "assembling", "done", "failed"]
ACTIVE: tuple[JobStatus, ...] = ("queued", "processing", "assembling")
_ERROR_CHARS = 2000


@dataclass(frozen=True)
class JobRecord:
    """A job row as plain data (no session escapes)."""

    id: str
    document_id: int
    dossier_code: str
    kind: str
    source_name: str
    source_sha256: str
    source_key: str
    source_kind: str | None
    options: dict[str, Any]
    status: JobStatus
    pages_total: int | None
    pages_done: int
    error: str | None
    attempts: int
    assemblies: int
    created_at: datetime
    touched_at: datetime
    finished_at: datetime | None
    #: The machine kind of the failure and its Vietnamese message (``error`` is English).
    error_kind: str | None = None
    error_vi: str | None = None

    @property
    def duplicate(self) -> bool:
        """Done with nothing assembled: the source was already stored when this job came.

        Each submission has its own job row (a duplicate's is created done), so every
        reader (the 202 answer, ``/jobs/{id}``, a waiting CLI) gives the same answer."""
        return self.status == "done" and self.assemblies == 0


@dataclass(frozen=True)
class PageRecord:
    job_id: str
    index: int
    info: dict[str, Any]
    status: str
    worker: str | None
    attempts: int
    touched_at: datetime


@dataclass(frozen=True)
class NewJob:
    """What the submitter knows about a job before any worker has seen it."""

    document_id: int
    dossier_code: str
    kind: str
    source_name: str
    source_sha256: str
    source_key: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Stuck:
    """Work that has not moved since the reconciler's cutoff."""

    queued_jobs: tuple[str, ...]
    pages: tuple[tuple[str, int], ...]
    assembling_jobs: tuple[str, ...]


class JobBook:
    """Jobs and pages, in the catalog's database (its schema is the database's business)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._sessions = catalog.sessions

    # -- submitting ------------------------------------------------------------------------

    def create(self, new: NewJob, *, status: JobStatus = "queued") -> JobRecord:
        """Record a job before its first message is sent (the outbox); see :meth:`open`."""
        return self.open(new, status=status)[0]

    def open(self, new: NewJob, *, status: JobStatus = "queued") -> tuple[JobRecord, bool]:
        """Record a job, or find the active one its document already has: ``(job, created)``.

        A document never has two active jobs (the unique partial index
        ``uq_jobs_active_document``): of two submits racing for one document, the
        second gets the first one's job and sends nothing.
        """
        try:
            return self._insert(new, status), True
        except IntegrityError:
            active = self.active_for_document(new.document_id)
            if active is None:  # it ended between our insert and this read: try once more
                return self._insert(new, status), True
            log.info("document already has an active job", extra={"job": active.id})
            return active, False

    def active_for_document(self, document_id: int) -> JobRecord | None:
        """The document's active (queued, processing or assembling) job, if any."""
        with self._sessions() as session:
            row = session.scalars(
                select(Job).where(Job.document_id == document_id, Job.status.in_(ACTIVE))
            ).first()
            return _job(row) if row else None

    def _insert(self, new: NewJob, status: JobStatus) -> JobRecord:
        now = utc_now()
        row = Job(
            id=uuid.uuid4().hex,
            document_id=new.document_id,
            dossier_code=new.dossier_code,
            kind=new.kind,
            source_name=new.source_name,
            source_sha256=new.source_sha256,
            source_key=new.source_key,
            options=new.options,
            status=status,
            pages_done=0,
            attempts=0,
            assemblies=0,
            created_at=now,
            touched_at=now,
            finished_at=now if status == "done" else None,
        )
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            record = _job(row)
        log.info("job recorded", extra={"job": record.id, "document_id": new.document_id})
        return record

    def get(self, job_id: str) -> JobRecord | None:
        with self._sessions() as session:
            row = session.get(Job, job_id)
            return _job(row) if row else None

    def latest_for_document(self, document_id: int) -> JobRecord | None:
        with self._sessions() as session:
            row = session.scalars(
                select(Job)
                .where(Job.document_id == document_id)
                .order_by(Job.created_at.desc())
                .limit(1)
            ).first()
            return _job(row) if row else None

    def active_for_source(self, source_sha256: str) -> int:
        """Jobs still active for this source (whoever may still need its inbox copy)."""
        with self._sessions() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(Job)
                    .where(Job.source_sha256 == source_sha256, Job.status.in_(ACTIVE))
                )
                or 0
            )

    # -- the document step ------------------------------------------------------------------

    def start_pages(self, job_id: str, source_kind: str, infos: Sequence[dict[str, Any]]) -> bool:
        """queued → processing with one page row per page; False if another delivery did it."""
        now = utc_now()
        with self._sessions.begin() as session:
            moved = _update_job(
                session,
                job_id,
                Job.status == "queued",
                status="processing",
                source_kind=source_kind,
                pages_total=len(infos),
                pages_done=0,
                touched_at=now,
            )
            if not moved:
                return False
            session.execute(
                insert(JobPage),
                [
                    {
                        "job_id": job_id,
                        "page_index": i,
                        "info": info,
                        "status": "queued",
                        "attempts": 0,
                        "touched_at": now,
                    }
                    for i, info in enumerate(infos)
                ],
            )
        return True

    # -- the page step ----------------------------------------------------------------------

    def claim_page(self, job_id: str, index: int, worker: str) -> PageRecord | None:
        """Take a page unless it is done or its job is not processing (then None: skip it)."""
        with self._sessions.begin() as session:
            moved = _rowcount(
                session.execute(
                    update(JobPage)
                    .where(
                        JobPage.job_id == job_id,
                        JobPage.page_index == index,
                        JobPage.status != "done",
                        select(Job.id).where(Job.id == job_id, Job.status == "processing").exists(),
                    )
                    .values(
                        status="processing",
                        worker=worker,
                        attempts=JobPage.attempts + 1,
                        touched_at=utc_now(),
                    )
                )
            )
            if not moved:
                return None
            row = session.get(JobPage, (job_id, index))
            assert row is not None
            return _page(row)

    def finish_page(self, job_id: str, index: int, worker: str) -> bool:
        """Mark a page done; True for exactly one caller: the one that finished the last page."""
        now = utc_now()
        with self._sessions.begin() as session:
            moved = _rowcount(
                session.execute(
                    update(JobPage)
                    .where(
                        JobPage.job_id == job_id,
                        JobPage.page_index == index,
                        JobPage.status != "done",
                    )
                    .values(status="done", worker=worker, touched_at=now)
                )
            )
            if not moved:
                return False
            done, total = session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(pages_done=Job.pages_done + 1, touched_at=now)
                .returning(Job.pages_done, Job.pages_total)
            ).one()
            if done != total:
                return False
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "processing")
                .values(status="assembling", assemble_owner=None, assemble_since=None)
            )
            return True

    def pages(self, job_id: str) -> list[PageRecord]:
        with self._sessions() as session:
            rows = session.scalars(
                select(JobPage).where(JobPage.job_id == job_id).order_by(JobPage.page_index)
            )
            return [_page(row) for row in rows]

    # -- the assemble step ------------------------------------------------------------------

    def claim_assembly(self, job_id: str, owner: str, lease: timedelta) -> JobRecord | None:
        """Take the assemble lease; None while someone else holds a fresh one (or it is done)."""
        now = utc_now()
        with self._sessions.begin() as session:
            moved = _update_job(
                session,
                job_id,
                Job.status == "assembling",
                (Job.assemble_owner.is_(None)) | (Job.assemble_since < now - lease),
                assemble_owner=owner,
                assemble_since=now,
                touched_at=now,
            )
            if not moved:
                return None
            row = session.get(Job, job_id)
            assert row is not None
            return _job(row)

    def finish_assembly(self, job_id: str, owner: str, *, assembled: bool) -> bool:
        """assembling → done for the lease holder; counts assemblies so doubles would show."""
        return self._done(
            job_id, assembled, Job.status == "assembling", Job.assemble_owner == owner
        )

    # -- embedded jobs (the API without a queue: one step, run in the API process) ----------

    def begin(self, job_id: str) -> bool:
        """queued → processing for an embedded job (also taken again after a restart)."""
        with self._sessions.begin() as session:
            return bool(
                _update_job(
                    session,
                    job_id,
                    Job.status.in_(("queued", "processing")),
                    status="processing",
                    touched_at=utc_now(),
                )
            )

    def finish(self, job_id: str, *, assembled: bool) -> bool:
        """An embedded job ended stored; ``assembled`` is False for a duplicate (nothing redone)."""
        return self._done(job_id, assembled, Job.status.in_(ACTIVE))

    def _done(self, job_id: str, assembled: bool, *conditions: Any) -> bool:
        """Move the job to done where ``conditions`` hold (queued or embedded, one rule)."""
        now = utc_now()
        with self._sessions.begin() as session:
            return bool(
                _update_job(
                    session,
                    job_id,
                    *conditions,
                    status="done",
                    assemblies=Job.assemblies + (1 if assembled else 0),
                    error=None,
                    error_kind=None,
                    error_vi=None,
                    touched_at=now,
                    finished_at=now,
                )
            )

    def record_progress(self, job_id: str, done: int, total: int) -> bool:
        """Pages OCR'd so far by an embedded job, so people watching it see them arrive
        (the queue's workers count pages with :meth:`finish_page` instead)."""
        with self._sessions.begin() as session:
            return bool(
                _update_job(
                    session,
                    job_id,
                    Job.status == "processing",
                    pages_done=done,
                    pages_total=total,
                    touched_at=utc_now(),
                )
            )

    # -- failures, retries, redrive ---------------------------------------------------------

    def record_retry(self, job_id: str, error: str) -> None:
        """An attempt failed and will be retried: count it and say why (shown by status)."""
        with self._sessions.begin() as session:
            _update_job(
                session,
                job_id,
                Job.status.in_(ACTIVE),
                attempts=Job.attempts + 1,
                error=error[:_ERROR_CHARS],
            )

    def fail(
        self, job_id: str, error: str, *, kind: str | None = None, error_vi: str | None = None
    ) -> bool:
        """The dead letter: the job stops here with its reason (kind, English and
        Vietnamese message) until redriven."""
        now = utc_now()
        with self._sessions.begin() as session:
            moved = _update_job(
                session,
                job_id,
                Job.status.in_(ACTIVE),
                status="failed",
                error=error[:_ERROR_CHARS],
                error_kind=kind,
                error_vi=None if error_vi is None else error_vi[:_ERROR_CHARS],
                attempts=Job.attempts + 1,
                touched_at=now,
                finished_at=now,
            )
        if moved:
            log.warning("job failed", extra={"job": job_id, "reason": error[:200]})
        return bool(moved)

    def redrive(self, job_id: str) -> bool:
        """failed → queued from the start (pages included); False if it was not failed."""
        with self._sessions.begin() as session:
            moved = _update_job(
                session,
                job_id,
                Job.status == "failed",
                status="queued",
                pages_total=None,
                pages_done=0,
                source_kind=None,
                assemble_owner=None,
                assemble_since=None,
                touched_at=utc_now(),
                finished_at=None,
            )
            if moved:
                session.execute(delete(JobPage).where(JobPage.job_id == job_id))
            document_id = session.scalar(select(Job.document_id).where(Job.id == job_id))
        if moved and document_id is not None:
            self._catalog.reopen(document_id)  # a rejected row takes a fresh number
        return bool(moved)

    def ids(self, status: JobStatus) -> list[str]:
        with self._sessions() as session:
            return list(
                session.scalars(select(Job.id).where(Job.status == status).order_by(Job.created_at))
            )

    # -- the reconciler ---------------------------------------------------------------------

    def stuck(self, older_than: timedelta) -> Stuck:
        """Jobs and pages whose last move is older than ``older_than``."""
        cutoff = utc_now() - older_than
        with self._sessions() as session:
            queued = session.scalars(
                select(Job.id).where(Job.status == "queued", Job.touched_at < cutoff)
            )
            assembling = session.scalars(
                select(Job.id).where(Job.status == "assembling", Job.touched_at < cutoff)
            )
            pages = session.execute(
                select(JobPage.job_id, JobPage.page_index)
                .join(Job, Job.id == JobPage.job_id)
                .where(
                    Job.status == "processing",
                    JobPage.status != "done",
                    JobPage.touched_at < cutoff,
                )
                .order_by(JobPage.job_id, JobPage.page_index)
            )
            return Stuck(
                queued_jobs=tuple(queued),
                pages=tuple((job, int(index)) for job, index in pages),
                assembling_jobs=tuple(assembling),
            )

    def touch_job(self, job_id: str, older_than: timedelta) -> bool:
        """Claim a stuck job for re-sending; only one reconciler wins (and the clock restarts)."""
        now = utc_now()
        with self._sessions.begin() as session:
            return bool(
                _update_job(session, job_id, Job.touched_at < now - older_than, touched_at=now)
            )

    def touch_page(self, job_id: str, index: int, older_than: timedelta) -> bool:
        now = utc_now()
        with self._sessions.begin() as session:
            return bool(
                _rowcount(
                    session.execute(
                        update(JobPage)
                        .where(
                            JobPage.job_id == job_id,
                            JobPage.page_index == index,
                            JobPage.status != "done",
                            JobPage.touched_at < now - older_than,
                        )
                        .values(touched_at=now)
                    )
                )
            )

    # -- reading for people -----------------------------------------------------------------

    def for_dossier(self, dossier_code: str) -> list[JobRecord]:
        with self._sessions() as session:
            rows = session.scalars(
                select(Job).where(Job.dossier_code == dossier_code).order_by(Job.created_at)
            )
            return [_job(row) for row in rows]

    def recent(self, limit: int = 50) -> list[JobRecord]:
        with self._sessions() as session:
            rows = session.scalars(select(Job).order_by(Job.created_at.desc()).limit(limit))
            return [_job(row) for row in rows][::-1]

    def count_by_status(self) -> dict[str, int]:
        with self._sessions() as session:
            rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
            return {str(status): int(count) for status, count in rows}


def _update_job(session: Session, job_id: str, *conditions: Any, **values: Any) -> int:
    """UPDATE the job if `conditions` hold: 1 if it moved, 0 if another step got there first.

    Every state change is such a conditional update, which is what makes redelivered
    and re-sent messages harmless.
    """
    statement = update(Job).where(Job.id == job_id, *conditions).values(**values)
    return _rowcount(session.execute(statement))


def _rowcount(result: Any) -> int:
    """Rows an UPDATE matched (a CursorResult for DML; typed loosely by SQLAlchemy)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _job(row: Job) -> JobRecord:
    status: JobStatus = row.status  # type: ignore[assignment]
    return JobRecord(
        id=row.id,
        document_id=row.document_id,
        dossier_code=row.dossier_code,
        kind=row.kind,
        source_name=row.source_name,
        source_sha256=row.source_sha256,
        source_key=row.source_key,
        source_kind=row.source_kind,
        options=dict(row.options or {}),
        status=status,
        pages_total=row.pages_total,
        pages_done=row.pages_done,
        error=row.error,
        attempts=row.attempts,
        assemblies=row.assemblies,
        created_at=row.created_at,
        touched_at=row.touched_at,
        finished_at=row.finished_at,
        error_kind=row.error_kind,
        error_vi=row.error_vi,
    )


def _page(row: JobPage) -> PageRecord:
    return PageRecord(
        job_id=row.job_id,
        index=row.page_index,
        info=dict(row.info),
        status=row.status,
        worker=row.worker,
        attempts=row.attempts,
        touched_at=row.touched_at,
    )
