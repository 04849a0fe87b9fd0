"""The batch report: one row per source file, per removed separator and per dossier part.

Written as CSV (for the archivist's spreadsheet; UTF-8 with a BOM so Excel shows
Vietnamese correctly) and JSON (for scripts), each atomically, so a report on
disk is always complete — even the partial one written after Ctrl-C.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Literal

from sohoa.storage.permissions import make_dir, open_private

RowKind = Literal["source", "separator", "part"]
#: source rows: done | error; separator rows: separator; part rows: stored | duplicate | error.
Status = Literal["done", "error", "separator", "stored", "duplicate"]


@dataclass(frozen=True)
class ReportRow:
    source: str
    row: RowKind
    status: Status
    #: Pages of the source this row is about, 1-based ("2-4"); empty when none.
    pages_range: str = ""
    dossier_code: str = ""
    #: ``<code>.<n>`` or ``<code>-KQ<n>`` once filed.
    document: str = ""
    #: Pages in the row's range (for a stored part: pages in, before blank backs are dropped).
    pages: int = 0
    #: Blank backs left out of the document, as page numbers of the source ("3, 5").
    dropped_pages: str = ""
    separators_removed: int = 0
    key: str = ""
    error_vi: str = ""
    error_en: str = ""
    exit_code: int = 0
    #: Name in the quarantine of what could not be filed (`sohoa quarantine retry NAME`).
    quarantine: str = ""

    def error(self, lang: str) -> str:
        return self.error_vi if lang == "vi" else self.error_en


@dataclass(frozen=True)
class Summary:
    stored: int
    duplicates: int
    errors: int
    separators: int

    @classmethod
    def of(cls, rows: Sequence[ReportRow]) -> Summary:
        def count(status: str) -> int:
            return sum(1 for r in rows if r.status == status)

        return cls(count("stored"), count("duplicate"), count("error"), count("separator"))


def report_dir(home: Path, now: datetime) -> Path:
    """``$SOHOA_HOME/reports/batch-<timestamp>``, never one that exists already."""
    base = home / "reports" / f"batch-{now:%Y%m%d-%H%M%S}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def write_report(rows: Sequence[ReportRow], directory: Path) -> tuple[Path, Path]:
    """Write ``report.csv`` and ``report.json`` into ``directory``; returns their paths."""
    make_dir(directory)
    summary = Summary.of(rows)
    data = {"summary": asdict(summary), "rows": [asdict(r) for r in rows]}
    json_path = _atomic(directory / "report.json", json.dumps(data, ensure_ascii=False, indent=1))
    csv_path = _atomic(directory / "report.csv", _csv(rows), encoding="utf-8-sig")
    return csv_path, json_path


def _csv(rows: Sequence[ReportRow]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.name for f in fields(ReportRow)])
    writer.writeheader()
    writer.writerows(asdict(r) for r in rows)
    return buffer.getvalue()


def _atomic(path: Path, text: str, encoding: str = "utf-8") -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    with open_private(tmp) as f:
        f.write(text.encode(encoding))
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    return path
