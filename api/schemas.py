"""The JSON the API answers with (also what the published OpenAPI schema describes).

Times are ISO 8601 on the Vietnam clock (``+07:00``), as clerks and the
national sync read them; the catalog itself keeps UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from sohoa.api.submitter import JobView
from sohoa.clock import vietnam_time
from sohoa.storage.catalog import DocumentRecord
from sohoa.values import Kind

API_PREFIX = "/api/v1"


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable reason, e.g. invalid_dossier_code.")
    message_vi: str
    message_en: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class DroppedPageOut(BaseModel):
    index: int = Field(description="Page number in the scanned input (1-based).")
    reason: str


class JobRef(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    href: str


class DocumentOut(BaseModel):
    id: int = Field(description="Catalog id (also addressable as #<id>).")
    kind: Kind
    number: int | None = Field(description="Null once a rejected document gave its number back.")
    name: str = Field(description="<code>.<n> for intake components, <code>-KQ<n> for results.")
    result_code: str | None = Field(description="<code>-KQ<n> for results (spec §4), else null.")
    status: Literal["pending", "stored", "rejected", "failed"]
    pages: int | None
    input_pages: int | None
    dropped_pages: list[DroppedPageOut]
    sha256: str | None = Field(description="SHA-256 (hex) of the stored PDF/A.")
    size: int | None
    ocr_confidence: float | None
    pdfa_valid: bool | None = Field(description="Validated as PDF/A-2b before it was stored.")
    pdfa_report: str | None
    source_name: str
    created: datetime = Field(description="Vietnam time, ISO 8601 with +07:00.")
    updated: datetime
    error: str | None = Field(description="Why the last attempt failed, while still pending.")
    reason: ErrorDetail | None = Field(
        default=None,
        description="Why it is rejected or failed (or the last attempt failed): the same "
        "code and messages as the job's error.",
    )
    job: JobRef | None = Field(description="The job that produced it, when the API knows one.")
    href: str
    signature_level: str | None = Field(
        default=None, description="PAdES level of the agency signature sohoa applied, or null."
    )
    signed_by: str | None = Field(default=None, description="The signing certificate's CN.")
    signed_at: datetime | None = Field(default=None, description="Vietnam time (+07:00).")
    revoked: bool = Field(default=False, description="Revoked (thu hồi); still stored.")
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    revoked_by: str | None = None


class CaseOut(BaseModel):
    dossier_code: str
    documents: list[DocumentOut]


class JobOut(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    dossier_code: str
    kind: Kind
    source_name: str
    source_sha256: str
    submitted: datetime
    started: datetime | None
    finished: datetime | None
    duplicate: bool | None = Field(description="True when these bytes were already stored.")
    document: DocumentOut | None
    error: ErrorDetail | None
    href: str


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    reason: str | None = None


def document_href(record: DocumentRecord) -> str:
    if record.number is None:
        ref = f"#{record.id}"
    else:
        ref = f"KQ{record.number}" if record.kind == "result" else str(record.number)
    return f"{API_PREFIX}/cases/{quote(record.dossier_code)}/documents/{ref}"


def job_href(job_id: str) -> str:
    return f"{API_PREFIX}/jobs/{quote(job_id)}"


def document_out(record: DocumentRecord, job: JobView | None) -> DocumentOut:
    return DocumentOut(
        id=record.id,
        kind=record.kind,
        number=record.number,
        name=record.name,
        result_code=record.result_code,
        status=record.status,
        pages=record.pages,
        input_pages=record.input_pages,
        dropped_pages=[
            DroppedPageOut(index=p.index, reason=p.reason) for p in record.dropped_pages
        ],
        sha256=record.sha256,
        size=record.size,
        ocr_confidence=record.ocr_confidence,
        pdfa_valid=record.pdfa_valid,
        pdfa_report=record.pdfa_report,
        source_name=record.source_name,
        created=vietnam_time(record.created_at),
        updated=vietnam_time(record.updated_at),
        error=record.error,
        reason=ErrorDetail(
            code=record.error_kind,
            message_vi=record.error_vi or record.error,
            message_en=record.error,
        )
        if record.error_kind and record.error and record.status != "stored"
        else None,
        job=JobRef(id=job.id, state=job.state, href=job_href(job.id)) if job else None,
        href=document_href(record),
        signature_level=record.signature_level,
        signed_by=record.signed_by,
        signed_at=vietnam_time(record.signed_at) if record.signed_at else None,
        revoked=record.revoked,
        revoked_at=vietnam_time(record.revoked_at) if record.revoked_at else None,
        revoked_reason=record.revoked_reason,
        revoked_by=record.revoked_by,
    )


def job_out(job: JobView, document: DocumentRecord | None) -> JobOut:
    error = job.error
    return JobOut(
        id=job.id,
        state=job.state,
        dossier_code=job.dossier_code,
        kind=Kind(job.kind),
        source_name=job.source_name,
        source_sha256=job.source_sha256,
        submitted=vietnam_time(job.submitted_at),
        started=vietnam_time(job.started_at) if job.started_at else None,
        finished=vietnam_time(job.finished_at) if job.finished_at else None,
        duplicate=job.duplicate,
        document=document_out(document, job) if document else None,
        error=ErrorDetail(code=error.code, message_vi=error.message_vi, message_en=error.message_en)
        if error
        else None,
        href=job_href(job.id),
    )
