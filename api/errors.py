"""Every 4xx/5xx as one JSON shape: ``{"error": {"code", "message_vi", "message_en"}}``.

Integrators switch on ``code`` (stable, machine-readable); people read the
message in their language. Unexpected errors are logged with their traceback
and answered with a generic 500 that leaks nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from sohoa.failures import describe
from sohoa.storage.codes import DossierCodeError
from sohoa.storage.errors import StorageError
from sohoa.workers.problems import Problem

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal the client can act on, raised anywhere in a request."""

    def __init__(
        self,
        status: int,
        code: str,
        message_vi: str,
        message_en: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message_en}")
        self.status = status
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.headers = dict(headers or {})


def error_response(error: ApiError) -> JSONResponse:
    body = {
        "error": {
            "code": error.code,
            "message_vi": error.message_vi,
            "message_en": error.message_en,
        }
    }
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def problem_error(problem: Problem) -> ApiError:
    """The one failure type as an answer: its HTTP status and kind from the shared table
    (:data:`workers.problems.KINDS`), its messages as the CLI prints them."""
    return ApiError(problem.http_status, problem.kind, problem.message_vi, problem.message_en)


def invalid_code(error: DossierCodeError) -> ApiError:
    """400 with the same Vietnamese and English texts the CLI prints."""
    failure = describe(error)
    assert failure is not None
    return problem_error(failure)


def not_found(code: str, what_vi: str, what_en: str) -> ApiError:
    return ApiError(404, code, f"Không tìm thấy {what_vi}", f"Not found: {what_en}")


def unavailable(reason_vi: str, reason_en: str) -> ApiError:
    return ApiError(503, "service_unavailable", reason_vi, reason_en, {"Retry-After": "10"})


# Starlette's own refusals (unknown path, wrong method, malformed multipart…) get our shape too.
_HTTP_CODES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "Yêu cầu không hợp lệ", "Bad request"),
    404: ("not_found", "Không tìm thấy địa chỉ này", "No such endpoint"),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ", "Method not allowed"),
    413: ("too_large", "Tệp tải lên quá lớn", "Upload too large"),
}


async def _api_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return error_response(error)


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code, vi, en = _HTTP_CODES.get(
        error.status_code, ("http_error", "Yêu cầu bị từ chối", "Request refused")
    )
    detail = (
        f": {error.detail}" if isinstance(error.detail, str) and error.status_code == 400 else ""
    )
    return error_response(
        ApiError(error.status_code, code, vi + detail, en + detail, error.headers)
    )


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in e.get('loc', ()))}: {e.get('msg', '')}"
        for e in error.errors()[:5]
    )
    return error_response(
        ApiError(
            422,
            "validation_error",
            f"Dữ liệu gửi lên không hợp lệ: {problems}",
            f"Invalid request: {problems}",
        )
    )


async def _dossier_code_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DossierCodeError)
    return error_response(invalid_code(error))


async def _backend_error(request: Request, error: Exception) -> JSONResponse:
    """The catalog or the object store failed: a 503 the client may retry, not a bug."""
    failure = describe(error) if isinstance(error, StorageError) else None
    vi, en = (
        (failure.vi, failure.en)
        if failure
        else (
            "Không kết nối được cơ sở dữ liệu danh mục",
            "The catalog database is unavailable",
        )
    )
    log.warning("backend error", extra={"path": request.url.path, "error": type(error).__name__})
    return error_response(unavailable(vi, en))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", extra={"path": request.url.path})
    return error_response(
        ApiError(
            500,
            "internal_error",
            "Lỗi không mong đợi; hãy báo quản trị kèm thời điểm xảy ra",
            "Unexpected error; report it to the administrator with the time it happened",
        )
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DossierCodeError, _dossier_code_error)
    app.add_exception_handler(StorageError, _backend_error)
    app.add_exception_handler(SQLAlchemyError, _backend_error)
    app.add_exception_handler(Exception, _unexpected)
