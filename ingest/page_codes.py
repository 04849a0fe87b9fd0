"""Find the dossier code a scan carries: a QR code or barcode on a page, or the file name.

The one-stop system prints a QR code (ISO/IEC 18004) on every paper it issues,
and separator sheets carry the code as QR and Code 128. The payload format is
not standardised (spec §5), so codes are found inside whatever text it holds.
"""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image

from sohoa.storage.codes import DossierCode, find_dossier_codes

_FORMATS = (
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.MicroQRCode,
    zxingcpp.BarcodeFormat.DataMatrix,
    zxingcpp.BarcodeFormat.Code128,
    zxingcpp.BarcodeFormat.Code39,
    zxingcpp.BarcodeFormat.PDF417,
)


def barcode_texts(page: Image.Image) -> list[str]:
    """Every readable QR code / barcode payload on the page (any orientation)."""
    found = zxingcpp.read_barcodes(page, formats=_FORMATS)  # type: ignore[arg-type]
    return [b.text for b in found if b.valid and b.text]


def codes_on_page(page: Image.Image) -> list[DossierCode]:
    """Valid dossier codes carried by the page's QR codes and barcodes, without repeats."""
    found: dict[str, DossierCode] = {}
    for text in barcode_texts(page):
        for code in find_dossier_codes(text):
            found.setdefault(code.value, code)
    return list(found.values())


def code_from_filename(path: Path) -> DossierCode | None:
    """A dossier code written in the file name (scan-to-folder often names files so)."""
    codes = find_dossier_codes(path.stem)  # upper-cases ASCII only: dotless i is no "I"
    return codes[0] if len(codes) == 1 else None
