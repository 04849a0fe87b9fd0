"""Fan-out: OCR a document's pages in parallel, one single-threaded tesseract per core."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from types import TracebackType

from ocr.page import PageJob, PageResult, process_page

Progress = Callable[[int, int], None]


def default_jobs() -> int:
    """One worker per core the process may use."""
    return max(1, len(os.sched_getaffinity(0)))


class PageRunner:
    """A pool of page workers kept for many documents (process start-up is paid once)."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs or default_jobs()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> PageRunner:
        if self.jobs > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs)
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
        """All pages' results, in page order; the first failure stops the document."""
        if self._pool is None:
            return [
                _tick(process_page(job), i + 1, len(jobs), progress) for i, job in enumerate(jobs)
            ]
        futures: list[Future[PageResult]] = [self._pool.submit(process_page, job) for job in jobs]
        results: list[PageResult] = []
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                results.append(_tick(future.result(), done, len(jobs), progress))
        finally:
            for future in futures:
                future.cancel()
        return sorted(results, key=lambda r: r.index)


def _tick(result: PageResult, done: int, total: int, progress: Progress | None) -> PageResult:
    if progress is not None:
        progress(done, total)
    return result
