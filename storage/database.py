"""The catalog's database: the one object that owns the engine, the sessions and the schema.

Everything that keeps rows (the catalog, the job book, the API keys) receives
a :class:`Database`; none of them creates an engine or a table. The schema is
brought up to date by :meth:`Database.upgrade` (Alembic, migrations shipped in
:mod:`storage.migrations`), once, where a process opens its services.

Several processes may start together on one empty PostgreSQL database (a
worker pool, an API and a reconciler): the upgrade runs in one transaction
under an advisory lock, so the first one migrates and the others find the
work done. SQLite serialises writers by itself (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from sohoa.storage.errors import BadReference, StorageError
from sohoa.storage.permissions import create_private_file
from sohoa.storage.store_url import redact_url

# Alembic (about 0.3 CPU s to import, and it reads every revision file) is loaded only
# when the schema must change: a catalogue already at the newest revision is opened with
# one SELECT, so every command after the first skips it (issue 9).
if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["FIRST_REVISION", "Database", "SchemaTooNew", "SessionSource"]

log = logging.getLogger(__name__)

#: The revision that describes the schema of the release before migrations existed.
FIRST_REVISION = "0001"
_MIGRATIONS = Path(__file__).with_name("migrations")
#: Arbitrary but fixed: every sohoa process takes the same lock before touching the schema.
_SCHEMA_LOCK = 0x50_48_4F_41  # "SHOA"
_SQLITE_BUSY_TIMEOUT_MS = 30_000


class SchemaTooNew(StorageError):
    """The database was upgraded by a newer sohoa; this one must not write to it."""


class SessionSource(Protocol):
    """What a table's keeper needs: sessions on the database (a Database, or the Catalog)."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...


class Database:
    """SQLite (single office PC) or PostgreSQL (shared server), with its sessions.

    Opening does not touch the database; :meth:`open` also upgrades the schema.
    """

    def __init__(self, url: str) -> None:
        try:
            self._url = make_url(url)
            self._engine = _create_engine(self._url)
        except ArgumentError:  # unparseable, or an unknown dialect (NoSuchModuleError)
            raise BadReference(
                f"SOHOA_DATABASE_URL {redact_url(url)!r} is not a database URL sohoa can use; "
                "write e.g. sqlite:////var/lib/sohoa/catalog.sqlite3 or "
                "postgresql+psycopg://user:pass@host/db"
            ) from None
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Database:
        """The database at ``url`` with its schema upgraded: what a process does at start."""
        database = cls(url)
        try:
            database.upgrade()
        except BaseException:
            database.close()
            raise
        return database

    def __repr__(self) -> str:
        return f"Database({self.describe()!r})"

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on this database (one pool, one set of SQLite locking rules)."""
        return self._sessions

    def describe(self) -> str:
        """The database URL with any password masked."""
        return self._url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release pooled connections (the database itself is untouched)."""
        self._engine.dispose()

    def current(self) -> str | None:
        """The schema revision the database is at; None for an empty (or pre-migration) one."""
        with self._engine.connect() as connection:
            return _current(connection)

    @staticmethod
    def head() -> str:
        """The newest schema revision this version of sohoa knows."""
        return _head()

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Migrate the schema to ``revision``; returns (before, after). Safe to call every start.

        A database made by the release before migrations (tables present, no
        ``alembic_version``) is adopted: revision 0001 adds any of its tables
        that release had not created yet and records the version, then the
        later revisions run as usual.
        """
        current = self.current()
        if revision == "head" and current is not None and current == _newest_file():
            return current, current  # every start after the first: one SELECT, no Alembic
        head = self.head() if revision == "head" else revision
        if current == head:
            return current, current
        if current is not None and current not in _revisions():
            raise SchemaTooNew(
                f"the catalog database {self.describe()} is at schema revision {current}, "
                f"which this sohoa does not know (its newest is {self.head()}); "
                "a newer sohoa has upgraded it: run that version"
            )
        with self._engine.connect() as connection, _foreign_keys_off(connection):
            before, after = _migrate(connection, revision)
        if before != after:
            log.info("database schema upgraded", extra={"from": before, "to": after})
        return before, after


@functools.cache
def _revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(r.revision for r in ScriptDirectory.from_config(_config()).walk_revisions())


@functools.cache
def _head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


_REVISION = re.compile(r'^revision(?:\s*:[^=]*)?\s*=\s*"([^"]+)"', re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?\s*=(.*)$", re.MULTILINE)


@functools.cache
def _newest_file() -> str | None:
    """The head revision read from the revision files' ``revision =`` and ``down_revision =``
    lines, without Alembic: the one revision no other names as its parent. None when the
    files do not say it plainly (a file without both lines, several heads): Alembic then
    decides. Only ever used to recognise a catalogue that needs no upgrade."""
    named: list[str] = []
    parents: set[str] = set()
    for path in sorted((_MIGRATIONS / "versions").glob("*.py")):
        if path.name == "__init__.py":
            continue
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        named.append(revision.group(1))
        parents.update(re.findall(r'"([^"]+)"', down.group(1)))
    heads = [r for r in named if r not in parents]
    return heads[0] if len(heads) == 1 and len(set(named)) == len(named) else None


def _current(connection: Connection) -> str | None:
    """The revision recorded in ``alembic_version`` (what Alembic's MigrationContext reads),
    with one SELECT; a table holding several revisions is left to Alembic, which refuses it."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if len(rows) > 1:
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()
    return str(rows[0]) if rows else None


def _config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, in code: no alembic.ini is needed at run time."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _lock_schema(connection: Connection) -> None:
    """One schema change at a time across processes (PostgreSQL; released at commit)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})


def _migrate(connection: Connection, revision: str) -> tuple[str | None, str | None]:
    """Run the migrations in one transaction, holding the schema lock; (before, after)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with connection.begin():
        _lock_schema(connection)
        before = MigrationContext.configure(connection).get_current_revision()
        if before is None and inspect(connection).has_table("documents"):
            log.info("adopting a catalog made before migrations")
        command.upgrade(_config(connection), revision)
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite rebuilds a table to alter a column; with foreign keys on, dropping the old
    copy would fail (or cascade) for rows that point at it. The pragma only takes
    effect outside a transaction, so it is set on the raw connection before BEGIN."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw: Any = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        create_private_file(Path(url.database))  # SQLite gives -wal/-shm its mode
    engine = create_engine(url)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the CLI read while a worker writes; foreign keys are off by default in SQLite.

    Autocommit at the driver level hands transaction control to
    :func:`_begin_immediate`.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock up front: a deferred transaction that reads the
    highest number and then writes fails instantly (no busy wait) when another
    process committed in between."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
