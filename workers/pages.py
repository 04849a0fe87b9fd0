"""Fan-out: OCR a document's pages in parallel, one single-threaded tesseract per core.

A page worker can die under us (the OOM killer, a crash in a native library):
``ProcessPoolExecutor`` then marks itself broken and refuses every later page,
so one death would fail every later document of a long-running service. The
runner replaces a broken pool and runs the document again, once; a document
that breaks the pool twice fails with ``worker_died`` (it may be what uses the
memory), and a pool that cannot be replaced is reported by :meth:`PageRunner.ready`.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from sohoa.ocr.page import PageJob, PageResult, process_page
from sohoa.workers.problems import Problem

Progress = Callable[[int, int], None]

log = logging.getLogger(__name__)

WORKER_DIED_VI = (
    "tiến trình xử lý trang bị dừng đột ngột (có thể do thiếu bộ nhớ), hai lần với "
    "cùng tài liệu; không có gì được lưu, hãy thử lại sau hoặc báo quản trị"
)
WORKER_DIED_EN = (
    "a page worker stopped abruptly (possibly out of memory), twice for the same "
    "document; nothing was stored, retry later or report it to the administrator"
)


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, initializer=_leave_signals_to_the_parent)


def _leave_signals_to_the_parent() -> None:
    """Page workers inherit the CLI's SIGTERM-as-Ctrl-C handler; a worker that raised
    KeyboardInterrupt mid-page would print a traceback. The parent owns shutdown (it
    kills its workers), so workers ignore Ctrl-C and die quietly on SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def default_jobs() -> int:
    """One worker per core the process may use."""
    return max(1, len(os.sched_getaffinity(0)))


class PageRunner:
    """A pool of page workers kept for many documents (process start-up is paid once)."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs or default_jobs()
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        #: Why the pool is gone and could not be replaced; empty while it works.
        self._dead = ""
        #: Set by `interrupt`: no page runs any more, no pool is started again.
        self._interrupted = False

    def __enter__(self) -> PageRunner:
        if self.jobs > 1:
            self._pool = _new_pool(self.jobs)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def run(self, jobs: Sequence[PageJob], progress: Progress | None = None) -> list[PageResult]:
        """All pages' results, in page order; the first failure stops the document.

        ``progress`` hears (0, pages) as the pages are handed to the workers: a bar shows
        the count at once, and `sohoa process` knows the document is past the checks that
        reject a file and starts the next one (sohoa.overlap).
        """
        if progress is not None:
            progress(0, len(jobs))
        if self.jobs <= 1:
            return [
                _tick(process_page(self._go_on(job)), i + 1, len(jobs), progress)
                for i, job in enumerate(jobs)
            ]
        for attempt in (1, 2):
            pool = self._current_pool()
            try:
                return _run_in(pool, jobs, progress)
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM: stop the pages before any clean-up
                self._stop(pool)
                raise
            except BrokenProcessPool:
                if self._interrupted:  # killed by `interrupt`, not by a crash
                    raise KeyboardInterrupt from None
                log.warning(
                    "page worker died; replacing the page-worker pool",
                    extra={"attempt": attempt, "pages": len(jobs)},
                )
                self._replace(pool)
        raise Problem("worker_died", WORKER_DIED_VI, WORKER_DIED_EN)

    def interrupt(self) -> None:
        """Stop every document running on this runner, from the thread that saw Ctrl-C or
        SIGTERM while others run documents (`sohoa process` digitising two at a time).

        The page workers are killed at once; each document's `run` then raises
        KeyboardInterrupt in its own thread, so that thread records the interruption
        on its row and removes its temporary files. No pool is started again.
        """
        self._interrupted = True
        pool = self._pool
        if pool is not None:
            self._stop(pool)

    def _go_on(self, job: PageJob) -> PageJob:
        """`job`, unless the runner was interrupted (one worker: checked between pages)."""
        if self._interrupted:
            raise KeyboardInterrupt
        return job

    def ready(self) -> str:
        """Empty when pages can be run; else why not (a broken pool is replaced here first)."""
        pool = self._pool
        if self._dead or (pool is not None and getattr(pool, "_broken", False)):
            self._replace(pool)  # died while idle, or could not be replaced before: try now
        return self._dead

    def worker_pids(self) -> list[int]:
        """The page workers' process ids (for diagnostics and tests)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return sorted(int(pid) for pid in processes)

    def _current_pool(self) -> ProcessPoolExecutor:
        if self._interrupted:
            raise KeyboardInterrupt
        if self._pool is None:
            self._replace(None)  # the last replacement failed: try again for this document
        with self._lock:
            if self._interrupted:
                raise KeyboardInterrupt
            if self._pool is None:
                raise Problem(
                    "worker_died",
                    "không khởi động lại được các tiến trình xử lý trang; hãy báo quản trị",
                    f"the page workers could not be restarted ({self._dead}); "
                    "report it to the administrator",
                )
            return self._pool

    def _stop(self, pool: ProcessPoolExecutor) -> None:
        """Kill the workers of `pool` now (their tesseracts die with them), not after their
        pages: the caller's temporary folders are removed next, and must not be in use."""
        with self._lock:
            processes = list((getattr(pool, "_processes", None) or {}).values())
            for process in processes:
                process.kill()  # SIGKILL: a page has nothing worth saving
            for process in processes:
                process.join(timeout=10)
            pool.shutdown(wait=True)
            if self._pool is pool:
                self._pool, self._dead = None, "page workers stopped by an interruption"

    def _replace(self, broken: ProcessPoolExecutor | None) -> None:
        """A fresh pool instead of `broken` (once, however many documents saw it break).

        The new pool is started and answers once before it is used, so a machine
        that cannot start processes any more is known here, not on a client's page.
        """
        with self._lock:
            if self._pool is not broken or self._interrupted:
                return  # another document already replaced it, or all is stopping
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            fresh: ProcessPoolExecutor | None = None
            try:
                fresh = _new_pool(self.jobs)
                fresh.submit(os.getpid).result()
            except (OSError, BrokenProcessPool) as error:  # no memory or processes left
                if fresh is not None:
                    fresh.shutdown(wait=False, cancel_futures=True)
                self._dead = f"page workers cannot be started ({type(error).__name__}: {error})"
                log.error("page-worker pool cannot be replaced", extra={"error": self._dead})
                return
            self._pool, self._dead = fresh, ""


def _run_in(
    pool: ProcessPoolExecutor, jobs: Sequence[PageJob], progress: Progress | None
) -> list[PageResult]:
    futures: list[Future[PageResult]] = [pool.submit(process_page, job) for job in jobs]
    results: list[PageResult] = []
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            results.append(_tick(future.result(), done, len(jobs), progress))
    except KeyboardInterrupt:
        # Not cancelled: the workers are killed next, and Python 3.11's pool then fails
        # every pending future itself (it cannot fail a cancelled one: InvalidStateError).
        raise
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return sorted(results, key=lambda r: r.index)


def _tick(result: PageResult, done: int, total: int, progress: Progress | None) -> PageResult:
    if progress is not None:
        progress(done, total)
    return result
