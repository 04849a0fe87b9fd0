"""PAdES signing with pyHanko: B-B, B-T (agency timestamp server) or B-LT, visible mark on page 1.

:func:`sign_pdf` takes a validated PDF/A-2b and writes its signed copy. Facts it relies
on are in ../shared/spec/signing.md: the mark uses an embedded 1000-units/em font and no
background art; the file is written to a temporary name and renamed on success (a
failed timestamp request leaves nothing half-written); one timestamper per server is
reused (a fresh one per document makes two requests per document).
"""

from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sohoa.clock import VIETNAM
from sohoa.signing.font import stamp_font
from sohoa.signing.keys import KeySource, signer_for, token_lock
from sohoa.signing.prepare import prepare_for_signing

Level = Literal["B-B", "B-T", "B-LT"]
LEVELS: tuple[Level, ...] = ("B-B", "B-T", "B-LT")

#: Vietnam has kept UTC+7 without daylight saving since 1975: the offset is exact.
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"
DEFAULT_MARK = "Ký số bởi: {agency}\nThời gian ký: {time}"
FIELD = "SohoaSignature"

#: The mark's box, in points (1/72 in), from the top right corner of page 1.
MARK_WIDTH, MARK_HEIGHT, MARK_MARGIN = 230.0, 46.0, 18.0
FONT_SIZE = 8


class TimestampFailed(Exception):
    """The timestamp server did not answer with a usable token."""


@dataclass(frozen=True)
class SignRequest:
    key: KeySource
    level: Level = "B-B"
    tsa_url: str | None = None
    #: A failed timestamp signs B-B instead (and says so), only when the agency allows it.
    fallback_to_bb: bool = False
    mark: str = DEFAULT_MARK
    #: Trust roots (PEM/DER files): B-LT collects revocation data for the chain up to them.
    trust_roots: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Signed:
    """What signing reached: the level (after any fall-back), who, and when."""

    level: Level
    signer: str
    signed_at: datetime
    fell_back: bool = False


_timestampers: dict[str, Any] = {}
_ts_lock = threading.Lock()


def sign_pdf(source: Path, output: Path, request: SignRequest, workdir: Path) -> Signed:
    """Sign ``source`` (a valid PDF/A-2b) into ``output``; raises TimestampFailed when
    B-T/B-LT was asked, the server failed and fall-back is not allowed."""
    prepared = workdir / "prepared.pdf"
    size = prepare_for_signing(source, prepared)
    try:
        return _sign(prepared, output, request, size, request.level)
    except TimestampFailed:
        if request.level == "B-B" or not request.fallback_to_bb:
            raise
        signed = _sign(prepared, output, request, size, "B-B")
        return Signed(signed.level, signed.signer, signed.signed_at, fell_back=True)


def _sign(
    prepared: Path, output: Path, request: SignRequest, size: tuple[float, float], level: Level
) -> Signed:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    signer = signer_for(request.key)
    agency = common_name(signer.signing_cert)
    now = datetime.now(VIETNAM).replace(microsecond=0)
    text = mark_text(request.mark, agency, now)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=level == "B-LT",
        validation_context=_validation_context(request) if level == "B-LT" else None,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=_timestamper(request.tsa_url) if level != "B-B" else None,
        stamp_style=_stamp_style(),
        new_field_spec=fields.SigFieldSpec(FIELD, on_page=0, box=mark_box(*size)),
    )
    partial = output.with_name(f".{output.name}.{os.getpid()}.part")
    try:
        with prepared.open("rb") as inf, partial.open("wb") as out, token_lock(request.key):
            writer = IncrementalPdfFileWriter(inf, strict=False)
            pdf_signer.sign_pdf(writer, output=out, appearance_text_params={"mark": text})
    except TimestampRequestError as error:
        partial.unlink(missing_ok=True)
        raise TimestampFailed(str(error)) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(output)
    return Signed(level, agency, now)


def mark_text(template: str, agency: str, moment: datetime) -> str:
    """The visible text, NFC (NFD renders alike but extracts decomposed)."""
    when = moment.astimezone(VIETNAM).strftime(TIME_FORMAT)
    return unicodedata.normalize("NFC", template.format(agency=agency, time=when))


def mark_box(width: float, height: float) -> tuple[int, int, int, int]:
    """Top right of an upright page 1, kept inside small pages."""
    w = min(MARK_WIDTH, width - 2 * MARK_MARGIN)
    h = min(MARK_HEIGHT, height - 2 * MARK_MARGIN)
    x2, y2 = width - MARK_MARGIN, height - MARK_MARGIN
    return round(x2 - w), round(y2 - h), round(x2), round(y2)


def common_name(cert: Any) -> str:
    """The certificate subject's CN (the agency's name), NFC."""
    name = cert.subject.native.get("common_name") or cert.subject.human_friendly
    return unicodedata.normalize("NFC", str(name))


def _stamp_style() -> Any:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    font = GlyphAccumulatorFactory(str(stamp_font()), font_size=FONT_SIZE)
    return TextStampStyle(
        stamp_text="%(mark)s",
        text_box_style=TextBoxStyle(font=font, font_size=FONT_SIZE, leading=FONT_SIZE + 3),
        border_width=1,
        background=None,
    )


def _timestamper(url: str | None) -> Any:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    if not url:
        raise TimestampFailed("no timestamp server configured (tsa_url)")
    with _ts_lock:
        stamper = _timestampers.get(url)
        if stamper is None:
            stamper = _timestampers[url] = HTTPTimeStamper(url, timeout=10)
        return stamper


def _validation_context(request: SignRequest) -> Any:
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=[load_cert(p) for p in request.trust_roots], allow_fetching=True
    )


def load_cert(path: Path) -> Any:
    from asn1crypto import pem, x509

    data = path.read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)
