"""Identical input gives byte-identical output: no wall-clock time in the stored file
beyond the catalog's creation time of the row, and a /ID derived from the content.

Real tesseract and pikepdf; the same two-page scan (with a blank back that ends in the
dropped-pages PDF) digitised into fresh catalogs whose rows share one creation time.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
from sqlalchemy import update

from sohoa.ocr.options import OcrOptions
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.local_store import LocalStore
from sohoa.storage.models import Document
from sohoa.workers.lifecycle import EmbeddedDigitiser, record_problem
from sohoa.workers.pages import PageRunner
from sohoa.workers.problems import Problem
from sohoa.workers.submission import Submission
from tests.images import blank_back, numbered_page, save_jpeg_pdf

CODE = "000.00.20.H56-240101-0001"
CREATED = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def scan(tmp_path: Path) -> Path:
    pages = [numbered_page(1).image, blank_back(), numbered_page(2).image]
    return save_jpeg_pdf(pages, tmp_path / "scan.pdf")


def submission(source: Path) -> Submission:
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    return Submission(CODE, "intake", source, source.name, sha)


def reserved_at(catalog: Catalog, source: Path) -> DocumentRecord:
    """The row as a counter made it at CREATED (its creation time is the file's date)."""
    sub = submission(source)
    record, _ = catalog.reserve(CODE, "intake", sub.source_name, sub.source_sha256)
    with catalog.sessions.begin() as session:
        session.execute(update(Document).where(Document.id == record.id).values(created_at=CREATED))
    return record


def digitised(home: Path, source: Path, runner: PageRunner) -> tuple[str, str, LocalStore]:
    """A fresh catalog and store in ``home``: the stored PDF's and dropped PDF's SHA-256."""
    store = LocalStore(home / "objects")
    with Catalog.open(f"sqlite:///{home / 'catalog.sqlite3'}") as catalog:
        reserved_at(catalog, source)
        record = (
            EmbeddedDigitiser(store, catalog, runner)
            .digitise(submission(source), OcrOptions())
            .record
        )
    assert record.sha256 is not None and record.dropped_key is not None
    dropped = store.head(record.dropped_key)
    assert dropped is not None
    return record.sha256, dropped.sha256, store


def test_the_same_scan_twice_gives_the_same_bytes(tmp_path: Path, page_runner: PageRunner) -> None:
    source = scan(tmp_path)
    first = digitised(tmp_path / "first", source, page_runner)
    second = digitised(tmp_path / "second", source, page_runner)
    assert first[:2] == second[:2]
    key = f"dossiers/{CODE}/intake/{CODE}.1.pdf"
    with pikepdf.open(tmp_path / "first" / "objects" / key) as pdf:
        assert str(pdf.open_metadata()["xmp:CreateDate"]).startswith("2026-03-02T15:30:00")


def test_a_retry_after_a_failed_attempt_gives_the_bytes_the_first_attempt_made(
    tmp_path: Path, page_runner: PageRunner
) -> None:
    source = scan(tmp_path)
    expected, _, _ = digitised(tmp_path / "reference", source, page_runner)
    home = tmp_path / "retried"
    store = LocalStore(home / "objects")
    with Catalog.open(f"sqlite:///{home / 'catalog.sqlite3'}") as catalog:
        record = reserved_at(catalog, source)
        # The first attempt uploaded its PDF, then failed before the row was marked stored.
        key = f"dossiers/{CODE}/intake/{CODE}.1.pdf"
        orphan = tmp_path / "reference" / "objects" / key
        store.put_file(key, orphan, expected)
        record_problem(catalog, record.id, Problem("internal_error", "lỗi", "crashed"))
        assert catalog.document(record.id).status == "failed"  # type: ignore[union-attr]
        retried = EmbeddedDigitiser(store, catalog, page_runner).digitise(
            submission(source), OcrOptions()
        )
    assert retried.record.status == "stored" and retried.record.sha256 == expected
