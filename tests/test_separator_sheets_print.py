"""`sohoa sheets`: separator sheets printed, scanned back, and recognised by `sohoa batch`.

The sheets are printed by the real command, rendered by poppler's pdftoppm as
a scanner would see the paper (200 and 300 dpi), made worse the way paper and
scanners make them (grey paper, noise, a crooked feed), put in front of content
pages in one scanned backlog file, and fed to the real `sohoa batch` in a
subprocess: each part must be filed under the sheet's code with its own pages,
the sheets and their blank backs gone.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import img2pdf
import numpy as np
import pikepdf
import pytest
from PIL import Image

from sohoa.ingest.separator_sheets import SheetLabel, separator_sheets_pdf
from sohoa.storage.catalog import Catalog
from sohoa.storage.codes import DossierCodeError, parse_dossier_code
from tests import images

A = "000.00.20.H56-240101-0001"
B = "000.00.20.H56-240101-0002"
C = "H56.001.00-240101-000012"  # the centralised format: a longer code, a larger QR code
SOHOA = Path(sys.executable).parent / "sohoa"
A4_PT = (595.28, 841.89)  # 210 x 297 mm


def run(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real `sohoa` command in its own process, with only the settings named here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update({"SOHOA_HOME": str(home), "SOHOA_JOBS": "1", "SOHOA_LANG": "en"})
    command = [str(SOHOA), *(str(a) for a in args)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def rendered(pdf: Path, dpi: int, workdir: Path) -> list[Image.Image]:
    """Every page as poppler renders it at ``dpi`` (grey, as a scanner delivers paper)."""
    prefix = workdir / f"r{dpi}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(prefix)], check=True)
    return [Image.open(p).convert("L") for p in sorted(workdir.glob(f"r{dpi}-*.pgm"))]


def scanned(page: Image.Image, *, skew: float, seed: int) -> Image.Image:
    """The printed page as it comes back from a scanner: grey paper, toner not quite black,
    a crooked feed, sensor noise and dust."""
    pixels = np.asarray(page, dtype=np.float32) * (images.PAPER - 30) / 255 + 30
    paper = Image.fromarray(pixels.astype(np.uint8), "L")
    return images.with_noise(images.skewed(paper, skew), sigma=6.0, specks=40, seed=seed)


def scan_pdf(pages: list[tuple[Image.Image, int]], target: Path) -> Path:
    """A scanner's PDF: one JPEG per page, each at its own resolution."""
    target.write_bytes(img2pdf.convert([images.jpeg_bytes(image, dpi) for image, dpi in pages]))
    return target


def page_images(pdf: Path) -> list[bytes]:
    """Each page image's decoded pixels: a scanner's JPEG reaches the PDF/A with the same
    pixels, its Huffman tables optimised (sohoa.ocr.jpeg)."""
    with pikepdf.open(pdf) as doc:
        return [
            pikepdf.PdfImage(i).as_pil_image().tobytes()
            for p in doc.pages
            for i in p.get_images().values()
        ]


def report(directory: Path) -> list[dict[str, Any]]:
    return json.loads((directory / "report.json").read_text("utf-8"))["rows"]  # type: ignore[no-any-return]


# -- the printed file -----------------------------------------------------------------------------


def test_one_a4_sheet_per_code_each_with_a_blank_back_for_duplex_printing() -> None:
    with pikepdf.open(io.BytesIO(separator_sheets_pdf([A, B, C], duplex=True))) as pdf:
        assert len(pdf.pages) == 6
        for n, page in enumerate(pdf.pages):
            assert [round(float(v), 2) for v in page.mediabox] == [0, 0, *A4_PT]
            sheet = n % 2 == 0
            assert bool(page.get("/Contents")) is sheet  # the back carries nothing at all
    with pikepdf.open(io.BytesIO(separator_sheets_pdf([A, B], duplex=False))) as simplex:
        assert len(simplex.pages) == 2


def test_the_sheet_is_vector_with_its_vietnamese_font_embedded_and_its_text_copyable(
    tmp_path: Path,
) -> None:
    label = SheetLabel(parse_dossier_code(A), "UBND phường Bến Nghé", "Đăng ký khai sinh")
    pdf_path = tmp_path / "sheet.pdf"
    pdf_path.write_bytes(separator_sheets_pdf([label], duplex=False))
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[0]
        assert not page.get_images()  # barcodes are rectangles, not pictures: crisp at any size
        fonts = page.Resources.Font
        for name in ("/R", "/B"):  # regular and bold DejaVu Sans
            descendant = fonts[name].DescendantFonts[0]
            assert "/FontFile2" in descendant.FontDescriptor
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], check=True, capture_output=True, text=True
    ).stdout
    for line in ("PHIẾU PHÂN TÁCH HỒ SƠ", "Dossier separator sheet", A, "Bến Nghé", "khai sinh"):
        assert line in text


