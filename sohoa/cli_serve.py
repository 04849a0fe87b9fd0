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
    with guard(settings), _background_rounds(settings):
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
def _background_rounds(settings: Settings) -> Iterator[None]:
    """While the server runs, every few seconds: send the webhook outbox (workers.webhooks)
    and settle the counter's picked scans whose jobs ended (web.hot_folders). The catalog
    is opened at the first round, so a database still starting is no error."""
    import threading

    from sohoa.storage.catalog import Catalog
    from sohoa.web.hot_folders import counter_folders, settle_all
    from sohoa.workers.rounds import Rounds
    from sohoa.workers.webhooks import delivery_rounds

    opened: list[Catalog] = []
    opening = threading.Lock()

    def source() -> Catalog:
        with opening:  # two rounds' threads, one catalog
            if not opened:
                opened.append(Catalog.open(settings.resolved_database_url))
            return opened[0]

    def settle_picks() -> None:
        folders = counter_folders(settings.watch_config)
        settle_all(folders, source(), settings.resolved_quarantine_dir)

    rounds = [delivery_rounds(source), Rounds("sohoa-counter-picks", settle_picks)]
    for each in rounds:
        each.start()
    try:
        yield
    finally:
        for each in rounds:
            each.stop()
        for catalog in opened:
            catalog.close()


def register(app: typer.Typer) -> None:
    app.command(
        "serve",
        epilog="Ví dụ: sohoa serve --host 0.0.0.0 --port 8080  (web: /, API: /api/v1/docs)",
    )(serve)
