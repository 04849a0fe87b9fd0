"""Progress of one document's pages: a bar with ETA on a terminal, log lines elsewhere.

On a terminal the rich bar (never in logs or CI output); without one, a long run
logs its progress (sohoa.progress_log) so systemd or cron logs are not silent.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sohoa.progress_log import ProgressLog


@contextmanager
def page_progress(label: str, what: str = "process") -> Iterator[Callable[[int, int], None]]:
    """Yields a callback(done, total) that advances a bar labelled with the file name,
    or, without a terminal, the log lines of a run that lasts (the label is not logged)."""
    if not sys.stderr.isatty():
        logged = ProgressLog(what, quiet_if_short=True)
        try:
            yield logged.update
        finally:
            logged.finish()
        return
    # rich only for a terminal: a run without one (scripts, the bench) does not import it.
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("trang"),
        TimeElapsedColumn(),
        TextColumn("còn"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
