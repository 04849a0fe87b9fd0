"""Build the FastAPI application: routes under /api/v1, probes and metrics at the root.

``create_app(settings)`` is what ``sohoa api`` serves and what the tests drive
in-process; nothing reads the environment here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from sohoa.api import (
    docs_page,
    errors,
    routes_cases,
    routes_events,
    routes_health,
    routes_jobs,
    routes_keeping,
    routes_register,
    routes_reuse,
    routes_search,
    routes_signing,
    routes_upload,
)
from sohoa.api.backends import Backends
from sohoa.api.context import ApiContext
from sohoa.api.schemas import API_PREFIX
from sohoa.api.submitter import Submitter, make_submitter
from sohoa.settings import Settings
from sohoa.storage.permissions import configure as configure_permissions

log = logging.getLogger("sohoa.api.access")

DESCRIPTION = """\
Digitised dossiers (hồ sơ TTHC) for other systems: list a dossier's documents, fetch their
PDF/A-2b, and (counter clients) upload scans to be digitised.

Authenticate with an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
Scopes: `read`; `upload` (includes read). Errors are
`{"error": {"code", "message_vi", "message_en"}}`.
"""


def create_app(
    settings: Settings,
    make: Callable[[Settings, Backends], Submitter] = make_submitter,
) -> FastAPI:
    """The API over the catalog and store named by ``settings``; ``make`` picks who
    digitises uploads (default: the queue if a broker is configured, else embedded workers)."""
    configure_permissions(settings.shared_group)  # before the inbox or catalog is created
    backends = Backends(settings)
    context = ApiContext(settings, backends, make(settings, backends))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        context.submitter.close()
        backends.close()

    app = FastAPI(
        title="sohoa API",
        version="1",
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by docs_page, without a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.sohoa = context
    errors.install(app)
    docs_page.install(app, f"{API_PREFIX}/docs", f"{API_PREFIX}/openapi.json")
    app.include_router(routes_health.router)
    for module in (routes_cases, routes_upload, routes_jobs, routes_signing, routes_register):
        app.include_router(module.router, prefix=API_PREFIX)
    for module in (routes_events, routes_search, routes_reuse, routes_keeping):
        app.include_router(module.router, prefix=API_PREFIX)
    app.middleware("http")(_access_log)
    return app


async def _access_log(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """One structured line per request: who (key name, never the key), what, how it ended.

    A bug escapes ``call_next`` (the 500 is answered further out, by the exception
    handler, which logs the traceback): it is still one access line, with status 500.
    Server errors are logged as errors so they pass a WARNING log level.
    """
    started = time.perf_counter()
    try:
        response = await call_next(request)
    except Exception:
        _log_request(request, 500, started)
        raise
    _log_request(request, response.status_code, started)
    return response


def _log_request(request: Request, status: int, started: float) -> None:
    key = getattr(request.state, "api_key", None)
    log.log(
        logging.ERROR if status >= 500 else logging.INFO,
        "request",
        extra={
            "method": request.method,
            "path": request.url.path,
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "key_name": key.name if key else None,
        },
    )
