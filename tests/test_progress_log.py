"""Long runs without a terminal report progress in the log (done/total, pages/min, ETA),
so a batch under systemd or cron is not silent for hours."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sohoa.logs import PROGRESS_LOGGER, configure
from sohoa.progress_log import ProgressLog
from tests import images

CODE = "000.00.20.H56-240101-0001"
SOHOA = Path(sys.executable).with_name("sohoa")
FIELDS = {"what", "done", "total", "pages_per_min", "eta_seconds", "eta", "elapsed_seconds"}


class FakeClock:
    """Time that moves only when the test says so: no sleeps, no timing dependence."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    return caplog


def test_a_line_every_n_pages_and_at_the_end_with_rate_and_eta(
    logged: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    log = ProgressLog("batch", total=100, every_pages=10, every_seconds=3600, clock=clock)
    for _ in range(25):
        clock.now += 6  # ten pages a minute
        log.advance(1)
    log.finish()

    assert [(r.getMessage(), r.done) for r in logged.records] == [  # type: ignore[attr-defined]
        ("progress", 0),
        ("progress", 10),
        ("progress", 20),
        ("progress done", 25),
    ]
    last: Any = logged.records[-1]
    assert (last.total, last.pages_per_min, last.eta_seconds, last.eta) == (
        100,
        10.0,
        450,
        "0:07:30",
    )


def test_a_line_every_n_seconds_when_pages_are_slow(logged: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    log = ProgressLog("batch", total=1000, every_pages=50, every_seconds=30, clock=clock)
    for _ in range(4):
        clock.now += 20
        log.advance(1)
    assert [r.done for r in logged.records] == [0, 2, 4]  # type: ignore[attr-defined]


def test_a_short_run_stays_quiet_and_a_long_one_reports(logged: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    short = ProgressLog("process", quiet_if_short=True, every_seconds=30, clock=clock)
    short.update(1, 2)
    short.update(2, 2)
    short.finish()
    assert logged.records == []

    long = ProgressLog("process", quiet_if_short=True, every_seconds=30, clock=clock)
    clock.now += 31
    long.update(1, 2)
    clock.now += 31
    long.update(2, 2)
    long.finish()
    assert [(r.getMessage(), r.done, r.total) for r in logged.records] == [  # type: ignore[attr-defined]
        ("progress", 1, 2),
        ("progress", 2, 2),
        ("progress done", 2, 2),
    ]


@pytest.mark.parametrize(("level", "shown"), [("WARNING", True), ("INFO", True), ("ERROR", False)])
def test_progress_passes_the_default_log_level_and_error_silences_it(
    level: str, shown: bool
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger(PROGRESS_LOGGER).level)
    try:
        configure(level, "json")
        assert logging.getLogger(PROGRESS_LOGGER).isEnabledFor(logging.INFO) is shown
        assert not logging.getLogger("sohoa.other").isEnabledFor(logging.INFO) or level == "INFO"
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        logging.getLogger(PROGRESS_LOGGER).setLevel(saved[2])


def test_sohoa_batch_without_a_terminal_logs_json_progress_lines(tmp_path: Path) -> None:
    pages = [images.numbered_page(n).image for n in (1, 2, 3)]
    scan = images.save_jpeg_pdf(pages, tmp_path / "backlog.pdf")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(
        {"SOHOA_HOME": str(tmp_path / "home"), "SOHOA_JOBS": "1", "SOHOA_LANG": "en"}
        | {"SOHOA_LOG_FORMAT": "json"}  # no SOHOA_LOG_LEVEL: the default must let them through
    )
    run = subprocess.run(
        [str(SOHOA), "batch", str(scan), "--case", CODE, "--report", str(tmp_path / "r")],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,  # stderr is a pipe, not a terminal
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    progress = [r for r in records if r["logger"] == PROGRESS_LOGGER]

    assert progress, run.stderr
    assert all(set(r) >= FIELDS and r["level"] == "INFO" for r in progress)
    first, last = progress[0], progress[-1]
    assert (first["event"], first["done"], first["total"]) == ("progress", 0, 3)
    assert (last["event"], last["done"], last["total"]) == ("progress done", 3, 3)
    assert last["pages_per_min"] > 0 and last["eta_seconds"] == 0
    assert "backlog.pdf" not in "".join(json.dumps(r) for r in progress)  # no file names
