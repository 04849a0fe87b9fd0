"""Page thumbnails drawn straight from a sohoa PDF/A's page images look like pdftoppm's.

Real PDF/A files are made by the pipeline (real tesseract) from JPEG, CCITT G4 and
JBIG2 scans, some fed skewed or sideways (their image is drawn through a turning,
straightening matrix). Their thumbnails must come without pdftoppm (subprocess is
refused) and match what pdftoppm draws of the same page, /Rotate included. Pages of
any other shape still go to pdftoppm; a broken PDF leaves the document without them.
"""

from __future__ import annotations

import io
import logging
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image, ImageChops, ImageStat

from sohoa.ocr.options import OcrOptions
from sohoa.storage.local_store import LocalStore
from sohoa.workers import thumbnails
from sohoa.workers.thumbnails import WIDTH, render, store_thumbnails, thumb_key
from tests.conftest import Digitise
from tests.images import (
    numbered_page,
    save_g4_pdf,
    save_jbig2_pdf,
    save_jpeg_pdf,
    save_png,
    skewed,
    text_page,
    turned,
)

#: Mean absolute difference (0-255, greyscale) allowed between our thumbnail and
#: pdftoppm's: the two scale with different filters and both are JPEG quality 70.
CLOSE = 6.0
#: Wrong ways to draw a page (mirrored, upside down), which must look clearly further
#: from pdftoppm's than ours does: the test pages are mostly paper, so a wrong
#: orientation differs by only a few grey levels on average, but twice ours at least.
WRONG = (
    Image.Transpose.ROTATE_180,
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.FLIP_TOP_BOTTOM,
)
OPTIONS = OcrOptions(duplex=False)


def pdftoppm_thumbs(pdf: Path, out: Path) -> list[Image.Image]:
    """What poppler itself draws, by the command the fallback runs."""
    out.mkdir()
    subprocess.run(
        [
            "pdftoppm",
            "-jpeg",
            "-jpegopt",
            "quality=70",
            "-scale-to-x",
            str(WIDTH),
            "-scale-to-y",
            "-1",
            pdf,
            out / "p",
        ],
        check=True,
    )
    return [Image.open(p).convert("L") for p in sorted(out.glob("p-*.jpg"))]


def difference(a: Image.Image, b: Image.Image) -> float:
    return float(ImageStat.Stat(ImageChops.difference(a.convert("L"), b.convert("L"))).mean[0])


