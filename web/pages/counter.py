"""The counter (quầy một cửa): scan or type the dossier code, send the scans, watch them
arrive, check the sheets against the pages.

Each file becomes a job through the API's own submitter (embedded pool or the
queue, chosen once from the settings), so the counter page and counter clients
of the API end the same way. The page is an ordinary multipart form; a little
JavaScript (static/counter.js) adds the code lookup on Enter, drag and drop,
and live status over Server-Sent Events (``/counter/events``).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Annotated, Any, BinaryIO
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import JSONResponse, RedirectResponse, Response

from sohoa.api.context import context_of
from sohoa.api.errors import ApiError
from sohoa.api.uploads import client_file_name, land, too_large
from sohoa.i18n import N_
from sohoa.ingest.claim import hand_over
from sohoa.ingest.page_count import Reconciliation
from sohoa.ingest.submit import make_submission
from sohoa.ocr.errors import InputRejected
from sohoa.storage.accounts import User
from sohoa.storage.codes import DossierCodeError, find_dossier_codes, parse_dossier_code
from sohoa.storage.events import record_event
from sohoa.web import hot_folders, sse
from sohoa.web.auth import can_open_dossier, require_user
from sohoa.web.context import web_of
from sohoa.web.counter_jobs import (
    JobLine,
    acknowledged_by,
    parse_job_ids,
    read_jobs,
    reconcile,
    reconciliation_json,
)
from sohoa.web.errors import Forbidden
from sohoa.web.lang import request_lang, translate
from sohoa.web.templating import environment, render
from sohoa.web.units import units_below
from sohoa.workers.problems import Problem, problem_or_unexpected

log = logging.getLogger(__name__)
router = APIRouter(prefix="/counter")
Clerk = Annotated[User, Depends(require_user("clerk", "archivist"))]
KINDS = ("intake", "result")
#: Files one submission may carry (a pile, not a backlog: that is the archive page's).
MAX_FILES = 20


@dataclasses.dataclass(frozen=True)
class Pile:
    """One counter submission as named in the URL: its jobs and the sheets fed."""

    jobs: list[str]
    sheets: int
    duplex: bool

    @classmethod
    def of(cls, jobs: str, sheets: str, duplex: str) -> Pile:
        count = int(sheets) if sheets.isdigit() and len(sheets) < 6 else 0
        return cls(parse_job_ids(jobs), count, duplex in ("1", "on", "true"))

    def query(self, **extra: str) -> str:
        values = {"jobs": ",".join(self.jobs), "sheets": str(self.sheets)}
        values["duplex"] = "1" if self.duplex else "0"
        return urlencode({**values, **extra})


@router.get("")
def counter_page(
    request: Request,
    user: Clerk,
    jobs: str = "",
    sheets: str = "",
    duplex: str = "1",
    code: str = "",
    kind: str = "intake",
) -> Response:
    pile = Pile.of(jobs, sheets, duplex)
    lines = _lines_for(request, user, pile.jobs)
    return _page(request, pile, lines, code=code or _first_code(lines), kind=kind)


@router.get("/code")
def read_code(request: Request, user: Clerk, text: str = "") -> JSONResponse:
    """What a typed or scanned text means: the dossier code in it, or why there is none."""
    try:
        code = code_in(text)
    except DossierCodeError as error:
        return JSONResponse({"error": _code_error(request, error)}, status_code=400)
    if not can_open_dossier(request, user, code, write=True):
        return JSONResponse({"error": _not_your_unit(request, code)}, status_code=403)
    return JSONResponse({"code": code})


@router.post("")
async def submit_pile(request: Request, user: Clerk) -> Response:
    form = await request.form()  # already read (and bounded) by the CSRF check
    try:
        return await run_in_threadpool(_submit, request, user, form)
    finally:
        await form.close()


@router.post("/hot-folder")
async def pick_hot_file(request: Request, user: Clerk) -> Response:
    """File one scan the counter scanner put in the unit's hot folder (see web.hot_folders)."""
    form = await request.form()
    try:
        return await run_in_threadpool(_pick, request, user, form)
    finally:
        await form.close()


