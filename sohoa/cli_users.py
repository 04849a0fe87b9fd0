"""`sohoa users`: accounts of the web app, managed on the server (the first admin too).

There is no default password: `add` and `reset-password` ask for one twice
(hidden), or read it from a file (`--password-file`, first line) for scripts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa import i18n
from sohoa.exit_codes import ExitCode
from sohoa.failures import problem
from sohoa.runtime import JsonOption, fail, guard, load_settings

if TYPE_CHECKING:
    from sohoa.settings import Settings
    from sohoa.storage.accounts import Accounts, User

users_app = typer.Typer(
    help="Accounts of the web app (sohoa serve): add, list, disable, reset a password.",
    no_args_is_help=True,
)


class RoleChoice(StrEnum):
    clerk = "clerk"
    archivist = "archivist"
    supervisor = "supervisor"
    admin = "admin"


PasswordFile = Annotated[
    Path | None,
    typer.Option(
        "--password-file",
        help="Read the password from the first line of this file instead of asking.",
        exists=True,
        dir_okay=False,
    ),
]


@users_app.command("add", epilog="Ví dụ: sohoa users add quantri --role admin --unit 000.00.20.H56")
def add_user(
    name: Annotated[str, typer.Argument(help="Username (lowercase letters, digits, . _ -).")],
    role: Annotated[RoleChoice, typer.Option(help="clerk, archivist, supervisor or admin.")],
    unit: Annotated[str, typer.Option(help="Unit code (mã đơn vị), e.g. 000.00.20.H56.")],
    display_name: Annotated[
        str, typer.Option("--display-name", help="Name shown in the pages.")
    ] = "",
    password_file: PasswordFile = None,
) -> None:
    """Create the account NAME (its password is asked twice, never defaulted)."""
    settings = load_settings()
    _ = i18n.gettext(settings.lang).gettext
    password = _password(password_file, settings)
    with guard(settings), _accounts(settings) as accounts:
        user = accounts.add(
            name, password, role=role.value, unit_code=unit, display_name=display_name
        )
    typer.echo(
        _("Account %(name)s created (%(role)s, unit %(unit)s).")
        % {"name": user.username, "role": user.role, "unit": user.unit_code}
    )


@users_app.command("list", epilog="Ví dụ: sohoa users list --json")
def list_users(as_json: JsonOption = False) -> None:
    """List accounts: username, role, unit, active, created (never a password)."""
    settings = load_settings()
    with guard(settings), _accounts(settings) as accounts:
        users = accounts.list()
    rows = [_row(user) for user in users]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    _ = i18n.gettext(settings.lang).gettext
    for row in rows:
        state = _("active") if row["active"] else _("disabled")
        typer.echo(
            f"{row['username']:<24} {row['role']:<10} {row['unit_code']:<16} "
            f"{row['created']}  {state}  {row['display_name']}"
        )


@users_app.command("disable", epilog="Ví dụ: sohoa users disable nguyenvana")
def disable_user(name: Annotated[str, typer.Argument(help="Username.")]) -> None:
    """Disable NAME: it cannot sign in any more and its open sessions end now."""
    settings = load_settings()
    with guard(settings), _accounts(settings) as accounts:
        user = accounts.disable(name)
    typer.echo(
        i18n.gettext(settings.lang).gettext("Account %(name)s disabled.") % {"name": user.username}
    )


@users_app.command("reset-password", epilog="Ví dụ: sohoa users reset-password nguyenvana")
def reset_password(
    name: Annotated[str, typer.Argument(help="Username.")], password_file: PasswordFile = None
) -> None:
    """Give NAME a new password (asked twice); its open sessions end now."""
    settings = load_settings()
    password = _password(password_file, settings)
    with guard(settings), _accounts(settings) as accounts:
        user = accounts.set_password(name, password)
    typer.echo(
        i18n.gettext(settings.lang).gettext("Password of %(name)s changed.")
        % {"name": user.username}
    )


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


def _password(path: Path | None, settings: Settings) -> str:
    _ = i18n.gettext(settings.lang).gettext
    if path is not None:
        lines = path.read_text("utf-8").splitlines()
        return lines[0] if lines else ""
    entered: str = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    return entered


@contextmanager
def _accounts(settings: Settings) -> Iterator[Accounts]:
    """The accounts table; a refused name, role, unit or password is a usage error (exit 2)."""
    from sohoa.storage.accounts import AccountError, Accounts
    from sohoa.storage.catalog import Catalog

    settings.home.mkdir(parents=True, exist_ok=True)
    with Catalog.open(settings.resolved_database_url) as catalog:
        try:
            yield Accounts(catalog)
        except AccountError as error:
            fail(problem(ExitCode.USAGE, error.vi, error.en), settings)


def _row(user: User) -> dict[str, str | bool]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "unit_code": user.unit_code,
        "active": user.active,
        "created": i18n.format_datetime(user.created_at),
    }
