"""`sohoa sheets CODE… -o FILE.pdf`: print separator sheets for a backlog batch.

The sheets are made by ingest.separator_sheets; this face only gathers the codes
(arguments and/or a list file), checks them all before writing anything, and
says what it wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa.exit_codes import ExitCode
from sohoa.failures import problem
from sohoa.runtime import fail, guard, load_settings

# The sheet writer (barcodes, fonts) is imported when `sheets` runs.
if TYPE_CHECKING:
    from sohoa.ingest.separator_sheets import SheetLabel
    from sohoa.settings import Settings

_EPILOG = (
    "Ví dụ / examples:  "
    "sohoa sheets 000.00.20.H56-240101-0001 000.00.20.H56-240101-0002 -o phieu.pdf  ·  "
    "sohoa sheets --from-file ma-ho-so.txt -o phieu.pdf --unit 'UBND phường Bến Nghé'.  "
    "Tệp danh sách / list file: một mã mỗi dòng / one code per line, "
    "tùy chọn / optionally 'MÃ;đơn vị;thủ tục' (hoặc tab / or tab-separated); "
    "dòng trống và dòng bắt đầu bằng # được bỏ qua / blank and # lines are skipped."
)


def register(app: typer.Typer) -> None:
    app.command(name="sheets", epilog=_EPILOG)(sheets)


def sheets(
    codes: Annotated[
        list[str] | None,
        typer.Argument(help="Dossier codes, one sheet each."),
    ] = None,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="The PDF file to print.", dir_okay=False),
    ] = Path("phieu-phan-tach.pdf"),
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file",
            "-f",
            help="Also read codes from a file (UTF-8, one code per line).",
        ),
    ] = None,
    simplex: Annotated[
        bool,
        typer.Option(
            "--simplex",
            help="No blank back page after each sheet (simplex feeders).",
        ),
    ] = False,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Unit printed on each sheet."),
    ] = None,
    procedure: Annotated[
        str | None,
        typer.Option("--procedure", help="Procedure printed on each sheet."),
    ] = None,
) -> None:
    """Print dossier separator sheets for a backlog batch.

    One A4 page per dossier code: the QR code and Code 128 barcode that `sohoa batch`
    recognises, and the code in large type. Put each sheet in front of its dossier's
    first page and scan the whole pile; `sohoa batch` splits it at the sheets and files
    each part under its code; the sheets are not stored. By default an empty page
    follows each sheet so a duplex printer leaves its back blank (a duplex feeder scans
    that blank back and it is dropped); use --simplex for one-sided printing/scanning.
    Every code is checked before anything is written: a bad code stops with exit 2.
    """
    from sohoa.ingest.separator_sheets import write_separator_sheets

    settings = load_settings()
    with guard(settings):
        labels = _labels(codes or [], from_file, settings)
        labels = [_with_lines(s, unit, procedure) for s in labels]
        if not labels:
            fail(
                problem(
                    ExitCode.USAGE,
                    "Chưa có mã hồ sơ nào: hãy ghi mã hoặc dùng --from-file",
                    "No dossier code given: name codes or use --from-file",
                ),
                settings,
            )
        try:
            write_separator_sheets(labels, output, duplex=not simplex)
        except OSError as error:
            fail(
                problem(
                    ExitCode.USAGE,
                    f"Không ghi được tệp {output}: {error.strerror or error}",
                    f"Cannot write {output}: {error.strerror or error}",
                ),
                settings,
            )
    pages = len(labels) * (1 if simplex else 2)
    if settings.lang == "vi":
        sides = "in một mặt" if simplex else "in hai mặt"
        typer.echo(f"Đã tạo {len(labels)} phiếu phân tách ({pages} trang, {sides}): {output}")
    else:
        sides = "simplex" if simplex else "duplex"
        typer.echo(f"Wrote {len(labels)} separator sheets ({pages} pages, {sides}): {output}")


def _labels(codes: list[str], from_file: Path | None, settings: Settings) -> list[SheetLabel]:
    """Codes from the command line first, then the list file's, in order; all checked."""
    from sohoa.ingest.separator_sheets import label, read_code_list

    labels = [label(code) for code in codes]
    if from_file is None:
        return labels
    try:
        text = from_file.read_text("utf-8-sig")  # a BOM is what Excel's "UTF-8 CSV" writes
    except (OSError, UnicodeDecodeError) as error:
        fail(
            problem(
                ExitCode.USAGE,
                f"Không đọc được tệp danh sách mã {from_file} (cần tệp văn bản UTF-8): {error}",
                f"Cannot read the code list {from_file} (a UTF-8 text file is needed): {error}",
            ),
            settings,
        )
    return labels + read_code_list(text)


def _with_lines(sheet: SheetLabel, unit: str | None, procedure: str | None) -> SheetLabel:
    """The --unit/--procedure given on the command line, where the list file gave none."""
    from sohoa.ingest.separator_sheets import SheetLabel

    return SheetLabel(
        sheet.code, unit=sheet.unit or (unit or ""), procedure=sheet.procedure or (procedure or "")
    )
