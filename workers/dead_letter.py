"""Record in the job book what happened to a failed attempt: retried, or dead-lettered.

Runs after dramatiq's Retries middleware (so ``message.failed`` is settled).
A dead-lettered job ends "failed" with a readable reason, and its catalog
document keeps the reason too (it stays "pending" until `sohoa redrive`). The
document's reason is written first, so it is there once the job shows failed.
"""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

from ocr.errors import InputRejected
from storage.catalog import Catalog
from storage.errors import StorageError
from storage.jobs import ACTIVE, JobBook
from workers.metrics import record_failure

log = logging.getLogger(__name__)


class DeadLetters(Middleware):
    def __init__(self, book: JobBook, catalog: Catalog) -> None:
        self.book = book
        self.catalog = catalog

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or not message.args:
            return
        job_id = str(message.args[0])
        reason = describe(exception)
        try:
            if getattr(message, "failed", False):
                self._dead_letter(job_id, exception)
            else:
                retries = message.options.get("retries", 0)
                self.book.record_retry(job_id, f"retry {retries}: {reason}")
                log.warning("step failed, will retry", extra={"job": job_id, "reason": reason})
        except Exception:  # the catalog may be the thing that is down
            log.exception("could not record the failure", extra={"job": job_id})

    def _dead_letter(self, job_id: str, error: BaseException) -> None:
        reason = describe(error)
        job = self.book.get(job_id)
        if job is None or job.status not in ACTIVE:
            return  # unknown, or already ended (a redelivered message): counted once
        # The document's reason first: whoever sees the job failed also sees why.
        self.catalog.mark_failed(job.document_id, reason)
        if self.book.fail(job_id, reason):
            record_failure(error)


def describe(error: BaseException) -> str:
    """One line for the catalog and `sohoa status`: the reason code and what to do."""
    if isinstance(error, InputRejected):
        return f"{error.reason.value}: {error.message_en}"
    if isinstance(error, StorageError):
        return f"storage: {error}"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:300] if text else ''}".rstrip(": ")
