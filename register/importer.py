"""Importing a register file (or an API push): check every row, write the good ones in
batches, refuse the bad ones with their row number and reason, and write those to an
error file the office can fix and send again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sohoa.register.fields import DEFAULT_HEADERS, UNIT_HEADERS, fold, resolve_columns
from sohoa.register.parse import RowProblem, parse_row
from sohoa.register.readers import Table, open_table, records_table
from sohoa.register.units import import_units
from sohoa.register.upsert import BATCH_ROWS, Counts, write_batch
from sohoa.storage.database import SessionSource
from sohoa.storage.permissions import open_private

#: progress(done, total) after each batch.
Progress = Callable[[int, int | None], None]


@dataclass
class Refusal:
    """One refused row: where, why (Vietnamese and English), and its cells as read."""

    row: int
    reason_vi: str
    reason_en: str
    cells: list[Any]


@dataclass
class ImportResult:
    counts: Counts = field(default_factory=Counts)
    refusals: list[Refusal] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    #: The error file written (None when every row was accepted).
    error_file: Path | None = None

    @property
    def complete(self) -> bool:
        return not self.refusals


@dataclass(frozen=True)
class ImportOptions:
    actor: str
    keep_applicant: bool = False
    mapping: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_HEADERS)
    progress: Progress | None = None
    #: A last word on each parsed row (its field values): None admits it, a (vi, en)
    #: reason refuses it like a malformed row (an API key bound to a unit refuses the
    #: rows of other units this way, row by row).
    admit: Callable[[dict[str, Any]], tuple[str, str] | None] | None = None


def import_file(
    source: SessionSource,
    path: Path,
    options: ImportOptions,
    error_file: Path | None = None,
    with_personal_data: bool = False,
) -> ImportResult:
    """Import a CSV, XLSX or JSON register export. Refused rows go to ``error_file``
    (default ``<name>.errors.csv`` beside the file), the personal-data column blanked
    unless ``with_personal_data``."""
    table = open_table(path)
    result = import_table(source, table, options)
    if result.refusals:
        target = error_file or path.with_name(f"{path.stem}.errors.csv")
        blank = set() if with_personal_data else personal_columns(table.headers, options.mapping)
        write_error_file(target, result, blank)
        result.error_file = target
    return result


def import_records(
    source: SessionSource, records: list[dict[str, Any]], options: ImportOptions
) -> ImportResult:
    """Import objects pushed over the API (keys: headers, sync names or field names)."""
    return import_table(source, records_table(records), options)


def import_table(source: SessionSource, table: Table, options: ImportOptions) -> ImportResult:
    columns = resolve_columns(table.headers, options.mapping)
    result = ImportResult(headers=table.headers)
    batch: dict[str, dict[str, Any]] = {}
    done = 0
    for number, cells in table.rows:
        done += 1
        try:
            values = parse_row(number, _by_field(columns, cells), options.keep_applicant)
        except RowProblem as problem:
            result.refusals.append(Refusal(number, problem.reason_vi, problem.reason_en, cells))
            continue
        refused = options.admit(values) if options.admit else None
        if refused is not None:
            result.refusals.append(Refusal(number, refused[0], refused[1], cells))
            continue
        if values["code"] in batch or len(batch) >= BATCH_ROWS:  # a repeated code: in order
            _flush(source, batch, options, result.counts)
            if options.progress:
                options.progress(done, table.total)
        batch[values["code"]] = values
    _flush(source, batch, options, result.counts)
    result.counts.refused = len(result.refusals)
    if options.progress:
        options.progress(done, table.total)
    return result


def import_unit_file(source: SessionSource, path: Path) -> int:
    """The unit tree file (``Mã đơn vị``, ``Tên đơn vị``, ``Mã đơn vị cha``)."""
    table = open_table(path)
    columns = resolve_columns(table.headers, UNIT_HEADERS)
    return import_units(source, ((n, _by_field(columns, cells)) for n, cells in table.rows))


def personal_columns(headers: list[str], mapping: Mapping[str, tuple[str, ...]]) -> set[int]:
    """Columns holding personal data (the applicant's name), blanked in error files."""
    names = {fold(n) for n in mapping.get("applicant_name", ())}
    return {i for i, header in enumerate(headers) if fold(header or "") in names}


def write_error_file(path: Path, result: ImportResult, blank: set[int]) -> None:
    """CSV (UTF-8 with BOM, for Excel): row, reason_vi, reason_en, then the original cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Dòng", "Lý do", "reason_en", *result.headers])
    for refusal in result.refusals:
        cells = ["" if i in blank else _cell(c) for i, c in enumerate(refusal.cells)]
        writer.writerow([refusal.row, refusal.reason_vi, refusal.reason_en, *cells])
    with open_private(path) as handle:
        handle.write(buffer.getvalue().encode("utf-8-sig"))


def _flush(
    source: SessionSource, batch: dict[str, dict[str, Any]], options: ImportOptions, counts: Counts
) -> None:
    if not batch:
        return
    with source.sessions.begin() as session:
        done = write_batch(session, list(batch.values()), options.actor, options.keep_applicant)
    counts.imported += done.imported
    counts.changed += done.changed
    counts.unchanged += done.unchanged
    batch.clear()


def _by_field(columns: Mapping[str, int], cells: list[Any]) -> dict[str, Any]:
    return {f: cells[i] if i < len(cells) else None for f, i in columns.items()}


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def iter_refusals(result: ImportResult) -> Iterator[str]:
    """One line per refused row, for a terminal (the reason only; cells may name a person)."""
    for refusal in result.refusals:
        yield f"dòng/row {refusal.row}: {refusal.reason_vi} / {refusal.reason_en}"
