"""Counter capture commands: `sohoa profiles list|show` and `sohoa scan` (SANE), plus the
`--sheets` reconciliation (spec §2a) that `sohoa process` shares.

Registered on the main app by sohoa.cli (see `register`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa import capture_views, views
from sohoa.clock import utc_now, vietnam_time
from sohoa.exit_codes import ExitCode
from sohoa.ingest.page_count import PageCounts, Reconciliation, compare_sheets
from sohoa.runtime import (
    JsonOption,
    ProfileOption,
    guard,
    load_settings,
    open_lifecycle,
    open_services,
)
from sohoa.storage.codes import parse_dossier_code
from sohoa.values import Kind

# Profiles (pydantic, YAML), tesseract and the progress bar are imported by the commands.
if TYPE_CHECKING:
    from sohoa.scanner_profiles import Profile
    from sohoa.settings import Settings
    from sohoa.storage.catalog import DocumentRecord
    from sohoa.workers.submission import Outcome

SheetsOption = Annotated[
    int | None,
    typer.Option(
        "--sheets",
        min=1,
        help="Sheets fed (several files: all together), checked against the pages found "
        "(duplex: 2 per sheet); a mismatch exits 9 but the document is stored.",
    ),
]

profiles_app = typer.Typer(
    help="Scanner profiles: one YAML per device in scanner_profiles/.",
    no_args_is_help=True,
)


@profiles_app.command("list", epilog="Ví dụ: sohoa profiles list")
def list_profiles(as_json: JsonOption = False) -> None:
    """List the bundled scanner profiles (name and description)."""
    from sohoa.scanner_profiles import load_all

    settings = load_settings()
    with guard(settings):
        capture_views.print_profiles(load_all(), as_json)


@profiles_app.command("show", epilog="Ví dụ: sohoa profiles show fujitsu-fi-7160 --json")
def show_profile(
    name: Annotated[str, typer.Argument(help="Profile name, or a YAML file to check.")],
    as_json: JsonOption = False,
) -> None:
    """Show every setting of one profile (also validates a YAML file of your own)."""
    from sohoa.scanner_profiles import load

    settings = load_settings()
    with guard(settings):
        capture_views.print_profile(load(name), settings.lang, as_json)


def scan(
    case: Annotated[str, typer.Option("--case", "-c", help="Dossier code (mã hồ sơ).")],
    device: Annotated[
        str | None,
        typer.Option(
            "--device",
            "-d",
            help="SANE device (`scanimage -L`). Default: SOHOA_SCAN_DEVICE, the profile's "
            "sane_device hint, or the only scanner connected.",
        ),
    ] = None,
    kind: Annotated[
        Kind,
        typer.Option(help="intake = the dossier's papers, result = the result issued."),
    ] = Kind.intake,
    sheets: SheetsOption = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help='SANE source, used as given (e.g. "ADF Front"); overrides the profile.'
        ),
    ] = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Scan a stack from a SANE scanner and digitise it as ONE document of dossier CASE.

    The profile sets source (ADF duplex/front, flatbed), colour mode and resolution.
    Pages are encoded once (JPEG at the profile's quality, CCITT G4 for bilevel) and
    go through the same pipeline as `sohoa process`. With --sheets the page count is
    checked against the sheets fed.
    """
    from sohoa.ingest.capture_file import pages_to_pdf
    from sohoa.ingest.scanimage import ScanRequest, capture
    from sohoa.ingest.submit import make_submission
    from sohoa.ocr import tesseract
    from sohoa.progress import page_progress
    from sohoa.scanner_profiles import load

    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        code = str(parse_dossier_code(case))
        chosen = load(profile or settings.profile)
        options = settings.ocr_options(chosen)
        tesseract.check_installed(options.languages, options.tessdata_dir)
        request = ScanRequest(
            device=device or settings.scan_device,
            device_hint=chosen.sane_device,
            source=source or chosen.sane_source,
            color_mode=chosen.color_mode,
            resolution=chosen.resolution,
            sheets=sheets,
            options=_without_source(chosen.sane_options) if source else chosen.sane_options,
            timeout=settings.scan_timeout,
            program=settings.scanimage,
        )
        with tempfile.TemporaryDirectory(prefix="sohoa-scan-") as tmp:
            (Path(tmp) / "pages").mkdir()
            captured = capture(request, Path(tmp) / "pages")
            if not as_json:
                capture_views.print_capture(captured, settings.lang)
            name = f"scan-{vietnam_time(utc_now()):%Y%m%d-%H%M%S}.pdf"
            scanned = pages_to_pdf(
                captured.pages,
                Path(tmp) / name,
                jpeg_quality=chosen.jpeg_quality,
                dpi=chosen.resolution,
            )
            submission = make_submission(scanned, code, kind.value)
            with open_lifecycle(settings, services) as lifecycle, page_progress(name) as progress:
                outcome = lifecycle.digitise(submission, options, progress)
        check = reconcile_outcomes([outcome], sheets, chosen.duplex)
        if as_json:
            capture_views.print_scan_json(captured, outcome, check)
        else:
            views.print_outcomes([outcome], services.store.describe(), settings.lang, False)
            if check is not None:
                capture_views.print_reconciliation(check, settings.lang, to_stderr=False)
        if check is not None and not check.matches:
            raise typer.Exit(ExitCode.RECONCILE_MISMATCH)


