"""What a digitised document looks like: a valid PDF/A-2b holding the scanner's own image bytes,
an invisible text layer on the words, and the metadata an archive needs."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pikepdf
import pikepdf.pdfa
import pytest
from PIL import Image

from sohoa.ocr.assemble import DocumentResult
from sohoa.ocr.sources import SourceKind, sniff
from tests import images
from tests.conftest import Digitise, corpus_truth, pdftotext

Digitised = Callable[[str], DocumentResult]

#: Every sample format and the words its pages must carry in the text layer.
FORMATS = {
    "jpeg named .pdf": ["Hạnh phúc", images.MARKER],
    "pdf named .jpg": ["Hạnh phúc", images.MARKER],
    "g4 tiff, 2 pages": ["7001", "7002"],
    "png": ["Hạnh phúc", images.MARKER],
    "g4 pdf": ["Hạnh phúc", images.MARKER],
    "colour jpeg": ["Hạnh phúc", images.MARKER],
}


class _Raw:
    """An image stream's dictionary entries and raw (still encoded) bytes, usable after close."""

    def __init__(self, image: pikepdf.Stream) -> None:
        filters = image.get("/Filter")
        if isinstance(filters, pikepdf.Array):
            filters = filters[0] if len(filters) == 1 else filters
        self.filter = str(filters)
        self.colour_space = str(image.get("/ColorSpace"))
        self.raw = image.read_raw_bytes()
        self.size = (int(image.Width), int(image.Height))


def raw_images(pdf_path: Path) -> list[_Raw]:
    with pikepdf.open(pdf_path) as pdf:
        return [
            _Raw(xobject)
            for page in pdf.pages
            for xobject in page.Resources.XObject.values()
            if xobject.get("/Subtype") == "/Image"
        ]


def word_boxes(pdf: Path, word: str) -> list[tuple[float, float, float, float]]:
    """Boxes (points, top-left origin) of `word` in the text layer, per `pdftotext -bbox`."""
    pattern = re.compile(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">' + re.escape(word) + "<"
    )
    text = pdftotext(pdf, bbox=True)
    return [tuple(float(v) for v in m.groups()) for m in pattern.finditer(text)]  # type: ignore[misc]


def render_gray(pdf: Path, page: int = 1, dpi: int = 40) -> Image.Image:
    """The page as a viewer shows it (poppler), small and gray."""
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(page), "-l", str(page), str(pdf)],
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(png)).convert("L")


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute pixel difference after bringing `b` to `a`'s size."""
    b = b.convert("L").resize(a.size, Image.Resampling.BILINEAR)
    return float(np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32)).mean())


# -- inputs ------------------------------------------------------------------------------------


def test_the_format_is_recognised_by_content_not_by_extension(samples: dict[str, Path]) -> None:
    assert sniff(samples["jpeg named .pdf"]) is SourceKind.JPEG
    assert sniff(samples["pdf named .jpg"]) is SourceKind.PDF
    assert sniff(samples["g4 tiff, 2 pages"]) is SourceKind.TIFF
    assert sniff(samples["png"]) is SourceKind.PNG


@pytest.mark.parametrize("name", FORMATS)
def test_every_scan_format_becomes_a_valid_searchable_pdfa_2b(
    name: str, digitised: Digitised
) -> None:
    result = digitised(name)
    assert pikepdf.pdfa.validate_written(result.pdf, "2b").passed
    assert result.pdfa_report.startswith("PDF/A-2B valid")
    text = pdftotext(result.pdf)
    for word in FORMATS[name]:
        assert word in text, f"{word!r} not in the text layer of {name}: {text!r}"
    with pikepdf.open(result.pdf) as pdf:
        assert len(pdf.pages) == result.pages == result.input_pages


def test_a_multi_page_tiff_gives_one_pdf_page_per_frame_in_order(digitised: Digitised) -> None:
    result = digitised("g4 tiff, 2 pages")
    assert result.pages == 2
    assert "7001" in pdftotext(result.pdf, page=1)
    assert "7002" in pdftotext(result.pdf, page=2)


