"""A document's lifecycle: one interface that digitises a submission, in either mode.

Every entrance (``process``, ``scan``, ``watch``, ``batch``, ``quarantine retry``,
the API) holds a :class:`Digitiser` chosen once from the settings
(:func:`open_digitiser`): :class:`EmbeddedDigitiser` runs the pages on this
machine's page workers, :class:`QueuedDigitiser` hands the submission to the
deployment's queue and waits for its job. Both end the same way:

* stored: an :class:`Outcome` (``duplicate`` when the same source was already stored);
* anything else: a :class:`workers.problems.Problem` is raised, and the document row
  (when there is one) carries it: "rejected" (number given back) when the source can
  never be digitised as it is, "failed" otherwise. A later retry of the same source
  reuses the row (:meth:`storage.catalog.Catalog.reserve`).

:meth:`Digitiser.submit` hands a submission over and returns a :class:`Handed` (its queue
job, if any) whose ``finish`` follows it to that end; :meth:`Digitiser.digitise` is both at
once. An entrance that must not wait (``sohoa process`` queued without ``--wait``) stops
after ``submit``; embedded, ``submit`` does nothing yet and ``finish`` does the work.

Order matters for "nothing is lost, nothing twice": the catalog reserves the
document (idempotent on the source's SHA-256) before any work; objects are
uploaded and verified before the row is marked stored.
"""

from __future__ import annotations

import contextlib
import logging
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sohoa.ocr.errors import InputRejected
from sohoa.ocr.options import OcrOptions
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.claims import new_owner
from sohoa.storage.jobs import JobBook, JobRecord
from sohoa.storage.objects import ObjectStore
from sohoa.workers import metrics, trail
from sohoa.workers.pages import PageRunner, Progress
from sohoa.workers.problems import INTERRUPTED, Problem, problem_or_unexpected
from sohoa.workers.queue_config import QueueConfig
from sohoa.workers.single_file import digitise_file
from sohoa.workers.storing import document_metadata, store_document
from sohoa.workers.submission import Outcome, Submission

__all__ = [
    "Digitiser",
    "EmbeddedDigitiser",
    "Handed",
    "Outcome",
    "QueuedDigitiser",
    "Submission",
    "digitise_file",
    "named",
    "open_digitiser",
    "record_problem",
    "release_inbox",
]

log = logging.getLogger(__name__)

#: How often a waiting entrance looks at its queued job again.
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Handed:
    """A submission handed to the lifecycle, not yet followed to its end."""

    #: Its job in the deployment's queue; None embedded (nothing runs until ``finish``).
    job_id: str | None
    #: Follows it to its end: the stored Outcome, or raises its Problem.
    finish: Callable[[Progress | None], Outcome]


class Digitiser(Protocol):
    """Digitises one submission to its end: returns the stored Outcome or raises a Problem."""

    def submit(self, submission: Submission, options: OcrOptions) -> Handed: ...

    def digitise(
        self, submission: Submission, options: OcrOptions, progress: Progress | None = None
    ) -> Outcome: ...


