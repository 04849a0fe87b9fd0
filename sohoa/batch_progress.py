"""The batch's progress: pages done over the whole batch, pages/min and time left.

On a terminal, a rich bar. Without one (systemd, cron, a pipe) a bar is noise,
so the same figures go to the log as structured lines (sohoa.progress_log) at
intervals and at the end: a batch of hours is never silent.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from sohoa.progress_log import ProgressLog


class PagesPerMinute(ProgressColumn):
    """Throughput as archive staff plan it: pages per minute."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- trang/phút" if speed is None else f"{speed * 60:.0f} trang/phút")


@dataclass
class BatchBar:
    """Advance by pages, relabel with the file being read; safe to call when disabled.

    Lines printed to stdout meanwhile appear above the bar (rich redirects stdout).
    """

    bar: Progress
    task: TaskID

    def advance(self, pages: int) -> None:
        self.bar.update(self.task, advance=pages)

    def label(self, text: str) -> None:
        self.bar.update(self.task, description=text)


@dataclass
class LoggedBatch:
    """The BatchBar interface over log lines; labels (file names) are not logged."""

    log: ProgressLog

    def advance(self, pages: int) -> None:
        self.log.advance(pages)

    def label(self, text: str) -> None:
        """File names may name a citizen: they stay out of the log."""


@contextmanager
def batch_progress(total_pages: int) -> Iterator[BatchBar | LoggedBatch]:
    if not sys.stderr.isatty():
        logged = ProgressLog("batch", total=total_pages or None)
        try:
            yield LoggedBatch(logged)
        finally:
            logged.finish()
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("trang"),
        PagesPerMinute(),
        TimeElapsedColumn(),
        TextColumn("còn"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        yield BatchBar(bar, bar.add_task("", total=total_pages or None))
