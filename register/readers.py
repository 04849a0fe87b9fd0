"""Reading the files one-stop systems export: CSV, XLSX and JSON, row by row.

Each reader gives the header row, an estimate of the row count (for the progress
bar) and the data rows numbered as a spreadsheet shows them (header = row 1), so
an error file's row numbers point at the row the office sees. Large files stream:
CSV line by line, XLSX in openpyxl's read-only mode, never the whole sheet in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sohoa.register.errors import RegisterError

#: One data row: (row number in the file, its cells in header order).
Row = tuple[int, list[Any]]


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[Row]
    #: Data rows expected (exact for JSON and CSV without multi-line cells; XLSX's dimension).
    total: int | None


def open_table(path: Path) -> Table:
    """The file's rows, by its extension (.csv, .xlsx, .json); anything else is refused."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise RegisterError(f"không tìm thấy tệp {path.name}", f"no such file: {path.name}")
    if suffix in (".csv", ".txt"):
        return _csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(path)
    if suffix == ".json":
        return _json(path)
    raise RegisterError(
        f"không đọc được loại tệp {suffix or '(không đuôi)'}; cần .csv, .xlsx hoặc .json",
        f"cannot read {suffix or 'files without an extension'}; use .csv, .xlsx or .json",
    )


def _csv(path: Path) -> Table:
    """UTF-8 with or without BOM; the delimiter (``,`` or ``;``) guessed from the header."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
        total = _count_lines(path) - 1
    except UnicodeDecodeError:
        raise RegisterError(
            f"{path.name} không phải UTF-8; hãy xuất lại tệp CSV với mã hóa UTF-8",
            f"{path.name} is not UTF-8; export the CSV again as UTF-8",
        ) from None
    delimiter = ";" if first.count(";") > first.count(",") else ","
    headers = next(csv.reader([first], delimiter=delimiter), [])
    return Table(headers, _csv_rows(path, delimiter), max(total, 0))


def _csv_rows(path: Path, delimiter: str) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield reader.line_num, list(cells)
        except UnicodeDecodeError:
            raise RegisterError(
                f"{path.name} có đoạn không phải UTF-8 (sau dòng {reader.line_num})",
                f"{path.name} is not UTF-8 after line {reader.line_num}",
            ) from None


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _xlsx(path: Path) -> Table:
    """The first sheet, streamed (read-only mode); cells keep their types (dates stay dates)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # zipfile.BadZipFile, KeyError, InvalidFileException…
        raise RegisterError(
            f"không mở được bảng tính {path.name} ({type(error).__name__})",
            f"cannot open the spreadsheet {path.name} ({type(error).__name__})",
        ) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    total = (sheet.max_row - 1) if sheet.max_row else None

    def data() -> Iterator[Row]:
        try:
            for number, cells in enumerate(rows, start=2):
                if any(cell not in (None, "") for cell in cells):
                    yield number, list(cells)
        finally:
            book.close()

    return Table([str(h) if h is not None else "" for h in header], data(), total)


def _json(path: Path) -> Table:
    """A list of objects (or ``{"dossiers": [...]}``); keys are headers or field names."""
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except (OSError, ValueError) as error:
        raise RegisterError(
            f"{path.name} không phải JSON hợp lệ: {error}",
            f"{path.name} is not valid JSON: {error}",
        ) from None
    return records_table(data.get("dossiers") if isinstance(data, dict) else data)


def records_table(records: Any) -> Table:
    """Objects (JSON, an API push) as a table: the union of their keys is the header row."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise RegisterError(
            "dữ liệu JSON phải là một danh sách đối tượng hồ sơ",
            "the JSON must be a list of dossier objects",
        )
    headers: list[str] = []
    for record in records:
        headers.extend(str(k) for k in record if str(k) not in headers)
    rows = ((n, [r.get(h) for h in headers]) for n, r in enumerate(records, start=1))
    return Table(headers, rows, len(records))
