"""`sohoa watch` (scan-to-folder hot folders) and `sohoa quarantine list|retry`.

Only parsing and printing: the engine is ingest.watch, ingest.quarantine and friends.
"""

from __future__ import annotations

import signal
import threading
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa import i18n, watch_views
from sohoa.exit_codes import ExitCode
from sohoa.failures import Failure, not_found, problem
from sohoa.runtime import JsonOption, ProfileOption, fail, guard, load_settings
from sohoa.storage.codes import parse_dossier_code
from sohoa.values import Kind

# The folder configuration (pydantic), the quarantine and the watcher (pikepdf) are
# imported by the commands that use them.
if TYPE_CHECKING:
    from sohoa.ingest.folder_config import FolderConfigError, WatchConfig
    from sohoa.ingest.hot_file import FileReport
    from sohoa.settings import Settings


class After(StrEnum):
    done = "done"
    delete = "delete"


quarantine_app = typer.Typer(
    help="Rejected scans (tệp bị cách ly): list them, or send them through again.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command(
        epilog="Ví dụ: sohoa watch /srv/scan/quay-1 --code-from qr --code-from filename ;  "
        "sohoa watch --config hot-folders.yaml ;  sohoa watch /srv/scan/quay-2 "
        "--case 000.00.20.H56-240101-0001 --once"
    )(watch)
    app.add_typer(quarantine_app, name="quarantine")


