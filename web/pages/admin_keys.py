"""Admin: API keys for other systems — list, create with a scope (shown once), revoke.

The same table and rules as ``sohoa apikey`` (storage.api_keys): only a keyed
hash is stored, so the new key appears in the answer to the form and nowhere
else (not in a URL, not in a log).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from sohoa.api.context import backends_of
from sohoa.i18n import N_
from sohoa.storage.accounts import User
from sohoa.storage.api_keys import SCOPES, ApiKeyError, ApiKeyStore
from sohoa.web.auth import require_user
from sohoa.web.context import WebUnavailable
from sohoa.web.lang import request_lang, translate
from sohoa.web.templating import render

router = APIRouter(prefix="/admin/keys")
Admin = Annotated[User, Depends(require_user("admin"))]
DONE = {"revoked": N_("The key was revoked; requests with it are refused from now on.")}


@router.get("")
def keys_page(request: Request, user: Admin, done: str = "") -> Response:
    return _page(request, notice=translate(request, DONE[done]) if done in DONE else "")


@router.post("")
def create_key(
    request: Request,
    user: Admin,
    name: Annotated[str, Form(max_length=64)],
    scope: Annotated[str, Form(max_length=16)],
    unit: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        issued = _keys(request).create(name, scope, unit or None)
    except ApiKeyError as error:
        return _page(
            request,
            error=translate(
                request,
                "The key was not created: %(why)s",
                why=error.message(request_lang(request)),
            ),
        )
    return _page(request, issued=issued.token, issued_name=issued.key.name)


@router.post("/{name}/revoke")
def revoke_key(request: Request, user: Admin, name: str) -> Response:
    try:
        _keys(request).revoke(name)
    except ApiKeyError as error:
        return _page(
            request,
            error=translate(
                request,
                "The key was not revoked: %(why)s",
                why=error.message(request_lang(request)),
            ),
        )
    return RedirectResponse("/admin/keys?done=revoked", status_code=303)


def _keys(request: Request) -> ApiKeyStore:
    from sohoa.api.backends import BackendUnavailable

    try:
        return backends_of(request).get().keys
    except BackendUnavailable as error:
        raise WebUnavailable(str(error)) from None


def _page(
    request: Request, notice: str = "", error: str = "", issued: str = "", issued_name: str = ""
) -> Response:
    response = render(
        request,
        "admin/keys.html",
        status_code=400 if error else 200,
        keys=_keys(request).list(),
        scopes=SCOPES,
        notice=notice,
        error=error,
        issued=issued,
        issued_name=issued_name,
    )
    if issued:  # the only copy of the secret: never cached, never kept by the browser
        response.headers["Cache-Control"] = "no-store"
    return response