@router.get("/events")
async def pile_events(
    request: Request, user: Clerk, jobs: str = "", sheets: str = "", duplex: str = "1"
) -> Response:
    """The pile's jobs as they move, then its reconciliation, as Server-Sent Events."""
    pile = Pile.of(jobs, sheets, duplex)
    await run_in_threadpool(_lines_for, request, user, pile.jobs)  # refuses a foreign job
    lang = request_lang(request)

    def look() -> sse.Snapshot:
        lines = [line for _, line in read_jobs(web_of(request).catalog(), pile.jobs)]
        events = [("job", _line_json(request, line)) for line in lines]
        found = reconcile(lines, pile.sheets, pile.duplex)
        if found is not None:
            events.append(("reconciliation", reconciliation_json(found, lang)))
        return events, all(line.ended for line in lines)

    return sse.stream(request, look)


@router.get("/hot-folder/events")
async def hot_folder_events(request: Request, user: Clerk) -> Response:
    """The hot-folder list, rendered again whenever it changes (a scan arrives, is
    settled, is taken), as Server-Sent Events: the clerk never reloads to see it."""
    lang = request_lang(request)
    template = environment(lang).get_template("counter_hot.html")

    def look() -> sse.Snapshot:
        folders, files = _hot_files(request)
        html = template.render(hot_folders=folders, hot_files=files)
        return [("hot", {"html": html})], False

    # A look reads the folders, their files and their jobs: every 2 s is live enough for a
    # scanner a few metres away, and a counter page open all day costs a quarter as much.
    return sse.stream(request, look, every=HOT_FOLDER_POLL_SECONDS)


@router.post("/acknowledge")
async def acknowledge(request: Request, user: Clerk) -> Response:
    """The clerk accepts the pile's mismatch after looking at the paper: recorded as an
    event on the dossier (who, when, every count), then back to the pile."""
    form = await request.form()
    pile = Pile.of(*(_text(form, name) for name in ("jobs", "sheets", "duplex")))
    if _text(form, "seen") != "1":
        return _after(pile, notice="tick")
    await run_in_threadpool(_record_acknowledgement, request, user, pile)
    return _after(pile, notice="acknowledged")


# -- the work ----------------------------------------------------------------------------------


def code_in(text: str) -> str:
    """The dossier code typed, or found inside a QR payload (as ingest/ reads receipts)."""
    try:
        return parse_dossier_code(text).value
    except DossierCodeError:
        found = find_dossier_codes(text)
        if len(found) == 1:
            return found[0].value
        raise


@dataclasses.dataclass(frozen=True)
class Entry:
    """What the clerk entered above the files, checked: the code is one they may add to."""

    code: str
    kind: str
    sheets: int
    duplex: bool


def _read_entry(request: Request, user: User, form: FormData) -> Entry | Response:
    """The form's code, kind and sheets; or the counter page saying what is wrong."""
    code_text, kind = _text(form, "code"), _text(form, "kind") or "intake"
    sheets, duplex = _text(form, "sheets"), _text(form, "duplex")
    values = {"code": code_text, "kind": kind, "sheets": sheets, "duplex": duplex}
    try:
        code = code_in(code_text)
    except DossierCodeError as error:
        return _form_error(request, _code_error(request, error), values)
    if not can_open_dossier(request, user, code, write=True):
        return _form_error(request, _not_your_unit(request, code), values, status=403)
    if kind not in KINDS:
        return _form_error(request, translate(request, "Choose intake or result."), values)
    if not sheets.isdigit() or not 0 < int(sheets) < 10000:
        message = translate(request, "Enter the number of sheets you fed (1 or more).")
        return _form_error(request, message, values)
    return Entry(code, kind, int(sheets), duplex in ("1", "on"))


def _submit(request: Request, user: User, form: FormData) -> Response:
    entry = _read_entry(request, user, form)
    if isinstance(entry, Response):
        return entry
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not files:
        message = translate(request, "Choose or drop the scan files first.")
        return _form_error(request, message, _values(form))
    if len(files) > MAX_FILES:
        message = translate(request, "At most %(n)s files at a time.", n=MAX_FILES)
        return _form_error(request, message, _values(form))
    accepted, refused = [], []
    for upload in files:
        try:
            accepted.append(_accept(request, entry, upload))
        except (ApiError, Problem, InputRejected, DossierCodeError) as error:
            refused.append(_refusal(request, upload.filename or "", error))
    return _after_submit(request, user, entry, accepted, refused)


def _after_submit(
    request: Request, user: User, entry: Entry, accepted: list[str], refused: list[dict[str, str]]
) -> Response:
    pile = Pile(accepted, entry.sheets, entry.duplex)
    if refused:
        lines = _lines_for(request, user, pile.jobs)
        return _page(
            request, pile, lines, code=entry.code, kind=entry.kind, refused=refused, status=400
        )
    return RedirectResponse(f"/counter?{pile.query()}", status_code=303)


