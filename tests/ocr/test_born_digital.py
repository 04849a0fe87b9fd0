"""Born-digital PDFs (typed in Word and exported, issued by another system) keep their own
text and fonts: converted to PDF/A-2b without rasterising and without a second text layer.
Mixed documents are handled page by page; a signed PDF is never rewritten."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest

from sohoa.ocr.assemble import DocumentResult
from tests import born_digital, images
from tests.conftest import Digitise, pdftotext

LINES = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "QUYẾT ĐỊNH", "Số hồ sơ: 31415926")


def xobjects(page: pikepdf.Page) -> dict[str, pikepdf.Object]:
    resources = page.obj.get("/Resources", pikepdf.Dictionary())
    return dict(resources.get("/XObject", pikepdf.Dictionary()).items())


def has_image(page: pikepdf.Page) -> bool:
    return any(x.get("/Subtype") == "/Image" for x in xobjects(page).values())


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, digitise: Digitise) -> DocumentResult:
    folder = tmp_path_factory.mktemp("born-digital")
    return digitise(born_digital.save_text_pdf(folder / "quyet-dinh.pdf", [LINES]))


def test_an_exported_page_becomes_valid_pdfa_with_its_own_text(exported: DocumentResult) -> None:
    assert pikepdf.pdfa.validate_written(exported.pdf, "2b").passed
    text = pdftotext(exported.pdf)
    assert all(line in text for line in LINES)
    assert exported.confidence == 100.0
    assert any("kept as it is" in note for note in exported.notes)


def test_an_exported_page_is_not_rasterised_and_gets_no_second_text_layer(
    exported: DocumentResult,
) -> None:
    with pikepdf.open(exported.pdf) as pdf:
        page = pdf.pages[0]
        assert xobjects(page) == {}  # no image, no OCR form on top
        fonts = page.Resources.Font
        assert [str(f.BaseFont) for f in fonts.values()] == ["/ABCDEF+DejaVuSans"]
    assert pdftotext(exported.pdf).count("31415926") == 1


def test_a_mixed_document_is_handled_page_by_page(tmp_path: Path, digitise: Digitise) -> None:
    """Page 1 exported from Word, page 2 a scanned annex: only page 2 is recognised."""
    mixed = born_digital.save_text_pdf(tmp_path / "ho-so.pdf", [LINES])
    scan = images.save_jpeg_pdf([images.text_page().image], tmp_path / "phu-luc.pdf")
    born_digital.append_pages(mixed, scan)
    result = digitise(mixed)
    assert pikepdf.pdfa.validate_written(result.pdf, "2b").passed
    assert result.pages == 2
    with pikepdf.open(result.pdf) as pdf:
        assert not has_image(pdf.pages[0])
        assert has_image(pdf.pages[1])
        assert pdf.pages[1].Resources.XObject.Im0.Filter == pikepdf.Name.DCTDecode
    assert "31415926" in pdftotext(result.pdf, page=1)
    assert images.MARKER in pdftotext(result.pdf, page=2)


def test_a_page_with_fonts_not_embedded_is_rasterised_with_a_note(
    tmp_path: Path, digitise: Digitise
) -> None:
    """PDF/A needs every font embedded; a Helvetica page becomes an image with OCR text."""
    old = born_digital.save_text_pdf(
        tmp_path / "cu.pdf", [("QUYET DINH", "So ho so: 31415926")], embed=False
    )
    result = digitise(old)
    assert pikepdf.pdfa.validate_written(result.pdf, "2b").passed
    with pikepdf.open(result.pdf) as pdf:
        assert has_image(pdf.pages[0])
    assert "31415926" in pdftotext(result.pdf)
    assert any("fonts not embedded (Helvetica)" in note for note in result.notes)


def test_a_signed_pdf_is_stored_byte_for_byte_and_the_clerk_told_why(
    tmp_path: Path, digitise: Digitise
) -> None:
    plain = born_digital.save_text_pdf(tmp_path / "plain.pdf", [LINES])
    signed = born_digital.sign(plain, tmp_path / "da-ky.pdf")
    result = digitise(signed)
    assert result.signed
    assert result.pdf.read_bytes() == signed.read_bytes()
    assert any("chữ ký số" in n and "not converted to PDF/A" in n for n in result.notes)
    assert "31415926" in result.page_texts[0]
