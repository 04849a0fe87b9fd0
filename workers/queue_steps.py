"""The three queue steps, as plain functions of a worker context and ids.

document: inspect the source, record its pages, send one page message each (fan-out).
page: OCR one page with the same ``process_page`` the embedded mode uses, put its
    text layer and result in ``work/<job>/``, mark it done; the last page sends
    the assemble message (fan-in).
assemble: ``assemble`` + ``store_document`` (as the embedded mode) under a lease,
    mark the document stored, then remove ``work/<job>/``.

Every step starts with a conditional claim in the job book, so a redelivered or
re-sent message finds nothing to do and returns.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from sohoa.ocr.assemble import assemble
from sohoa.ocr.page import PageJob, PageResult, process_page
from sohoa.ocr.sources import SourceInfo, SourceKind, inspect_source
from sohoa.storage.catalog import Catalog
from sohoa.storage.errors import ObjectExists
from sohoa.storage.files import sha256_file
from sohoa.storage.jobs import JobBook, JobRecord
from sohoa.storage.objects import ObjectStore
from sohoa.workers import metrics, trail
from sohoa.workers.lifecycle import release_inbox
from sohoa.workers.source_cache import SourceCache
from sohoa.workers.storing import document_metadata, store_document
from sohoa.workers.wire import (
    options_from_json,
    page_info_from_json,
    page_info_to_json,
    page_result_from_json,
    page_result_key,
    page_result_to_json,
    page_text_key,
)

log = logging.getLogger(__name__)


class Sender(Protocol):
    """Sends the next step's message (the broker-side of :class:`workers.queue.JobQueue`)."""

    def send_page(self, job_id: str, index: int) -> None: ...

    def send_assemble(self, job_id: str) -> None: ...


@dataclass
class WorkerContext:
    """What a worker process holds for its whole life."""

    store: ObjectStore
    catalog: Catalog
    book: JobBook
    sender: Sender
    sources: SourceCache
    scratch: Path
    #: Assemble lease; the reconciler re-sends an assemble older than this.
    lease_seconds: float
    worker_id: str = ""

    def __post_init__(self) -> None:
        self.worker_id = self.worker_id or f"{socket.gethostname()}:{os.getpid()}"


def run_document(ctx: WorkerContext, job_id: str) -> None:
    job = ctx.book.get(job_id)
    if job is not None and job.status == "processing":
        # A redelivery: the first attempt may have fanned out and then failed to send
        # every page message (broker gone). Pages never claimed are sent again;
        # a page step that finds its page taken does nothing.
        _resend_unclaimed_pages(ctx, job_id)
        return
    if job is None or job.status != "queued":
        log.info("document step: nothing to do", extra={"job": job_id})
        return
    options = options_from_json(job.options)
    source = inspect_source(ctx.sources.fetch(job.source_key, job.source_sha256), options)
    infos = [page_info_to_json(page) for page in source.pages]
    if not ctx.book.start_pages(job_id, source.kind.value, infos):
        log.info("document step: already fanned out", extra={"job": job_id})
        return
    for index in range(len(infos)):
        ctx.sender.send_page(job_id, index)
    log.info("pages sent", extra={"job": job_id, "pages": len(infos)})


def run_page(ctx: WorkerContext, job_id: str, index: int) -> None:
    claim = ctx.book.claim_page(job_id, index, ctx.worker_id)
    job = ctx.book.get(job_id)
    if claim is None or job is None:
        if job is not None and job.status == "assembling":
            # A redelivery of the last page: its assemble message may never have left
            # (broker gone after the page was marked done). Assembly is leased, so a
            # second assemble message is harmless.
            ctx.sender.send_assemble(job_id)
        log.info("page step: nothing to do", extra={"job": job_id, "page": index + 1})
        return
    page = page_info_from_json(claim.info)
    path = ctx.sources.fetch(job.source_key, job.source_sha256)
    # Only this page's geometry is needed to decode and OCR it.
    source = SourceInfo(path=path, kind=SourceKind(job.source_kind or ""), pages=(page,))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sohoa-page-", dir=ctx.scratch) as tmp:
        result = process_page(PageJob(source, page, options_from_json(job.options), Path(tmp)))
        _put_page_result(ctx.store, job_id, result, Path(tmp), time.monotonic() - started)
    metrics.record_page_step()
    last = ctx.book.finish_page(job_id, index, ctx.worker_id)
    log.info("page done", extra={"job": job_id, "page": index + 1, "worker": ctx.worker_id})
    if last:
        ctx.sender.send_assemble(job_id)
    else:
        _tidy_after_late_duplicate(ctx, job_id, index)


def _tidy_after_late_duplicate(ctx: WorkerContext, job_id: str, index: int) -> None:
    """Remove this page's work objects if the job closed while we were still on the page.

    A page can run twice at once (a message redelivered after a broker restart while
    its first worker still holds it). If the job was assembled and its ``work/``
    removed before this second run wrote its result, nobody else would remove it.
    Checked after writing: a job not yet done at this point removes ``work/`` later.
    """
    job = ctx.book.get(job_id)
    if job is not None and job.status == "done":
        _remove_page_work(ctx.store, job_id, index)


