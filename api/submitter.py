"""Where an accepted upload goes: the seam between the API and whoever digitises.

``Submitter`` is all the routes know. :class:`EmbeddedSubmitter` runs the
lifecycle's :class:`workers.lifecycle.EmbeddedDigitiser` on a small thread pool
inside the API process (the embedded mode: no broker). Its jobs are recorded in
the catalog's ``jobs`` table before the upload is answered 202, ``/jobs/{id}``
is answered from there, and jobs a stopped API left queued or running are
resumed when it starts again: an accepted upload ends stored or rejected.

With SOHOA_BROKER_URL set, :func:`make_submitter` returns
:class:`api.queue_submitter.QueueSubmitter` instead: same methods, backed by
``workers.jobs.submit`` and the queue's job book (``storage.jobs``). Nothing
else in ``api/`` knows which one runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from sohoa.api.backends import Backends
from sohoa.ocr.options import OcrOptions
from sohoa.scanner_profiles import load as load_profile
from sohoa.settings import Settings
from sohoa.storage.codes import parse_dossier_code
from sohoa.storage.jobs import ACTIVE, JobBook, JobRecord, NewJob
from sohoa.storage.keys import check_kind
from sohoa.workers.lifecycle import EmbeddedDigitiser
from sohoa.workers.metrics import watch_queue_depth
from sohoa.workers.pages import PageRunner
from sohoa.workers.problems import Problem, problem_or_unexpected
from sohoa.workers.submission import Submission
from sohoa.workers.wire import options_to_json

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]


@dataclass(frozen=True)
class JobError:
    code: str
    message_vi: str
    message_en: str


@dataclass(frozen=True)
class JobView:
    """A job as clients see it; ``document_id`` is set once the document is stored."""

    id: str
    state: JobState
    dossier_code: str
    kind: str
    source_name: str
    source_sha256: str
    submitted_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    document_id: int | None = None
    duplicate: bool | None = None
    error: JobError | None = None


class Submitter(Protocol):
    def submit(self, submission: Submission) -> JobView:
        """Accept a submission whose source file is already safely on disk; never blocks on OCR."""
        ...

    def job(self, job_id: str) -> JobView | None: ...

    def job_for_source(self, dossier_code: str, kind: str, source_sha256: str) -> JobView | None:
        """The latest job for this source (how a catalog row finds its job)."""
        ...

    def depth(self) -> int:
        """Jobs waiting to start."""
        ...

    def close(self) -> None: ...

    def not_ready(self) -> str:
        """Empty when submissions can be digitised; else why not (for /readyz)."""
        ...


def make_submitter(settings: Settings, backends: Backends) -> Submitter:
    """The queue when SOHOA_BROKER_URL is set (the deployment), else the embedded pool."""
    config = settings.queue_config()
    if config is None:
        return EmbeddedSubmitter(settings, backends)
    from sohoa.api.queue_submitter import QueueSubmitter

    return QueueSubmitter(settings, backends, config, queue=None)


class JobLookups:
    """The read-side questions both submitters answer the same way, from the catalog's job
    book (the embedded pool and the queue record jobs in the same table)."""

    _backends: Backends

    def job(self, job_id: str) -> JobView | None:
        record = self._book().get(job_id)
        return view_of(record) if record else None

    def job_for_source(self, dossier_code: str, kind: str, source_sha256: str) -> JobView | None:
        return job_for_source(self._book(), dossier_code, kind, source_sha256)

    def depth(self) -> int:
        """Jobs recorded as queued (the outbox), a broker-independent view of the backlog."""
        try:
            return self._book().count_by_status().get("queued", 0)
        except Exception:  # a scrape must not fail because the catalog is down
            return 0

    def _book(self) -> JobBook:
        return JobBook(self._backends.get().services.catalog)


class EmbeddedSubmitter(JobLookups):
    """Digitises in the API process: ``api_workers`` documents at a time, pages on the
    shared page-worker pool. Job state lives in the catalog's ``jobs`` table."""

    def __init__(self, settings: Settings, backends: Backends) -> None:
        self._settings = settings
        self._backends = backends
        self._options: OcrOptions | None = None
        self._runner = PageRunner(settings.jobs or None).__enter__()
        self._pool = ThreadPoolExecutor(settings.api_workers, thread_name_prefix="sohoa-digitise")
        watch_queue_depth(self.depth)
        self._pool.submit(self._resume)

    def submit(self, submission: Submission) -> JobView:
        """Reserve the document and record the job (committed) before the caller answers 202."""
        services = self._backends.get().services
        record, _ = services.catalog.reserve(
            submission.dossier_code,
            submission.kind,
            submission.source_name,
            submission.source_sha256,
        )
        new = NewJob(
            document_id=record.id,
            dossier_code=record.dossier_code,
            kind=record.kind,
            source_name=submission.source_name,
            source_sha256=submission.source_sha256,
            source_key=str(submission.source),
            options=options_to_json(self._ocr_options()),
        )
        book = self._book()
        if record.status == "stored":  # a duplicate: answered at once, nothing redone
            submission.source.unlink(missing_ok=True)
            return view_of(book.create(new, status="done"))  # done, nothing assembled
        job, created = book.open(new)
        if not created:  # the same source is being digitised for this dossier already
            submission.source.unlink(missing_ok=True)
            return view_of(job)
        self._pool.submit(self._run, job.id, submission)
        log.info(
            "job queued",
            extra={"job_id": job.id, "dossier_code": job.dossier_code, "kind": job.kind},
        )
        return view_of(job)

    def not_ready(self) -> str:
        """A dead page-worker pool that could not be replaced (a broken one is replaced here)."""
        return self._runner.ready()

    def close(self) -> None:
        """Finish the documents being digitised; queued ones stay recorded and are resumed
        by the next start."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._runner.__exit__(None, None, None)

    def _resume(self) -> None:
        """Jobs a previous API process accepted and did not finish: run them now."""
        try:
            book = self._book()
            pending = [book.get(i) for i in book.ids("queued") + book.ids("processing")]
        except Exception:
            log.exception("could not look for unfinished jobs; they wait for the next start")
            return
        for job in pending:
            if job is None:
                continue
            source = Path(job.source_key)
            if not source.is_file():
                self._end(job.id, job.document_id, _lost_source(job))
                continue
            log.info("job resumed", extra={"job_id": job.id})
            submission = Submission(
                parse_dossier_code(job.dossier_code),
                check_kind(job.kind),
                source,
                job.source_name,
                job.source_sha256,
            )
            self._pool.submit(self._run, job.id, submission)

    def _run(self, job_id: str, submission: Submission) -> None:
        book = self._book()
        if not book.begin(job_id):
            return  # ended already (a resumed job that another start finished)
        try:
            services = self._backends.get().services
            digitiser = EmbeddedDigitiser(services.store, services.catalog, self._runner)
            outcome = digitiser.digitise(
                submission, self._ocr_options(), _progress_of(book, job_id)
            )
        except Exception as error:
            problem = problem_or_unexpected(error)
            log.warning("job failed", extra={"job_id": job_id, "kind": problem.kind})
            book.fail(job_id, problem.message_en, kind=problem.kind, error_vi=problem.message_vi)
            if problem.rejected:  # never succeeds as it is: the inbox copy goes
                submission.source.unlink(missing_ok=True)
            return
        book.finish(job_id, assembled=not outcome.duplicate)
        submission.source.unlink(missing_ok=True)  # stored and verified
        log.info("job done", extra={"job_id": job_id, "document": outcome.record.name})

    def _end(self, job_id: str, document_id: int, problem: Problem) -> None:
        from sohoa.workers.lifecycle import record_problem

        services = self._backends.get().services
        record_problem(services.catalog, document_id, problem)
        self._book().fail(
            job_id, problem.message_en, kind=problem.kind, error_vi=problem.message_vi
        )

    def _ocr_options(self) -> OcrOptions:
        if self._options is None:
            self._options = self._settings.ocr_options(load_profile(self._settings.profile))
        return self._options


_STATES: dict[str, JobState] = {
    "queued": "queued",
    "processing": "running",
    "assembling": "running",
    "done": "done",
    "failed": "failed",
}


def view_of(record: JobRecord) -> JobView:
    """A job row as clients see it; its error is the Problem the row carries, field by field."""
    state = _STATES.get(record.status, "queued")
    return JobView(
        id=record.id,
        state=state,
        dossier_code=record.dossier_code,
        kind=record.kind,
        source_name=record.source_name,
        source_sha256=record.source_sha256,
        submitted_at=record.created_at,
        started_at=record.touched_at if state != "queued" else None,
        finished_at=record.finished_at,
        document_id=record.document_id if state == "done" else None,
        duplicate=record.duplicate if state == "done" else None,
        error=_job_error(record) if state == "failed" else None,
    )


def _job_error(record: JobRecord) -> JobError:
    from sohoa.workers.lifecycle import problem_of_job

    problem = problem_of_job(record)
    return JobError(problem.kind, problem.message_vi, problem.message_en)


def job_for_source(
    book: JobBook, dossier_code: str, kind: str, source_sha256: str
) -> JobView | None:
    """The latest job for this source (how a catalog row finds its job)."""
    matching = [
        r
        for r in book.for_dossier(dossier_code)
        if r.kind == kind and r.source_sha256 == source_sha256
    ]
    return view_of(matching[-1]) if matching else None


def _progress_of(book: JobBook, job_id: str) -> Callable[[int, int], None]:
    """Record pages done on the job row (the counter page shows them arrive); a failure to
    record progress never stops the document."""

    def progress(done: int, total: int) -> None:
        try:
            book.record_progress(job_id, done, total)
        except Exception:
            log.warning("job progress not recorded", extra={"job_id": job_id})

    return progress


def _lost_source(job: JobRecord) -> Problem:
    return Problem(
        "processing_failed",
        f"{job.source_name}: tệp tải lên không còn trong thư mục chờ; hãy gửi lại",
        f"{job.source_name}: the uploaded file is no longer in the inbox; upload it again",
    )


__all__ = ["ACTIVE", "EmbeddedSubmitter", "JobError", "JobView", "Submitter", "view_of"]
