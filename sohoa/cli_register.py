"""`sohoa register import|worklist|units` and `sohoa report`: the dossier register and the
QĐ 766 digitisation report (issue 11; logic in the register package).

Exit codes: 0 every row imported; 3 (BAD_INPUT) some rows were refused — the rest
WAS imported and the refused rows are in the error file; 2 a bad option or date.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa.exit_codes import ExitCode
from sohoa.failures import problem
from sohoa.progress_log import ProgressLog
from sohoa.runtime import JsonOption, fail, guard, load_settings, open_services

if TYPE_CHECKING:
    from sohoa.register.importer import ImportResult
    from sohoa.settings import Settings

register_app = typer.Typer(
    help="The one-stop system's dossier register: import it, list what is not digitised.",
    no_args_is_help=True,
)

UnitOption = Annotated[
    str, typer.Option("--unit", "-u", help="Agency code (mã đơn vị); sub-units are included.")
]


@register_app.command(
    "import",
    epilog="Ví dụ: sohoa register import ho-so-thang-5.csv ;  "
    "sohoa register import xuat.xlsx --mapping tinh-h56.yaml ;  "
    "sohoa register import don-vi.csv --units",
)
def import_command(
    file: Annotated[
        Path, typer.Argument(help="CSV, XLSX or JSON exported by the one-stop system.")
    ],
    mapping: Annotated[
        Path | None, typer.Option(help="YAML/JSON mapping 'field: header' for own headers.")
    ] = None,
    units: Annotated[
        bool, typer.Option("--units", help="FILE is the unit tree (Mã đơn vị, Tên, Mã cha).")
    ] = False,
    errors: Annotated[
        Path | None, typer.Option(help="Error file (default: <FILE>.errors.csv beside it).")
    ] = None,
    with_personal_data: Annotated[
        bool, typer.Option(help="Keep the applicant's name in the error file.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import the register: upsert by dossier code, refuse bad rows with their row number and
    reason, import the rest."""
    from sohoa.register.errors import RegisterError
    from sohoa.register.fields import DEFAULT_HEADERS, load_mapping
    from sohoa.register.importer import ImportOptions, import_file, import_unit_file

    settings = load_settings()
    with guard(settings), _register_errors(settings, RegisterError), open_services(settings) as s:
        database = s.catalog.database
        if units:
            count = import_unit_file(database, file)
            typer.echo(f"Đã nhập {count} đơn vị / {count} units imported")
            return
        options = ImportOptions(
            actor=f"import:{getpass.getuser()}",
            keep_applicant=settings.register_keep_applicant,
            mapping=load_mapping(mapping) if mapping else DEFAULT_HEADERS,
        )
        with _progress() as progress:
            options = ImportOptions(
                options.actor, options.keep_applicant, options.mapping, progress=progress
            )
            result = import_file(database, file, options, errors, with_personal_data)
        if with_personal_data and result.refusals:
            from sohoa.register.personal import record_disclosure

            record_disclosure(
                database,
                actor=options.actor,
                unit="*",
                what="error_file",
                rows=len(result.refusals),
            )
    _summary(result, as_json)
    if result.refusals:
        raise typer.Exit(ExitCode.BAD_INPUT)


