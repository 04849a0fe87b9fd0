"""Diagnosable logs: exceptions keep their type and traceback, a server error is in the access
log, and nothing logged (a file name with a newline) can forge a log line."""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sohoa.api.app import create_app
from sohoa.logs import configure
from tests.api.conftest import api_settings
from tests.hot_folder_helpers import SOHOA, scan_pdf, watch_env

FORGED = "error sohoa.security: forged"


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., str]]:
    """configure(INFO, fmt) onto the captured stderr; yields a reader of what was written."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def read(fmt: str = "") -> str:
        if fmt:
            configure("INFO", fmt)
            return ""
        return capsys.readouterr().err

    try:
        yield read
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def log_a_failure() -> None:
    try:
        int("not a number")
    except ValueError:
        logging.getLogger("sohoa.test").exception("unexpected error", extra={"file": "a.pdf"})


def test_json_lines_carry_the_exception_type_and_traceback(logs: Callable[..., str]) -> None:
    logs("json")
    log_a_failure()
    (line,) = logs().splitlines()
    entry = json.loads(line)
    assert entry["event"] == "unexpected error" and entry["file"] == "a.pdf"
    assert entry["error"] == "ValueError: invalid literal for int() with base 10: 'not a number'"
    assert entry["traceback"].startswith("Traceback (most recent call last):")
    assert "in log_a_failure" in entry["traceback"]


def test_text_lines_carry_the_traceback_on_marked_lines(logs: Callable[..., str]) -> None:
    logs("text")
    log_a_failure()
    first, *trace = logs().splitlines()
    assert first.startswith("error sohoa.test: unexpected error file=a.pdf error=")
    assert "ValueError" in first
    assert trace and all(line.startswith("  | ") for line in trace)
    assert trace[0] == "  | Traceback (most recent call last):"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_name_with_a_newline_cannot_forge_a_line(logs: Callable[..., str], fmt: str) -> None:
    logs(fmt)
    name = f"scan.pdf\n{FORGED} user=admin"
    logging.getLogger("sohoa.test").warning(f"quarantined {name}", extra={"file": name})
    (line,) = logs().splitlines()
    assert "\\n" in line


def test_a_server_error_is_in_the_access_log_with_its_traceback(
    logs: Callable[..., str], tmp_path: Path
) -> None:
    app = create_app(api_settings(tmp_path / "home"))

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    logs("json")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/boom").status_code == 500
    entries = [json.loads(line) for line in logs().splitlines()]
    (access,) = [e for e in entries if e["logger"] == "sohoa.api.access"]
    assert (access["status"], access["path"], access["level"]) == (500, "/boom", "ERROR")
    (handled,) = [e for e in entries if e["event"] == "unexpected error"]
    assert handled["error"] == "RuntimeError: a bug" and "in boom" in handled["traceback"]


def test_the_watcher_logs_a_file_named_with_a_newline_on_one_line(tmp_path: Path) -> None:
    hot = tmp_path / "quay-1"
    hot.mkdir()
    scan_pdf(hot / f"scan\n{FORGED}.pdf")
    run = subprocess.run(
        [str(SOHOA), "watch", str(hot), "--once", "--settle", "0.3"],
        env=watch_env(tmp_path / "home", {"SOHOA_LOG_LEVEL": "INFO"}),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "quarantined" in run.stderr
    assert not any(line.startswith(FORGED) for line in run.stderr.splitlines()), run.stderr
