"""A chore a long-running process does every few seconds, on a daemon thread.

`sohoa serve` sends due webhook deliveries and settles the counter's picked scans
this way; `sohoa worker` sends the webhook outbox. A round that fails is logged and
the next one tries again: the loop outlives a database that is still starting or
briefly gone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Rounds:
    """Run ``one_round`` every ``interval`` seconds (the first after one interval) until
    stopped; ``stop`` waits up to ``stop_timeout`` seconds for a round under way."""

    def __init__(
        self,
        name: str,
        one_round: Callable[[], object],
        interval: float = 5.0,
        stop_timeout: float = 15.0,
    ) -> None:
        self._name = name
        self._round = one_round
        self._interval = interval
        self._stop_timeout = stop_timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._stop_timeout)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._round()
            except Exception:  # the next round retries
                log.exception("background round failed", extra={"round": self._name})
