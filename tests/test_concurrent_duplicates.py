"""Two runs of one scan for one dossier at the same time: exactly one digitises.

Real `sohoa process` subprocesses on one catalog. The barriers are observable states,
never sleeps: the first run's page worker recognising a page (after its claim on the row), the
first run's page workers stopped with SIGSTOP while it holds the claim, and the second run's own log
line saying it waits for the first.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

from tests import images
from tests.hot_folder_helpers import CODE, SOHOA, documents, start_sohoa, wait_for, watch_env
from tests.test_page_workers_die import recognising
from tests.test_sigterm import descendants


def scan(tmp_path: Path) -> Path:
    pages = [images.numbered_page(n).image for n in range(6)]
    return images.save_jpeg_pdf(pages, tmp_path / "scan.pdf")


def ocr_started(process: subprocess.Popen[str]) -> bool:
    """A page worker of ``process`` is recognising a page: the row was claimed before."""
    return any(recognising(p) for p in descendants(process.pid))


#: Pages on page workers (child processes), not in the run's own process.
TWO_WORKERS = {"SOHOA_JOBS": "2"}


class Lines:
    """A subprocess's stderr read line by line in a thread, so a test can wait on a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stderr is not None
        stream = process.stderr
        self.thread = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self.thread.start()

    def saw(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))


def test_the_second_run_waits_for_the_first_and_never_rewrites_its_document(
    tmp_path: Path,
) -> None:
    source = scan(tmp_path)
    again = shutil.copy(source, tmp_path / "same-scan-again.pdf")
    home = tmp_path / "home"
    first = start_sohoa(home, "process", source, "--case", CODE, env=TWO_WORKERS)
    wait_for(lambda: ocr_started(first), "the first run to claim the document and start OCR")
    workers = descendants(first.pid)
    for pid in workers:  # the run holds its claim and waits for pages until SIGCONT
        os.kill(pid, signal.SIGSTOP)
    shown = subprocess.run(
        [str(SOHOA), "show", CODE], env=watch_env(home), capture_output=True, text=True
    )
    assert "[in_progress] being digitised" in shown.stdout, shown.stderr
    second = start_sohoa(home, "process", again, "--case", CODE, env={"SOHOA_LOG_LEVEL": "INFO"})
    log = Lines(second)
    wait_for(lambda: log.saw("being digitised by another run"), "the second run to wait")
    for pid in workers:
        os.kill(pid, signal.SIGCONT)

    out_first, err_first = first.communicate(timeout=300)
    out_second, _ = second.communicate(timeout=300)
    log.thread.join(timeout=10)

    assert first.returncode == 0, err_first
    assert second.returncode == 0, "".join(log.lines)
    assert "Stored" in out_first and "Already stored" in out_second, out_second
    (row,) = documents(home)
    assert row["status"] == "stored" and row["claimed_by"] is None
    stored = home / "objects" / str(row["key"])
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == row["sha256"]
    assert not log.saw("object stored"), "the second run uploaded an object"


def test_a_run_killed_with_sigkill_reads_failed_and_the_next_run_takes_it_over(
    tmp_path: Path,
) -> None:
    source = scan(tmp_path)
    home = tmp_path / "home"
    first = start_sohoa(home, "process", source, "--case", CODE, env=TWO_WORKERS)
    wait_for(lambda: ocr_started(first), "the first run to claim the document and start OCR")
    for pid in [first.pid, *descendants(first.pid)]:
        os.kill(pid, signal.SIGKILL)
    first.communicate(timeout=60)

    # `show` settles a row whose run died: it reads failed, with the reason, not pending.
    (row,) = documents(home)
    assert (row["status"], row["claim_state"], row["error_kind"]) == ("failed", None, "interrupted")
    shown = subprocess.run(
        [str(SOHOA), "show", CODE], env=watch_env(home), capture_output=True, text=True
    )
    assert "[interrupted]" in shown.stdout and "process the file again" in shown.stdout
    second = start_sohoa(home, "process", source, "--case", CODE, env=TWO_WORKERS)
    out, err = second.communicate(timeout=300)

    assert second.returncode == 0, err
    assert "Stored" in out
    (row,) = documents(home)
    assert row["status"] == "stored" and row["number"] == 1 and row["claim_state"] is None
