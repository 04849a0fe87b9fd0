"""A real `sohoa serve` on a free port with a temporary SOHOA_HOME, and a real Chromium.

The server runs as a subprocess exactly as an office runs it; its accounts are made
with `sohoa users add` (there is no default password). Chromium is Debian's
(/usr/bin/chromium), driven by Playwright; it is never downloaded. Under CI a missing
Chromium fails the browser tests instead of skipping them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ARTIFACTS = Path(__file__).with_name("artifacts")
PASSWORD = "mat-khau-thu-nghiem"
ADMIN, CLERK, OTHER_CLERK, LOCKED = "quantri", "canbo", "canbo-khac", "bi-khoa"
#: Archive staff of each unit; each unit has its own backlog root (SOHOA_ARCHIVE_ROOTS).
ARCHIVIST, OTHER_ARCHIVIST = "luutru", "luutru-khac"
UNIT, OTHER_UNIT = "000.00.20.H56", "000.00.21.H56"
SOHOA = [str(Path(sys.executable).with_name("sohoa"))]


@dataclass(frozen=True)
class Served:
    url: str
    home: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_user(env: dict[str, str], name: str, role: str, unit: str, display: str = "") -> None:
    password_file = Path(env["SOHOA_HOME"]) / "pw.txt"
    password_file.write_text(PASSWORD + "\n", "utf-8")
    command = [*SOHOA, "users", "add", name, "--role", role, "--unit", unit]
    command += ["--password-file", str(password_file), "--display-name", display or name]
    subprocess.run(command, env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("sohoa-web")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_LANG="vi", SOHOA_JOBS="1")
    add_user(env, ADMIN, "admin", UNIT, "Quản trị viên")
    add_user(env, CLERK, "clerk", UNIT, "Nguyễn Văn Bình")
    add_user(env, OTHER_CLERK, "clerk", OTHER_UNIT)
    add_user(env, LOCKED, "clerk", UNIT)
    add_user(env, ARCHIVIST, "archivist", UNIT, "Trần Thị Lưu")
    add_user(env, OTHER_ARCHIVIST, "archivist", OTHER_UNIT)
    for root in archive_roots(home).values():
        root.mkdir()
    env["SOHOA_ARCHIVE_ROOTS"] = ",".join(f"{u}={p}" for u, p in archive_roots(home).items())
    port = free_port()
    log = (home / "serve.log").open("wb")
    process = subprocess.Popen(
        [*SOHOA, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, process)
        yield Served(url, home)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def archive_roots(home: Path) -> dict[str, Path]:
    """The backlog folder of each unit on the test server."""
    return {UNIT: home / "ton-dong", OTHER_UNIT: home / "ton-dong-khac"}


def _wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll /healthz until the server answers (readiness, not a timing assumption)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sohoa serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("sohoa serve did not answer /healthz within 60 s")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@contextmanager
def signed_in(served: Served, username: str) -> Iterator[httpx.Client]:
    """An httpx client with a live session of ``username``."""
    with served.client() as client:
        token = csrf_of(client.get("/login").text)
        answer = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 303, answer.text
        yield client




@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def browser_login(page: Any, served: Served, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{served.url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
