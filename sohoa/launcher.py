"""The `sohoa` program: hand the command to `sohoa standby` when one runs, else run it here.

Standard library only (and the light sohoa.home / sohoa.standby_wire): a command
handed to the standby starts in a process that has everything loaded already,
so this launcher must not import typer, pydantic or numpy itself. When no
standby answers, when it is stale (another sohoa version) or when it refuses,
the command runs in this process exactly as it always did; when no standby
answered, it first starts one in the background for the next commands, if
SOHOA_STANDBY asks for it (`auto`, the default: when run from a terminal, where a
person types one command after another; `always`; `never`). A standby started so
stops after IDLE_MINUTES without a command. The resident commands (serve, api,
watch, worker, standby) always run here: they are long-lived and belong to their
own service (systemd unit, cgroup, limits).
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import signal
import socket
import sys
from collections.abc import Callable, Mapping
from types import FrameType

from sohoa import home, standby_wire

#: Commands that never go through the standby.
RESIDENT = frozenset({"standby", "serve", "api", "watch", "worker"})
#: Signals the launcher passes on to the command it handed over (Ctrl-C, kill, hang-up).
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: A command that died of one of these dies the same way here; others are a crash.
SAME_DEATH = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL})
#: Minutes without a command after which a standby started by the launcher stops.
IDLE_MINUTES = 30
#: Size past which standby.log is set aside (as standby.log.1) when a standby is started.
LOG_BYTES = 1_000_000
#: Seconds without the standby's first answer after which the client says it is waiting.
SLOW_ANSWER = 10.0
#: Seconds between looks for that answer, and for a Ctrl-C meanwhile.
LOOK = 0.25


def main() -> None:
    """The `sohoa` console script."""
    code = handed_over(sys.argv[1:])
    if code is None:
        from sohoa.cli import app

        try:
            app()
        finally:
            end_quickly()
        return
    raise SystemExit(code)


def end_quickly() -> None:
    """Spare the interpreter's last garbage collection over what the command loaded.

    The objects of a run (modules, typer's and pydantic's tables, pikepdf's validator)
    end with the process; the collection at exit walked all of them for nothing: about
    0.17 CPU s and wall s of a 2-page `sohoa ocr` (farm-bench, README). Frozen objects are
    still freed, and atexit handlers, logging's flush and temporary folders' clean-up
    still run: only the search for reference cycles is skipped.
    """
    gc.freeze()


def handed_over(argv: list[str]) -> int | None:
    """The exit code of ``argv`` run by the standby; None if it must run here instead
    (when no standby answered, one is started first for the next commands if wanted)."""
    if not argv or argv[0] in RESIDENT or not _std_fds_open():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with sock:
        try:
            sock.connect(str(home.standby_socket(os.environ)))
        except OSError:  # no standby, a stale socket, or our directory is gone
            if _standby_wanted(os.environ):
                start_standby(os.environ)
            return None
        try:
            request = standby_wire.this_request(argv)
        except OSError:  # our working directory is gone
            return None
        return _Forwarding().run(sock, request)


class _Forwarding:
    """Signals this process gets go to the command's process (not in our terminal's
    process group); the ones that come before its pid is known are kept until then.

    A standby that does not answer (stopped, stuck) would keep those for ever, and the
    clerk's Ctrl-C would do nothing: while no answer has come, a Ctrl-C (or kill) ends
    the wait, and the command is not run; after SLOW_ANSWER seconds the wait is said.
    """

    def __init__(self) -> None:
        self.pid = 0
        self.pending: list[int] = []

    def run(self, sock: socket.socket, request: standby_wire.Request) -> int | None:
        previous = {s: signal.signal(s, self._forward) for s in FORWARDED}
        try:
            return self._exchange(sock, request)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            if not self.pid:  # not handed over: deliver what came meanwhile to ourselves
                for pending in self.pending:
                    signal.raise_signal(pending)

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        if not self.pid:
            self.pending.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def _exchange(self, sock: socket.socket, request: standby_wire.Request) -> int | None:
        try:
            standby_wire.send_request(sock, request, [0, 1, 2])
            replies = sock.makefile("rb")
            if not self._answered(sock):
                self.pending.clear()  # they ended the wait; there is no command to give them
                return _gave_up(standby_wire.peer(sock)[0])
            started = standby_wire.read_reply(replies)
        except (OSError, ValueError):
            return None
        if not started or not isinstance(started.get("pid"), int):
            return None  # stale, or refused: run it here
        self.pid = started["pid"]
        for signum in self.pending:
            self._forward(signum, None)
        try:
            ended = standby_wire.read_reply(replies)
        except (OSError, ValueError):
            ended = None
        return _outcome(ended)

    def _answered(self, sock: socket.socket) -> bool:
        """Whether the standby answered; False when a Ctrl-C (or kill) came first."""
        waited = 0.0
        while not select.select([sock], [], [], LOOK)[0]:
            if self.pending:
                return False
            waited += LOOK
            if SLOW_ANSWER <= waited < SLOW_ANSWER + LOOK:
                _say_waiting(standby_wire.peer(sock)[0])
        return True


def _say_waiting(pid: int) -> None:
    """The standby has not started the command: say so once, with what to do."""
    _ = _catalogue()
    line = _(
        "sohoa standby (pid %(pid)s) has not started this command after %(seconds)s s; "
        "still waiting. Ctrl-C gives up. If it happens again, stop it (kill %(pid)s) or "
        "set SOHOA_STANDBY=never, and report it with $SOHOA_HOME/standby.log."
    )
    print(line % {"pid": pid, "seconds": f"{SLOW_ANSWER:g}"}, file=sys.stderr, flush=True)


def _gave_up(pid: int) -> int:
    """Ctrl-C (or kill) before the standby started the command: nothing ran."""
    from sohoa.exit_codes import ExitCode

    _ = _catalogue()
    line = _("Interrupted: sohoa standby (pid %(pid)s) had not started the command; nothing ran.")
    print(line % {"pid": pid}, file=sys.stderr, flush=True)
    return int(ExitCode.INTERRUPTED)


def _catalogue() -> Callable[[str], str]:
    """The clerk's language's gettext, loaded only when the launcher has something to say."""
    from sohoa import i18n

    return i18n.gettext(i18n.cli_lang()).gettext


def _outcome(ended: dict[str, object] | None) -> int:
    """The exit code to give: the command's own, or the signal it died of."""
    code = ended.get("exit") if ended is not None else None
    if isinstance(code, int):
        return code
    signum = ended.get("signal") if ended is not None else None
    if isinstance(signum, int) and signum in SAME_DEATH:
        if signum != signal.SIGKILL:  # its handler cannot be changed (nor caught)
            signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return 128 + signum
    return _crashed(signum)


