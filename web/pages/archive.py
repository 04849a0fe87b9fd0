"""The archive page (văn thư lưu trữ): separator sheets, backlog batches, the quarantine.

A batch runs ``ingest.batch`` on a server folder inside SOHOA_ARCHIVE_ROOTS
(web.archive_roots) in a thread of the server (web.archive_runs), with its
progress pushed over Server-Sent Events. Quarantined files are listed with
their reason; a retry files one under a dossier code, a delete (confirmed, and
recorded as an event) removes it from the quarantine only — never a source.
Archive staff see the runs and quarantined files that come from folders they
may use; admins see all.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import FileResponse, RedirectResponse, Response

from sohoa.api.context import backends_of
from sohoa.i18n import N_
from sohoa.ingest.hot_file import Context
from sohoa.ingest.page_codes import code_from_filename
from sohoa.ingest.quarantine import Entry, NotInQuarantine, Quarantine
from sohoa.ingest.quarantine_retry import retry
from sohoa.scanner_profiles import load as load_profile
from sohoa.storage.accounts import User
from sohoa.storage.codes import DossierCodeError
from sohoa.storage.events import record_event
from sohoa.watch_context import explain as quarantine_explain
from sohoa.web import sse
from sohoa.web.archive_roots import (
    ArchiveRoot,
    FolderRefused,
    checked_folder,
    parse_roots,
    under_roots,
    usable_roots,
)
from sohoa.web.archive_runs import BatchRun, BatchRunner, Busy, started_at_text
from sohoa.web.auth import can_open_dossier, require_user
from sohoa.web.context import web_of
from sohoa.web.errors import Forbidden
from sohoa.web.lang import request_lang, translate
from sohoa.web.pages.counter import code_in
from sohoa.web.templating import render

router = APIRouter(prefix="/archive")
Archivist = Annotated[User, Depends(require_user("archivist"))]
KINDS = ("intake", "result")


@router.get("")
def archive_page(request: Request, user: Archivist, run: str = "", notice: str = "") -> Response:
    return _page(request, user, run_id=run, notice=notice)


@router.post("/batches")
async def start_batch(request: Request, user: Archivist) -> Response:
    form = await request.form()
    folder, kind = _field(form.get("folder")), _field(form.get("kind")) or "intake"
    return await run_in_threadpool(_start, request, user, folder, kind)


@router.get("/events")
async def batch_events(request: Request, user: Archivist, run: str = "") -> Response:
    """The run's progress and each part as it ends, as Server-Sent Events."""
    found = await run_in_threadpool(_visible_run, request, user, run)
    lang = request_lang(request)

    def look() -> sse.Snapshot:
        events: list[tuple[str, dict[str, Any]]] = [("progress", found.progress())]
        events += [
            ("row", _row_json(i, row, lang, request)) for i, row in enumerate(list(found.rows))
        ]
        return events, not found.running

    return sse.stream(request, look)


@router.get("/batches/{name}/report.csv")
def report_csv(request: Request, user: Archivist, name: str) -> Response:
    found = _visible_run(request, user, name)
    path = found.directory / "report.csv"
    if not path.is_file():
        raise Forbidden
    return FileResponse(path, media_type="text/csv", filename=f"bao-cao-{found.id}.csv")


@router.post("/quarantine/{name}/retry")
async def retry_entry(request: Request, user: Archivist, name: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_retry, request, user, name, _field(form.get("code")))


@router.post("/quarantine/{name}/delete")
def delete_entry(request: Request, user: Archivist, name: str) -> Response:
    entry = _visible_entry(request, user, name)
    _quarantine(request).remove(entry)
    code = code_from_filename(Path(entry.origin.original_name))
    record_event(
        web_of(request).catalog(),
        "quarantine_deleted",
        dossier_code=code.value if code else "",
        actor=user.username,
        detail={"reason": entry.why.reason, "sha256": entry.sha256, "attempts": entry.attempts},
    )
    return _back(notice="deleted")


