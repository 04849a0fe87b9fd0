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

Revocation (NĐ 130/2018: a signature made with a revoked certificate is not valid) is
checked with what can be had: the revocation data embedded in the file (B-LT's DSS)
and, when ``fetch_revocation`` is set, the OCSP responder and CRL the certificates
name. The signature is validated strictly first (revocation data required); when that
data cannot be found it is validated again leniently and its revocation status is
reported ``unknown`` rather than called invalid. A revoked certificate is never valid.

A long-term signature (B-LT: signature timestamp plus embedded OCSP responses and CRLs)
must keep validating once that embedded data has expired (an OCSP answer lives minutes,
a CRL weeks). When it no longer proves anything *now*, the signature is validated *at
its signing time* (the timestamp's time, checked at that moment too) with the embedded
data alone (``retroactive_revinfo``: an answer fetched a moment after the timestamp still
counts), and reported ``good_at_signing_time``: valid at signing time (B-LT, revocation
data embedded).

A certificate revoked *after* a timestamped signature was made does not undo it (ETSI
EN 319 102-1, past signature validation): the signature timestamp is proof that the
signature existed before the revocation. When the revocation data (embedded or fetched)
says a certificate of the chain is revoked since a moment later than the timestamp's
time, the signature is validated again at that time (the revocation data from after it
counts, as above) and, when the chain was good then, reported ``good_at_signing_time``
with the revocation's date and reason (``revoked_after_signing``). A revocation at or
before the timestamp, or any revocation of a signature without a timestamp (B-B: only
the signer's own clock says when it was made), leaves it revoked and invalid.
"""

from __future__ import annotations

import logging
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pikepdf
import pikepdf.pdfa

from sohoa.clock import VIETNAM
from sohoa.signing.pades import load_cert

#: good: revocation data found and the certificates are not revoked; revoked: a
#: certificate of the chain is; unknown: no revocation data could be had;
#: good_at_signing_time: validated at the signature timestamp's time, and the chain was
#: good then: the embedded data (B-LT) has expired, or a certificate was revoked after it.
Revocation = Literal["good", "good_at_signing_time", "revoked", "unknown"]


class _QuietChainWarnings(logging.Filter):
    """pyHanko logs each failed chain check as a warning with a traceback; the strict
    pass fails by design when no revocation data is found, and the verdict already
    names every problem (an expired CRL of a B-LT file is one such failure). They are
    kept, as one-line debug records."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        expected = message.startswith(("Validation error", "Path for CRL issuer"))
        if record.levelno == logging.WARNING and expected:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info, record.exc_text = None, None
        return True


for _name in ("pyhanko.sign.validation.generic_cms", "pyhanko_certvalidator.revinfo.validate_crl"):
    logging.getLogger(_name).addFilter(_QuietChainWarnings())


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
    revocation: Revocation | None = None  # None: no signature to check
    #: When revoked: the date (Vietnam time) and the reason given by the CA.
    revoked_since: datetime | None = None
    revocation_reason: str | None = None
    #: The moment the chain was validated at: now, or the signing time (B-LT, once its
    #: embedded revocation data has expired; a certificate revoked after signing).
    validated_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.signed and self.signature_valid and self.pdfa_valid

    @property
    def revoked_after_signing(self) -> bool:
        """Valid at signing time, though a certificate of the chain was revoked since
        (``revoked_since`` and ``revocation_reason`` say when and why)."""
        return self.revocation == "good_at_signing_time" and self.revoked_since is not None


def verify_pdf(
    path: Path,
    trust_roots: tuple[Path, ...],
    fetch_revocation: bool = False,
    at: datetime | None = None,
) -> Verification:
    """Signature (against ``trust_roots``, revocation included), coverage, trailing
    bytes and PDF/A. ``fetch_revocation``: ask the OCSP/CRL services online (not with
    ``at``). ``at``: validate as if now were ``at`` (default: the real now)."""
    pdfa_ok, pdfa_report = check_pdfa(path)
    problems: list[str] = [] if pdfa_ok else [f"PDF/A: {pdfa_report}"]
    if not trailing_ok(path):
        problems.append("bytes after the final %%EOF")
    try:
        sig = _signature_status(path, trust_roots, fetch_revocation and at is None, at)
    except Exception as error:  # an unreadable or tampered file is a verdict, not a crash
        problems.append(f"signature unreadable: {type(error).__name__}: {error}")
        return Verification(False, False, None, None, None, pdfa_ok, pdfa_report, tuple(problems))
    if sig is None:
        problems.append("no signature")
        return Verification(False, False, None, None, None, pdfa_ok, pdfa_report, tuple(problems))
    problems.extend(_signature_problems(sig.status))
    valid = not any(not p.startswith("PDF/A") for p in problems)
    details = sig.revocation_details
    return Verification(
        signed=True,
        signature_valid=valid,
        signer=_cn(sig.status.signing_cert),
        signed_at=_signing_time(sig.status),
        level=sig.level,
        pdfa_valid=pdfa_ok,
        pdfa_report=pdfa_report,
        problems=tuple(problems),
        revocation=sig.revocation,
        revoked_since=details.revocation_date.astimezone(VIETNAM) if details else None,
        revocation_reason=str(details.revocation_reason.native) if details else None,
        validated_at=sig.validated_at.astimezone(VIETNAM),
    )


def trailing_ok(path: Path) -> bool:
    """The file ends at its last ``%%EOF`` (an end-of-line after it is allowed)."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 64))
        tail = handle.read()
    return tail.rstrip(b"\r\n\x00 ").endswith(b"%%EOF") and tail.rstrip(b"\r\n").endswith(b"%%EOF")


@dataclass(frozen=True)
class _Status:
    """pyHanko's status of the signature as validated at ``validated_at``, and the
    revocation to report (a later validation at signing time has none of its own)."""

    status: Any
    level: str
    revocation: Revocation
    validated_at: datetime
    revocation_details: Any = None


def _signature_status(
    path: Path, roots: tuple[Path, ...], fetch: bool, at: datetime | None
) -> _Status | None:
    """The first signature's status, its level, its revocation status and the moment it
    was validated at: strict (revocation data required) now first; at its signing time
    for a timestamped signature whose certificate was revoked after it, or for a B-LT
    whose embedded data has expired; lenient now when no data can be had."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    now = at or datetime.now(UTC)
    with path.open("rb") as handle:
        reader = PdfFileReader(handle, strict=False)
        sigs = reader.embedded_regular_signatures
        if not sigs:
            return None
        settings: dict[str, Any] = {
            "trust_roots": [load_cert(p) for p in roots],
            "allow_fetching": fetch,
            "moment": at,
        }
        strict = validate_pdf_signature(sigs[0], _context(reader, settings, "hard-fail"))
        level = _level(reader, strict)
        signing_time = _timestamp_time(strict) if level != "B-B" else None
        if strict.revoked:
            details = strict.revocation_details
            if _revoked_after(details, signing_time) and signing_time is not None:
                # Fetched answers are dated after the timestamp: they count (retroactive).
                then = {**settings, "moment": signing_time, "retroactive_revinfo": True}
                past = validate_pdf_signature(sigs[0], _context(reader, then, "hard-fail"))
                if past.trusted and not past.revoked:
                    return _Status(past, level, "good_at_signing_time", signing_time, details)
            return _Status(strict, level, "revoked", now, details)
        if strict.trusted:
            return _Status(strict, level, "good", now)
        if level in ("B-LT", "B-LTA") and signing_time is not None:
            then = {**settings, "moment": signing_time, "allow_fetching": False,
                    "retroactive_revinfo": True}  # fmt: skip
            past = validate_pdf_signature(sigs[0], _context(reader, then, "hard-fail"))
            if past.revoked:
                return _Status(past, level, "revoked", signing_time, past.revocation_details)
            if past.trusted:
                return _Status(past, level, "good_at_signing_time", signing_time)
        lenient = validate_pdf_signature(sigs[0], _context(reader, settings, "soft-fail"))
        revocation: Revocation = "revoked" if lenient.revoked else "unknown"
        return _Status(lenient, level, revocation, now, lenient.revocation_details)


def _revoked_after(details: Any, signing_time: datetime | None) -> bool:
    """The revocation is dated after the signature timestamp's time (a revocation at that
    very second is not: the timestamp does not prove the signature came first)."""
    if details is None or signing_time is None:
        return False
    since: datetime = details.revocation_date
    return since > signing_time


def _timestamp_time(status: Any) -> datetime | None:
    """The signature timestamp's time, when its token is intact and its signature valid
    (its chain is checked again at that moment)."""
    stamp = status.timestamp_validity
    if stamp is None or not (stamp.intact and stamp.valid):
        return None
    moment: datetime = stamp.timestamp
    return moment


def _context(reader: Any, settings: dict[str, Any], mode: str) -> Any:
    """A validation context holding the file's own revocation data (its DSS), if any."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError
    from pyhanko_certvalidator import ValidationContext

    settings = {**settings, "revocation_mode": mode}
    try:
        return DocumentSecurityStore.read_dss(reader).as_validation_context(settings)
    except NoDSSFoundError:
        return ValidationContext(crls=[], ocsps=[], **settings)


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
    details = status.revocation_details
    if details is not None:
        whose = (
            "a CA certificate of the chain" if details.ca_revoked else "the signer's certificate"
        )
        since = details.revocation_date.astimezone(VIETNAM).isoformat()
        problems.append(f"{whose} is revoked since {since} ({details.revocation_reason.native})")
    elif not status.trusted:
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