# -- the scanner's pixels are the evidence -----------------------------------------------------


def same_pixels(a: bytes, b: bytes) -> bool:
    """Two encoded images decode to exactly the same pixels."""
    with Image.open(io.BytesIO(a)) as first, Image.open(io.BytesIO(b)) as second:
        return first.mode == second.mode and np.array_equal(np.asarray(first), np.asarray(second))


def test_a_scanned_pdf_pages_jpeg_keeps_its_pixels_in_fewer_bytes(
    samples: dict[str, Path], digitised: Digitised
) -> None:
    """The JPEG is only given optimal Huffman tables (ocr.jpeg): not decoded, not re-quantised."""
    (before,) = raw_images(samples["pdf named .jpg"])
    (after,) = raw_images(digitised("pdf named .jpg").pdf)
    assert after.filter == before.filter == "/DCTDecode"
    assert same_pixels(after.raw, before.raw)
    assert len(after.raw) < len(before.raw)


def test_a_scanned_pdf_pages_g4_image_is_embedded_byte_for_byte(
    samples: dict[str, Path], digitised: Digitised
) -> None:
    (before,) = raw_images(samples["g4 pdf"])
    (after,) = raw_images(digitised("g4 pdf").pdf)
    assert after.filter == before.filter == "/CCITTFaxDecode"
    assert after.raw == before.raw


def test_a_jpeg_file_keeps_the_scanners_pixels(
    samples: dict[str, Path], digitised: Digitised
) -> None:
    (after,) = raw_images(digitised("jpeg named .pdf").pdf)
    scanned = samples["jpeg named .pdf"].read_bytes()
    assert after.filter == "/DCTDecode"
    assert same_pixels(after.raw, scanned)
    assert len(after.raw) <= len(scanned)


def test_a_g4_tiff_stays_g4(digitised: Digitised) -> None:
    filters = [i.filter for i in raw_images(digitised("g4 tiff, 2 pages").pdf)]
    assert filters == ["/CCITTFaxDecode"] * 2


def test_colour_stays_colour(digitised: Digitised) -> None:
    (image,) = raw_images(digitised("colour jpeg").pdf)
    assert image.filter == "/DCTDecode"
    assert image.colour_space == "/DeviceRGB"


@pytest.fixture(scope="session")
def dev013(corpus: Path, digitise: Digitise) -> DocumentResult:
    """dev-013: 3 gray JPEG pages at 200 dpi, pages 2 and 3 fed upside down."""
    return digitise(corpus / "dev-013.pdf")


def test_a_corpus_scan_with_its_own_huffman_tables_keeps_every_image_untouched(
    corpus: Path, dev013: DocumentResult
) -> None:
    """dev-013's JPEGs already have Huffman tables made for them: their bytes are kept."""
    source = corpus / "dev-013.pdf"
    before, after = raw_images(source), raw_images(dev013.pdf)
    assert len(after) == len(before) == 3
    for page, (b, a) in enumerate(zip(before, after, strict=True), start=1):
        assert a.filter == b.filter == "/DCTDecode", f"page {page}"
        assert a.raw == b.raw, f"page {page} image was re-encoded"
    assert dev013.pdf.stat().st_size <= 1.1 * source.stat().st_size
    assert pikepdf.pdfa.validate_written(dev013.pdf, "2b").passed


def test_corpus_pages_fed_upside_down_are_searchable_upright(
    corpus: Path, dev013: DocumentResult
) -> None:
    truth = corpus_truth(corpus, "dev-013")
    for page in truth["pages"]:  # type: ignore[attr-defined]
        expected = [w for w in page["text"].split() if len(w) >= 4]
        found = set(pdftotext(dev013.pdf, page=page["index"]).split())
        share = sum(w in found for w in expected) / len(expected)
        where = f"page {page['index']} (upside down: {page['upside_down']})"
        assert share >= 0.8, f"{where}: {share:.0%} of the words found"


