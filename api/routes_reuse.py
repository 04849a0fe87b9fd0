"""Reuse over the API: attach a stored document of an earlier dossier to a new dossier
instead of rescanning it (issue 11). The new component is flagged ``DuocTaiSuDung``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from sohoa.api.auth import UploadKey
from sohoa.api.context import context_of, opened
from sohoa.api.errors import ApiError
from sohoa.api.params import CodeParam
from sohoa.api.responses import errors
from sohoa.api.schemas import DocumentOut, document_out
from sohoa.api.units import check_hidden, check_refused
from sohoa.storage.catalog import DocumentRecord
from sohoa.storage.codes import DossierCodeError, parse_dossier_code

router = APIRouter(prefix="/cases", tags=["documents"])


class AttachIn(BaseModel):
    source: str = Field(
        min_length=1, max_length=64, description="The earlier dossier's code (mã hồ sơ nguồn)."
    )
    document: str = Field(
        min_length=1,
        max_length=80,
        description="Its document: a number (1), a result (KQ1), a name or #id.",
    )
    kind: str = Field(default="intake", description="intake or result, in the new dossier.")


@router.post(
    "/{code}/documents/attach",
    response_model=DocumentOut,
    status_code=201,
    responses=errors(400, 401, 403),
)
async def attach_document(
    code: CodeParam, body: AttachIn, request: Request, key: UploadKey
) -> DocumentOut:
    """File the source dossier's stored document under ``code`` (same object, no rescan);
    attaching the same document again returns the same component."""
    from sohoa.register.errors import RegisterError
    from sohoa.register.reuse import attach

    context = context_of(request)
    if key.unit is not None:  # filed under the caller's code: 403; the source is read: 404
        await check_refused(context, key, parse_dossier_code(code).value)
        try:
            source = parse_dossier_code(body.source).value
        except DossierCodeError:
            source = None  # attach refuses it, with its reason
        if source is not None:
            await check_hidden(context, key, source)

    def run() -> DocumentRecord:
        catalog = opened(context.backends).services.catalog
        return attach(catalog, code, body.kind, body.source, body.document, f"api:{key.name}")

    try:
        record = await run_in_threadpool(run)
    except RegisterError as error:
        raise ApiError(400, "cannot_attach", error.message_vi, error.message_en) from None
    return document_out(record, None)
