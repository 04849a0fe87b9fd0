"""Create the catalog's tables, safely when several processes start at once.

`create_all` checks then creates, so two workers starting together on an empty
PostgreSQL database can both try to create a table and one fails. On PostgreSQL a
transaction-scoped advisory lock makes the check-and-create one step; SQLite
serialises writers by itself. (No migrations yet: tables are only ever added.)
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, Table, text

from storage.models import Base

#: Arbitrary but fixed: every sohoa process takes the same lock.
_SCHEMA_LOCK = 0x50_48_4F_41  # "SHOA"


def create_tables(engine: Engine, tables: Sequence[Table] | None = None) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        Base.metadata.create_all(connection, tables=list(tables) if tables is not None else None)
