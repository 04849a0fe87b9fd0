"""The signing step of the one lifecycle: the last byte-changing step before upload.

:func:`workers.storing.store_document` (used by the embedded and the queued mode
alike) calls :func:`sign_for_storage` once, on the assembled, validated PDF/A. When
the document's unit has a policy that signs its kind, the PDF/A is signed, then
checked again (signature against the configured roots, PDF/A, nothing after
``%%EOF``); only a file that passes is stored. Nothing rewrites it afterwards.

The configuration is installed once per process by the faces
(:func:`install`, from SOHOA_SIGNING_CONFIG); without one nothing is signed. The
policy is the one of the document's unit (the register's unit of the dossier, else
the agency part of its code) or of the nearest configured unit above it in the unit
tree: the faces name the database that holds the register (:func:`use_units`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sohoa.clock import vietnam_time
from sohoa.workers.problems import Problem

# Signing and checking (pikepdf's PDF/A validator, the key and PAdES modules, the unit
# tree) are imported where they are used: every command that opens the catalogue and
# store imports this module, most with nothing to sign or verify (issue 9).
if TYPE_CHECKING:
    from sohoa.ocr.assemble import DocumentResult
    from sohoa.signing.config import SigningConfig, UnitPolicy
    from sohoa.signing.verify import Verification
    from sohoa.storage.catalog import DocumentRecord
    from sohoa.storage.database import SessionSource
    from sohoa.storage.objects import ObjectStore

log = logging.getLogger(__name__)

_config: SigningConfig | None = None
_units: SessionSource | None = None


@dataclass(frozen=True)
class SignedFile:
    """The file to store, and the signature it carries (None: not signed by sohoa)."""

    pdf: Path
    level: str | None = None
    signed_by: str | None = None
    signed_at: datetime | None = None


def install(config: SigningConfig | None) -> None:
    """This process's signing configuration (None: sign nothing)."""
    global _config
    _config = config


def installed() -> SigningConfig | None:
    return _config


def use_units(source: SessionSource | None) -> None:
    """The database holding the register and the unit tree (None: codes only)."""
    global _units
    _units = source


def units_source() -> SessionSource | None:
    return _units


def units_of(dossier_code: str) -> tuple[str, ...]:
    """The dossier's unit, then the units above it, nearest first; then the agency
    part of the code (before the first ``-``) and its units above, when different."""
    agency = dossier_code.split("-", 1)[0].strip().upper()
    if _units is None:
        return (agency,)
    from sohoa.register.units import dossier_unit, units_above

    chain = units_above(_units, dossier_unit(_units, dossier_code))
    if agency not in chain:
        chain += units_above(_units, agency)
    return tuple(dict.fromkeys(chain))


def policy_for(record: DocumentRecord) -> UnitPolicy | None:
    """The policy of the document's unit (or the nearest configured unit above it),
    when it signs this kind of document."""
    if _config is None:
        return None
    policy = _config.policy(units_of(record.dossier_code))
    return policy if policy is not None and policy.signs(record.kind) else None


def sign_for_storage(result: DocumentResult, record: DocumentRecord, tmp: Path) -> SignedFile:
    """Sign and re-check the PDF/A when the unit asks for it; else the PDF/A as it is.
    A source that arrived signed is stored as received, never signed over."""
    policy = policy_for(record)
    if policy is None or result.signed:
        return SignedFile(result.pdf)
    from sohoa.signing.keys import SigningKeyError
    from sohoa.signing.pades import TimestampFailed, sign_pdf
    from sohoa.signing.verify import verify_pdf

    output = tmp / "signed.pdf"
    try:
        signed = sign_pdf(result.pdf, output, policy.request, tmp)
    except TimestampFailed as error:
        raise Problem(
            "timestamp_failed",
            "Máy chủ cấp dấu thời gian không trả lời; tài liệu chưa được ký và chưa lưu",
            f"The timestamp server failed ({error}); the document was not signed or stored",
        ) from error
    except SigningKeyError as error:
        raise Problem(
            "signing_failed",
            "Không mở được khóa ký số của cơ quan; tài liệu chưa được lưu",
            f"Cannot open the agency's signing key: {error}",
        ) from error
    if signed.fell_back:
        log.warning("timestamp failed, signed B-B as configured", extra={"document": record.name})
    check = verify_pdf(output, policy.request.trust_roots)
    if not check.valid:
        raise Problem(
            "signing_failed",
            "Tệp sau khi ký không hợp lệ; tài liệu chưa được lưu",
            "The signed file did not verify: " + "; ".join(check.problems),
        )
    log.info("signed", extra={"document": record.name, "level": signed.level})
    return SignedFile(output, signed.level, signed.signer, signed.signed_at)


