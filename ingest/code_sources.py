"""Which dossier a file from a hot folder belongs to, from the sources its folder names.

Sources are tried in the configured order and the first valid code wins:
``qr`` (a QR code or barcode on the first pages, e.g. the receipt's, spec §5),
``filename`` and ``fixed:<CODE>`` (the folder belongs to one dossier or counter).
When none gives a valid code, the file is not guessed at: a code-shaped text
that is not a valid code (an impossible date) is reported as such, otherwise
the file has no code. Either way it goes to quarantine, never to a wrong dossier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from sohoa.ingest.folder_config import FIXED_PREFIX
from sohoa.ingest.page_codes import barcode_texts, code_from_filename
from sohoa.ocr.images import load_pixels
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.sources import inspect_source
from sohoa.storage.codes import (
    DossierCode,
    DossierCodeError,
    find_dossier_codes,
    parse_dossier_code,
)

#: Something shaped like a dossier code (…-YYMMDD-serial), valid or not.
_CODE_SHAPED = re.compile(r"[0-9A-Z.]{7,}-\d{6}-\d{4,}")


class CodeNotFound(Exception):
    """No source of the folder gave a dossier code (or they gave several)."""

    def __init__(self, tried: Sequence[str], detail_vi: str = "", detail_en: str = "") -> None:
        self.tried = tuple(tried)
        self.detail_vi = detail_vi
        self.detail_en = detail_en
        super().__init__(self.message_en)

    @property
    def message_vi(self) -> str:
        found = f"; {self.detail_vi}" if self.detail_vi else ""
        tried = f" (đã tìm: {_tried_vi(self.tried)})" if self.tried else ""
        return f"không tìm thấy mã hồ sơ{tried}{found}"

    @property
    def message_en(self) -> str:
        found = f"; {self.detail_en}" if self.detail_en else ""
        tried = f" (looked in: {', '.join(self.tried)})" if self.tried else ""
        return f"no dossier code found{tried}{found}"


def find_code(
    path: Path, original_name: str, sources: Sequence[str], options: OcrOptions, qr_pages: int
) -> DossierCode:
    """The file's dossier code; raises DossierCodeError or CodeNotFound."""
    invalid: list[DossierCodeError] = []
    for source in sources:
        if source.startswith(FIXED_PREFIX):
            return parse_dossier_code(source[len(FIXED_PREFIX) :])
        if source == "filename":
            code = code_from_filename(Path(original_name))
            invalid += [] if code else _invalid_codes(Path(original_name).stem)
        else:
            code = _code_from_pages(path, options, qr_pages, invalid)
        if code is not None:
            return code
    if invalid:
        raise invalid[0]
    raise CodeNotFound(sources)


def _code_from_pages(
    path: Path, options: OcrOptions, qr_pages: int, invalid: list[DossierCodeError]
) -> DossierCode | None:
    """The one code the QR codes / barcodes of the first pages carry; several → CodeNotFound."""
    source = inspect_source(path, options)
    codes: dict[str, DossierCode] = {}
    for page in source.pages[:qr_pages]:
        with load_pixels(source, page) as pixels:
            for text in barcode_texts(pixels):
                found = find_dossier_codes(text)
                codes.update((c.value, c) for c in found)
                invalid += [] if found else _invalid_codes(text)
        if codes:
            break
    if len(codes) > 1:
        listed = ", ".join(codes)
        raise CodeNotFound(
            ["qr"], f"trang đầu có nhiều mã khác nhau: {listed}", f"several codes: {listed}"
        )
    return next(iter(codes.values()), None)


def _invalid_codes(text: str) -> list[DossierCodeError]:
    """Why each code-shaped piece of ``text`` is not a valid dossier code."""
    errors = []
    for shaped in _CODE_SHAPED.findall(text.upper()):
        try:
            parse_dossier_code(shaped)
        except DossierCodeError as error:
            errors.append(error)
    return errors


def _tried_vi(tried: Sequence[str]) -> str:
    names = {"qr": "mã QR/mã vạch", "filename": "tên tệp"}
    return ", ".join(names.get(t, t) for t in tried)
