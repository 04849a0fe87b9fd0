"""`sohoa verify CODE [DOC]` and `sohoa revoke CODE DOC --reason …`.

verify: downloads each stored document and says whether its SHA-256 matches the
catalog, whether the agency signature is valid (signer, time, PAdES level) against
the configured trust roots (SOHOA_SIGNING_CONFIG), whether the signing certificate
is revoked (good / revoked / unknown: the file's own revocation data, and OCSP/CRL
online when ``verify_fetch_revocation: true``; good_at_signing_time: validated at its
timestamp's time, a B-LT whose embedded data has expired or a certificate revoked after
the signature was timestamped, its revocation date and reason shown) and whether it is
PDF/A-2b.
Exit 0 when all are valid, 5 otherwise.

revoke (thu hồi, NĐ 45/2020 Đ15): the document is marked revoked with the time, the
reason and who did it. It stays stored and retrievable; nothing is deleted.
"""

from __future__ import annotations

import getpass
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sohoa import i18n, views
from sohoa.exit_codes import ExitCode
from sohoa.failures import not_found, problem
from sohoa.runtime import (
    JsonOption,
    fail,
    guard,
    load_settings,
    open_services,
    stored_document,
)
from sohoa.storage.codes import parse_dossier_code

# Signing (pyHanko) and the catalog are imported by `verify` when it runs.
if TYPE_CHECKING:
    from sohoa.signing.verify import Verification
    from sohoa.storage.catalog import DocumentRecord
    from sohoa.workers.signing import DocumentCheck


#: The signing certificate's revocation status (from the file's own data or OCSP/CRL).
REVOCATION_VI = {
    "good": "chưa bị thu hồi",
    "good_at_signing_time": "hợp lệ tại thời điểm ký (B-LT, dữ liệu thu hồi nhúng trong tệp)",
    "revoked": "ĐÃ BỊ THU HỒI",
    "unknown": "không rõ (không có dữ liệu thu hồi)",
}
REVOCATION_EN = {
    "good": "not revoked",
    "good_at_signing_time": "valid at signing time (B-LT, revocation data embedded)",
    "revoked": "REVOKED",
    "unknown": "unknown (no revocation data)",
}


def register(app: typer.Typer) -> None:
    app.command(epilog="Ví dụ: sohoa verify 000.00.20.H56-240101-0001 KQ1")(verify)
    app.command(
        epilog='Ví dụ: sohoa revoke 000.00.20.H56-240101-0001 KQ1 --reason "Cấp sai thông tin"'
    )(revoke)


def verify(
    case: Annotated[str, typer.Argument(help="Dossier code.")],
    doc: Annotated[
        str | None, typer.Argument(help="Document: 1, KQ1 or #17. Default: every stored one.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check the signature, PDF/A and SHA-256 of the stored documents of CASE."""
    from sohoa.workers.signing import check_document

    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        code = str(parse_dossier_code(case))
        records = _records(services.catalog, code, doc)
        if not records:
            fail(
                not_found(f"tài liệu đã lưu của hồ sơ {code}", f"stored documents of {code}"),
                settings,
            )
        with tempfile.TemporaryDirectory(prefix="sohoa-verify-") as tmp:
            checks = [check_document(services.store, r, Path(tmp)) for r in records]
    if as_json:
        typer.echo(json.dumps([c.as_dict() for c in checks], ensure_ascii=False, indent=2))
    else:
        for check in checks:
            _print(check, settings.lang)
    if not all(c.valid for c in checks):
        raise typer.Exit(ExitCode.PROCESSING_FAILED)


def revoke(
    case: Annotated[str, typer.Argument(help="Dossier code.")],
    doc: Annotated[str, typer.Argument(help="Document: KQ1, 2 or #17.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is revoked (lý do thu hồi).")],
    actor: Annotated[
        str | None, typer.Option("--by", help="Who revokes it (default: the system user).")
    ] = None,
) -> None:
    """Mark a document of CASE revoked: it stays stored and retrievable and is listed as revoked."""
    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        code = str(parse_dossier_code(case))
        if not reason.strip():
            fail(
                problem(
                    ExitCode.USAGE,
                    "Cần ghi lý do thu hồi (--reason)",
                    "A reason is required (--reason)",
                ),
                settings,
            )
        record = stored_document(services, settings, code, doc)
        record, fresh = services.catalog.revoke(
            record.id, reason.strip(), actor or f"cli:{getpass.getuser()}"
        )
    for line in views.signature_lines(record, settings.lang):
        typer.echo(f"{record.name}: {line}")
    if not fresh:
        typer.echo("(đã thu hồi từ trước / already revoked)")


def _records(catalog: Any, code: str, doc: str | None) -> list[DocumentRecord]:
    records = [catalog.find(code, doc)] if doc else catalog.documents(code)
    return [r for r in records if r is not None and r.status == "stored"]


def revocation_label(verification: Verification, lang: str) -> str:
    """The certificate's revocation status as a person reads it, with the revocation's
    date (the signing-time format) and reason when there is one."""
    status = verification.revocation
    if verification.revoked_after_signing:
        label = i18n.gettext(lang).gettext(
            "valid at signing time; the certificate was revoked later"
        )
    else:
        label = (REVOCATION_VI if lang == "vi" else REVOCATION_EN).get(str(status), str(status))
    if verification.revoked_since is not None:
        since = i18n.format_signing_time(verification.revoked_since)
        label += f": {since} ({verification.revocation_reason or '?'})"
    return label


def _print(check: DocumentCheck, lang: str) -> None:
    vi = lang == "vi"
    data = check.as_dict()
    verdict = (
        ("HỢP LỆ" if vi else "VALID") if check.valid else ("KHÔNG HỢP LỆ" if vi else "INVALID")
    )
    typer.echo(f"{data['document']}: {verdict}")
    typer.echo(
        f"  SHA-256: {'khớp' if vi else 'matches'}"
        if check.sha256_matches
        else f"  SHA-256: {'KHÔNG KHỚP' if vi else 'MISMATCH'} ({check.stored_sha256})"
    )
    if check.verification is None:
        typer.echo("  " + ("Chữ ký số: không (chưa ký)" if vi else "Signature: none (not signed)"))
    else:
        state = "hợp lệ" if vi else "valid"
        if not data["signature_valid"]:
            state = "KHÔNG hợp lệ" if vi else "INVALID"
        typer.echo(
            f"  {'Chữ ký số' if vi else 'Signature'}: {state}, PAdES {data['level']}, "
            f"{data['signer']}, {data['signed_at']}"
        )
        typer.echo(
            f"  {'Thu hồi chứng thư' if vi else 'Certificate revocation'}: "
            + revocation_label(check.verification, lang)
        )
        for item in data["problems"]:
            typer.echo(f"  ! {item}")
    typer.echo(f"  PDF/A: {check.pdfa_report}")
    for line in views.signature_lines(check.record, lang)[1:] if check.record.revoked else []:
        typer.echo(f"  {line}")