class EmbeddedDigitiser:
    """Runs the whole lifecycle in this process, pages on ``runner``'s workers."""

    def __init__(self, store: ObjectStore, catalog: Catalog, runner: PageRunner) -> None:
        self.store = store
        self.catalog = catalog
        self.runner = runner

    def submit(self, submission: Submission, options: OcrOptions) -> Handed:
        """Nothing to hand over in this process: the work is done by ``finish``."""
        return Handed(None, lambda progress: self.digitise(submission, options, progress))

    def digitise(
        self, submission: Submission, options: OcrOptions, progress: Progress | None = None
    ) -> Outcome:
        started = time.monotonic()
        record, _ = self.catalog.reserve(
            submission.dossier_code,
            submission.kind,
            submission.source_name,
            submission.source_sha256,
        )
        if record.status == "pending":
            record = self._claim_or_wait(record)
        if record.status == "stored":
            log.info("already stored", extra={"document": record.name, "key": record.key})
            metrics.record_outcome(Outcome(record, None, duplicate=True), 0.0)
            return Outcome(record, None, duplicate=True)
        if record.status != "pending":  # another run of the same source gave up on it
            raise problem_of_row(record)
        trail.received(self.catalog, record)
        try:
            outcome = self._make(submission, record, options, progress)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the row must not stay pending
            with contextlib.suppress(Exception):
                record_problem(self.catalog, record.id, INTERRUPTED)
            raise
        except Exception as error:
            problem = problem_or_unexpected(named(error, submission.source_name))
            if problem.kind == "internal_error":
                log.exception("unexpected error", extra={"document": record.name})
            metrics.record_problem(problem)
            with contextlib.suppress(Exception):  # the catalog may be what failed
                record_problem(self.catalog, record.id, problem)
            raise problem from error
        metrics.record_outcome(outcome, time.monotonic() - started)
        return outcome

    def _claim_or_wait(self, record: DocumentRecord) -> DocumentRecord:
        """Take the row's claim before any OCR, or wait for the run that holds it.

        Of two concurrent runs of one source exactly one digitises; the other waits,
        never OCRs, and answers as the winner ends: stored (a duplicate, as for a
        source stored earlier), or the winner's Problem. A claim whose run died is
        taken over (storage.claims), so nobody waits on a dead run for ever.
        Returns the row: pending and claimed by this run, or no longer pending.
        """
        owner = new_owner()
        waiting = False
        while True:
            record, mine = self.catalog.claim(record.id, owner)
            if mine or record.status != "pending":
                return record
            if not waiting:
                log.info(
                    "being digitised by another run; waiting for its result",
                    extra={"document": record.name},
                )
                waiting = True
            time.sleep(POLL_SECONDS)

    def _make(
        self,
        submission: Submission,
        record: DocumentRecord,
        options: OcrOptions,
        progress: Progress | None,
    ) -> Outcome:
        with tempfile.TemporaryDirectory(prefix="sohoa-doc-") as tmp:
            result = digitise_file(
                submission.source,
                Path(tmp) / "document.pdf",
                document_metadata(submission.kind, submission.source_name, record),
                options,
                self.runner,
                progress,
            )
            trail.made(self.catalog, record, result)
            stored = store_document(result, record, self.store, Path(tmp))
        record = self.catalog.mark_stored(record.id, stored)
        trail.kept(self.store, self.catalog, record)
        log.info(
            "stored", extra={"document": record.name, "key": record.key, "pages": record.pages}
        )
        return Outcome(record, result)


class QueuedDigitiser:
    """Hands each submission to the deployment's queue and follows its job to the end."""

    def __init__(self, store: ObjectStore, catalog: Catalog, config: QueueConfig) -> None:
        from sohoa.workers.queue import JobQueue

        self.store = store
        self.catalog = catalog
        self.book = JobBook(catalog)
        self.queue = JobQueue(config)

    def close(self) -> None:
        self.queue.close()

    def submit(self, submission: Submission, options: OcrOptions) -> Handed:
        """Upload the source and queue it (see workers.jobs.enqueue); ``finish`` waits."""
        from sohoa.workers.jobs import enqueue

        job_id = enqueue(
            submission,
            store=self.store,
            catalog=self.catalog,
            options=options,
            queue=self.queue,
            book=self.book,
        ).job_id
        return Handed(
            job_id,
            lambda progress: outcome_of_job(self.catalog, follow(self.book, job_id, progress)),
        )

    def digitise(
        self, submission: Submission, options: OcrOptions, progress: Progress | None = None
    ) -> Outcome:
        return self.submit(submission, options).finish(progress)


