"""API keys for other systems: issued once, stored only as a keyed hash, revocable.

A key looks like ``sohoa_<id>_<secret>``. The 8-byte ``id`` is public (it is
shown by ``sohoa apikey list`` and lets a request find its row with one index
lookup); the 32-byte ``secret`` never touches the database. What is stored is
``HMAC-SHA256(pepper, salt || secret)`` with a random per-key salt.

Why a fast hash is right here: the secret is 256 random bits, so no guessing
attack is feasible whatever the hash speed; slow password hashes (bcrypt,
argon2) exist to protect low-entropy human passwords and would only add
~100 ms to every request. The pepper (a server secret, outside the database)
means a stolen catalog dump cannot even be used to check a leaked key;
the salt keeps equal secrets from producing equal rows. Comparison is
constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from sohoa.bilingual import BilingualError
from sohoa.clock import utc_now
from sohoa.storage.database import SessionSource
from sohoa.storage.errors import StorageError
from sohoa.storage.models import Base, UTCDateTime

log = logging.getLogger(__name__)

Scope = Literal["read", "upload", "register", "personal", "archive"]
SCOPES: tuple[Scope, ...] = ("read", "upload", "register", "personal", "archive")
#: What each scope may do: an upload client must also follow its jobs and fetch what it sent;
#: a one-stop system (``register``) pushes its dossiers and reads the report and sync fields;
#: ``personal`` reads as ``read`` does and may also ask for applicants' names (personal data,
#: NĐ 13/2023), which no other key ever gets; ``archive`` (archive staff's tools) reads and
#: may delete a document whose retention has ended.
GRANTS: dict[Scope, frozenset[Scope]] = {
    "read": frozenset({"read"}),
    "upload": frozenset({"read", "upload"}),
    "register": frozenset({"read", "register"}),
    "personal": frozenset({"read", "personal"}),
    "archive": frozenset({"read", "archive"}),
}

_PREFIX = "sohoa"
_KEY_SHAPE = re.compile(r"^sohoa_(?P<id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})$")
_UNIT_SHAPE = re.compile(r"^[0-9A-Z][0-9A-Z.]{0,34}$")
_NAME_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ApiKeyError(BilingualError, StorageError):
    """An API key cannot be created or revoked as asked (bad name, unknown name…)."""


class ApiKeyRow(Base):
    """One issued key; revoked keys stay (with the time) so the audit trail survives."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    salt: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    #: The unit the key reads (and below it, through the unit tree); None: every unit.
    unit: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class ApiKey:
    """A key as the rest of the system sees it: never its secret or its hash."""

    key_id: str
    name: str
    scope: Scope
    created_at: datetime
    revoked_at: datetime | None
    #: The key sees this unit and the units below it; None (keys made before units
    #: existed, or made without one) sees every unit.
    unit: str | None = None

    def allows(self, needed: Scope) -> bool:
        return self.revoked_at is None and needed in GRANTS[self.scope]


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created key: ``token`` is the only copy of the secret, shown once."""

    key: ApiKey
    token: str


class ApiKeyStore:
    """The ``api_keys`` table in the catalog's database (SQLite or PostgreSQL).

    Uses the sessions of the database it is given (a Database, or the Catalog
    that lives in it); the table comes with the schema's migrations.
    """

    def __init__(self, source: SessionSource, pepper: str | None = None) -> None:
        self._sessions = source.sessions
        self._pepper = (pepper or "").encode()

    def ping(self) -> None:
        """Raise if the database cannot be reached (readiness probe)."""
        with self._sessions() as session:
            session.execute(text("SELECT 1"))

    def create(self, name: str, scope: str, unit: str | None = None) -> IssuedKey:
        """Issue a key; refuses a name that an active key already has. ``unit`` restricts
        it to that unit and the units below it (None or blank: every unit)."""
        checked_scope = check_scope(scope)
        checked_unit = check_unit(unit)
        if not _NAME_SHAPE.match(name):
            raise ApiKeyError(
                f"tên khóa {name!r} phải gồm 1-64 chữ cái, chữ số, '.', '_' hoặc '-', "
                "bắt đầu bằng chữ cái hoặc chữ số",
                f"key name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit",
            )
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        with self._sessions.begin() as session:
            if _active(session, name):
                raise ApiKeyError(
                    f"đã có khóa đang dùng tên {name!r}; hãy thu hồi khóa đó trước",
                    f"an active key is already named {name!r}; revoke it first",
                )
            row = ApiKeyRow(
                key_id=key_id,
                name=name,
                scope=checked_scope,
                salt=salt,
                digest=self._digest(salt, secret),
                unit=checked_unit,
            )
            session.add(row)
            session.flush()
            key = _key(row)
        log.info(
            "api key created",
            extra={"key_name": name, "key_id": key_id, "scope": scope, "unit": checked_unit},
        )
        return IssuedKey(key, f"{_PREFIX}_{key_id}_{secret}")

    def list(self) -> list[ApiKey]:
        """Every key ever issued, oldest first (revoked ones included)."""
        with self._sessions() as session:
            rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))
            return [_key(row) for row in rows]

    def revoke(self, name: str) -> ApiKey:
        """Revoke the active key called ``name``; it stops working on the next request."""
        with self._sessions.begin() as session:
            row = _active(session, name)
            if row is None:
                raise ApiKeyError(
                    f"không có khóa đang dùng nào tên {name!r} (xem sohoa apikey list)",
                    f"no active key is named {name!r}",
                )
            row.revoked_at = utc_now()
            session.flush()
            key = _key(row)
        log.info("api key revoked", extra={"key_name": name, "key_id": key.key_id})
        return key

    def verify(self, token: str) -> ApiKey | None:
        """The active key ``token`` belongs to, or None (malformed, unknown, wrong or revoked)."""
        match = _KEY_SHAPE.match(token)
        if not match:
            return None
        with self._sessions() as session:
            row = session.scalars(
                select(ApiKeyRow).where(ApiKeyRow.key_id == match.group("id"))
            ).one_or_none()
            if row is None:
                return None
            expected, key = row.digest, _key(row)
            actual = self._digest(row.salt, match.group("secret"))
        if not hmac.compare_digest(expected, actual) or key.revoked_at is not None:
            return None
        return key

    def _digest(self, salt: str, secret: str) -> str:
        return hmac.new(self._pepper, f"{salt}{secret}".encode(), hashlib.sha256).hexdigest()


def check_scope(scope: str) -> Scope:
    for known in SCOPES:
        if scope == known:
            return known
    raise ApiKeyError(
        f"quyền phải là một trong {', '.join(SCOPES)}, không phải {scope!r}",
        f"scope must be one of {', '.join(SCOPES)}, got {scope!r}",
    )


def check_unit(unit: str | None) -> str | None:
    """The unit code upper-cased, None for none; refuses what is not an agency code
    (the shape of ``register.parse.AGENCY_CODE``: digits, letters A-Z and dots)."""
    if unit is None or not unit.strip():
        return None
    code = unit.strip().upper()
    if not _UNIT_SHAPE.match(code):
        raise ApiKeyError(
            f"đơn vị {unit[:40]!r} không phải mã cơ quan (ví dụ H56.20)",
            f"unit {unit[:40]!r} is not an agency code (e.g. H56.20)",
        )
    return code


def _active(session: Session, name: str) -> ApiKeyRow | None:
    return session.scalars(
        select(ApiKeyRow).where(ApiKeyRow.name == name, ApiKeyRow.revoked_at.is_(None))
    ).first()


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        name=row.name,
        scope=check_scope(row.scope),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        unit=row.unit,
    )
