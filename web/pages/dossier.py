"""The dossier page (/ho-so/{code}): every document and version, page thumbnails, the
PDF/A in the browser's own viewer, OCR text, checks, the event trail, downloads, and the
fixes (turn, restore, replace, insert, sticky note) as small forms.

A document's signature is shown as stored (level, signer, time); checking it (SHA-256,
signature against the trust roots, certificate revocation, PDF/A) downloads the object
and runs pyHanko, so it runs when asked ("Kiểm tra chữ ký"), not on every page view.

Every route checks the dossier against the user's units before anything is looked up
(a clerk of another unit gets 403, never a 404 that would confirm the dossier exists);
fixes need write access (clerks and archivists of the unit; supervisors read only).
Thumbnails and PDFs are streamed from the object store: the thumbnails were made once
at store time, so a 200-page document decodes no scan per request.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, RedirectResponse, Response

from sohoa.api.backends import BackendUnavailable
from sohoa.i18n import N_
from sohoa.scanner_profiles import load as load_profile
from sohoa.storage.accounts import User
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.codes import DossierCodeError, parse_dossier_code
from sohoa.storage.events import try_record_event
from sohoa.storage.objects import ObjectStore
from sohoa.storage.versions import VersionRecord, versions
from sohoa.web import dossier_view as views
from sohoa.web.auth import require_dossier_access, require_user
from sohoa.web.context import WebUnavailable, web_of
from sohoa.web.lang import request_lang, translate
from sohoa.web.templating import render
from sohoa.web.units import dossier_unit
from sohoa.workers import revise
from sohoa.workers.problems import Problem

router = APIRouter(prefix="/ho-so")
Reader = Annotated[User, Depends(require_user())]
#: Fixes change a document: clerks and archivists (admins pass every check).
Fixer = Annotated[User, Depends(require_user("clerk", "archivist"))]
#: Thumbnails and versions never change under their key: the browser may keep them.
IMMUTABLE = "private, max-age=31536000, immutable"
#: The PDF is shown in an <iframe> of the dossier page (same origin only).
FRAMEABLE = {
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
}
DONE = {"revised": N_("The fix was saved as a new version; the earlier versions are kept.")}
MAX_SCAN_BYTES = 200 * 1024 * 1024


@router.get("/{code}")
def dossier_page(request: Request, user: Reader, code: str, done: str = "") -> Response:
    checked = _open(request, user, code)
    notice = translate(request, DONE[done]) if done in DONE else ""
    return _page(request, user, checked, notice=notice)


@router.get("/{code}/documents/{doc_id}/versions/{version}/thumbs/{page}")
def thumbnail(
    request: Request, user: Reader, code: str, doc_id: int, version: int, page: int
) -> Response:
    checked = _open(request, user, code)
    record = _document(request, checked, doc_id)
    found = _version(request, record, version)
    key = views.thumbnail_key(found, page) if found else None
    if key is None:
        raise HTTPException(404)
    return _stream(request, key, "image/jpeg", headers={"Cache-Control": IMMUTABLE})


@router.get("/{code}/documents/{doc_id}/versions/{version}/pdf")
def document_pdf(
    request: Request, user: Reader, code: str, doc_id: int, version: int, download: int = 0
) -> Response:
    checked = _open(request, user, code)
    record = _document(request, checked, doc_id)
    found = _version(request, record, version)
    if found is None:
        raise HTTPException(404)
    name = record.name + (f".v{version}" if version > 1 else "") + ".pdf"
    disposition = "attachment" if download else "inline"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
        "Cache-Control": IMMUTABLE,
        **FRAMEABLE,
    }
    if download:
        try_record_event(
            _catalog(request), "downloaded", dossier_code=checked, document_id=record.id,
            actor=user.username, detail={"via": "web", "version": version},
        )  # fmt: skip
    return _stream(request, found.key, "application/pdf", headers=headers)


@router.post("/{code}/documents/{doc_id}/verify")
def verify_document(request: Request, user: Reader, code: str, doc_id: int) -> Response:
    """Check the stored document now and show the page with the verdict (and record it)."""
    from sohoa.workers.signing import check_document

    checked = _open(request, user, code)
    record = _document(request, checked, doc_id)
    with tempfile.TemporaryDirectory(prefix="sohoa-web-verify-") as tmp:
        check = check_document(_store(request), record, Path(tmp))
    try_record_event(
        _catalog(request), "verified", dossier_code=checked, document_id=record.id,
        actor=user.username, detail={"via": "web", "valid": check.valid},
    )  # fmt: skip
    return _page(request, user, checked, checks={record.id: check.as_dict()})


@router.get("/{code}/documents/{doc_id}/text")
def document_text(request: Request, user: Reader, code: str, doc_id: int) -> Response:
    """The current version's OCR text as plain text (never interpreted as markup)."""
    checked = _open(request, user, code)
    view = _view(request, _document(request, checked, doc_id))
    body = "\n\n".join(
        f"--- {translate(request, 'Page %(page)s', page=n)} ---\n{text}"
        for n, text in enumerate(view.texts, start=1)
    )
    return Response(
        body,
        media_type="text/plain; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.post("/{code}/documents/{doc_id}/rotate")
def rotate_page(
    request: Request,
    user: Fixer,
    code: str,
    doc_id: int,
    page: Annotated[int, Form()],
    degrees: Annotated[int, Form()],
) -> Response:
    return _fix(
        request, user, code, doc_id,
        lambda store, catalog, record: revise.rotate(
            store, catalog, record, page, degrees, actor=user.username
        ),
    )  # fmt: skip


@router.post("/{code}/documents/{doc_id}/restore")
def restore_page(
    request: Request, user: Fixer, code: str, doc_id: int, scanned: Annotated[int, Form()]
) -> Response:
    return _fix(
        request, user, code, doc_id,
        lambda store, catalog, record: revise.restore_dropped(
            store, catalog, record, scanned, actor=user.username
        ),
    )  # fmt: skip


@router.post("/{code}/documents/{doc_id}/replace")
def replace_page(
    request: Request,
    user: Fixer,
    code: str,
    doc_id: int,
    page: Annotated[int, Form()],
    scan: Annotated[UploadFile, File()],
) -> Response:
    return _scan_fix(request, user, code, doc_id, revise.replace_page, page, scan)


@router.post("/{code}/documents/{doc_id}/insert")
def insert_page(
    request: Request,
    user: Fixer,
    code: str,
    doc_id: int,
    page: Annotated[int, Form()],
    scan: Annotated[UploadFile, File()],
) -> Response:
    return _scan_fix(request, user, code, doc_id, revise.insert_after, page, scan)


@router.post("/{code}/documents/{doc_id}/sticky")
def sticky_page(
    request: Request,
    user: Fixer,
    code: str,
    doc_id: int,
    page: Annotated[int, Form()],
    scan: Annotated[UploadFile, File()],
) -> Response:
    return _scan_fix(request, user, code, doc_id, revise.sticky, page, scan)


Fix = Callable[[ObjectStore, Catalog, DocumentRecord], DocumentRecord]


def _scan_fix(
    request: Request,
    user: User,
    code: str,
    doc_id: int,
    operation: Callable[..., DocumentRecord],
    page: int,
    scan: UploadFile,
) -> Response:
    checked = _open(request, user, code, write=True)
    settings = web_of(request).settings
    options = settings.ocr_options(load_profile(settings.profile))
    name = Path(scan.filename or "scan").name
    with tempfile.TemporaryDirectory(prefix="sohoa-web-scan-") as tmp:
        local = Path(tmp) / "scan"
        with local.open("wb") as out:
            shutil.copyfileobj(scan.file, out, length=1024 * 1024)
        if local.stat().st_size > MAX_SCAN_BYTES:
            raise HTTPException(413)
        return _fix(
            request, user, checked, doc_id,
            lambda store, catalog, record: operation(
                store, catalog, record, page, local, actor=user.username, options=options,
                scan_name=name,
            ),
        )  # fmt: skip


def _fix(request: Request, user: User, code: str, doc_id: int, fix: Fix) -> Response:
    checked = _open(request, user, code, write=True)
    record = _document(request, checked, doc_id)
    try:
        fix(_store(request), _catalog(request), record)
    except Problem as problem:
        message = problem.message_vi if request_lang(request) == "vi" else problem.message_en
        return _page(request, user, checked, error=message, status_code=problem.http_status)
    url = f"/ho-so/{quote(checked)}?done=revised#doc-{record.id}"
    return RedirectResponse(url, status_code=303)


def _open(request: Request, user: User, code: str, *, write: bool = False) -> str:
    """The normalised code, once the user may open (or change) the dossier."""
    try:
        checked = parse_dossier_code(code).value
    except DossierCodeError:
        raise HTTPException(404) from None
    require_dossier_access(request, user, checked, write=write)
    return checked


def _document(request: Request, code: str, doc_id: int) -> DocumentRecord:
    record = _catalog(request).document(doc_id)
    if record is None or record.dossier_code != code or record.status != "stored":
        raise HTTPException(404)
    return record


def _version(request: Request, record: DocumentRecord, number: int) -> VersionRecord | None:
    """One version of ``record`` (no OCR text read: thumbnails and PDFs need only keys)."""
    return next((v for v in versions(_catalog(request), record) if v.version == number), None)


def _view(request: Request, record: DocumentRecord) -> views.DocumentView:
    return views.document_view(_catalog(request), _store(request), record)


def _page(
    request: Request,
    user: User,
    code: str,
    *,
    notice: str = "",
    error: str = "",
    status_code: int = 200,
    checks: dict[int, dict[str, Any]] | None = None,
) -> Response:
    view = views.dossier_view(_catalog(request), _store(request), code)
    if view is None:
        raise HTTPException(404)
    can_fix = user.role in ("clerk", "archivist", "admin")

    def _t(message: str) -> str:
        return translate(request, message)

    return render(
        request,
        "dossier.html",
        status_code=status_code,
        view=view,
        unit=dossier_unit(request, code),
        can_fix=can_fix,
        notice=notice,
        error=error,
        change_text=lambda change: views.change_text(change, _t),
        event_labels=views.EVENT_LABELS,
        kind_labels=views.KIND_LABELS,
        status_labels=views.STATUS_LABELS,
        checks=checks or {},
        revocation_labels=views.REVOCATION_LABELS,
    )


def _stream(request: Request, key: str, media_type: str, headers: dict[str, str]) -> Response:
    """The object under ``key`` (its SHA-256 verified on the way), then the copy removed."""
    tmp = Path(tempfile.mkdtemp(prefix="sohoa-web-object-"))
    local = tmp / "object"
    try:
        got = _store(request).get_to_file(key, local)
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    headers = {**headers, "ETag": f'"{got.sha256}"'}
    if request.headers.get("if-none-match") == headers["ETag"]:
        shutil.rmtree(tmp, ignore_errors=True)
        return Response(status_code=304, headers=headers)
    return FileResponse(
        local,
        media_type=media_type,
        headers=headers,
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
        content_disposition_type="inline",
    )


def _catalog(request: Request) -> Catalog:
    return web_of(request).catalog()


def _store(request: Request) -> ObjectStore:
    try:
        return web_of(request).backends.get().services.store
    except BackendUnavailable as error:
        raise WebUnavailable(str(error)) from None


__all__ = ["router"]
