"""Checking a signed PDF/A: the signature against trust roots, the PDF/A, nothing appended.

Used right after signing (before the bytes are stored) and by ``sohoa verify`` / the
API. Two facts from ../shared/spec/signing.md shape it:

* bytes appended after ``%%EOF`` still validate as a signature, so the signature must
  cover the whole file (B-B/B-T) or be followed only by long-term-validation updates
  (B-LT), and the file must end at its ``%%EOF``;
* pikepdf's PDF/A validator never passes a signed file (AcroForm, Widget, DSS, ESIC are
  outside its allowlist: "not checked", 0 violations). A shadow copy without them, the
  widget relabelled as a stamp annotation, is validated instead, together with the
  XMP/Info producer agreement the signature update could have broken.
"""

from __future__ import annotations

import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
import pikepdf.pdfa

from signing.pades import VIETNAM, load_cert


@dataclass(frozen=True)
class Verification:
    """One signed file's verdict, field by field (what ``sohoa verify`` prints)."""

    signed: bool
    signature_valid: bool
    signer: str | None
    signed_at: datetime | None
    level: str | None
    pdfa_valid: bool
    pdfa_report: str
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.signed and self.signature_valid and self.pdfa_valid


def verify_pdf(path: Path, trust_roots: tuple[Path, ...]) -> Verification:
    """Signature (against ``trust_roots``), coverage, trailing bytes and PDF/A."""
    pdfa_ok, pdfa_report = check_pdfa(path)
    problems: list[str] = [] if pdfa_ok else [f"PDF/A: {pdfa_report}"]
    if not trailing_ok(path):
        problems.append("bytes after the final %%EOF")
    try:
        sig = _signature_status(path, trust_roots)
    except Exception as error:  # an unreadable or tampered file is a verdict, not a crash
        problems.append(f"signature unreadable: {type(error).__name__}: {error}")
        return Verification(False, False, None, None, None, pdfa_ok, pdfa_report, tuple(problems))
    if sig is None:
        problems.append("no signature")
        return Verification(False, False, None, None, None, pdfa_ok, pdfa_report, tuple(problems))
    status, level = sig
    problems.extend(_signature_problems(status))
    valid = not any(not p.startswith("PDF/A") for p in problems)
    return Verification(
        signed=True,
        signature_valid=valid,
        signer=_cn(status.signing_cert),
        signed_at=_signing_time(status),
        level=level,
        pdfa_valid=pdfa_ok,
        pdfa_report=pdfa_report,
        problems=tuple(problems),
    )


def trailing_ok(path: Path) -> bool:
    """The file ends at its last ``%%EOF`` (an end-of-line after it is allowed)."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 64))
        tail = handle.read()
    return tail.rstrip(b"\r\n\x00 ").endswith(b"%%EOF") and tail.rstrip(b"\r\n").endswith(b"%%EOF")


def _signature_status(path: Path, roots: tuple[Path, ...]) -> tuple[Any, str] | None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    with path.open("rb") as handle:
        reader = PdfFileReader(handle, strict=False)
        sigs = reader.embedded_regular_signatures
        if not sigs:
            return None
        context = ValidationContext(trust_roots=[load_cert(p) for p in roots], allow_fetching=False)
        status = validate_pdf_signature(sigs[0], context)
        return status, _level(reader, status)


def _level(reader: Any, status: Any) -> str:
    """B-LTA: a document timestamp; B-LT: a DSS with revocation data; B-T: a signature
    timestamp; else B-B."""
    root = reader.root
    if reader.embedded_timestamp_signatures:
        return "B-LTA"
    if status.timestamp_validity is None:
        return "B-B"
    if "/DSS" in root:
        return "B-LT"
    return "B-T"


def _signature_problems(status: Any) -> list[str]:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    problems = []
    if not status.intact:
        problems.append("signed bytes changed (digest mismatch)")
    elif not status.valid:
        problems.append("signature value invalid")
    if not status.trusted:
        problems.append("signer not trusted by the configured roots")
    if status.timestamp_validity is not None and not status.timestamp_validity.valid:
        problems.append("timestamp invalid")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    lta_only = status.modification_level == ModificationLevel.LTA_UPDATES
    if not (whole or lta_only):
        problems.append("the signature does not cover the whole file (later changes)")
    return problems


def _cn(cert: Any) -> str:
    name = cert.subject.native.get("common_name") or cert.subject.human_friendly
    return unicodedata.normalize("NFC", str(name))


def _signing_time(status: Any) -> datetime | None:
    moment = status.signer_reported_dt
    if status.timestamp_validity is not None:
        moment = status.timestamp_validity.timestamp
    return moment.astimezone(VIETNAM) if moment is not None else None


def check_pdfa(path: Path) -> tuple[bool, str]:
    """PDF/A-2b of a signed file: its shadow copy validates and its producers agree."""
    with pikepdf.open(path) as pdf:
        mismatch = _producer_mismatch(pdf)
        with tempfile.TemporaryDirectory(prefix="sohoa-shadow-") as tmp:
            shadow = Path(tmp) / "shadow.pdf"
            _shadow(pdf).save(shadow)
            report = pikepdf.pdfa.validate_written(shadow, "2b")
    if mismatch:
        return False, mismatch
    if not report.passed:
        return False, str(report.summary())
    return True, f"PDF/A-2B valid (signature parts set aside; pikepdf {pikepdf.__version__})"


def check_plain_pdfa(path: Path) -> tuple[bool, str]:
    """An unsigned PDF/A-2b, validated as written."""
    report = pikepdf.pdfa.validate_written(path, "2b")
    if report.passed:
        return True, f"PDF/A-2B valid (pikepdf {pikepdf.__version__})"
    return False, str(report.summary())


def _producer_mismatch(pdf: pikepdf.Pdf) -> str | None:
    info = str(pdf.docinfo.get("/Producer", ""))
    with pdf.open_metadata() as xmp:
        xmp_producer = str(xmp.get("pdf:Producer", ""))
    if info and info != xmp_producer:
        return f"Info /Producer {info!r} differs from XMP pdf:Producer {xmp_producer!r}"
    return None


def _shadow(pdf: pikepdf.Pdf) -> pikepdf.Pdf:
    """The same document without what the validator does not know (AcroForm, DSS);
    signature widgets become stamp annotations with the same appearance."""
    for key in ("/AcroForm", "/DSS", "/Perms"):
        if key in pdf.Root:
            del pdf.Root[key]
    extensions = pdf.Root.get("/Extensions")
    if extensions is not None and "/ESIC" in extensions:  # PAdES's developer extension
        del extensions["/ESIC"]
        if not extensions.keys():
            del pdf.Root["/Extensions"]
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", pikepdf.Array()):
            if annot.get("/Subtype") == pikepdf.Name.Widget:
                annot.Subtype = pikepdf.Name.Stamp
                for key in ("/FT", "/V", "/T", "/Ff", "/Parent", "/Lock", "/SV", "/MK"):
                    if key in annot:
                        del annot[key]
    return pdf
