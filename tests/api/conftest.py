"""The API in-process (FastAPI's TestClient) over a private SOHOA_HOME, with keys to use."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sohoa.api.app import create_app
from sohoa.settings import Settings
from sohoa.storage.api_keys import ApiKeyStore
from tests.images import DPI, text_page

CODE = "000.00.20.H56-240101-0001"
API = "/api/v1"


class Api:
    """A running app plus the helpers every API test needs."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    @property
    def keys(self) -> ApiKeyStore:
        return self.client.app.state.sohoa.backends.get().keys  # type: ignore[attr-defined,no-any-return]

    def key(self, scope: str = "upload", name: str | None = None) -> str:
        return self.keys.create(name or f"test-{scope}-{time.monotonic_ns()}", scope).token

    def auth(self, scope: str = "upload") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key(scope)}"}

    def upload(
        self, path: Path, headers: dict[str, str], *, kind: str = "intake", code: str = CODE
    ) -> Any:
        return self.client.post(
            f"{API}/cases/{code}/documents",
            headers=headers,
            files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
            data={"kind": kind},
        )

    def wait(self, job_id: str, headers: dict[str, str], timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job: dict[str, Any] = self.client.get(f"{API}/jobs/{job_id}", headers=headers).json()
            if job["state"] in ("done", "failed"):
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not finish in {timeout}s: {job}")


def api_settings(home: Path, **overrides: Any) -> Settings:
    """Settings for a test, immune to SOHOA_* variables of the developer's shell."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("SOHOA_")}
    try:
        return Settings(**{"home": home, "jobs": 1, "lang": "en", **overrides})
    finally:
        os.environ.update(saved)


@contextmanager
def running(settings: Settings) -> Iterator[Api]:
    with TestClient(create_app(settings)) as client:
        yield Api(client)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running(api_settings(tmp_path / "home")) as started:
        yield started


@pytest.fixture(scope="session")
def page_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small A5 text page at 200 dpi: OCR takes about a second."""
    path = tmp_path_factory.mktemp("scans") / "quyet-dinh.png"
    text_page().image.save(path, dpi=(DPI, DPI))
    return path
