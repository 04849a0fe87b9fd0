"""`sohoa worker -n N`: N worker processes under one parent that keeps them running.

A child that dies on its own (the OOM killer, a crash in a native library) is
replaced at once, so the pool keeps its size and the host keeps its cores busy;
its unfinished message goes back to the broker as with any dead worker. A
child that keeps dying (more than RESTARTS_PER_MINUTE times in a minute: a
broken install, a database that refuses us) stops the whole pool with an error
instead of spinning, so the service manager sees it. SIGTERM and SIGINT are
passed on and nothing is restarted after them: each child finishes the message
in hand and exits.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType

log = logging.getLogger(__name__)

RESTARTS_PER_MINUTE = 5


@dataclass
class _Slot:
    number: int
    process: BaseProcess
    deaths: list[float] = field(default_factory=list)
    finished: bool = False

    def died_too_often(self, now: float) -> bool:
        self.deaths = [t for t in self.deaths if now - t < 60] + [now]
        return len(self.deaths) > RESTARTS_PER_MINUTE


def run_pool(
    target: Callable[..., None], args_of: Callable[[int], tuple[object, ...]], processes: int
) -> int:
    """Run ``target(*args_of(n))`` in N spawned processes until stopped; the exit code."""
    context = multiprocessing.get_context("spawn")  # no inherited broker sockets
    stopping = threading.Event()

    def start(number: int) -> BaseProcess:
        process = context.Process(
            target=target, args=args_of(number), name=f"sohoa-worker-{number}"
        )
        process.start()
        return process

    slots = [_Slot(n, start(n)) for n in range(processes)]

    def forward(signum: int, _frame: FrameType | None) -> None:
        stopping.set()
        for slot in slots:
            _send(slot.process, signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return _supervise(slots, start, stopping, forward)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _supervise(
    slots: list[_Slot],
    start: Callable[[int], BaseProcess],
    stopping: threading.Event,
    forward: Callable[[int, FrameType | None], None],
) -> int:
    exit_code = 0
    while live := [slot for slot in slots if not slot.finished]:
        multiprocessing.connection.wait([slot.process.sentinel for slot in live], timeout=1.0)
        for slot in live:
            if slot.process.is_alive():
                continue
            slot.process.join()
            code = slot.process.exitcode or 0
            if stopping.is_set() or code == 0:
                slot.finished = True
            elif slot.died_too_often(time.monotonic()):
                log.error(
                    "worker process keeps dying; stopping the pool: fix what its last error "
                    "above says (settings, database, broker, S3) and start it again",
                    extra=_facts(slot, code),
                )
                slot.finished = True
                exit_code = code if code > 0 else 1
                forward(signal.SIGTERM, None)
            else:
                log.warning("worker process died; starting a new one", extra=_facts(slot, code))
                slot.process = start(slot.number)
                if stopping.is_set():  # a stop signal arrived while it was starting
                    _send(slot.process, signal.SIGTERM)
    return exit_code


def _send(process: BaseProcess, signum: int) -> None:
    if process.is_alive() and process.pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signum)


def _facts(slot: _Slot, code: int) -> dict[str, object]:
    """Exit code as the shell shows it: negative means killed by that signal."""
    return {"worker": slot.number, "pid": slot.process.pid, "exit_code": code}