def _accept(request: Request, entry: Entry, upload: UploadFile) -> str:
    """Land one file in the inbox and hand it to the submitter the API uses: a job id."""
    limit = int(context_of(request).settings.api_max_upload_mb * 1024 * 1024)
    if upload.size is not None and upload.size > limit:  # the API's limit, file by file
        raise too_large(limit)
    return _hand_in(request, entry, upload.file, upload.filename)


def _hand_in(request: Request, entry: Entry, source: BinaryIO, name: str | None) -> str:
    """Copy ``source`` into the inbox and hand it to the API's submitter: a job id."""
    context = context_of(request)
    landed = land(source, context.settings.resolved_inbox_dir)
    submission = make_submission(landed.path, entry.code, entry.kind)
    submission = dataclasses.replace(
        submission, source_name=client_file_name(name, landed.path.name)
    )
    return context.submitter.submit(submission).id


def _pick(request: Request, user: User, form: FormData) -> Response:
    """File one scan of the counter's hot folder under the code the clerk typed."""
    entry = _read_entry(request, user, form)
    if isinstance(entry, Response):
        return entry
    folder_id, _, name = str(form.get("hot") or "").partition("/")
    folder = next((f for f in _my_folders(request, user) if str(f.id) == folder_id), None)
    if folder is None:
        raise Forbidden  # not a folder of the clerk's unit: nothing is said about it
    try:
        claimed = hot_folders.take(folder, name)
    except hot_folders.NotPickable as why:
        return _form_error(request, why.message(request_lang(request)), _values(form), status=409)
    try:
        with claimed.path.open("rb") as source:
            job = _hand_in(request, entry, source, claimed.original_name)
    except (ApiError, Problem, InputRejected, DossierCodeError) as error:
        hot_folders.give_back(claimed, folder)
        return _after_submit(request, user, entry, [], [_refusal(request, name, error)])
    except BaseException:
        hot_folders.give_back(claimed, folder)
        raise
    try:
        # The source waits in .processing/ until its job has ended (hot_folders.settle).
        hand_over(claimed, job)
    except OSError:
        log.exception("picked source's job not noted", extra={"file": claimed.original_name})
    claimed.release()
    return _after_submit(request, user, entry, [job], [])


def _my_folders(request: Request, user: User) -> list[hot_folders.CounterFolder]:
    settings = web_of(request).settings
    every = hot_folders.counter_folders(settings.watch_config)
    return hot_folders.folders_of(every, user, lambda unit: units_below(request, unit))


def _hot_files(request: Request) -> tuple[list[hot_folders.CounterFolder], list[dict[str, Any]]]:
    """The clerk's counter folders and the files waiting in them, for the page."""
    user: User | None = getattr(request.state, "user", None)
    if user is None:
        return [], []
    folders = _my_folders(request, user)
    web = web_of(request)
    # Picked files whose jobs ended leave .processing/ first.
    hot_folders.settle_all(folders, web.catalog(), web.settings.resolved_quarantine_dir)
    settle, now = web.settings.watch_settle_seconds, time.time()
    files = [
        {
            "pick": found.pick,
            "name": found.name,
            "folder": found.folder.label,
            "size": _size(found.size),
            "modified": found.modified,
            "state": found.state,
            "label": translate(request, HOT_STATE_LABELS[found.state]),
        }
        for folder in folders
        for found in hot_folders.waiting_files(folder, settle, now)
    ]
    return folders, files


#: How often an open counter page's hot-folder list is looked at again.
HOT_FOLDER_POLL_SECONDS = 2.0

HOT_STATE_LABELS = {
    "arriving": N_("Still arriving"),
    "ready": N_("Ready"),
    "taken": N_("Being filed"),
}


