"""The one failure type: what went wrong, in both languages, with its exit code and HTTP status.

A :class:`Problem` is made once, where a failure is first understood (from the
layer's own exception by :func:`problem_of`, or directly), and then carried as it
is to every place a person or a script sees it: the CLI's line and exit code, the
job row and the document row (``error_kind``, ``error_vi``, ``error``), and the
API's error body. Nothing downstream parses a reason back out of a text.

``kind`` is the stable machine code (``low_resolution``, ``corrupt``,
``invalid_dossier_code``…); :data:`KINDS` maps each kind to its exit code and
HTTP status, the one table both faces (CLI and API) use.
"""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import Any

from sohoa.ocr.errors import InputRejected, Reason, ToolMissing
from sohoa.storage.codes import DossierCodeError
from sohoa.storage.errors import (
    BadReference,
    ChecksumMismatch,
    ObjectNotFound,
    RetentionRefused,
    StorageError,
    StorageUnavailable,
)


class ExitCode(IntEnum):
    """Documented exit codes (also in the README); scripts at the counter rely on them."""

    OK = 0
    #: A bug: please report it with the log.
    UNEXPECTED = 1
    #: Wrong command line or invalid dossier code.
    USAGE = 2
    #: The input cannot be digitised: empty, corrupt, encrypted, unsupported,
    #: too big or too many pages.
    BAD_INPUT = 3
    #: The scan is below the minimum resolution (spec §3): rescan.
    LOW_RESOLUTION = 4
    #: OCR or PDF/A validation failed; nothing was stored.
    PROCESSING_FAILED = 5
    #: Object store or catalog unreachable, or a checksum did not match.
    STORAGE = 6
    #: The dossier or document asked for does not exist.
    NOT_FOUND = 7
    #: A required program or language pack is not installed.
    MISSING_DEPENDENCY = 8
    #: The sheets the clerk fed and the pages scanned disagree (spec §2a); the document
    #: WAS stored: check the pile and rescan if pages are missing.
    RECONCILE_MISMATCH = 9
    #: The scanner could not be found or failed during `sohoa scan`; nothing was stored.
    SCANNER = 10
    #: Refused by a keeping rule (`sohoa delete`): retention not ended (revoked or not),
    #: the document still used by another dossier's attached document, or a job under way.
    REFUSED = 11
    #: Interrupted (Ctrl-C); nothing half-written remains.
    INTERRUPTED = 130


#: kind → (exit code, HTTP status). Kinds not listed fall back on their exit code's row.
KINDS: dict[str, tuple[ExitCode, int]] = {
    Reason.EMPTY.value: (ExitCode.BAD_INPUT, 422),
    Reason.UNSUPPORTED.value: (ExitCode.BAD_INPUT, 415),
    Reason.CORRUPT.value: (ExitCode.BAD_INPUT, 422),
    Reason.ENCRYPTED.value: (ExitCode.BAD_INPUT, 422),
    Reason.BOMB.value: (ExitCode.BAD_INPUT, 422),
    Reason.TOO_MANY_PAGES.value: (ExitCode.BAD_INPUT, 422),
    Reason.LOW_RESOLUTION.value: (ExitCode.LOW_RESOLUTION, 422),
    Reason.OCR_FAILED.value: (ExitCode.PROCESSING_FAILED, 500),
    Reason.PDFA_INVALID.value: (ExitCode.PROCESSING_FAILED, 500),
    Reason.FILE_NOT_FOUND.value: (ExitCode.BAD_INPUT, 422),
    Reason.IS_DIRECTORY.value: (ExitCode.BAD_INPUT, 422),
    Reason.NOT_REGULAR_FILE.value: (ExitCode.BAD_INPUT, 422),
    Reason.OFFICE_DOCUMENT.value: (ExitCode.BAD_INPUT, 415),
    Reason.TOO_SMALL.value: (ExitCode.BAD_INPUT, 422),
    "invalid_dossier_code": (ExitCode.USAGE, 400),
    "usage": (ExitCode.USAGE, 400),
    "processing_failed": (ExitCode.PROCESSING_FAILED, 500),
    "storage": (ExitCode.STORAGE, 503),
    "not_found": (ExitCode.NOT_FOUND, 404),
    "missing_dependency": (ExitCode.MISSING_DEPENDENCY, 503),
    "scanner": (ExitCode.SCANNER, 503),
    "retention_refused": (ExitCode.REFUSED, 409),
    "internal_error": (ExitCode.UNEXPECTED, 500),
}

#: Kinds that say the source itself can never be digitised as it is: its document row
#: ends "rejected" and gives its number back. Any other failure leaves it "failed".
REJECTED_KINDS = frozenset(
    {r.value for r in Reason if r not in (Reason.OCR_FAILED, Reason.PDFA_INVALID)}
    | {"invalid_dossier_code"}
)


class Problem(Exception):
    """A failure as people and scripts see it; raised, stored and answered unchanged."""

    def __init__(
        self,
        kind: str,
        message_vi: str,
        message_en: str,
        exit_code: int | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message_en)
        default_exit, default_http = KINDS.get(kind, (ExitCode.PROCESSING_FAILED, 500))
        self.kind = kind
        self.message_vi = message_vi
        self.message_en = message_en
        self.exit_code = ExitCode(exit_code if exit_code is not None else default_exit)
        self.http_status = http_status if http_status is not None else default_http

    def __reduce__(self) -> tuple[type[Problem], tuple[str, str, str, int, int]]:
        # Crosses process pools and queues: pickle by fields, not by message.
        return (type(self), self.fields())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        return f"Problem({self.kind!r}, exit={int(self.exit_code)}, http={self.http_status})"

    def fields(self) -> tuple[str, str, str, int, int]:
        return (self.kind, self.message_vi, self.message_en, int(self.exit_code), self.http_status)

    @property
    def rejected(self) -> bool:
        """The source can never be digitised as it is (its row ends "rejected")."""
        return self.kind in REJECTED_KINDS

    @property
    def vi(self) -> str:
        return self.message_vi

    @property
    def en(self) -> str:
        return self.message_en

    def message(self, lang: str) -> str:
        return self.message_vi if lang == "vi" else self.message_en

    def to_json(self) -> dict[str, Any]:
        """The API's error body: ``{"code", "message_vi", "message_en"}``."""
        return {"code": self.kind, "message_vi": self.message_vi, "message_en": self.message_en}


