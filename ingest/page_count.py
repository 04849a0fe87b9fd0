"""Spec §2a at the counter: the sheets the clerk fed against the pages the scanner delivered.

Pure arithmetic, no I/O: the commands gather the counts, this says whether they agree
and words the warning. A mismatch never blocks storage (nothing is lost); the clerk
looks at the pile and decides.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageCounts:
    """What the pipeline found for the whole pile (all files of one command)."""

    #: Images delivered by the scanner (before anything is dropped).
    input_pages: int
    #: Pages kept in the stored documents.
    content_pages: int
    #: Empty back sides dropped (kept recoverable beside the document).
    blank_backs_dropped: int
    #: Separator/cover sheets removed (batch mode; 0 at the counter).
    separators_removed: int = 0


@dataclass(frozen=True)
class Reconciliation:
    sheets: int
    duplex: bool
    counts: PageCounts

    @property
    def expected_input_pages(self) -> int:
        """Both sides of every sheet for a duplex scan, one side for a simplex one."""
        return self.sheets * 2 if self.duplex else self.sheets

    @property
    def accounted(self) -> bool:
        """Every input page is either content, a dropped blank back or a removed separator."""
        c = self.counts
        removed = c.blank_backs_dropped + c.separators_removed
        return c.content_pages <= c.input_pages and c.content_pages + removed == c.input_pages

    @property
    def matches(self) -> bool:
        return self.counts.input_pages == self.expected_input_pages and self.accounted

    def summary(self, lang: str) -> str:
        """One line with every count, in the clerk's language."""
        c = self.counts
        if lang == "vi":
            sides = "hai mặt" if self.duplex else "một mặt"
            return (
                f"Đối chiếu: {self.sheets} tờ ({sides}) -> {c.input_pages} trang quét, "
                f"{c.blank_backs_dropped} trang trống bị loại, {c.separators_removed} tờ phân cách "
                f"bị bỏ, {c.content_pages} trang nội dung"
            )
        sides = "duplex" if self.duplex else "simplex"
        return (
            f"Reconciliation: {self.sheets} sheets ({sides}) -> {c.input_pages} pages scanned, "
            f"{c.blank_backs_dropped} blank backs dropped, {c.separators_removed} separators "
            f"removed, {c.content_pages} content pages"
        )

    def warning(self, lang: str) -> str:
        """What is wrong and what to do; empty when the counts agree."""
        if self.matches:
            return ""
        c, want = self.counts, self.expected_input_pages
        if lang == "vi":
            sides = f"{self.sheets} tờ x 2 mặt" if self.duplex else f"{self.sheets} tờ x 1 mặt"
            return (
                f"Số trang không khớp: đã nạp {sides} = {want} trang nhưng máy quét cho "
                f"{c.input_pages} trang. Tài liệu vẫn đã được lưu; hãy đếm lại tờ, kiểm tra "
                "tờ bị kẹp hoặc dính nhau, rồi quét lại nếu thiếu."
            )
        sides = f"{self.sheets} sheets x 2 sides" if self.duplex else f"{self.sheets} sheets"
        return (
            f"Page count mismatch: fed {sides} = {want} pages but the scanner delivered "
            f"{c.input_pages}. The document was stored anyway; recount the sheets, check for "
            "jammed or stuck-together sheets, and rescan if pages are missing."
        )


def compare_sheets(sheets: int, duplex: bool, counts: PageCounts) -> Reconciliation:
    """Compare; raises ValueError for a count no clerk can have fed."""
    if sheets < 1:
        raise ValueError(f"sheets must be at least 1, got {sheets}")
    return Reconciliation(sheets=sheets, duplex=duplex, counts=counts)