def _size(size: int) -> str:
    """A file size as the clerk reads it (KB below a megabyte, else MB)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _refusal(request: Request, name: str, error: Exception) -> dict[str, str]:
    if isinstance(error, ApiError):
        vi, en = error.message_vi, error.message_en
    else:
        problem = problem_or_unexpected(error)
        vi, en = problem.message_vi, problem.message_en
    return {"name": name, "message": vi if request_lang(request) == "vi" else en}


def _lines_for(request: Request, user: User, job_ids: list[str]) -> list[JobLine]:
    """The jobs' lines; Forbidden when one of them is missing or of a dossier the user
    may not open (a job id from another unit tells nothing)."""
    found = read_jobs(web_of(request).catalog(), job_ids)
    if len(found) != len(job_ids):
        raise Forbidden
    for job, _ in found:
        if not can_open_dossier(request, user, job.dossier_code):
            raise Forbidden
    return [line for _, line in found]


def _record_acknowledgement(request: Request, user: User, pile: Pile) -> None:
    lines = _lines_for(request, user, pile.jobs)
    found = reconcile(lines, pile.sheets, pile.duplex)
    if found is None or found.matches:
        return
    c = found.counts
    detail: dict[str, Any] = {
        "jobs": sorted(pile.jobs),
        "sheets": found.sheets,
        "duplex": found.duplex,
        "input_pages": c.input_pages,
        "blank_backs_dropped": c.blank_backs_dropped,
        "separators_removed": c.separators_removed,
        "content_pages": c.content_pages,
    }
    catalog = web_of(request).catalog()
    for dossier in sorted({line.dossier_code for line in lines}):
        record_event(
            catalog, "count_acknowledged", dossier_code=dossier, actor=user.username, detail=detail
        )


# -- rendering ---------------------------------------------------------------------------------


def _page(
    request: Request,
    pile: Pile,
    lines: list[JobLine],
    *,
    code: str = "",
    kind: str = "intake",
    sheets: str = "",
    duplex: str = "1",
    error: str = "",
    refused: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    lang = request_lang(request)
    found = reconcile(lines, pile.sheets, pile.duplex)
    acknowledged = ""
    if found is not None and not found.matches:
        acknowledged = acknowledged_by(web_of(request).catalog(), lines[0].dossier_code, pile.jobs)
    notice = request.query_params.get("notice", "")
    folders, hot_files = _hot_files(request)
    return render(
        request,
        "counter.html",
        status_code=status,
        pile=pile,
        lines=[_line_json(request, line) for line in lines],
        active=any(not line.ended for line in lines),
        events_url=f"/counter/events?{pile.query()}" if pile.jobs else "",
        reconciliation=_reconciliation_view(found, lang),
        acknowledged=acknowledged,
        notice=notice,
        form={"code": code, "kind": kind, "sheets": sheets, "duplex": duplex},
        error=error,
        refused=refused or [],
        hot_folders=folders,
        hot_files=hot_files,
    )


def _form_error(
    request: Request, message: str, values: dict[str, str], status: int = 400
) -> Response:
    """The empty counter with what the clerk entered and what is wrong with it."""
    return _page(
        request,
        Pile([], 0, True),
        [],
        error=message,
        status=status,
        code=values["code"],
        kind=values["kind"],
        sheets=values["sheets"],
        duplex=values["duplex"],
    )


def _reconciliation_view(found: Reconciliation | None, lang: str) -> dict[str, Any] | None:
    return None if found is None else reconciliation_json(found, lang)


STATE_LABELS = {
    "queued": N_("Waiting"),
    "ocr": N_("Reading (OCR)"),
    "stored": N_("Stored"),
    "duplicate": N_("Already stored"),
    "rejected": N_("Rejected"),
    "failed": N_("Failed"),
}


def _line_json(request: Request, line: JobLine) -> dict[str, Any]:
    data = line.as_json()
    data["label"] = translate(request, STATE_LABELS[line.state])
    data["message"] = line.message_vi if request_lang(request) == "vi" else line.message_en
    return data


def _after(pile: Pile, notice: str) -> Response:
    return RedirectResponse(f"/counter?{pile.query(notice=notice)}", status_code=303)


def _first_code(lines: list[JobLine]) -> str:
    return lines[0].dossier_code if lines else ""


def _values(form: FormData) -> dict[str, str]:
    """What the clerk entered, to show again with an error."""
    return {name: _text(form, name) for name in ("code", "kind", "sheets", "duplex")}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _code_error(request: Request, error: DossierCodeError) -> str:
    why = error.problem_vi if request_lang(request) == "vi" else error.problem
    return translate(
        request,
        "This is not a dossier code: %(why)s. Scan the QR code on the receipt again, "
        "or type the code as printed (e.g. 000.00.20.H56-240101-0001).",
        why=why,
    )


def _not_your_unit(request: Request, code: str) -> str:
    return translate(
        request,
        "Dossier %(code)s belongs to another unit: you cannot add scans to it. "
        "Check the code on the receipt.",
        code=code,
    )
