"""Every known failure as (exit code, Vietnamese message, English message).

The layers raise their own exceptions with the facts; this is the one place
that decides what a person sees and which exit code a script gets.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy.exc
from pydantic import ValidationError

from ingest.capture_errors import CaptureFailed
from ocr.errors import InputRejected, Reason, ToolMissing
from scanner_profiles import ProfileError
from sohoa.exit_codes import ExitCode
from storage.codes import DossierCodeError
from storage.errors import (
    BadReference,
    ChecksumMismatch,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)


@dataclass(frozen=True)
class Failure:
    exit_code: ExitCode
    vi: str
    en: str

    def message(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


_REASON_EXIT = {
    Reason.LOW_RESOLUTION: ExitCode.LOW_RESOLUTION,
    Reason.OCR_FAILED: ExitCode.PROCESSING_FAILED,
    Reason.PDFA_INVALID: ExitCode.PROCESSING_FAILED,
}


def describe(error: BaseException) -> Failure | None:
    """The failure a person should see, or None for an unexpected error (a bug)."""
    if isinstance(error, InputRejected):
        code = _REASON_EXIT.get(error.reason, ExitCode.BAD_INPUT)
        return Failure(code, error.message_vi, error.message_en)
    if isinstance(error, DossierCodeError):
        return Failure(
            ExitCode.USAGE,
            f"Mã hồ sơ không hợp lệ: {error.message_vi}",
            f"Invalid dossier code: {error}",
        )
    if isinstance(error, BadReference):
        return Failure(
            ExitCode.USAGE,
            f"Tham chiếu hoặc địa chỉ không hợp lệ: {error}",
            f"Invalid value: {error}",
        )
    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"SOHOA_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        return Failure(
            ExitCode.USAGE,
            f"Cấu hình không hợp lệ, hãy sửa biến môi trường: {problems}",
            f"Invalid configuration, fix the environment variable: {problems}",
        )
    if isinstance(error, ProfileError):
        return Failure(
            ExitCode.USAGE, f"Hồ sơ máy quét không hợp lệ: {error}", f"Scanner profile: {error}"
        )
    if isinstance(error, CaptureFailed):
        return Failure(ExitCode.SCANNER, error.message_vi, error.message_en)
    if isinstance(error, ToolMissing):
        return Failure(ExitCode.MISSING_DEPENDENCY, f"Thiếu phần mềm: {error}", f"Missing: {error}")
    return _storage(error)


def _storage(error: BaseException) -> Failure | None:
    if isinstance(error, ObjectNotFound):
        return Failure(
            ExitCode.NOT_FOUND,
            f"Không tìm thấy tệp trong kho lưu trữ: {error}",
            f"Object not found in the store: {error}",
        )
    if isinstance(error, ChecksumMismatch):
        return Failure(
            ExitCode.STORAGE,
            f"Sai mã kiểm tra (SHA-256), tệp có thể bị hỏng: {error}",
            f"Checksum mismatch, the file may be corrupted: {error}",
        )
    if isinstance(error, StorageUnavailable):
        return Failure(
            ExitCode.STORAGE,
            f"Không kết nối được kho lưu trữ: {error}",
            f"Object store unavailable: {error}",
        )
    if isinstance(error, StorageError):
        return Failure(ExitCode.STORAGE, f"Lỗi lưu trữ: {error}", f"Storage error: {error}")
    if isinstance(error, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
        # The driver's own words (no password in them), without SQLAlchemy's SQL and links.
        detail = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        return Failure(
            ExitCode.STORAGE,
            f"Không kết nối được cơ sở dữ liệu danh mục: {detail}; kiểm tra SOHOA_DATABASE_URL "
            "và máy chủ cơ sở dữ liệu có đang chạy không",
            f"Catalog database unavailable: {detail}; check SOHOA_DATABASE_URL and that the "
            "database server is running",
        )
    return None


def not_found(what_vi: str, what_en: str) -> Failure:
    return Failure(ExitCode.NOT_FOUND, f"Không tìm thấy {what_vi}", f"Not found: {what_en}")
