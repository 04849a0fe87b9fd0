"""`sohoa revise CODE DOC --rotate 3:90 | --restore-dropped 2 | --replace 3 FILE | …`,
`sohoa versions CODE DOC` and `sohoa thumbnails --missing`.

revise: one fix of a stored document, which becomes its next version (workers.revise);
the earlier versions stay stored and listed. versions: the list, with what changed.
thumbnails --missing: page thumbnails for documents stored before they were made at
store time (or whose thumbnails could not be made then).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sohoa.cli_keeping import cli_actor
from sohoa.clock import vietnam_time
from sohoa.exit_codes import ExitCode
from sohoa.failures import problem
from sohoa.runtime import (
    JsonOption,
    ProfileOption,
    fail,
    guard,
    load_settings,
    open_services,
    stored_document,
)
from sohoa.storage.codes import parse_dossier_code

# The catalog, the versions and the fixes are imported by the commands that use them:
# `sohoa` starts without SQLAlchemy (see tests/test_cli_imports.py).
if TYPE_CHECKING:
    from sohoa.services import Services
    from sohoa.settings import Settings
    from sohoa.storage.catalog import DocumentRecord
    from sohoa.storage.versions import VersionRecord


def register(app: typer.Typer) -> None:
    app.command(
        epilog="Ví dụ: sohoa revise 000.00.20.H56-240101-0001 1 --rotate 3:90 ;  "
        "sohoa revise 000.00.20.H56-240101-0001 1 --replace 2 trang-2-quet-lai.pdf"
    )(revise)
    app.command(name="versions", epilog="Ví dụ: sohoa versions 000.00.20.H56-240101-0001 1")(
        versions_command
    )
    app.command(epilog="Ví dụ: sohoa thumbnails --missing")(thumbnails)


def revise(
    case: Annotated[str, typer.Argument(help="Dossier code.")],
    doc: Annotated[str, typer.Argument(help="Document: 1, KQ1 or #17.")],
    rotate: Annotated[
        str | None, typer.Option("--rotate", metavar="PAGE:DEG", help="Turn a page, e.g. 3:90.")
    ] = None,
    restore_dropped: Annotated[
        int | None,
        typer.Option("--restore-dropped", metavar="N", help="Put dropped scanned page N back."),
    ] = None,
    replace: Annotated[
        tuple[int, Path] | None,
        typer.Option("--replace", metavar="PAGE FILE", help="Replace a page by a new scan."),
    ] = None,
    insert_after: Annotated[
        tuple[int, Path] | None,
        typer.Option(
            "--insert-after", metavar="PAGE FILE", help="Insert a new scan after PAGE (0: first)."
        ),
    ] = None,
    sticky: Annotated[
        tuple[int, Path] | None,
        typer.Option(
            "--sticky", metavar="PAGE FILE", help="Second image of a page with a sticky note."
        ),
    ] = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fix a stored document of CASE (turn, restore, replace or insert one page); it becomes a new
    version, earlier ones are kept."""
    from sohoa.scanner_profiles import load as load_profile
    from sohoa.storage.versions import versions
    from sohoa.workers import revise as fixes

    settings = load_settings()
    chosen = [o for o in (rotate, restore_dropped, replace, insert_after, sticky) if o is not None]
    with guard(settings), open_services(settings) as services:
        if len(chosen) != 1:
            fail(
                problem(
                    ExitCode.USAGE,
                    "Chọn đúng một thao tác: --rotate, --restore-dropped, --replace, "
                    "--insert-after hoặc --sticky",
                    "Choose exactly one of --rotate, --restore-dropped, --replace, "
                    "--insert-after, --sticky",
                ),
                settings,
            )
        record = _stored(services, settings, case, doc)
        actor = f"cli:{cli_actor()}"
        store, catalog = services.store, services.catalog
        if rotate is not None:
            page, degrees = _page_degrees(rotate, settings)
            revised = fixes.rotate(store, catalog, record, page, degrees, actor=actor)
        elif restore_dropped is not None:
            revised = fixes.restore_dropped(store, catalog, record, restore_dropped, actor=actor)
        else:
            options = settings.ocr_options(load_profile(profile or settings.profile))
            operation, (page, scan) = _scan_operation(replace, insert_after, sticky)
            revised = operation(store, catalog, record, page, scan, actor=actor, options=options)
        listed = versions(catalog, revised)
    _print_versions(revised, listed, settings.lang, as_json)


