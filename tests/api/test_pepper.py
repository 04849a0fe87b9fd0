"""`sohoa api` never runs with an empty key pepper: the embedded mode generates one on first
start (owner-only, said once in the log) and the CLI's keys use it; a deployment with a broker
must configure it and is refused otherwise. Real `sohoa` processes."""

from __future__ import annotations

import socket
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from sohoa.exit_codes import ExitCode
from tests.hot_folder_helpers import CODE, SOHOA, wait_for, watch_env

GENERATED = "generated the API key pepper"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(home: Path) -> Iterator[tuple[str, list[str]]]:
    """`sohoa api` on a free port until the block ends; yields its URL and stderr lines."""
    port = free_port()
    server = subprocess.Popen(
        [str(SOHOA), "api", "--port", str(port)],
        env=watch_env(home, {"SOHOA_LOG_LEVEL": "WARNING"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url) or server.poll() is not None, "sohoa api to answer")
        assert server.poll() is None, server.communicate()[1]
        lines: list[str] = []
        yield url, lines
    finally:
        server.terminate()
        _, err = server.communicate(timeout=60)
    lines.extend(err.splitlines())


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_embedded_api_generates_a_private_pepper_once_and_says_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with serving(home) as (url, log):
        pepper = home / "api-key-pepper"
        assert stat.S_IMODE(pepper.stat().st_mode) == 0o600
        assert len(pepper.read_text().strip()) >= 40
        created = subprocess.run(
            [str(SOHOA), "apikey", "create", "quay-1", "--scope", "read"],
            env=watch_env(home),
            capture_output=True,
            text=True,
            check=True,
        )
        token = created.stdout.splitlines()[0]
        answer = httpx.get(f"{url}/api/v1/cases/{CODE}", headers={"X-API-Key": token})
        assert answer.status_code == 404, answer.text  # authenticated: the dossier is unknown
    assert [line for line in log if GENERATED in line] != []
    assert len([line for line in log if GENERATED in line]) == 1
    first = pepper.read_text()
    with serving(home) as (_, again):
        pass
    assert pepper.read_text() == first
    assert not any(GENERATED in line for line in again)


def test_a_deployment_without_a_pepper_is_refused_at_start(tmp_path: Path) -> None:
    refused = subprocess.run(
        [str(SOHOA), "api", "--port", str(free_port())],
        env=watch_env(tmp_path / "home", {"SOHOA_BROKER_URL": "redis://127.0.0.1:1/0"}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == ExitCode.USAGE, refused.stderr
    assert "SOHOA_API_KEY_PEPPER is not set" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "home" / "api-key-pepper").exists()
