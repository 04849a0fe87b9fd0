"""`sohoa standby`: keep sohoa loaded so each `sohoa` command starts at once (sohoa.standby)."""

from __future__ import annotations

import typer

from sohoa.runtime import guard, load_settings


def standby() -> None:
    """Keep sohoa loaded so each `sohoa` command starts at once, e.g. `sohoa ocr` per file.

    Runs in the foreground (systemd, or `sohoa standby &`) and listens on
    $SOHOA_HOME/standby.sock (yours only). While it runs, `sohoa` commands with the
    same SOHOA_HOME are run by a ready copy of it, in your directory, with your
    environment and terminal; without it they run as usual. Restart it after an
    upgrade (until then commands run without it). Stop it with Ctrl-C or SIGTERM:
    running commands finish first.
    """
    from sohoa.standby import run

    settings = load_settings()
    with guard(settings):  # Ctrl-C while it loads: "interrupted", no traceback
        code = run(settings)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command(epilog="Ví dụ: sohoa standby &  ·  sohoa ocr scan.tif scan.pdf")(standby)
