"""A step redelivered after the broker lost its outgoing message sends that message again.

The broker can vanish between "page marked done" and "assemble sent" (or between
"pages created" and "page messages sent"): dramatiq then retries the step, which
finds its own work done. It must re-send what may have been lost, or the job
waits for the reconciler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from sohoa.ocr.page import PageJob, PageResult
from sohoa.storage.catalog import Catalog
from sohoa.storage.jobs import JobBook, NewJob
from sohoa.storage.local_store import LocalStore
from sohoa.workers import queue_steps
from sohoa.workers.queue_steps import WorkerContext, run_document, run_page
from sohoa.workers.wire import page_result_key


@dataclass
class RecordingSender:
    pages: list[int] = field(default_factory=list)
    assembles: int = 0

    def send_page(self, job_id: str, index: int) -> None:
        self.pages.append(index)

    def send_assemble(self, job_id: str) -> None:
        self.assembles += 1


@pytest.fixture
def book_and_job(tmp_path: Path) -> tuple[Catalog, JobBook, str]:
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    record, _ = catalog.reserve("000.00.20.H56-240101-0001", "intake", "a.pdf", "a" * 64)
    book = JobBook(catalog)
    job = book.create(
        NewJob(record.id, record.dossier_code, "intake", "a.pdf", "a" * 64, "inbox/a", {})
    )
    book.start_pages(job.id, "pdf", [{}, {}])
    return catalog, book, job.id


def _context(catalog: Catalog, book: JobBook, sender: RecordingSender, tmp: Path) -> WorkerContext:
    return WorkerContext(
        store=None,  # type: ignore[arg-type]  # these paths never touch the store
        catalog=catalog,
        book=book,
        sender=sender,
        sources=None,  # type: ignore[arg-type]
        scratch=tmp,
        lease_seconds=60,
        worker_id="test:1",
    )


def test_a_redelivered_document_step_resends_the_pages_nobody_took(
    book_and_job: tuple[Catalog, JobBook, str], tmp_path: Path
) -> None:
    catalog, book, job_id = book_and_job
    book.claim_page(job_id, 0, "other:2")
    sender = RecordingSender()
    run_document(_context(catalog, book, sender, tmp_path), job_id)
    assert sender.pages == [1]


def test_a_redelivered_last_page_resends_the_assemble_message(
    book_and_job: tuple[Catalog, JobBook, str], tmp_path: Path
) -> None:
    catalog, book, job_id = book_and_job
    for index in (0, 1):
        book.claim_page(job_id, index, "other:2")
        book.finish_page(job_id, index, "other:2")
    sender = RecordingSender()
    run_page(_context(catalog, book, sender, tmp_path), job_id, 1)
    assert sender.assembles == 1


PAGE = {
    "index": 0,
    "width_px": 1700,
    "height_px": 2200,
    "dpi": 200.0,
    "scanned": True,
    "embeddable": True,
}


@dataclass
class FixedSources:
    path: Path

    def fetch(self, key: str, sha256: str) -> Path:
        return self.path


def test_a_page_run_twice_leaves_no_work_behind_when_the_job_closed_in_between(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reconciler re-sends a page that looks stuck; both runs finish, one after the job."""
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    record, _ = catalog.reserve("000.00.20.H56-240101-0001", "intake", "a.pdf", "a" * 64)
    book = JobBook(catalog)
    job = book.create(
        NewJob(record.id, record.dossier_code, "intake", "a.pdf", "a" * 64, "inbox/a", {})
    )
    book.start_pages(job.id, "pdf", [PAGE])
    store = LocalStore(tmp_path / "store")

    def first_run_closes_the_job_meanwhile(page_job: PageJob) -> PageResult:
        book.finish_page(job.id, 0, "other:2")
        assert book.claim_assembly(job.id, "other:2", timedelta(seconds=60)) is not None
        assert book.finish_assembly(job.id, "other:2", assembled=True)
        return PageResult(index=0, text="late")

    monkeypatch.setattr(queue_steps, "process_page", first_run_closes_the_job_meanwhile)
    ctx = _context(catalog, book, RecordingSender(), tmp_path)
    ctx.store, ctx.sources = store, FixedSources(tmp_path / "a.pdf")  # type: ignore[assignment]
    run_page(ctx, job.id, 0)

    assert store.head(page_result_key(job.id, 0)) is None
    assert ctx.sender.assembles == 0  # type: ignore[attr-defined]
