"""Resending stuck work (`sohoa reconcile`): re-send what has not moved for too long.

The job book is the truth, the broker only a notice board: anything queued,
processing or assembling whose clock is older than the deadline is sent again.
Each re-send first restarts that row's clock with a conditional UPDATE, so
several reconcilers (one per worker) do not all re-send the same thing, and
the steps' own claims make an extra message harmless.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from sohoa.storage.jobs import JobBook
from sohoa.workers.queue import JobQueue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resent:
    documents: int = 0
    pages: int = 0
    assemblies: int = 0

    @property
    def total(self) -> int:
        return self.documents + self.pages + self.assemblies


def resend_stuck(book: JobBook, queue: JobQueue, older_than: timedelta) -> Resent:
    stuck = book.stuck(older_than)
    documents = pages = assemblies = 0
    for job_id in stuck.queued_jobs:
        if book.touch_job(job_id, older_than):
            queue.send_document(job_id)
            documents += 1
    for job_id, index in stuck.pages:
        if book.touch_page(job_id, index, older_than):
            queue.send_page(job_id, index)
            pages += 1
    for job_id in stuck.assembling_jobs:
        if book.touch_job(job_id, older_than):
            queue.send_assemble(job_id)
            assemblies += 1
    resent = Resent(documents, pages, assemblies)
    if resent.total:
        log.warning(
            "re-sent stuck work",
            extra={"documents": documents, "pages": pages, "assemblies": assemblies},
        )
    return resent


def resend_stuck_forever(
    book: JobBook, queue: JobQueue, older_than: timedelta, every: float, stop: threading.Event
) -> None:
    """Inside a worker: reconcile every ``every`` seconds until ``stop`` is set."""
    while not stop.wait(every):
        try:
            resend_stuck(book, queue, older_than)
        except Exception:  # broker or catalog down: try again next round
            log.warning("reconciler round failed", exc_info=True)
