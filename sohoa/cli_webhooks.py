"""`sohoa webhooks`: tell other systems (the national sync) when a document is stored or
revoked. `add` subscribes a URL (the signing secret read from a file, never from the
command line, where `ps` and shell history would keep it), `list`, `remove`, and
`deliver --once` sends what is due (for cron; `sohoa serve` also sends every few seconds).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sohoa.exit_codes import ExitCode
from sohoa.failures import problem
from sohoa.runtime import JsonOption, fail, guard, load_settings

webhooks_app = typer.Typer(
    help="Webhooks: signed POSTs when a document is stored or revoked (at least once).",
    no_args_is_help=True,
)
MIN_SECRET = 16


@webhooks_app.command(
    "add",
    epilog="Ví dụ: sohoa webhooks add https://dongbo.example/sohoa --secret-file bi-mat.txt "
    "--events document.stored,document.revoked",
)
def add(
    url: Annotated[str, typer.Argument(help="Where to POST (http:// or https://).")],
    secret_file: Annotated[
        Path,
        typer.Option("--secret-file", help="First line: the HMAC secret.", exists=True),
    ],
    events: Annotated[
        str, typer.Option(help="Comma-separated: document.stored, document.revoked.")
    ] = "document.stored,document.revoked",
) -> None:
    """Subscribe URL; every event is signed with the secret (X-Sohoa-Signature)."""
    from sohoa.storage.catalog import Catalog
    from sohoa.storage.webhooks import EVENT_TYPES, add_webhook

    settings = load_settings()
    chosen = tuple(e.strip() for e in events.split(",") if e.strip())
    lines = secret_file.read_text("utf-8").splitlines()
    secret = lines[0].strip() if lines else ""
    if not url.startswith(("http://", "https://")) or len(url) > 1000:
        fail(
            problem(ExitCode.USAGE, f"URL không hợp lệ: {url[:80]}", f"invalid URL: {url[:80]}"),
            settings,
        )
    if not chosen or any(e not in EVENT_TYPES for e in chosen):
        wanted = ", ".join(EVENT_TYPES)
        fail(
            problem(ExitCode.USAGE, f"sự kiện phải là: {wanted}", f"events must be: {wanted}"),
            settings,
        )
    if len(secret) < MIN_SECRET:
        fail(
            problem(
                ExitCode.USAGE,
                f"khóa bí mật cần ít nhất {MIN_SECRET} ký tự",
                f"the secret needs at least {MIN_SECRET} characters",
            ),
            settings,
        )
    with guard(settings), Catalog.open(settings.resolved_database_url) as catalog:
        hook = add_webhook(catalog, url, secret, chosen)
    typer.echo(f"#{hook.id} {hook.url} {','.join(hook.events)} secret:{hook.fingerprint}")


@webhooks_app.command("list", epilog="Ví dụ: sohoa webhooks list --json")
def list_(as_json: JsonOption = False) -> None:
    """The subscriptions (the secret only as a fingerprint)."""
    from sohoa.storage.catalog import Catalog
    from sohoa.storage.webhooks import list_webhooks

    settings = load_settings()
    with guard(settings), Catalog.open(settings.resolved_database_url) as catalog:
        hooks = list_webhooks(catalog)
    if as_json:
        rows = [
            {
                "id": h.id,
                "url": h.url,
                "events": list(h.events),
                "secret_fingerprint": h.fingerprint,
            }
            for h in hooks
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for h in hooks:
        typer.echo(f"#{h.id} {h.url} {','.join(h.events)} secret:{h.fingerprint}")


@webhooks_app.command("remove", epilog="Ví dụ: sohoa webhooks remove 3")
def remove(webhook_id: Annotated[int, typer.Argument(help="The number `list` shows.")]) -> None:
    """Unsubscribe (its undelivered events are dropped)."""
    from sohoa.storage.catalog import Catalog
    from sohoa.storage.webhooks import remove_webhook

    settings = load_settings()
    with guard(settings), Catalog.open(settings.resolved_database_url) as catalog:
        removed = remove_webhook(catalog, webhook_id)
    if not removed:
        fail(
            problem(
                ExitCode.NOT_FOUND, f"không có webhook #{webhook_id}", f"no webhook #{webhook_id}"
            ),
            settings,
        )


@webhooks_app.command("deliver", epilog="Ví dụ (cron): sohoa webhooks deliver --once")
def deliver(
    once: Annotated[bool, typer.Option("--once", help="One round, then exit (for cron).")] = False,
) -> None:
    """Send the deliveries that are due (retries wait with exponential backoff)."""
    import threading

    from sohoa.storage.catalog import Catalog
    from sohoa.workers.webhooks import deliver_due

    settings = load_settings()
    with guard(settings), Catalog.open(settings.resolved_database_url) as catalog:
        while True:
            sent = deliver_due(catalog)
            typer.echo(
                f"delivered {sent.delivered}, failed {sent.failed}, given up {sent.abandoned}"
            )
            if once:
                return
            threading.Event().wait(5)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")
