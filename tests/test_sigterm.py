"""SIGTERM on `sohoa process` stops it as Ctrl-C does: page workers
are killed, temporary files are removed, and the exit code is 130 (INTERRUPTED, the same as
Ctrl-C, not the shell's 143: the command handles the signal and says it was stopped).

A real `sohoa process` subprocess on a multi-page scan; the signal is sent once a
page worker under it has loaded tesseract's engine (seen in /proc), never after a sleep.
"""

from __future__ import annotations

import signal
from pathlib import Path

from sohoa.exit_codes import ExitCode
from tests import images
from tests.hot_folder_helpers import CODE, documents, start_sohoa, wait_for
from tests.test_page_workers_die import alive, children, recognising


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def test_sigterm_stops_page_workers_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    scan = images.save_jpeg_pdf(
        [images.numbered_page(n).image for n in range(6)], tmp_path / "scan.pdf"
    )
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    tmp.mkdir()
    process = start_sohoa(
        home, "process", scan, "--case", CODE, env={"SOHOA_JOBS": "2", "TMPDIR": str(tmp)}
    )
    wait_for(
        lambda: any(recognising(p) for p in descendants(process.pid)),
        "a page worker of sohoa process recognising a page",
    )
    before = descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=300)

    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    wait_for(lambda: not any(alive(p) for p in before), "the page workers to end")
    assert [p.name for p in tmp.iterdir() if p.name.startswith("sohoa-")] == []
    statuses = [d["status"] for d in documents(home)]
    assert "pending" not in statuses, statuses
