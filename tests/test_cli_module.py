"""`python -m sohoa.cli` is the `sohoa` command run in this very process.

For running sohoa from a checkout, a debugger or a profiler without the console
script: the same commands, help and exit codes, and never the launcher's detour
(no command handed to `sohoa standby`, no standby started for the next ones).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_module(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m sohoa.cli ARGS`` in a fresh interpreter, with a standby wanted always."""
    env = {**os.environ, "SOHOA_HOME": str(home), "SOHOA_LANG": "en", "SOHOA_STANDBY": "always"}
    return subprocess.run(
        [sys.executable, "-m", "sohoa.cli", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_python_dash_m_sohoa_cli_prints_the_commands_help_and_exits_0(tmp_path: Path) -> None:
    home = tmp_path / "sohoa-home"
    home.mkdir()
    done = run_module(home, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage: sohoa " in done.stdout  # named `sohoa`, not `cli.py`
    for command in ("process", "show", "get", "ocr", "serve"):
        assert command in done.stdout
    assert "Traceback" not in done.stderr


def test_python_dash_m_sohoa_cli_runs_here_without_the_standby(tmp_path: Path) -> None:
    """The launcher would start a standby here (SOHOA_STANDBY=always, the home exists),
    logging to standby.log; `python -m sohoa.cli` does not go through it."""
    home = tmp_path / "sohoa-home"
    home.mkdir()
    assert run_module(home, "show", "--help").returncode == 0
    assert not (home / "standby.log").exists()
    assert not (home / "standby.sock").exists()


def test_python_dash_m_sohoa_cli_gives_the_commands_exit_code(tmp_path: Path) -> None:
    home = tmp_path / "sohoa-home"
    home.mkdir()
    done = run_module(home, "no-such-command")
    assert done.returncode == 2  # a usage error, as `sohoa no-such-command` gives
    assert "There is no command 'no-such-command'." in done.stderr
