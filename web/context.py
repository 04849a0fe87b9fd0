"""What the pages share, kept on ``app.state.web``: settings and the account tables.

The tables live in the catalog's database, opened lazily by the API's
backends: a page asked for while the database is down answers 503 (a page
saying so), and works again once it is back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request

from sohoa.api.backends import Backends, BackendUnavailable
from sohoa.settings import Settings
from sohoa.storage.accounts import Accounts
from sohoa.storage.catalog import Catalog
from sohoa.storage.web_sessions import LoginThrottle, WebSessions


class WebUnavailable(Exception):
    """The catalog's database cannot be reached; the page says so (503)."""


@dataclass
class WebContext:
    settings: Settings
    backends: Backends

    def catalog(self) -> Catalog:
        try:
            return self.backends.get().services.catalog
        except BackendUnavailable as error:
            raise WebUnavailable(str(error)) from None

    def accounts(self) -> Accounts:
        return Accounts(self.catalog())

    def sessions(self) -> WebSessions:
        return WebSessions(
            self.catalog(),
            lifetime=timedelta(hours=self.settings.web_session_hours),
            idle=timedelta(minutes=self.settings.web_idle_minutes),
        )

    def throttle(self) -> LoginThrottle:
        return LoginThrottle(self.catalog())


def web_of(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context
