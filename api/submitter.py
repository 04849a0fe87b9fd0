"""Where an accepted upload goes: the seam between the API and whoever digitises.

``Submitter`` is all the routes know. :class:`EmbeddedSubmitter` runs
:func:`workers.metrics.digitise_observed` on a small thread pool inside the API
process (the embedded mode: no broker) and keeps job state in memory.

With SOHOA_BROKER_URL set, :func:`make_submitter` returns
:class:`api.queue_submitter.QueueSubmitter` instead: same methods, backed by
``workers.jobs.submit`` and the queue's job book (``storage.jobs``). Nothing
else in ``api/`` knows which one runs.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, Protocol

from api.backends import Backends
from ocr.errors import InputRejected
from ocr.options import OcrOptions
from scanner_profiles import load as load_profile
from sohoa.failures import describe
from sohoa.settings import Settings
from storage.clock import utc_now
from storage.codes import DossierCodeError
from workers.metrics import digitise_observed, watch_queue_depth
from workers.pages import PageRunner
from workers.pipeline import Submission

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]

#: Finished jobs remembered by the embedded submitter (oldest forgotten first).
_KEEP_FINISHED = 10_000


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


def make_submitter(settings: Settings, backends: Backends) -> Submitter:
    """The queue when SOHOA_BROKER_URL is set (the deployment), else the embedded pool."""
    config = settings.queue_config()
    if config is None:
        return EmbeddedSubmitter(settings, backends)
    from api.queue_submitter import QueueSubmitter

    return QueueSubmitter(settings, backends, config, queue=None)


class EmbeddedSubmitter:
    """Digitises in the API process: ``api_workers`` documents at a time, pages on the
    shared page-worker pool. Job state lives in memory and is lost on restart."""

    def __init__(self, settings: Settings, backends: Backends) -> None:
        self._settings = settings
        self._backends = backends
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, JobView] = OrderedDict()
        self._by_source: dict[tuple[str, str, str], str] = {}
        self._options: OcrOptions | None = None
        self._runner = PageRunner(settings.jobs or None).__enter__()
        self._pool = ThreadPoolExecutor(settings.api_workers, thread_name_prefix="sohoa-digitise")
        watch_queue_depth(self.depth)

    def submit(self, submission: Submission) -> JobView:
        job = JobView(
            id=uuid.uuid4().hex,
            state="queued",
            dossier_code=submission.dossier_code,
            kind=submission.kind,
            source_name=submission.source_name,
            source_sha256=submission.source_sha256,
            submitted_at=utc_now(),
        )
        with self._lock:
            self._remember(job)
        self._pool.submit(self._run, job.id, submission)
        log.info(
            "job queued",
            extra={"job_id": job.id, "dossier_code": job.dossier_code, "kind": job.kind},
        )
        return job

    def job(self, job_id: str) -> JobView | None:
        with self._lock:
            return self._jobs.get(job_id)

    def job_for_source(self, dossier_code: str, kind: str, source_sha256: str) -> JobView | None:
        with self._lock:
            job_id = self._by_source.get((dossier_code, kind, source_sha256))
            return self._jobs.get(job_id) if job_id else None

    def depth(self) -> int:
        with self._lock:
            return sum(1 for job in self._jobs.values() if job.state == "queued")

    def close(self) -> None:
        """Finish the documents being digitised; queued ones stay in the inbox, unprocessed."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._runner.__exit__(None, None, None)

    def _run(self, job_id: str, submission: Submission) -> None:
        self._update(job_id, state="running", started_at=utc_now())
        try:
            services = self._backends.get().services
            outcome = digitise_observed(
                submission,
                store=services.store,
                catalog=services.catalog,
                options=self._ocr_options(),
                runner=self._runner,
            )
        except Exception as error:
            self._fail(job_id, submission, error)
            return
        self._update(
            job_id,
            state="done",
            finished_at=utc_now(),
            document_id=outcome.record.id,
            duplicate=outcome.duplicate,
        )
        submission.source.unlink(missing_ok=True)
        log.info("job done", extra={"job_id": job_id, "document": outcome.record.name})

    def _fail(self, job_id: str, submission: Submission, error: Exception) -> None:
        failure = describe(error)
        if failure is None:
            log.exception("job failed unexpectedly", extra={"job_id": job_id})
            problem = JobError(
                "internal_error",
                "Lỗi không mong đợi; hãy báo quản trị kèm mã công việc",
                "Unexpected error; report it to the administrator with the job id",
            )
        else:
            log.warning("job failed", extra={"job_id": job_id, "error": failure.en})
            problem = JobError(_error_code(error, failure.exit_code.name), failure.vi, failure.en)
        self._update(job_id, state="failed", finished_at=utc_now(), error=problem)
        # A rejected source never succeeds: drop it. Anything else may be retried from the inbox.
        if isinstance(error, InputRejected | DossierCodeError):
            submission.source.unlink(missing_ok=True)

    def _ocr_options(self) -> OcrOptions:
        if self._options is None:
            self._options = self._settings.ocr_options(load_profile(self._settings.profile))
        return self._options

    def _remember(self, job: JobView) -> None:
        self._jobs[job.id] = job
        self._by_source[(job.dossier_code, job.kind, job.source_sha256)] = job.id
        while len(self._jobs) > _KEEP_FINISHED:
            oldest = next(iter(self._jobs.values()))
            if oldest.state in ("queued", "running"):
                break
            del self._jobs[oldest.id]
            source = (oldest.dossier_code, oldest.kind, oldest.source_sha256)
            if self._by_source.get(source) == oldest.id:
                del self._by_source[source]

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)  # type: ignore[arg-type]


def _error_code(error: Exception, exit_name: str) -> str:
    """Stable machine codes: the rejection reason when there is one, else the failure class."""
    if isinstance(error, InputRejected):
        return str(error.reason)
    if isinstance(error, DossierCodeError):
        return "invalid_dossier_code"
    return exit_name.lower()
