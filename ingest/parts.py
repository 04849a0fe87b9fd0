"""Decide which pages of a backlog scan go to which dossier, from its separator sheets.

Pure bookkeeping, no images: the input is what ingest.separators said about
each page. Every page ends up in exactly one place — a part filed under a
dossier, a part that cannot be filed (with the reason), or a removed separator —
so nothing is ever dropped silently (spec §2a/§2c).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sohoa.ingest.separators import PageCodes
from sohoa.ingest.split import PageRange

NO_LEADING_CODE = (
    "các trang trước phiếu phân tách đầu tiên không có mã hồ sơ; "
    "hãy chỉ định --case hoặc ghi mã hồ sơ vào tên tệp",
    "the pages before the first separator sheet have no dossier code; "
    "give --case or put the dossier code in the file name",
)
EMPTY_PART = (
    "phiếu phân tách không có trang nào theo sau; hãy kiểm tra lại bản quét",
    "no pages follow this separator sheet; check the scan",
)


@dataclass(frozen=True)
class Separator:
    """A separator sheet that is removed from the output, and what it said."""

    page: int
    codes: PageCodes
    #: The sheet's blank back side (duplex scans), removed with it; None if it had none.
    back: int | None = None


@dataclass(frozen=True)
class PlannedPart:
    """A run of consecutive pages for one dossier, or the reason it cannot be filed."""

    pages: PageRange | None
    code: str | None
    #: The separator that started the part (None for pages before the first one).
    separator: Separator | None = None
    #: (Vietnamese, English) reason when the part must not be filed.
    problem: tuple[str, str] | None = None


def plan_parts(pages: Sequence[PageCodes], leading_code: str | None) -> list[PlannedPart]:
    """Split the pages at separators; ``leading_code`` files the pages before the first one."""
    parts: list[PlannedPart] = []
    start, current = 1, _leading(leading_code)
    for number, page in enumerate(pages, start=1):
        if page.separator_back:  # right after its sheet: the part starts after it
            start = number + 1
            continue
        if not page.separator:
            continue
        parts.extend(_close(current, start, number - 1))
        current = _opened_by(Separator(number, page))
        start = number + 1
    parts.extend(_close(current, start, len(pages)))
    return parts


def separators(pages: Sequence[PageCodes]) -> list[Separator]:
    """The separator sheets, in page order, each with its blank back if it was removed too."""
    return [
        Separator(n, p, n + 1 if n < len(pages) and pages[n].separator_back else None)
        for n, p in enumerate(pages, start=1)
        if p.separator
    ]


def _leading(code: str | None) -> PlannedPart:
    return PlannedPart(None, code, problem=None if code else NO_LEADING_CODE)


def _opened_by(separator: Separator) -> PlannedPart:
    codes = separator.codes
    problem = None if codes.code else codes.explain()
    return PlannedPart(None, codes.code, separator, problem)


def _close(part: PlannedPart, first: int, last: int) -> list[PlannedPart]:
    """The part with its pages; pages before the first separator may be none at all."""
    if last < first:
        if part.separator is None:
            return []
        return [PlannedPart(None, part.code, part.separator, part.problem or EMPTY_PART)]
    return [PlannedPart(PageRange(first, last), part.code, part.separator, part.problem)]
