"""Record in the job book what happened to a failed attempt: retried, or dead-lettered.

Runs after dramatiq's Retries middleware (so ``message.failed`` is settled).
A dead-lettered job ends "failed" with its :class:`workers.problems.Problem`
(kind, Vietnamese and English message), and its catalog document carries the
same Problem: "rejected" (number given back) when the source can never be
digitised as it is, "failed" otherwise (until `sohoa redrive`). The document's
reason is written first, so it is there once the job shows failed.
"""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

from sohoa.storage.catalog import Catalog
from sohoa.storage.jobs import ACTIVE, JobBook
from sohoa.storage.objects import ObjectStore
from sohoa.workers.lifecycle import named, record_problem, release_inbox
from sohoa.workers.metrics import record_failure
from sohoa.workers.problems import Problem, problem_or_unexpected

log = logging.getLogger(__name__)


class DeadLetters(Middleware):
    def __init__(self, book: JobBook, catalog: Catalog, store: ObjectStore | None = None) -> None:
        self.book = book
        self.catalog = catalog
        #: Where the sources' inbox copies are (removed once a source is rejected).
        self.store = store

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
        try:
            job = self.book.get(job_id)
            named_error = named(exception, job.source_name) if job else exception
            problem = problem_or_unexpected(named_error)
            if getattr(message, "failed", False):
                self._dead_letter(job_id, named_error, problem)
            else:
                retries = message.options.get("retries", 0)
                self.book.record_retry(job_id, f"retry {retries}: {describe(named_error)}")
                log.warning("step failed, will retry", extra={"job": job_id, "kind": problem.kind})
        except Exception:  # the catalog may be the thing that is down
            log.exception("could not record the failure", extra={"job": job_id})

    def _dead_letter(self, job_id: str, error: BaseException, problem: Problem) -> None:
        job = self.book.get(job_id)
        if job is None or job.status not in ACTIVE:
            return  # unknown, or already ended (a redelivered message): counted once
        # The document's reason first: whoever sees the job failed also sees why.
        record_problem(self.catalog, job.document_id, problem)
        if self.book.fail(
            job_id, problem.message_en, kind=problem.kind, error_vi=problem.message_vi
        ):
            record_failure(error)
            if problem.rejected and self.store is not None:  # never digitised as it is
                release_inbox(self.store, self.book, job.source_sha256)


def describe(error: BaseException) -> str:
    """One line for a retried attempt in `sohoa status`: the kind and the English message."""
    problem = problem_or_unexpected(error)
    if problem.kind != "internal_error":
        return f"{problem.kind}: {problem.message_en}"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:300] if text else ''}".rstrip(": ")
