"""Separator sheets (phiếu phân tách hồ sơ) to print for a backlog, as one vector PDF.

Archive staff put one sheet in front of each dossier's pages before a long
scan; `sohoa batch` (ingest.separators) finds the sheets and files the pages
after each one under its code. A sheet therefore carries exactly what
the batch looks for: the code as a QR code *and* a Code 128 barcode (the pair
no receipt or form has), the code in large type for people, and little else.

Symbols are encoded by zxing-cpp (the decoder the batch uses, so what is
printed is what is read) and drawn as filled rectangles, not images: the PDF
prints crisp at any size and on any printer. Text is DejaVu Sans, embedded
(ingest.pdf_font). With ``duplex`` an empty page follows each sheet, so a
duplex printer leaves the back blank and a duplex feeder scans a blank back,
which the pipeline drops like any other blank page.

The same codes always give the same bytes (no dates, fixed document ID).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
import zxingcpp
from pikepdf import Dictionary, Name

from sohoa.ingest.pdf_font import SANS, SANS_BOLD, PdfFont, clean
from sohoa.storage.codes import DossierCode, DossierCodeError, parse_dossier_code

MM = 72 / 25.4
#: ISO A4 portrait, in points.
A4 = (210 * MM, 297 * MM)
TITLE_VI = "PHIẾU PHÂN TÁCH HỒ SƠ"
TITLE_EN = "Dossier separator sheet"
_CODE_LABEL = "Mã hồ sơ / Dossier code"
_HINT_VI = "Đặt phiếu này trước trang đầu của hồ sơ khi quét lô. Phiếu không được lưu vào hồ sơ."
_HINT_EN = "Put this sheet in front of the dossier's first page. It is removed when scanned."
#: Side of the QR code; with a 25-module code, 2.8 mm modules survive a 200 dpi scan easily.
_QR_SIDE = 70 * MM
#: Code 128 bar module: 0.5 mm is 4 pixels at 200 dpi, narrower only for very long codes.
_BAR_MODULE = 0.5 * MM
_BAR_HEIGHT = 22 * MM
_TEXT_WIDTH = 170 * MM


@dataclass(frozen=True)
class SheetLabel:
    """What one sheet says: the dossier code and, optionally, its unit and procedure."""

    code: DossierCode
    unit: str = ""
    procedure: str = ""


SheetInput = DossierCode | str | SheetLabel


def label(item: SheetInput) -> SheetLabel:
    """A sheet's label; a code given as text is checked first (DossierCodeError if wrong)."""
    if isinstance(item, SheetLabel):
        return item
    return SheetLabel(item if isinstance(item, DossierCode) else parse_dossier_code(item))


def separator_sheets_pdf(codes: Sequence[SheetInput], *, duplex: bool = True) -> bytes:
    """The printable PDF: one A4 sheet per code (in the order given), each followed by an
    empty back page when ``duplex``. Raises DossierCodeError for a bad code, ValueError
    for no code at all."""
    labels = [label(item) for item in codes]
    if not labels:
        raise ValueError("no dossier code given: nothing to print")
    fonts = _fonts(labels)
    with pikepdf.new() as pdf:
        resources = Dictionary(
            Font=Dictionary(R=fonts[0].embed(pdf), B=fonts[1].embed(pdf)),
        )
        for sheet in labels:
            page = pdf.add_blank_page(page_size=A4)
            page.Resources = resources
            page.Contents = pdf.make_stream(_sheet_ops(sheet, *fonts).encode("ascii"))
            if duplex:
                pdf.add_blank_page(page_size=A4)
        pdf.docinfo[Name.Title] = f"{TITLE_VI} / {TITLE_EN}"
        pdf.docinfo[Name.Creator] = "sohoa sheets"
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True)
    return out.getvalue()


def write_separator_sheets(codes: Sequence[SheetInput], target: Path, *, duplex: bool) -> Path:
    """Write the sheets to ``target`` whole or not at all (a temporary file, then renamed)."""
    data = separator_sheets_pdf(codes, duplex=duplex)
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def read_code_list(text: str) -> list[SheetLabel]:
    """Sheets listed one per line: ``CODE``, optionally ``;unit;procedure`` (or tab-separated,
    as copied from a spreadsheet). Blank lines and lines starting with # are skipped."""
    labels: list[SheetLabel] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.replace("\t", ";").split(";")] + ["", ""]
        try:
            code = parse_dossier_code(fields[0])
        except DossierCodeError as error:
            raise DossierCodeError(
                fields[0], f"line {number}: {error.problem}", f"dòng {number}: {error.problem_vi}"
            ) from error
        labels.append(SheetLabel(code, unit=fields[1], procedure=fields[2]))
    return labels