# -- the invisible text layer --------------------------------------------------------------------


def test_the_text_layer_is_invisible(digitised: Digitised) -> None:
    result = digitised("jpeg named .pdf")
    with pikepdf.open(result.pdf) as pdf:
        layer = pdf.pages[0].Resources.XObject.Tx0
        assert layer.Subtype == "/Form"
        assert b"3 Tr" in layer.read_bytes()  # text render mode 3: neither fill nor stroke


@pytest.mark.parametrize(
    "name", ["jpeg named .pdf", "upside-down jpeg", "sideways jpeg", "skewed jpeg"]
)
def test_the_invisible_text_lies_on_the_printed_word(
    name: str, digitised: Digitised, sample_page: images.Page
) -> None:
    """Search hits and copy-paste select the word on the image, also on a turned or skewed scan."""
    (box,) = word_boxes(digitised(name).pdf, images.MARKER)
    x0, y0, x1, y1 = sample_page.marker_box_pt()
    assert abs(box[0] - x0) < 4 and abs(box[1] - y0) < 4 and abs(box[3] - y1) < 4, (box, (x0, y0))
    assert abs((box[0] + box[2]) / 2 - (x0 + x1) / 2) < 8, (box, (x0, y0, x1, y1))


@pytest.mark.parametrize("name", ["upside-down jpeg", "sideways jpeg", "skewed jpeg"])
def test_a_turned_or_skewed_scan_is_shown_upright_and_straight(
    name: str, digitised: Digitised, sample_page: images.Page, samples: dict[str, Path]
) -> None:
    """The viewer draws the scan upright (the bytes are untouched: the page's matrix turns it)."""
    shown = render_gray(digitised(name).pdf)
    upright = difference(shown, sample_page.image)
    as_scanned = difference(shown, Image.open(samples[name]).resize(shown.size))
    assert upright < 4, f"rendered page differs from the upright original by {upright:.1f}"
    assert upright < as_scanned / 2


# -- metadata ------------------------------------------------------------------------------------


def test_the_producer_and_creation_date_are_in_vietnam_time(digitised: Digitised) -> None:
    with pikepdf.open(digitised("png").pdf) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["pdf:Producer"].startswith("sohoa")
        assert meta["xmp:CreateDate"].endswith("+07:00")
        assert meta["xmp:ModifyDate"].endswith("+07:00")
        assert meta["dc:title"] == "Thử nghiệm"


def test_nothing_of_the_source_pdf_but_its_page_images_reaches_the_output(
    samples: dict[str, Path], digitise: Digitise, tmp_path: Path
) -> None:
    """The output is built inside the source's PDF (images are never copied into memory), so
    its catalogue, document info, annotations and inherited page attributes must all go."""
    loaded = tmp_path / "loaded.pdf"
    with pikepdf.open(samples["pdf named .jpg"]) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")
        pdf.Root.PageLabels = pikepdf.Dictionary(Nums=[0, pikepdf.Dictionary(S=pikepdf.Name.r)])
        pdf.docinfo["/Author"] = "máy quét cũ"
        pdf.Root.Pages.Rotate = 90  # inherited by every page that does not say otherwise
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([]))
        pdf.save(loaded)

    result = digitise(loaded)

    assert pikepdf.pdfa.validate_written(result.pdf, "2b").passed
    with pikepdf.open(result.pdf) as out:
        assert set(out.Root.keys()) == {"/Type", "/Pages", "/Metadata", "/OutputIntents"}
        assert "/Author" not in out.docinfo
        assert len(out.pages) == 1
        assert "/Annots" not in out.pages[0] and "/Rotate" not in out.Root.Pages
        assert out.pages[0].get("/Rotate", 0) == 0
    (before,) = raw_images(samples["pdf named .jpg"])
    (after,) = raw_images(result.pdf)
    assert same_pixels(after.raw, before.raw)
    assert images.MARKER in pdftotext(result.pdf)
