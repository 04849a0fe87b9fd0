"""Reading dossiers: the documents of a case, and one document's PDF/A."""

from __future__ import annotations

import base64
import contextlib
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from sohoa.api.auth import ReadKey
from sohoa.api.context import ApiContext, context_of, opened
from sohoa.api.errors import ApiError, not_found
from sohoa.api.params import CodeParam
from sohoa.api.responses import errors
from sohoa.api.routes_events import note_download
from sohoa.api.schemas import CaseOut, document_out
from sohoa.api.units import check_hidden
from sohoa.storage.catalog import DocumentRecord
from sohoa.storage.codes import parse_dossier_code
from sohoa.storage.errors import ObjectNotFound

router = APIRouter(prefix="/cases", tags=["cases"])

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
    await check_hidden(context, _key, dossier)
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


_DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF/A-2b (streamed)."},
    304: {"description": "Not modified (If-None-Match matched the ETag)."},
    307: {"description": "Redirect to a short-lived presigned URL (S3 store, redirect mode)."},
    **errors(400, 404, 409),
}


@router.get("/{code}/documents/{doc}", response_class=Response, responses=_DOWNLOAD_RESPONSES)
async def get_document(
    code: CodeParam,
    doc: DocParam,
    request: Request,
    _key: ReadKey,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The document's PDF/A: streamed by the API (SHA-256 verified on the way) from a local
    store or when SOHOA_API_DOWNLOAD=stream, else a 307 redirect to a presigned S3 URL
    (on SOHOA_S3_PUBLIC_URL when set) valid for SOHOA_API_PRESIGN_SECONDS.
    ``ETag``, ``Digest`` and ``Repr-Digest`` carry the SHA-256 either way."""
    context = context_of(request)
    dossier = parse_dossier_code(code).value
    await check_hidden(context, _key, dossier)
    record = await run_in_threadpool(_find, context, dossier, doc)
    headers = _digest_headers(record)
    if _matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    redirect = await run_in_threadpool(_redirect, context, record, headers)
    via = "api" if redirect is None else "redirect"
    await run_in_threadpool(note_download, context, record, _key.name, via)
    if redirect is not None:
        return redirect
    path = await run_in_threadpool(_fetch, context, record)
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=f"{record.name}.pdf",
        headers=headers,
        background=BackgroundTask(_cleanup, path),
    )


@router.head("/{code}/documents/{doc}", response_class=Response, responses=_DOWNLOAD_RESPONSES)
async def head_document(
    code: CodeParam,
    doc: DocParam,
    request: Request,
    _key: ReadKey,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """What GET would answer, without the body: the same redirect for an S3 store, or the
    length and digests of the stored object (nothing is downloaded)."""
    context = context_of(request)
    dossier = parse_dossier_code(code).value
    await check_hidden(context, _key, dossier)
    record = await run_in_threadpool(_find, context, dossier, doc)
    headers = _digest_headers(record)
    if _matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    redirect = await run_in_threadpool(_redirect, context, record, headers)
    if redirect is not None:
        return redirect
    size = await run_in_threadpool(_stored_size, context, record)
    return Response(
        media_type="application/pdf",
        headers={
            **headers,
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="{record.name}.pdf"',
        },
    )


def _documents(context: ApiContext, dossier: str) -> list[DocumentRecord]:
    return opened(context.backends).services.catalog.documents(dossier)


def find_document(context: ApiContext, dossier: str, ref: str) -> DocumentRecord:
    """The catalog row ``ref`` names in ``dossier``, shared by every per-document route so a
    reference that cannot be read is 400 and one that matches nothing is 404 the same way
    everywhere; the caller decides what a row that is not stored yet means for it."""
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
        raise unknown_document(dossier, ref)
    return record


def unknown_document(dossier: str, ref: str) -> ApiError:
    """404 for a reference that names no (stored) document of the dossier."""
    return not_found(
        "unknown_document", f"tài liệu {ref} của hồ sơ {dossier}", f"document {ref} of {dossier}"
    )


def _find(context: ApiContext, dossier: str, ref: str) -> DocumentRecord:
    record = find_document(context, dossier, ref)
    if record.status != "stored" or record.sha256 is None or record.key is None:
        raise _not_ready(record)
    return record


def _not_ready(record: DocumentRecord) -> ApiError:
    return ApiError(
        409,
        "document_not_ready",
        f"Tài liệu {record.name} chưa được lưu xong; hãy thử lại sau",
        f"Document {record.name} is not stored yet; retry later",
    )


def _key_of(record: DocumentRecord) -> str:
    if record.key is None:  # _find answered 409 already; this keeps the type honest
        raise _not_ready(record)
    return record.key


def _digest_headers(record: DocumentRecord) -> dict[str, str]:
    assert record.sha256 is not None
    b64 = base64.b64encode(bytes.fromhex(record.sha256)).decode("ascii")
    return {
        "ETag": f'"{record.sha256}"',
        "Digest": f"sha-256={b64}",
        "Repr-Digest": f"sha-256=:{b64}:",
    }


def _matches(if_none_match: str | None, etag: str) -> bool:
    return bool(if_none_match) and etag in {t.strip() for t in (if_none_match or "").split(",")}


def _redirect(
    context: ApiContext, record: DocumentRecord, headers: dict[str, str]
) -> RedirectResponse | None:
    """A 307 to a presigned URL, or None to stream (local store, or SOHOA_API_DOWNLOAD=stream)."""
    if context.settings.api_download == "stream":
        return None
    store = opened(context.backends).services.store
    url = store.presign_get(
        _key_of(record), timedelta(seconds=context.settings.api_presign_seconds)
    )
    if url is None:
        return None
    return RedirectResponse(url, status_code=307, headers={**headers, "Cache-Control": "no-store"})


def _stored_size(context: ApiContext, record: DocumentRecord) -> int:
    """The stored object's length, asked of the store so HEAD fails as GET would if it is gone."""
    stored = opened(context.backends).services.store.head(_key_of(record))
    if stored is None:
        raise ObjectNotFound(f"{record.name}: no object {record.key!r} in the store")
    return stored.size


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