@router.post("/sheets")
async def print_sheets(request: Request, user: Archivist) -> Response:
    """Separator sheets for the codes listed (one per line): the PDF to print."""
    from sohoa.ingest.separator_sheets import read_code_list, separator_sheets_pdf

    form = await request.form()
    text, duplex = _field(form.get("codes")), _field(form.get("duplex")) in ("1", "on")
    try:
        labels = read_code_list(text)
        pdf = await run_in_threadpool(separator_sheets_pdf, labels, duplex=duplex)
    except DossierCodeError as error:
        why = error.problem_vi if request_lang(request) == "vi" else error.problem
        return _page(request, user, error=translate(request, "Sheets not made: %(why)s", why=why))
    except ValueError:
        message = translate(request, "List at least one dossier code, one per line.")
        return _page(request, user, error=message)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="phieu-phan-tach.pdf"'},
    )


# -- the work ----------------------------------------------------------------------------------


def _runner(request: Request) -> BatchRunner:
    state = request.app.state
    runner: BatchRunner | None = getattr(state, "archive_runner", None)
    if runner is None:
        runner = state.archive_runner = BatchRunner(web_of(request).settings)
    return runner


def _roots(request: Request, user: User) -> list[ArchiveRoot]:
    from sohoa.register.units import units_below

    catalog = web_of(request).catalog()
    roots = parse_roots(web_of(request).settings.archive_roots)
    return usable_roots(roots, user, lambda unit: units_below(catalog, unit))


def _start(request: Request, user: User, folder_text: str, kind: str) -> Response:
    roots = _roots(request, user)
    try:
        folder = checked_folder(folder_text, roots)
    except FolderRefused as refused:
        message = refused.message(request_lang(request))
        return _page(request, user, error=message, folder=folder_text, status=400)
    if kind not in KINDS:
        kind = "intake"
    services = backends_of(request).get().services
    try:
        run = _runner(request).start(folder, kind, user.username, services.store, services.catalog)
    except Busy:
        message = translate(request, "A batch is already running; wait until it ends.")
        return _page(request, user, error=message, folder=folder_text, status=409)
    return RedirectResponse(f"/archive?{urlencode({'run': run.id})}", status_code=303)


def _visible_run(request: Request, user: User, run_id: str) -> BatchRun:
    found = _runner(request).get(run_id) if run_id.replace("-", "").isalnum() else None
    if found is None or not _may_see(request, user, Path(found.folder)):
        raise Forbidden
    return found


def _may_see(request: Request, user: User, path: Path) -> bool:
    return user.role == "admin" or under_roots(path, _roots(request, user))


def _quarantine(request: Request) -> Quarantine:
    return Quarantine(web_of(request).settings.resolved_quarantine_dir)


def _entry_path(entry: Entry) -> Path:
    return Path(entry.origin.source or entry.origin.folder)


def _visible_entry(request: Request, user: User, name: str) -> Entry:
    try:
        entry = _quarantine(request).get(name)
    except NotInQuarantine:
        raise Forbidden from None
    if not _may_see(request, user, _entry_path(entry)):
        raise Forbidden
    return entry


def _retry(request: Request, user: User, name: str, code_text: str) -> Response:
    from sohoa.workers.lifecycle import open_digitiser

    entry = _visible_entry(request, user, name)
    code = None
    if code_text:
        try:
            code = code_in(code_text)
        except DossierCodeError as error:
            why = error.problem_vi if request_lang(request) == "vi" else error.problem
            return _page(request, user, error=why, status=400)
        if not can_open_dossier(request, user, code, write=True):
            raise Forbidden
    settings = web_of(request).settings
    services = backends_of(request).get().services
    with open_digitiser(
        services.store, services.catalog, settings.queue_config(), settings.jobs or None
    ) as digitiser:
        context = Context(
            digitise=lambda submission, options: digitiser.digitise(submission, options),
            explain=quarantine_explain,
            options_for=lambda profile: settings.ocr_options(
                load_profile(profile or settings.profile)
            ),
            quarantine=_quarantine(request),
        )
        result = retry(entry, context, code)
    if result.outcome is not None:
        return _back(notice="filed", document=result.outcome.record.name)
    reason = result.entry.why
    message = reason.message_vi if request_lang(request) == "vi" else reason.message_en
    return _page(request, user, error=translate(request, "Still not filed: %(why)s", why=message))