def _resend_unclaimed_pages(ctx: WorkerContext, job_id: str) -> None:
    waiting = [page.index for page in ctx.book.pages(job_id) if page.status == "queued"]
    for index in waiting:
        ctx.sender.send_page(job_id, index)
    log.info("document step: re-sent unclaimed pages", extra={"job": job_id, "pages": len(waiting)})


def run_assemble(ctx: WorkerContext, job_id: str) -> None:
    owner = f"{ctx.worker_id}:{uuid.uuid4().hex[:8]}"
    job = ctx.book.claim_assembly(job_id, owner, timedelta(seconds=ctx.lease_seconds))
    if job is None:
        log.info("assemble step: nothing to do", extra={"job": job_id})
        return
    record = ctx.catalog.document(job.document_id)
    assembled = False
    if record is not None and record.status != "stored":
        _assemble_and_store(ctx, job)
        assembled = True
    if not ctx.book.finish_assembly(job_id, owner, assembled=assembled):
        log.warning("assemble lease lost before the job was closed", extra={"job": job_id})
        return
    _remove_work(ctx, job)
    release_inbox(ctx.store, ctx.book, job.source_sha256)  # stored and verified
    log.info("job done", extra={"job": job_id, "assembled": assembled})


def _assemble_and_store(ctx: WorkerContext, job: JobRecord) -> None:
    started = time.monotonic()
    record = ctx.catalog.document(job.document_id)
    assert record is not None
    pages = ctx.book.pages(job.id)
    path = ctx.sources.fetch(job.source_key, job.source_sha256)
    source = SourceInfo(
        path=path,
        kind=SourceKind(job.source_kind or ""),
        pages=tuple(page_info_from_json(p.info) for p in pages),
    )
    with tempfile.TemporaryDirectory(prefix="sohoa-assemble-", dir=ctx.scratch) as tmp:
        work = Path(tmp)
        fetched = [_get_page_result(ctx.store, job.id, p.index, work) for p in pages]
        results = [result for result, _ in fetched]
        metadata = document_metadata(job.kind, job.source_name, record)
        result = assemble(source, results, metadata, work / "document.pdf")
        trail.made(ctx.catalog, record, result, ctx.worker_id)
        stored = store_document(result, record, ctx.store, work)
    trail.kept(ctx.store, ctx.catalog, ctx.catalog.mark_stored(record.id, stored), ctx.worker_id)
    page_seconds = sum(seconds for _, seconds in fetched)
    metrics.record_assembled(job.kind, page_seconds + time.monotonic() - started)


def _put_page_result(
    store: ObjectStore, job_id: str, result: PageResult, tmp: Path, seconds: float
) -> None:
    """Text layer first, then the JSON naming it: a JSON present means its PDF is there too.

    The JSON also carries the page step's seconds, so the assembler can report the
    document's worker time (``sohoa_ocr_seconds``) without another table.
    """
    text_key = None
    if result.text_pdf is not None:
        text_key = page_text_key(job_id, result.index)
        _put_work(store, text_key, result.text_pdf, "application/pdf")
    data = tmp / "result.json"
    payload = {**page_result_to_json(result, text_key), "seconds": round(seconds, 3)}
    data.write_text(json.dumps(payload, ensure_ascii=False))
    _put_work(store, page_result_key(job_id, result.index), data, "application/json")


def _put_work(store: ObjectStore, key: str, path: Path, content_type: str) -> None:
    """A page's work object; one already there was put by another run of the same page
    (a redelivered message) and stands: the store never replaces an object."""
    try:
        store.put_file(key, path, sha256_file(path), content_type=content_type)
    except ObjectExists:
        log.info("page work already written by another run", extra={"object_key": key})


def _get_page_result(
    store: ObjectStore, job_id: str, index: int, tmp: Path
) -> tuple[PageResult, float]:
    """The page's result and the seconds its step took (0 for results written before)."""
    local = tmp / f"page-{index + 1:05d}.json"
    store.get_to_file(page_result_key(job_id, index), local)
    data = json.loads(local.read_text())
    text_pdf = None
    if data.get("text_pdf"):
        text_pdf = tmp / f"page-{index + 1:05d}.pdf"
        store.get_to_file(str(data["text_pdf"]), text_pdf)
    return page_result_from_json(data, text_pdf), float(data.get("seconds", 0.0))


def _remove_work(ctx: WorkerContext, job: JobRecord) -> None:
    for page in ctx.book.pages(job.id):
        _remove_page_work(ctx.store, job.id, page.index)


def _remove_page_work(store: ObjectStore, job_id: str, index: int) -> None:
    store.delete(page_text_key(job_id, index))
    store.delete(page_result_key(job_id, index))
