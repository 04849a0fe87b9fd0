"""A document's signature check and its revocation (thu hồi, NĐ 45/2020 Đ15).

``GET …/verification``: SHA-256 against the catalog, the agency signature (signer,
time, PAdES level) against the configured trust roots, PDF/A. ``POST …/revocation``:
marks the document revoked (time, reason, the API key's name); it stays stored and
retrievable, and every listing shows it revoked. There is no delete.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from sohoa.api.auth import ReadKey, UploadKey
from sohoa.api.context import ApiContext, context_of, opened
from sohoa.api.errors import ApiError
from sohoa.api.params import CodeParam
from sohoa.api.responses import errors
from sohoa.api.routes_cases import DocParam, find_document, unknown_document
from sohoa.api.schemas import DocumentOut, document_out
from sohoa.api.units import check_hidden, hidden_dossier
from sohoa.storage.catalog import DocumentRecord
from sohoa.storage.codes import parse_dossier_code
from sohoa.workers.signing import check_document

router = APIRouter(prefix="/cases", tags=["signatures"])


class VerificationOut(BaseModel):
    document: str
    valid: bool = Field(description="SHA-256 matches, signature (if any) valid, PDF/A valid.")
    sha256_matches: bool
    sha256: str
    signed: bool = Field(description="Carries the agency signature sohoa applied.")
    signature_valid: bool | None
    signer: str | None = Field(description="The signing certificate's CN (the agency).")
    signed_at: str | None = Field(description="Vietnam time, ISO 8601 with +07:00.")
    level: str | None = Field(description="PAdES level found: B-B, B-T, B-LT, B-LTA.")
    revocation_status: str | None = Field(
        description="The signing certificate: good, revoked, unknown (no revocation data "
        "in the file, and none fetched) or good_at_signing_time (B-LT whose embedded "
        "revocation data has expired: valid at the signature timestamp's time from that "
        "data; or a certificate revoked after the signature timestamp: valid at signing "
        "time, certificate_revoked_after_signing). A signature whose certificate was "
        "revoked before its timestamp, or that has none (B-B), is never valid."
    )
    certificate_revoked_since: str | None = Field(description="Vietnam time, ISO 8601.")
    certificate_revocation_reason: str | None = Field(description="As the CA gives it.")
    certificate_revoked_after_signing: bool = Field(
        default=False,
        description="The certificate was revoked after the signature timestamp's time: "
        "the signature stays valid (ETSI EN 319 102-1, valid at signing time).",
    )
    validated_at: str | None = Field(
        description="The moment the certificate chain was validated at (now, or the "
        "signing time for good_at_signing_time), Vietnam time, ISO 8601."
    )
    pdfa_valid: bool
    pdfa_report: str
    problems: list[str]
    revoked: bool
    revoked_at: str | None
    revoked_reason: str | None
    revoked_by: str | None


class RevocationIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Lý do thu hồi.")


@router.get(
    "/{code}/documents/{doc}/verification",
    response_model=VerificationOut,
    responses=errors(400, 404),
)
def get_verification(
    code: CodeParam, doc: DocParam, request: Request, _key: ReadKey
) -> VerificationOut:
    """Check the stored document: SHA-256, agency signature, PDF/A."""
    context = context_of(request)
    dossier = parse_dossier_code(code).value
    hidden_dossier(context, _key, dossier)
    record = _stored(context, dossier, doc)
    with tempfile.TemporaryDirectory(prefix="sohoa-verify-") as tmp:
        check = check_document(opened(context.backends).services.store, record, Path(tmp))
    return VerificationOut(**check.as_dict())


@router.post(
    "/{code}/documents/{doc}/revocation",
    response_model=DocumentOut,
    responses=errors(400, 404, 422),
)
async def post_revocation(
    code: CodeParam, doc: DocParam, body: RevocationIn, request: Request, key: UploadKey
) -> DocumentOut:
    """Revoke (thu hồi) the document: kept and retrievable, listed as revoked."""
    context = context_of(request)
    dossier = parse_dossier_code(code).value
    reason = body.reason.strip()
    if not reason:
        raise ApiError(422, "reason_required", "Cần ghi lý do thu hồi", "A reason is required")
    await check_hidden(context, key, dossier)
    record = await run_in_threadpool(_revoke, context, dossier, doc, reason, f"api:{key.name}")
    return document_out(record, None)


def _stored(context: ApiContext, dossier: str, ref: str) -> DocumentRecord:
    record = find_document(context, dossier, ref)
    if record.status != "stored":
        raise unknown_document(dossier, ref)
    return record


def _revoke(context: ApiContext, dossier: str, ref: str, reason: str, actor: str) -> Any:
    record = _stored(context, dossier, ref)
    revoked, _ = opened(context.backends).services.catalog.revoke(record.id, reason, actor)
    return revoked
