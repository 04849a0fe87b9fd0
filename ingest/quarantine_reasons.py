"""Why a scan went to quarantine and what the clerk can do about it, in Vietnamese and English.

The texts of the errors themselves are reused (InputRejected, DossierCodeError,
CodeNotFound); this adds the stable reason code and the way out, which always
ends in ``sohoa quarantine retry``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sohoa.ingest.code_sources import CodeNotFound
from sohoa.ocr.errors import InputRejected
from sohoa.storage.codes import DossierCodeError
from sohoa.workers.problems import Problem, problem_or_unexpected

RETRY = "sohoa quarantine retry {name}"


@dataclass(frozen=True)
class Why:
    """A reason in both languages; ``fix_*`` may contain ``{name}`` (the quarantined file)."""

    reason: str
    message_vi: str
    message_en: str
    fix_vi: str
    fix_en: str

    def named(self, name: str) -> Why:
        return Why(
            self.reason,
            self.message_vi,
            self.message_en,
            self.fix_vi.replace("{name}", name),
            self.fix_en.replace("{name}", name),
        )


def why_rejected(error: BaseException) -> Why | None:
    """The reason for the errors that are about the file itself; None for any other error."""
    if isinstance(error, InputRejected):
        error = problem_or_unexpected(error)
    if isinstance(error, Problem) and error.rejected and error.kind != "invalid_dossier_code":
        return Why(
            error.kind,
            error.message_vi,
            error.message_en,
            f"Sửa hoặc quét lại rồi đặt vào thư mục quét; nếu tệp đã ổn: {RETRY}",
            f"Fix or rescan it and drop it into the hot folder again; if it is fine now: {RETRY}",
        )
    if isinstance(error, DossierCodeError):
        return Why(
            "invalid_dossier_code",  # the same kind the API, the job and the row carry
            f"Mã hồ sơ không hợp lệ: {error.message_vi}",
            f"Invalid dossier code: {error}",
            f"Kiểm tra giấy tờ (mã QR in sai?), rồi chạy: {RETRY} --case <mã hồ sơ đúng>",
            f"Check the paper (misprinted QR code?), then run: {RETRY} --case <correct code>",
        )
    if isinstance(error, CodeNotFound):
        return Why(
            "no_code",
            error.message_vi[:1].upper() + error.message_vi[1:],
            error.message_en[:1].upper() + error.message_en[1:],
            f"Chạy: {RETRY} --case <mã hồ sơ>, hoặc đặt mã hồ sơ vào tên tệp và quét lại",
            f"Run: {RETRY} --case <dossier code>, or put the code in the file name and rescan",
        )
    return None


def why_failed(reason: str, message_vi: str, message_en: str) -> Why:
    """Any other failure that should not be retried on its own (e.g. an unexpected error)."""
    return Why(
        reason,
        message_vi,
        message_en,
        f"Báo quản trị hệ thống; sau khi khắc phục: {RETRY}",
        f"Report it to the administrator; once fixed: {RETRY}",
    )