@register_app.command("worklist", epilog="Ví dụ: sohoa register worklist --unit 000.00.20.H56")
def worklist_command(
    unit: UnitOption,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Rows per page.")] = 50,
    after: Annotated[
        str | None, typer.Option(help="Next page: the 'after' value the previous page printed.")
    ] = None,
    clerk: Annotated[
        str | None, typer.Option(help="Only this receiving clerk's dossiers (register field).")
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write the whole worklist to this CSV file.")
    ] = None,
    with_personal_data: Annotated[
        bool,
        typer.Option(help="Add applicants' names (personal data; recorded as an event)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Dossiers not digitised yet, oldest first."""
    from sohoa.register.personal import record_disclosure
    from sohoa.register.worklist import worklist, worklist_csv

    settings = load_settings()
    cursor = None
    if after:
        day, _, code = after.partition("/")
        cursor = (_date(settings, day, "--after"), code)
    actor, scope = f"cli:{getpass.getuser()}", unit.strip().upper()
    with guard(settings), open_services(settings) as services:
        database = services.catalog.database
        if csv_file is not None:
            body, rows = worklist_csv(database, unit, clerk=clerk, personal=with_personal_data)
            if with_personal_data:
                record_disclosure(database, actor=actor, unit=scope, what="worklist_csv", rows=rows)
            from sohoa.storage.permissions import open_private

            with open_private(csv_file) as handle:
                handle.write(body)
            typer.echo(f"Đã ghi {rows} hồ sơ vào {csv_file} / {rows} dossiers written")
            return
        page = worklist(database, unit, cursor, limit, clerk=clerk, personal=with_personal_data)
        if with_personal_data:
            record_disclosure(
                database, actor=actor, unit=scope, what="cli_worklist", rows=len(page.items)
            )
    next_after = (
        f"{page.next_after[0].isoformat()}/{page.next_after[1]}" if page.next_after else None
    )
    if as_json:
        items = [
            {**item.__dict__, "received_on": item.received_on.isoformat()} for item in page.items
        ]
        if not with_personal_data:
            for plain in items:
                del plain["applicant_name"]
        typer.echo(json.dumps({"items": items, "after": next_after}, ensure_ascii=False, indent=2))
        return
    for item in page.items:
        missing = ", ".join(
            w
            for w, m in (
                ("hồ sơ/intake", item.intake_missing),
                ("kết quả/result", item.result_missing),
            )
            if m
        )
        clerk_text = f"  cán bộ/clerk: {item.clerk}" if item.clerk else ""
        name_text = f"  người nộp/applicant: {item.applicant_name}" if item.applicant_name else ""
        typer.echo(
            f"{item.code}  {item.received_on:%d/%m/%Y}  {item.days_waiting:>4} ngày/days  "
            f"{item.procedure_code}  thiếu/missing: {missing}{clerk_text}{name_text}"
        )
    if not page.items:
        typer.echo("Không còn hồ sơ chưa số hóa. / Nothing left to digitise.")
    if next_after:
        typer.echo(f"Trang sau / next page: --after {next_after}")


def report_command(
    unit: UnitOption,
    start: Annotated[str, typer.Option("--from", help="First reception date: dd/mm/yyyy or ISO.")],
    end: Annotated[str, typer.Option("--to", help="Last reception date: dd/mm/yyyy or ISO.")],
    xlsx: Annotated[Path | None, typer.Option(help="Write the report as XLSX.")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the report as CSV.")] = None,
    max_points: Annotated[
        float, typer.Option(min=0, help="Points of a criterion at a rate of 80% or more.")
    ] = 1.0,
    as_json: JsonOption = False,
) -> None:
    """The digitisation report for a unit and its sub-units over a reception-date period: rates,
    points, per unit, procedure and month."""
    from sohoa.register.export import report_json, write_csv, write_xlsx
    from sohoa.register.report import digitisation_report

    settings = load_settings()
    first, last = _date(settings, start, "--from"), _date(settings, end, "--to")
    if last < first:
        fail(problem(ExitCode.USAGE, "--to trước --from", "--to is before --from"), settings)
    with guard(settings), open_services(settings) as services:
        report = digitisation_report(
            services.catalog.database, unit, first, last, Decimal(str(max_points))
        )
    if xlsx:
        write_xlsx(report, xlsx)
    if csv_file:
        write_csv(report, csv_file)
    if as_json:
        typer.echo(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    elif not (xlsx or csv_file):
        _print_report(report)


def register(app: typer.Typer) -> None:
    app.add_typer(register_app, name="register")
    app.command(
        "report",
        epilog="Ví dụ: sohoa report --unit 000.00.00.H56 --from 01/01/2025 --to 31/12/2025 "
        "--xlsx bao-cao.xlsx",
    )(report_command)


def _date(settings: Settings, text: str, option: str) -> date:
    from sohoa.register.parse import parse_date

    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        fail(
            problem(
                ExitCode.USAGE,
                f"{option} '{text}' không phải ngày hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)",
                f"{option} '{text}' is not a date (dd/mm/yyyy or yyyy-mm-dd)",
            ),
            settings,
        )
    return parsed


@contextmanager
def _register_errors(settings: Settings, kind: type[Exception]) -> Iterator[None]:
    """A file or mapping the register cannot use: one clear line, exit 3."""
    try:
        yield
    except kind as error:
        vi, en = getattr(error, "message_vi", str(error)), getattr(error, "message_en", str(error))
        fail(problem(ExitCode.BAD_INPUT, vi, en), settings)


@contextmanager
def _progress() -> Iterator[Callable[[int, int | None], None]]:
    """A bar on a terminal, progress log lines elsewhere (rows, never their content)."""
    if not sys.stderr.isatty():
        logged = ProgressLog("register import", quiet_if_short=True, every_pages=10_000)
        try:
            yield logged.update
        finally:
            logged.finish()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=Console(stderr=True)
    )
    with bar:
        task = bar.add_task("register", total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _summary(result: ImportResult, as_json: bool) -> None:
    counts = result.counts
    if as_json:
        summary = {
            "imported": counts.imported,
            "changed": counts.changed,
            "unchanged": counts.unchanged,
            "refused": counts.refused,
            "error_file": str(result.error_file) if result.error_file else None,
        }
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"Mới / imported: {counts.imported}  ·  Thay đổi / changed: {counts.changed}  ·  "
        f"Không đổi / unchanged: {counts.unchanged}  ·  Bị từ chối / refused: {counts.refused}"
    )
    if result.error_file:
        typer.echo(f"Các dòng bị từ chối / refused rows: {result.error_file}", err=True)


def _print_report(report: object) -> None:
    from sohoa.register.export import HEADERS, row_of, sections, title_lines
    from sohoa.register.report import Report

    assert isinstance(report, Report)
    for line in title_lines(report):
        typer.echo(line)
    for title, rows in sections(report):
        if title == "Xu hướng 12 tháng":
            continue
        typer.echo(f"\n{title}")
        for figures in rows:
            values = row_of(figures)
            typer.echo(
                f"  {values[0]}  {HEADERS[4]}: {values[4]} ({values[3]}/{values[2]})  "
                f"{HEADERS[8]}: {values[8]} ({values[7]}/{values[6]})  "
                f"{HEADERS[11]}: {values[11]} ({values[10]}/{values[2]})"
            )
