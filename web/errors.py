"""How a page says no: sign in first (redirect), not allowed (403), not found, unavailable.

The API keeps its JSON errors; these handlers answer only for web paths
(anything outside ``/api/`` and the probes) and hand the rest to the API's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from sohoa.i18n import N_
from sohoa.web.context import WebUnavailable
from sohoa.web.lang import translate
from sohoa.web.templating import render

Handler = Callable[[Request, Exception], Awaitable[Response] | Response]
#: Paths that belong to the API (JSON errors), not to the pages.
API_PATHS = ("/api/", "/healthz", "/readyz", "/metrics")


class SignInRequired(Exception):
    """No live session: the browser is sent to the login page, then back here."""


class Forbidden(Exception):
    """Signed in, but this user may not open this page or this dossier."""


def is_web_path(path: str) -> bool:
    return not path.startswith(API_PATHS)


def install(app: FastAPI) -> None:
    """Web errors as pages; the API's handlers kept for API paths."""
    api_http = app.exception_handlers[HTTPException]
    api_validation = app.exception_handlers[RequestValidationError]
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(WebUnavailable, _unavailable)
    app.add_exception_handler(HTTPException, _either(_http_page, api_http))
    app.add_exception_handler(RequestValidationError, _either(_invalid_page, api_validation))


def _either(web: Handler, api: Handler) -> Handler:
    async def handle(request: Request, error: Exception) -> Response:
        chosen = web if is_web_path(request.url.path) else api
        response = chosen(request, error)
        return await response if isinstance(response, Awaitable) else response

    return handle


async def _sign_in(request: Request, _: Exception) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _forbidden(request: Request, _: Exception) -> Response:
    message = translate(request, "You are not allowed to open this page.")
    return render(request, "error.html", status_code=403, message=message)


async def _unavailable(request: Request, _: Exception) -> Response:
    message = translate(
        request, "The catalog database is not available right now. Try again in a minute."
    )
    return render(request, "error.html", status_code=503, message=message)


async def _http_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    messages = {
        403: N_("You are not allowed to do this."),
        404: N_("This page does not exist."),
        405: N_("This page does not exist."),
    }
    message = translate(request, messages.get(error.status_code, N_("The request was refused.")))
    return render(request, "error.html", status_code=error.status_code, message=message)


async def _invalid_page(request: Request, _: Exception) -> Response:
    message = translate(request, "The form was not filled in correctly. Go back and try again.")
    return render(request, "error.html", status_code=422, message=message)