def coarse_difference(a: Image.Image, b: Image.Image) -> float:
    """The difference at a quarter of the size: layout, not the scaling filter's grain."""
    size = (a.width // 4, a.height // 4)
    box = Image.Resampling.BOX
    return difference(a.convert("L").resize(size, box), b.convert("L").resize(size, box))


def assert_looks_alike(mine: Image.Image, poppler: Image.Image, what: str) -> None:
    assert mine.size == poppler.size, what
    assert difference(mine, poppler) < CLOSE, what
    ours = coarse_difference(mine, poppler)
    for wrong in WRONG:
        assert 2 * ours < coarse_difference(mine.transpose(wrong), poppler), (what, wrong)


@pytest.fixture
def pdftoppm_runs(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The PDFs render() handed to pdftoppm (which still renders them)."""
    calls: list[Path] = []
    real = thumbnails._render_pdftoppm

    def spy(pdf: Path, out_dir: Path, width: int) -> list[Path]:
        calls.append(pdf)
        return real(pdf, out_dir, width)

    monkeypatch.setattr(thumbnails, "_render_pdftoppm", spy)
    return calls


def fast_thumbs(pdf: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> list[Image.Image]:
    """render(), which may not fall back to pdftoppm here."""
    with monkeypatch.context() as patch:
        patch.setattr(thumbnails, "_render_pdftoppm", _refuse)
        paths = render(pdf, out)
    return [Image.open(p) for p in paths]


def _refuse(*args: Any) -> list[Path]:
    raise AssertionError(f"pdftoppm was run: {args}")


def assert_like_pdftoppm(pdf: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = fast_thumbs(pdf, tmp / "ours", monkeypatch)
    theirs = pdftoppm_thumbs(pdf, tmp / "theirs")
    with pikepdf.open(pdf) as doc:
        boxes = [
            (float(p.mediabox[2]), float(p.mediabox[3]), int(p.obj.get("/Rotate", 0)) % 180)
            for p in doc.pages
        ]
    assert len(ours) == len(theirs) == len(boxes)
    for n, (mine, poppler, (w, h, turn)) in enumerate(zip(ours, theirs, boxes, strict=True), 1):
        assert mine.format == "JPEG"
        if turn == 0:  # the page's aspect, 200 px wide
            assert mine.width == WIDTH and mine.height == pytest.approx(WIDTH * h / w, abs=1)
        else:  # as pdftoppm: the page scaled to 200 px wide, then turned a quarter
            assert mine.height == WIDTH and mine.width == pytest.approx(WIDTH * h / w, abs=1)
        assert_looks_alike(mine, poppler, f"{pdf.name} page {n}")


SCANS: dict[str, Callable[[list[Image.Image], Path], Path]] = {
    "jpeg": save_jpeg_pdf,
    "g4": save_g4_pdf,
}


@pytest.mark.parametrize("kind", sorted(SCANS))
def test_a_scanned_pdfa_gets_thumbnails_from_its_images_that_look_like_pdftoppms(
    kind: str, digitise: Digitise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = [
        numbered_page(1).image,
        skewed(numbered_page(2).image, 2.5),  # straightened by the page's matrix
        turned(numbered_page(3).image, 90),  # fed sideways: turned upright by the matrix
    ]
    scan = SCANS[kind](pages, tmp_path / f"scan-{kind}.pdf")
    pdf = digitise(scan, options=OPTIONS).pdf
    with pikepdf.open(pdf) as doc:
        assert len(doc.pages) == 3
        contents = [p.Contents.read_bytes() for p in doc.pages]
    assert all(b" cm /Im0 Do" in c for c in contents)  # the image is drawn through a matrix
    assert_like_pdftoppm(pdf, tmp_path, monkeypatch)


def test_a_jbig2_page_gets_its_thumbnail_from_its_image(
    digitise: Digitise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = save_jbig2_pdf(numbered_page(4).image, tmp_path / "scan-jbig2.pdf")
    pdf = digitise(scan, options=OPTIONS).pdf
    with pikepdf.open(pdf) as doc:
        (image,) = (v for k, v in doc.pages[0].Resources.XObject.items() if k == "/Im0")
        assert image.Filter == pikepdf.Name.JBIG2Decode
    assert_like_pdftoppm(pdf, tmp_path, monkeypatch)


def test_a_colour_png_scan_kept_as_flate_gets_its_thumbnail_from_its_image(
    digitise: Digitise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = save_png(text_page(mode="RGB").image, tmp_path / "scan.png")
    pdf = digitise(scan, options=OPTIONS).pdf
    with pikepdf.open(pdf) as doc:
        image = doc.pages[0].Resources.XObject.Im0
        assert image.Filter == pikepdf.Name.FlateDecode and image.ColorSpace == "/DeviceRGB"
    assert_like_pdftoppm(pdf, tmp_path, monkeypatch)


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_turned_page_gets_a_turned_thumbnail_like_pdftoppms(
    degrees: int, digitise: Digitise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = save_jpeg_pdf([text_page().image, numbered_page(2).image], tmp_path / "scan.pdf")
    stored = digitise(scan, options=OPTIONS).pdf
    pdf = tmp_path / "turned.pdf"
    with pikepdf.open(stored) as doc:  # as `sohoa revise` turns a page: its /Rotate
        doc.pages[0].obj.Rotate = degrees
        doc.save(pdf)
    assert_like_pdftoppm(pdf, tmp_path, monkeypatch)
    upright = fast_thumbs(stored, tmp_path / "upright", monkeypatch)[0]
    turned_thumb = fast_thumbs(pdf, tmp_path / "turned", monkeypatch)[0]
    if degrees == 180:
        assert_looks_alike(turned_thumb, upright.transpose(Image.Transpose.ROTATE_180), "180")
    else:  # A5 portrait, turned a quarter (clockwise for 90, as a viewer shows /Rotate)
        quarter = Image.Transpose.ROTATE_270 if degrees == 90 else Image.Transpose.ROTATE_90
        assert turned_thumb.width > turned_thumb.height
        assert coarse_difference(turned_thumb, upright.transpose(quarter)) < 2.0


def test_a_vector_page_is_still_rendered_by_pdftoppm(
    tmp_path: Path, pdftoppm_runs: list[Path]
) -> None:
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(200, 280))
    page.contents_add(pikepdf.Stream(pdf, b"0.3 g 20 20 100 150 re f"))
    pdf.save(tmp_path / "vector.pdf")
    (thumb,) = render(tmp_path / "vector.pdf", tmp_path / "out")
    assert pdftoppm_runs == [tmp_path / "vector.pdf"]
    with Image.open(thumb) as image:
        assert image.width == WIDTH and image.height == 280
        assert image.convert("L").getpixel((60, 200)) < 120  # the grey box drawn by poppler


def test_a_page_with_two_images_sends_the_whole_document_to_pdftoppm(
    digitise: Digitise, tmp_path: Path, pdftoppm_runs: list[Path]
) -> None:
    scan = save_jpeg_pdf([numbered_page(1).image, numbered_page(2).image], tmp_path / "scan.pdf")
    stored = digitise(scan, options=OPTIONS).pdf
    pdf = tmp_path / "two-images.pdf"
    with pikepdf.open(stored) as doc:
        second = doc.pages[1]
        second.Resources.XObject.Im1 = second.Resources.XObject.Im0
        second.contents_add(pikepdf.Stream(doc, b"q 100 0 0 140 10 10 cm /Im1 Do Q"))
        doc.save(pdf)
    thumbs = render(pdf, tmp_path / "out")
    assert pdftoppm_runs == [pdf] and len(thumbs) == 2
    theirs = pdftoppm_thumbs(pdf, tmp_path / "theirs")
    for path, poppler in zip(thumbs, theirs, strict=True):
        with Image.open(path) as mine:
            assert mine.size == poppler.size and difference(mine, poppler) < 1.0


def test_a_broken_pdf_is_logged_and_gets_no_thumbnails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF")
    store = LocalStore(tmp_path / "objects")
    key = "dossiers/X/intake/broken.pdf"
    with caplog.at_level(logging.WARNING, logger=thumbnails.log.name):
        assert store_thumbnails(store, broken, key) is None
    assert any("thumbnails not made" in r.getMessage() for r in caplog.records)
    assert store.head(thumb_key(key.removesuffix(".pdf") + ".thumbs/", 1)) is None


def test_a_jpeg_larger_than_its_dictionary_says_is_not_decoded_here(
    digitise: Digitise, tmp_path: Path, pdftoppm_runs: list[Path]
) -> None:
    """The decode limits hold: a JPEG whose header declares more pixels than its image
    dictionary (a decompression bomb's trick) is left to pdftoppm, which streams it."""
    scan = save_jpeg_pdf([numbered_page(1).image], tmp_path / "scan.pdf")
    stored = digitise(scan, options=OPTIONS).pdf
    pdf = tmp_path / "bomb.pdf"
    with pikepdf.open(stored) as doc:
        image = doc.pages[0].Resources.XObject.Im0
        big = Image.new("L", (int(image.Width) * 3, int(image.Height) * 3), 255)
        buffer = io.BytesIO()
        big.save(buffer, format="JPEG", quality=20)
        image.write(buffer.getvalue(), filter=pikepdf.Name.DCTDecode)
        doc.save(pdf)
    (thumb,) = render(pdf, tmp_path / "out")
    assert pdftoppm_runs == [pdf]
    with Image.open(thumb) as made:
        assert made.width == WIDTH
