"""What the watcher and `sohoa quarantine` print: one short line per file for the clerk
(Vietnamese; English with SOHOA_LANG=en), or JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sohoa.ingest.hot_file import FileReport
    from sohoa.ingest.quarantine import Entry
    from sohoa.ingest.quarantine_retry import RetryResult

_WORDS = {
    "vi": {
        "stored": "Đã lưu",
        "duplicate": "Đã có sẵn, không lưu lại",
        "quarantined": "Cách ly",
        "deferred": "Chờ thử lại",
        "refused": "Từ chối",
        "pages": "trang",
        "see": "xem: sohoa quarantine list",
        "empty": "Không có tệp nào bị cách ly.",
        "files": "tệp bị cách ly",
        "fix": "cách xử lý",
        "from": "từ",
        "still": "Vẫn lỗi",
    },
    "en": {
        "stored": "Stored",
        "duplicate": "Already stored, not stored again",
        "quarantined": "Quarantined",
        "deferred": "Will retry",
        "refused": "Refused",
        "pages": "pages",
        "see": "see: sohoa quarantine list",
        "empty": "No file is in quarantine.",
        "files": "files in quarantine",
        "fix": "what to do",
        "from": "from",
        "still": "Still failing",
    },
}


def print_file_report(report: FileReport, lang: str) -> None:
    """One line per file as it is done, flushed at once (the clerk watches the screen)."""
    w = _WORDS[lang]
    name = report.source_name
    if report.status in ("stored", "duplicate"):
        line = f"{w[report.status]}: {name} -> {report.document} ({report.pages} {w['pages']})"
    else:
        message = report.message_vi if lang == "vi" else report.message_en
        where = f" [{report.quarantine_name}; {w['see']}]" if report.quarantine_name else ""
        line = f"{w[report.status]}: {name} - {message}{where}"
    typer.echo(line)


def print_entries(entries: Sequence[Entry], lang: str, as_json: bool) -> None:
    if as_json:
        typer.echo(_dump([entry_dict(e) for e in entries]))
        return
    w = _WORDS[lang]
    if not entries:
        typer.echo(w["empty"])
        return
    typer.echo(f"{len(entries)} {w['files']}:")
    for e in entries:
        message, fix = (
            (e.why.message_vi, e.why.fix_vi) if lang == "vi" else (e.why.message_en, e.why.fix_en)
        )
        typer.echo(f"  {e.name}  {e.quarantined_at}  [{e.why.reason}]  ({w['from']} {_where(e)})")
        typer.echo(f"    {message}")
        typer.echo(f"    {w['fix']}: {fix}")


def print_retry(result: RetryResult, lang: str) -> None:
    w = _WORDS[lang]
    entry = result.entry
    if result.outcome is not None:
        record = result.outcome.record
        status = w["duplicate"] if result.outcome.duplicate else w["stored"]
        typer.echo(f"{status}: {entry.name} -> {record.name} ({record.pages or 0} {w['pages']})")
        return
    message = entry.why.message_vi if lang == "vi" else entry.why.message_en
    typer.secho(f"{w['still']}: {entry.name} - {message}", fg="red", err=True)


def _where(entry: Entry) -> str:
    """The hot folder, or for a batch the source file and its pages."""
    origin = entry.origin
    if not origin.source:
        return origin.folder
    return f"{origin.source} p{origin.pages}" if origin.pages else origin.source


def entry_dict(entry: Entry) -> dict[str, object]:
    data = asdict(entry)
    data["path"] = str(entry.path)
    return data


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
