"""The printable report: a PDF with the agency, the period, the date and the three rates.

Drawn with fpdf2 (pure Python, on PyPI) in DejaVu Sans, embedded and subset, since
PDF's standard fonts have no Vietnamese letters; Debian's fonts-dejavu-core
(scripts/install.sh) provides the font files. Counts and rates only: no personal data.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from sohoa.register.export import HEADERS, NOT_APPLICABLE, row_of, sections, title_lines
from sohoa.register.report import Figures, Indicator, Report

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
#: Short column titles for the printed tables (the XLSX/CSV keep the long ones).
COLUMNS = (
    ("Mã", 34),
    ("Tên", 60),
    ("Tiếp nhận", 20),
    ("Số hóa", 18),
    ("Tỷ lệ (%)", 19),
    ("Điểm", 14),
    ("KQ giấy", 18),
    ("KQ số hóa", 19),
    ("Tỷ lệ (%)", 19),
    ("Điểm", 14),
    ("Tái sử dụng", 21),
    ("Tỷ lệ (%)", 19),
    ("Điểm", 14),
)
assert len(COLUMNS) == len(HEADERS)


def report_pdf(report: Report) -> bytes:
    """A4 landscape: the title block, the three indicators, then each breakdown as a table."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title("Báo cáo số hóa hồ sơ")
    pdf.set_creator("sohoa")
    pdf.add_font("DejaVu", "", str(DEJAVU / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(DEJAVU / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    title, *lines = title_lines(report)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _indicators(pdf, report.total)
    for name, rows in sections(report):
        if name == "Tổng hợp" or not rows:
            continue
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, name, new_x="LMARGIN", new_y="NEXT")
        _table(pdf, rows)
    return bytes(pdf.output())


def _indicators(pdf: FPDF, total: Figures) -> None:
    pdf.set_font("DejaVu", "", 10)
    for label, value in (
        ("Tỷ lệ số hóa hồ sơ", total.digitisation),
        ("Tỷ lệ kết quả điện tử", total.electronic_result),
        ("Tỷ lệ tái sử dụng", total.reuse),
    ):
        pdf.cell(0, 6, f"{label}: {_sentence(value)}", new_x="LMARGIN", new_y="NEXT")


def _sentence(value: Indicator) -> str:
    if value.rate is None:
        return f"{value.numerator}/0 — {NOT_APPLICABLE}"
    return f"{value.numerator}/{value.denominator} = {value.rate}% — {value.points} điểm"


def _table(pdf: FPDF, rows: list[Figures]) -> None:
    pdf.set_font("DejaVu", "", 7.5)
    widths = tuple(width for _, width in COLUMNS)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.2) as table:
        header = table.row()
        for title, _ in COLUMNS:
            header.cell(title)
        for figures in rows:
            line = table.row()
            for value in row_of(figures):
                line.cell(str(value))
