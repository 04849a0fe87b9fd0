"""Tell dossier separator sheets from ordinary pages, and read the code they carry.

Backlog batches are long scans of many dossiers, one separator sheet
(phiếu phân tách hồ sơ) before each. A separator carries the dossier code as a
QR code *and* a Code 128 barcode, printed in clear too. Ordinary pages may
carry a QR code as well: every receipt the one-stop system prints has one
(spec §5), so "has a dossier QR" must not mean "is a separator". The rule:

* a page carrying both a 2-D symbol (QR, DataMatrix) and a linear barcode
  (Code 128, Code 39) is a separator — receipts and forms carry one QR, never
  the pair; or
* a page carrying any symbol (even one too damaged to decode) and almost no
  other ink (a few lines at most once the symbols are masked out) is a
  separator — a receipt with a QR is a page full of text.

Symbols that were found but not decoded (damaged, torn, smudged) count for
telling that a page *is* a separator, never for *which* dossier it starts:
that needs a readable, valid code, and all readable codes on the sheet must
agree. Otherwise the sheet is a separator with a problem, and the caller
must not file what follows under any code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import zxingcpp
from PIL import Image

from sohoa.storage.codes import (
    DossierCode,
    DossierCodeError,
    find_dossier_codes,
    parse_dossier_code,
)

_MATRIX = {zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.DataMatrix}
_FORMATS = zxingcpp.barcode_formats_from_str("QRCode,DataMatrix,Code128,Code39")

#: Ink (dark pixels) outside the symbols, as a share of the page's inner area, below which a
#: page with a symbol is a separator. The corpus separators (title, code, procedure, date and
#: the code under the barcode) measure about 1.0%; pages of text (receipts, forms, decisions)
#: 2.3% to 9%.
SPARSE_INK = 0.015
#: A symbol that could not be decoded counts only if it is this large (share of the page
#: width): page noise and dust make tiny would-be DataMatrix codes on blank backs.
_DAMAGED_MIN_SIZE = 0.05
#: Only these formats count when damaged: the ones separators are printed with.
_DAMAGED_FORMATS = {zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128}
#: Width of the border left out of the ink count: scanner edge shadows are not ink.
_MARGIN = 0.06
#: Work on a copy about this wide: ink share does not need full resolution.
_SAMPLE_WIDTH = 600


class SeparatorProblem(StrEnum):
    """Why a separator's dossier code cannot be trusted (stable: used in reports)."""

    UNREADABLE = "unreadable"
    INVALID = "invalid"
    CONFLICTING = "conflicting"


@dataclass(frozen=True)
class Symbol:
    """One QR code or barcode found on a page; ``text`` is empty when it could not be decoded."""

    format: str
    text: str
    readable: bool
    box: tuple[int, int, int, int]

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def matrix(self) -> bool:
        return self.format in {f.name for f in _MATRIX}


@dataclass(frozen=True)
class PageCodes:
    """What a page's symbols say: is it a separator, and for which dossier."""

    separator: bool
    code: str | None = None
    problem: SeparatorProblem | None = None
    #: The payloads read on a faulty separator, for the report.
    payloads: tuple[str, ...] = field(default=())
    #: The blank back side of the separator sheet just before (duplex scans): it belongs
    #: to the sheet and is removed with it, so the part starts on a front side.
    separator_back: bool = False

    def explain(self) -> tuple[str, str]:
        """(Vietnamese, English) reason a separator's code is not used, and what to do."""
        seen = ", ".join(repr(p) for p in self.payloads)
        if self.problem is SeparatorProblem.CONFLICTING:
            return (
                f"phiếu phân tách mang nhiều mã hồ sơ khác nhau ({seen}); "
                "hãy in lại phiếu đúng mã và quét lại phần này",
                f"the separator sheet carries different dossier codes ({seen}); "
                "print a correct sheet and rescan this part",
            )
        if self.problem is SeparatorProblem.INVALID:
            return (
                f"mã trên phiếu phân tách không phải mã hồ sơ hợp lệ ({seen}); "
                "hãy in lại phiếu đúng mã và quét lại phần này",
                f"the separator sheet's code is not a valid dossier code ({seen}); "
                "print a correct sheet and rescan this part",
            )
        return (
            "không đọc được mã trên phiếu phân tách (mã QR/mã vạch bị hỏng); "
            "hãy in lại phiếu và quét lại phần này",
            "the separator sheet's code cannot be read (damaged QR code/barcode); "
            "print a new sheet and rescan this part",
        )