@dataclass(frozen=True)
class DocumentCheck:
    """``sohoa verify`` / the API's verification of one stored document."""

    record: DocumentRecord
    sha256_matches: bool
    stored_sha256: str
    verification: Verification | None  # None: not signed by sohoa (PDF/A still checked)
    pdfa_valid: bool
    pdfa_report: str

    @property
    def valid(self) -> bool:
        signature_ok = self.verification is None or self.verification.valid
        return self.sha256_matches and self.pdfa_valid and signature_ok

    def as_dict(self) -> dict[str, Any]:
        """The verification as JSON: `sohoa verify --json`, the API and the web page share it."""
        v = self.verification
        r = self.record
        return {
            "document": r.name,
            "valid": self.valid,
            "sha256_matches": self.sha256_matches,
            "sha256": self.stored_sha256,
            "signed": v is not None and v.signed,
            "signature_valid": v.signature_valid if v else None,
            "signer": v.signer if v else None,
            "signed_at": _iso(v.signed_at if v else None),
            "level": v.level if v else None,
            "revocation_status": v.revocation if v else None,
            "certificate_revoked_since": _iso(v.revoked_since if v else None),
            "certificate_revocation_reason": v.revocation_reason if v else None,
            "certificate_revoked_after_signing": v.revoked_after_signing if v else False,
            "validated_at": _iso(v.validated_at if v else None),
            "pdfa_valid": self.pdfa_valid,
            "pdfa_report": self.pdfa_report,
            "problems": list(v.problems) if v else [],
            "revoked": r.revoked,
            "revoked_at": _iso(r.revoked_at),
            "revoked_reason": r.revoked_reason,
            "revoked_by": r.revoked_by,
        }


def _iso(moment: datetime | None) -> str | None:
    """A moment on the Vietnam clock, ISO 8601 (None stays None)."""
    return vietnam_time(moment).isoformat() if moment else None


def check_document(store: ObjectStore, record: DocumentRecord, tmp: Path) -> DocumentCheck:
    """Download the stored object, compare its SHA-256 with the catalog's, check the
    signature (when sohoa signed it) against the unit's roots, with its revocation
    status (online too when the configuration says ``verify_fetch_revocation``), and
    the PDF/A."""
    from sohoa.signing.verify import check_plain_pdfa, verify_pdf

    path = tmp / f"{record.id}.pdf"
    got = store.get_to_file(record.stored_key, path)
    roots = _config.trust_roots(units_of(record.dossier_code)) if _config is not None else ()
    fetch = _config is not None and _config.fetch_revocation
    verification = None
    if record.signature_level:
        verification = verify_pdf(path, roots, fetch_revocation=fetch)
        pdfa_ok, report = verification.pdfa_valid, verification.pdfa_report
    elif record.signed:  # a source signed by someone else, kept as received: not PDF/A
        pdfa_ok, report = True, "stored as received (signed source), not converted"
    else:
        pdfa_ok, report = check_plain_pdfa(path)
    return DocumentCheck(
        record, got.sha256 == record.sha256, got.sha256, verification, pdfa_ok, report
    )
