"""Progress as structured log lines, for runs with no terminal to draw a bar on.

A batch under systemd, cron or ``docker compose`` has no TTY, so the rich bar is
off; without these lines the log would stay silent for hours. One INFO line on
the ``sohoa.progress`` logger every ``every_seconds`` or every ``every_pages``
pages (whichever comes first), and one at the end: pages done and total,
pages/min and the estimated time left. No file names: they may name a citizen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sohoa.logs import PROGRESS_LOGGER

log = logging.getLogger(PROGRESS_LOGGER)

#: A line at least this often while pages are done (seconds) …
EVERY_SECONDS = 30.0
#: … or after this many pages, whichever comes first.
EVERY_PAGES = 50


@dataclass
class ProgressLog:
    """Counts pages and logs at the intervals above.

    ``quiet_if_short``: log nothing for a run that ends before the first interval
    (one ``sohoa process`` of a short scan needs no progress line).
    """

    what: str
    total: int | None = None
    quiet_if_short: bool = False
    every_seconds: float = EVERY_SECONDS
    every_pages: int = EVERY_PAGES
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    lines: int = 0
    _started: float = field(init=False)
    _last_time: float = field(init=False)
    _last_done: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._started = self._last_time = self.clock()
        if not self.quiet_if_short:
            self._emit(final=False)

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` pages so far (of ``total`` when it is now known)."""
        self.done = done
        self.total = total if total else self.total
        now = self.clock()
        if (
            done - self._last_done >= self.every_pages
            or now - self._last_time >= self.every_seconds
        ):
            self._emit(final=False)

    def advance(self, pages: int) -> None:
        self.update(self.done + pages)

    def finish(self) -> None:
        """The closing line (skipped for a short run when ``quiet_if_short``)."""
        if self.lines or not self.quiet_if_short:
            self._emit(final=True)

    def _emit(self, *, final: bool) -> None:
        now = self.clock()
        elapsed = max(now - self._started, 0.0)
        rate = self.done / elapsed if elapsed > 0 else None  # pages per second
        left = None
        if rate and self.total and self.total >= self.done:
            left = (self.total - self.done) / rate
        log.info(
            "progress done" if final else "progress",
            extra={
                "what": self.what,
                "done": self.done,
                "total": self.total,
                "pages_per_min": round(rate * 60, 1) if rate is not None else None,
                "eta_seconds": round(left) if left is not None else None,
                "eta": _clock_text(left) if left is not None else None,
                "elapsed_seconds": round(elapsed, 1),
            },
        )
        self.lines += 1
        self._last_time, self._last_done = now, self.done


def _clock_text(seconds: float) -> str:
    """``1:02:03`` — what an operator reads at a glance in a log viewer."""
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