def find_symbols(page: Image.Image) -> list[Symbol]:
    """QR codes and barcodes on the page, decoded or not (any orientation)."""
    found = zxingcpp.read_barcodes(page, formats=_FORMATS, return_errors=True)
    symbols = [_symbol(b) for b in found if b.valid or b.format in _DAMAGED_FORMATS]
    return [s for s in symbols if s.readable or s.width >= _DAMAGED_MIN_SIZE * page.width]


def classify(page: Image.Image) -> PageCodes:
    """Whether ``page`` is a separator sheet and, if its code is sound, which dossier it starts."""
    symbols = find_symbols(page)
    if not symbols or not _looks_like_separator(page, symbols):
        return PageCodes(separator=False)
    return read_separator(symbols)


def read_separator(symbols: list[Symbol]) -> PageCodes:
    """The one dossier code the separator's readable symbols agree on, or the problem."""
    payloads = tuple(dict.fromkeys(s.text for s in symbols if s.readable and s.text))
    if not payloads:
        return PageCodes(True, problem=SeparatorProblem.UNREADABLE)
    codes = {c.value for text in payloads for c in _codes_in(text)}
    if len(codes) == 1 and all(_codes_in(text) for text in payloads):
        return PageCodes(True, code=codes.pop())
    problem = SeparatorProblem.CONFLICTING if len(codes) > 1 else SeparatorProblem.INVALID
    return PageCodes(True, problem=problem, payloads=payloads)


def ink_outside(page: Image.Image, symbols: list[Symbol]) -> float:
    """Share of dark pixels in the page's inner area once the symbols are masked out."""
    scale = min(1.0, _SAMPLE_WIDTH / page.width)
    size = (max(1, round(page.width * scale)), max(1, round(page.height * scale)))
    small = page.convert("L").resize(size)
    pixels = np.asarray(small, dtype=np.uint8)
    dark = pixels < min(128, int(np.median(pixels)) - 60)
    for symbol in symbols:
        x0, y0, x1, y1 = (round(v * scale) for v in symbol.box)
        pad = round(0.02 * small.width)
        dark[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = False
    h, w = dark.shape
    my, mx = round(h * _MARGIN), round(w * _MARGIN)
    inner = dark[my : h - my, mx : w - mx]
    return float(inner.mean()) if inner.size else 0.0


def _looks_like_separator(page: Image.Image, symbols: list[Symbol]) -> bool:
    has_matrix = any(s.matrix for s in symbols)
    has_linear = any(not s.matrix for s in symbols)
    return (has_matrix and has_linear) or ink_outside(page, symbols) < SPARSE_INK


def _codes_in(text: str) -> list[DossierCode]:
    """Dossier codes inside a payload; a payload that is nothing but a code must parse."""
    found = find_dossier_codes(text)
    if found:
        return list(found)
    try:
        return [parse_dossier_code(text)]
    except DossierCodeError:
        return []


def _symbol(barcode: zxingcpp.Barcode) -> Symbol:
    corners = barcode.position
    xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x, corners.bottom_right.x]
    ys = [corners.top_left.y, corners.top_right.y, corners.bottom_left.y, corners.bottom_right.y]
    return Symbol(
        format=barcode.format.name,
        text=barcode.text if barcode.valid else "",
        readable=bool(barcode.valid and barcode.text),
        box=(min(xs), min(ys), max(xs), max(ys)),
    )
