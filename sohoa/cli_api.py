"""`sohoa api` (serve the HTTP API) and `sohoa apikey` (issue, list, revoke API keys).

Keys are managed here, on the server, by whoever can read the configuration:
there is deliberately no HTTP endpoint that creates keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa.exit_codes import ExitCode
from sohoa.failures import problem
from sohoa.runtime import JsonOption, fail, guard, load_settings

if TYPE_CHECKING:
    from sohoa.settings import Settings
    from sohoa.storage.api_keys import ApiKey, ApiKeyStore

keys_app = typer.Typer(
    help="API keys for other systems: read (integrators) or upload (counter clients, "
    "includes read). Only a keyed hash is stored; the key is shown once.",
    no_args_is_help=True,
)


class ScopeChoice(StrEnum):
    read = "read"
    upload = "upload"
    register = "register"
    personal = "personal"
    archive = "archive"


#: What ``list`` shows for a key without a unit (keys issued before units, or made so).
ALL_UNITS = "tất cả đơn vị / all units"


@keys_app.command(
    "create", epilog="Ví dụ: sohoa apikey create cong-huyen --scope read --unit H56.20"
)
def create_key(
    name: Annotated[str, typer.Argument(help="A label for the client, e.g. quay-tiep-nhan-1.")],
    scope: Annotated[
        ScopeChoice,
        typer.Option(
            help="read = view and download; upload = send scans; register = the one-stop "
            "dossier register; personal = view, and ask for applicants' names (personal "
            "data); archive = view, and delete documents whose retention has ended."
        ),
    ] = ScopeChoice.read,
    unit: Annotated[
        str | None,
        typer.Option(
            help="Only this unit and the units below it (unit code, e.g. H56.20); none = all units."
        ),
    ] = None,
) -> None:
    """Issue a key for NAME and print it once: it cannot be shown again."""
    settings = load_settings()
    with guard(settings), _keys(settings) as keys:
        issued = keys.create(name, scope.value, unit)
    typer.echo(issued.token)
    units = issued.key.unit or ALL_UNITS
    typer.echo(
        f"Khóa '{name}' ({scope.value}, {units}) đã tạo; hãy lưu ngay, sẽ không hiển thị lại. / "
        "Store it now: it will not be shown again.",
        err=True,
    )


@keys_app.command("list", epilog="Ví dụ: sohoa apikey list --json")
def list_keys(as_json: JsonOption = False) -> None:
    """List issued keys (name, id, scope, unit, created, revoked); never the keys themselves."""
    settings = load_settings()
    with guard(settings), _keys(settings) as keys:
        rows = [_row(key) for key in keys.list()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = f"revoked {row['revoked']}" if row["revoked"] else "active"
        typer.echo(
            f"{row['name']:<32} {row['key_id']}  {row['scope']:<8}  "
            f"{row['unit'] or ALL_UNITS:<24}  {row['created']}  {state}"
        )


@keys_app.command("revoke", epilog="Ví dụ: sohoa apikey revoke quay-tiep-nhan-1")
def revoke_key(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke the active key NAME; requests with it are refused from now on."""
    settings = load_settings()
    with guard(settings), _keys(settings) as keys:
        key = keys.revoke(name)
    typer.echo(f"Đã thu hồi / revoked: {key.name} ({key.key_id})")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="apikey")
    from sohoa.cli_serve import serve  # `sohoa api` is `sohoa serve` under its first name

    app.command("api", epilog="Ví dụ: sohoa api --host 0.0.0.0 --port 8080  (then /api/v1/docs)")(
        serve
    )


@contextmanager
def _keys(settings: Settings) -> Iterator[ApiKeyStore]:
    """The key table; a refused name or scope is a usage error (exit 2), not a storage one."""
    from sohoa.storage.api_keys import ApiKeyError, ApiKeyStore
    from sohoa.storage.catalog import Catalog

    settings.home.mkdir(parents=True, exist_ok=True)
    with Catalog.open(settings.resolved_database_url) as catalog:
        try:
            yield ApiKeyStore(catalog, _pepper(settings))
        except ApiKeyError as error:
            fail(
                problem(ExitCode.USAGE, f"Khóa API: {error.message('vi')}", f"API key: {error}"),
                settings,
            )


def _pepper(settings: Settings) -> str:
    """The key pepper (sohoa.pepper); a deployment without one is a usage error (exit 2)."""
    from sohoa.pepper import PepperMissing, api_key_pepper

    try:
        return api_key_pepper(settings)
    except PepperMissing as missing:
        message = missing.message(settings.lang)
        typer.secho(f"{'Lỗi' if settings.lang == 'vi' else 'Error'}: {message}", fg="red", err=True)
        raise typer.Exit(ExitCode.USAGE) from None


def _row(key: ApiKey) -> dict[str, str | None]:
    from sohoa.clock import vietnam_time

    return {
        "name": key.name,
        "key_id": key.key_id,
        "scope": key.scope,
        "unit": key.unit,
        "created": vietnam_time(key.created_at).isoformat(timespec="seconds"),
        "revoked": vietnam_time(key.revoked_at).isoformat(timespec="seconds")
        if key.revoked_at
        else None,
    }
