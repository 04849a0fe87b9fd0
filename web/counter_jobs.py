"""What the counter page shows of each job, and the pile's reconciliation (spec §2).

A job's state comes from the job book (both modes record jobs there) and, once it
ended, from its document row: stored (or already stored), or rejected/failed with
the Vietnamese and English reason the lifecycle wrote. The reconciliation adds up
the stored documents of one counter submission — the pile the clerk fed — and
compares it with the sheets the clerk entered (ingest.page_count).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from sohoa.ingest.page_count import PageCounts, Reconciliation, compare_sheets
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.events import events_for
from sohoa.storage.jobs import JobBook, JobRecord
from sohoa.workers.lifecycle import problem_of_job

#: Jobs of one submission are named in the page's URL: at most this many.
MAX_JOBS = 50
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
ENDED = ("stored", "duplicate", "rejected", "failed")
#: The dossier page (web.pages.dossier); fixes are made there, thumbnails served from there.
DOSSIER_URL = "/ho-so/{code}"
THUMB_URL = "/ho-so/{code}/documents/{doc}/versions/{version}/thumbs/{page}"


def parse_job_ids(text: str) -> list[str]:
    """``a,b,c`` from the URL: only well-formed ids, without repeats, at most MAX_JOBS."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    return list(dict.fromkeys(i for i in ids if _JOB_ID.match(i)))[:MAX_JOBS]


@dataclass(frozen=True)
class JobLine:
    """One uploaded file as the clerk follows it."""

    id: str
    name: str
    dossier_code: str
    kind: str
    #: queued | ocr | stored | duplicate | rejected | failed
    state: str
    pages_done: int = 0
    pages_total: int = 0
    document: str = ""
    #: Pages scanned, pages kept, blank backs dropped (a stored document's counts).
    input_pages: int = 0
    content_pages: int = 0
    dropped: int = 0
    error_kind: str = ""
    message_vi: str = ""
    message_en: str = ""
    thumbs: tuple[str, ...] = field(default=())

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    @property
    def dossier_url(self) -> str:
        return DOSSIER_URL.format(code=quote(self.dossier_code))

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["thumbs"] = list(self.thumbs)
        data["dossier_url"] = self.dossier_url
        return data


def job_line(job: JobRecord, document: DocumentRecord | None) -> JobLine:
    base = JobLine(job.id, job.source_name, job.dossier_code, job.kind, "queued")
    if job.status == "failed":
        problem = problem_of_job(job)
        rejected = document is not None and document.status == "rejected"
        return _with(
            base,
            state="rejected" if rejected else "failed",
            error_kind=problem.kind,
            message_vi=problem.message_vi,
            message_en=problem.message_en,
        )
    if job.status == "done" and document is not None and document.status == "stored":
        return _with(
            base,
            state="stored" if job.assemblies else "duplicate",
            document=document.name,
            content_pages=document.pages or 0,
            dropped=len(document.dropped_pages),
            input_pages=_input_pages(document),
            pages_done=document.pages or 0,
            pages_total=document.pages or 0,
            thumbs=thumbnails(document),
        )
    if job.status == "queued":
        return base
    return _with(base, state="ocr", pages_done=job.pages_done, pages_total=job.pages_total or 0)


def thumbnails(document: DocumentRecord) -> tuple[str, ...]:
    """The dossier page's thumbnail URL of every page of the current version (made once
    at store time; none when the document has no thumbnails)."""
    if not document.thumbs_key:
        return ()
    return tuple(
        THUMB_URL.format(
            code=quote(document.dossier_code), doc=document.id, version=document.version, page=n
        )
        for n in range(1, (document.pages or 0) + 1)
    )


def _with(line: JobLine, **changes: Any) -> JobLine:
    return JobLine(**{**asdict(line), **changes})


def _input_pages(document: DocumentRecord) -> int:
    if document.input_pages is not None:
        return document.input_pages
    return (document.pages or 0) + len(document.dropped_pages)


def read_jobs(catalog: Catalog, job_ids: Sequence[str]) -> list[tuple[JobRecord, JobLine]]:
    """The jobs that exist, each with its line (documents read only for ended jobs)."""
    book = JobBook(catalog)
    found = []
    for job_id in job_ids:
        job = book.get(job_id)
        if job is None:
            continue
        ended = job.status in ("done", "failed")
        document = catalog.document(job.document_id) if ended else None
        found.append((job, job_line(job, document)))
    return found


def reconcile(lines: Sequence[JobLine], sheets: int, duplex: bool) -> Reconciliation | None:
    """The pile's counts against the sheets fed, once every file has ended (None before,
    or when no sheet count was entered)."""
    if sheets < 1 or not lines or not all(line.ended for line in lines):
        return None
    kept = [line for line in lines if line.state in ("stored", "duplicate")]
    counts = PageCounts(
        input_pages=sum(line.input_pages for line in kept),
        content_pages=sum(line.content_pages for line in kept),
        blank_backs_dropped=sum(line.dropped for line in kept),
        separators_removed=0,  # a counter pile has no separator sheets
    )
    return compare_sheets(sheets, duplex, counts)


def reconciliation_json(found: Reconciliation, lang: str) -> dict[str, Any]:
    c = found.counts
    return {
        "id": "pile",
        "sheets": found.sheets,
        "duplex": found.duplex,
        "expected": found.expected_input_pages,
        "input_pages": c.input_pages,
        "blank_backs_dropped": c.blank_backs_dropped,
        "separators_removed": c.separators_removed,
        "content_pages": c.content_pages,
        "matches": found.matches,
        "warning": found.warning(lang),
    }


def acknowledged_by(catalog: Catalog, dossier_code: str, job_ids: Sequence[str]) -> str:
    """Who accepted this pile's mismatch (an event on the dossier), or empty."""
    wanted = sorted(job_ids)
    for event in reversed(events_for(catalog, dossier_code)):
        if event.type == "count_acknowledged" and sorted(event.detail.get("jobs", [])) == wanted:
            return event.actor
    return ""
