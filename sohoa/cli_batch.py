"""`sohoa batch`: backlog scans of many dossiers, split at separator sheets, filed, reported.

Only options and printing live here; the work is ingest.batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa.clock import utc_now, vietnam_time
from sohoa.exit_codes import ExitCode
from sohoa.failures import describe
from sohoa.ingest.batch_report import ReportRow, Summary, report_dir, write_report
from sohoa.runtime import ProfileOption, guard, load_settings, open_lifecycle, open_services
from sohoa.storage.codes import parse_dossier_code
from sohoa.values import Kind

if TYPE_CHECKING:
    from sohoa.settings import Settings

_WORDS = {
    "vi": {
        "stored": "Đã lưu",
        "duplicate": "Đã có sẵn",
        "error": "LỖI",
        "separator": "Phiếu phân tách",
        "source": "Tệp",
        "pages": "trang",
        "page": "trang",
        "report": "Báo cáo",
        "summary": "{stored} đã lưu, {duplicates} đã có sẵn, {errors} lỗi, "
        "{separators} phiếu phân tách đã loại",
        "dropped": "trang trống bị loại",
        "quarantined": "cách ly",
    },
    "en": {
        "stored": "Stored",
        "duplicate": "Already stored",
        "error": "ERROR",
        "separator": "Separator sheet",
        "source": "File",
        "pages": "pages",
        "page": "page",
        "report": "Report",
        "summary": "{stored} stored, {duplicates} duplicates, {errors} errors, "
        "{separators} separator sheets removed",
        "dropped": "blank pages dropped",
        "quarantined": "quarantined",
    },
}


def register(app: typer.Typer) -> None:
    app.command(
        "batch",
        epilog="Ví dụ: sohoa batch ton-dong/2023/ ;  "
        "sohoa batch lo-01.pdf --case 000.00.20.H56-240101-0001 --report bao-cao/ ;  "
        "sohoa batch ket-qua/ --kind result",
    )(batch)


def batch(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (searched recursively).")],
    kind: Annotated[
        Kind, typer.Option(help="intake = the dossier's papers, result = the result issued.")
    ] = Kind.intake,
    profile: ProfileOption = None,
    case: Annotated[
        str | None,
        typer.Option(
            "--case",
            "-c",
            help="Dossier code for pages before the first separator sheet "
            "(default: the code in the file name).",
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Report directory (default: $SOHOA_HOME/reports/batch-<time>)."),
    ] = None,
) -> None:
    """Digitise a backlog: split long scans at separator sheets, file each part under its dossier.

    A separator sheet (phiếu phân tách) carries the dossier code as a QR code and a
    Code 128 barcode; it starts a new dossier and is removed from the output. Each
    part becomes one document of its dossier. Re-running the same command skips what
    is stored, so an interrupted batch is resumed by running it again. What cannot be
    filed goes to the quarantine (rejected files as copies): see `sohoa quarantine list`.
    A report (CSV + JSON) lists every file, separator and part; the exit code is that of
    the first error, if any.
    """
    from sohoa.batch_progress import batch_progress
    from sohoa.ingest.batch import (
        Batch,
        BatchHooks,
        PartProblem,
        collect_files,
        count_pages,
        links_outside,
    )
    from sohoa.ingest.links import LinkOutside
    from sohoa.ingest.quarantine import Quarantine
    from sohoa.ocr import tesseract
    from sohoa.scanner_profiles import load as load_profile

    settings = load_settings()
    w = _WORDS[settings.lang]
    rows: list[ReportRow] = []
    with guard(settings), open_services(settings) as services:
        code = str(parse_dossier_code(case)) if case else None
        options = settings.ocr_options(load_profile(profile or settings.profile))
        tesseract.check_installed(options.languages, options.tessdata_dir)
        files = collect_files(paths)
        refused = links_outside(paths)
        directory = report or report_dir(settings.home, vietnam_time(utc_now()))

        def explain(error: BaseException) -> tuple[int, str, str] | None:
            if isinstance(error, (PartProblem, LinkOutside)):
                return int(ExitCode.BAD_INPUT), error.vi, error.en
            failure = describe(error)
            return None if failure is None else (int(failure.exit_code), failure.vi, failure.en)

        try:
            with (
                open_lifecycle(settings, services) as lifecycle,
                batch_progress(sum(count_pages(f) for f in files if f not in refused)) as bar,
            ):
                engine = Batch(
                    kind=kind.value,
                    case=code,
                    store=services.store,
                    catalog=services.catalog,
                    options=options,
                    digitiser=lifecycle,
                    explain=explain,
                    hooks=BatchHooks(
                        pages_done=bar.advance,
                        row_done=lambda row: _print_row(row, settings),
                        reading=bar.label,
                    ),
                    rows=rows,
                    quarantine=Quarantine(settings.resolved_quarantine_dir),
                    profile=profile,
                    refused=refused,
                )
                engine.run(files)
        finally:  # also after Ctrl-C: the report says what was done so far
            csv_path, _ = write_report(rows, directory)
            typer.echo(f"{w['report']}: {csv_path} ({csv_path.with_suffix('.json').name})")
        summary = Summary.of(rows)
        typer.echo(w["summary"].format(**vars(summary)))
        errors = [r for r in rows if r.status == "error"]
        if errors:
            raise typer.Exit(errors[0].exit_code or ExitCode.BAD_INPUT)


def _print_row(row: ReportRow, settings: Settings) -> None:
    """One line per finished part, separator or failed file."""
    w = _WORDS[settings.lang]
    name = Path(row.source).name
    if row.row == "source" and row.status == "done":
        return
    if row.status == "error":
        where = f" {w['pages']} {row.pages_range}" if row.pages_range else ""
        held = f" [{w['quarantined']}: {row.quarantine}]" if row.quarantine else ""
        typer.secho(
            f"{w['error']}: {name}{where}: {row.error(settings.lang)}{held}", fg="red", err=True
        )
        return
    if row.status == "separator":
        what = row.dossier_code or row.error(settings.lang)
        typer.echo(f"{w['separator']}: {name} {w['page']} {row.pages_range} -> {what}")
        return
    dropped = f", {w['dropped']}: {row.dropped_pages}" if row.dropped_pages else ""
    typer.echo(
        f"{w[row.status]}: {name} {w['pages']} {row.pages_range} -> {row.document} "
        f"({row.pages} {w['pages']}{dropped})"
    )
