"""Reuse a digitised document: attach a stored document of an earlier dossier to a new one
instead of rescanning it (the reuse rate, ``DuocTaiSuDung``).

The clerk must be allowed to read the source dossier and to write the target one
(their unit or one below it; supervisors change nothing).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from sohoa.register.errors import RegisterError
from sohoa.register.reuse import attach
from sohoa.storage.accounts import User
from sohoa.storage.codes import DossierCodeError
from sohoa.web.auth import can_open_dossier, require_user
from sohoa.web.context import web_of
from sohoa.web.lang import request_lang, translate
from sohoa.web.templating import render

router = APIRouter(prefix="/reuse")
Clerk = Annotated[User, Depends(require_user("clerk"))]


@router.get("")
def reuse_form(request: Request, user: Clerk) -> Response:
    params = request.query_params
    return _form(request, code=params.get("code", ""), done=params.get("done", ""))


@router.post("")
def reuse_submit(
    request: Request,
    user: Clerk,
    code: Annotated[str, Form(max_length=64)],
    source: Annotated[str, Form(max_length=64)],
    document: Annotated[str, Form(max_length=80)],
    kind: Annotated[str, Form(max_length=10)] = "intake",
) -> Response:
    values = {"code": code, "source": source, "document": document, "kind": kind}
    try:
        allowed = can_open_dossier(request, user, source) and can_open_dossier(
            request, user, code, write=True
        )
    except DossierCodeError as error:
        message = error.message_vi if request_lang(request) == "vi" else str(error)
        return _form(request, status_code=400, error=message, **values)
    if not allowed:
        return _form(
            request,
            status_code=403,
            error=translate(request, "You may not read the source dossier or change this one."),
            **values,
        )
    try:
        record = attach(web_of(request).catalog(), code, kind, source, document, user.username)
    except RegisterError as error:
        message = error.message_vi if request_lang(request) == "vi" else error.message_en
        return _form(request, status_code=400, error=message, **values)
    return RedirectResponse(f"/reuse?code={record.dossier_code}&done={record.name}", 303)


def _form(request: Request, status_code: int = 200, **values: str) -> Response:
    return render(request, "reuse.html", status_code=status_code, **values)
