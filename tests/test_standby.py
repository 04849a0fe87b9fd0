"""`sohoa standby` runs each `sohoa` command in a ready process, exactly as if run directly.

A real standby subprocess per test (its own SOHOA_HOME), real `sohoa` commands through
the installed script (the launcher), real tesseract and pikepdf. Nothing is timed: the
tests wait for the standby's ready line, the page-gate files and the processes' ends.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
import select
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest

from sohoa import standby_wire
from sohoa.exit_codes import ExitCode
from sohoa.launcher import LOG_BYTES
from sohoa.standby import PRELOADED
from tests import images
from tests.conftest import pdftotext
from tests.hot_folder_helpers import CODE, SOHOA, wait_for, watch_env


@dataclass
class Standby:
    """A running `sohoa standby` and how to run commands beside it."""

    home: Path
    process: subprocess.Popen[str]

    @property
    def socket(self) -> Path:
        return self.home / "standby.sock"

    def stop(self) -> str:
        """SIGTERM, as systemd stops it; its log (stderr), once it has ended."""
        self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=300)
        assert self.process.returncode == 0, stderr
        return stderr


def start_standby(home: Path) -> Standby:
    process = subprocess.Popen(
        [str(SOHOA), "standby"],
        env=watch_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 300)  # a deadline, not a timing
    line = process.stdout.readline() if ready else ""
    if "ready" not in line:
        process.kill()
        raise AssertionError(f"no ready line: {line!r} {process.communicate()[1]}")
    return Standby(home, process)


@pytest.fixture
def standby(tmp_path: Path) -> Iterator[Standby]:
    running = start_standby(tmp_path / "home")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.communicate()


def sohoa(
    home: Path, *args: str | Path, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SOHOA), *map(str, args)],
        env=watch_env(home, env),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def served(log: str) -> list[str]:
    """The commands the standby's log says it ran (their names only)."""
    return re.findall(r"command served command=(\S+)", log)


def stop_line(log: str) -> dict[str, str]:
    line = next(line for line in log.splitlines() if "standby: stopped" in line)
    return dict(re.findall(r"(\w+)=(\S+)", line))


@dataclass
class Gated:
    """A `sohoa ocr` client whose page is held inside tesseract (SOHOA_TEST_OCR_GATE)."""

    client: subprocess.Popen[str]
    out: Path
    gate: Path

    @property
    def page_process(self) -> int:
        """The process reading the page (one page: the command itself)."""
        return int(next(self.gate.glob("*.inside")).stem)


def gated_ocr(standby: Standby, tmp_path: Path, **streams: object) -> Gated:
    """Start `sohoa ocr` of a one-page scan through the standby; return once its page is
    inside tesseract, so a test knows without timing that the command is mid-page."""
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")
    gate = tmp_path / "gate"
    gate.mkdir()
    out = tmp_path / "don.pdf"
    client = subprocess.Popen(
        [str(SOHOA), "ocr", str(scan), str(out)],
        env=watch_env(standby.home, {"SOHOA_TEST_OCR_GATE": str(gate)}),
        text=True,
        **streams,  # type: ignore[call-overload]
    )
    wait_for(lambda: any(gate.glob("*.inside")), "a page inside tesseract")
    return Gated(client, out, gate)


def test_ocr_through_the_standby_writes_a_valid_searchable_pdfa(
    standby: Standby, tmp_path: Path
) -> None:
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")
    out = tmp_path / "don.pdf"

    done = sohoa(standby.home, "ocr", scan, out)

    assert done.returncode == 0, done.stderr
    assert "Wrote" in done.stdout
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 1
    assert pikepdf.pdfa.validate_written(out, "2b").passed
    assert images.MARKER in pdftotext(out)
    log = standby.stop()
    assert served(log) == ["ocr"]
    stopped = stop_line(log)
    assert stopped["commands"] == "1"
    assert float(stopped["children_cpu_s"]) > 0  # the page was read in its child
    assert not standby.socket.exists()  # removed on stop: commands run by themselves again


def test_bad_input_gives_the_same_exit_code_and_message_with_or_without_the_standby(
    standby: Standby, tmp_path: Path
) -> None:
    bad = tmp_path / "not-a-scan.jpg"
    bad.write_text("hello")
    through = sohoa(standby.home, "ocr", bad, tmp_path / "a.pdf")
    direct = sohoa(tmp_path / "elsewhere", "ocr", bad, tmp_path / "a.pdf")  # no standby there

    assert through.returncode == direct.returncode == ExitCode.BAD_INPUT
    assert through.stderr == direct.stderr
    assert "Traceback" not in through.stderr
    assert through.stdout == direct.stdout == ""
    assert served(standby.stop()) == ["ocr"]