def test_the_same_codes_always_give_the_same_file() -> None:
    assert separator_sheets_pdf([A, B], duplex=True) == separator_sheets_pdf([A, B], duplex=True)


def test_a_code_that_is_not_a_dossier_code_is_refused_before_anything_is_printed() -> None:
    with pytest.raises(DossierCodeError):
        separator_sheets_pdf([A, "000.00.20.H56-241399-0001"], duplex=True)


def test_the_command_refuses_a_bad_code_with_exit_2_and_writes_no_file(tmp_path: Path) -> None:
    target = tmp_path / "phieu.pdf"
    result = run(tmp_path / "home", "sheets", A, "H56-NOT-A-CODE", "-o", target)
    assert result.returncode == 2
    assert "Invalid dossier code" in result.stderr and "H56-NOT-A-CODE" in result.stderr
    assert "Traceback" not in result.stderr
    assert not target.exists()


def test_a_code_list_file_names_the_bad_line(tmp_path: Path) -> None:
    listing = tmp_path / "ma.txt"
    listing.write_text(f"# lô 1\n{A};UBND phường;Khai sinh\n\nxyz\n", "utf-8")
    result = run(tmp_path / "home", "sheets", "--from-file", listing, "-o", tmp_path / "p.pdf")
    assert result.returncode == 2 and "line 4" in result.stderr
    listing.write_text(f"# lô 1\n{A};UBND phường;Khai sinh\n\n{B}\n", "utf-8")
    result = run(tmp_path / "home", "sheets", "--from-file", listing, "-o", tmp_path / "p.pdf")
    assert result.returncode == 0, result.stderr
    assert "2 separator sheets (4 pages, duplex)" in result.stdout


# -- printed, scanned, and fed back through `sohoa batch` ----------------------------------------


@pytest.mark.parametrize(("dpi", "duplex"), [(200, True), (300, False)])
def test_printed_then_scanned_sheets_split_a_backlog_batch_under_the_right_codes(
    dpi: int, duplex: bool, tmp_path: Path
) -> None:
    home = tmp_path / "sohoa-home"
    printed = tmp_path / "phieu.pdf"
    simplex = [] if duplex else ["--simplex"]
    result = run(home, "sheets", A, B, "-o", printed, *simplex)
    assert result.returncode == 0, result.stderr

    sheets = [
        scanned(page, skew=(1.5 if n % 2 else -1.0), seed=n)
        for n, page in enumerate(rendered(printed, dpi, tmp_path))
    ]
    per_sheet = 2 if duplex else 1  # the sheet, then its blank back when printed duplex
    sheet_a, sheet_b = sheets[:per_sheet], sheets[per_sheet:]
    content = [images.numbered_page(n).image for n in (1, 2, 3)]
    pages = (
        [(p, dpi) for p in sheet_a]
        + [(p, images.DPI) for p in content[:2]]
        + [(p, dpi) for p in sheet_b]
        + [(p, images.DPI) for p in content[2:]]
    )
    scan = scan_pdf(pages, tmp_path / "lo-01.pdf")

    batch = run(home, "batch", scan, "--report", tmp_path / "report")
    assert batch.returncode == 0, batch.stderr
    assert "Traceback" not in batch.stderr

    rows = report(tmp_path / "report")
    b_at = 1 + per_sheet + 2
    back_a, back_b = ("2", str(b_at + 1)) if duplex else ("", "")
    assert [
        (r["pages_range"], r["dossier_code"], r["dropped_pages"])
        for r in rows
        if r["row"] == "separator"
    ] == [("1", A, back_a), (str(b_at), B, back_b)]
    parts = [(r["pages_range"], r["dossier_code"], r["status"]) for r in rows if r["row"] == "part"]
    a_pages, b_page = f"{1 + per_sheet}-{2 + per_sheet}", str(b_at + per_sheet)
    assert parts == [(a_pages, A, "stored"), (b_page, B, "stored")]

    originals = page_images(scan)
    with Catalog.open(f"sqlite:///{home / 'catalog.sqlite3'}") as catalog:
        (a_doc,) = catalog.documents(A)
        (b_doc,) = catalog.documents(B)
    assert (a_doc.status, a_doc.pages, a_doc.dropped_pages) == ("stored", 2, ())
    assert (b_doc.status, b_doc.pages, b_doc.dropped_pages) == ("stored", 1, ())
    # Exactly the content pages, the scanner's pixels: no sheet, no blank back.
    assert page_images(home / "objects" / str(a_doc.key)) == originals[per_sheet : per_sheet + 2]
    assert page_images(home / "objects" / str(b_doc.key)) == originals[b_at - 1 + per_sheet :]