# -- rendering ---------------------------------------------------------------------------------

NOTICES = {
    "deleted": N_("The file was deleted from the quarantine (recorded)."),
    "filed": N_("The file was filed as %(document)s and left the quarantine."),
}
STATUS_LABELS = {
    "stored": N_("Stored"),
    "duplicate": N_("Already stored (earlier run)"),
    "error": N_("Error"),
    "separator": N_("Separator sheet removed"),
    "done": N_("Read"),
}
RUN_STATES = {
    "counting": N_("Counting pages"),
    "running": N_("Running"),
    "finished": N_("Finished"),
    "failed": N_("Stopped by an error"),
    "interrupted": N_("Interrupted (server stopped): run the folder again to resume"),
}


def _page(
    request: Request,
    user: User,
    *,
    run_id: str = "",
    notice: str = "",
    error: str = "",
    folder: str = "",
    status: int = 200,
) -> Response:
    runner = _runner(request)
    lang = request_lang(request)
    roots = _roots(request, user)
    runs = [r for r in runner.runs() if user.role == "admin" or under_roots(Path(r.folder), roots)]
    shown = next((r for r in runs if r.id == run_id), runs[0] if runs else None)
    entries = [e for e in _quarantine(request).entries() if _may_see_entry(user, e, roots)]
    notice_text = ""
    if notice in NOTICES:
        notice_text = translate(
            request, NOTICES[notice], document=request.query_params.get("document", "")
        )
    return render(
        request,
        "archive.html",
        status_code=status,
        roots=roots,
        runs=runs,
        run=_run_view(shown, lang, request) if shown else None,
        entries=[_entry_view(e, lang) for e in entries],
        notice=notice_text,
        error=error,
        folder=folder or (str(roots[0].path) if roots else ""),
        started_at=started_at_text,
        state_label=lambda state: translate(request, RUN_STATES.get(str(state), str(state))),
    )


def _may_see_entry(user: User, entry: Entry, roots: list[ArchiveRoot]) -> bool:
    return user.role == "admin" or under_roots(_entry_path(entry), roots)


def _run_view(run: BatchRun, lang: str, request: Request) -> dict[str, Any]:
    return {
        "id": run.id,
        "folder": run.folder,
        "state": run.state,
        "running": run.running,
        "started_at": started_at_text(run),
        "started_by": run.started_by,
        "progress": run.progress(),
        "rows": [_row_json(i, row, lang, request) for i, row in enumerate(run.rows)],
        "error": run.error_vi if lang == "vi" else run.error_en,
    }


def _row_json(index: int, row: Any, lang: str, request: Request) -> dict[str, Any]:
    data = dataclasses.asdict(row)
    label = STATUS_LABELS.get(row.status, row.status)
    data.update(
        id=index,
        file=Path(row.source).name,
        label=translate(request, label),
        message=row.error(lang),
    )
    return data


def _entry_view(entry: Entry, lang: str) -> dict[str, Any]:
    return {
        "name": entry.name,
        "original": entry.origin.original_name,
        "pages": entry.origin.pages,
        "source": Path(entry.origin.source).name if entry.origin.source else "",
        "when": entry.quarantined_at,
        "attempts": entry.attempts,
        "reason": entry.why.message_vi if lang == "vi" else entry.why.message_en,
        "fix": entry.why.fix_vi if lang == "vi" else entry.why.fix_en,
    }


def _back(**query: str) -> Response:
    return RedirectResponse(f"/archive?{urlencode(query)}", status_code=303)


def _field(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
