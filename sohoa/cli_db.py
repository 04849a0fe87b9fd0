"""`sohoa db current` and `sohoa db upgrade`: the catalog database's schema version.

Every sohoa process upgrades the schema when it opens the catalog, so these
are for operators who prefer to upgrade explicitly (before restarting the
workers of a new release) and to check where a database stands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from sohoa.runtime import JsonOption, guard, load_settings

if TYPE_CHECKING:
    from sohoa.settings import Settings
    from sohoa.storage.database import Database

db_app = typer.Typer(
    help="The catalog database: schema version and upgrades.",
    no_args_is_help=True,
)


@db_app.command("current", epilog="Ví dụ: sohoa db current --json")
def current(as_json: JsonOption = False) -> None:
    """Show the schema revision of the catalog database and the newest this sohoa knows."""
    settings = load_settings()
    with guard(settings), _database(settings) as database:
        at, head = database.current(), database.head()
        described = database.describe()
    if as_json:
        state = {"database": described, "current": at, "head": head, "up_to_date": at == head}
        typer.echo(json.dumps(state, ensure_ascii=False, indent=2))
        return
    typer.echo(f"Cơ sở dữ liệu / database: {described}")
    typer.echo(f"Phiên bản hiện tại / current revision: {at or '(chưa có / none)'}")
    typer.echo(f"Phiên bản mới nhất / newest revision: {head}")
    if at != head:
        typer.echo("Cần nâng cấp: chạy 'sohoa db upgrade'. / Upgrade needed: 'sohoa db upgrade'.")


@db_app.command("upgrade", epilog="Ví dụ: sohoa db upgrade")
def upgrade() -> None:
    """Upgrade the catalog database's schema to the newest revision, keeping every row.

    Safe to run twice, and while other sohoa processes start (they wait for it).
    """
    settings = load_settings()
    with guard(settings), _database(settings) as database:
        before, after = database.upgrade()
    if before == after:
        typer.echo(f"Đã ở phiên bản mới nhất / already up to date: {after}")
    else:
        typer.echo(f"Đã nâng cấp / upgraded: {before or '(trống / empty)'} → {after}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    """The catalog's database, not yet upgraded (imported on use: SQLAlchemy and Alembic)."""
    from sohoa.storage.database import Database

    with Database(settings.resolved_database_url) as database:
        yield database
