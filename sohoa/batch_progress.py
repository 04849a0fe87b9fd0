"""The batch's progress bar: pages done over the whole batch, pages/min and time left.

On a terminal only, like sohoa.progress: in logs, cron mails and CI output a
bar is noise, and the one line per finished part says enough.
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


@contextmanager
def batch_progress(total_pages: int) -> Iterator[BatchBar]:
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
        disable=not sys.stderr.isatty(),
    )
    with bar:
        yield BatchBar(bar, bar.add_task("", total=total_pages or None))
