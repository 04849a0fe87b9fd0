"""`sohoa serve`: the web pages (/) and the HTTP API (/api/v1) from one process.

`sohoa api` is the same command under its first name. Both modes work: with
SOHOA_BROKER_URL the uploads go to the queue, otherwise to in-process workers. A
thread sends the webhook outbox while it serves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa.runtime import guard, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from sohoa.settings import Settings


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (SOHOA_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (SOHOA_API_PORT).")] = None,
) -> None:
    """Serve the web app (/) and the HTTP API (/api/v1, docs at /api/v1/docs) with uvicorn.

    Behind a reverse proxy that terminates HTTPS, set SOHOA_WEB_TRUST_PROXY to the
    proxy's address (its X-Forwarded-For/-Proto are believed from there only) and
    SOHOA_WEB_SECURE_COOKIES=true.
    """
    import uvicorn

    from sohoa.cli_api import _pepper

    settings = load_settings()
    _pepper(settings)  # refuse to start without one, or generate it now (and say so)
    with guard(settings), _webhook_loop(settings):
        trusted = (settings.web_trust_proxy or "").strip()
        uvicorn.run(
            create_server(settings),
            host=host or settings.api_host,
            port=port or settings.api_port,
            log_config=None,  # keep sohoa's structured logging
            proxy_headers=bool(trusted),
            forwarded_allow_ips=trusted or None,
        )


def create_server(settings: Settings) -> FastAPI:
    """The API application with the web pages installed on it."""
    from sohoa.api.app import create_app
    from sohoa.web.app import install

    app = create_app(settings)
    install(app, settings)
    return app


@contextmanager
def _webhook_loop(settings: Settings) -> Iterator[None]:
    """Send the webhook outbox every few seconds while the server runs (workers.webhooks).
    The catalog is opened at the first round, so a database still starting is no error."""
    from sohoa.storage.catalog import Catalog
    from sohoa.workers.webhooks import DeliveryLoop

    opened: list[Catalog] = []

    def source() -> Catalog:
        if not opened:
            opened.append(Catalog.open(settings.resolved_database_url))
        return opened[0]

    loop = DeliveryLoop(source)
    loop.start()
    try:
        yield
    finally:
        loop.stop()
        for catalog in opened:
            catalog.close()


def register(app: typer.Typer) -> None:
    app.command(
        "serve",
        epilog="Ví dụ: sohoa serve --host 0.0.0.0 --port 8080  (web: /, API: /api/v1/docs)",
    )(serve)
