"""Prometheus metrics of the digitising work, recorded in one place.

The embedded lifecycle (:class:`workers.lifecycle.EmbeddedDigitiser`) records
each outcome and problem here; nothing inside ``ocr/`` knows about metrics.
Labels never carry dossier codes or file names: metrics are for rates and
capacity, not for looking people up.

Counters live in the process that ran the work. The queue steps record theirs
with :func:`record_page_step`, :func:`record_assembled` and
:func:`record_failure`, and each `sohoa worker` process serves them on its own
port (:mod:`workers.worker_metrics`); the API's ``/metrics`` shows the work the
API process did itself.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Counter, Gauge, Histogram

from sohoa.workers.problems import Problem, problem_or_unexpected
from sohoa.workers.submission import Outcome

PAGES = Counter(
    "sohoa_pages_processed",
    "Scanned pages digitised (input pages, dropped blank backs included); rate() gives pages/s.",
)
DOCUMENTS = Counter("sohoa_documents_stored", "Documents stored as validated PDF/A.", ["kind"])
DUPLICATES = Counter(
    "sohoa_documents_duplicate", "Submissions whose source was already stored (nothing redone)."
)
FAILURES = Counter(
    "sohoa_failures",
    "Submissions that did not end stored, by reason (the Problem kind: workers.problems.KINDS).",
    ["reason"],
)
OCR_SECONDS = Histogram(
    "sohoa_ocr_seconds",
    "Wall time to digitise one document: OCR of its pages, PDF/A assembly and validation.",
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
)
UPLOAD_BYTES = Counter("sohoa_upload_bytes", "Bytes of scans received over the API.")
QUEUE_DEPTH = Gauge(
    "sohoa_queue_depth", "Submissions waiting to be digitised (queued, not yet running)."
)


def record_outcome(outcome: Outcome, seconds: float) -> None:
    """Count one finished submission (a duplicate did no OCR, so it is not timed)."""
    if outcome.duplicate:
        DUPLICATES.inc()
        return
    if outcome.result is None:  # made by queue workers: they counted it
        return
    PAGES.inc(outcome.result.input_pages)
    DOCUMENTS.labels(kind=outcome.record.kind).inc()
    OCR_SECONDS.observe(seconds)


def watch_queue_depth(depth: Callable[[], float]) -> None:
    """Make ``sohoa_queue_depth`` read ``depth()`` at each scrape (the embedded pool, or a
    broker's queue length once the deployment's queue is wired in)."""
    QUEUE_DEPTH.set_function(depth)


def record_page_step() -> None:
    """A queue worker finished one page step (OCR included): one input page."""
    PAGES.inc()


def record_assembled(kind: str, worker_seconds: float) -> None:
    """A queue worker stored a document. ``worker_seconds`` is its page steps plus this
    assembly: worker time, not wall time (its pages ran on several workers at once)."""
    DOCUMENTS.labels(kind=kind).inc()
    OCR_SECONDS.observe(worker_seconds)


def record_problem(problem: Problem) -> None:
    """A submission that did not end stored, by its Problem's kind."""
    FAILURES.labels(reason=problem.kind).inc()


def record_failure(error: BaseException) -> None:
    """A queue job failed for good (dead-lettered); retried attempts are not counted.

    Labelled by the Problem's kind, as the embedded mode's and the job's error_kind
    (a missing language pack is `missing_dependency` in all three)."""
    FAILURES.labels(reason=problem_or_unexpected(error).kind).inc()
