"""`sohoa worker -n N` keeps its workers running, and gives up loudly on one that keeps dying."""

from __future__ import annotations

import sys

import pytest

from sohoa.workers.worker_pool import RESTARTS_PER_MINUTE, run_pool


def finishes() -> None:
    """A worker that stops cleanly (as after SIGTERM)."""


def exits_with_3() -> None:
    sys.exit(3)


def no_args(_n: int) -> tuple[object, ...]:
    return ()


def test_workers_that_stop_cleanly_end_the_pool_with_success() -> None:
    assert run_pool(finishes, no_args, processes=2) == 0


def test_a_worker_that_keeps_dying_stops_the_pool_with_its_exit_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert run_pool(exits_with_3, no_args, processes=1) == 3
    restarts = [r for r in caplog.records if "starting a new one" in r.getMessage()]
    assert len(restarts) == RESTARTS_PER_MINUTE
    assert any("keeps dying" in r.getMessage() for r in caplog.records)