def test_the_clients_directory_and_environment_are_the_commands(
    standby: Standby, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    images.save_jpeg(images.text_page().image, work / "don.jpg")
    (work / "hong.jpg").write_text("not an image")

    done = sohoa(standby.home, "ocr", "don.jpg", "don.pdf", cwd=work)
    english = sohoa(standby.home, "ocr", "hong.jpg", "x.pdf", cwd=work, env={"SOHOA_LANG": "en"})
    vietnamese = sohoa(standby.home, "ocr", "hong.jpg", "x.pdf", cwd=work, env={"SOHOA_LANG": "vi"})

    assert done.returncode == 0, done.stderr
    assert pikepdf.pdfa.validate_written(work / "don.pdf", "2b").passed
    assert english.stderr.startswith("Error:")
    assert vietnamese.stderr.startswith("Lỗi:")
    assert served(standby.stop()) == ["ocr", "ocr", "ocr"]


def test_a_killed_standby_leaves_a_stale_socket_commands_run_without_it_and_a_new_one_starts(
    standby: Standby, tmp_path: Path
) -> None:
    standby.process.kill()
    standby.process.communicate()
    assert standby.socket.is_socket()  # left behind, nobody answering
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")

    done = sohoa(standby.home, "ocr", scan, tmp_path / "don.pdf")
    assert done.returncode == 0, done.stderr
    assert pikepdf.pdfa.validate_written(tmp_path / "don.pdf", "2b").passed

    again = start_standby(standby.home)
    try:
        done = sohoa(standby.home, "ocr", scan, tmp_path / "again.pdf")
        assert done.returncode == 0, done.stderr
    finally:
        log = again.stop()
    assert served(log) == ["ocr"]


def test_a_second_standby_for_the_same_home_is_refused(standby: Standby) -> None:
    second = sohoa(standby.home, "standby")

    assert second.returncode == ExitCode.REFUSED
    assert "another sohoa standby already serves" in second.stderr
    assert "Traceback" not in second.stderr
    assert standby.process.poll() is None  # the first one goes on
    assert standby.socket.is_socket()
    standby.stop()


def test_ctrl_c_mid_page_stops_the_command_and_the_standby_serves_the_next(
    standby: Standby, tmp_path: Path
) -> None:
    gated = gated_ocr(standby, tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    gated.client.send_signal(signal.SIGINT)
    _, stderr = gated.client.communicate(timeout=300)

    assert gated.client.returncode == ExitCode.INTERRUPTED, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert not gated.out.exists()
    after = sohoa(standby.home, "ocr", tmp_path / "don.jpg", gated.out)
    assert after.returncode == 0, after.stderr
    assert served(standby.stop()) == ["ocr", "ocr"]


def test_a_killed_client_stops_its_command(standby: Standby, tmp_path: Path) -> None:
    gated = gated_ocr(standby, tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    command = gated.page_process

    gated.client.kill()
    gated.client.wait()

    wait_for(lambda: not _alive(command), "the command of the killed client to stop")
    assert not gated.out.exists()
    log = standby.stop()
    assert re.search(r"command=ocr exit_code=130", log), log  # stopped as by Ctrl-C


def test_a_command_that_dies_of_a_signal_makes_the_client_die_of_it(
    standby: Standby, tmp_path: Path
) -> None:
    gated = gated_ocr(standby, tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    os.kill(gated.page_process, signal.SIGKILL)  # as the OOM killer would
    _, stderr = gated.client.communicate(timeout=300)

    assert gated.client.returncode == -signal.SIGKILL, stderr
    standby.stop()


def test_a_standby_killed_mid_command_is_said_and_gives_the_internal_error_code(
    standby: Standby, tmp_path: Path
) -> None:
    said = tmp_path / "stderr.txt"
    with said.open("w") as stderr:  # a file: the orphaned command keeps a pipe open
        gated = gated_ocr(standby, tmp_path, stdout=subprocess.DEVNULL, stderr=stderr)
    command = gated.page_process

    standby.process.kill()  # no exit code will ever come
    gated.client.wait(timeout=300)

    assert gated.client.returncode == ExitCode.UNEXPECTED
    assert "stopped abruptly" in said.read_text()
    # Its command does not run on unattended: stopped as by Ctrl-C, with its page still
    # held at the gate, so nothing was written.
    wait_for(lambda: not _alive(command), "the orphaned command to end")
    assert not gated.out.exists()
    assert "Traceback" not in said.read_text()


def test_process_through_the_standby_stores_into_the_catalogue(
    standby: Standby, tmp_path: Path
) -> None:
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")

    stored = sohoa(standby.home, "process", scan, "--case", CODE)
    shown = sohoa(standby.home, "show", CODE)

    assert stored.returncode == 0, stored.stderr
    assert shown.returncode == 0, shown.stderr
    assert f"{CODE}.1" in shown.stdout
    assert "stored" in shown.stdout
    assert served(standby.stop()) == ["process", "show"]


def ask_as(standby: Standby, **installed: str) -> dict[str, object] | None:
    """Send the standby a request from a client whose installation differs by `installed`."""
    request = standby_wire.this_request(["--help"])
    other = dataclasses.replace(request, installed={**request.installed, **installed})
    with socket.socket(socket.AF_UNIX) as client:
        client.connect(str(standby.socket))
        standby_wire.send_request(client, other, [0, 1, 2])
        return standby_wire.read_reply(client.makefile("rb"))


def test_after_an_upgrade_the_standby_runs_nothing_and_stops_for_a_current_one(
    standby: Standby,
) -> None:
    """sohoa upgraded (or its files edited) in place: the standby's loaded code is not the
    client's. It answers "stale" and runs nothing (the launcher then runs the command
    itself), and stops, so that the next command or the service manager starts a current one."""
    assert ask_as(standby, version="9.9") == {"stale": True}

    _, log = standby.process.communicate(timeout=300)  # it ends by itself
    assert standby.process.returncode == 0, log
    assert "sohoa changed since it was loaded" in log
    assert served(log) == []


def test_a_client_of_another_installation_is_told_to_run_it_itself_and_the_standby_stays(
    standby: Standby,
) -> None:
    assert ask_as(standby, package="/elsewhere/sohoa", prefix="/elsewhere") == {"stale": True}

    assert standby.process.poll() is None
    assert served(standby.stop()) == []


def test_a_standby_that_does_not_answer_is_said_and_ctrl_c_ends_the_wait(tmp_path: Path) -> None:
    """A stopped or stuck standby accepts the connection (the kernel does) and never
    answers: the client says it is waiting, with what to do, and a Ctrl-C ends the wait
    with the interrupted exit code instead of being kept for a command that never starts."""
    home = tmp_path / "home"
    home.mkdir()
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stuck.bind(str(home / "standby.sock"))
    stuck.listen()  # and never accepts
    script = (
        "import sys\n"
        "from sohoa import launcher\n"
        "launcher.SLOW_ANSWER, launcher.LOOK = 0.2, 0.05\n"
        "sys.argv = ['sohoa', 'ocr', 'in.pdf', 'out.pdf']\n"
        "launcher.main()\n"
    )
    client = subprocess.Popen(
        [sys.executable, "-c", script],
        env=watch_env(home),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert client.stderr is not None
        waiting = client.stderr.readline()  # blocks until the client says it
        client.send_signal(signal.SIGINT)
        code = client.wait(timeout=60)
    finally:
        client.kill()
        stuck.close()  # the request it never read holds the client's stderr open
    said = client.stderr.read()

    assert "has not started this command after 0.2 s; still waiting. Ctrl-C gives up" in waiting
    assert f"kill {os.getpid()}" in waiting  # the standby's pid, from the kernel
    assert code == ExitCode.INTERRUPTED
    assert "Interrupted: sohoa standby" in said and "nothing ran" in said
    assert not (tmp_path / "out.pdf").exists()


def test_a_request_whose_client_gave_up_before_it_was_read_runs_nothing(
    standby: Standby, tmp_path: Path
) -> None:
    """A client that gave up waiting (Ctrl-C while the standby was stopped or busy) has
    closed its end: the standby, reaching its request later, runs nothing behind the
    clerk's back, and serves the next command as usual."""
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")
    late = tmp_path / "late.pdf"
    standby.process.send_signal(signal.SIGSTOP)  # as stuck as a standby can be
    try:
        request = standby_wire.this_request(["ocr", str(scan), str(late)])
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(str(standby.socket))  # the kernel queues it
            standby_wire.send_request(client, request, [0, 1, 2])
    finally:
        standby.process.send_signal(signal.SIGCONT)

    after = sohoa(standby.home, "ocr", scan, tmp_path / "after.pdf")

    assert after.returncode == 0, after.stderr
    assert served(standby.stop()) == ["ocr"]  # the second one only
    assert not late.exists()


def test_a_command_starts_a_standby_for_the_next_ones_when_asked(tmp_path: Path) -> None:
    """SOHOA_STANDBY=always (`auto` does the same at a terminal): the first command runs by
    itself and leaves a standby behind, started with an idle limit, that serves the next.
    It lives in SOHOA_HOME (not the first command's folder, which may be a USB stick), and
    `sohoa standby --stop` stops it."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "standby.log").write_bytes(b"x" * (LOG_BYTES + 1))  # a log grown too big
    work = tmp_path / "work"
    work.mkdir()
    images.save_jpeg(images.text_page().image, work / "don.jpg")
    always = {"SOHOA_STANDBY": "always"}

    first = sohoa(home, "ocr", "don.jpg", "first.pdf", cwd=work, env=always)
    assert first.returncode == 0, first.stderr
    log = home / "standby.log"
    wait_for(lambda: "ready" in log.read_text("utf-8"), "the standby's ready line")
    pid = int(re.findall(r"\(pid (\d+)\)", log.read_text("utf-8"))[0])
    assert (home / "standby.log.1").stat().st_size == LOG_BYTES + 1  # set aside, one kept
    assert os.readlink(f"/proc/{pid}/cwd") == str(home)
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        assert b"--idle-minutes\x0030" in cmdline.read()

    second = sohoa(home, "ocr", "don.jpg", "second.pdf", cwd=work, env=always)
    stopped = sohoa(home, "standby", "--stop")

    assert second.returncode == 0, second.stderr
    assert pikepdf.pdfa.validate_written(work / "second.pdf", "2b").passed
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.strip() == f"stopped sohoa standby (pid {pid})"
    assert served(log.read_text("utf-8")) == ["ocr"]
    assert "standby: stopped" in log.read_text("utf-8")  # --stop waits for the end
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_stop_without_a_standby_says_so(tmp_path: Path) -> None:
    done = sohoa(tmp_path / "home", "standby", "--stop")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"no sohoa standby runs for {tmp_path / 'home'}"


@pytest.mark.parametrize("wanted", ["never", "auto"])
def test_no_standby_is_started_when_told_not_to_or_without_a_terminal(
    wanted: str, tmp_path: Path
) -> None:
    """`never`; and `auto`, the default, starts one only for a person at a terminal: a
    script, cron or a service gets no background process it did not ask for."""
    home = tmp_path / "home"
    home.mkdir()
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")

    done = sohoa(home, "ocr", scan, tmp_path / "don.pdf", env={"SOHOA_STANDBY": wanted})

    assert done.returncode == 0, done.stderr
    assert not (home / "standby.log").exists()
    assert not (home / "standby.sock").exists()


def test_an_idle_standby_stops_by_itself(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SOHOA), "standby", "--idle-minutes", "0.01"],
        env=watch_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "standby: idle, stopping" in done.stderr
    assert stop_line(done.stderr)["commands"] == "0"
    assert not (tmp_path / "home" / "standby.sock").exists()


def test_the_socket_is_the_users_only(standby: Standby) -> None:
    assert stat.S_IMODE(standby.socket.stat().st_mode) == 0o600
    standby.stop()


def test_only_processes_of_the_standbys_own_user_are_served() -> None:
    own = os.getuid()
    assert standby_wire.allowed(own, own)
    assert not standby_wire.allowed(own + 1, own)
    assert not standby_wire.allowed(0, 1000)  # not even root's
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert standby_wire.peer_uid(left) == own  # what the kernel says, not the client


def test_every_module_the_standby_preloads_exists() -> None:
    """A misspelt name would be skipped silently (a missing optional module is no error)."""
    for name in PRELOADED:
        importlib.import_module(name)


def test_the_launcher_hands_over_without_loading_typer_pydantic_or_numpy(
    standby: Standby, tmp_path: Path
) -> None:
    listing = tmp_path / "modules.txt"
    script = (
        "import sys\n"
        "from sohoa.launcher import handed_over\n"
        "code = handed_over(['--help'])\n"
        f"open({str(listing)!r}, 'w').write('\\n'.join(sorted(sys.modules)))\n"
        "sys.exit(code if code is not None else 99)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=watch_env(standby.home),
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr  # handed over, and the standby's help worked
    assert "process" in done.stdout
    modules = set(listing.read_text().split())
    heavy = ("typer", "click", "pydantic", "numpy", "PIL", "sohoa.cli", "sohoa.settings")
    assert [m for m in modules if m.split(".")[0] in heavy or m in heavy] == []
    standby.stop()


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_installing_or_removing_a_library_changes_what_the_standby_is_compared_on(
    tmp_path: Path,
) -> None:
    """pip writes a new *.dist-info folder for each package it installs or upgrades and
    removes the old one: either makes a running standby stale, so it stops for a new one."""
    (tmp_path / "pikepdf-10.18.0.dist-info").mkdir()
    (tmp_path / "pikepdf").mkdir()
    before = standby_wire.libraries([str(tmp_path)])
    assert before.startswith("1:")

    os.utime(tmp_path / "pikepdf-10.18.0.dist-info", ns=(1, 1))  # an older install ...
    (tmp_path / "numpy-2.3.0.dist-info").mkdir()  # ... and a new one beside it
    added = standby_wire.libraries([str(tmp_path)])
    (tmp_path / "numpy-2.3.0.dist-info").rmdir()
    removed = standby_wire.libraries([str(tmp_path)])

    assert len({before, added, removed}) == 3
    assert standby_wire.libraries([str(tmp_path / "missing")]) == "0:0"
