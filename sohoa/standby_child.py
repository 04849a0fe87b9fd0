"""One command in a process forked from `sohoa standby`, made to look like the client's own.

The fork has everything loaded already; what must be the client's is put back
before the command runs: its session (so reading or prompting on its terminal
works), default signal handlers, umask, working directory, environment (settings
and logging are read from it by the command, as in a direct run), and its
standard streams (its terminal or pipes, received as descriptors) as UTF-8 text
streams, line-buffered on a terminal, so `isatty()` and the progress bars
behave as when run directly. The click command was built once by the standby.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import signal
import sys
import tempfile
import traceback
from typing import Any, Protocol

from sohoa.standby_wire import Request


class Command(Protocol):
    """The click command typer builds (typer.main.get_command): `main` runs it."""

    def main(self, *args: Any, **kwargs: Any) -> Any: ...


def run(command: Command, request: Request, fds: list[int], standby: int) -> int:
    """Run ``request`` as the client would have; its exit code (1 for a bug, with traceback)."""
    os.setsid()  # our own session: not stopped for reading the client's terminal
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    _end_with(standby)
    os.umask(request.umask)
    os.environ.clear()
    os.environ.update(request.env)
    tempfile.tempdir = None  # TMPDIR is read again from the client's environment
    _take_streams(fds)
    sys.argv = [request.argv0, *request.argv]
    try:
        os.chdir(request.cwd)
        command.main(args=request.argv, prog_name="sohoa", standalone_mode=True)
    except SystemExit as end:
        return _exit_code(end.code)
    except BaseException:  # a bug: its traceback, as a direct run prints it
        traceback.print_exc()
        return 1
    finally:
        _flush()
    return 0


def _end_with(standby: int) -> None:
    """SIGTERM for this command when the standby (our parent) dies: its client has been
    told the command stopped abruptly, so it must not run on unattended. SIGTERM is the
    commands' Ctrl-C: nothing half-written is kept (PR_SET_PDEATHSIG, Linux)."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != standby:  # it died before that took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _exit_code(code: object) -> int:
    """What the interpreter makes of ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _take_streams(fds: list[int]) -> None:
    """The client's descriptors become 0, 1 and 2, and sys.std* text streams on them."""
    for target, fd in enumerate(fds):
        if fd != target:
            os.dup2(fd, target)
            os.close(fd)
    sys.stdin = _text(0, writing=False)
    sys.stdout = _text(1, writing=True)
    sys.stderr = _text(2, writing=True)


def _text(fd: int, *, writing: bool) -> io.TextIOWrapper:
    """A standard stream as the interpreter makes it: stderr always line-buffered and never
    failing on an odd character, stdout line-buffered on a terminal."""
    raw = io.FileIO(fd, "w" if writing else "r", closefd=False)
    buffered: io.BufferedWriter | io.BufferedReader = (
        io.BufferedWriter(raw) if writing else io.BufferedReader(raw)
    )
    return io.TextIOWrapper(
        buffered,
        encoding="utf-8",
        errors="backslashreplace" if fd == 2 else "strict",
        line_buffering=fd == 2 or raw.isatty(),
    )


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # the client's pipe is gone
            stream.flush()
