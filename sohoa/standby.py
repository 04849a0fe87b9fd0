"""`sohoa standby`: sohoa kept loaded, forking one ready process per `sohoa` command.

Run once per file, `sohoa ocr` paid about a second of CPU to start (typer, pydantic,
numpy, PIL, tesseract's model, pikepdf's PDF/A validator) before reading a page
(issue 9). The standby pays that once: it imports what the commands use and loads
the recognition engine in its main thread, then listens on a Unix socket
($SOHOA_HOME/standby.sock, 0600). The `sohoa` launcher (sohoa.launcher) hands it
each command with its terminal; the standby forks, and the fork runs the command
as the client would have (sohoa.standby_child), page workers forked from it
included, which inherit the loaded engine. Like Android's zygote.

The standby stays single-threaded (a fork copies only the forking thread), reaps
its children itself (so their CPU is counted in its RUSAGE_CHILDREN and said in
its stop line) and stops a command whose client went away (killed): SIGTERM,
which the commands treat as Ctrl-C, so nothing half-written is kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import logging
import os
import resource
import select
import signal
import socket
import stat
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from sohoa import standby_child, standby_wire
from sohoa.exit_codes import ExitCode
from sohoa.failures import problem
from sohoa.home import STANDBY_SOCKET
from sohoa.runtime import fail
from sohoa.storage.permissions import make_dir

if TYPE_CHECKING:
    from sohoa.settings import Settings
    from sohoa.standby_child import Command

log = logging.getLogger(__name__)

#: The tables of tesseract's glyphless font, which pikepdf's PDF/A validator reads.
_FONT_TABLES = "_c_m_a_p _g_l_y_f _h_e_a_d _h_h_e_a _h_m_t_x _l_o_c_a _m_a_x_p _p_o_s_t ttProgram"
#: What `sohoa ocr` and `sohoa process` import when they run (python -X importtime),
#: imported before the first command so no command pays for it.
PRELOADED = (
    "sohoa.cli",
    "sohoa.settings",
    "sohoa.scanner_profiles",
    "sohoa.views",
    "sohoa.progress",
    "sohoa.ocr.page",
    "sohoa.ocr.pdfa",
    "sohoa.ocr.tesseract",
    "sohoa.ocr.text_layer",
    "sohoa.workers.pages",
    "sohoa.workers.single_file",
    "numpy",
    "numpy.ma",
    "PIL.Image",
    "tesserocr",
    "pikepdf",
    "pikepdf.pdfa",
    "pdf2image",
    "fontTools.ttLib",
    *(f"fontTools.ttLib.tables.{table}" for table in _FONT_TABLES.split()),
    "fontTools.encodings.codecs",
    "fontTools.unicode",
    "typer._adapters",  # typer converts the command's arguments with these, on each run
    "typer._click.decorators",
    "concurrent.futures.process",
    "multiprocessing.synchronize",
    "multiprocessing.popen_fork",
    "encodings.utf_16_be",
    "rich.console",
    "rich.progress",
    "sohoa.services",
    "sohoa.overlap",
    "sohoa.storage.catalog",
    "sohoa.storage.keeping",
    "sohoa.storage.versions",
    "sohoa.workers.lifecycle",
    "sohoa.workers.trail",
    "sohoa.ingest.submit",
    "sohoa.storage.api_keys",
    "sqlalchemy",
    "sqlalchemy.dialects.sqlite",
    "sqlite3",
    "alembic",
    "alembic.config",
    "alembic.script",
)
#: Seconds between looks at stopped children and the stop request.
TICK = 0.5
#: Seconds a client may take to send its request once connected.
REQUEST_TIMEOUT = 10.0


@dataclass
class _Running:
    """A command being run: its client's connection, its name (for the log only) and a
    descriptor that becomes readable when it ends (so its client hears at once)."""

    conn: socket.socket
    name: str
    ended: int | None
    gone: bool = False


def run(settings: Settings, idle_seconds: float = 0) -> int:
    """Serve until SIGTERM/SIGINT/SIGHUP, ``idle_seconds`` without a command (0: no limit)
    or the first client of an upgraded sohoa; refuses to start beside another standby."""
    _std_fds_open()
    make_dir(settings.home)
    os.chdir(settings.home)  # not the first command's folder: a USB stick must unmount
    path = settings.home / STANDBY_SOCKET
    lock = _lock(settings, path)
    installed = standby_wire.installed()  # before loading: an edit while it loads is stale
    command = preload(settings)
    _single_threaded(settings)
    listener = _listen(path, settings)
    server = Server(listener, lock, command, installed, idle_seconds)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, server.stop)
    root = logging.getLogger().level
    log.setLevel(logging.INFO if root <= logging.WARNING else root)  # its lines are for counting
    pid = os.getpid()
    _say(
        settings,
        f"sohoa standby sẵn sàng tại {path} (pid {pid}): các lệnh sohoa chạy ngay.",
        f"sohoa standby ready on {path} (pid {pid}): sohoa commands start at once.",
    )
    try:
        server.serve()
    finally:
        _remove(path, listener)
        server.report()
    return 0


def stop_running(settings: Settings) -> int:
    """`sohoa standby --stop`: SIGTERM to the standby of this SOHOA_HOME (the kernel names
    it: SO_PEERCRED of its socket), then wait until it has let its commands finish."""
    path = settings.home / STANDBY_SOCKET
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
            pid, uid = standby_wire.peer(probe)
        except OSError:
            pid, uid = 0, -1
    if not pid or not standby_wire.allowed(uid, os.getuid()):
        _say(
            settings,
            f"không có sohoa standby nào chạy cho {path.parent}",
            f"no sohoa standby runs for {path.parent}",
        )
        return 0
    os.kill(pid, signal.SIGTERM)
    while _alive(pid):  # it removes its socket before it ends
        time.sleep(TICK)
    _say(settings, f"đã dừng sohoa standby (pid {pid})", f"stopped sohoa standby (pid {pid})")
    return 0


def _alive(pid: int) -> bool:
    """Still running (a zombie its parent has not reaped yet has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _say(settings: Settings, vi: str, en: str) -> None:
    """One line for the person who started or stops the standby, in their language."""
    print(en if settings.lang == "en" else vi, flush=True)


def preload(settings: Settings) -> Command:
    """Import what commands use, load the catalogues and the recognition engine (in this,
    the main thread, the one every fork runs in), and build the click command once."""
    import typer

    from sohoa import i18n

    for name in PRELOADED:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    from PIL import Image

    Image.init()  # every image format's plugin, as the first opened scan would
    for lang in i18n.LANGS:
        i18n.translations(lang)
    _load_engine(settings)
    from sohoa.cli import app

    return typer.main.get_command(app)


def _load_engine(settings: Settings) -> None:
    """The default languages' engine (and OSD's), as each command's first page loads it.
    A missing model is no reason to refuse: the commands report it themselves."""
    from sohoa.ocr import tesseract
    from sohoa.scanner_profiles import load

    try:
        options = settings.ocr_options(load(settings.profile))
        tesseract.load_engine(options.languages, options.tessdata_dir)
        if options.fix_orientation:
            tesseract._osd(options.tessdata_dir)
    except Exception as error:  # an optimisation only: the first page loads it instead
        log.warning("standby: recognition engine not preloaded", extra={"error": str(error)})


class Server:
    """The accept loop: one fork per request, children reaped and their clients told."""

    def __init__(
        self,
        listener: socket.socket,
        lock: int,
        command: Command,
        installed: dict[str, str],
        idle_seconds: float = 0,
    ) -> None:
        self.listener: socket.socket | None = listener
        self.lock = lock
        self.command = command
        self.names = set(getattr(command, "commands", {}))
        self.installed = installed
        self.running: dict[int, _Running] = {}
        self.served = 0
        self.stopping = False
        self.idle_seconds = idle_seconds
        self.last_busy = time.monotonic()

    def stop(self, signum: int, frame: FrameType | None) -> None:
        """Stop taking commands; the running ones finish (their clients wait for them)."""
        self.stopping = True

    def serve(self) -> None:
        while True:
            self._stop_when_idle()
            if self.stopping and self.listener is not None:
                self.listener.close()
                self.listener = None
            if self.listener is None and not self.running:
                return
            watched: list[socket.socket | int] = [
                r.conn for r in self.running.values() if not r.gone
            ]
            watched += [r.ended for r in self.running.values() if r.ended is not None]
            if self.listener is not None:
                watched.append(self.listener)
            readable, _, _ = select.select(watched, [], [], TICK)
            for ready in readable:
                if ready is self.listener:
                    self._accept(self.listener)
                elif isinstance(ready, socket.socket):
                    self._client_gone(ready)
            self._reap()

    def _accept(self, listener: socket.socket) -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        conn.settimeout(REQUEST_TIMEOUT)
        try:
            peer = standby_wire.peer_uid(conn)
            if not standby_wire.allowed(peer, os.getuid()):
                log.warning("standby: refused another user's connection", extra={"uid": peer})
                conn.close()
                return
            request, fds = standby_wire.receive_request(conn)
        except (OSError, ValueError):
            conn.close()
            return
        try:
            if request.installed != self.installed:
                _tell(conn, stale=True)
                conn.close()
                self._stop_when_outdated(request.installed)
                return
            if _hung_up(conn):  # it gave up waiting (Ctrl-C) before we got to it: run nothing
                conn.close()
                return
            pid = self._fork(conn, request, fds)
        except OSError as error:  # no fork (out of memory, process limit): the client runs it
            log.warning("standby: cannot fork", extra={"error": str(error)})
            conn.close()
            return
        finally:
            for fd in fds:
                os.close(fd)
        self.running[pid] = _Running(conn, self._name(request.argv), _ended(pid))
        self.last_busy = time.monotonic()
        self.served += 1
        if not _tell(conn, pid=pid):
            self._client_gone(conn)

    def _fork(self, conn: socket.socket, request: standby_wire.Request, fds: list[int]) -> int:
        """The child runs the command and never comes back here."""
        sys.stdout.flush()
        sys.stderr.flush()
        standby = os.getpid()
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:
            for sock in [self.listener, conn, *(r.conn for r in self.running.values())]:
                if sock is not None:
                    sock.close()
            for fd in [self.lock, *(r.ended for r in self.running.values())]:
                if fd is not None:
                    os.close(fd)  # the lock is the standby's only
            code = standby_child.run(self.command, request, fds, standby)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)

    def _stop_when_idle(self) -> None:
        """Stop after `idle_seconds` with nothing to run (a standby a command started)."""
        now = time.monotonic()
        if self.running:
            self.last_busy = now
        elif self.idle_seconds and not self.stopping and now - self.last_busy > self.idle_seconds:
            log.info("standby: idle, stopping", extra={"idle_s": round(now - self.last_busy)})
            self.stopping = True

    def _stop_when_outdated(self, client: dict[str, str]) -> None:
        """A client of this very installation with other files or version: sohoa was
        upgraded (or edited) since we loaded it. Stop, so that a service manager or the
        next command starts a current one; a client of another installation (another
        virtualenv) says nothing about ours."""
        same_place = all(client.get(k) == self.installed[k] for k in ("package", "prefix"))
        if same_place and not self.stopping:
            log.info("standby: sohoa changed since it was loaded, stopping")
            self.stopping = True

    def _client_gone(self, conn: socket.socket) -> None:
        """The client hung up (it was killed): stop its command, as Ctrl-C would."""
        try:
            if conn.recv(1, socket.MSG_DONTWAIT):
                return  # a client of ours sends nothing more: ignore it
        except BlockingIOError:
            return
        except OSError:
            pass  # reset by a client that was killed: gone as well
        for pid, running in self.running.items():
            if running.conn is conn and not running.gone:
                running.gone = True
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)  # not reaped yet: still ours

    def _reap(self) -> None:
        while self.running:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            running = self.running.pop(pid, None)
            if running is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if code >= 0:
                _tell(running.conn, exit=code)
            else:
                _tell(running.conn, signal=-code)
            running.conn.close()
            if running.ended is not None:
                os.close(running.ended)
            log.info(
                "standby: command served",
                extra={
                    "command": running.name,
                    "exit_code": code,
                    "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
                },
            )

    def _name(self, argv: list[str]) -> str:
        """The command's name for the log: never an argument's value (a file name)."""
        first = next((a for a in argv if not a.startswith("-")), "")
        return first if first in self.names else "-"

    def report(self) -> None:
        """One line a benchmark can count: commands served, our CPU and our children's."""
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        log.info(
            "standby: stopped",
            extra={
                "commands": self.served,
                "cpu_s": round(own.ru_utime + own.ru_stime, 3),
                "peak_rss_mb": round(own.ru_maxrss / 1024, 1),
                "children_cpu_s": round(children.ru_utime + children.ru_stime, 3),
                "children_peak_rss_mb": round(children.ru_maxrss / 1024, 1),
            },
        )


