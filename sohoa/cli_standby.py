"""`sohoa standby`: keep sohoa loaded so each `sohoa` command starts at once (sohoa.standby)."""

from __future__ import annotations

from typing import Annotated

import typer

from sohoa.runtime import guard, load_settings


def standby(
    idle_minutes: Annotated[
        float,
        typer.Option(
            min=0,
            help="Stop after this many minutes without a command (0: never).",
        ),
    ] = 0,
    stop: Annotated[
        bool,
        typer.Option(
            "--stop",
            help="Stop the standby of this SOHOA_HOME (running commands finish first).",
        ),
    ] = False,
) -> None:
    """Keep sohoa loaded so each `sohoa` command starts at once, e.g. `sohoa ocr` per file.

    Runs in the foreground (systemd, or `sohoa standby &`) and listens on
    $SOHOA_HOME/standby.sock (yours only). While it runs, `sohoa` commands with the
    same SOHOA_HOME are run by a ready copy of it, in your directory, with your
    environment and terminal; without it they run as usual. A command typed at a
    terminal starts one itself when none runs (SOHOA_STANDBY=auto; `always` for
    scripts too, `never`), with --idle-minutes 30. After an upgrade it stops at the
    next command, which runs without it. Stop it with Ctrl-C, SIGTERM or
    `sohoa standby --stop`: running commands finish first.
    """
    from sohoa.standby import run, stop_running

    settings = load_settings()
    with guard(settings):  # Ctrl-C while it loads: "interrupted", no traceback
        code = stop_running(settings) if stop else run(settings, idle_seconds=idle_minutes * 60)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command(
        epilog="Ví dụ: sohoa standby &  ·  sohoa ocr scan.tif scan.pdf  ·  sohoa standby --stop"
    )(standby)
