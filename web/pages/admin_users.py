"""Admin: accounts — list, create, disable, reset a password.

After a change the browser is sent back to the list (POST, redirect, GET) with
a short code saying what was done; a refused change re-renders the list with
the reason in the page's language.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from sohoa.i18n import N_
from sohoa.storage.accounts import ROLES, AccountError, User
from sohoa.web.auth import require_user
from sohoa.web.context import web_of
from sohoa.web.lang import request_lang, translate
from sohoa.web.templating import render

router = APIRouter(prefix="/admin/users")
Admin = Annotated[User, Depends(require_user("admin"))]
#: What the list says after a change (the ``done`` query value).
DONE = {
    "created": N_("The account was created."),
    "disabled": N_("The account was disabled; its sessions have ended."),
    "reset": N_("The password was changed; the account's sessions have ended."),
}


@router.get("")
def users_page(request: Request, user: Admin, done: str = "") -> Response:
    return _page(request, notice=translate(request, DONE[done]) if done in DONE else "")


@router.post("")
def create_user(
    request: Request,
    user: Admin,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1000)],
    password_again: Annotated[str, Form(max_length=1000)],
    role: Annotated[str, Form(max_length=16)],
    unit_code: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if password != password_again:
        return _page(request, error=translate(request, "The two passwords differ."))
    try:
        web_of(request).accounts().add(
            username, password, role=role, unit_code=unit_code, display_name=display_name
        )
    except AccountError as error:
        return _refused(request, error)
    return RedirectResponse("/admin/users?done=created", status_code=303)


@router.post("/{username}/disable")
def disable_user(request: Request, user: Admin, username: str) -> Response:
    if username == user.username:
        return _page(request, error=translate(request, "You cannot disable your own account."))
    try:
        web_of(request).accounts().disable(username)
    except AccountError as error:
        return _refused(request, error)
    return RedirectResponse("/admin/users?done=disabled", status_code=303)


@router.post("/{username}/password")
def reset_password(
    request: Request,
    user: Admin,
    username: str,
    password: Annotated[str, Form(max_length=1000)],
    password_again: Annotated[str, Form(max_length=1000)],
) -> Response:
    if password != password_again:
        return _page(request, error=translate(request, "The two passwords differ."))
    try:
        web_of(request).accounts().set_password(username, password)
    except AccountError as error:
        return _refused(request, error)
    return RedirectResponse("/admin/users?done=reset", status_code=303)


def _refused(request: Request, error: AccountError) -> Response:
    return _page(request, error=error.message(request_lang(request)))


def _page(request: Request, notice: str = "", error: str = "") -> Response:
    return render(
        request,
        "admin/users.html",
        status_code=400 if error else 200,
        users=web_of(request).accounts().list(),
        roles=ROLES,
        notice=notice,
        error=error,
    )