def _standby_wanted(environ: Mapping[str, str]) -> bool:
    """Whether to start a standby now: SOHOA_STANDBY's `always`, or `auto` (and any value
    the settings will reject) when a person is at a terminal."""
    wanted = environ.get("SOHOA_STANDBY", "auto").strip().lower()
    if wanted == "never":
        return False
    return wanted == "always" or os.isatty(2)


def start_standby(environ: Mapping[str, str]) -> None:
    """`sohoa standby --idle-minutes IDLE_MINUTES` in the background, in a session of its
    own (a Ctrl-C at this terminal is not for it), its lines appended to
    $SOHOA_HOME/standby.log. Nothing waits for it: this command runs here meanwhile and
    the next ones are served once it is ready. A second one started at the same time
    refuses itself (one per home). Not before SOHOA_HOME exists (this command makes it
    with the right modes)."""
    import subprocess

    folder = home.standby_socket(environ).parent
    if not folder.is_dir():
        return
    path = folder / "standby.log"
    with contextlib.suppress(OSError):
        if path.stat().st_size > LOG_BYTES:
            path.replace(folder / "standby.log.1")  # one older log kept, none grows for ever
    try:
        log = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError:
        return
    command = [sys.executable, "-m", "sohoa.launcher", "standby", "--idle-minutes"]
    with contextlib.suppress(OSError), os.fdopen(log, "ab") as out:
        subprocess.Popen(
            [*command, str(IDLE_MINUTES)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(environ),
        )


def _crashed(signum: object) -> int:
    """The command's process ended without an exit code: say so, in the clerk's language."""
    from sohoa.exit_codes import ExitCode
    from sohoa.i18n import cli_lang

    how = f" ({signum})" if isinstance(signum, int) else ""
    if cli_lang() == "en":
        line = (
            f"Error: the command run by sohoa standby stopped abruptly{how}; "
            "run it again, or stop sohoa standby and report it with its log."
        )
    else:
        line = (
            f"Lỗi: lệnh chạy qua sohoa standby bị dừng đột ngột{how}; "
            "hãy chạy lại, hoặc dừng sohoa standby và báo quản trị kèm nhật ký của nó."
        )
    print(line, file=sys.stderr)
    return int(ExitCode.UNEXPECTED)


def _std_fds_open() -> bool:
    """Descriptors 0-2 can be passed on (a closed one cannot: run the command here)."""
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return False
    return True


if __name__ == "__main__":
    main()
