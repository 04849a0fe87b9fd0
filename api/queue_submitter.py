"""The deployment's submitter: uploads go to the dramatiq queue (``workers.jobs.submit``),
job state comes from the queue's job book (``storage.jobs``).

Imported only when SOHOA_BROKER_URL is set, so the embedded mode never loads
dramatiq. ``submit`` copies the source into the object store (``inbox/<sha256>``)
before queueing, so the API's own inbox file is removed right after.
"""

from __future__ import annotations

import logging

from api.backends import Backends
from api.submitter import JobError, JobState, JobView
from scanner_profiles import load as load_profile
from sohoa.settings import Settings
from storage.jobs import JobBook, JobRecord
from workers.jobs import submit
from workers.metrics import watch_queue_depth
from workers.pipeline import Submission
from workers.queue import JobQueue
from workers.queue_config import QueueConfig

log = logging.getLogger(__name__)

_STATES: dict[str, JobState] = {
    "queued": "queued",
    "processing": "running",
    "assembling": "running",
    "done": "done",
    "failed": "failed",
}


class QueueSubmitter:
    """Same four questions as the embedded pool, answered by the broker and the job book."""

    def __init__(
        self, settings: Settings, backends: Backends, config: QueueConfig, queue: JobQueue | None
    ) -> None:
        self._settings = settings
        self._backends = backends
        self._queue = queue or JobQueue(config)
        watch_queue_depth(self.depth)

    def submit(self, submission: Submission) -> JobView:
        services = self._backends.get().services
        options = self._settings.ocr_options(load_profile(self._settings.profile))
        try:
            job_id = submit(
                submission,
                store=services.store,
                catalog=services.catalog,
                options=options,
                queue=self._queue,
                book=self._book(),
            )
        finally:
            submission.source.unlink(missing_ok=True)  # uploaded to the store, or refused
        job = self.job(job_id)
        assert job is not None, f"job {job_id} vanished right after it was recorded"
        return job

    def job(self, job_id: str) -> JobView | None:
        record = self._book().get(job_id)
        return _view(record) if record else None

    def job_for_source(self, dossier_code: str, kind: str, source_sha256: str) -> JobView | None:
        matching = [
            r
            for r in self._book().for_dossier(dossier_code)
            if r.kind == kind and r.source_sha256 == source_sha256
        ]
        return _view(matching[-1]) if matching else None

    def depth(self) -> int:
        """Jobs recorded as queued (the outbox), a broker-independent view of the backlog."""
        try:
            return self._book().count_by_status().get("queued", 0)
        except Exception:  # a scrape must not fail because the catalog is down
            return 0

    def close(self) -> None:
        self._queue.close()

    def _book(self) -> JobBook:
        return JobBook(self._backends.get().services.catalog)


def _view(record: JobRecord) -> JobView:
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
        error=JobError(
            "processing_failed",
            f"Xử lý thất bại: {record.error}",
            f"Processing failed: {record.error}",
        )
        if state == "failed" and record.error
        else None,
    )
