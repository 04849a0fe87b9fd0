"""Why a source cannot be digitised, in words a clerk can act on.

Every rejection names the file, says what is wrong and what to do, in Vietnamese
(for the counter) and English (for logs and integrators). The faces map each
reason to an exit code; nothing here knows about the CLI.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class Reason(StrEnum):
    """Machine-readable reasons a source is rejected (stable: used in reports and APIs)."""

    EMPTY = "empty"
    UNSUPPORTED = "unsupported"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    BOMB = "bomb"
    TOO_MANY_PAGES = "too_many_pages"
    LOW_RESOLUTION = "low_resolution"
    OCR_FAILED = "ocr_failed"
    PDFA_INVALID = "pdfa_invalid"
    FILE_NOT_FOUND = "file_not_found"
    IS_DIRECTORY = "is_directory"
    NOT_REGULAR_FILE = "not_regular_file"
    OFFICE_DOCUMENT = "office_document"
    TOO_SMALL = "too_small"


_TEXTS: dict[Reason, tuple[str, str]] = {
    Reason.EMPTY: (
        "tệp rỗng hoặc không có trang nào; hãy quét lại",
        "the file is empty or has no pages; scan it again",
    ),
    Reason.UNSUPPORTED: (
        "định dạng không được hỗ trợ; hãy quét ra PDF, TIFF, JPEG hoặc PNG",
        "unsupported content; scan to PDF, TIFF, JPEG or PNG",
    ),
    Reason.CORRUPT: (
        "tệp bị hỏng hoặc chưa ghi xong; hãy quét hoặc sao chép lại",
        "the file is damaged or incomplete; scan or copy it again",
    ),
    Reason.ENCRYPTED: (
        "tệp PDF được đặt mật khẩu; hãy gửi bản không mật khẩu",
        "the PDF is password-protected; provide an unprotected copy",
    ),
    Reason.BOMB: (
        "ảnh quá lớn, có thể là tệp độc hại; hãy quét lại với độ phân giải thông thường",
        "the image is too large (possible decompression bomb); rescan at a normal resolution",
    ),
    Reason.TOO_MANY_PAGES: (
        "quá nhiều trang; hãy tách tệp hoặc tăng giới hạn SOHOA_MAX_PAGES",
        "too many pages; split the file or raise SOHOA_MAX_PAGES",
    ),
    Reason.LOW_RESOLUTION: (
        "độ phân giải thấp hơn mức tối thiểu; hãy quét lại ở 200 dpi trở lên "
        "(300 dpi cho hồ sơ lưu lâu dài)",
        "resolution below the minimum; rescan at 200 dpi or more (300 dpi for long retention)",
    ),
    Reason.OCR_FAILED: (
        "không nhận dạng được chữ; hãy thử lại, nếu vẫn lỗi hãy báo quản trị",
        "text recognition failed; retry, and report to the administrator if it persists",
    ),
    Reason.PDFA_INVALID: (
        "không tạo được PDF/A hợp lệ; tệp không được lưu, hãy báo quản trị",
        "could not produce a valid PDF/A; nothing was stored, report to the administrator",
    ),
    Reason.FILE_NOT_FOUND: (
        "không tìm thấy tệp; hãy kiểm tra tên và thư mục của tệp",
        "file not found; check the file's name and folder",
    ),
    Reason.IS_DIRECTORY: (
        "đây là một thư mục, không phải tệp; hãy chọn các tệp quét trong thư mục "
        "(hoặc dùng sohoa batch cho cả thư mục)",
        "this is a folder, not a file; choose the scans inside it (or use sohoa batch "
        "for a whole folder)",
    ),
    Reason.NOT_REGULAR_FILE: (
        "không phải tệp thông thường (ống dẫn, thiết bị hoặc socket); hãy lưu bản quét "
        "thành tệp rồi gửi lại",
        "not a regular file (a pipe, device or socket); save the scan to a file and submit that",
    ),
    Reason.OFFICE_DOCUMENT: (
        "đây là tài liệu văn phòng (Word, Excel, PowerPoint hoặc OpenDocument); hãy xuất "
        "tệp ra PDF (Tệp → Xuất ra PDF) rồi gửi lại",
        "this is an office document (Word, Excel, PowerPoint or OpenDocument); export it "
        "as PDF (File → Export as PDF) and submit the PDF",
    ),
    Reason.TOO_SMALL: (
        "trang quá nhỏ để là một trang giấy được quét (mẩu cắt hoặc dải ảnh); "
        "hãy quét cả trang giấy",
        "the page is too small to be a scanned sheet (a crop or a strip); scan the whole sheet",
    ),
}


class InputRejected(Exception):
    """A source file sohoa will not digitise; nothing was stored for it."""

    def __init__(self, reason: Reason, path: Path | str, detail: str = "") -> None:
        self.reason = reason
        self.path = Path(path)
        self.detail = detail
        super().__init__(self.message_en)

    def __reduce__(self) -> tuple[type[InputRejected], tuple[Reason, Path, str]]:
        # Raised in page worker processes: must survive pickling back to the parent
        # (the default would call __init__ with the message only and break the pool).
        return (type(self), (self.reason, self.path, self.detail))

    @property
    def message_vi(self) -> str:
        return self._format(_TEXTS[self.reason][0])

    @property
    def message_en(self) -> str:
        return self._format(_TEXTS[self.reason][1])

    def _format(self, text: str) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.path.name}: {text}{detail}"


class ToolMissing(Exception):
    """An external program (tesseract, a language pack) is not installed."""