def versions_command(
    case: Annotated[str, typer.Argument(help="Dossier code.")],
    doc: Annotated[str, typer.Argument(help="Document: 1, KQ1 or #17.")],
    as_json: JsonOption = False,
) -> None:
    """List the versions of a document of CASE."""
    from sohoa.storage.versions import versions

    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        record = _stored(services, settings, case, doc)
        listed = versions(services.catalog, record)
    _print_versions(record, listed, settings.lang, as_json)


def thumbnails(
    missing: Annotated[
        bool, typer.Option("--missing", help="Make the thumbnails documents do not have yet.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many documents.")] = 100_000,
) -> None:
    """Make the page thumbnails of documents stored without them."""
    from sohoa.storage.versions import missing_thumbnails, set_thumbnails
    from sohoa.workers import trail
    from sohoa.workers.thumbnails import store_thumbnails

    settings = load_settings()
    if not missing:
        fail(problem(ExitCode.USAGE, "Hãy dùng --missing", "Use --missing"), settings)
    made = failed = 0
    with guard(settings), open_services(settings) as services:
        for record in missing_thumbnails(services.catalog, limit):
            with tempfile.TemporaryDirectory(prefix="sohoa-thumbs-") as tmp:
                local = services.fetch(record, Path(tmp))
                prefix = store_thumbnails(services.store, local, record.stored_key)
            if prefix is None:
                failed += 1
                continue
            set_thumbnails(services.catalog, record.id, record.version, prefix)
            made_now = services.catalog.document(record.id)
            if made_now is not None:  # listed, locked and copied like the document's others
                trail.kept(services.store, services.catalog, made_now, f"cli:{cli_actor()}")
            made += 1
    vi = settings.lang == "vi"
    typer.echo(
        f"Đã tạo ảnh thu nhỏ cho {made} tài liệu"
        + (f", {failed} lỗi (xem nhật ký)" if failed else "")
        if vi
        else f"Thumbnails made for {made} documents"
        + (f", {failed} failed (see the log)" if failed else "")
    )
    if failed:
        raise typer.Exit(ExitCode.STORAGE)


def _stored(services: Services, settings: Settings, case: str, doc: str) -> DocumentRecord:
    return stored_document(services, settings, str(parse_dossier_code(case)), doc)


def _page_degrees(value: str, settings: Settings) -> tuple[int, int]:
    page, _, degrees = value.partition(":")
    try:
        return int(page), int(degrees or "90")
    except ValueError:
        fail(
            problem(
                ExitCode.USAGE,
                f"--rotate cần dạng TRANG:ĐỘ, ví dụ 3:90 (nhận {value!r})",
                f"--rotate takes PAGE:DEGREES, e.g. 3:90 (got {value!r})",
            ),
            settings,
        )


def _scan_operation(
    replace: tuple[int, Path] | None,
    insert_after: tuple[int, Path] | None,
    sticky: tuple[int, Path] | None,
) -> tuple[Any, tuple[int, Path]]:
    from sohoa.workers import revise as fixes

    if replace is not None:
        return fixes.replace_page, replace
    if insert_after is not None:
        return fixes.insert_after, insert_after
    assert sticky is not None
    return fixes.sticky, sticky


def version_dict(version: VersionRecord, current: int) -> dict[str, Any]:
    return {
        "version": version.version,
        "current": version.version == current,
        "key": version.key,
        "sha256": version.sha256,
        "size": version.size,
        "pages": version.pages,
        "pdfa_valid": version.pdfa_valid,
        "created_at": vietnam_time(version.created_at).isoformat(),
        "actor": version.actor,
        "change": version.change,
    }


def _print_versions(
    record: DocumentRecord, listed: list[VersionRecord], lang: str, as_json: bool
) -> None:
    rows = [version_dict(v, record.version) for v in listed]
    if as_json:
        typer.echo(json.dumps({"document": record.name, "versions": rows}, ensure_ascii=False))
        return
    typer.echo(f"{record.name}:")
    for row in rows:
        mark = "*" if row["current"] else " "
        when = vietnam_time(listed[row["version"] - 1].created_at).strftime("%d/%m/%Y %H:%M")
        change = json.dumps(row["change"], ensure_ascii=False)
        typer.echo(
            f" {mark} v{row['version']}  {row['pages']:>3} "
            f"{'trang' if lang == 'vi' else 'pages'}  {when}  {row['actor']}  {change}"
        )
        typer.echo(f"      {row['key']}  sha256 {row['sha256']}")
