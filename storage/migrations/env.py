"""Alembic's entry point: migrate on the connection :class:`storage.database.Database` hands in.

Only online migrations are supported, and only on a connection passed in
``config.attributes["connection"]``: the caller already holds the engine (with
its SQLite pragmas) and, on PostgreSQL, the advisory lock that makes several
processes starting at once safe.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from sohoa.storage.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("sohoa migrations run through storage.database.Database.upgrade()")
_run(connection)
