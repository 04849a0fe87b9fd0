"""`sohoa events`, `sohoa audit`, `sohoa replicate`, `sohoa export`, `sohoa delete`:
archive-grade keeping.

The work is in :mod:`storage.events`, :mod:`storage.fixity`,
:mod:`storage.keeping` and :mod:`storage.transfer`; this module only reads the
command line and the settings, and prints.
"""

from __future__ import annotations

import csv
import getpass
import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa import i18n
from sohoa.exit_codes import ExitCode
from sohoa.failures import not_found, problem
from sohoa.runtime import (
    JsonOption,
    fail,
    guard,
    load_settings,
    open_services,
    stored_document,
)
from sohoa.storage.codes import parse_dossier_code

if TYPE_CHECKING:
    from sohoa.settings import Settings
    from sohoa.storage.catalog import Catalog, DocumentRecord
    from sohoa.storage.fixity import AuditReport, Throttle


def cli_actor() -> str:
    """Who ran a command: the operating-system account (the trail's actor)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def note_download(catalog: Catalog, record: DocumentRecord, actor: str, via: str) -> None:
    """A ``downloaded`` event for ``record`` (CLI ``get`` and the API download route)."""
    from sohoa.storage.events import try_record_event

    try_record_event(
        catalog, "downloaded", dossier_code=record.dossier_code, document_id=record.id,
        actor=actor, detail={"via": via, "sha256": record.sha256},
    )  # fmt: skip


def events(
    case: Annotated[str, typer.Argument(help="Dossier code.")],
    as_json: JsonOption = False,
) -> None:
    """The dossier's event trail (oldest first)."""
    from sohoa.clock import vietnam_time
    from sohoa.storage.events import events_for

    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        code = str(parse_dossier_code(case))
        trail = events_for(services.catalog, code)
    if as_json:
        typer.echo(json.dumps([e.as_json() for e in trail], ensure_ascii=False, indent=2))
        return
    if not trail:
        fail(not_found(f"sự kiện của hồ sơ {code}", f"events of {code}"), settings)
    for event in trail:
        when = vietnam_time(event.at).strftime("%d/%m/%Y %H:%M:%S")
        doc = f"#{event.document_id}" if event.document_id is not None else "-"
        detail = " ".join(f"{k}={v}" for k, v in event.detail.items())
        typer.echo(f"{when}  {event.type:<15} {doc:<7} {event.actor:<20} {detail}")


