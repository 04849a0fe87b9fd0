"""Counter clients send a scan; it is landed in the inbox and handed to the submitter (202)."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from sohoa.api.auth import UploadKey
from sohoa.api.context import ApiContext, context_of, opened
from sohoa.api.errors import ApiError
from sohoa.api.params import CodeParam
from sohoa.api.responses import errors
from sohoa.api.schemas import JobOut, job_href, job_out
from sohoa.api.submitter import JobView
from sohoa.api.units import check_refused
from sohoa.api.uploads import (
    check_declared_length,
    client_file_name,
    land,
    limited,
)
from sohoa.ingest.submit import make_submission
from sohoa.storage.codes import parse_dossier_code
from sohoa.workers.metrics import UPLOAD_BYTES

router = APIRouter(prefix="/cases", tags=["uploads"])

KINDS = ("intake", "result")

_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "The scan: PDF, TIFF, JPEG or PNG (recognised by content).",
                    },
                    "kind": {
                        "type": "string",
                        "enum": list(KINDS),
                        "default": "intake",
                        "description": "intake = thành phần hồ sơ, result = kết quả giải quyết.",
                    },
                },
            }
        }
    },
}


@router.post(
    "/{code}/documents",
    status_code=202,
    response_model=JobOut,
    responses=errors(400, 413, 415),
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def upload_document(
    code: CodeParam,
    request: Request,
    _key: UploadKey,
) -> JSONResponse:
    """Upload one scan for dossier CODE (multipart: ``file``, ``kind``). Answers 202 with a job
    to follow at ``/api/v1/jobs/{id}``; the same bytes sent again end as ``duplicate``."""
    context = context_of(request)
    dossier = parse_dossier_code(code).value
    await check_refused(context, _key, dossier)
    limit = int(context.settings.api_max_upload_mb * 1024 * 1024)
    check_declared_length(request.headers.get("content-length"), limit)
    bounded = Request(request.scope, limited(request.receive, limit))
    form = await bounded.form(max_files=1, max_fields=4)
    try:
        kind, upload = _fields(form.get("kind"), form.get("file"))
        job = await run_in_threadpool(_accept, context, dossier, kind, upload)
    finally:
        await form.close()
    return JSONResponse(
        job_out(job, None).model_dump(mode="json"),
        status_code=202,
        headers={"Location": job_href(job.id)},
    )


def _fields(kind: object, upload: object) -> tuple[str, UploadFile]:
    kind = "intake" if kind is None else kind
    if not isinstance(kind, str) or kind not in KINDS:
        raise ApiError(
            422,
            "invalid_kind",
            "Trường 'kind' phải là intake (thành phần hồ sơ) hoặc result (kết quả giải quyết)",
            "The 'kind' field must be intake or result",
        )
    if not isinstance(upload, UploadFile):
        raise ApiError(
            422,
            "missing_file",
            "Thiếu tệp quét (trường 'file' của multipart/form-data)",
            "Missing the scan (the 'file' field of multipart/form-data)",
        )
    return kind, upload


def _accept(context: ApiContext, dossier: str, kind: str, upload: UploadFile) -> JobView:
    """Land the bytes, then submit; blocking work, run off the event loop."""
    opened(context.backends)  # no point landing a file we cannot process
    landed = land(upload.file, context.settings.resolved_inbox_dir)
    UPLOAD_BYTES.inc(landed.size)
    submission = make_submission(landed.path, dossier, kind)
    submission = dataclasses.replace(
        submission, source_name=client_file_name(upload.filename, landed.path.name)
    )
    return context.submitter.submit(submission)