def follow(book: JobBook, job_id: str, progress: Progress | None = None) -> JobRecord:
    """Poll the job book until the job is done or failed (the workers move it)."""
    while True:
        job = book.get(job_id)
        if job is None:
            raise Problem(
                "processing_failed",
                f"Công việc {job_id} đã biến mất khỏi danh mục",
                f"Job {job_id} vanished from the catalog",
            )
        if job.status in ("done", "failed"):
            return job
        if progress is not None and job.pages_total:
            progress(job.pages_done, job.pages_total)
        time.sleep(POLL_SECONDS)


def outcome_of_job(catalog: Catalog, job: JobRecord) -> Outcome:
    """A finished job as the lifecycle's answer: its stored document, or its Problem."""
    if job.status == "failed":
        raise problem_of_job(job)
    record = catalog.document(job.document_id)
    if record is None or record.status != "stored":
        raise Problem(
            "processing_failed",
            f"Tài liệu của công việc {job.id} chưa được lưu",
            f"The document of job {job.id} is not stored",
        )
    return Outcome(record, None, duplicate=job.duplicate)


def named(error: BaseException, source_name: str) -> BaseException:
    """A rejection names the file as the clerk knows it (not a claimed, landed or cached name).

    Its detail too: a library's message (pikepdf, Pillow) quotes the path it opened,
    which for an upload is the server's inbox path, none of the client's business.
    """
    if isinstance(error, InputRejected) and error.path.name != source_name:
        quoted = re.compile(r"[^\s()'\"]*" + re.escape(error.path.name))
        detail = quoted.sub(lambda _: source_name, error.detail)
        return InputRejected(error.reason, error.path.with_name(source_name), detail)
    return error


def problem_of_row(record: DocumentRecord) -> Problem:
    """The Problem a rejected or failed row carries (what another run of it ended with)."""
    return Problem(
        record.error_kind or "processing_failed",
        record.error_vi or f"Xử lý thất bại: {record.error or ''}".rstrip(": "),
        record.error or "Processing failed",
    )


def problem_of_job(job: JobRecord) -> Problem:
    """The Problem a failed job recorded, field by field (never parsed from a text)."""
    return Problem(
        job.error_kind or "processing_failed",
        job.error_vi or f"Xử lý thất bại: {job.error or ''}".rstrip(": "),
        job.error or "Processing failed",
    )


def release_inbox(store: ObjectStore, book: JobBook, source_sha256: str) -> None:
    """Remove the source's ``inbox/<sha256>`` copy once nothing may need it any more: its
    document is stored and verified, or rejected, and no job for the same source is active."""
    from sohoa.workers.wire import inbox_key

    if book.active_for_source(source_sha256) == 0:
        store.delete(inbox_key(source_sha256))
        log.info("inbox copy removed", extra={"sha256": source_sha256[:12]})


def record_problem(catalog: Catalog, doc_id: int, problem: Problem) -> DocumentRecord:
    """Write a final Problem on the document row: "rejected" (number given back) when the
    source can never be digitised as it is, "failed" otherwise."""
    if problem.rejected:
        record = catalog.mark_rejected(doc_id, problem.kind, problem.message_vi, problem.message_en)
    else:
        record = catalog.mark_failed(
            doc_id, problem.message_en, kind=problem.kind, error_vi=problem.message_vi, give_up=True
        )
    trail.problem(catalog, record, problem)
    return record


@contextmanager
def open_digitiser(
    store: ObjectStore,
    catalog: Catalog,
    config: QueueConfig | None,
    jobs: int | None = None,
) -> Iterator[Digitiser]:
    """The queue when ``config`` is set (SOHOA_BROKER_URL), else embedded page workers."""
    if config is not None:
        queued = QueuedDigitiser(store, catalog, config)
        try:
            yield queued
        finally:
            queued.close()
        return
    with PageRunner(jobs) as runner:
        yield EmbeddedDigitiser(store, catalog, runner)


#: A digitiser bound to one scanner profile's options (what the hot-folder engine calls).
Digitise = Callable[[Submission, OcrOptions], Outcome]
