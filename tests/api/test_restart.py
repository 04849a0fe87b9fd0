"""Accepted uploads are never lost: the embedded API records each job in the catalog before it
answers 202, answers `/jobs/{id}` from there, and resumes unfinished jobs when it starts again.

A real `sohoa api` process gets three uploads, is stopped with SIGTERM at once, and is started
again: all three end stored, and their inbox copies are gone. Every wait is a bounded poll.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import images
from tests.hot_folder_helpers import CODE, SOHOA

API = "/api/v1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update({"SOHOA_HOME": str(home), "SOHOA_JOBS": "1", "SOHOA_API_WORKERS": "1"})
    return env


def poll(check: Callable[[], Any], what: str, deadline: float = 240.0) -> Any:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            value = check()
        except httpx.TransportError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def start_api(home: Path, port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [str(SOHOA), "api", "--host", "127.0.0.1", "--port", str(port)],
        env=env_for(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    poll(lambda: server.poll() is not None or httpx.get(url).status_code == 200, "the API")
    assert server.poll() is None, server.stderr.read() if server.stderr else ""
    return server


@pytest.fixture
def stop() -> Iterator[Callable[[subprocess.Popen[str]], None]]:
    started: list[subprocess.Popen[str]] = []

    def terminate(server: subprocess.Popen[str]) -> None:
        started.append(server)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)

    yield terminate
    for server in started:
        if server.poll() is None:
            server.kill()


def test_three_accepted_uploads_survive_a_sigterm_and_end_stored(
    home: Path, tmp_path: Path, stop: Callable[[subprocess.Popen[str]], None]
) -> None:
    created = subprocess.run(
        [str(SOHOA), "apikey", "create", "quay-1", "--scope", "upload"],
        env=env_for(home),
        capture_output=True,
        text=True,
        check=True,
    )
    headers = {"Authorization": f"Bearer {created.stdout.strip().splitlines()[0]}"}
    scans = [
        images.save_png(images.numbered_page(n).image, tmp_path / f"trang-{n}.png")
        for n in (1, 2, 3)
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}{API}"

    server = start_api(home, port)
    jobs = []
    for scan in scans:
        answer = httpx.post(
            f"{base}/cases/{CODE}/documents",
            headers=headers,
            files={"file": (scan.name, scan.read_bytes(), "image/png")},
            timeout=60,
        )
        assert answer.status_code == 202, answer.text
        jobs.append(answer.json()["id"])
    stop(server)

    server = start_api(home, port)
    try:

        def all_ended() -> list[dict[str, Any]] | None:
            states = [httpx.get(f"{base}/jobs/{j}", headers=headers).json() for j in jobs]
            return states if all(s["state"] in ("done", "failed") for s in states) else None

        ended = poll(all_ended, "the three jobs to end")
        assert [job["state"] for job in ended] == ["done", "done", "done"], ended
        case = httpx.get(f"{base}/cases/{CODE}", headers=headers).json()
        assert sorted(d["status"] for d in case["documents"]) == ["stored"] * 3
        assert sorted(d["number"] for d in case["documents"]) == [1, 2, 3]
        assert list((home / "inbox").glob("*")) == []  # each inbox copy went once stored
    finally:
        stop(server)
