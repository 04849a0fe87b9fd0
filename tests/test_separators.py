"""Telling separator sheets from ordinary pages, planning the parts, and cutting them.

Sheets are drawn with tests.separator_sheets (real QR codes and Code 128 from
zxing-cpp's writer) and read back with the real decoder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pikepdf
import pytest

from sohoa.ingest.parts import NO_LEADING_CODE, plan_parts, separators
from sohoa.ingest.separators import PageCodes, SeparatorProblem, classify
from sohoa.ingest.split import PageRange, as_pdf, write_part
from sohoa.ocr.images import load_pixels
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.sources import SourceKind, inspect_source
from tests import images
from tests.conftest import corpus_truth
from tests.separator_sheets import receipt_with_qr, separator_sheet

A = "000.00.20.H56-240101-0001"
B = "000.00.20.H56-240101-0002"
NOT_A_DATE = "000.00.20.H56-241399-0001"


# -- which pages are separators ----------------------------------------------------------------


def test_a_sheet_with_the_code_as_qr_and_code128_starts_that_dossier() -> None:
    assert classify(separator_sheet(A, A)) == PageCodes(separator=True, code=A)


def test_a_nearly_empty_sheet_with_only_a_qr_code_is_a_separator_too() -> None:
    assert classify(separator_sheet(A)) == PageCodes(separator=True, code=A)


def test_a_receipt_carrying_the_dossier_qr_is_an_ordinary_page() -> None:
    assert classify(receipt_with_qr(A)).separator is False


def test_text_pages_and_blank_backs_are_ordinary_pages() -> None:
    assert classify(images.text_page().image).separator is False
    assert classify(images.blank_back()).separator is False


def test_a_separator_whose_code_is_not_a_valid_dossier_code_gives_no_code() -> None:
    page = classify(separator_sheet(NOT_A_DATE, NOT_A_DATE))
    assert page.separator and page.code is None
    assert page.problem is SeparatorProblem.INVALID
    vi, en = page.explain()
    assert NOT_A_DATE in vi and NOT_A_DATE in en and "rescan" in en


def test_a_separator_whose_qr_and_barcode_disagree_gives_no_code() -> None:
    page = classify(separator_sheet(A, B))
    assert page.separator and page.code is None
    assert page.problem is SeparatorProblem.CONFLICTING


def test_a_separator_with_a_damaged_qr_and_no_barcode_is_seen_but_unreadable() -> None:
    page = classify(separator_sheet(A, damaged=True))
    assert page.separator and page.code is None
    assert page.problem is SeparatorProblem.UNREADABLE


def test_the_corpus_backlog_separators_are_found_and_nothing_else(corpus: Path) -> None:
    truth = corpus_truth(corpus, "dev-backlog")
    source = inspect_source(corpus / "dev-backlog.pdf", OcrOptions())
    found = [classify(load_pixels(source, page)) for page in source.pages]
    expected = [
        PageCodes(True, p["dossier_code"]) if p["kind"] == "separator" else PageCodes(False)
        for p in truth["pages"]  # type: ignore[attr-defined]
    ]
    assert found == expected


# -- planning the parts ------------------------------------------------------------------------

PAGE = PageCodes(False)


def test_pages_are_split_at_separators_which_are_left_out() -> None:
    parts = plan_parts([PageCodes(True, A), PAGE, PAGE, PageCodes(True, B), PAGE], None)
    assert [(p.code, p.pages) for p in parts] == [(A, PageRange(2, 3)), (B, PageRange(5, 5))]
    assert [p.problem for p in parts] == [None, None]


def test_a_separators_blank_back_in_a_duplex_scan_is_removed_with_it_not_filed() -> None:
    back = PageCodes(False, separator_back=True)
    pages = [PageCodes(True, A), back, PAGE, PAGE, PageCodes(True, B), back, PAGE]
    parts = plan_parts(pages, None)
    assert [(p.code, p.pages) for p in parts] == [(A, PageRange(3, 4)), (B, PageRange(7, 7))]
    assert [(s.page, s.back) for s in separators(pages)] == [(1, 2), (5, 6)]


def test_pages_before_the_first_separator_go_to_the_given_code() -> None:
    parts = plan_parts([PAGE, PAGE, PageCodes(True, B), PAGE], A)
    assert [(p.code, p.pages) for p in parts] == [(A, PageRange(1, 2)), (B, PageRange(4, 4))]


def test_pages_before_the_first_separator_without_a_code_are_an_error_not_dropped() -> None:
    first, second = plan_parts([PAGE, PageCodes(True, B), PAGE], None)
    assert first.pages == PageRange(1, 1) and first.code is None
    assert first.problem == NO_LEADING_CODE
    assert second.code == B and second.problem is None


def test_a_file_without_separators_is_one_part() -> None:
    (part,) = plan_parts([PAGE, PAGE, PAGE], A)
    assert (part.code, part.pages, part.separator) == (A, PageRange(1, 3), None)


def test_the_pages_after_a_faulty_separator_are_not_filed_under_any_code() -> None:
    faulty = PageCodes(True, problem=SeparatorProblem.UNREADABLE)
    good, bad = plan_parts([PageCodes(True, A), PAGE, faulty, PAGE, PAGE], None)
    assert (good.code, good.pages, good.problem) == (A, PageRange(2, 2), None)
    assert (bad.code, bad.pages) == (None, PageRange(4, 5))
    assert bad.problem == faulty.explain()


def test_a_separator_followed_by_no_pages_is_reported() -> None:
    _, empty = plan_parts([PageCodes(True, A), PAGE, PageCodes(True, B)], None)
    assert (empty.code, empty.pages) == (B, None)
    assert empty.problem is not None


# -- cutting the parts -------------------------------------------------------------------------


def _raw_images(pdf_path: Path) -> list[bytes]:
    with pikepdf.open(pdf_path) as pdf:
        return [image.read_raw_bytes() for page in pdf.pages for image in _images(page)]


def _images(page: pikepdf.Page) -> list[pikepdf.Stream]:
    return [image for image in page.get_images().values() if isinstance(image, pikepdf.Stream)]


@pytest.fixture(scope="module")
def four_page_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("split")
    pages = [images.numbered_page(n).image for n in range(1, 5)]
    return images.save_jpeg_pdf(pages, d / "four.pdf")


def test_a_part_keeps_the_scanners_jpeg_bytes_and_is_the_same_file_every_time(
    four_page_pdf: Path, tmp_path: Path
) -> None:
    with pikepdf.open(four_page_pdf) as pdf:
        once = write_part(pdf, PageRange(2, 3), tmp_path / "once.pdf")
        twice = write_part(pdf, PageRange(2, 3), tmp_path / "twice.pdf")
    assert hashlib.sha256(once.read_bytes()).digest() == hashlib.sha256(twice.read_bytes()).digest()
    assert _raw_images(once) == _raw_images(four_page_pdf)[1:3]


def test_a_g4_tiff_is_split_without_re_encoding(tmp_path: Path) -> None:
    pages = [images.numbered_page(n).image for n in (1, 2)]
    tiff = images.save_g4_tiff(pages, tmp_path / "batch.tif")
    wrapped = as_pdf(tiff, SourceKind.TIFF, tmp_path)
    with pikepdf.open(wrapped) as pdf:
        part = write_part(pdf, PageRange(2, 2), tmp_path / "part.pdf")
    with pikepdf.open(part) as out:
        (image,) = _images(out.pages[0])
        assert "/CCITTFaxDecode" in str(image.Filter)
    assert _raw_images(part) == _raw_images(wrapped)[1:2]
