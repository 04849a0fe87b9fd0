"""Submitting work to the deployment's queue: the one entry point faces call (CLI, API).

Outbox order, so nothing is lost and nothing is done twice:

1. the source is uploaded to the object store as ``inbox/<sha256>`` (checksum verified);
2. the catalog reserves the document (idempotent on dossier, kind and source SHA-256);
3. a job row is recorded ("queued");
4. only then is the first message sent. If the broker is down the job stays
   queued and the reconciler sends it later; the caller still gets its job id.

Usage (stable)::

    from sohoa.workers.jobs import submit
    from sohoa.workers.queue import JobQueue
    from sohoa.workers.queue_config import QueueConfig

    with JobQueue(QueueConfig(broker_url="redis://127.0.0.1:6379/0")) as queue:
        job_id = submit(submission, store=store, catalog=catalog, options=options, queue=queue)
    JobBook(catalog).get(job_id)   # status, pages_done/pages_total, error
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dramatiq.errors import DramatiqError

from sohoa.ocr.options import OcrOptions
from sohoa.storage.catalog import Catalog
from sohoa.storage.jobs import ACTIVE, JobBook, NewJob
from sohoa.storage.objects import ObjectStore
from sohoa.workers import trail
from sohoa.workers.queue import JobQueue
from sohoa.workers.submission import Submission
from sohoa.workers.wire import inbox_key, options_to_json

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Enqueued:
    """A submission handed to the queue: its job, and whether its source was already stored."""

    job_id: str
    duplicate: bool


def submit(
    submission: Submission,
    *,
    store: ObjectStore,
    catalog: Catalog,
    options: OcrOptions,
    queue: JobQueue,
    book: JobBook | None = None,
) -> str:
    """Queue ``submission`` and return its job id (32 hex characters); see :func:`enqueue`."""
    return enqueue(
        submission, store=store, catalog=catalog, options=options, queue=queue, book=book
    ).job_id


def enqueue(
    submission: Submission,
    *,
    store: ObjectStore,
    catalog: Catalog,
    options: OcrOptions,
    queue: JobQueue,
    book: JobBook | None = None,
) -> Enqueued:
    """Queue ``submission``: its job id, and ``duplicate`` when the source was already stored.

    Idempotent: the same source for the same dossier and kind returns the job
    already running; once stored, each submission gets its own job row ended "done"
    with no assembly, the duplicate answer every reader derives; a failed job is redriven (a
    rejected or failed document row is reopened by ``reserve``).
    Raises DossierCodeError/ValueError for a bad code or kind, StorageError when
    the store or catalog is unavailable (then nothing was queued).
    """
    book = book or JobBook(catalog)
    key = _upload_source(store, submission)
    record, _ = catalog.reserve(
        submission.dossier_code, submission.kind, submission.source_name, submission.source_sha256
    )
    stored = record.status == "stored"
    trail.received(catalog, record)
    latest = book.latest_for_document(record.id)
    if latest is not None and latest.status in ACTIVE and not stored:
        return Enqueued(latest.id, False)
    if latest is not None and latest.status == "failed":
        redrive(latest.id, book=book, queue=queue)
        return Enqueued(latest.id, False)
    new = NewJob(
        document_id=record.id,
        dossier_code=record.dossier_code,
        kind=record.kind,
        source_name=submission.source_name,
        source_sha256=submission.source_sha256,
        source_key=key,
        options=options_to_json(options),
    )
    if stored:  # a duplicate: its own job, done with nothing assembled (as the embedded API
        # records it), so `/jobs/{id}` answers duplicate as the 202 did (assemblies == 0)
        from sohoa.workers.lifecycle import release_inbox

        done = book.create(new, status="done")
        release_inbox(store, book, submission.source_sha256)  # uploaded again for nothing
        return Enqueued(done.id, True)
    job, created = book.open(new)
    if created:  # else a concurrent submit of the same document made it: its job is ours
        send_document(queue, job.id)
    return Enqueued(job.id, False)


def redrive(job_id: str, *, book: JobBook, queue: JobQueue) -> bool:
    """Start a failed (dead-lettered) job again from its first step; False if it was not failed."""
    if not book.redrive(job_id):
        return False
    log.info("job redriven", extra={"job": job_id})
    send_document(queue, job_id)
    return True


def send_document(queue: JobQueue, job_id: str) -> bool:
    """Send the first message; on a broker failure leave it to the reconciler (the outbox)."""
    try:
        queue.send_document(job_id)
    except (DramatiqError, OSError) as error:
        log.warning(
            "broker unavailable; the reconciler will send the job",
            extra={"job": job_id, "error": type(error).__name__},
        )
        return False
    return True


def _upload_source(store: ObjectStore, submission: Submission) -> str:
    key = inbox_key(submission.source_sha256)
    present = store.head(key)
    if present is None or present.sha256 != submission.source_sha256:
        store.put_file(
            key,
            submission.source,
            submission.source_sha256,
            content_type="application/octet-stream",
        )
    return key
