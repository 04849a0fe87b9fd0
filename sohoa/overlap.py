"""`sohoa process A B C` without a queue: the next documents start while one finishes.

Digitised one after the other, each document left cores idle at its end: its last
page ran on one worker while the others waited, then the PDF/A was assembled,
validated and stored in this process with no page to read. Here up to one document
more than there are page workers is under way at once, on threads sharing the one
page-worker pool, so the next document's pages fill the workers across document
boundaries. Measured with `python -m bench --tools sohoa-process` (2 cores, same CPU
per page): dev corpus, 14 files, 25.7 s -> 21-23 s quiet and 67.6 -> 76.3 pages/min
loaded; generated corpus, 6 files, 85.2 -> 97.5 pages/min loaded.

What the clerk sees does not change: files are reported in the order given, each
with its own progress and failure, and the exit code is that of the first file that
failed. A document starts (and the catalog numbers it) only once the one before it
has handed its pages to the workers, after the checks that reject a file (unreadable,
encrypted, too coarse, too many pages), so files keep the numbers of their order and
a rejected file's number is given back before the next file takes one.

Ctrl-C or SIGTERM reaches this thread only: it stops the page workers
(``PageRunner.interrupt``), each running document then records its interruption on
its row and removes its temporary files, and documents not yet started never get a row.
With a queue the workers already overlap documents; ``--wait`` follows the jobs in order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING

from sohoa.failures import Failure
from sohoa.runtime import reported

if TYPE_CHECKING:
    from sohoa.settings import Settings
    from sohoa.workers.lifecycle import Digitiser, Handed
    from sohoa.workers.submission import Outcome

#: How often the progress shown for the awaited file is refreshed from its thread.
REFRESH_SECONDS = 0.25

Progress = Callable[[int, int], None]


def finish_in_order(
    lifecycle: Digitiser,
    handed: Sequence[tuple[int, Path, Handed]],
    settings: Settings,
    failures: list[list[Failure]],
) -> list[Outcome]:
    """Follow every handed file to its end; report each in the order given."""
    from sohoa.progress import page_progress
    from sohoa.workers.lifecycle import EmbeddedDigitiser

    outcomes: list[Outcome] = []
    if not isinstance(lifecycle, EmbeddedDigitiser) or len(handed) < 2:
        for index, path, submitted in handed:
            with reported(settings, failures[index]), page_progress(path.name) as progress:
                outcomes.append(submitted.finish(progress))
        return outcomes
    runner = lifecycle.runner
    batch = _Batch(len(handed))
    with ThreadPoolExecutor(runner.jobs + 1, thread_name_prefix="sohoa-document") as pool:
        futures = [pool.submit(batch.run, n, h.finish) for n, (_, _, h) in enumerate(handed)]
        try:
            for n, (index, path, _) in enumerate(handed):
                with reported(settings, failures[index]), page_progress(path.name) as progress:
                    outcomes.append(_await(futures[n], batch, n, progress))
        except BaseException:  # Ctrl-C, SIGTERM or a bug: stop the others before leaving
            batch.stop()
            for future in futures:
                future.cancel()
            runner.interrupt()
            wait(futures)
            raise
    return outcomes


class _Batch:
    """The documents' shared state: each one's latest page count, and who may start."""

    def __init__(self, count: int) -> None:
        self.seen: list[tuple[int, int] | None] = [None] * count
        #: Set when document n has handed its pages to the workers, or has ended.
        self.under_way = [threading.Event() for _ in range(count)]
        self.stopped = False

    def run(self, n: int, finish: Callable[[Progress | None], Outcome]) -> Outcome:
        """Document n, once document n-1 is under way (numbers follow the files' order)."""
        try:
            if n > 0:
                self.under_way[n - 1].wait()
            if self.stopped:
                raise KeyboardInterrupt  # never started: no row was made for it
            return finish(lambda done, total: self._progress(n, done, total))
        finally:
            self.under_way[n].set()

    def _progress(self, n: int, done: int, total: int) -> None:
        self.seen[n] = (done, total)
        self.under_way[n].set()

    def stop(self) -> None:
        self.stopped = True
        for event in self.under_way:
            event.set()


def _await(future: Future[Outcome], batch: _Batch, n: int, progress: Progress) -> Outcome:
    """Document n's outcome (or its Problem, raised here), showing its progress meanwhile.

    Waiting in short steps keeps this thread, the one that receives Ctrl-C and SIGTERM,
    responsive, and lets the display follow the pages done on the document's thread.
    """
    while not future.done():
        wait([future], timeout=REFRESH_SECONDS, return_when=FIRST_COMPLETED)
        count = batch.seen[n]
        if count is not None:
            progress(*count)
    return future.result()