def watch(
    folders: Annotated[
        list[Path] | None, typer.Argument(help="Hot folders (thư mục quét) to watch.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="YAML file describing the hot folders.")
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Process what is there now, then exit (cron, tests).")
    ] = False,
    kind: Annotated[
        Kind, typer.Option(help="intake = the dossier's papers, result = the result issued.")
    ] = Kind.intake,
    profile: ProfileOption = None,
    code_from: Annotated[
        list[str] | None,
        typer.Option(
            "--code-from", help="Where the dossier code is found, in order: qr, filename."
        ),
    ] = None,
    case: Annotated[
        str | None,
        typer.Option("--case", "-c", help="Dossier code for files where none is found."),
    ] = None,
    after: Annotated[
        After, typer.Option(help="After storing: move the source to done/ or delete it.")
    ] = After.done,
    settle: Annotated[
        float | None, typer.Option(help="Seconds a file must stay unchanged before it is taken.")
    ] = None,
    rescan: Annotated[
        float | None, typer.Option(help="Seconds between full rescans (network shares).")
    ] = None,
) -> None:
    """Watch hot folders: each finished scan is digitised and stored under the dossier
    code found on it (QR code, file name, or --case); a scan that cannot be is moved
    to quarantine with the reason. The source leaves the folder only once stored.
    """
    from sohoa.ingest.folder_config import FolderConfigError

    settings = load_settings()
    with guard(settings):
        try:
            watch_config = _watch_config(
                folders or [],
                config or (None if folders else settings.watch_config),
                kind,
                profile,
                code_from,
                case,
                after,
            )
        except FolderConfigError as error:
            fail(_config_failure(error), settings)
        _run(watch_config, settings, once, settle, rescan)


def _run(
    config: WatchConfig,
    settings: Settings,
    once: bool,
    settle: float | None,
    rescan: float | None,
) -> None:
    from sohoa.ingest.readiness import Timing
    from sohoa.ingest.watch import Watcher
    from sohoa.watch_context import open_context

    timing = Timing(
        settle or config.settle_seconds or settings.watch_settle_seconds,
        config.incomplete_seconds or settings.watch_incomplete_seconds,
    )

    def report(file_report: FileReport) -> None:
        watch_views.print_file_report(file_report, settings.lang)

    with open_context(settings) as ctx:
        watcher = Watcher(config.folders, ctx, timing, report)
        if once:
            reports = watcher.run_once()
            if any(r.status == "deferred" for r in reports):
                raise typer.Exit(ExitCode.STORAGE)
            return
        signal.signal(signal.SIGTERM, _interrupt)
        watcher.run_forever(
            threading.Event(), rescan or config.rescan_seconds or settings.watch_rescan_seconds
        )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (systemd stop) ends the watcher like Ctrl-C: the current file goes back."""
    raise KeyboardInterrupt


def _watch_config(
    folders: list[Path],
    config: Path | None,
    kind: Kind,
    profile: str | None,
    code_from: list[str] | None,
    case: str | None,
    after: After,
) -> WatchConfig:
    from sohoa.ingest.folder_config import (
        FIXED_PREFIX,
        FolderConfigError,
        load_watch_config,
        parse_watch_config,
    )

    if config is not None and folders:
        raise FolderConfigError("give hot folders either on the command line or in --config")
    if config is not None:
        watch_config = load_watch_config(config)
    elif not folders:
        raise FolderConfigError(
            "no hot folder: give FOLDER..., --config FILE or set SOHOA_WATCH_CONFIG"
        )
    else:
        sources = list(code_from or ([] if case else ["qr", "filename"]))
        sources += [f"{FIXED_PREFIX}{case}"] if case else []
        entries = [
            {
                "path": f,
                "kind": kind.value,
                "profile": profile,
                "code_from": sources,
                "after": after.value,
            }
            for f in folders
        ]
        watch_config = parse_watch_config({"folders": entries})
    for folder in watch_config.folders:
        if not folder.path.is_dir():
            raise FolderConfigError(f"{folder.path}: the hot folder does not exist")
    watched = tuple(folder for folder in watch_config.folders if folder.watch)
    if not watched:
        raise FolderConfigError(
            "every folder has watch: false (its scans are filed from the counter page)"
        )
    return watch_config.model_copy(update={"folders": watched})


def _config_failure(error: FolderConfigError) -> Failure:
    return problem(
        ExitCode.USAGE,
        f"Cấu hình thư mục quét không hợp lệ: {error}",
        f"Hot-folder configuration: {error}",
    )


@quarantine_app.command("list", epilog="Ví dụ: sohoa quarantine list --json")
def list_quarantine(as_json: JsonOption = False) -> None:
    """Show each quarantined file: when, why, and what to do."""
    from sohoa.ingest.quarantine import Quarantine

    settings = load_settings()
    with guard(settings):
        entries = Quarantine(settings.resolved_quarantine_dir).entries()
        watch_views.print_entries(entries, settings.lang, as_json)


@quarantine_app.command(
    "retry",
    epilog="Ví dụ: sohoa quarantine retry don.3fa2c1.pdf --case 000.00.20.H56-240101-0001 ;  "
    "sohoa quarantine retry --all",
)
def retry_quarantine(
    name: Annotated[
        str | None, typer.Argument(help="The quarantined file's name (see `list`).")
    ] = None,
    retry_all: Annotated[bool, typer.Option("--all", help="Retry every quarantined file.")] = False,
    case: Annotated[
        str | None, typer.Option("--case", "-c", help="The dossier code to store it under.")
    ] = None,
) -> None:
    """Send quarantined files through the pipeline again; stored ones leave the quarantine."""
    from sohoa.ingest.quarantine import NotInQuarantine, Quarantine
    from sohoa.ingest.quarantine_retry import retry
    from sohoa.watch_context import open_context

    settings = load_settings()
    with guard(settings):
        if (name is None) == (not retry_all):
            said = i18n.gettext(settings.lang).gettext("Give either a NAME or --all.")
            raise typer.BadParameter(said)
        code = str(parse_dossier_code(case)) if case else None
        quarantine = Quarantine(settings.resolved_quarantine_dir)
        try:
            entries = quarantine.entries() if retry_all else [quarantine.get(name or "")]
        except NotInQuarantine as missing:
            fail(
                not_found(f"tệp {missing.name} trong khu cách ly", f"{missing.name} in quarantine"),
                settings,
            )
        failed = 0
        with open_context(settings) as ctx:
            for entry in entries:
                result = retry(entry, ctx, code)
                watch_views.print_retry(result, settings.lang)
                failed += not result.stored
        if failed:
            raise typer.Exit(ExitCode.BAD_INPUT)
