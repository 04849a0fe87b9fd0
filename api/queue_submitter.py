"""The deployment's submitter: uploads go to the dramatiq queue (``workers.jobs.submit``),
job state comes from the queue's job book (``storage.jobs``).

Imported only when SOHOA_BROKER_URL is set, so the embedded mode never loads
dramatiq. ``submit`` copies the source into the object store (``inbox/<sha256>``)
before queueing, so the API's own inbox file is removed right after.
"""

from __future__ import annotations

import logging

from sohoa.api.backends import Backends
from sohoa.api.submitter import JobLookups, JobView, view_of
from sohoa.scanner_profiles import load as load_profile
from sohoa.settings import Settings
from sohoa.workers.jobs import enqueue
from sohoa.workers.metrics import watch_queue_depth
from sohoa.workers.queue import JobQueue
from sohoa.workers.queue_config import QueueConfig
from sohoa.workers.submission import Submission

log = logging.getLogger(__name__)


class QueueSubmitter(JobLookups):
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
            queued = enqueue(
                submission,
                store=services.store,
                catalog=services.catalog,
                options=options,
                queue=self._queue,
                book=self._book(),
            )
        finally:
            submission.source.unlink(missing_ok=True)  # uploaded to the store, or refused
        record = self._book().get(queued.job_id)
        assert record is not None, f"job {queued.job_id} vanished right after it was recorded"
        return view_of(record)  # a duplicate's own job is done with nothing assembled

    def not_ready(self) -> str:
        """Pages run on the queue workers, which report their own health."""
        return ""

    def close(self) -> None:
        self._queue.close()
