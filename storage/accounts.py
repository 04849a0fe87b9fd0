"""People who sign in to the web app: create, list, disable, reset a password, verify one.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's
low-memory profile); a hash made with older parameters is upgraded the next
time its owner signs in. There is no default password anywhere: an account
exists only once someone typed one for it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sohoa.bilingual import BilingualError
from sohoa.clock import utc_now
from sohoa.storage.account_models import UserRow, WebSessionRow
from sohoa.storage.database import SessionSource
from sohoa.storage.errors import StorageError

log = logging.getLogger(__name__)

Role = Literal["clerk", "archivist", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("clerk", "archivist", "supervisor", "admin")
MIN_PASSWORD = 8
MAX_PASSWORD = 256

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_UNIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._]{0,63}$")
_hasher = PasswordHasher()
#: Verified against when the user does not exist, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("sohoa-no-such-user")


class AccountError(BilingualError, StorageError):
    """An account cannot be created or changed as asked."""


@dataclass(frozen=True)
class User:
    """An account as the rest of the system sees it (never its password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    unit_code: str
    active: bool
    created_at: datetime
    updated_at: datetime
    password_changed_at: datetime


class Accounts:
    """The ``users`` table of the catalog's database."""

    def __init__(self, source: SessionSource) -> None:
        self._sessions = source.sessions

    def add(
        self, username: str, password: str, *, role: str, unit_code: str, display_name: str = ""
    ) -> User:
        """Create an active account; refuses a taken name, an unknown role, a short password."""
        name = check_username(username)
        checked_role, unit = check_role(role), check_unit(unit_code)
        shown = _clean_display_name(display_name) or name
        digest = hash_password(password)
        with self._sessions.begin() as session:
            if _row(session, name) is not None:
                raise AccountError(
                    f"tên đăng nhập {name!r} đã có", f"the username {name!r} is taken"
                )
            row = UserRow(
                username=name,
                display_name=shown,
                password_hash=digest,
                role=checked_role,
                unit_code=unit,
                active=True,
            )
            session.add(row)
            session.flush()
            user = _user(row)
        log.info("user created", extra={"user_id": user.id, "role": user.role})
        return user

    def get(self, username: str) -> User | None:
        with self._sessions() as session:
            row = _row(session, username)
            return _user(row) if row else None

    def by_id(self, user_id: int) -> User | None:
        with self._sessions() as session:
            row = session.get(UserRow, user_id)
            return _user(row) if row else None

    def list(self) -> list[User]:
        """Every account, by username (disabled ones included)."""
        with self._sessions() as session:
            rows = session.scalars(select(UserRow).order_by(UserRow.username))
            return [_user(row) for row in rows]

    def disable(self, username: str) -> User:
        """Disable an account and end its sessions at once."""
        with self._sessions.begin() as session:
            row = _existing(session, username)
            row.active = False
            row.updated_at = utc_now()
            session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
            session.flush()
            user = _user(row)
        log.info("user disabled", extra={"user_id": user.id})
        return user

    def set_password(self, username: str, password: str) -> User:
        """Replace the password (reset by an admin) and end the account's sessions."""
        digest = hash_password(password)
        with self._sessions.begin() as session:
            row = _existing(session, username)
            row.password_hash = digest
            row.updated_at = row.password_changed_at = utc_now()
            session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
            session.flush()
            user = _user(row)
        log.info("user password reset", extra={"user_id": user.id})
        return user

    def authenticate(self, username: str, password: str) -> User | None:
        """The active account whose password this is, or None; same cost either way."""
        with self._sessions() as session:
            row = _row(session, username.strip().lower())
            digest = row.password_hash if row else _DUMMY_HASH
        try:
            _hasher.verify(digest, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if _hasher.check_needs_rehash(digest):
            self._rehash(row.id, password)
        return _user(row)

    def _rehash(self, user_id: int, password: str) -> None:
        with self._sessions.begin() as session:
            row = session.get(UserRow, user_id)
            if row is not None:
                row.password_hash = hash_password(password)


def hash_password(password: str) -> str:
    """argon2id hash of a password that meets the length rules."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(
            f"mật khẩu phải dài từ {MIN_PASSWORD} đến {MAX_PASSWORD} ký tự",
            f"the password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long",
        )
    return _hasher.hash(password)


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise AccountError(
            "tên đăng nhập gồm 2-64 chữ thường không dấu, số, '.', '_' hoặc '-'",
            "a username is 2-64 lowercase ASCII letters, digits, '.', '_' or '-'",
        )
    return name


def check_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise AccountError(
        f"vai trò phải là một trong: {', '.join(ROLES)}", f"the role must be one of {ROLES}"
    )


def check_unit(unit_code: str) -> str:
    unit = unit_code.strip()
    if not _UNIT.match(unit):
        raise AccountError(
            f"mã đơn vị {unit!r} không hợp lệ (ví dụ 000.00.20.H56)",
            f"unit code {unit!r} is not valid (e.g. 000.00.20.H56)",
        )
    return unit


def _clean_display_name(name: str) -> str:
    """NFC, no control characters, at most 200 characters; shown as text, never as markup."""
    text = unicodedata.normalize("NFC", name).strip()
    return "".join(c for c in text if unicodedata.category(c)[0] != "C")[:200]


def _row(session: Session, username: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()


def _existing(session: Session, username: str) -> UserRow:
    row = _row(session, username.strip().lower())
    if row is None:
        raise AccountError(
            f"không có tài khoản {username!r}", f"there is no account named {username!r}"
        )
    return row


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=check_role(row.role),
        unit_code=row.unit_code,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
        password_changed_at=row.password_changed_at,
    )
