"""Documented error responses per endpoint, so the OpenAPI schema lists every status we send."""

from __future__ import annotations

from typing import Any

from sohoa.api.schemas import ErrorBody

_TEXT = {
    400: "Invalid dossier code or document reference (Vietnamese and English messages).",
    401: "No API key, or an unknown or revoked one.",
    403: "The key lacks the scope this endpoint needs.",
    404: "Unknown dossier, document or job.",
    409: "The document is registered but not stored yet; or a deletion is refused "
    "(retention_refused: retention not ended, in use, or a job under way).",
    413: "The upload exceeds SOHOA_API_MAX_UPLOAD_MB.",
    415: "Not a PDF, TIFF, JPEG or PNG.",
    422: "The request does not match the schema.",
    503: "The catalog or object store is unavailable; retry later.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the given statuses plus 401, 403, 422 and 503."""
    wanted = sorted({*statuses, 401, 403, 422, 503})
    return {status: {"model": ErrorBody, "description": _TEXT[status]} for status in wanted}