#: A document stopped part-way by Ctrl-C or SIGTERM: its row ends "failed" with this reason
#: (here, not in workers.lifecycle, so that `sohoa show` and `get`, which settle rows a dead
#: run left, do not import the OCR path with the lifecycle).
INTERRUPTED = Problem(
    "interrupted",
    "đã dừng giữa chừng (bị ngắt hoặc dịch vụ bị dừng); không có gì được lưu, hãy xử lý lại tệp",
    "stopped part-way (interrupted or the service was stopped); nothing was stored, "
    "process the file again",
    exit_code=130,
)


def problem(exit_code: ExitCode, message_vi: str, message_en: str, kind: str = "") -> Problem:
    """A face's own refusal (a wrong option, an unknown job): its kind from its exit code."""
    return Problem(kind or _KIND_OF_EXIT.get(exit_code, "usage"), message_vi, message_en, exit_code)


_KIND_OF_EXIT = {
    ExitCode.UNEXPECTED: "internal_error",
    ExitCode.USAGE: "usage",
    ExitCode.BAD_INPUT: "unsupported",
    ExitCode.LOW_RESOLUTION: "low_resolution",
    ExitCode.PROCESSING_FAILED: "processing_failed",
    ExitCode.STORAGE: "storage",
    ExitCode.NOT_FOUND: "not_found",
    ExitCode.MISSING_DEPENDENCY: "missing_dependency",
    ExitCode.RECONCILE_MISMATCH: "sheets_mismatch",
    ExitCode.SCANNER: "scanner",
    ExitCode.REFUSED: "retention_refused",
}


def problem_of(error: BaseException) -> Problem | None:
    """The Problem for an error of the lower layers, or None for an unexpected one (a bug)."""
    if isinstance(error, Problem):
        return error
    if isinstance(error, InputRejected):
        return Problem(error.reason.value, error.message_vi, error.message_en)
    if isinstance(error, DossierCodeError):
        return Problem(
            "invalid_dossier_code",
            f"Mã hồ sơ không hợp lệ: {error.message_vi}",
            f"Invalid dossier code: {error}",
        )
    if isinstance(error, ToolMissing):
        return Problem("missing_dependency", f"Thiếu phần mềm: {error}", f"Missing: {error}")
    return _storage_problem(error)


def _storage_problem(error: BaseException) -> Problem | None:
    if isinstance(error, BadReference):
        return Problem(
            "usage", f"Tham chiếu hoặc địa chỉ không hợp lệ: {error}", f"Invalid value: {error}"
        )
    if isinstance(error, ObjectNotFound):
        return Problem(
            "not_found",
            f"Không tìm thấy tệp trong kho lưu trữ: {error}",
            f"Object not found in the store: {error}",
        )
    if isinstance(error, ChecksumMismatch):
        return Problem(
            "storage",
            f"Sai mã kiểm tra (SHA-256), tệp có thể bị hỏng: {error}",
            f"Checksum mismatch, the file may be corrupted: {error}",
        )
    if isinstance(error, RetentionRefused):
        return Problem(
            "retention_refused",
            f"Không xóa được: {error.message_vi}",
            f"Not deleted: {error.message_en}",
        )
    if isinstance(error, StorageUnavailable):
        return Problem(
            "storage",
            f"Không kết nối được kho lưu trữ: {error}",
            f"Object store unavailable: {error}",
        )
    if isinstance(error, StorageError):
        return Problem("storage", f"Lỗi lưu trữ: {error}", f"Storage error: {error}")
    return _catalog_problem(error)


def _catalog_problem(error: BaseException) -> Problem | None:
    """The catalog database unreachable. Only looked for once SQLAlchemy is loaded (no
    error of it can exist before): importing it here would cost every command, even
    `sohoa ocr` and `--help`, a sixth of a CPU second."""
    if "sqlalchemy.exc" not in sys.modules:
        return None
    import sqlalchemy.exc

    if isinstance(error, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
        # The driver's own words (no password in them), without SQLAlchemy's SQL and links.
        detail = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        return Problem(
            "storage",
            f"Không kết nối được cơ sở dữ liệu danh mục: {detail}; kiểm tra SOHOA_DATABASE_URL "
            "và máy chủ cơ sở dữ liệu có đang chạy không",
            f"Catalog database unavailable: {detail}; check SOHOA_DATABASE_URL and that the "
            "database server is running",
        )
    return None


def unexpected(error: BaseException) -> Problem:
    """A bug, as the clerk sees it: nothing about its internals, a pointer to the log."""
    return Problem(
        "internal_error",
        "Lỗi không mong đợi; hãy báo quản trị kèm mã công việc hoặc thời điểm",
        f"Unexpected error ({type(error).__name__}); report it to the administrator "
        "with the job id or the time it happened",
    )


def problem_or_unexpected(error: BaseException) -> Problem:
    """Every error as a Problem: the known ones as they are, anything else as a bug."""
    return problem_of(error) or unexpected(error)
