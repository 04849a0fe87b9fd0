"""Put the pages on the API's application: one process, one set of settings.

``install(app, settings)`` adds the web router (every route behind the CSRF
check), the static assets, the page error handlers and the security headers.
``web_router()`` is also what the route-role tests walk.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from sohoa.api.context import ApiContext
from sohoa.settings import Settings
from sohoa.web import errors
from sohoa.web.auth import check_csrf
from sohoa.web.context import WebContext
from sohoa.web.pages import (
    admin_keys,
    admin_users,
    archive,
    counter,
    dossier,
    home,
    placeholders,
    report,
    reuse,
    search,
    session,
    system,
    worklist,
)

STATIC = Path(__file__).with_name("static")
#: Routes anyone may call without signing in (method, path); every other web route
#: declares its roles with require_user.
PUBLIC = frozenset({("GET", "/login"), ("POST", "/login"), ("POST", "/logout")})
#: Pages load only their own scripts, styles and images; no page may be framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


#: The page modules, each with its ``router``; a new page adds its module here.
PAGE_MODULES = (
    session,
    home,
    placeholders,
    counter,
    archive,
    admin_users,
    admin_keys,
    system,
    dossier,
    report,
    worklist,
    reuse,
    search,
)


def web_router() -> APIRouter:
    """Every page, each state-changing request checked against the session's CSRF token."""
    router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
    for module in PAGE_MODULES:
        router.include_router(module.router)
    return router


def page_routes() -> list[APIRoute]:
    """Every page route as declared (what the route-role tests walk)."""
    return [
        route
        for module in PAGE_MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]


def install(app: FastAPI, settings: Settings) -> None:
    app.state.web = WebContext(settings, context_of_app(app).backends)
    errors.install(app)
    app.include_router(web_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.middleware("http")(_security_headers)


def context_of_app(app: FastAPI) -> ApiContext:
    context: ApiContext = app.state.sohoa
    return context


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    if errors.is_web_path(request.url.path):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


__all__ = ["PAGE_MODULES", "PUBLIC", "install", "page_routes", "web_router"]