def _ended(pid: int) -> int | None:
    """A pidfd of the command: readable when it ends (Linux 5.3+). Without it, the command's
    end is seen at the next tick."""
    try:
        return os.pidfd_open(pid)
    except OSError:
        return None


def _hung_up(conn: socket.socket) -> bool:
    """The client has closed its end: after its request nothing comes from it but that."""
    try:
        return bool(select.select([conn], [], [], 0)[0]) and not conn.recv(1, socket.MSG_PEEK)
    except OSError:
        return True


def _tell(conn: socket.socket, **fields: int | bool) -> bool:
    """Answer the client; False if it is gone."""
    try:
        standby_wire.reply(conn, **fields)
    except OSError:
        return False
    return True


def _lock(settings: Settings, path: Path) -> int:
    """Hold $SOHOA_HOME/standby.lock for our life; refuse if another standby holds it or
    answers on the socket. A socket file left by a killed standby is removed."""
    fd = os.open(settings.home / "standby.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        _refuse_second(path, settings)
    if path.is_socket() or path.exists():
        if not path.is_socket() or _answers(path):
            os.close(fd)
            _refuse_second(path, settings)
        path.unlink()  # nothing answers: left by a standby that was killed
    return fd


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _refuse_second(path: Path, settings: Settings) -> None:
    fail(
        problem(
            ExitCode.REFUSED,
            f"một sohoa standby khác đang chạy cho {path.parent} (hoặc {path} không phải "
            "socket của nó); mỗi SOHOA_HOME chỉ cần một",
            f"another sohoa standby already serves {path.parent} (or {path} is not its "
            "socket); one per SOHOA_HOME is enough",
        ),
        settings,
    )


def _single_threaded(settings: Settings) -> None:
    """A fork copies only the forking thread: with another Python thread, a lock it held
    would stay locked for ever in every command. Refuse rather than hang. (numpy's
    OpenBLAS keeps native threads that quiesce themselves around fork, as when `sohoa
    ocr` forks its page workers; those are not counted.)"""
    threads = threading.active_count()
    if threads > 1:
        fail(
            problem(
                ExitCode.UNEXPECTED,
                f"sohoa standby không chạy được: đã có {threads} luồng sau khi nạp thư viện; "
                "các lệnh sohoa vẫn chạy bình thường khi không có nó",
                f"sohoa standby cannot run: {threads} threads after loading the libraries; "
                "sohoa commands still run as usual without it",
            ),
            settings,
        )


def _listen(path: Path, settings: Settings) -> socket.socket:
    """The socket, created 0600 (the umask is set while it is made, so it never is not)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        listener.bind(str(path))
    except OSError as error:
        listener.close()
        fail(
            problem(
                ExitCode.USAGE,
                f"không tạo được socket {path}: {error.strerror or error}",
                f"cannot create the socket {path}: {error.strerror or error}",
            ),
            settings,
        )
    finally:
        os.umask(previous)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    listener.listen(64)
    return listener


def _remove(path: Path, listener: socket.socket) -> None:
    """Remove our socket file: clients run their commands themselves from now on."""
    listener.close()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _std_fds_open() -> None:
    """Descriptors 0-2 open (on /dev/null if not): the ones received from clients must
    never land on them before they are moved there."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)
