"""A page worker killed mid-document (as the OOM killer does) costs one retry, not the service.

Before, the killed child left the process pool broken for good: every later
document failed (the watcher quarantined every later file, the API failed
every later upload) while /readyz said ok. Real page workers, real tesseract,
a real ``kill -9``; the test waits on what it can see in /proc (a page worker
that has loaded tesseract's engine), never on time.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from sohoa.ocr.assemble import DocumentResult
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.pdfa import DocumentMetadata
from sohoa.workers.lifecycle import digitise_file
from sohoa.workers.pages import PageRunner
from sohoa.workers.problems import Problem
from tests import images
from tests.hot_folder_helpers import wait_for

PAGES = 6


def scan(path: Path, pages: int = PAGES) -> Path:
    """A scanner PDF of numbered pages: enough work that pages remain when one is killed."""
    return images.save_jpeg_pdf([images.numbered_page(n).image for n in range(pages)], path)


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc, no psutil)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # it ended while we looked
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def name(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        return "Z" not in (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1][:3]
    except OSError:
        return False


def recognising(pid: int) -> bool:
    """The page worker has loaded tesseract's engine (tesserocr), which it does at its first
    page: a fresh pool's worker with it loaded is working on a page of the document."""
    try:
        return "libtesseract" in (Path("/proc") / str(pid) / "maps").read_text()
    except OSError:
        return False


def working_worker(runner: PageRunner, besides: Collection[int]) -> int | None:
    """A page worker (not one of `besides`) that is recognising a page."""
    for worker in runner.worker_pids():
        if worker not in besides and recognising(worker):
            return worker
    return None


def start(
    runner: PageRunner, source: Path, out: Path
) -> tuple[ThreadPoolExecutor, Future[DocumentResult]]:
    """Digitise in a thread, so the test can watch and kill while it runs."""
    metadata = DocumentMetadata(title="Thử nghiệm", dossier_code="", source_name=source.name)
    thread = ThreadPoolExecutor(1)
    return thread, thread.submit(digitise_file, source, out, metadata, OcrOptions(), runner)


@dataclass
class Kill:
    worker: int
    #: Every page worker of the pool at that moment (the killed one's siblings included).
    pool: set[int]


def kill_while_recognising(runner: PageRunner, besides: Collection[int] = ()) -> Kill:
    """kill -9 a page worker (not one of `besides`) while it recognises a page."""
    seen: list[Kill] = []

    def spotted() -> bool:
        pool = set(runner.worker_pids())
        found = working_worker(runner, besides)
        if found is not None:
            seen.append(Kill(found, pool))
        return found is not None

    wait_for(spotted, "a page worker recognising a page")
    os.kill(seen[0].worker, signal.SIGKILL)
    return seen[0]


def test_a_killed_page_worker_is_replaced_and_the_document_retried_once(tmp_path: Path) -> None:
    with PageRunner(2) as runner:
        thread, document = start(runner, scan(tmp_path / "first.pdf"), tmp_path / "first-out.pdf")
        with thread:
            kill = kill_while_recognising(runner)
            result = document.result(timeout=900)
        assert result.input_pages == PAGES  # the whole document, from the retry
        assert not kill.pool & set(runner.worker_pids())  # a fresh pool took over
        assert runner.ready() == ""
        # ... and the next document runs on the same runner as if nothing had happened.
        second = scan(tmp_path / "second.pdf", pages=2)
        metadata = DocumentMetadata(title="Hai", dossier_code="", source_name=second.name)
        out = tmp_path / "second-out.pdf"
        assert digitise_file(second, out, metadata, OcrOptions(), runner).input_pages == 2


def test_a_document_that_breaks_the_pool_twice_fails_with_its_own_reason(tmp_path: Path) -> None:
    with PageRunner(2) as runner:
        thread, document = start(runner, scan(tmp_path / "twice.pdf"), tmp_path / "twice-out.pdf")
        with thread:
            first = kill_while_recognising(runner)
            kill_while_recognising(runner, besides=first.pool)  # the retry, on the new pool
            with pytest.raises(Problem) as failure:
                document.result(timeout=900)
        problem = failure.value
        assert problem.kind == "worker_died"
        assert not problem.rejected  # the row ends "failed", not "rejected": the file may be fine
        assert "có thể do thiếu bộ nhớ" in problem.vi
        assert "possibly out of memory" in problem.en
        assert runner.ready() == ""  # the pool is whole again for the next document
