"""What every command needs: settings, services, and turning failures into one clear line.

Shared by the command modules (sohoa.cli and its siblings) so each stays small.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from sohoa.exit_codes import ExitCode
from sohoa.failures import Failure, describe, not_found
from sohoa.logs import configure as configure_logs
from sohoa.storage.permissions import configure as configure_permissions

if TYPE_CHECKING:
    from sohoa.services import Services
    from sohoa.settings import Settings
    from sohoa.storage.catalog import DocumentRecord
    from sohoa.workers.lifecycle import Digitiser

ProfileOption = Annotated[
    str | None, typer.Option("--profile", "-p", help="Scanner profile (name or YAML path).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def load_settings() -> Settings:
    """Settings from SOHOA_*; a bad value is one clear line and exit code 2, not a
    traceback, in SOHOA_LANG's language (Vietnamese when that setting is the bad one).

    pydantic is imported here, when a command runs, not when `sohoa` starts."""
    from pydantic import ValidationError

    from sohoa.i18n import cli_lang
    from sohoa.settings import Settings

    try:
        settings = Settings()
    except ValidationError as error:
        failure = describe(error)
        assert failure is not None
        lang = cli_lang()
        say_error(failure.message(lang), lang)
        raise typer.Exit(failure.exit_code) from None
    configure_logs(settings.log_level, settings.log_format)
    configure_permissions(settings.shared_group)
    return settings


@contextmanager
def open_services(settings: Settings) -> Iterator[Services]:
    """Object store and catalog. Imported on use: storage pulls in SQLAlchemy and minio,
    which `sohoa ocr` and `--help` do not need."""
    from sohoa.services import Services

    with Services.open(settings) as services:
        yield services


@contextmanager
def open_lifecycle(settings: Settings, services: Services) -> Iterator[Digitiser]:
    """The one digitiser every entrance uses: the queue with SOHOA_BROKER_URL, else
    embedded page workers (chosen here, once, from the settings)."""
    from sohoa.workers.lifecycle import open_digitiser

    with open_digitiser(
        services.store, services.catalog, settings.queue_config(), settings.jobs or None
    ) as digitiser:
        yield digitiser


@contextmanager
def guard(settings: Settings) -> Iterator[None]:
    """Known failures become one clear line and an exit code; bugs keep their traceback.

    SIGTERM (systemd stop, ``kill``, a container stop) is treated as Ctrl-C: page
    workers are stopped, temporary files removed, and the exit code is 130.
    """
    previous = _sigterm_as_interrupt()
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("Đã dừng (interrupted); không có gì bị ghi dở.", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:
        failure = describe(error)
        if failure is None:
            raise
        fail(failure, settings)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _sigterm_as_interrupt() -> Callable[[int, FrameType | None], Any] | int | None:
    """Raise KeyboardInterrupt on SIGTERM (main thread only); the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt) or signal.SIG_DFL


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def reported(settings: Settings, failures: list[Failure]) -> Iterator[None]:
    """One file of many: a known failure is reported and recorded, and the next file goes on.

    Bugs still raise (with their traceback) rather than being passed off as bad input.
    """
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        failure = describe(error)
        if failure is None:
            raise
        complain(failure, settings)
        failures.append(failure)


def fail(failure: Failure, settings: Settings) -> NoReturn:
    complain(failure, settings)
    raise typer.Exit(failure.exit_code)


def stored_document(services: Services, settings: Settings, code: str, doc: str) -> DocumentRecord:
    """The stored document DOC of dossier CODE, or the command ends with "not found" (exit 7):
    revise, verify, revoke and delete act only on what is stored."""
    record = services.catalog.find(code, doc)
    if record is None or record.status != "stored":
        fail(
            not_found(
                f"tài liệu {doc} đã lưu của hồ sơ {code}", f"stored document {doc} of {code}"
            ),
            settings,
        )
    return record


def complain(failure: Failure, settings: Settings) -> None:
    """One line on stderr: what went wrong and what to do, in the clerk's language."""
    say_error(failure.message(settings.lang), settings.lang)


def say_error(message: str, lang: str) -> None:
    """ "Lỗi: …" / "Error: …" on stderr: how every command says what went wrong."""
    from sohoa import i18n

    said = i18n.gettext(lang).gettext("Error: %(problem)s") % {"problem": message}
    typer.secho(said, fg="red", err=True)