def audit(
    older_than: Annotated[
        float | None,
        typer.Option(
            "--older-than",
            min=0,
            help="Only objects not checked for DAYS days (e.g. 90: each object once a quarter).",
        ),
    ] = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Rewrite a missing or bad copy from the good one.")
    ] = False,
    max_objects: Annotated[
        int | None, typer.Option("--max-objects", min=1, help="Stop after this many objects.")
    ] = None,
    batch: Annotated[
        int,
        typer.Option("--batch", min=1, max=10_000, help="Objects read from the catalog at a time."),
    ] = 100,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a report: .csv or .json.")
    ] = None,
    metrics_file: Annotated[
        Path | None,
        typer.Option("--metrics-file", help="Prometheus text file (node_exporter textfile dir)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Fixity audit: re-read stored objects on every copy and check their SHA-256 against the
    catalog; resumable, rate-limited."""
    from sohoa.progress import page_progress
    from sohoa.storage.fixity import audit as run_audit
    from sohoa.storage.keeping import keeper_of

    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        keeper = keeper_of(services.store)
        with page_progress("Kiểm tra / audit", "audit") as progress:
            result = run_audit(
                services.catalog, keeper,
                older_than=timedelta(days=older_than) if older_than is not None else None,
                repair=repair, max_objects=max_objects, batch=batch,
                throttle=_throttle(settings), progress=progress, actor=cli_actor(),
            )  # fmt: skip
    if report is not None:
        _write_report(result, report)
    if metrics_file is not None:
        _write_metrics(metrics_file)
    _print_summary(result, as_json)
    if result.unresolved:
        raise typer.Exit(ExitCode.STORAGE)


def replicate(
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many objects.")
    ] = 10_000,
) -> None:
    """Catch up the second copy: copy every object not yet on SOHOA_REPLICA_URL (verified by
    SHA-256)."""
    from sohoa.storage.keeping import (
        enroll_unlisted,
        keeper_of,
        pending_replication,
        replicate_pending,
    )

    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        keeper = keeper_of(services.store)
        if keeper.replica is None:
            fail(
                not_found("kho thứ hai (SOHOA_REPLICA_URL)", "a replica (SOHOA_REPLICA_URL)"),
                settings,
            )
        enroll_unlisted(services.catalog, keeper.primary)
        pending = pending_replication(services.catalog, limit)
        copied = replicate_pending(keeper, services.catalog, pending, actor=cli_actor())
    typer.echo(f"Đã chép / copied: {copied} / {len(pending)}")
    if copied < len(pending):
        raise typer.Exit(ExitCode.STORAGE)


def export(
    cases: Annotated[list[str], typer.Argument(help="Dossier codes.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the bags.")],
) -> None:
    """Write one BagIt bag per dossier (PDF/A, OCR text, metadata, event trail, SHA-256 manifests)
    for the archive."""
    from sohoa.storage.transfer import export_dossier

    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        for case in cases:
            code = str(parse_dossier_code(case))
            typer.echo(str(export_dossier(services.catalog, services.store, code, output)))


def _throttle(settings: Settings) -> Throttle:
    from sohoa.storage.fixity import Throttle

    mb = settings.audit_max_mb_per_s
    return Throttle(mb * 1_000_000 or None, settings.audit_max_objects_per_s or None)


def _rows(result: AuditReport) -> list[dict[str, object]]:
    return [
        {
            "object_id": c.object_id, "document_id": c.document_id,
            "dossier_code": c.dossier_code, "role": c.role, "size": c.size, "ok": c.ok,
            "primary": c.copies.get("primary", ""), "replica": c.copies.get("replica", ""),
        }
        for c in result.checks
    ]  # fmt: skip


def _write_report(result: AuditReport, path: Path) -> None:
    rows = _rows(result)
    if path.suffix.lower() == ".json":
        data = {**_summary(result), "objects": rows}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        fields = ["object_id", "document_id", "dossier_code", "role", "size", "ok", "primary"]
        writer = csv.DictWriter(handle, fieldnames=[*fields, "replica"])
        writer.writeheader()
        writer.writerows(rows)


def _write_metrics(path: Path) -> None:
    from prometheus_client import REGISTRY, write_to_textfile

    write_to_textfile(str(path), REGISTRY)


def _summary(result: AuditReport) -> dict[str, object]:
    seconds = max(result.seconds, 1e-9)
    return {
        "checked": result.checked,
        "failures": result.failures,
        "unresolved": result.unresolved,
        "remaining": result.remaining,
        "bytes_read": result.bytes_read,
        "seconds": round(result.seconds, 3),
        "objects_per_s": round(result.checked / seconds, 1),
        "mb_per_s": round(result.bytes_read / 1e6 / seconds, 2),
    }


def _print_summary(result: AuditReport, as_json: bool) -> None:
    summary = _summary(result)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    typer.echo(
        f"Đã kiểm tra / checked: {result.checked}  lỗi / failures: {result.failures}  "
        f"chưa khắc phục / unresolved: {result.unresolved}  còn lại / remaining: "
        f"{result.remaining}  ({summary['objects_per_s']} obj/s, {summary['mb_per_s']} MB/s)"
    )
    if result.unresolved:
        typer.secho(
            "Bản lưu bị thiếu hoặc hỏng: chạy 'sohoa audit --repair' để khôi phục từ bản sao "
            "thứ hai. / Copies missing or corrupted: run 'sohoa audit --repair' to restore "
            "them from the second copy.",
            fg="red",
            err=True,
        )


def delete(
    case: Annotated[str, typer.Argument(help="Dossier code (mã hồ sơ).")],
    doc: Annotated[str, typer.Argument(help="Document: 1, KQ1 or #17 (as sohoa show lists).")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")
    ] = False,
    actor: Annotated[
        str | None,
        typer.Option("--by", help="Who deletes it, for the event trail (default: the OS user)."),
    ] = None,
) -> None:
    """Delete a document whose retention has ended.

    Removes every object the document owns (the PDF/A of each version, OCR text,
    page thumbnails, dropped pages) from the store and from the second copy, then its
    catalog row, versions and search text. A 'deleted' event (who, when, how many
    objects; sohoa events CASE) stays.

    Refused, nothing deleted, exit code 11, when: the retention class is permanent or
    its period has not ended (SOHOA_RETENTION_INTAKE_YEARS / _RESULT_YEARS, set when
    the document was stored); the document is revoked (thu hồi) and within its period
    (NĐ 45/2020 Đ15); a queue job is still under way for it; or a document attached to
    another dossier (reuse) still uses its files. Asks before deleting; --yes does not.
    Exit 2 when the question is not answered yes, 7 when there is no such document.
    """
    from sohoa.storage.keeping import delete_document, plan_deletion

    settings = load_settings()
    _ = i18n.gettext(settings.lang).gettext
    with guard(settings), open_services(settings) as services:
        code = str(parse_dossier_code(case))
        record = stored_document(services, settings, code, doc)
        plan = plan_deletion(services.catalog, services.store, record.id)
        facts = {
            "name": record.name, "id": record.id, "code": code,
            "until": i18n.format_date(plan.retain_until) if plan.retain_until else "-",
            "objects": len(plan.keys), "copies": len(plan.copies),
        }  # fmt: skip
        typer.echo(
            _(
                "Document %(name)s (#%(id)s) of %(code)s: retained until %(until)s (ended); "
                "%(objects)s files on %(copies)s copies will be deleted."
            )
            % facts
        )
        if not yes and not typer.confirm(_("Delete it for good?"), default=False):
            fail(
                problem(
                    ExitCode.USAGE,
                    "Không xóa: chưa xác nhận (trả lời y, hoặc dùng --yes trong tập lệnh)",
                    "Not deleted: not confirmed (answer y, or use --yes in scripts)",
                ),
                settings,
            )
        delete_document(services.catalog, services.store, record.id, actor=actor or cli_actor())
    typer.echo(_("Deleted %(name)s of %(code)s.") % {"name": record.name, "code": code})


def register(app: typer.Typer) -> None:
    app.command(epilog="Ví dụ: sohoa events 000.00.20.H56-240101-0001")(events)
    app.command(epilog="Ví dụ: sohoa audit --older-than 90 --report audit.csv")(audit)
    app.command(epilog="Ví dụ: sohoa replicate")(replicate)
    app.command(epilog="Ví dụ: sohoa export 000.00.20.H56-240101-0001 -o chuyen-giao/")(export)
    app.command(epilog="Ví dụ: sohoa delete 000.00.20.H56-240101-0001 KQ1 --by luutru")(delete)
