"""Reading dossiers: the documents of a case, and one document's PDF/A."""

from __future__ import annotations

import base64
import contextlib
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from api.auth import ReadKey
from api.context import ApiContext, context_of, opened
from api.errors import ApiError, not_found
from api.responses import errors
from api.schemas import CaseOut, document_out
from storage.catalog import DocumentRecord
from storage.codes import parse_dossier_code

router = APIRouter(prefix="/cases", tags=["cases"])

CodeParam = Annotated[
    str,
    PathParam(
        description="Dossier code (mã hồ sơ), e.g. 000.00.20.H56-240101-0001",
        max_length=80,
    ),
]
DocParam = Annotated[
    str,
    PathParam(
        description="Intake number (2), result (KQ1), full name (<code>-KQ1) or catalog id (#17)",
        max_length=120,
    ),
]


@router.get("/{code}", response_model=CaseOut, responses=errors(400, 404))
async def get_case(code: CodeParam, request: Request, _key: ReadKey) -> CaseOut:
    """The dossier's digitised documents (intake components, then results) and their state."""
    context = context_of(request)
    dossier = parse_dossier_code(code).value
    records = await run_in_threadpool(_documents, context, dossier)
    if not records:
        raise not_found("unknown_dossier", f"hồ sơ {dossier}", f"dossier {dossier}")
    submitter = context.submitter
    return CaseOut(
        dossier_code=dossier,
        documents=[
            document_out(r, submitter.job_for_source(r.dossier_code, r.kind, r.source_sha256))
            for r in records
        ],
    )


@router.get(
    "/{code}/documents/{doc}",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The PDF/A-2b (local store)."},
        304: {"description": "Not modified (If-None-Match matched the ETag)."},
        307: {"description": "Redirect to a short-lived presigned URL (S3 store)."},
        **errors(400, 404, 409),
    },
)
async def get_document(
    code: CodeParam,
    doc: DocParam,
    request: Request,
    _key: ReadKey,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The document's PDF/A: streamed from a local store (SHA-256 verified on the way), or
    a 307 redirect to a presigned S3 URL valid for SOHOA_API_PRESIGN_SECONDS.
    ``ETag``, ``Digest`` and ``Repr-Digest`` carry the SHA-256 either way."""
    context = context_of(request)
    dossier = parse_dossier_code(code).value
    record = await run_in_threadpool(_find, context, dossier, doc)
    headers = _digest_headers(record)
    if if_none_match and headers["ETag"] in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    url = await run_in_threadpool(_presign, context, record)
    if url is not None:
        return RedirectResponse(
            url, status_code=307, headers={**headers, "Cache-Control": "no-store"}
        )
    path = await run_in_threadpool(_fetch, context, record)
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=f"{record.name}.pdf",
        headers=headers,
        background=BackgroundTask(_cleanup, path),
    )


def _documents(context: ApiContext, dossier: str) -> list[DocumentRecord]:
    return opened(context.backends).services.catalog.documents(dossier)


def _find(context: ApiContext, dossier: str, ref: str) -> DocumentRecord:
    try:
        record = opened(context.backends).services.catalog.find(dossier, ref)
    except ValueError as error:
        raise ApiError(
            400,
            "invalid_document_ref",
            f"Không hiểu tham chiếu tài liệu: {error}",
            f"Invalid document reference: {error}",
        ) from None
    if record is None:
        raise not_found(
            "unknown_document", f"tài liệu {ref} của hồ sơ {dossier}", f"{ref} of {dossier}"
        )
    if record.status != "stored" or record.sha256 is None:
        raise ApiError(
            409,
            "document_not_ready",
            f"Tài liệu {record.name} chưa được lưu xong; hãy thử lại sau",
            f"Document {record.name} is not stored yet; retry later",
        )
    return record


def _digest_headers(record: DocumentRecord) -> dict[str, str]:
    assert record.sha256 is not None
    b64 = base64.b64encode(bytes.fromhex(record.sha256)).decode("ascii")
    return {
        "ETag": f'"{record.sha256}"',
        "Digest": f"sha-256={b64}",
        "Repr-Digest": f"sha-256=:{b64}:",
    }


def _presign(context: ApiContext, record: DocumentRecord) -> str | None:
    store = opened(context.backends).services.store
    return store.presign_get(record.key, timedelta(seconds=context.settings.api_presign_seconds))


def _fetch(context: ApiContext, record: DocumentRecord) -> Path:
    """A verified private copy: the store checks its own digest, Services.fetch the catalog's."""
    directory = Path(tempfile.mkdtemp(prefix="sohoa-api-"))
    try:
        return opened(context.backends).services.fetch(record, directory)
    except BaseException:
        _cleanup(directory / f"{record.name}.pdf")
        raise


def _cleanup(path: Path) -> None:
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()
