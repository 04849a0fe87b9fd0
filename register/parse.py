"""One register row, checked: the values of a dossier, or the reason it is refused.

Every refusal names the field and the value's problem in Vietnamese and English,
so the error file tells the office what to fix in its own system.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sohoa.register.fields import fold
from sohoa.storage.codes import DossierCodeError, parse_dossier_code

#: mã TTHC (spec §5), optionally with the localised suffix (``1.001612.000.00.00.H48``).
PROCEDURE_CODE = re.compile(r"^[1-3]\.\d{6}(?:\.[0-9A-Z]+)*$")
#: Agency code (QĐ 20/2020): up to 35 of 0-9 A-Z and '.'.
AGENCY_CODE = re.compile(r"^[0-9A-Z][0-9A-Z.]{0,34}$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_CHANNELS = {
    "1": 1, "tructiep": 1, "taiquay": 1, "counter": 1,
    "2": 2, "tructuyen": 2, "online": 2,
    "3": 3, "buuchinh": 3, "buuchinhcongich": 3, "postal": 3,
}  # fmt: skip
_TRUE = {"1", "co", "x", "true", "yes", "dung"}
_FALSE = {"", "0", "khong", "false", "no", "sai"}
_LABELS = {
    "code": ("mã hồ sơ", "dossier code"),
    "procedure_code": ("mã TTHC", "procedure code"),
    "unit_code": ("mã đơn vị", "unit code"),
    "received_on": ("ngày tiếp nhận", "reception date"),
    "channel": ("kênh thực hiện", "channel"),
    "due_on": ("ngày hẹn trả", "due date"),
    "result_on": ("ngày trả kết quả", "result date"),
    "paper_result": ("có kết quả giấy", "paper result"),
    "online_digitised": ("được số hóa", "digitised online"),
    "online_reused": ("được tái sử dụng", "reused online"),
}
_TEXT_LIMITS = {
    "procedure_name": 4000,
    "field": 255,
    "status": 255,
    "applicant_name": 255,
    "clerk": 128,
}

#: Fields few exports carry: a file or push without the column leaves the register's value.
_KEPT_WHEN_ABSENT = frozenset({"clerk"})


@dataclass(frozen=True)
class RowProblem(Exception):
    """Why one row is refused; ``row`` is its number in the file (the header is row 1)."""

    row: int
    reason_vi: str
    reason_en: str


def parse_row(row: int, cells: Mapping[str, Any], keep_applicant: bool) -> dict[str, Any]:
    """The row's values as the ``dossiers`` table stores them, or :class:`RowProblem`.

    ``cells`` maps field names to the raw cell values (str, or the date/number an
    XLSX cell holds). The unit defaults to the code's agency part and the
    reception date to the code's date, which is what the code encodes anyway.
    """
    try:
        code = parse_dossier_code(_text(cells.get("code")))
    except DossierCodeError as error:
        raise RowProblem(row, f"mã hồ sơ {error.message_vi}", f"dossier code {error}") from None
    values: dict[str, Any] = {"code": code.value}
    values["procedure_code"] = _procedure(row, cells.get("procedure_code"))
    values["unit_code"] = _unit(row, cells.get("unit_code")) or code.agency
    values["received_on"] = _date(row, "received_on", cells.get("received_on")) or code.received
    values["channel"] = _channel(row, cells.get("channel"))
    values["due_on"] = _date(row, "due_on", cells.get("due_on"))
    values["result_on"] = _date(row, "result_on", cells.get("result_on"))
    values["paper_result"] = bool(_flag(row, "paper_result", cells.get("paper_result")))
    values["online_digitised"] = _flag(row, "online_digitised", cells.get("online_digitised"))
    values["online_reused"] = _flag(row, "online_reused", cells.get("online_reused"))
    for field, limit in _TEXT_LIMITS.items():
        if field in cells or field not in _KEPT_WHEN_ABSENT:
            values[field] = _text(cells.get(field))[:limit] or None
    if not keep_applicant:
        values["applicant_name"] = None
    return values


def parse_date(text: str) -> date | None:
    """``dd/mm/yyyy`` (a time may follow) or ISO ``yyyy-mm-dd[Thh:mm…]``; None when empty.

    Raises ValueError for anything else, including a date that does not exist (31/02).
    """
    text = text.strip()
    if not text:
        return None
    if match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
        return date(year, month, day)
    raise ValueError(f"not a date: {text!r}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _procedure(row: int, value: Any) -> str:
    text = _text(value).upper()
    if not PROCEDURE_CODE.match(text):
        raise _bad(row, "procedure_code", text, "cần dạng 1.001612", "expected e.g. 1.001612")
    return text


def _unit(row: int, value: Any) -> str | None:
    text = _text(value).upper()
    if text and not AGENCY_CODE.match(text):
        raise _bad(row, "unit_code", text, "chỉ gồm 0-9, A-Z và '.'", "only 0-9, A-Z and '.'")
    return text or None


def _date(row: int, field: str, value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        return parse_date(text)
    except ValueError:
        raise _bad(
            row,
            field,
            text,
            "không phải ngày hợp lệ (dd/mm/yyyy)",
            "is not a real date (dd/mm/yyyy)",
        ) from None


def _channel(row: int, value: Any) -> int:
    channel = _CHANNELS.get(fold(_text(value)))
    if channel is None:
        raise _bad(
            row, "channel", _text(value),
            "cần 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính)",
            "expected 1 (counter), 2 (online) or 3 (postal)",
        )  # fmt: skip
    return channel


def _flag(row: int, field: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    key = fold(_text(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False if key else None
    raise _bad(row, field, _text(value), "cần 1 hoặc 0", "expected 1 or 0")


def _bad(row: int, field: str, value: str, why_vi: str, why_en: str) -> RowProblem:
    label_vi, label_en = _LABELS[field]
    shown = value[:60] if value else ""
    if not shown:
        return RowProblem(row, f"thiếu {label_vi}", f"{label_en} is missing")
    return RowProblem(row, f"{label_vi} '{shown}' {why_vi}", f"{label_en} '{shown}' {why_en}")
