"""Sign in and sign out.

Failed sign-ins are counted per username and per client address
(storage.web_sessions.LoginThrottle); while either is over its limit the
form answers 429 with a Vietnamese (or English) message and checks nothing.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from sohoa.storage.accounts import User
from sohoa.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    current_user,
    login_csrf_token,
    secure_cookies,
    set_login_csrf,
)
from sohoa.web.context import web_of
from sohoa.web.lang import translate
from sohoa.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    if await current_user(request) is not None:
        return RedirectResponse(_local(next), status_code=303)
    return _form(request, next)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    web = web_of(request)
    throttle, client = web.throttle(), _client(request)
    if throttle.locked(username, client):
        log.warning("sign-in throttled")
        message = translate(request, "Too many failed sign-ins. Wait 15 minutes, then try again.")
        return _form(request, next, username, message, 429)
    user = web.accounts().authenticate(username, password)
    if user is None:
        throttle.failed(username, client)
        log.info("sign-in failed")
        message = translate(request, "Wrong username or password.")
        return _form(request, next, username, message, 401)
    throttle.succeeded(username)
    return _signed_in(request, user, next)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Ends the session row (not just the cookie), so a copied cookie is dead too."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(web_of(request).sessions().end, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _signed_in(request: Request, user: User, next: str) -> Response:
    opened = web_of(request).sessions().open(user.id)
    log.info("signed in", extra={"user_id": user.id})
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _form(
    request: Request, next: str, username: str = "", error: str = "", status: int = 200
) -> Response:
    token = login_csrf_token(request)
    response = render(
        request,
        "login.html",
        status_code=status,
        next=_local(next),
        username=username,
        error=error,
        csrf_token=token,
    )
    set_login_csrf(request, response, token)
    return response


def _local(target: str) -> str:
    """Only a path of this site (never //host or a scheme): no open redirect after sign-in."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"
