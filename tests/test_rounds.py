"""A background chore runs every few seconds and outlives a round that fails."""

from __future__ import annotations

import logging

import pytest

from sohoa.workers.rounds import Rounds
from tests.hot_folder_helpers import wait_for


def test_a_failing_round_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def chore() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise ConnectionError("database still starting")

    rounds = Rounds("test-chore", chore, interval=0.01)
    with caplog.at_level(logging.ERROR):
        rounds.start()
        wait_for(lambda: len(calls) >= 3, "three rounds")
        rounds.stop()
    stopped_at = len(calls)

    assert any("background round failed" in r.getMessage() for r in caplog.records)
    assert not rounds._thread.is_alive()
    assert len(calls) == stopped_at  # nothing runs once stopped
