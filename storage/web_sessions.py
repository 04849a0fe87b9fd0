"""Sign-in sessions kept server-side, and the failed sign-ins that throttle guessing.

Why rows and not signed cookies: a session must end for real on logout, when
an admin disables the account or resets its password, and when it expires —
a signed cookie stays valid until its expiry whatever happens. The cookie
holds 256 random bits; only their SHA-256 is stored, so a copy of the
database cannot be replayed as a session. Each session has its own CSRF
secret (the synchroniser token of its forms).

Failed sign-ins are rows too, so every process of a deployment counts the
same failures.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from sohoa.clock import utc_now
from sohoa.storage.account_models import LoginAttemptRow, UserRow, WebSessionRow
from sohoa.storage.database import SessionSource

#: A seen session's last_seen_at is written at most this often (one UPDATE per minute, not
#: one per request).
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class WebSession:
    """A live session: whose it is and the secret its forms' CSRF tokens must match."""

    user_id: int
    csrf_secret: str
    expires_at: datetime


@dataclass(frozen=True)
class Opened:
    """A new session: ``token`` goes in the cookie and is never stored."""

    token: str
    session: WebSession


class WebSessions:
    """The ``web_sessions`` table: open, find, end."""

    def __init__(
        self,
        source: SessionSource,
        lifetime: timedelta,
        idle: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = source.sessions
        self._lifetime = lifetime
        self._idle = idle
        self._clock = clock

    def open(self, user_id: int) -> Opened:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        row = WebSessionRow(
            id=_digest(token),
            user_id=user_id,
            csrf_secret=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + self._lifetime,
        )
        with self._sessions.begin() as session:
            session.add(row)
        return Opened(token, WebSession(user_id, row.csrf_secret, row.expires_at))

    def find(self, token: str) -> WebSession | None:
        """The live session of an active account for this cookie, or None (and it is ended)."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.get(WebSessionRow, _digest(token))
            if row is None:
                return None
            user = session.get(UserRow, row.user_id)
            if (
                row.expires_at <= now
                or row.last_seen_at + self._idle <= now
                or user is None
                or not user.active
            ):
                session.delete(row)
                return None
            if now - row.last_seen_at >= _TOUCH_EVERY:
                row.last_seen_at = now
            return WebSession(row.user_id, row.csrf_secret, row.expires_at)

    def end(self, token: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(WebSessionRow).where(WebSessionRow.id == _digest(token)))

    def purge(self) -> int:
        """Drop expired sessions (they are refused anyway; this keeps the table small)."""
        with self._sessions.begin() as session:
            result = session.execute(
                delete(WebSessionRow).where(WebSessionRow.expires_at <= self._clock())
            )
            return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class ThrottleRule:
    """``failures`` failed sign-ins within ``window`` lock for the rest of the window."""

    per_username: int = 5
    per_client: int = 20
    window: timedelta = timedelta(minutes=15)


class LoginThrottle:
    """The ``login_attempts`` table: failures by username and by client address.

    Per client the limit is higher than per username: a whole office may sit
    behind one address (NAT, reverse proxy), and one clerk's typos must not
    lock out the counter next to them.
    """

    def __init__(
        self,
        source: SessionSource,
        rule: ThrottleRule = ThrottleRule(),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = source.sessions
        self._rule = rule
        self._clock = clock

    def locked(self, username: str, client: str) -> bool:
        """True while the username or the client address has too many recent failures."""
        since = self._clock() - self._rule.window
        name = _key(username)
        with self._sessions() as session:
            by_name = session.scalar(
                select(func.count())
                .select_from(LoginAttemptRow)
                .where(LoginAttemptRow.username == name, LoginAttemptRow.at > since)
            )
            by_client = session.scalar(
                select(func.count())
                .select_from(LoginAttemptRow)
                .where(LoginAttemptRow.client == client[:64], LoginAttemptRow.at > since)
            )
        return (by_name or 0) >= self._rule.per_username or (
            by_client or 0
        ) >= self._rule.per_client

    def failed(self, username: str, client: str) -> None:
        with self._sessions.begin() as session:
            session.add(
                LoginAttemptRow(username=_key(username), client=client[:64], at=self._clock())
            )

    def succeeded(self, username: str) -> None:
        """A correct password clears that username's failures (not the address's)."""
        with self._sessions.begin() as session:
            session.execute(
                delete(LoginAttemptRow).where(LoginAttemptRow.username == _key(username))
            )

    def purge(self) -> None:
        with self._sessions.begin() as session:
            session.execute(
                delete(LoginAttemptRow).where(
                    LoginAttemptRow.at <= self._clock() - self._rule.window
                )
            )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key(username: str) -> str:
    return username.strip().lower()[:64]