# -- drawing ----------------------------------------------------------------------------------


def _fonts(labels: Iterable[SheetLabel]) -> tuple[PdfFont, PdfFont]:
    """Regular and bold DejaVu Sans, each cut down to the text it has to print."""
    regular = "".join(
        f"{TITLE_EN}{_CODE_LABEL}{_HINT_VI}{_HINT_EN}Đơn vị / Unit: Thủ tục / Procedure: "
        f"{s.code}{s.unit}{s.procedure}"
        for s in labels
    )
    bold = TITLE_VI + "".join(str(s.code) for s in labels)
    return PdfFont.covering(SANS, regular), PdfFont.covering(SANS_BOLD, bold)


def _sheet_ops(sheet: SheetLabel, regular: PdfFont, bold: PdfFont) -> str:
    """The page's content stream: text, a rule, the QR code, the Code 128."""
    code = str(sheet.code)
    lines = [
        _centred(bold, "B", TITLE_VI, 24, 32),
        _centred(regular, "R", TITLE_EN, 13, 40, gray=0.3),
        f"0 g 0.8 w {20 * MM:.2f} {A4[1] - 46 * MM:.2f} m {190 * MM:.2f} "
        f"{A4[1] - 46 * MM:.2f} l S\n",
        _centred(regular, "R", _CODE_LABEL, 11, 58, gray=0.3),
        _centred(bold, "B", code, _fit(bold, code, 30), 71),
    ]
    if sheet.unit:
        lines.append(_centred(regular, "R", f"Đơn vị / Unit: {sheet.unit}", 11, 82))
    if sheet.procedure:
        lines.append(_centred(regular, "R", f"Thủ tục / Procedure: {sheet.procedure}", 11, 89))
    lines += [
        _qr_ops(code, top=98 * MM),
        _code128_ops(code, top=184 * MM),
        _centred(regular, "R", code, 10, 212),
        _centred(regular, "R", _HINT_VI, 9, 275, gray=0.3),
        _centred(regular, "R", _HINT_EN, 9, 280, gray=0.3),
    ]
    return "".join(lines)


def _fit(font: PdfFont, text: str, size: float, min_size: float = 7) -> float:
    """The largest size up to ``size`` at which ``text`` fits the text width."""
    width = font.width(text, size)
    return max(min_size, size * min(1.0, _TEXT_WIDTH / width)) if width else size


def _centred(
    font: PdfFont, resource: str, text: str, size: float, baseline_mm: float, gray: float = 0
) -> str:
    """One line of text centred on the page, ``baseline_mm`` from the top edge."""
    text = clean(text)
    size = _fit(font, text, size)
    x = (A4[0] - font.width(text, size)) / 2
    y = A4[1] - baseline_mm * MM
    return f"BT {gray:g} g /{resource} {size:.2f} Tf {x:.2f} {y:.2f} Td {font.shown(text)} Tj ET\n"


def _modules(code: str, fmt: zxingcpp.BarcodeFormat, **options: str) -> np.ndarray:
    """The symbol's modules as a boolean array (True = dark), one cell per module."""
    barcode = zxingcpp.create_barcode(code, fmt, **options)
    image = zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False)
    return np.asarray(image) < 128


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    padded = np.concatenate(([False], row, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _qr_ops(code: str, top: float) -> str:
    """The QR code (error correction M), centred, as one filled path of rectangles."""
    modules = _modules(code, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    cell = _QR_SIDE / modules.shape[1]
    x0, y0 = (A4[0] - _QR_SIDE) / 2, A4[1] - top
    rects = [
        f"{x0 + start * cell:.3f} {y0 - (r + 1) * cell:.3f} {length * cell:.3f} {cell:.3f} re"
        for r, row in enumerate(modules)
        for start, length in _runs(row)
    ]
    return "0 g\n" + "\n".join(rects) + "\nf\n"


def _code128_ops(code: str, top: float) -> str:
    """The Code 128 barcode, centred, bars as filled rectangles."""
    bars = _modules(code, zxingcpp.BarcodeFormat.Code128)[0]
    module = min(_BAR_MODULE, _TEXT_WIDTH / len(bars))
    x0, y0 = (A4[0] - module * len(bars)) / 2, A4[1] - top - _BAR_HEIGHT
    rects = [
        f"{x0 + start * module:.3f} {y0:.3f} {length * module:.3f} {_BAR_HEIGHT:.3f} re"
        for start, length in _runs(bars)
    ]
    return "0 g\n" + "\n".join(rects) + "\nf\n"
