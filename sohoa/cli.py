"""The `sohoa` command: digitise scans at the counter, look dossiers up, fetch documents.

Run `sohoa --help` or `sohoa COMMAND --help`. Configuration comes from SOHOA_*
environment variables (see README); exit codes are listed in sohoa.exit_codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa import (
    cli_api,
    cli_batch,
    cli_capture,
    cli_db,
    cli_keeping,
    cli_queue,
    cli_register,
    cli_revise,
    cli_search,
    cli_serve,
    cli_sheets,
    cli_standby,
    cli_users,
    cli_verify,
    cli_watch,
    cli_webhooks,
    views,
)
from sohoa.cli_usage import CommandGroup
from sohoa.exit_codes import ExitCode
from sohoa.failures import Failure, not_found
from sohoa.runtime import (
    JsonOption,
    ProfileOption,
    complain,
    fail,
    guard,
    load_settings,
    open_lifecycle,
    open_services,
)
from sohoa.storage.codes import parse_dossier_code
from sohoa.values import Kind

# Only typer and light modules at start-up: each command imports what it needs when it
# runs, so `sohoa --help` and `sohoa ocr` do not pay for SQLAlchemy, the API, signing...
if TYPE_CHECKING:
    from sohoa.settings import Settings
    from sohoa.storage.catalog import Catalog, DocumentRecord

app = typer.Typer(
    cls=CommandGroup,
    help="sohoa: số hóa hồ sơ TTHC - scans become validated, searchable PDF/A-2b "
    "stored and linked to the dossier code (mã hồ sơ).",
    no_args_is_help=True,
    epilog="Ví dụ / examples:  sohoa process scan.pdf --case 000.00.20.H56-240101-0001  ·  "
    "sohoa show 000.00.20.H56-240101-0001  ·  "
    "sohoa get 000.00.20.H56-240101-0001 1 -o tai-ve/  ·  "
    "sohoa ocr in.pdf out.pdf.  Configuration: SOHOA_* environment variables (README).",
    pretty_exceptions_enable=False,
    add_completion=False,
)

Profile = ProfileOption
AsJson = JsonOption
#: The clerk states the scans' resolution when the files' headers are wrong (72/96 dpi).
DpiOption = Annotated[
    float | None,
    typer.Option(
        "--dpi",
        min=1,
        max=4800,
        help="Resolution of the scans in dpi, when the files state a wrong one (SOHOA_ASSUME_DPI).",
    ),
]


@app.command(
    epilog="Ví dụ: sohoa process don.pdf cccd.jpg --case 000.00.20.H56-240101-0001 ;  "
    "sohoa process quyet-dinh.pdf --case 000.00.20.H56-240101-0001 --kind result"
)
def process(
    files: Annotated[list[Path], typer.Argument(help="Scans: PDF, TIFF, JPEG or PNG.")],
    case: Annotated[str, typer.Option("--case", "-c", help="Dossier code (mã hồ sơ).")],
    kind: Annotated[
        Kind, typer.Option(help="intake = the dossier's papers, result = the result issued.")
    ] = Kind.intake,
    profile: Profile = None,
    sheets: cli_capture.SheetsOption = None,
    as_json: AsJson = False,
    wait: cli_queue.WaitOption = False,
    dpi: DpiOption = None,
) -> None:
    """Digitise FILES for dossier CASE: OCR, PDF/A-2b, store, link.

    Each file becomes one document of the dossier (<code>.<n>, or <code>-KQ<n> for
    results). The same file twice is not stored twice. A rejected file is reported
    and the others go on; the exit code is then that of the first failure. With a
    queue (SOHOA_BROKER_URL) each file is queued and its job id printed; --wait
    follows the jobs to the same end as without a queue.
    """
    from sohoa.ocr import tesseract
    from sohoa.overlap import finish_in_order
    from sohoa.scanner_profiles import load as load_profile

    settings = with_dpi(load_settings(), dpi)
    queued = settings.queue_config() is not None
    with guard(settings), open_services(settings) as services:
        code = str(parse_dossier_code(case))
        chosen = load_profile(profile or settings.profile)
        options = settings.ocr_options(chosen)
        if not queued:  # with a queue, tesseract runs on the workers' machines
            tesseract.check_installed(options.languages, options.tessdata_dir)
        failures: list[list[Failure]] = [[] for _ in files]  # per file, in file order
        with open_lifecycle(settings, services) as lifecycle:
            handed = cli_queue.hand_over(
                lifecycle, files, code, kind.value, options, settings, failures, as_json=as_json
            )
            if queued and not wait:  # the job ids are the answer; the workers go on
                cli_queue.print_not_waited(services.catalog, handed, sheets, settings, as_json)
                _exit_on_first(failures)
                return
            # embedded: the next files start while one finishes (sohoa/overlap.py)
            outcomes = finish_in_order(lifecycle, handed, settings, failures)
        views.print_outcomes(outcomes, services.store.describe(), settings.lang, as_json)
        mismatch = cli_capture.check_sheets(outcomes, sheets, chosen, settings, as_json=as_json)
        _exit_on_first(failures)
        if mismatch:
            raise typer.Exit(ExitCode.RECONCILE_MISMATCH)


def _exit_on_first(failures: list[list[Failure]]) -> None:
    """The exit code of the first file that failed, in the order the files were given."""
    for failed in failures:
        if failed:
            raise typer.Exit(failed[0].exit_code)


@app.command(epilog="Ví dụ: sohoa show 000.00.20.H56-240101-0001 --json")
def show(
    case: Annotated[str, typer.Argument(help="Dossier code.")], as_json: AsJson = False
) -> None:
    """List the digitised documents of dossier CASE."""
    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        code = str(parse_dossier_code(case))
        _settle_abandoned(services.catalog, code)
        records = services.catalog.documents(code)
        if not records:
            fail(not_found(f"hồ sơ {code}", f"dossier {code}"), settings)
        views.print_dossier(code, records, settings.lang, as_json)


def _settle_abandoned(catalog: Catalog, code: str) -> None:
    """A row whose run died mid-way (kill -9, power cut) reads as failed, with the reason,
    instead of pending for ever; sending the same file again digitises it."""
    from sohoa.workers.problems import INTERRUPTED

    catalog.settle_abandoned(code, INTERRUPTED.kind, INTERRUPTED.message_vi, INTERRUPTED.message_en)


@app.command(epilog="Ví dụ: sohoa get 000.00.20.H56-240101-0001 KQ1 -o ket-qua/")
def get(
    case: Annotated[str, typer.Argument(help="Dossier code.")],
    doc: Annotated[
        str | None,
        typer.Argument(
            help="Document: intake number (1), result (KQ1), or catalog id (#17). Default: all."
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write into.")] = Path(
        "."
    ),
) -> None:
    """Download documents of CASE into a directory, verifying each SHA-256."""
    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        code = str(parse_dossier_code(case))
        _settle_abandoned(services.catalog, code)
        records = [services.catalog.find(code, doc)] if doc else services.catalog.documents(code)
        found = [r for r in records if r is not None]
        wanted = [r for r in found if r.status == "stored"]
        if not found:
            fail(
                not_found(
                    f"tài liệu {doc or ''} của hồ sơ {code}", f"{doc or 'documents'} of {code}"
                ),
                settings,
            )
        output.mkdir(parents=True, exist_ok=True)
        for record in wanted:
            path = services.fetch(record, output)
            cli_keeping.note_download(services.catalog, record, cli_keeping.cli_actor(), "cli")
            typer.echo(str(path))
        skipped = [r for r in found if r.status != "stored"]
        for record in skipped:  # said, never silently left out
            complain(not_stored(record, settings.lang), settings)
        if skipped:
            raise typer.Exit(ExitCode.NOT_FOUND)


@app.command(epilog="Ví dụ: sohoa ocr scan.tif scan.pdf --json")
def ocr(
    input_file: Annotated[
        Path, typer.Argument(metavar="INPUT", help="A scan: PDF, TIFF, JPEG or PNG.")
    ],
    output_file: Annotated[
        Path, typer.Argument(metavar="OUTPUT.pdf", help="Where to write the PDF/A.")
    ],
    profile: Profile = None,
    as_json: AsJson = False,
    dpi: DpiOption = None,
) -> None:
    """Digitise one file to a PDF/A-2b, with no dossier and no storage (like `ocrmypdf IN OUT`)."""
    from sohoa.ocr import tesseract
    from sohoa.ocr.pdfa import DocumentMetadata
    from sohoa.progress import page_progress
    from sohoa.scanner_profiles import load as load_profile
    from sohoa.workers.pages import PageRunner
    from sohoa.workers.single_file import digitise_file

    settings = with_dpi(load_settings(), dpi)
    with guard(settings):
        options = settings.ocr_options(load_profile(profile or settings.profile))
        tesseract.check_installed(options.languages, options.tessdata_dir)
        tesseract.load_engine(options.languages, options.tessdata_dir)  # workers inherit it
        metadata = DocumentMetadata(title=input_file.stem, source_name=input_file.name)
        with (
            PageRunner(settings.jobs or None) as runner,
            page_progress(input_file.name) as progress,
        ):
            result = digitise_file(input_file, output_file, metadata, options, runner, progress)
        views.print_ocr_result(result, settings.lang, as_json)


def not_stored(record: DocumentRecord, lang: str) -> Failure:
    """A document `get` cannot deliver: its status and why, so nothing is skipped silently."""
    reason_vi = views.record_reason(record, "vi")
    reason_en = views.record_reason(record, "en")
    return not_found(
        f"bản lưu của {record.name} ({record.source_name}; trạng thái {record.status}"
        + (f": {reason_vi}" if reason_vi else "")
        + ")",
        f"a stored copy of {record.name} ({record.source_name}; status {record.status}"
        + (f": {reason_en}" if reason_en else "")
        + ")",
    )


def with_dpi(settings: Settings, dpi: float | None) -> Settings:
    """--dpi wins over SOHOA_ASSUME_DPI; both reach the page pipeline as OcrOptions.assume_dpi."""
    return settings.model_copy(update={"assume_dpi": dpi}) if dpi else settings


# Commands kept in their own modules, registered here so `sohoa --help` lists them all.
cli_batch.register(app)
cli_capture.register(app)
cli_watch.register(app)
cli_api.register(app)
cli_queue.register(app)
cli_db.register(app)
cli_serve.register(app)
cli_users.register(app)
cli_webhooks.register(app)
cli_register.register(app)
cli_keeping.register(app)
cli_verify.register(app)
cli_sheets.register(app)
cli_revise.register(app)
cli_search.register(app)
cli_standby.register(app)


if __name__ == "__main__":  # `python -m sohoa.cli ...`: the commands in this process, no standby
    app(prog_name="sohoa")
