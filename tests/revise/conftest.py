"""A real stored document to fix: scanned pages OCR'd by the embedded lifecycle into a
local object store and a SQLite catalog, exactly as `sohoa process` stores them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sohoa.ocr.options import OcrOptions
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.local_store import LocalStore
from sohoa.workers.lifecycle import EmbeddedDigitiser
from sohoa.workers.pages import PageRunner
from sohoa.workers.submission import Submission
from tests.images import blank_back, numbered_page, save_jpeg_pdf

CODE = "000.00.20.H56-240101-0001"


@dataclass
class Desk:
    """The counter's store and catalog, and a way to store a scan for a dossier."""

    store: LocalStore
    catalog: Catalog
    runner: PageRunner
    tmp: Path

    def stored(self, code: str = CODE, pages: int = 2, blank_after: int = 1) -> DocumentRecord:
        """``pages`` numbered pages with a blank back after page ``blank_after``, stored."""
        images = [numbered_page(n).image for n in range(1, pages + 1)]
        images.insert(blank_after, blank_back())
        scan = save_jpeg_pdf(images, self.tmp / f"{code}-{pages}.pdf")
        return self.digitise(scan, code)

    def digitise(self, scan: Path, code: str = CODE) -> DocumentRecord:
        sha = hashlib.sha256(scan.read_bytes()).hexdigest()
        submission = Submission(code, "intake", scan, scan.name, sha)
        digitiser = EmbeddedDigitiser(self.store, self.catalog, self.runner)
        return digitiser.digitise(submission, OcrOptions()).record


@pytest.fixture
def desk(tmp_path: Path, page_runner: PageRunner) -> Iterator[Desk]:
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    try:
        yield Desk(LocalStore(tmp_path / "objects"), catalog, page_runner, tmp_path)
    finally:
        catalog.close()


def one_page_scan(path: Path, number: int) -> Path:
    """A new scan of one sheet (front only) that says which page it is."""
    return save_jpeg_pdf([numbered_page(number).image], path)
