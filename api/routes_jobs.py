"""Following an upload: queued → running → done (with the document) or failed (with why)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool

from sohoa.api.auth import ReadKey
from sohoa.api.context import context_of, opened
from sohoa.api.errors import not_found
from sohoa.api.responses import errors
from sohoa.api.schemas import JobOut, job_out
from sohoa.api.units import covers

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("/{job_id}", response_model=JobOut, responses=errors(404))
async def get_job(
    job_id: Annotated[str, PathParam(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    request: Request,
    _key: ReadKey,
) -> JobOut:
    """State of an upload's job; ``document`` is filled once it is stored."""
    context = context_of(request)
    job = context.submitter.job(job_id)
    if (
        job is not None
        and _key.unit is not None
        and not await run_in_threadpool(covers, context, _key, job.dossier_code)
    ):
        job = None  # another unit's job: answered as if there were none
    if job is None:
        raise not_found("unknown_job", f"công việc {job_id}", f"job {job_id}")
    document = None
    if job.document_id is not None:
        catalog = opened(context.backends).services.catalog
        document = await run_in_threadpool(catalog.document, job.document_id)
    return job_out(job, document)
