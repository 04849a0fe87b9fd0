"""The report as JSON, CSV and XLSX, with Vietnamese headers (what an office files or prints).

The report holds counts and rates only: no personal data ever reaches an export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sohoa.clock import vietnam_time
from sohoa.register.report import Figures, Indicator, Report
from sohoa.storage.permissions import open_private

HEADERS = [
    "Mã",
    "Tên",
    "Tổng số hồ sơ tiếp nhận",
    "Số hồ sơ được số hóa",
    "Tỷ lệ số hóa hồ sơ (%)",
    "Điểm số hóa hồ sơ",
    "Số hồ sơ có kết quả giấy",
    "Số kết quả được số hóa",
    "Tỷ lệ kết quả điện tử (%)",
    "Điểm kết quả điện tử",
    "Số hồ sơ tái sử dụng",
    "Tỷ lệ tái sử dụng (%)",
    "Điểm tái sử dụng",
]
SECTIONS = (
    ("total", "Tổng hợp"),
    ("by_unit", "Theo đơn vị"),
    ("by_procedure", "Theo thủ tục"),
    ("by_month", "Theo tháng"),
    ("trend", "Xu hướng 12 tháng"),
)
NOT_APPLICABLE = "N/A"


def report_json(report: Report) -> dict[str, Any]:
    """Plain JSON: dates ISO, rates and points as strings with 2 decimals (or null = N/A)."""
    plain: dict[str, Any] = _plain(asdict(report))
    return plain


def row_of(figures: Figures) -> list[Any]:
    """One table row under :data:`HEADERS`."""
    return [
        figures.key,
        figures.label,
        figures.counts.received,
        figures.digitisation.numerator,
        *_rate_points(figures.digitisation),
        figures.electronic_result.denominator,
        figures.electronic_result.numerator,
        *_rate_points(figures.electronic_result),
        figures.reuse.numerator,
        *_rate_points(figures.reuse),
    ]


def sections(report: Report) -> Iterator[tuple[str, list[Figures]]]:
    for attribute, title in SECTIONS:
        value = getattr(report, attribute)
        yield title, [value] if isinstance(value, Figures) else list(value)


def title_lines(report: Report) -> list[str]:
    made = vietnam_time(report.generated_at).strftime("%d/%m/%Y %H:%M")
    return [
        "Báo cáo số hóa hồ sơ, kết quả giải quyết TTHC (QĐ 766/QĐ-TTg)",
        f"Đơn vị: {report.unit_name} ({report.unit})",
        f"Kỳ báo cáo: {report.start:%d/%m/%Y} - {report.end:%d/%m/%Y} (theo ngày tiếp nhận)",
        f"Ngày lập: {made}",
    ]


def write_csv(report: Report, path: Path) -> None:
    """One CSV (UTF-8 with BOM, for Excel): each section under its own title line."""
    with open_private(path) as handle:
        handle.write(csv_bytes(report))


def csv_bytes(report: Report) -> bytes:
    """What :func:`write_csv` writes (the web page's download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in title_lines(report):
        writer.writerow([line])
    for title, rows in sections(report):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(HEADERS)
        writer.writerows(row_of(f) for f in rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(report: Report, path: Path) -> None:
    """One sheet per section; the first carries the agency, period and date."""
    with open_private(path) as handle:
        handle.write(xlsx_bytes(report))


def xlsx_bytes(report: Report) -> bytes:
    """What :func:`write_xlsx` writes (the web page's download)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for index, (title, rows) in enumerate(sections(report)):
        sheet = book.create_sheet(title[:31])
        if index == 0:
            for line in title_lines(report):
                sheet.append([line])
            sheet.append([])
        sheet.append(HEADERS)
        for figures in rows:
            sheet.append([_excel(v) for v in row_of(figures)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rate_points(indicator: Indicator) -> list[Any]:
    if indicator.rate is None:
        return [NOT_APPLICABLE, NOT_APPLICABLE]
    return [indicator.rate, indicator.points]


def _excel(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