def check_sheets(
    outcomes: Sequence[Outcome],
    sheets: int | None,
    profile: Profile,
    settings: Settings,
    *,
    as_json: bool,
) -> bool:
    """For `sohoa process --sheets`: print the counts (stderr under --json, so stdout stays
    JSON) and warn on a mismatch. True when the counts disagree."""
    return check_sheets_records([o.record for o in outcomes], sheets, profile, settings, as_json)


def check_sheets_records(
    records: Sequence[DocumentRecord],
    sheets: int | None,
    profile: Profile,
    settings: Settings,
    as_json: bool,
) -> bool:
    """:func:`check_sheets` over catalog records: what a queued `process --wait` has once
    its jobs are done (the workers stored the documents, this process only waits)."""
    check = reconcile_records(records, sheets, profile.duplex)
    if check is None:
        return False
    capture_views.print_reconciliation(check, settings.lang, to_stderr=as_json)
    return not check.matches


def sheets_need_wait(settings: Settings) -> None:
    """Queued without --wait the pages are not counted yet: say so rather than stay silent."""
    if settings.lang == "vi":
        note = "Lưu ý: đối chiếu --sheets cần --wait (chờ xử lý xong mới đếm được trang)."
    else:
        note = "Note: --sheets reconciliation needs --wait (pages are counted once jobs end)."
    typer.secho(note, fg="yellow", err=True)


def reconcile_outcomes(
    outcomes: Sequence[Outcome], sheets: int | None, duplex: bool
) -> Reconciliation | None:
    """Spec §2a over everything stored (or found already stored) by one command."""
    return reconcile_records([o.record for o in outcomes], sheets, duplex)


def reconcile_records(
    records: Sequence[DocumentRecord], sheets: int | None, duplex: bool
) -> Reconciliation | None:
    if sheets is None:
        return None
    counts = PageCounts(
        input_pages=sum(r.input_pages or r.pages or 0 for r in records),
        content_pages=sum(r.pages or 0 for r in records),
        blank_backs_dropped=sum(len(r.dropped_pages) for r in records),
    )
    return compare_sheets(sheets, duplex, counts)


def register(app: typer.Typer) -> None:
    """Add `profiles` and `scan` to the main `sohoa` app."""
    app.add_typer(profiles_app, name="profiles")
    app.command(
        "scan",
        epilog="Ví dụ: sohoa scan --device 'fujitsu:fi-7160:1234' -p fujitsu-fi-7160 "
        "--case 000.00.20.H56-240101-0001 --sheets 5",
    )(scan)


def _without_source(options: dict[str, str | int | float]) -> dict[str, str | int | float]:
    return {k: v for k, v in options.items() if k != "source"}
