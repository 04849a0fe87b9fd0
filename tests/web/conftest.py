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

from tests import images

ARTIFACTS = Path(__file__).with_name("artifacts")
PASSWORD = "mat-khau-thu-nghiem"
ADMIN, CLERK, OTHER_CLERK, LOCKED = "quantri", "canbo", "canbo-khac", "bi-khoa"
#: Archive staff of each unit; each unit has its own backlog root (SOHOA_ARCHIVE_ROOTS).
ARCHIVIST, OTHER_ARCHIVIST = "luutru", "luutru-khac"
UNIT, OTHER_UNIT = "000.00.20.H56", "000.00.21.H56"
#: A supervisor reads their unit and the units below it: PARENT_UNIT has UNIT below it
#: (the unit tree imported at start), OTHER_UNIT is outside their tree.
SUPERVISOR, PARENT_UNIT = "giamsat", "000.00.19.H56"
#: A file name that is markup (a scanner names files as the clerk types them).
HOSTILE_NAME = '"><img src=x onerror=alert(1)>.jpg'
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
    add_user(env, SUPERVISOR, "supervisor", PARENT_UNIT, "Lê Thị Giám")
    import_unit_tree(env)
    for root in archive_roots(home).values():
        root.mkdir()
    env["SOHOA_ARCHIVE_ROOTS"] = ",".join(f"{u}={p}" for u, p in archive_roots(home).items())
    env["SOHOA_WATCH_CONFIG"] = str(write_hot_folders(home))
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


def import_unit_tree(env: dict[str, str]) -> None:
    """UNIT below PARENT_UNIT, with `sohoa register import --units` (names as codes, so the
    report pages read as without a tree)."""
    tree = Path(env["SOHOA_HOME"]) / "don-vi.csv"
    tree.write_text(
        f"Mã đơn vị;Tên đơn vị;Mã đơn vị cha\n{PARENT_UNIT};{PARENT_UNIT};\n"
        f"{UNIT};{UNIT};{PARENT_UNIT}\n",
        "utf-8",
    )
    command = [*SOHOA, "register", "import", str(tree), "--units"]
    subprocess.run(command, env=env, check=True, capture_output=True)


def archive_roots(home: Path) -> dict[str, Path]:
    """The backlog folder of each unit on the test server."""
    return {UNIT: home / "ton-dong", OTHER_UNIT: home / "ton-dong-khac"}


#: What each counter's scanner left in its hot folder before the office opened.
HOT_FILES = {UNIT: (HOSTILE_NAME, "quet-0001.jpg", "quet-0002.jpg"), OTHER_UNIT: ("quay-2.jpg",)}


def hot_folder_paths(home: Path) -> dict[str, Path]:
    """The counter scanner's hot folder of each unit on the test server."""
    return {UNIT: home / "quay-1", OTHER_UNIT: home / "quay-khac"}


def write_hot_folders(home: Path) -> Path:
    """The hot-folder file (SOHOA_WATCH_CONFIG): one counter folder per unit, filed from the
    counter page (watch: false), each with the scans listed in HOT_FILES."""
    config = home / "hot-folders.yaml"
    lines = ["folders:"]
    for number, (unit, folder) in enumerate(hot_folder_paths(home).items(), start=1):
        folder.mkdir()
        lines += [f"  - path: {folder.name}", f"    unit: {unit}", f'    counter: "Quầy {number}"']
        lines += ["    watch: false"]
        for offset, name in enumerate(HOT_FILES[unit]):
            scan = folder / name
            scan.write_bytes(images.jpeg_bytes(images.numbered_page(900 + offset).image))
            settled = time.time() - 600 + offset  # long unchanged: ready to be filed
            os.utime(scan, (settled, settled))
    config.write_text("\n".join(lines) + "\n", "utf-8")
    return config


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
